//! Images for the PDF writer: JPEG passed through untouched (DCTDecode), PNG, GIF and WebP
//! decoded once into 8-bit RGB (with a soft mask for transparency, compressed by the
//! writer), SVG converted to vector drawing operations with svg2pdf and wrapped as a Form
//! XObject. SVG text uses the bundled fonts; SVG files never load anything from disk or
//! network.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use printpdf::{DictItem, ExternalStream, ExternalXObject, PdfDocument, XObjectId};

use super::deflate;
use super::page::{Item, Layout};
use crate::diagnostics::{Warning, WarningKind};
use crate::model::{Document, Image, ImageFormat};

/// An image registered with printpdf.
pub struct Embedded {
    /// Resource name of the XObject.
    pub name: String,
}

/// Image streams prepared ahead of layout, by image index.
pub type Prepared = HashMap<usize, ExternalStream>;

/// Prepares the XObject stream of every image the document shows (decoding and compressing
/// the rasters), in parallel. Runs while the pages are being laid out.
pub fn prepare(doc: &Document) -> Prepared {
    use rayon::prelude::*;
    let shown: Vec<usize> = (0..doc.images.len())
        .filter(|&i| doc.images[i].is_available() && Some(i) != doc.meta.cover || is_shown(doc, i))
        .collect();
    shown
        .into_par_iter()
        .filter_map(|i| xobject(&doc.images[i]).map(|s| (i, s)))
        .collect()
}

/// A warning for each image the pages show that could not be prepared (a file that passed
/// the front end's checks but does not decode): the PDF leaves its place empty.
pub fn undecodable(doc: &Document, layout: &Layout, prepared: &Prepared) -> Vec<Warning> {
    let mut missing: Vec<usize> = layout
        .pages
        .iter()
        .flat_map(|p| p.items.iter())
        .filter_map(|i| match i {
            Item::Image { image, .. } if !prepared.contains_key(image) => Some(*image),
            _ => None,
        })
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
        .into_iter()
        .filter_map(|i| doc.images.get(i))
        .map(|image| {
            Warning::new(
                WarningKind::BadImage,
                image.path.clone().unwrap_or_else(|| image.src.clone()),
                0,
                format!(
                    "image {} does not decode; the PDF leaves its place empty",
                    image.src
                ),
            )
        })
        .collect()
}

/// Whether the cover image also appears in the text.
fn is_shown(doc: &Document, index: usize) -> bool {
    let mut found = false;
    for chapter in &doc.chapters {
        crate::model::visit_blocks(&chapter.blocks, &mut |b| {
            if let crate::model::BlockKind::Figure { image, .. } = &b.kind {
                found |= *image == index;
            }
        });
    }
    found
}

/// Registers every image the pages show, once each, under stable names.
pub fn embed_images(
    layout: &Layout,
    prepared: &mut Prepared,
    pdf: &mut PdfDocument,
) -> HashMap<usize, Embedded> {
    let mut used: Vec<usize> = layout
        .pages
        .iter()
        .flat_map(|p| p.items.iter())
        .filter_map(|i| match i {
            Item::Image { image, .. } => Some(*image),
            _ => None,
        })
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut out = HashMap::new();
    for index in used {
        let Some(stream) = prepared.remove(&index) else {
            continue;
        };
        let name = format!("Im{index}");
        pdf.resources.xobjects.map.insert(
            XObjectId(name.clone()),
            printpdf::XObject::External(ExternalXObject {
                stream,
                width: None,
                height: None,
                dpi: None,
            }),
        );
        out.insert(index, Embedded { name });
    }
    out
}

fn name(s: &str) -> DictItem {
    DictItem::Name(s.as_bytes().to_vec())
}

/// The XObject stream of an image, drawn in the unit square.
pub fn xobject(image: &Image) -> Option<ExternalStream> {
    match image.format {
        ImageFormat::Jpeg => jpeg(&image.data),
        ImageFormat::Png => png(&image.data).or_else(|| raster(&image.data)),
        ImageFormat::Gif | ImageFormat::Webp => raster(&image.data),
        ImageFormat::Svg => svg(&image.data),
        ImageFormat::Missing => None,
    }
}

/// A JPEG, untouched. Components and size come from its frame header.
fn jpeg(data: &[u8]) -> Option<ExternalStream> {
    let info = jpeg_info(data)?;
    let color_space = match info.components {
        1 => "DeviceGray",
        3 => "DeviceRGB",
        4 => "DeviceCMYK",
        _ => return None,
    };
    let mut dict = BTreeMap::new();
    dict.insert("Type".into(), name("XObject"));
    dict.insert("Subtype".into(), name("Image"));
    dict.insert("Width".into(), DictItem::Int(info.width as i64));
    dict.insert("Height".into(), DictItem::Int(info.height as i64));
    dict.insert("ColorSpace".into(), name(color_space));
    dict.insert("BitsPerComponent".into(), DictItem::Int(8));
    dict.insert("Filter".into(), name("DCTDecode"));
    if info.components == 4 && info.adobe_inverted {
        // Adobe CMYK JPEGs store inverted values.
        dict.insert(
            "Decode".into(),
            DictItem::Array(
                [1, 0, 1, 0, 1, 0, 1, 0]
                    .iter()
                    .map(|&v| DictItem::Int(v))
                    .collect(),
            ),
        );
    }
    Some(ExternalStream {
        dict,
        content: data.to_vec(),
        compress: false,
    })
}

struct JpegInfo {
    width: u32,
    height: u32,
    components: u8,
    adobe_inverted: bool,
}

/// Reads the frame header (SOFn) and the Adobe marker of a JPEG.
fn jpeg_info(data: &[u8]) -> Option<JpegInfo> {
    if data.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    let mut adobe = false;
    while i + 4 <= data.len() {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        let marker = data[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = u16::from_be_bytes([data[i + 2], data[i + 3]]) as usize;
        let body = data.get(i + 4..i + 2 + len)?;
        match marker {
            0xEE if body.starts_with(b"Adobe") => adobe = true,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return Some(JpegInfo {
                    height: u16::from_be_bytes([*body.get(1)?, *body.get(2)?]) as u32,
                    width: u16::from_be_bytes([*body.get(3)?, *body.get(4)?]) as u32,
                    components: *body.get(5)?,
                    adobe_inverted: adobe,
                });
            }
            0xDA => return None,
            _ => {}
        }
        i += 2 + len;
    }
    None
}

/// An 8-bit PNG as its own filtered rows (see `png`): no pixel is decoded.
fn png(data: &[u8]) -> Option<ExternalStream> {
    let s = super::png::streams(data)?;
    let predictor = |colors: u8| {
        let mut parms = BTreeMap::new();
        parms.insert("Predictor".into(), DictItem::Int(15));
        parms.insert("Colors".into(), DictItem::Int(colors as i64));
        parms.insert("BitsPerComponent".into(), DictItem::Int(8));
        parms.insert("Columns".into(), DictItem::Int(s.width as i64));
        Some(DictItem::Dict { map: parms })
    };
    let color = flate_image(s.width, s.height, s.colors, s.color, predictor(s.colors));
    let alpha = s
        .alpha
        .map(|a| flate_image(s.width, s.height, 1, a, predictor(1)));
    Some(with_mask(color, alpha))
}

/// An 8-bit grey (`colors` 1) or RGB image XObject of zlib-compressed samples, with its
/// `DecodeParms` if the samples are predicted.
fn flate_image(
    width: u32,
    height: u32,
    colors: u8,
    content: Vec<u8>,
    parms: Option<DictItem>,
) -> ExternalStream {
    let mut dict = BTreeMap::new();
    dict.insert("Type".into(), name("XObject"));
    dict.insert("Subtype".into(), name("Image"));
    dict.insert("Width".into(), DictItem::Int(width as i64));
    dict.insert("Height".into(), DictItem::Int(height as i64));
    dict.insert("BitsPerComponent".into(), DictItem::Int(8));
    dict.insert(
        "ColorSpace".into(),
        name(if colors == 1 { "DeviceGray" } else { "DeviceRGB" }),
    );
    dict.insert("Filter".into(), name("FlateDecode"));
    if let Some(parms) = parms {
        dict.insert("DecodeParms".into(), parms);
    }
    ExternalStream {
        dict,
        content,
        compress: false,
    }
}

/// An image with its transparency, if any, as a soft mask.
fn with_mask(mut color: ExternalStream, alpha: Option<ExternalStream>) -> ExternalStream {
    if let Some(mask) = alpha {
        color
            .dict
            .insert("SMask".into(), DictItem::Stream { stream: mask });
    }
    color
}

/// GIF, WebP, and PNGs the direct path does not take: decoded to 8-bit RGB, transparency as a soft mask.
fn raster(data: &[u8]) -> Option<ExternalStream> {
    let mut reader = image::ImageReader::new(Cursor::new(data))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().ok()?;
    let (w, h) = (decoded.width(), decoded.height());
    let has_alpha = decoded.color().has_alpha();
    let gray = !decoded.color().has_color();
    // One pass over the decoded pixels: colour channels, and alpha only when not opaque.
    let channels = if gray { 1 } else { 3 };
    let (pixels, alpha): (Vec<u8>, Option<Vec<u8>>) = match decoded {
        image::DynamicImage::ImageRgb8(rgb) => (rgb.into_raw(), None),
        image::DynamicImage::ImageLuma8(l) => (l.into_raw(), None),
        other => {
            let raw: Vec<u8> = if gray {
                other.into_luma_alpha8().into_raw()
            } else if has_alpha {
                other.into_rgba8().into_raw()
            } else {
                other.into_rgb8().into_raw()
            };
            if has_alpha {
                let stride = channels + 1;
                let opaque = raw.chunks_exact(stride).all(|p| p[channels] == 255);
                let alpha = (!opaque).then(|| raw.chunks_exact(stride).map(|p| p[channels]).collect());
                // Colour channels packed in place: no second full-size buffer.
                let mut pixels = raw;
                let count = pixels.len() / stride;
                for i in 0..count {
                    let (from, to) = (i * stride, i * channels);
                    for c in 0..channels {
                        pixels[to + c] = pixels[from + c];
                    }
                }
                pixels.truncate(count * channels);
                (pixels, alpha)
            } else {
                (raw, None)
            }
        }
    };
    // Compressed here, so that it happens while the pages are laid out.
    let color = flate_image(w, h, channels as u8, deflate::once(&pixels, 3), None);
    let alpha = alpha.map(|a| flate_image(w, h, 1, deflate::once(&a, 3), None));
    Some(with_mask(color, alpha))
}

/// The font database SVG text is set with: the bundled fonts only.
fn svg_fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        for font in &crate::fonts::BUNDLED {
            db.load_font_data(font.data.to_vec());
        }
        db.set_serif_family("Source Serif 4 SmText");
        db.set_sans_serif_family("Source Serif 4 SmText");
        db.set_cursive_family("Source Serif 4 SmText");
        db.set_fantasy_family("Source Serif 4 SmText");
        db.set_monospace_family("JetBrains Mono");
        Arc::new(db)
    })
    .clone()
}

/// An SVG as a Form XObject in the unit square, drawn as vectors.
fn svg(data: &[u8]) -> Option<ExternalStream> {
    let mut options = usvg::Options {
        font_family: "Source Serif 4 SmText".into(),
        fontdb: svg_fonts(),
        ..usvg::Options::default()
    };
    // Never read files or follow links: only images embedded as data URLs are drawn.
    options.image_href_resolver = usvg::ImageHrefResolver {
        resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
        resolve_string: Box::new(|_, _| None),
    };
    let tree = usvg::Tree::from_data(data, &options).ok()?;
    let (w, h) = (tree.size().width(), tree.size().height());
    let bytes = svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .ok()?;
    let pdf = lopdf::Document::load_mem(&bytes).ok()?;
    let page_id = *pdf.get_pages().values().next()?;
    let page = pdf.get_dictionary(page_id).ok()?;
    let content = pdf.get_page_content(page_id);
    let resources = page
        .get(b"Resources")
        .ok()
        .map(|r| inline(&pdf, r, 0))
        .unwrap_or(DictItem::Dict { map: BTreeMap::new() });
    // Scale the page (w × h points at 72 dpi) to the unit square.
    let mut ops = format!("q {} 0 0 {} 0 0 cm\n", 1.0 / w, 1.0 / h).into_bytes();
    ops.extend_from_slice(&content);
    ops.extend_from_slice(b"\nQ\n");
    let mut dict = BTreeMap::new();
    dict.insert("Type".into(), name("XObject"));
    dict.insert("Subtype".into(), name("Form"));
    dict.insert(
        "BBox".into(),
        DictItem::Array(vec![
            DictItem::Int(0),
            DictItem::Int(0),
            DictItem::Int(1),
            DictItem::Int(1),
        ]),
    );
    dict.insert("Resources".into(), resources);
    Some(ExternalStream {
        dict,
        content: ops,
        compress: true,
    })
}

/// Copies a lopdf object into printpdf's dictionary items, following references.
fn inline(pdf: &lopdf::Document, object: &lopdf::Object, depth: usize) -> DictItem {
    use lopdf::Object as O;
    if depth > 32 {
        return DictItem::Null;
    }
    match object {
        O::Null => DictItem::Null,
        O::Boolean(b) => DictItem::Bool(*b),
        O::Integer(i) => DictItem::Int(*i),
        O::Real(r) => DictItem::Real(*r),
        O::Name(n) => DictItem::Name(n.clone()),
        O::String(s, format) => DictItem::String {
            data: s.clone(),
            literal: matches!(format, lopdf::StringFormat::Literal),
        },
        O::Array(items) => DictItem::Array(items.iter().map(|i| inline(pdf, i, depth + 1)).collect()),
        O::Dictionary(d) => DictItem::Dict {
            map: d
                .iter()
                .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), inline(pdf, v, depth + 1)))
                .collect(),
        },
        O::Stream(s) => {
            let mut dict: BTreeMap<String, DictItem> = s
                .dict
                .iter()
                .filter(|(k, _)| k.as_slice() != b"Length")
                .map(|(k, v)| (String::from_utf8_lossy(k).into_owned(), inline(pdf, v, depth + 1)))
                .collect();
            let content = s.content.clone();
            dict.retain(|k, _| k != "Length");
            DictItem::Stream {
                stream: ExternalStream {
                    dict,
                    content,
                    compress: false,
                },
            }
        }
        O::Reference(id) => match pdf.get_object(*id) {
            Ok(o) => inline(pdf, o, depth + 1),
            Err(_) => DictItem::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_header() {
        // A minimal baseline JPEG header: SOI, SOF0 (8-bit, 2×3, 3 components).
        let data = [
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x03, 0x00, 0x02, 0x03, 1, 0x22, 0, 2, 0x11, 1,
            3, 0x11, 1, 0xFF, 0xD9,
        ];
        let info = jpeg_info(&data).unwrap();
        assert_eq!((info.width, info.height, info.components), (2, 3, 3));
        assert!(jpeg_info(b"not a jpeg").is_none());
    }

    #[test]
    fn svg_becomes_a_form() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="blue"/><text x="2" y="15" font-family="serif">Hi</text></svg>"#;
        let stream = super::svg(svg).expect("converted");
        assert!(matches!(stream.dict.get("Subtype"), Some(DictItem::Name(n)) if n == b"Form"));
        assert!(!stream.content.is_empty());
    }
}
