//! The EPUB backend: splits the document into XHTML content documents, writes the
//! stylesheet, cover, navigation and metadata, packages everything with epub-builder, and
//! finishes the package (see `fixup`) so that EPUBCheck has nothing to report and the same
//! input always gives the same bytes.

pub mod css;
pub mod fixup;
pub mod svg;
pub mod xhtml;
pub mod zipfile;

use std::collections::HashMap;

use epub_builder::{EpubBuilder, EpubContent, EpubVersion, ReferenceType, TocElement, ZipLibrary};

use zipfile::Payloads;

use crate::error::{Error, Result};
use crate::model::text::plain_text;
use crate::model::{Block, BlockKind, Document, ImageFormat, Inline, visit_blocks};
use xhtml::{Page, Targets, escape};

/// A content document of the package: a chapter, or part of one.
struct Part<'d> {
    file: String,
    title: String,
    chapter: usize,
    blocks: &'d [Block],
}

/// Text size above which a single-file document with several level-1 headings is split.
const SPLIT_BYTES: usize = 30_000;

fn failed(doc: &Document, message: String) -> Error {
    Error::Export {
        document: doc.meta.title.clone(),
        message,
    }
}

/// Renders a document as an EPUB 3 package.
pub fn render(doc: &Document) -> Result<Vec<u8>> {
    let _t = crate::timing::phase("epub");
    let parts = split(doc);
    let targets = targets(doc, &parts);
    let mut payloads = Payloads::default();
    let mut builder = EpubBuilder::new(ZipLibrary::new().map_err(|e| failed(doc, e.to_string()))?)
        .map_err(|e| failed(doc, e.to_string()))?;
    let b = &mut builder;
    b.epub_version(EpubVersion::V30);
    b.escape_html(true);
    set_metadata(b, doc);
    let (faces, has_fonts) = add_fonts(b, doc, &mut payloads)?;
    let serif = if has_fonts {
        "\"Source Serif 4 SmText\", \"Source Serif 4\", Georgia, \"Times New Roman\", serif"
    } else {
        "Georgia, \"Times New Roman\", serif"
    };
    let mono = if has_fonts {
        "\"JetBrains Mono\", \"DejaVu Sans Mono\", Menlo, Consolas, monospace"
    } else {
        "\"DejaVu Sans Mono\", Menlo, Consolas, monospace"
    };
    let stylesheet = css::stylesheet(&faces, serif, mono, &crate::highlight::css());
    b.stylesheet(stylesheet.as_bytes())
        .map_err(|e| failed(doc, e.to_string()))?;
    for (index, path) in &sorted(&targets.image_path) {
        let img = &doc.images[*index];
        let data = match img.format {
            ImageFormat::Svg => svg::sanitize(&img.data),
            _ => img.data.clone(),
        };
        payloads.keep(path, data);
        if Some(*index) == doc.meta.cover {
            b.add_cover_image(path.as_str(), &[][..], img.media_type())
                .map_err(|e| failed(doc, e.to_string()))?;
        } else {
            b.add_resource(path.as_str(), &[][..], img.media_type())
                .map_err(|e| failed(doc, e.to_string()))?;
        }
    }
    let lang = doc.meta.lang.as_str();
    let dir = doc.meta.direction();
    // The cover page comes first, then the contents, then the text.
    let cover = cover_page(doc, &targets);
    b.add_content(
        EpubContent::new("cover.xhtml", cover.as_bytes())
            .title("Cover")
            .reftype(ReferenceType::Cover),
    )
    .map_err(|e| failed(doc, e.to_string()))?;
    b.inline_toc();
    // Content documents are independent of each other: written in parallel.
    let pages: Vec<String> = {
        use rayon::prelude::*;
        (0..parts.len())
            .into_par_iter()
            .map(|k| {
                let part = &parts[k];
                let mut page = Page::new(&targets, &part.file);
                if k == 0 || parts[k - 1].chapter != part.chapter {
                    page.raw(&format!(
                        "<div class=\"anchor\" id=\"{}\"></div>\n",
                        escape(&doc.chapters[part.chapter].id)
                    ));
                }
                page.blocks(part.blocks);
                page.finish(&part.title, lang, dir, None)
            })
            .collect()
    };
    for (k, (part, html)) in parts.iter().zip(pages).enumerate() {
        payloads.keep(&part.file, html.into_bytes());
        let mut content = EpubContent::new(part.file.as_str(), &[][..]).title(part.title.as_str());
        for entry in toc_entries(part) {
            content = content.child(entry);
        }
        if k == 0 {
            content = content.reftype(ReferenceType::Text);
        }
        b.add_content(content).map_err(|e| failed(doc, e.to_string()))?;
    }
    let mut raw = Vec::new();
    builder
        .generate(&mut raw)
        .map_err(|e| failed(doc, e.to_string()))?;
    let entries = zipfile::read_package(&raw, payloads).map_err(|e| failed(doc, e))?;
    fixup::finish(entries, doc).map_err(|e| failed(doc, e))
}

fn sorted<K: Ord + Copy, V>(map: &HashMap<K, V>) -> Vec<(K, &V)> {
    let mut v: Vec<(K, &V)> = map.iter().map(|(k, v)| (*k, v)).collect();
    v.sort_by_key(|e| e.0);
    v
}

/// Splits the document into content documents: one per chapter; a long single-file
/// document with several level-1 headings is split before each of them.
fn split(doc: &Document) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let single = doc.chapters.len() == 1;
    for (ci, chapter) in doc.chapters.iter().enumerate() {
        let blocks = &chapter.blocks[..];
        let h1s: Vec<usize> = blocks
            .iter()
            .enumerate()
            .filter(|(_, b)| matches!(b.kind, BlockKind::Heading { level: 1, .. }))
            .map(|(i, _)| i)
            .collect();
        let size: usize = blocks.iter().map(block_size).sum();
        let cuts: Vec<usize> = if single && h1s.len() >= 2 && size > SPLIT_BYTES {
            h1s.into_iter().filter(|&i| i > 0).collect()
        } else {
            Vec::new()
        };
        let mut start = 0;
        for end in cuts.into_iter().chain(std::iter::once(blocks.len())) {
            let slice = &blocks[start..end];
            let title = slice
                .iter()
                .find_map(|b| match &b.kind {
                    BlockKind::Heading { content, .. } => Some(plain_text(content)),
                    _ => None,
                })
                .filter(|_| start > 0)
                .unwrap_or_else(|| chapter.title.clone());
            parts.push(Part {
                file: format!("text{:03}.xhtml", parts.len() + 1),
                title,
                chapter: ci,
                blocks: slice,
            });
            start = end;
        }
    }
    parts
}

fn block_size(b: &Block) -> usize {
    let mut n = 0;
    visit_blocks(std::slice::from_ref(b), &mut |b| match &b.kind {
        BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => {
            n += plain_text(content).len()
        }
        BlockKind::CodeBlock { code, .. } => n += code.len(),
        _ => n += 16,
    });
    n
}

/// Where every id, footnote and image goes.
fn targets<'d>(doc: &'d Document, parts: &[Part<'d>]) -> Targets<'d> {
    let mut file_of = HashMap::new();
    let mut note_file: HashMap<u32, String> = HashMap::new();
    for (k, part) in parts.iter().enumerate() {
        if k == 0 || parts[k - 1].chapter != part.chapter {
            file_of.insert(doc.chapters[part.chapter].id.clone(), part.file.clone());
        }
        visit_blocks(part.blocks, &mut |b| {
            if let BlockKind::Heading { id, .. } = &b.kind {
                file_of.insert(id.clone(), part.file.clone());
            }
            for_inlines(b, &mut |i| match i {
                Inline::Anchor { id } => {
                    file_of.insert(id.clone(), part.file.clone());
                }
                Inline::FootnoteRef { number } => {
                    note_file.entry(*number).or_insert_with(|| part.file.clone());
                }
                _ => {}
            });
        });
    }
    // Notes referenced only from other notes live with the note that refers to them.
    for _ in 0..4 {
        for note in &doc.footnotes {
            let Some(file) = note_file.get(&note.number).cloned() else {
                continue;
            };
            visit_blocks(&note.blocks, &mut |b| {
                for_inlines(b, &mut |i| {
                    if let Inline::FootnoteRef { number } = i {
                        note_file.entry(*number).or_insert_with(|| file.clone());
                    }
                })
            });
        }
    }
    let mut image_path = HashMap::new();
    for (i, img) in doc.images.iter().enumerate() {
        if img.format != ImageFormat::Missing {
            image_path.insert(i, format!("images/image{:03}.{}", i + 1, img.format.extension()));
        }
    }
    Targets {
        doc,
        file_of,
        note_file,
        image_path,
        highlight: epub_spans,
    }
}

/// A code block's lines as (text, CSS class) spans.
fn epub_spans(code: &str, lang: Option<&str>) -> Vec<Vec<(String, Option<&'static str>)>> {
    let lang = crate::highlight::effective_language(lang, code);
    crate::highlight::highlight(code, lang)
        .into_iter()
        .map(|line| {
            line.into_iter()
                .map(|s| (s.text.to_string(), s.class.css_class()))
                .collect()
        })
        .collect()
}

/// Calls `f` on every inline of a block's own content (not nested blocks).
fn for_inlines(b: &Block, f: &mut impl FnMut(&Inline)) {
    fn walk(inlines: &[Inline], f: &mut impl FnMut(&Inline)) {
        for i in inlines {
            f(i);
            match i {
                Inline::Emphasis { content }
                | Inline::Strong { content }
                | Inline::Strikethrough { content }
                | Inline::Superscript { content }
                | Inline::Subscript { content }
                | Inline::Link { content, .. } => walk(content, f),
                _ => {}
            }
        }
    }
    match &b.kind {
        BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => walk(content, f),
        BlockKind::Figure { caption, .. } => walk(caption, f),
        BlockKind::Table { head, rows, .. } => {
            for cell in head.iter().chain(rows.iter().flatten()) {
                walk(cell, f);
            }
        }
        BlockKind::DefinitionList { items } => {
            for item in items {
                walk(&item.term, f);
            }
        }
        _ => {}
    }
}

/// Navigation entries of a part: its headings of levels 1–3 (the heading that opens the
/// part is the part's own entry).
fn toc_entries(part: &Part) -> Vec<TocElement> {
    let mut headings = Vec::new();
    visit_blocks(part.blocks, &mut |b| {
        if let BlockKind::Heading {
            level, id, content, ..
        } = &b.kind
            && *level <= 3
        {
            headings.push((*level, id.clone(), plain_text(content)));
        }
    });
    if let Some(first) = headings.first()
        && first.2.trim() == part.title.trim()
    {
        headings.remove(0);
    }
    // epub-builder nests by level numbers; chapter entries are level 1.
    let base = headings.iter().map(|h| h.0).min().unwrap_or(2);
    headings
        .into_iter()
        .map(|(level, id, title)| {
            TocElement::new(format!("{}#{}", part.file, id), escape(&title)).level(2 + (level - base) as i32)
        })
        .collect()
}

/// The cover page: the cover image when there is one, else title, subtitle and authors.
fn cover_page(doc: &Document, targets: &Targets) -> String {
    let meta = &doc.meta;
    let mut page = Page::new(targets, "cover.xhtml");
    match meta.cover.and_then(|c| targets.image_path.get(&c)) {
        Some(path) => page.raw(&format!(
            "<section class=\"cover-image\" epub:type=\"cover\"><div class=\"cover-image\"><img src=\"{}\" alt=\"{}\"/></div></section>\n",
            escape(path),
            escape(&meta.title)
        )),
        None => {
            let mut html = String::from("<section class=\"cover\" epub:type=\"cover\">\n");
            html.push_str(&format!("<h1 class=\"cover-title\">{}</h1>\n", escape(&meta.title)));
            if let Some(sub) = &meta.subtitle {
                html.push_str(&format!("<p class=\"cover-subtitle\">{}</p>\n", escape(sub)));
            }
            if !meta.authors.is_empty() {
                html.push_str(&format!("<p class=\"cover-author\">{}</p>\n", escape(&meta.authors.join(", "))));
            }
            if let Some(p) = &meta.publisher {
                html.push_str(&format!("<p class=\"cover-publisher\">{}</p>\n", escape(p)));
            }
            html.push_str("</section>\n");
            page.raw(&html);
        }
    }
    page.finish(&meta.title, &meta.lang, meta.direction(), Some("cover"))
}

fn set_metadata(b: &mut EpubBuilder<ZipLibrary>, doc: &Document) {
    let meta = &doc.meta;
    b.set_title(meta.title.as_str());
    for a in &meta.authors {
        b.add_author(a.as_str());
    }
    b.set_languages(vec![meta.lang.clone()]);
    if let Some(d) = &meta.description {
        b.add_description(d.as_str());
    }
    b.set_subjects(meta.keywords.clone());
    if let Some(r) = &meta.rights {
        b.set_license(r.as_str());
    }
    b.set_generator("folio");
    b.set_toc_name("Contents");
    if let Some(t) = chrono::DateTime::from_timestamp(meta.modified, 0) {
        b.set_modified_date(t);
    }
    b.set_uuid(fixup::content_uuid(doc));
}

/// Embeds the bundled fonts the document needs; returns the `@font-face` rules.
fn add_fonts(
    b: &mut EpubBuilder<ZipLibrary>,
    doc: &Document,
    payloads: &mut Payloads,
) -> Result<(String, bool)> {
    if !doc.settings.epub.embed_fonts {
        return Ok((String::new(), false));
    }
    let mut has_code = false;
    for chapter in &doc.chapters {
        visit_blocks(&chapter.blocks, &mut |bl| {
            if matches!(bl.kind, BlockKind::CodeBlock { .. }) {
                has_code = true;
            }
            for_inlines(bl, &mut |i| {
                if matches!(i, Inline::Code { .. }) {
                    has_code = true;
                }
            });
        });
    }
    let mut faces = Vec::new();
    for font in &crate::fonts::BUNDLED {
        let (name, data, family, weight, style) =
            (font.file, font.data, font.family, font.weight, font.style);
        let mono = family == "JetBrains Mono";
        if mono && (!has_code || style == "italic") {
            continue;
        }
        payloads.keep(&format!("fonts/{name}"), data);
        b.add_resource(format!("fonts/{name}"), &[][..], "font/ttf")
            .map_err(|e| failed(doc, e.to_string()))?;
        faces.push((family, name, weight, style));
    }
    Ok((css::font_faces(&faces), true))
}
