//! Finishing the PDF on printpdf's lopdf document, for what printpdf 0.12.8 does not do or
//! does differently from what folio needs:
//! - a nested outline (printpdf's bookmarks are flat and re-sorted by page);
//! - document language (`/Lang`), page labels, `/PageMode` as a name (printpdf writes a string),
//!   `/DisplayDocTitle`;
//! - the Info dictionary and XMP metadata from the document (printpdf writes an empty
//!   `/GTS_PDFXVersion`, which makes `pdfinfo` report PDF/X, and no XMP for plain PDFs);
//! - subset tags on font names (the fonts are subset before printpdf sees them, so it
//!   writes them as whole fonts);
//! - a trailer `/ID` derived from the content (printpdf's is random);
//! - stream compression.

use std::collections::HashMap;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

use super::deflate;
use super::page::{LabelRange, LabelStyle, OutlineEntry};
use crate::error::{Error, Result};
use crate::model::Document;
use crate::stable::{civil, fnv1a};

/// What the finishing steps need of the layout: its outline, page labels and page heights
/// (not the pages' contents, which are being written meanwhile).
pub struct Navigation<'a> {
    pub outline: &'a [OutlineEntry],
    pub labels: &'a [LabelRange],
    pub heights: &'a [f32],
}

/// Applies every finishing step to `pdf` but the file id (see `set_id`).
pub fn finish(pdf: &mut lopdf::Document, nav: &Navigation, doc: &Document) -> Result<()> {
    pdf.version = "1.7".into();
    let root = pdf
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| failed(doc, e))?;
    let pages: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    let outline = outline(pdf, nav, &pages);
    let metadata = xmp(doc);
    let metadata_id = pdf.add_object(Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        metadata.into_bytes(),
    ));
    let labels = page_labels(nav.labels);
    {
        let catalog = pdf.get_dictionary_mut(root).map_err(|e| failed(doc, e))?;
        catalog.remove(b"Outlines");
        catalog.set("Lang", text(&doc.meta.lang));
        catalog.set("PageLabels", labels);
        catalog.set("Metadata", Object::Reference(metadata_id));
        catalog.set(
            "ViewerPreferences",
            Dictionary::from_iter(vec![("DisplayDocTitle", Object::Boolean(true))]),
        );
        match outline {
            Some(id) => {
                catalog.set("Outlines", Object::Reference(id));
                catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
            }
            None => catalog.set("PageMode", Object::Name(b"UseNone".to_vec())),
        }
    }
    let info = info(doc);
    let info_id = pdf.add_object(info);
    pdf.trailer.set("Info", Object::Reference(info_id));
    hoist_form_fonts(pdf);
    tag_subset_fonts(pdf);
    prune_and_renumber(pdf);
    compress_streams(pdf);
    Ok(())
}

/// Sets the trailer's file id (both halves: the file is never updated in place).
pub fn set_id(pdf: &mut lopdf::Document, id: [u8; 16]) {
    pdf.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.to_vec(), StringFormat::Hexadecimal),
            Object::String(id.to_vec(), StringFormat::Hexadecimal),
        ]),
    );
}

/// Makes the fonts of Form XObjects (SVG drawings with text) indirect objects. They arrive
/// as direct dictionaries, but a font descriptor must be an indirect object, and poppler
/// reports "xref num ... not found" for fonts that are not.
fn hoist_form_fonts(pdf: &mut lopdf::Document) {
    let forms: Vec<ObjectId> = pdf
        .objects
        .iter()
        .filter(|(_, o)| {
            matches!(o, Object::Stream(s) if s.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Form"))
        })
        .map(|(id, _)| *id)
        .collect();
    for form in forms {
        let fonts: Vec<(Vec<u8>, Dictionary)> = match pdf.objects.get(&form) {
            Some(Object::Stream(s)) => match s
                .dict
                .get(b"Resources")
                .and_then(|r| r.as_dict())
                .and_then(|r| r.get(b"Font"))
                .and_then(|f| f.as_dict())
            {
                Ok(fonts) => fonts
                    .iter()
                    .filter_map(|(k, v)| v.as_dict().ok().map(|d| (k.clone(), d.clone())))
                    .collect(),
                Err(_) => continue,
            },
            _ => continue,
        };
        let mut refs = Vec::new();
        for (name, font) in fonts {
            let font = hoist_font(pdf, font);
            refs.push((name, pdf.add_object(font)));
        }
        if let Some(Object::Stream(s)) = pdf.objects.get_mut(&form)
            && let Ok(resources) = s.dict.get_mut(b"Resources").and_then(Object::as_dict_mut)
            && let Ok(fonts) = resources.get_mut(b"Font").and_then(Object::as_dict_mut)
        {
            for (name, id) in refs {
                fonts.set(name, Object::Reference(id));
            }
        }
    }
}

/// A font dictionary with its descriptor and descendant fonts made indirect objects.
fn hoist_font(pdf: &mut lopdf::Document, mut font: Dictionary) -> Dictionary {
    if let Ok(descriptor) = font.get(b"FontDescriptor").and_then(Object::as_dict) {
        let id = pdf.add_object(descriptor.clone());
        font.set("FontDescriptor", Object::Reference(id));
    }
    if let Ok(descendants) = font.get(b"DescendantFonts").and_then(Object::as_array) {
        let descendants = descendants.clone();
        let hoisted: Vec<Object> = descendants
            .into_iter()
            .map(|d| match d {
                Object::Dictionary(d) => {
                    let d = hoist_font(pdf, d);
                    Object::Reference(pdf.add_object(d))
                }
                other => other,
            })
            .collect();
        font.set("DescendantFonts", Object::Array(hoisted));
    }
    font
}

/// Drops the objects nothing refers to (printpdf leaves some) and numbers the rest 1..n in
/// their old order. lopdf's `prune_objects` and `renumber_objects` do this too, but keep the
/// references they have seen in a list searched for every new one: quadratic, 0.9 s of the
/// 8× rust-book. This walk is linear.
fn prune_and_renumber(pdf: &mut lopdf::Document) {
    fn refs_of(object: &Object, out: &mut Vec<ObjectId>) {
        match object {
            Object::Reference(id) => out.push(*id),
            Object::Array(items) => items.iter().for_each(|o| refs_of(o, out)),
            Object::Dictionary(d) => d.iter().for_each(|(_, o)| refs_of(o, out)),
            Object::Stream(s) => s.dict.iter().for_each(|(_, o)| refs_of(o, out)),
            _ => {}
        }
    }
    fn renumber(object: &mut Object, map: &HashMap<ObjectId, ObjectId>) {
        match object {
            Object::Reference(id) => {
                // A reference to a missing object becomes null, as PDF readers treat it.
                match map.get(id) {
                    Some(new) => *id = *new,
                    None => *object = Object::Null,
                }
            }
            Object::Array(items) => items.iter_mut().for_each(|o| renumber(o, map)),
            Object::Dictionary(d) => d.iter_mut().for_each(|(_, o)| renumber(o, map)),
            Object::Stream(s) => s.dict.iter_mut().for_each(|(_, o)| renumber(o, map)),
            _ => {}
        }
    }
    let mut reached: std::collections::HashSet<ObjectId> = std::collections::HashSet::new();
    let mut todo = Vec::new();
    pdf.trailer.iter().for_each(|(_, o)| refs_of(o, &mut todo));
    while let Some(id) = todo.pop() {
        if let Some(object) = pdf.objects.get(&id)
            && reached.insert(id)
        {
            refs_of(object, &mut todo);
        }
    }
    pdf.objects.retain(|id, _| reached.contains(id));
    let map: HashMap<ObjectId, ObjectId> = pdf
        .objects
        .keys()
        .enumerate()
        .map(|(i, old)| (*old, (i as u32 + 1, 0)))
        .collect();
    let objects = std::mem::take(&mut pdf.objects);
    for (old, mut object) in objects {
        renumber(&mut object, &map);
        pdf.objects.insert(map[&old], object);
    }
    pdf.trailer.iter_mut().for_each(|(_, o)| renumber(o, &map));
    pdf.max_id = pdf.objects.len() as u32;
}

/// Deflates every stream not compressed yet, in parallel, at a fast level: content streams
/// are mostly repeated operators, which compress well even so.
fn compress_streams(pdf: &mut lopdf::Document) {
    use rayon::prelude::*;
    let level = deflate::level();
    let mut streams: Vec<&mut Stream> = pdf
        .objects
        .values_mut()
        .filter_map(|o| match o {
            Object::Stream(s) if s.allows_compression && !s.dict.has(b"Filter") && s.content.len() > 64 => {
                Some(s)
            }
            _ => None,
        })
        .collect();
    // One compressor per worker, reset between streams (see `deflate`).
    streams.par_iter_mut().for_each_init(
        || deflate::compressor(level),
        |compressor, s| {
            if let Some(compressed) = deflate::zlib(compressor, &s.content)
                && compressed.len() < s.content.len()
            {
                s.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
                s.set_content(compressed);
            }
        },
    );
}

fn failed(doc: &Document, e: lopdf::Error) -> Error {
    Error::Export {
        document: doc.meta.title.clone(),
        message: format!("finishing the PDF failed: {e}"),
    }
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a byte-order mark.
fn text(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// The nested outline: each heading under the nearest heading of a higher level.
fn outline(pdf: &mut lopdf::Document, nav: &Navigation, pages: &[ObjectId]) -> Option<ObjectId> {
    if nav.outline.is_empty() {
        return None;
    }
    let root = pdf.new_object_id();
    // Tree as parent indices: None for top-level entries.
    let entries = nav.outline;
    let mut parent: Vec<Option<usize>> = Vec::with_capacity(entries.len());
    let mut stack: Vec<usize> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        while let Some(&top) = stack.last() {
            if entries[top].level >= e.level {
                stack.pop();
            } else {
                break;
            }
        }
        parent.push(stack.last().copied());
        stack.push(i);
    }
    let ids: Vec<ObjectId> = entries.iter().map(|_| pdf.new_object_id()).collect();
    let mut dicts: Vec<Dictionary> = Vec::with_capacity(entries.len());
    let mut kids_of: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for (i, p) in parent.iter().enumerate() {
        kids_of.entry(*p).or_default().push(i);
    }
    for (i, e) in entries.iter().enumerate() {
        let mut d = Dictionary::new();
        d.set("Title", text(&e.title));
        d.set(
            "Parent",
            Object::Reference(parent[i].map(|p| ids[p]).unwrap_or(root)),
        );
        if let Some(&page) = pages.get(e.page) {
            let top = nav.heights.get(e.page).map(|h| h - e.y).unwrap_or(0.0);
            d.set(
                "Dest",
                Object::Array(vec![
                    Object::Reference(page),
                    Object::Name(b"XYZ".to_vec()),
                    Object::Null,
                    Object::Real(top + 4.0),
                    Object::Null,
                ]),
            );
        }
        let siblings = &kids_of[&parent[i]];
        let pos = siblings.iter().position(|&s| s == i).unwrap_or(0);
        if pos > 0 {
            d.set("Prev", Object::Reference(ids[siblings[pos - 1]]));
        }
        if let Some(&next) = siblings.get(pos + 1) {
            d.set("Next", Object::Reference(ids[next]));
        }
        if let Some(kids) = kids_of.get(&Some(i)) {
            d.set("First", Object::Reference(ids[kids[0]]));
            d.set("Last", Object::Reference(ids[*kids.last().unwrap_or(&kids[0])]));
            // Chapters open, sections closed.
            let count = kids.len() as i64;
            d.set(
                "Count",
                Object::Integer(if parent[i].is_none() { count } else { -count }),
            );
        }
        dicts.push(d);
    }
    for (i, d) in dicts.into_iter().enumerate() {
        pdf.objects.insert(ids[i], Object::Dictionary(d));
    }
    let top = &kids_of[&None];
    let visible = top.len()
        + top
            .iter()
            .map(|t| kids_of.get(&Some(*t)).map_or(0, Vec::len))
            .sum::<usize>();
    let mut r = Dictionary::new();
    r.set("Type", Object::Name(b"Outlines".to_vec()));
    r.set("First", Object::Reference(ids[top[0]]));
    r.set("Last", Object::Reference(ids[*top.last().unwrap_or(&top[0])]));
    r.set("Count", Object::Integer(visible as i64));
    pdf.objects.insert(root, Object::Dictionary(r));
    Some(root)
}

fn page_labels(labels: &[LabelRange]) -> Dictionary {
    let mut nums = Vec::new();
    for range in labels {
        nums.push(Object::Integer(range.start as i64));
        let style = match range.style {
            LabelStyle::LowerRoman => b"r".to_vec(),
            LabelStyle::Arabic => b"D".to_vec(),
        };
        let mut d = Dictionary::new();
        d.set("S", Object::Name(style));
        if range.first != 1 {
            d.set("St", Object::Integer(range.first as i64));
        }
        nums.push(Object::Dictionary(d));
    }
    Dictionary::from_iter(vec![("Nums", Object::Array(nums))])
}

fn pdf_date(seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(seconds);
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z")
}

fn iso_date(seconds: i64) -> String {
    let (y, mo, d, h, mi, s) = civil(seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

fn info(doc: &Document) -> Dictionary {
    let m = &doc.meta;
    let mut d = Dictionary::new();
    d.set("Title", text(&m.title));
    if !m.authors.is_empty() {
        d.set("Author", text(&m.authors.join(", ")));
    }
    if let Some(s) = m.description.as_ref().or(m.subtitle.as_ref()) {
        d.set("Subject", text(s));
    }
    if !m.keywords.is_empty() {
        d.set("Keywords", text(&m.keywords.join(", ")));
    }
    d.set("Creator", text("folio"));
    d.set(
        "Producer",
        text(concat!("folio ", env!("CARGO_PKG_VERSION"), " (printpdf)")),
    );
    let date = pdf_date(m.modified);
    d.set(
        "CreationDate",
        Object::String(date.clone().into_bytes(), StringFormat::Literal),
    );
    d.set(
        "ModDate",
        Object::String(date.into_bytes(), StringFormat::Literal),
    );
    d
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// XMP metadata with the same facts as the Info dictionary.
fn xmp(doc: &Document) -> String {
    let m = &doc.meta;
    let date = iso_date(m.modified);
    let lang = xml_escape(&m.lang);
    let mut creators = String::new();
    for a in &m.authors {
        creators.push_str(&format!("<rdf:li>{}</rdf:li>", xml_escape(a)));
    }
    let description = m
        .description
        .as_ref()
        .map(|d| {
            format!(
                "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:description>",
                xml_escape(d)
            )
        })
        .unwrap_or_default();
    let subjects: String = m
        .keywords
        .iter()
        .map(|k| format!("<rdf:li>{}</rdf:li>", xml_escape(k)))
        .collect();
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n\
<dc:format>application/pdf</dc:format>\n\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\n\
<dc:creator><rdf:Seq>{creators}</rdf:Seq></dc:creator>\n\
{description}\n\
<dc:subject><rdf:Bag>{subjects}</rdf:Bag></dc:subject>\n\
<dc:language><rdf:Bag><rdf:li>{lang}</rdf:li></rdf:Bag></dc:language>\n\
<pdf:Keywords>{keywords}</pdf:Keywords>\n\
<pdf:Producer>folio {version} (printpdf)</pdf:Producer>\n\
<xmp:CreatorTool>folio</xmp:CreatorTool>\n\
<xmp:CreateDate>{date}</xmp:CreateDate>\n\
<xmp:ModifyDate>{date}</xmp:ModifyDate>\n\
<xmp:MetadataDate>{date}</xmp:MetadataDate>\n\
</rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
        title = xml_escape(&m.title),
        keywords = xml_escape(&m.keywords.join(", ")),
        version = env!("CARGO_PKG_VERSION"),
    )
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Marks every embedded font as a subset: `ABCDEF+Name`, the tag derived from the name.
fn tag_subset_fonts(pdf: &mut lopdf::Document) {
    let ids: Vec<ObjectId> = pdf.objects.keys().copied().collect();
    for id in ids {
        let Some(Object::Dictionary(d)) = pdf.objects.get_mut(&id) else {
            continue;
        };
        let key: &[u8] = if d.has(b"FontName") {
            b"FontName"
        } else {
            b"BaseFont"
        };
        let is_font = d
            .get(b"Type")
            .ok()
            .and_then(|t| t.as_name().ok())
            .is_some_and(|t| t == b"Font" || t == b"FontDescriptor");
        if !is_font {
            continue;
        }
        // Standard 14 fonts (never used by folio) stay as they are.
        if d.get(b"Subtype").ok().and_then(|t| t.as_name().ok()) == Some(b"Type1".as_slice()) {
            continue;
        }
        let Ok(name) = d.get(key).and_then(Object::as_name).map(|n| n.to_vec()) else {
            continue;
        };
        if name.len() > 7 && name[6] == b'+' {
            continue;
        }
        let h = fnv1a(&name, FNV_OFFSET);
        let mut tagged: Vec<u8> = (0..6).map(|i| b'A' + ((h >> (i * 5)) % 26) as u8).collect();
        tagged.push(b'+');
        tagged.extend_from_slice(&name);
        d.set(key, Object::Name(tagged));
    }
}

/// A hash of one page's text, for `document_id` (taken page by page, in parallel).
pub fn page_text_hash(page: &super::page::Page) -> u64 {
    let mut h = FNV_OFFSET;
    for item in &page.items {
        if let super::page::Item::Text(run) = item {
            h = fnv1a(run.text.as_bytes(), h);
        }
    }
    h
}

/// A 16-byte file identifier from the document's content: its title and date, and the text
/// of its pages (`page_text_hash` of each, in order).
pub fn document_id(doc: &Document, page_hashes: &[u64]) -> [u8; 16] {
    let mut h1 = fnv1a(doc.meta.title.as_bytes(), FNV_OFFSET);
    h1 = fnv1a(&doc.meta.modified.to_le_bytes(), h1);
    let mut h2 = fnv1a(
        &(page_hashes.len() as u64).to_le_bytes(),
        h1 ^ 0x9e37_79b9_7f4a_7c15,
    );
    for page in page_hashes {
        h2 = fnv1a(&page.to_le_bytes(), h2);
    }
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&h1.to_be_bytes());
    out[8..].copy_from_slice(&h2.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(pdf_date(0), "D:19700101000000Z");
        assert_eq!(iso_date(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn text_strings() {
        assert_eq!(
            text("abc"),
            Object::String(b"abc".to_vec(), StringFormat::Literal)
        );
        match text("é") {
            Object::String(b, _) => assert_eq!(b, [0xFE, 0xFF, 0x00, 0xE9]),
            other => panic!("{other:?}"),
        }
    }
}
