//! The PDF writer: turns laid-out pages into a PDF with printpdf, then finishes what printpdf
//! lacks on its lopdf document (see `finish`). It positions what layout decided and nothing
//! else: fonts are subset here (printpdf subsets only with its layout engine compiled in),
//! images are embedded without re-encoding, and every identifier is derived from the input
//! so that the same document always gives the same bytes.

use std::collections::{BTreeMap, HashMap};

use printpdf::{
    Actions, BorderArray, Codepoint, Destination, FontId as PdfFontId, LinkAnnotation, Mm, Op, ParsedFont,
    PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfSaveOptions, Pt, Rect, TextItem,
};

use super::content;
use super::fonts::FontId;
use super::images;
use super::page::{Item, Layout, LinkTarget, Page};
use crate::error::{Error, Result};
use crate::model::Document;

/// A font as embedded: the printpdf id, old → new glyph ids, and widths as the PDF
/// viewer will see them (whole thousandths of an em, as printpdf writes `/W`).
struct EmbeddedFont {
    id: PdfFontId,
    /// New glyph id by old glyph id (0 for glyphs the pages do not use).
    remap: Vec<u16>,
    /// Advance per new glyph id, in thousandths of an em, truncated.
    widths: Vec<i64>,
    /// The subsetter's numbering, which `remap` follows.
    remapper: subsetter::GlyphRemapper,
}

/// Writes the PDF for a laid-out document.
///
/// printpdf builds the document: page tree, fonts (FontFile2, widths, ToUnicode), image
/// XObjects, link annotations, catalog and trailer. The pages' drawing is written as content
/// stream bytes (see `content`), in parallel, and put into printpdf's pages. printpdf's own
/// pages carry only the link annotations and, on the first page, one use of every glyph, from
/// which it writes complete widths and ToUnicode maps (that stream is replaced too).
pub fn write(mut layout: Layout, doc: &Document, mut images: images::Prepared) -> Result<Vec<u8>> {
    use rayon::prelude::*;
    let mut pdf = PdfDocument::new(&doc.meta.title);
    let t = crate::timing::phase("pdf: fonts");
    let usage = glyph_usage(&layout);
    // The new glyph ids and widths first: the content streams need only those, so the fonts
    // are subset while the streams are written.
    let fonts = plan_fonts(&layout, &usage);
    drop(t);
    let t = crate::timing::phase("pdf: embed images");
    let xobjects = images::embed_images(&layout, &mut images, &mut pdf);
    drop(t);
    // Where every destination is: name → (page, x, y) in PDF coordinates (the first page
    // that names it); then each page's link annotations. Both walk the pages in parallel.
    let named: Vec<Vec<(&str, f32, f32)>> = layout
        .pages
        .par_iter()
        .map(|page| {
            page.items
                .iter()
                .filter_map(|item| match item {
                    Item::Destination { name, x, y } => Some((name.as_str(), *x, page.height - y)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let mut destinations: HashMap<&str, (usize, f32, f32)> = HashMap::new();
    for (pi, names) in named.iter().enumerate() {
        for &(name, x, y) in names {
            destinations.entry(name).or_insert((pi, x, y));
        }
    }
    let mut links: Vec<Vec<Op>> = layout
        .pages
        .par_iter()
        .map(|page| link_ops(page, &destinations))
        .collect();
    drop(destinations);
    drop(named);
    let options = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        image_optimization: None,
    };
    let t = crate::timing::phase("pdf: content streams and document");
    let refs: BTreeMap<FontId, content::FontRef> = fonts
        .iter()
        .map(|(id, f)| {
            (
                *id,
                content::FontRef {
                    name: &f.id.0,
                    remap: &f.remap,
                    widths: &f.widths,
                },
            )
        })
        .collect();
    let names: HashMap<usize, String> = xobjects.iter().map(|(i, e)| (*i, e.name.clone())).collect();
    // The glyph usage borrows the pages' text: turned into operations before the pages go.
    let mut usage = glyph_usage_ops(&usage, &fonts);
    if let Some(first) = links.first_mut() {
        first.append(&mut usage);
    }
    let heights: Vec<f32> = layout.pages.iter().map(|p| p.height).collect();
    let sizes: Vec<(f32, f32)> = layout.pages.iter().map(|p| (p.width, p.height)).collect();
    let level = super::deflate::level();
    let Layout {
        pages,
        fonts: fonts_of_layout,
        outline,
        labels,
        ..
    } = &mut layout;
    let nav = super::finish::Navigation {
        outline,
        labels,
        heights: &heights,
    };
    // Each page's content stream (after which its items are freed: freeing a book's glyph
    // runs one by one was itself some milliseconds), compressed while still in cache; and
    // meanwhile the rest of the document: the fonts subset, printpdf's pages (link
    // annotations, and on the first page one use of every glyph, from which printpdf writes
    // widths and ToUnicode maps), its lopdf document and the finishing steps.
    let ((streams, hashes), finished): ((Vec<Stream>, Vec<u64>), Result<lopdf::Document>) = rayon::join(
        || {
            pages
                .par_iter_mut()
                .map_init(
                    || super::deflate::compressor(level),
                    |compressor, page| {
                        let stream = content::page_stream(page, &refs, &names);
                        let stream = match super::deflate::zlib(compressor, &stream) {
                            Some(packed) if packed.len() < stream.len() => (packed, true),
                            _ => (stream, false),
                        };
                        let hash = super::finish::page_text_hash(page);
                        page.items = Vec::new();
                        (stream, hash)
                    },
                )
                .unzip()
        },
        || {
            let subsets: Subsets = fonts
                .par_iter()
                .map(|(&font_id, plan)| subset_font(fonts_of_layout, font_id, plan))
                .collect();
            for subset in subsets {
                let (font_id, parsed) = subset?;
                if let Some(font) = fonts.get(&font_id) {
                    pdf.resources
                        .fonts
                        .map
                        .insert(font.id.clone(), PdfFont::new(parsed));
                }
            }
            let pages: Vec<PdfPage> = sizes
                .iter()
                .zip(links)
                .map(|(&(width, height), ops)| PdfPage::new(Mm::from(Pt(width)), Mm::from(Pt(height)), ops))
                .collect();
            pdf.with_pages(pages);
            let mut warnings = Vec::new();
            let mut lo = pdf.to_lopdf_document(&options, &mut warnings);
            super::finish::finish(&mut lo, &nav, doc)?;
            Ok(lo)
        },
    );
    let mut lo = finished?;
    replace_contents(&mut lo, streams);
    super::finish::set_id(&mut lo, super::finish::document_id(doc, &hashes));
    drop(refs);
    drop(t);
    let _t = crate::timing::phase("pdf: save");
    // Sized for the streams and some bytes per object: the file is written once, not
    // copied each time the buffer doubles.
    let size: usize = lo
        .objects
        .values()
        .map(|o| match o {
            lopdf::Object::Stream(s) => s.content.len() + 160,
            _ => 160,
        })
        .sum();
    let mut bytes = Vec::with_capacity(size + 4096);
    lo.save_to(&mut bytes).map_err(|e| Error::Export {
        document: doc.meta.title.clone(),
        message: format!("writing the PDF failed: {e}"),
    })?;
    // The objects and what is left of the pages are freed on the pool, off the path to the
    // file.
    rayon::spawn(move || drop((lo, layout)));
    Ok(bytes)
}

/// A page's content stream, and whether it is compressed.
type Stream = (Vec<u8>, bool);

/// The subset fonts, in font order.
type Subsets = Vec<Result<(FontId, ParsedFont)>>;

/// Puts the content streams into the main document's pages, in order (`true`: compressed).
fn replace_contents(lo: &mut lopdf::Document, streams: Vec<Stream>) {
    let pages: Vec<lopdf::ObjectId> = lo.get_pages().into_values().collect();
    for (page, (content, compressed)) in pages.into_iter().zip(streams) {
        let contents = lo
            .get_dictionary(page)
            .ok()
            .and_then(|d| d.get(b"Contents").ok())
            .and_then(|c| c.as_reference().ok());
        if let Some(id) = contents
            && let Ok(lopdf::Object::Stream(stream)) = lo.get_object_mut(id)
        {
            stream.set_content(content);
            // The stream it replaces may have been compressed by the finishing steps.
            if compressed {
                stream
                    .dict
                    .set("Filter", lopdf::Object::Name(b"FlateDecode".to_vec()));
            } else {
                stream.dict.remove(b"Filter");
            }
        }
    }
}

/// Every glyph of every font the pages use, indexed by font and glyph id: `Some(text)` for
/// a used glyph, with the text of its last use that has one (printpdf keeps the last).
type GlyphUsage<'a> = BTreeMap<FontId, Vec<Option<&'a str>>>;

/// Collects the glyph usage: a dense table per font, filled from the last page backwards, so
/// that the first text met for a glyph is the text of its last use, after which the glyph is
/// settled. Runs of pages are walked in parallel (each gives the glyphs it uses, with the
/// text of their last use in that run) and merged from the last run to the first.
fn glyph_usage(layout: &Layout) -> GlyphUsage<'_> {
    use rayon::prelude::*;
    // Tables are sized by the fonts' glyph counts (a few thousand), not by every possible
    // glyph id: zeroing 65,536 entries per font was most of this step's time.
    let glyphs = |f: usize| usize::from(layout.fonts.get(FontId(f as u8)).face.number_of_glyphs());
    let runs: Vec<Vec<(u8, u16, &str)>> = layout
        .pages
        .par_chunks(32)
        .map(|pages| {
            // Per font: glyphs met, and glyphs met with a text.
            let mut seen: Vec<GlyphSet> = Vec::new();
            let mut settled: Vec<GlyphSet> = Vec::new();
            let mut out: Vec<(u8, u16, &str)> = Vec::new();
            for page in pages.iter().rev() {
                for item in page.items.iter().rev() {
                    let Item::Text(run) = item else { continue };
                    let f = run.font.0 as usize;
                    if seen.len() <= f {
                        seen.resize_with(f + 1, GlyphSet::default);
                        settled.resize_with(f + 1, GlyphSet::default);
                    }
                    if settled[f].is_empty() {
                        seen[f] = GlyphSet::new(glyphs(f));
                        settled[f] = GlyphSet::new(glyphs(f));
                    }
                    for (i, g) in run.glyphs.iter().enumerate().rev() {
                        if settled[f].contains(g.id) {
                            continue;
                        }
                        let text = run.glyph_text(i);
                        if !text.is_empty() {
                            settled[f].insert(g.id);
                            out.push((f as u8, g.id, text));
                        } else if !seen[f].contains(g.id) {
                            seen[f].insert(g.id);
                            out.push((f as u8, g.id, ""));
                        }
                    }
                }
            }
            out
        })
        .collect();
    let mut tables: Vec<(Vec<Option<&str>>, GlyphSet)> = Vec::new();
    for (f, id, text) in runs.into_iter().rev().flatten() {
        let f = f as usize;
        if tables.len() <= f {
            tables.resize_with(f + 1, || (Vec::new(), GlyphSet::default()));
        }
        let (table, settled) = &mut tables[f];
        if table.is_empty() {
            table.resize(glyphs(f), None);
            *settled = GlyphSet::new(glyphs(f));
        }
        if settled.contains(id) {
            continue;
        }
        let slot = usize::from(id);
        if table.len() <= slot {
            table.resize(slot + 1, None);
        }
        if !text.is_empty() {
            table[slot] = Some(text);
            settled.insert(id);
        } else if table[slot].is_none() {
            table[slot] = Some("");
        }
    }
    tables
        .into_iter()
        .enumerate()
        .filter(|(_, (t, _))| !t.is_empty())
        .map(|(f, (t, _))| (FontId(f as u8), t))
        .collect()
}

/// A set of glyph ids as bits, grown when an id beyond a font's glyph count turns up.
#[derive(Default)]
struct GlyphSet(Vec<u64>);

impl GlyphSet {
    fn new(glyphs: usize) -> Self {
        GlyphSet(vec![0; glyphs.div_ceil(64).max(1)])
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, id: u16) -> bool {
        let id = usize::from(id);
        self.0.get(id / 64).is_some_and(|w| w & (1 << (id % 64)) != 0)
    }

    fn insert(&mut self, id: u16) {
        let id = usize::from(id);
        if self.0.len() <= id / 64 {
            self.0.resize(id / 64 + 1, 0);
        }
        self.0[id / 64] |= 1 << (id % 64);
    }
}

/// The glyph ids of a font's usage table, in order.
fn used_glyphs<'u>(table: &'u [Option<&str>]) -> impl Iterator<Item = (u16, &'u str)> + 'u {
    table
        .iter()
        .enumerate()
        .filter_map(|(gid, t)| t.map(|t| (gid as u16, t)))
}

/// One use of every glyph of every font, with the text it stands for, from which printpdf
/// writes each font's widths and ToUnicode map.
fn glyph_usage_ops(usage: &GlyphUsage, fonts: &BTreeMap<FontId, EmbeddedFont>) -> Vec<Op> {
    let mut ops = vec![Op::StartTextSection];
    for (font_id, font) in fonts {
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font.id.clone()),
            size: Pt(1.0),
        });
        let codepoints: Vec<Codepoint> = usage
            .get(font_id)
            .into_iter()
            .flat_map(|table| used_glyphs(table))
            .map(|(gid, text)| {
                let new = font.remap.get(usize::from(gid)).copied().unwrap_or(0);
                if text.is_empty() {
                    Codepoint::new(new, 0.0)
                } else {
                    Codepoint::with_cid(new, 0.0, text.to_string())
                }
            })
            .collect();
        ops.push(Op::ShowText {
            items: vec![TextItem::GlyphIds(codepoints)],
        });
    }
    ops.push(Op::EndTextSection);
    ops
}

/// New glyph ids and widths of every font the pages use, in font order.
fn plan_fonts(layout: &Layout, usage: &GlyphUsage) -> BTreeMap<FontId, EmbeddedFont> {
    usage
        .iter()
        .map(|(&font_id, table)| (font_id, plan_font(layout, font_id, table)))
        .collect()
}

/// A font's subset ids (in the order of the old ids, as the subsetter numbers them), widths
/// and stable resource name (printpdf's own are random).
fn plan_font(layout: &Layout, font_id: FontId, table: &[Option<&str>]) -> EmbeddedFont {
    let font = layout.fonts.get(font_id);
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut remap = vec![0u16; table.len()];
    let mut widths = Vec::new();
    let upem = font.units_per_em;
    for (g, _) in used_glyphs(table) {
        let new = remapper.remap(g);
        remap[usize::from(g)] = new;
        let adv = font
            .face
            .glyph_hor_advance(rustybuzz::ttf_parser::GlyphId(g))
            .unwrap_or(0);
        let new = usize::from(new);
        if widths.len() <= new {
            widths.resize(new + 1, 0);
        }
        widths[new] = (adv as f32 * 1000.0 / upem) as i64;
    }
    EmbeddedFont {
        id: PdfFontId(format!("F{}", font_id.0)),
        remap,
        widths,
        remapper,
    }
}

/// The subset of one font, as planned (fonts are subset in parallel).
fn subset_font(
    fonts: &super::fonts::FontSet,
    font_id: FontId,
    plan: &EmbeddedFont,
) -> Result<(FontId, ParsedFont)> {
    let font = fonts.get(font_id);
    let data = subsetter::subset(font.data, 0, &plan.remapper).map_err(|e| Error::Export {
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
    Ok((font_id, parsed))
}

/// The link annotations of a page.
fn link_ops(page: &Page, destinations: &HashMap<&str, (usize, f32, f32)>) -> Vec<Op> {
    let h = page.height;
    let mut ops = Vec::new();
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
                LinkTarget::Named(name) => match destinations.get(name.as_str()) {
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
