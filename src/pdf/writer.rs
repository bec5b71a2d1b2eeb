//! The PDF writer: turns laid-out pages into a PDF with printpdf, then finishes what printpdf
//! lacks on its lopdf document (see `finish`). It positions what layout decided and nothing
//! else: fonts are subset here (printpdf subsets only with its layout engine compiled in),
//! images are embedded without re-encoding, and every identifier is derived from the input
//! so that the same document always gives the same bytes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use printpdf::{
    Actions, BorderArray, Codepoint, Color, CurTransMat, Destination, FontId as PdfFontId, LinePoint,
    LinkAnnotation, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, TextItem, TextMatrix, WindingOrder, XObjectId, XObjectTransform,
};

use super::fonts::FontId;
use super::images::{self, Embedded};
use super::page::{Item, Layout, LinkTarget, Page, Rgb, TextRun};
use crate::error::{Error, Result};
use crate::model::Document;

/// A font as embedded: the printpdf id, old → new glyph ids, and widths as the PDF
/// viewer will see them (whole thousandths of an em, as printpdf writes `/W`).
struct EmbeddedFont {
    id: PdfFontId,
    remap: HashMap<u16, u16>,
    /// Advance per new glyph id, in thousandths of an em, truncated.
    widths: HashMap<u16, i64>,
}

/// Writes the PDF for a laid-out document. The layout is consumed page by page so that
/// its glyphs and printpdf's operations are not all in memory at once.
pub fn write(mut layout: Layout, doc: &Document, mut images: images::Prepared) -> Result<Vec<u8>> {
    let mut pdf = PdfDocument::new(&doc.meta.title);
    let t = crate::timing::phase("pdf: fonts");
    let fonts = embed_fonts(&layout, &mut pdf)?;
    drop(t);
    let t = crate::timing::phase("pdf: embed images");
    let xobjects = images::embed_images(&layout, &mut images, &mut pdf);
    drop(t);
    let t = crate::timing::phase("pdf: page ops");
    // Where every destination is: name → (page, x, y) in PDF coordinates.
    let mut destinations: HashMap<String, (usize, f32, f32)> = HashMap::new();
    for (pi, page) in layout.pages.iter().enumerate() {
        for item in &page.items {
            if let Item::Destination { name, x, y } = item {
                destinations
                    .entry(name.clone())
                    .or_insert((pi, *x, page.height - y));
            }
        }
    }
    let last_use = last_uses(&layout);
    let id = super::finish::document_id(&layout, doc);
    let mut seq = 0usize;
    let mut pages = Vec::with_capacity(layout.pages.len());
    for page in &mut layout.pages {
        let ops = page_ops(page, &fonts, &xobjects, &destinations, &last_use, &mut seq);
        pages.push(PdfPage::new(
            Mm::from(Pt(page.width)),
            Mm::from(Pt(page.height)),
            ops,
        ));
        // The page's glyphs are in the operations now.
        page.items = Vec::new();
    }
    pdf.with_pages(pages);
    drop(t);
    let options = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let t = crate::timing::phase("pdf: printpdf to lopdf");
    let mut lo = pdf.to_lopdf_document(&options, &mut warnings);
    drop(pdf);
    drop(t);
    let t = crate::timing::phase("pdf: finish");
    super::finish::finish(&mut lo, &layout, doc, id)?;
    drop(t);
    let _t = crate::timing::phase("pdf: save");
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes).map_err(|e| Error::Export {
        document: doc.meta.title.clone(),
        message: format!("writing the PDF failed: {e}"),
    })?;
    Ok(bytes)
}

/// For each (font, glyph), the position (in text order) of its last use. printpdf builds
/// each font's ToUnicode map from the text attached to glyphs, the last one winning, and
/// guesses (wrongly, for a subset without `cmap`) when none is attached; attaching the text
/// to the last use only keeps the map right without a string for every glyph.
fn last_uses(layout: &Layout) -> LastUse {
    let mut last: LastUse = vec![Vec::new(); layout.fonts.fonts.len()];
    let mut seq = 0usize;
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Text(run) = item {
                let table = &mut last[run.font.0 as usize];
                for (i, g) in run.glyphs.iter().enumerate() {
                    if !run.glyph_text(i).is_empty() {
                        let gid = g.id as usize;
                        if table.len() <= gid {
                            table.resize(gid + 1, usize::MAX);
                        }
                        table[gid] = seq;
                    }
                    seq += 1;
                }
            }
        }
    }
    last
}

/// Last use of each glyph, per font, indexed by glyph id (`usize::MAX`: never with text).
type LastUse = Vec<Vec<usize>>;

/// Subsets every font the pages use and registers it with printpdf under a stable name.
fn embed_fonts(layout: &Layout, pdf: &mut PdfDocument) -> Result<BTreeMap<FontId, EmbeddedFont>> {
    let mut used: BTreeMap<FontId, BTreeSet<u16>> = BTreeMap::new();
    for page in &layout.pages {
        for item in &page.items {
            if let Item::Text(run) = item {
                used.entry(run.font)
                    .or_default()
                    .extend(run.glyphs.iter().map(|g| g.id));
            }
        }
    }
    let mut out = BTreeMap::new();
    for (font_id, glyphs) in used {
        let font = layout.fonts.get(font_id);
        let mut remapper = subsetter::GlyphRemapper::new();
        let mut remap = HashMap::new();
        for &g in &glyphs {
            remap.insert(g, remapper.remap(g));
        }
        let data = subsetter::subset(font.data, 0, &remapper).map_err(|e| Error::Export {
            document: font.name.clone(),
            message: format!("subsetting font {} failed: {e:?}", font.name),
        })?;
        let mut warnings = Vec::new();
        let mut parsed = ParsedFont::from_bytes(&data, 0, &mut warnings).ok_or_else(|| Error::Export {
            document: font.name.clone(),
            message: format!("the subset of font {} could not be read back", font.name),
        })?;
        // The subset has no name table: keep the original PostScript name.
        parsed.font_name = Some(font.name.clone());
        let upem = font.units_per_em;
        let widths = remap
            .iter()
            .map(|(&old, &new)| {
                let adv = font
                    .face
                    .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(old))
                    .unwrap_or(0);
                (new, (adv as f32 * 1000.0 / upem) as i64)
            })
            .collect();
        // Stable resource names (printpdf's own are random).
        let id = PdfFontId(format!("F{}", font_id.0));
        pdf.resources.fonts.map.insert(id.clone(), PdfFont::new(parsed));
        out.insert(font_id, EmbeddedFont { id, remap, widths });
    }
    Ok(out)
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb {
        r: c.0 as f32 / 255.0,
        g: c.1 as f32 / 255.0,
        b: c.2 as f32 / 255.0,
        icc_profile: None,
    })
}

/// The drawing operations of one page.
fn page_ops(
    page: &Page,
    fonts: &BTreeMap<FontId, EmbeddedFont>,
    xobjects: &HashMap<usize, Embedded>,
    destinations: &HashMap<String, (usize, f32, f32)>,
    last_use: &LastUse,
    seq: &mut usize,
) -> Vec<Op> {
    let h = page.height;
    let mut ops = Vec::with_capacity(page.items.len() * 4);
    // Graphics first (backgrounds under text), then text, then links.
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
                if let Some(f) = fill {
                    ops.push(Op::SetFillColor { col: color(*f) });
                }
                if let Some((c, w)) = stroke {
                    ops.push(Op::SetOutlineColor { col: color(*c) });
                    ops.push(Op::SetOutlineThickness { pt: Pt(*w) });
                }
                let mode = match (fill.is_some(), stroke.is_some()) {
                    (true, true) => PaintMode::FillStroke,
                    (true, false) => PaintMode::Fill,
                    _ => PaintMode::Stroke,
                };
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(*x),
                        y: Pt(h - y - height),
                        width: Pt(*width),
                        height: Pt(*height),
                        mode: Some(mode),
                        winding_order: Some(WindingOrder::NonZero),
                    },
                });
            }
            Item::Line {
                from,
                to,
                width,
                color: c,
            } => {
                ops.push(Op::SetOutlineColor { col: color(*c) });
                ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                ops.push(Op::DrawLine {
                    line: printpdf::Line {
                        points: vec![
                            LinePoint {
                                p: Point::new(Mm::from(Pt(from.0)), Mm::from(Pt(h - from.1))),
                                bezier: false,
                            },
                            LinePoint {
                                p: Point::new(Mm::from(Pt(to.0)), Mm::from(Pt(h - to.1))),
                                bezier: false,
                            },
                        ],
                        is_closed: false,
                    },
                });
            }
            Item::Image {
                image,
                x,
                y,
                width,
                height,
            } => {
                if let Some(e) = xobjects.get(image) {
                    ops.push(Op::SaveGraphicsState);
                    ops.push(Op::SetTransformationMatrix {
                        matrix: CurTransMat::Raw([*width, 0.0, 0.0, *height, *x, h - y - height]),
                    });
                    ops.push(Op::UseXobject {
                        id: XObjectId(e.name.clone()),
                        transform: XObjectTransform {
                            no_auto_scale: true,
                            ..XObjectTransform::default()
                        },
                    });
                    ops.push(Op::RestoreGraphicsState);
                }
            }
            _ => {}
        }
    }
    let mut in_text = false;
    for item in &page.items {
        if let Item::Text(run) = item
            && let Some(font) = fonts.get(&run.font)
        {
            if !in_text {
                ops.push(Op::StartTextSection);
                in_text = true;
            }
            text_ops(run, font, h, &mut ops, last_use, seq);
        }
    }
    if in_text {
        ops.push(Op::EndTextSection);
    }
    for item in &page.items {
        if let Item::Link {
            x,
            y,
            width,
            height,
            target,
        } = item
        {
            let actions = match target {
                LinkTarget::Uri(uri) => Actions::Uri(uri.clone()),
                LinkTarget::Named(name) => match destinations.get(name) {
                    Some(&(page, left, top)) => Actions::Goto(Destination::Xyz {
                        page: page + 1,
                        left: Some(left),
                        top: Some(top),
                        zoom: None,
                    }),
                    None => continue,
                },
            };
            ops.push(Op::LinkAnnotation {
                link: LinkAnnotation::new(
                    Rect {
                        x: Pt(*x),
                        y: Pt(h - y - height),
                        width: Pt(*width),
                        height: Pt(*height),
                        mode: None,
                        winding_order: None,
                    },
                    actions,
                    Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                    None,
                    None,
                ),
            });
        }
    }
    ops
}

/// Text of one run: one text matrix at the run's start, then glyphs with the kerning that
/// puts each exactly where layout placed it (the viewer advances by the rounded `/W`
/// widths; the difference goes into the TJ array).
fn text_ops(
    run: &TextRun,
    font: &EmbeddedFont,
    page_height: f32,
    ops: &mut Vec<Op>,
    last_use: &LastUse,
    seq: &mut usize,
) {
    let first_seq = *seq;
    *seq += run.glyphs.len();
    ops.push(Op::SetFont {
        font: PdfFontHandle::External(font.id.clone()),
        size: Pt(run.size),
    });
    ops.push(Op::SetFillColor {
        col: color(run.color),
    });
    let scale = 1000.0 / run.size;
    let mut start = 0;
    while start < run.glyphs.len() {
        // Glyphs raised or lowered (marks) get a matrix of their own.
        let dy = run.glyphs[start].dy;
        let mut end = start + 1;
        while end < run.glyphs.len() && run.glyphs[end].dy == dy && dy == 0.0 {
            end += 1;
        }
        let first = run.glyphs[start];
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(
                Pt(run.x + first.x),
                Pt(page_height - run.y + dy * run.size.signum()),
            ),
        });
        let mut codepoints = Vec::with_capacity(end - start);
        for i in start..end {
            let g = run.glyphs[i];
            let new = font.remap.get(&g.id).copied().unwrap_or(0);
            let w = font.widths.get(&new).copied().unwrap_or(0) as f32;
            // Kerning to the next glyph: the viewer moves by `w`; layout wants `next.x - g.x`.
            let offset = if i + 1 < end {
                let wanted = (run.glyphs[i + 1].x - g.x) * scale;
                w - wanted
            } else {
                0.0
            };
            let last = last_use[run.font.0 as usize].get(g.id as usize).copied();
            let text = if last == Some(first_seq + i) {
                run.glyph_text(i)
            } else {
                ""
            };
            // Widths are exact for fonts of 1000 units per em: only real kerning remains.
            let offset = (offset * 100.0).round() / 100.0;
            codepoints.push(if text.is_empty() {
                Codepoint::new(new, offset)
            } else {
                Codepoint::with_cid(new, offset, text.to_string())
            });
        }
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(codepoints)],
        });
        start = end;
    }
}
