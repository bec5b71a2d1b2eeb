//! Finishing the package epub-builder 0.8.3 writes. Each step exists for one of its defects
//! (or for what it cannot express), and the package is then zipped deterministically:
//! - `dc:language` and `dc:creator` share ids (`epub-creator-0`): EPUBCheck RSC-005. The
//!   language ids are renamed.
//! - the navigation documents have no `lang`: added.
//! - the inline table of contents repeats the landmarks navigation: removed there.
//! - content documents with inline SVG need `properties="svg"` (OPF-014): added.
//! - custom metadata is not escaped: folio writes its extra metadata (subtitle, publisher,
//!   accessibility, a non-UUID identifier) here, escaped.
//! - the page-direction setting is never read: `page-progression-direction` set here.
//! - zip entries carry the current time (and every file was deflated, images included):
//!   epub-builder is given a collector instead of its zip (see `zipfile.rs`).

use super::xhtml::escape;
use super::zipfile::{Entries, write_zip};
use crate::model::{Direction, Document, ImageFormat};

/// A UUID (version 5 layout) derived from the document's content: stable across runs.
pub fn content_uuid(doc: &Document) -> uuid::Uuid {
    use crate::stable::fnv1a;
    let mut h1 = fnv1a(doc.meta.title.as_bytes(), 0xcbf2_9ce4_8422_2325);
    for a in &doc.meta.authors {
        h1 = fnv1a(a.as_bytes(), h1);
    }
    let mut h2 = fnv1a(&h1.to_le_bytes(), 0x8422_2325_cbf2_9ce4);
    for chapter in &doc.chapters {
        h2 = fnv1a(chapter.title.as_bytes(), h2);
        h2 = fnv1a(&(chapter.blocks.len() as u64).to_le_bytes(), h2);
    }
    h2 = fnv1a(doc.meta.lang.as_bytes(), h2);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&h1.to_be_bytes());
    bytes[8..].copy_from_slice(&h2.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes)
}

/// Applies every step to the files epub-builder produced, then zips them.
pub fn finish(mut entries: Entries, doc: &Document) -> Result<Vec<u8>, String> {
    let svg_docs: Vec<String> = entries
        .iter()
        .filter(|(n, d)| n.ends_with(".xhtml") && contains(d, b"<svg"))
        .map(|(n, _)| n.trim_start_matches("OEBPS/").to_string())
        .collect();
    for (name, data) in &mut entries {
        match name.as_str() {
            "OEBPS/content.opf" => {
                *data = fix_opf(&String::from_utf8_lossy(data), doc, &svg_docs)
                    .into_bytes()
                    .into()
            }
            "OEBPS/nav.xhtml" => {
                *data = fix_nav(&String::from_utf8_lossy(data), doc, true)
                    .into_bytes()
                    .into()
            }
            "OEBPS/toc.xhtml" => {
                *data = fix_nav(&String::from_utf8_lossy(data), doc, false)
                    .into_bytes()
                    .into()
            }
            _ => {}
        }
    }
    write_zip(&entries, doc.meta.modified)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The package document: ids, extra metadata, SVG properties, direction, identifier.
pub fn fix_opf(opf: &str, doc: &Document, svg_docs: &[String]) -> String {
    let mut out = opf.replace("<dc:language id=\"epub-creator-", "<dc:language id=\"epub-lang-");
    let extra = extra_metadata(doc);
    out = out.replacen("  </metadata>", &format!("{extra}  </metadata>"), 1);
    if let Some(id) = &doc.meta.identifier {
        // A given identifier (an ISBN, a URN...) replaces the derived UUID.
        if let (Some(start), Some(end)) = (
            out.find("<dc:identifier id=\"epub-id-1\">"),
            out.find("</dc:identifier>"),
        ) {
            let open = "<dc:identifier id=\"epub-id-1\">".len();
            out.replace_range(start + open..end, &escape(id));
        }
    }
    for file in svg_docs {
        let needle = format!("href=\"{file}\"/>");
        if let Some(pos) = out.find(&needle) {
            let line_start = out[..pos].rfind("<item").unwrap_or(pos);
            if !out[line_start..pos].contains("properties=") {
                out.insert_str(line_start + "<item".len(), " properties=\"svg\"");
            }
        }
    }
    let dir = match doc.meta.direction() {
        Direction::Rtl => "rtl",
        Direction::Ltr => "ltr",
    };
    out.replace(
        "page-progression-direction=\"ltr\"",
        &format!("page-progression-direction=\"{dir}\""),
    )
}

/// Metadata epub-builder does not write: subtitle, publisher, date, accessibility.
fn extra_metadata(doc: &Document) -> String {
    let m = &doc.meta;
    let mut out = String::new();
    if let Some(sub) = &m.subtitle {
        out.push_str(&format!(
            "    <dc:title id=\"subtitle\">{}</dc:title>\n    <meta refines=\"#subtitle\" property=\"title-type\">subtitle</meta>\n",
            escape(sub)
        ));
    }
    if let Some(p) = &m.publisher {
        out.push_str(&format!("    <dc:publisher>{}</dc:publisher>\n", escape(p)));
    }
    if let Some(d) = m.date.as_deref().filter(|d| is_w3c_date(d)) {
        out.push_str(&format!("    <dc:date>{}</dc:date>\n", escape(d)));
    }
    let has_images = doc.images.iter().any(|i| i.format != ImageFormat::Missing);
    out.push_str("    <meta property=\"schema:accessMode\">textual</meta>\n");
    if has_images {
        out.push_str("    <meta property=\"schema:accessMode\">visual</meta>\n");
    }
    out.push_str("    <meta property=\"schema:accessModeSufficient\">textual</meta>\n");
    let mut features = vec!["tableOfContents", "readingOrder", "structuralNavigation"];
    if has_images {
        features.push("alternativeText");
    }
    for f in features {
        out.push_str(&format!(
            "    <meta property=\"schema:accessibilityFeature\">{f}</meta>\n"
        ));
    }
    out.push_str("    <meta property=\"schema:accessibilityHazard\">none</meta>\n");
    let summary = if has_images {
        "Text with a table of contents, headings and structural navigation; images carry text alternatives from the source."
    } else {
        "Text with a table of contents, headings and structural navigation."
    };
    out.push_str(&format!(
        "    <meta property=\"schema:accessibilitySummary\">{}</meta>\n",
        escape(summary)
    ));
    out
}

/// Whether a date is in a W3C form `dc:date` accepts (YYYY, YYYY-MM, YYYY-MM-DD...).
fn is_w3c_date(d: &str) -> bool {
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7),
        10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        _ => d.len() > 10 && digits(0..4) && b[4] == b'-' && d.contains('T'),
    }
}

/// The navigation documents: language on the root, landmarks only in `nav.xhtml`.
pub fn fix_nav(nav: &str, doc: &Document, keep_landmarks: bool) -> String {
    let lang = escape(&doc.meta.lang);
    let dir = if doc.meta.direction() == Direction::Rtl {
        " dir=\"rtl\""
    } else {
        ""
    };
    let mut out = nav.replacen(
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\">",
        &format!(
            "<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\"{dir}>"
        ),
        1,
    );
    if !keep_landmarks
        && let Some(start) = out.find("<nav epub:type = \"landmarks\">")
        && let Some(len) = out[start..].find("</nav>")
    {
        out.replace_range(start..start + len + "</nav>".len(), "");
    }
    out
}
