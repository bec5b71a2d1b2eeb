//! PNG to PDF image streams without decoding the pixels. A PDF Flate stream with a PNG
//! predictor (`/Predictor 15`) reads the same filtered scanlines a PNG holds, so for the
//! common 8-bit, non-interlaced, unpaletted PNGs:
//! - grey and RGB: the image data is passed through as it is;
//! - grey+alpha and RGBA: PNG's filters work byte by byte on the same channel of
//!   neighbouring pixels, so the filtered rows split into filtered colour rows and filtered
//!   alpha rows that stay valid for a predictor with fewer colours. Rows are split as they
//!   are inflated (memory stays at one row), and the alpha goes away when it is opaque.
//!
//! Anything else (palettes, 16-bit, interlacing, transparency chunks) is left to the
//! decoding path.

use std::io::{Read, Write};

/// A PNG's pixel data as PDF Flate streams with a PNG predictor.
pub struct Streams {
    pub width: u32,
    pub height: u32,
    /// Colour components: 1 (grey) or 3 (RGB).
    pub colors: u8,
    /// The colour channels, zlib-compressed filtered rows.
    pub color: Vec<u8>,
    /// The alpha channel likewise, when some pixel is not opaque.
    pub alpha: Option<Vec<u8>>,
}

/// The streams of `data` when it is a PNG this path handles; `None` otherwise (the caller
/// decodes it instead), and for data that does not inflate to the declared size.
pub fn streams(data: &[u8]) -> Option<Streams> {
    let png = chunks(data)?;
    let (colors, has_alpha) = match png.color_type {
        0 => (1u8, false),
        2 => (3, false),
        4 => (1, true),
        6 => (3, true),
        _ => return None,
    };
    if png.depth != 8 || png.interlace != 0 || png.transparency || png.width == 0 || png.height == 0 {
        return None;
    }
    // The front end refuses larger images; this path does not rely on it.
    if png.width as u64 * png.height as u64 > 1 << 28 {
        return None;
    }
    let compressed: Vec<u8> = png.idat.concat();
    let channels = colors as usize + has_alpha as usize;
    let row_len = 1 + png.width as usize * channels;
    let mut rows = Rows::new(&compressed, row_len, png.height as usize);
    if !has_alpha {
        // Checked to inflate to exactly the declared rows, then passed through.
        while let Some(batch) = rows.next_batch() {
            if batch?.chunks_exact(row_len).any(|row| row[0] > 4) {
                return None;
            }
        }
        rows.finish()?;
        return Some(Streams {
            width: png.width,
            height: png.height,
            colors,
            color: compressed,
            alpha: None,
        });
    }
    let width = png.width as usize;
    let c = colors as usize;
    let mut color_row = vec![0u8; 1 + width * c];
    // The alpha is compressed only from the first row with a pixel that is not opaque; the
    // opaque rows before it are known from their filters alone (see `opaque_row`).
    let mut alpha_row = vec![0u8; 1 + width];
    let mut filters: Vec<u8> = Vec::with_capacity(png.height as usize);
    let mut alpha_out: Option<flate2::write::ZlibEncoder<Vec<u8>>> = None;
    let mut color_out = encoder(png.height as usize * (1 + width * c) / 8);
    let mut y = 0;
    while let Some(batch) = rows.next_batch() {
        for row in batch?.chunks_exact(row_len) {
            let filter = row[0];
            if filter > 4 {
                return None;
            }
            color_row[0] = filter;
            alpha_row[0] = filter;
            if c == 3 {
                split_rgba(&row[1..], &mut color_row[1..], &mut alpha_row[1..]);
            } else {
                split_grey_alpha(&row[1..], &mut color_row[1..], &mut alpha_row[1..]);
            }
            color_out.write_all(&color_row).ok()?;
            match &mut alpha_out {
                Some(out) => out.write_all(&alpha_row).ok()?,
                None if opaque_row(filter, y == 0, &alpha_row[1..]) => filters.push(filter),
                None => {
                    let mut out = encoder(png.height as usize * (1 + width) / 16);
                    let mut opaque = vec![0u8; 1 + width];
                    for (k, &f) in filters.iter().enumerate() {
                        let (first, rest) = opaque_pattern(f, k == 0)?;
                        opaque[0] = f;
                        opaque[1..].fill(rest);
                        if let Some(b) = opaque.get_mut(1) {
                            *b = first;
                        }
                        out.write_all(&opaque).ok()?;
                    }
                    out.write_all(&alpha_row).ok()?;
                    alpha_out = Some(out);
                }
            }
            y += 1;
        }
    }
    rows.finish()?;
    let alpha = match alpha_out {
        Some(out) => Some(out.finish().ok()?),
        None => None,
    };
    Some(Streams {
        width: png.width,
        height: png.height,
        colors,
        color: color_out.finish().ok()?,
        alpha,
    })
}

/// The filtered rows of a zlib stream, inflated some hundred kilobytes at a time: zlib keeps
/// the last 32 KB it wrote as its window, so inflating row by row copied every row once more.
struct Rows<'a> {
    inflater: flate2::read::ZlibDecoder<&'a [u8]>,
    buffer: Vec<u8>,
    row_len: usize,
    left: usize,
}

impl<'a> Rows<'a> {
    /// About this many bytes of rows are inflated at a time.
    const BATCH: usize = 1 << 18;

    fn new(compressed: &'a [u8], row_len: usize, rows: usize) -> Self {
        let per_batch = (Self::BATCH / row_len.max(1)).clamp(1, rows.max(1));
        Rows {
            inflater: flate2::read::ZlibDecoder::new(compressed),
            buffer: vec![0u8; per_batch * row_len],
            row_len,
            left: rows,
        }
    }

    /// The next rows, `None` after the last, `Some(None)` when the data ends early or is not
    /// zlib.
    fn next_batch(&mut self) -> Option<Option<&[u8]>> {
        if self.left == 0 {
            return None;
        }
        let n = (self.buffer.len() / self.row_len).min(self.left);
        self.left -= n;
        let batch = &mut self.buffer[..n * self.row_len];
        Some(self.inflater.read_exact(batch).ok().map(|()| &*batch))
    }

    /// Whether the stream ends right after the rows, with its checksum right (zlib checks
    /// it at the stream's end).
    fn finish(mut self) -> Option<()> {
        (self.inflater.read(&mut [0u8; 1]).ok()? == 0).then_some(())
    }
}

/// Splits a row of RGBA pixels into RGB and A, two pixels at a time as one 64-bit word
/// (a few shifts and masks instead of a store per byte).
fn split_rgba(row: &[u8], color: &mut [u8], alpha: &mut [u8]) {
    let (pairs, last) = row.as_chunks::<8>();
    let (color_pairs, color_last) = color.as_chunks_mut::<6>();
    let (alpha_pairs, alpha_last) = alpha.as_chunks_mut::<2>();
    for ((pair, rgb), a) in pairs.iter().zip(color_pairs).zip(alpha_pairs) {
        let x = u64::from_le_bytes(*pair);
        let packed = (x & 0xff_ffff) | ((x >> 8) & 0xffff_ff00_0000);
        rgb.copy_from_slice(&packed.to_le_bytes()[..6]);
        *a = [(x >> 24) as u8, (x >> 56) as u8];
    }
    // An odd width leaves one pixel.
    if let ([r, g, b, a, ..], [cr, cg, cb, ..], [aa, ..]) = (last, color_last, alpha_last) {
        (*cr, *cg, *cb, *aa) = (*r, *g, *b, *a);
    }
}

/// Splits a row of grey+alpha pixels into grey and alpha.
fn split_grey_alpha(row: &[u8], grey: &mut [u8], alpha: &mut [u8]) {
    for ((pixel, g), a) in row.chunks_exact(2).zip(grey.iter_mut()).zip(alpha.iter_mut()) {
        *g = pixel[0];
        *a = pixel[1];
    }
}

/// A zlib writer at the level used for image data. Filtered rows of drawings and
/// screenshots are mostly runs: level 2 compresses them within 4% of level 6 in half the
/// time (level 1 leaves them 70% larger).
fn encoder(capacity: usize) -> flate2::write::ZlibEncoder<Vec<u8>> {
    flate2::write::ZlibEncoder::new(Vec::with_capacity(capacity), flate2::Compression::new(2))
}

/// Whether a filtered alpha row is all 255, given that every row above it is: then each
/// filter predicts from known values and the filtered bytes are fixed, one value for the
/// first byte and one for the rest (a comparison, not an unfiltering).
fn opaque_row(filter: u8, first_row: bool, row: &[u8]) -> bool {
    let Some((first, rest)) = opaque_pattern(filter, first_row) else {
        return false;
    };
    // Differences or'ed together over blocks: a loop the compiler vectorizes.
    row.first().is_none_or(|&b| b == first)
        && row
            .get(1..)
            .unwrap_or_default()
            .chunks(256)
            .all(|block| block.iter().fold(0u8, |acc, &b| acc | (b ^ rest)) == 0)
}

/// The filtered bytes of an all-opaque alpha row below opaque rows (or on the first row):
/// (first byte, every other byte).
fn opaque_pattern(filter: u8, first_row: bool) -> Option<(u8, u8)> {
    Some(match (filter, first_row) {
        (0, _) => (255, 255),
        (1, _) => (255, 0),
        (2, true) => (255, 255),
        (2, false) => (0, 0),
        (3, true) => (255, 128),
        (3, false) => (128, 0),
        (4, true) => (255, 0),
        (4, false) => (0, 0),
        _ => return None,
    })
}

/// Undoes one PNG filter on a one-byte-per-pixel row.
#[cfg(test)]
fn unfilter(filter: u8, row: &[u8], above: &[u8], out: &mut [u8]) -> Option<()> {
    match filter {
        0 => out.copy_from_slice(row),
        1 => {
            let mut left = 0u8;
            for (o, &r) in out.iter_mut().zip(row) {
                left = r.wrapping_add(left);
                *o = left;
            }
        }
        2 => {
            for ((o, &r), &u) in out.iter_mut().zip(row).zip(above) {
                *o = r.wrapping_add(u);
            }
        }
        3 => {
            let mut left = 0u8;
            for ((o, &r), &u) in out.iter_mut().zip(row).zip(above) {
                left = r.wrapping_add(((left as u16 + u as u16) / 2) as u8);
                *o = left;
            }
        }
        4 => {
            let (mut left, mut upper_left) = (0u8, 0u8);
            for ((o, &r), &u) in out.iter_mut().zip(row).zip(above) {
                left = r.wrapping_add(paeth(left, u, upper_left));
                upper_left = u;
                *o = left;
            }
        }
        _ => return None,
    }
    Some(())
}

#[cfg(test)]
fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = a as i16 + b as i16 - c as i16;
    let (pa, pb, pc) = ((p - a as i16).abs(), (p - b as i16).abs(), (p - c as i16).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// What this path needs from a PNG's chunks.
struct Chunks<'a> {
    width: u32,
    height: u32,
    depth: u8,
    color_type: u8,
    interlace: u8,
    /// A tRNS chunk (colour-key transparency), which this path does not handle.
    transparency: bool,
    idat: Vec<&'a [u8]>,
}

/// Reads the header and collects the image data chunks (the front end has checked the
/// structure and checksums; this still refuses anything malformed rather than trusting it).
fn chunks(data: &[u8]) -> Option<Chunks<'_>> {
    let mut rest = data.strip_prefix(b"\x89PNG\r\n\x1a\n")?;
    let mut header = None;
    let mut transparency = false;
    let mut idat = Vec::new();
    while rest.len() >= 12 {
        let len = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind = &rest[4..8];
        let body = rest.get(8..8usize.checked_add(len)?)?;
        match kind {
            b"IHDR" if body.len() == 13 => header = Some(body),
            b"tRNS" => transparency = true,
            b"IDAT" => idat.push(body),
            b"IEND" => break,
            _ => {}
        }
        rest = rest.get(12 + len..)?;
    }
    let h = header?;
    Some(Chunks {
        width: u32::from_be_bytes(h[0..4].try_into().ok()?),
        height: u32::from_be_bytes(h[4..8].try_into().ok()?),
        depth: h[8],
        color_type: h[9],
        interlace: h[12],
        transparency,
        idat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes `pixels` (rows of `channels` bytes per pixel) as a PNG with the given filter
    /// on every row, with the `image` crate's encoder for the container.
    fn png(width: u32, height: u32, color: image::ExtendedColorType, pixels: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let encoder = image::codecs::png::PngEncoder::new_with_quality(
            &mut out,
            image::codecs::png::CompressionType::Default,
            image::codecs::png::FilterType::Adaptive,
        );
        image::ImageEncoder::write_image(encoder, pixels, width, height, color).unwrap();
        out
    }

    /// Inflates a stream and undoes the predictor on every channel, as a PDF reader does.
    fn read_back(stream: &[u8], width: usize, channels: usize) -> Vec<u8> {
        let mut raw = Vec::new();
        flate2::read::ZlibDecoder::new(stream)
            .read_to_end(&mut raw)
            .unwrap();
        let row_len = 1 + width * channels;
        let mut out = Vec::new();
        let mut above = vec![vec![0u8; width]; channels];
        for row in raw.chunks(row_len) {
            let mut planes = Vec::new();
            for (c, above) in above.iter().enumerate() {
                let plane: Vec<u8> = row[1..].iter().skip(c).step_by(channels).copied().collect();
                let mut now = vec![0u8; width];
                unfilter(row[0], &plane, above, &mut now).unwrap();
                planes.push(now);
            }
            for x in 0..width {
                for plane in &planes {
                    out.push(plane[x]);
                }
            }
            above = planes;
        }
        out
    }

    fn pattern(width: usize, height: usize, channels: usize, alpha: bool) -> Vec<u8> {
        let mut p = Vec::new();
        for y in 0..height {
            for x in 0..width {
                for c in 0..channels {
                    let opaque = alpha && c == channels - 1;
                    p.push(if opaque {
                        ((x * 7 + y) % 256) as u8
                    } else {
                        ((x * 31 + y * 17 + c * 90) % 251) as u8
                    });
                }
            }
        }
        p
    }

    /// Opaque rows above the first translucent one are not kept while reading: they are
    /// written back from their filters, which must give the same alpha for every filter.
    #[test]
    fn alpha_opaque_at_the_top_reads_back_exactly() {
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        let (w, h) = (29usize, 19usize);
        let mut pixels = pattern(w, h, 4, false);
        for (i, p) in pixels.chunks_mut(4).enumerate() {
            let (x, y) = (i % w, i / w);
            p[3] = if y < 11 {
                255
            } else {
                ((x * 13 + y * 5) % 256) as u8
            };
        }
        for filter in [
            FilterType::NoFilter,
            FilterType::Sub,
            FilterType::Up,
            FilterType::Avg,
            FilterType::Paeth,
            FilterType::Adaptive,
        ] {
            let mut data = Vec::new();
            let encoder = PngEncoder::new_with_quality(&mut data, CompressionType::Fast, filter);
            image::ImageEncoder::write_image(
                encoder,
                &pixels,
                w as u32,
                h as u32,
                image::ExtendedColorType::Rgba8,
            )
            .unwrap();
            let s = streams(&data).expect("handled");
            let alpha = read_back(s.alpha.as_ref().expect("not opaque"), w, 1);
            let expected: Vec<u8> = pixels.chunks(4).map(|p| p[3]).collect();
            assert_eq!(alpha, expected, "{filter:?}");
            let rgb = read_back(&s.color, w, 3);
            let expected_rgb: Vec<u8> = pixels.chunks(4).flat_map(|p| p[..3].to_vec()).collect();
            assert_eq!(rgb, expected_rgb, "{filter:?}");
        }
    }

    #[test]
    fn rgba_splits_into_colour_and_alpha_that_read_back_exactly() {
        // Odd and even widths; the larger image is inflated in several batches.
        for (w, h) in [(37usize, 23usize), (38, 5), (1, 3), (600, 500)] {
            let pixels = pattern(w, h, 4, true);
            let data = png(w as u32, h as u32, image::ExtendedColorType::Rgba8, &pixels);
            let s = streams(&data).expect("handled");
            assert_eq!((s.width, s.height, s.colors), (w as u32, h as u32, 3));
            let rgb = read_back(&s.color, w, 3);
            let alpha = read_back(s.alpha.as_ref().expect("not opaque"), w, 1);
            let expected_rgb: Vec<u8> = pixels.chunks(4).flat_map(|p| p[..3].to_vec()).collect();
            let expected_alpha: Vec<u8> = pixels.chunks(4).map(|p| p[3]).collect();
            assert_eq!(rgb, expected_rgb, "{w}x{h}");
            assert_eq!(alpha, expected_alpha, "{w}x{h}");
        }
    }

    /// The fixed patterns of `opaque_row` are what unfiltering says: for every filter, on
    /// the first row and below an opaque row, an opaque row is recognised and a row with one
    /// translucent pixel anywhere is not.
    #[test]
    fn opaque_rows_are_recognised_without_unfiltering() {
        let width = 5;
        for filter in 0..=4u8 {
            for first_row in [true, false] {
                let above = if first_row {
                    vec![0u8; width]
                } else {
                    vec![255u8; width]
                };
                // Forward filtering of a row, with PNG's predictors.
                let filtered = |row: &[u8]| -> Vec<u8> {
                    (0..width)
                        .map(|x| {
                            let a = if x > 0 { row[x - 1] } else { 0 };
                            let b = above[x];
                            let c = if x > 0 { above[x - 1] } else { 0 };
                            let predicted = match filter {
                                0 => 0,
                                1 => a,
                                2 => b,
                                3 => ((a as u16 + b as u16) / 2) as u8,
                                _ => paeth(a, b, c),
                            };
                            row[x].wrapping_sub(predicted)
                        })
                        .collect()
                };
                let opaque = vec![255u8; width];
                let encoded = filtered(&opaque);
                let mut back = vec![0u8; width];
                unfilter(filter, &encoded, &above, &mut back).unwrap();
                assert_eq!(back, opaque, "filter {filter}: the forward filter is right");
                assert!(
                    opaque_row(filter, first_row, &encoded),
                    "filter {filter}, first {first_row}"
                );
                for x in 0..width {
                    let mut row = opaque.clone();
                    row[x] = 254;
                    assert!(
                        !opaque_row(filter, first_row, &filtered(&row)),
                        "filter {filter}, first {first_row}, pixel {x}"
                    );
                }
            }
        }
        assert!(!opaque_row(5, false, &[0, 0]));
    }

    #[test]
    fn opaque_alpha_is_dropped_and_rgb_passes_through() {
        let (w, h) = (19usize, 11usize);
        let mut pixels = pattern(w, h, 4, false);
        for p in pixels.chunks_mut(4) {
            p[3] = 255;
        }
        let data = png(w as u32, h as u32, image::ExtendedColorType::Rgba8, &pixels);
        let s = streams(&data).expect("handled");
        assert!(s.alpha.is_none());
        let expected: Vec<u8> = pixels.chunks(4).flat_map(|p| p[..3].to_vec()).collect();
        assert_eq!(read_back(&s.color, w, 3), expected);

        let rgb = pattern(w, h, 3, false);
        let data = png(w as u32, h as u32, image::ExtendedColorType::Rgb8, &rgb);
        let s = streams(&data).expect("handled");
        assert_eq!(read_back(&s.color, w, 3), rgb);
    }

    #[test]
    fn grey_alpha_and_refusals() {
        let (w, h) = (8usize, 5usize);
        let pixels = pattern(w, h, 2, true);
        let data = png(w as u32, h as u32, image::ExtendedColorType::La8, &pixels);
        let s = streams(&data).expect("handled");
        assert_eq!(s.colors, 1);
        let grey: Vec<u8> = pixels.chunks(2).map(|p| p[0]).collect();
        assert_eq!(read_back(&s.color, w, 1), grey);
        // 16-bit: left to the decoder.
        let wide: Vec<u8> = pattern(w, h, 6, false);
        let data = png(w as u32, h as u32, image::ExtendedColorType::Rgb16, &wide);
        assert!(streams(&data).is_none());
        // Image data one row short, one row long, or with a bad filter type: refused.
        let rows = |n: usize, filter: u8| {
            let mut raw = Vec::new();
            for _ in 0..n {
                raw.push(filter);
                raw.extend(std::iter::repeat_n(7u8, w * 3));
            }
            raw
        };
        assert!(streams(&raw_png(w as u32, h as u32, 2, &rows(h, 1))).is_some());
        assert!(streams(&raw_png(w as u32, h as u32, 2, &rows(h - 1, 1))).is_none());
        assert!(streams(&raw_png(w as u32, h as u32, 2, &rows(h + 1, 1))).is_none());
        assert!(streams(&raw_png(w as u32, h as u32, 2, &rows(h, 9))).is_none());
    }

    /// A PNG container around `raw` (unfiltered rows with their filter bytes), 8-bit.
    fn raw_png(width: u32, height: u32, color_type: u8, raw: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(raw).unwrap();
        let idat = z.finish().unwrap();
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8], body: &[u8]| {
            out.extend((body.len() as u32).to_be_bytes());
            out.extend(kind);
            out.extend(body);
            out.extend([0u8; 4]);
        };
        let mut ihdr = Vec::new();
        ihdr.extend(width.to_be_bytes());
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([8, color_type, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &idat);
        chunk(b"IEND", &[]);
        out
    }
}
