//! Page content streams, written as bytes from the positioned pages. printpdf builds the
//! document around them (page tree, fonts, images, annotations); writing the drawing
//! operators directly costs a fraction of going through printpdf's per-glyph operation
//! objects (measured: about 20 ms against 230 ms for 500 pages).
//!
//! Text: each run is `BT /Fn size Tf r g b rg x y Td [...] TJ ET` (font and colour only
//! when they change), glyph ids as two-byte
//! literal strings (half the bytes of hex, so half the compression work). A viewer advances each
//! glyph by its `/W` width (whole thousandths of an em, as printpdf writes them); the small
//! difference from the shaped advance is carried and paid back with a TJ number once it
//! reaches 0.01 pt, and always before a glyph that layout moved (kerning, justification,
//! letter spacing) and before a run's last glyph, so line ends are exact.

use std::collections::{BTreeMap, HashMap};

use super::fonts::FontId;
use super::page::{Item, Page, Rgb, TextRun};

/// Largest distance (points) a glyph may sit from its place because of width rounding.
const MAX_DRIFT: f32 = 0.01;

/// What the content writer needs to know about an embedded font.
pub struct FontRef<'a> {
    /// Resource name (`F0`).
    pub name: &'a str,
    /// Old glyph id → subset glyph id (a table indexed by the old id; 0 when unused).
    pub remap: &'a [u16],
    /// Subset glyph id → width as the viewer reads it (1/1000 em), indexed by the new id.
    pub widths: &'a [i64],
}

/// The content stream of one page. `images` maps a document image to its resource name.
pub fn page_stream(
    page: &Page,
    fonts: &BTreeMap<FontId, FontRef>,
    images: &HashMap<usize, String>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.items.len() * 48);
    let h = page.height;
    // Graphics first (backgrounds under text), then text.
    for item in &page.items {
        match item {
            Item::Rect {
                x,
                y,
                width,
                height,
                fill,
                stroke,
            } => {
                out.extend_from_slice(b"q ");
                if let Some(c) = fill {
                    color(&mut out, *c, b"rg");
                }
                if let Some((c, w)) = stroke {
                    color(&mut out, *c, b"RG");
                    num(&mut out, *w);
                    out.extend_from_slice(b" w ");
                }
                num(&mut out, *x);
                out.push(b' ');
                num(&mut out, h - y - height);
                out.push(b' ');
                num(&mut out, *width);
                out.push(b' ');
                num(&mut out, *height);
                out.extend_from_slice(match (fill.is_some(), stroke.is_some()) {
                    (true, true) => b" re B Q\n",
                    (true, false) => b" re f Q\n",
                    _ => b" re S Q\n",
                });
            }
            Item::Line {
                from,
                to,
                width,
                color: c,
            } => {
                out.extend_from_slice(b"q ");
                color(&mut out, *c, b"RG");
                num(&mut out, *width);
                out.extend_from_slice(b" w ");
                num(&mut out, from.0);
                out.push(b' ');
                num(&mut out, h - from.1);
                out.extend_from_slice(b" m ");
                num(&mut out, to.0);
                out.push(b' ');
                num(&mut out, h - to.1);
                out.extend_from_slice(b" l S Q\n");
            }
            Item::Image {
                image,
                x,
                y,
                width,
                height,
            } => {
                if let Some(name) = images.get(image) {
                    out.extend_from_slice(b"q ");
                    num(&mut out, *width);
                    out.extend_from_slice(b" 0 0 ");
                    num(&mut out, *height);
                    out.push(b' ');
                    num(&mut out, *x);
                    out.push(b' ');
                    num(&mut out, h - y - height);
                    out.extend_from_slice(b" cm /");
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b" Do Q\n");
                }
            }
            _ => {}
        }
    }
    let mut state = TextState::default();
    for item in &page.items {
        if let Item::Text(run) = item
            && let Some(font) = fonts.get(&run.font)
        {
            text(&mut out, run, font, h, &mut state);
        }
    }
    out
}

/// The font and fill colour the stream has set so far. Both are graphics state that text
/// objects (`BT`…`ET`) do not reset, so a run repeats them only when they change.
#[derive(Default)]
struct TextState<'a> {
    font: Option<(&'a str, u32)>,
    color: Option<Rgb>,
}

fn color(out: &mut Vec<u8>, c: Rgb, op: &[u8]) {
    for v in [c.0, c.1, c.2] {
        num(out, v as f32 / 255.0);
        out.push(b' ');
    }
    out.extend_from_slice(op);
    out.push(b' ');
}

/// A run of glyphs, as one text object.
fn text<'a>(
    out: &mut Vec<u8>,
    run: &TextRun,
    font: &FontRef<'a>,
    page_height: f32,
    state: &mut TextState<'a>,
) {
    let size = run.size;
    let scale = 1000.0 / size;
    let Some(first) = run.glyphs.first() else {
        return;
    };
    out.extend_from_slice(b"BT ");
    if state.font != Some((font.name, size.to_bits())) {
        out.push(b'/');
        out.extend_from_slice(font.name.as_bytes());
        out.push(b' ');
        num(out, size);
        out.extend_from_slice(b" Tf ");
        state.font = Some((font.name, size.to_bits()));
    }
    if state.color != Some(run.color) {
        color(out, run.color, b"rg");
        state.color = Some(run.color);
    }
    num(out, run.x + first.x);
    out.push(b' ');
    num(out, page_height - run.y + run.dy);
    out.extend_from_slice(b" Td [(");
    // The viewer's pen, relative to the run's start.
    let mut pen = first.x;
    let end = run.glyphs.len();
    for (i, g) in run.glyphs.iter().enumerate() {
        let gap = pen - g.x;
        let last = i + 1 == end;
        let moved = i > 0 && (gap.abs() >= MAX_DRIFT || (last && gap.abs() > 0.0005));
        if moved {
            // A tenth of a thousandth of an em is close enough (under 0.001 pt at text
            // sizes); the pen follows the number as written, so rounding never adds up
            // along the line.
            let adjust = (gap * scale * 10.0).round() / 10.0;
            if adjust != 0.0 {
                out.extend_from_slice(b") ");
                num(out, adjust);
                out.extend_from_slice(b" (");
                pen -= adjust * size / 1000.0;
            }
        }
        let new = font.remap.get(usize::from(g.id)).copied().unwrap_or(0);
        glyph_bytes(out, new);
        let w = font.widths.get(usize::from(new)).copied().unwrap_or(0) as f32;
        pen += w * size / 1000.0;
    }
    out.extend_from_slice(b")] TJ ET\n");
}

/// A glyph id as two big-endian bytes of a literal string, escaped where a reader would
/// otherwise end the string, take an escape, or read an end of line.
fn glyph_bytes(out: &mut Vec<u8>, v: u16) {
    for b in v.to_be_bytes() {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

/// Writes a number with at most three decimals, without trailing zeros.
pub fn num(out: &mut Vec<u8>, v: f32) {
    let v = if v.is_finite() { v } else { 0.0 };
    let scaled = (v as f64 * 1000.0).round() as i64;
    if scaled < 0 {
        out.push(b'-');
    }
    let a = scaled.unsigned_abs();
    let (int, frac) = (a / 1000, a % 1000);
    itoa(out, int);
    if frac != 0 {
        out.push(b'.');
        let digits = [(frac / 100) as u8, (frac / 10 % 10) as u8, (frac % 10) as u8];
        let keep = if digits[2] != 0 {
            3
        } else if digits[1] != 0 {
            2
        } else {
            1
        };
        for d in &digits[..keep] {
            out.push(b'0' + d);
        }
    }
}

/// Writes an unsigned integer in decimal.
fn itoa(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::page::Glyph;

    fn n(v: f32) -> String {
        let mut out = Vec::new();
        num(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(n(0.0), "0");
        assert_eq!(n(12.5), "12.5");
        assert_eq!(n(-0.125), "-0.125");
        assert_eq!(n(3.0004), "3");
        assert_eq!(n(595.276), "595.276");
        assert_eq!(n(f32::NAN), "0");
        assert_eq!(n(1234567.0), "1234567");
        assert_eq!(n(-0.5), "-0.5");
        assert_eq!(n(10.05), "10.05");
    }

    /// Where a viewer draws each glyph of a run, reading back our TJ array as a PDF reader
    /// does (literal strings with escapes, numbers between them).
    fn simulate(stream: &[u8], widths: &[i64], size: f32) -> Vec<f32> {
        let text = String::from_utf8_lossy(stream);
        let td = text.split(" Td ").next().unwrap();
        let mut pen: f32 = td.split_whitespace().rev().nth(1).unwrap().parse().unwrap();
        let start = stream.iter().position(|&b| b == b'[').unwrap() + 1;
        let mut xs = Vec::new();
        let mut i = start;
        let mut number = String::new();
        while stream[i] != b']' {
            match stream[i] {
                b'(' => {
                    let mut bytes = Vec::new();
                    i += 1;
                    while stream[i] != b')' {
                        if stream[i] == b'\\' {
                            i += 1;
                            bytes.push(match stream[i] {
                                b'r' => b'\r',
                                b'n' => b'\n',
                                other => other,
                            });
                        } else {
                            assert!(
                                stream[i] != b'\r',
                                "a raw carriage return would be read as a line feed"
                            );
                            bytes.push(stream[i]);
                        }
                        i += 1;
                    }
                    for pair in bytes.chunks(2) {
                        let gid = u16::from_be_bytes([pair[0], pair[1]]);
                        xs.push(pen);
                        pen += widths[usize::from(gid)] as f32 * size / 1000.0;
                    }
                }
                b' ' => {
                    if !number.is_empty() {
                        let k: f32 = number.parse().unwrap();
                        pen -= k * size / 1000.0;
                        number.clear();
                    }
                }
                c => number.push(c as char),
            }
            i += 1;
        }
        xs
    }

    #[test]
    fn glyphs_land_where_layout_put_them() {
        // Widths 500 and 333; layout kerns the third glyph and justifies the fourth.
        let mut remap = vec![0u16; 10];
        remap[5] = 1;
        remap[9] = 2;
        let widths = [0, 500, 333];
        let font = FontRef {
            name: "F0",
            remap: &remap,
            widths: &widths,
        };
        let xs = [0.0, 5.0, 8.2, 12.0, 17.0];
        let run = TextRun {
            font: FontId(0),
            size: 10.0,
            color: Rgb::BLACK,
            x: 100.0,
            y: 50.0,
            dy: 0.0,
            glyphs: xs
                .iter()
                .enumerate()
                .map(|(i, &x)| Glyph {
                    id: if i % 2 == 0 { 5 } else { 9 },
                    x,
                    advance: 5.0,
                    text_end: 0,
                })
                .collect(),
            text: String::new(),
        };
        let mut out = Vec::new();
        text(&mut out, &run, &font, 200.0, &mut TextState::default());
        let drawn = simulate(&out, &widths, 10.0);
        let stream = String::from_utf8_lossy(&out);
        assert_eq!(drawn.len(), 5);
        for (d, x) in drawn.iter().zip(xs) {
            assert!((d - (100.0 + x)).abs() < MAX_DRIFT + 1e-3, "{stream}: {drawn:?}");
        }
        assert!((drawn[4] - 117.0).abs() < 1e-3, "the last glyph exactly");
    }

    #[test]
    fn glyph_ids_that_look_like_delimiters_read_back() {
        // Subset ids whose bytes are `\r`, `(`, `\\`, `)`, `\n` and a plain byte.
        let ids = [0x0D28u16, 0x5C29, 0x0A41, 0x2828];
        let mut remap = vec![0u16; 8];
        let mut widths = vec![0i64; 0x5C2A];
        for (old, &new) in ids.iter().enumerate() {
            remap[old] = new;
            widths[usize::from(new)] = 500;
        }
        let run = TextRun {
            font: FontId(0),
            size: 10.0,
            color: Rgb::BLACK,
            x: 0.0,
            y: 50.0,
            dy: 0.0,
            glyphs: (0..ids.len())
                .map(|i| Glyph {
                    id: i as u16,
                    x: i as f32 * 5.0,
                    advance: 5.0,
                    text_end: 0,
                })
                .collect(),
            text: String::new(),
        };
        let font = FontRef {
            name: "F0",
            remap: &remap,
            widths: &widths,
        };
        let mut out = Vec::new();
        text(&mut out, &run, &font, 200.0, &mut TextState::default());
        let drawn = simulate(&out, &widths, 10.0);
        assert_eq!(drawn, [0.0, 5.0, 10.0, 15.0], "{}", String::from_utf8_lossy(&out));
    }
}
