//! Image resources: resolves the paths the Markdown names (relative to the file that names
//! them, contained in the input folder), reads each file once, recognises its format from its
//! bytes, checks it within fixed limits, and measures it. JPEG, GIF and WebP files are
//! decoded once here; PNG files are checked chunk by chunk (structure, checksums, declared
//! size) without being decoded, since the PDF backend decodes them anyway and the EPUB
//! carries their bytes unchanged.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use crate::diagnostics::{Warning, WarningKind};
use crate::error::{Error, Result};
use crate::model::{Image, ImageFormat};

/// Largest image file folio reads.
const MAX_IMAGE_BYTES: u64 = 64 * 1024 * 1024;
/// Largest raster image side, in pixels.
const MAX_RASTER_SIDE: u32 = 20_000;
/// Most memory one image decode may allocate.
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// Largest SVG canvas side accepted from `width`/`height`, in CSS pixels.
const MAX_SVG_SIDE: f32 = 100_000.0;
/// Deepest nesting of SVG elements accepted: SVG renderers walk the tree recursively.
const MAX_SVG_DEPTH: usize = 256;

/// Where a reference to an image was found, for diagnostics.
pub struct ImageSite<'a> {
    /// Directory of the Markdown file (absolute).
    pub base_dir: &'a Path,
    /// Display name of the Markdown file.
    pub file: &'a str,
    pub line: u32,
}

/// Loads images once and hands out their index in `Document::images`.
pub struct ImageStore {
    root: PathBuf,
    allow_outside: bool,
    by_key: HashMap<String, usize>,
    pub images: Vec<Image>,
}

impl ImageStore {
    /// `root` is the canonical input folder that local images must stay inside.
    pub fn new(root: PathBuf, allow_outside: bool) -> Self {
        ImageStore {
            root,
            allow_outside,
            by_key: HashMap::new(),
            images: Vec::new(),
        }
    }

    /// Returns the index of the image `src` names, loading it on first use. Missing, remote
    /// and unreadable images get an entry of format `Missing` and a warning; an image outside
    /// the input folder is an error.
    pub fn resolve(&mut self, src: &str, site: &ImageSite, warnings: &mut Vec<Warning>) -> Result<usize> {
        let src = src.trim();
        let lower = src.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//") {
            warnings.push(Warning::new(
                WarningKind::RemoteImage,
                site.file,
                site.line,
                format!("remote image {src} is not fetched; its alt text is shown"),
            ));
            return Ok(self.missing(src, None));
        }
        if lower.starts_with("data:") || lower.contains("://") || src.is_empty() {
            warnings.push(Warning::new(
                WarningKind::MissingImage,
                site.file,
                site.line,
                format!(
                    "image source {} is not a local file; its alt text is shown",
                    shorten(src)
                ),
            ));
            return Ok(self.missing(src, None));
        }
        let relative = percent_decode(src.split(['?', '#']).next().unwrap_or(src));
        let joined = site.base_dir.join(&relative);
        let Ok(canonical) = joined.canonicalize() else {
            warnings.push(Warning::new(
                WarningKind::MissingImage,
                site.file,
                site.line,
                format!("image {src} not found; its alt text is shown"),
            ));
            return Ok(self.missing(src, None));
        };
        if !self.allow_outside && !canonical.starts_with(&self.root) {
            return Err(Error::OutsideInput {
                path: PathBuf::from(format!("{}:{}", site.file, site.line)),
                what: format!("image {src}"),
                resolved: canonical,
            });
        }
        let key = canonical.to_string_lossy().into_owned();
        if let Some(&index) = self.by_key.get(&key) {
            return Ok(index);
        }
        let display = canonical
            .strip_prefix(&self.root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| canonical.to_string_lossy().into_owned());
        let image = match load(&canonical) {
            Ok((format, width, height, data)) => Image {
                src: src.to_string(),
                path: Some(display),
                format,
                width,
                height,
                data,
            },
            Err(reason) => {
                warnings.push(Warning::new(
                    WarningKind::BadImage,
                    site.file,
                    site.line,
                    format!("image {src} cannot be used ({reason}); its alt text is shown"),
                ));
                Image {
                    src: src.to_string(),
                    path: Some(display),
                    format: ImageFormat::Missing,
                    width: 0.0,
                    height: 0.0,
                    data: Vec::new(),
                }
            }
        };
        let index = self.images.len();
        self.images.push(image);
        self.by_key.insert(key, index);
        Ok(index)
    }

    fn missing(&mut self, src: &str, path: Option<String>) -> usize {
        let key = format!("missing:{src}");
        if let Some(&index) = self.by_key.get(&key) {
            return index;
        }
        let index = self.images.len();
        self.images.push(Image {
            src: src.to_string(),
            path,
            format: ImageFormat::Missing,
            width: 0.0,
            height: 0.0,
            data: Vec::new(),
        });
        self.by_key.insert(key, index);
        index
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Decodes `%XX` escapes in a URL path (invalid escapes stay as written).
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// Reads, recognises, checks and measures an image file.
fn load(path: &Path) -> std::result::Result<(ImageFormat, f32, f32, Vec<u8>), String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_IMAGE_BYTES {
        return Err(format!("{size} bytes is over the {MAX_IMAGE_BYTES}-byte limit"));
    }
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let (format, w, h) = measure(&data)?;
    Ok((format, w, h, data))
}

/// Recognises image bytes by content (not by file name) and returns format and natural size.
/// A truncated or hostile file is caught here rather than in a backend: PNG by its structure
/// and checksums, other raster formats by a full decode within fixed limits.
pub fn measure(data: &[u8]) -> std::result::Result<(ImageFormat, f32, f32), String> {
    if looks_like_svg(data) {
        let (w, h) = measure_svg(data)?;
        return Ok((ImageFormat::Svg, w, h));
    }
    let guessed =
        image::guess_format(data).map_err(|_| "not a PNG, JPEG, GIF, WebP or SVG image".to_string())?;
    let format = match guessed {
        image::ImageFormat::Png => ImageFormat::Png,
        image::ImageFormat::Jpeg => ImageFormat::Jpeg,
        image::ImageFormat::Gif => ImageFormat::Gif,
        image::ImageFormat::WebP => ImageFormat::Webp,
        other => return Err(format!("{other:?} images are not supported")),
    };
    if format == ImageFormat::Png {
        // Structure and checksums first (no decode), then the image crate reads the size.
        check_png(data)?;
        let (w, h) = image::ImageReader::with_format(Cursor::new(data), guessed)
            .into_dimensions()
            .map_err(|e| e.to_string())?;
        return Ok((format, w as f32, h as f32));
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(data), guessed);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_RASTER_SIDE);
    limits.max_image_height = Some(MAX_RASTER_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| e.to_string())?;
    let (w, h) = (decoded.width(), decoded.height());
    if w == 0 || h == 0 {
        return Err("empty image".into());
    }
    Ok((format, w as f32, h as f32))
}

/// Walks a PNG's chunks: the header's size and pixel format must be valid and within limits,
/// every chunk's checksum must hold, image data and (for palette images) a palette must be
/// there, and the file must end with its end chunk.
fn check_png(data: &[u8]) -> std::result::Result<(), String> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    let be32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    if !data.starts_with(SIGNATURE) {
        return Err("not a PNG file".into());
    }
    let mut at = SIGNATURE.len();
    let (mut size, mut color_type) = (None, 0u8);
    let (mut has_data, mut has_palette, mut ended) = (false, false, false);
    while at < data.len() {
        let Some(head) = data.get(at..at + 8) else {
            return Err("truncated PNG chunk".into());
        };
        let len = be32(head) as usize;
        let kind = &head[4..8];
        let Some(body) = data.get(at + 8..(at + 8).saturating_add(len)) else {
            return Err("truncated PNG file".into());
        };
        let Some(crc) = data.get(at + 8 + len..at + 12 + len) else {
            return Err("truncated PNG file".into());
        };
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(kind);
        hasher.update(body);
        if hasher.finalize() != be32(crc) {
            return Err(format!(
                "damaged PNG file (checksum of its {} chunk)",
                String::from_utf8_lossy(kind)
            ));
        }
        if size.is_none() && kind != b"IHDR" {
            return Err("PNG file without a header".into());
        }
        match kind {
            b"IHDR" => {
                if size.is_some() || len != 13 {
                    return Err("bad PNG header".into());
                }
                let (w, h) = (be32(&body[0..4]), be32(&body[4..8]));
                let (depth, color) = (body[8], body[9]);
                let valid = match color {
                    0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
                    3 => matches!(depth, 1 | 2 | 4 | 8),
                    2 | 4 | 6 => matches!(depth, 8 | 16),
                    _ => false,
                };
                if !valid || body[10] != 0 || body[11] != 0 || body[12] > 1 {
                    return Err(format!(
                        "unsupported PNG pixel format (type {color}, {depth} bits)"
                    ));
                }
                if w == 0 || h == 0 {
                    return Err("empty image".into());
                }
                if w > MAX_RASTER_SIDE || h > MAX_RASTER_SIDE {
                    return Err(format!(
                        "{w} × {h} pixels is over the {MAX_RASTER_SIDE}-pixel limit"
                    ));
                }
                // Decoded as 8-bit RGBA at most (16-bit samples are reduced).
                if w as u64 * h as u64 * 4 > MAX_DECODE_ALLOC {
                    return Err(format!("{w} × {h} pixels needs too much memory to decode"));
                }
                size = Some((w, h));
                color_type = color;
            }
            b"PLTE" => has_palette = true,
            b"IDAT" => has_data = true,
            b"IEND" => {
                ended = true;
                break;
            }
            _ => {}
        }
        at += 12 + len;
    }
    if !ended {
        return Err("truncated PNG file (no end chunk)".into());
    }
    if !has_data {
        return Err("PNG file without image data".into());
    }
    if color_type == 3 && !has_palette {
        return Err("palette PNG without a palette".into());
    }
    match size {
        Some(_) => Ok(()),
        None => Err("PNG file without a header".into()),
    }
}

fn looks_like_svg(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with("<?xml")
        || t.starts_with("<svg")
        || t.starts_with("<!--")
        || t.starts_with("<!DOCTYPE svg"))
        && t.contains("<svg")
}

/// Size of an SVG in CSS pixels, from `width`/`height`, else from `viewBox`, else 300×150.
/// Documents that declare XML entities are refused.
fn measure_svg(data: &[u8]) -> std::result::Result<(f32, f32), String> {
    let text = std::str::from_utf8(data).map_err(|_| "SVG is not UTF-8".to_string())?;
    // A DTD is common (`<!DOCTYPE svg PUBLIC ...>`); entity declarations are not, and can
    // expand without bound: refuse those.
    if text.contains("<!ENTITY") {
        return Err("SVG declares XML entities, which folio does not expand".into());
    }
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        nodes_limit: 2_000_000,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, opts).map_err(|e| format!("bad SVG: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err("the root element is not <svg>".into());
    }
    if element_depth(root) > MAX_SVG_DEPTH {
        return Err(format!(
            "SVG elements are nested more than {MAX_SVG_DEPTH} levels deep"
        ));
    }
    let view_box = root.attribute("viewBox").and_then(|v| {
        let n: Vec<f32> = v
            .split([' ', ',', '\t', '\n'])
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        (n.len() == 4 && n[2] > 0.0 && n[3] > 0.0 && n[2].is_finite() && n[3].is_finite())
            .then(|| (n[2], n[3]))
    });
    let w = root.attribute("width").and_then(svg_length);
    let h = root.attribute("height").and_then(svg_length);
    let (w, h) = match (w, h, view_box) {
        (Some(w), Some(h), _) => (w, h),
        (Some(w), None, Some((vw, vh))) => (w, w * vh / vw),
        (None, Some(h), Some((vw, vh))) => (h * vw / vh, h),
        (_, _, Some((vw, vh))) => (vw, vh),
        _ => (300.0, 150.0),
    };
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return Err("SVG has no usable size".into());
    }
    // A huge declared canvas keeps its proportions but is measured at a sane size.
    let scale = (MAX_SVG_SIDE / w.max(h)).min(1.0);
    Ok((w * scale, h * scale))
}

/// Depth of the deepest element under `node` (1 for an element without children), counted
/// without recursion.
fn element_depth(node: roxmltree::Node) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(node, 1)];
    while let Some((n, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        stack.extend(n.children().filter(|c| c.is_element()).map(|c| (c, depth + 1)));
    }
    deepest
}

/// An SVG length in CSS pixels (`12`, `12px`, `3cm`, `1in`, `10pt`); percentages are `None`.
fn svg_length(v: &str) -> Option<f32> {
    let v = v.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let n: f32 = num.parse().ok()?;
    let px = match unit.trim() {
        "" | "px" => n,
        "pt" => n * 96.0 / 72.0,
        "pc" => n * 16.0,
        "mm" => n * 96.0 / 25.4,
        "cm" => n * 96.0 / 2.54,
        "in" => n * 96.0,
        "em" => n * 16.0,
        "ex" => n * 8.0,
        _ => return None,
    };
    (px.is_finite() && px > 0.0).then_some(px)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_sizes() {
        let svg = |attrs: &str| format!("<svg xmlns=\"http://www.w3.org/2000/svg\" {attrs}></svg>");
        assert_eq!(
            measure(svg("width=\"100\" height=\"50\"").as_bytes()).unwrap(),
            (ImageFormat::Svg, 100.0, 50.0)
        );
        assert_eq!(
            measure(svg("viewBox=\"0 0 40 20\" width=\"80\"").as_bytes())
                .unwrap()
                .2,
            40.0
        );
        assert_eq!(
            measure(svg("width=\"1in\" height=\"72pt\"").as_bytes())
                .unwrap()
                .1,
            96.0
        );
        assert_eq!(measure(svg("").as_bytes()).unwrap().1, 300.0);
        let huge = measure(svg("width=\"1e9\" height=\"1e9\"").as_bytes()).unwrap();
        assert!(huge.1 <= MAX_SVG_SIDE);
    }

    #[test]
    fn svg_with_entities_is_refused() {
        let bomb = "<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&b;</svg>";
        assert!(measure(bomb.as_bytes()).is_err());
    }

    #[test]
    fn percent_escapes() {
        assert_eq!(percent_decode("my%20image.png"), "my image.png");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("a%zzb"), "a%zzb");
    }

    #[test]
    fn not_an_image() {
        assert!(measure(b"hello world").is_err());
        assert!(measure(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]).is_err());
    }
}
