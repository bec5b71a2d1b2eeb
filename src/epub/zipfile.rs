//! The EPUB's zip container, written once by [`write_zip`]: `mimetype` first and stored, every
//! entry dated with the document's date, images stored, the rest deflated in parallel.
//!
//! epub-builder 0.8.3 can only zip through its `ZipLibrary` (its `Zip` trait is private),
//! which stamps every entry with the time of the run and deflates every file, images
//! included, at zlib's default level on one thread. So it is handed empty stand-ins for the
//! large files (content documents, images, fonts), which are kept aside as [`Payloads`];
//! [`read_package`] then reads its small zip back and puts the real files in their place.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

/// Deflate level of text (XHTML, CSS, SVG, fonts): on the rust-book, level 3 is 2% larger
/// than zlib's default level 6 in about two thirds of the time.
const TEXT_LEVEL: u32 = 3;

/// The bytes of one file: made for this document, or compiled into folio (the bundled
/// fonts, whose compressed form `build.rs` made, so they are never deflated here).
pub type Data = Cow<'static, [u8]>;

/// The files of the package, in order.
pub type Entries = Vec<(String, Data)>;

/// Files kept out of epub-builder's zip, by their name in the package (`OEBPS/...`).
#[derive(Default)]
pub struct Payloads(HashMap<String, Data>);

impl Payloads {
    /// Keeps `data` for the file epub-builder will know as `path` (relative to `OEBPS/`).
    pub fn keep(&mut self, path: &str, data: impl Into<Data>) {
        self.0.insert(format!("OEBPS/{path}"), data.into());
    }
}

/// Reads epub-builder's zip back as entries, each stand-in replaced by its payload.
pub fn read_package(zipped: &[u8], mut payloads: Payloads) -> Result<Entries, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zipped)).map_err(|e| e.to_string())?;
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(|e| e.to_string())?;
        if file.is_dir() {
            continue;
        }
        let name = file.name().to_string();
        let data = match payloads.0.remove(&name) {
            Some(data) => data,
            None => {
                let mut data = Vec::with_capacity(file.size() as usize);
                file.read_to_end(&mut data).map_err(|e| format!("{name}: {e}"))?;
                Cow::Owned(data)
            }
        };
        entries.push((name, data));
    }
    if let Some(name) = payloads.0.keys().min() {
        return Err(format!("{name} is missing from the package"));
    }
    Ok(entries)
}

/// The deflate level for a file, or `None` to store it: `mimetype` must be stored, and
/// images are compressed already.
fn level(name: &str) -> Option<u32> {
    let lower = name.to_ascii_lowercase();
    let compressed = [".jpg", ".jpeg", ".png", ".gif", ".webp"];
    if name == "mimetype" || compressed.iter().any(|e| lower.ends_with(e)) {
        None
    } else {
        Some(TEXT_LEVEL)
    }
}

/// One entry ready to be written.
struct Packed<'a> {
    crc: u32,
    size: usize,
    /// `None`: stored as is.
    deflated: Option<Cow<'static, [u8]>>,
    data: &'a [u8],
}

fn deflate(data: &[u8], level: u32) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        flate2::Compression::new(level),
    );
    encoder.write_all(data).ok()?;
    encoder.finish().ok()
}

fn pack<'a>(name: &str, data: &'a [u8]) -> Packed<'a> {
    if let Some(font) = crate::fonts::bundled_by_data(data) {
        return Packed {
            crc: font.crc32,
            size: data.len(),
            deflated: Some(Cow::Borrowed(font.deflated)),
            data,
        };
    }
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(data);
    let deflated = level(name)
        .filter(|_| !data.is_empty())
        .and_then(|level| deflate(data, level))
        .filter(|d| d.len() < data.len())
        .map(Cow::Owned);
    Packed {
        crc: hasher.finalize(),
        size: data.len(),
        deflated,
        data,
    }
}

/// The zip archive of `entries` with `mimetype` first, every entry dated `modified` (Unix
/// seconds, UTC). Files are deflated in parallel; the bytes do not depend on the threads.
pub fn write_zip(entries: &[(String, Data)], modified: i64) -> Result<Vec<u8>, String> {
    use rayon::prelude::*;
    let (time, date) = dos_time(modified);
    let mut ordered: Vec<(&str, &Data)> = vec![("mimetype", &Cow::Borrowed(b"application/epub+zip"))];
    ordered.extend(
        entries
            .iter()
            .filter(|(name, _)| name != "mimetype")
            .map(|(n, d)| (n.as_str(), d)),
    );
    let packed: Vec<Packed> = ordered.par_iter().map(|(n, d)| pack(n, d)).collect();
    let total: usize = packed
        .iter()
        .zip(&ordered)
        .map(|(p, (name, _))| p.deflated.as_ref().map_or(p.size, |d| d.len()) + 2 * name.len() + 100)
        .sum();
    if total >= u32::MAX as usize || ordered.len() >= u16::MAX as usize {
        return Err("the EPUB would exceed 4 GB or 65,535 files, more than a zip without Zip64 holds".into());
    }
    let mut out = Vec::with_capacity(total + 1024);
    let mut central = Vec::new();
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for ((name, _), p) in ordered.iter().zip(&packed) {
        let offset = out.len() as u32;
        let (method, body) = match &p.deflated {
            Some(d) => (8u16, &d[..]),
            None => (0u16, p.data),
        };
        let version = if method == 8 { 20 } else { 10 };
        // Local file header.
        le32(&mut out, 0x0403_4b50);
        for v in [version, 0, method, time, date] {
            le16(&mut out, v);
        }
        for v in [p.crc, body.len() as u32, p.size as u32] {
            le32(&mut out, v);
        }
        le16(&mut out, name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body);
        // Central directory record (made by Unix, regular file, rw-r--r--).
        le32(&mut central, 0x0201_4b50);
        for v in [0x0300 | 20, version, 0, method, time, date] {
            le16(&mut central, v);
        }
        for v in [p.crc, body.len() as u32, p.size as u32] {
            le32(&mut central, v);
        }
        for v in [name.len() as u16, 0, 0, 0, 0] {
            le16(&mut central, v);
        }
        le32(&mut central, 0o100644 << 16);
        le32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_at = out.len() as u32;
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    for v in [0, 0, ordered.len() as u16, ordered.len() as u16] {
        le16(&mut out, v);
    }
    le32(&mut out, central.len() as u32);
    le32(&mut out, central_at);
    le16(&mut out, 0);
    Ok(out)
}

/// MS-DOS time and date of `unix` seconds (UTC), clamped to the years zip can hold.
fn dos_time(unix: i64) -> (u16, u16) {
    let unix = unix.clamp(315_532_800, 4_354_819_198); // 1980-01-01 .. 2107-12-31
    let (y, m, d, h, mi, s) = crate::stable::civil(unix);
    let time = ((h << 11) | (mi << 5) | (s / 2)) as u16;
    let date = ((((y - 1980) as u32) << 9) | (m << 5) | d) as u16;
    (time, date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        // 2023-11-14 22:13:20 UTC
        let (t, d) = dos_time(1_700_000_000);
        assert_eq!((t >> 11, (t >> 5) & 63, (t & 31) * 2), (22, 13, 20));
        assert_eq!((1980 + (d >> 9), (d >> 5) & 15, d & 31), (2023, 11, 14));
        assert_eq!(dos_time(0), (0, (1 << 5) | 1));
    }

    static STATIC_CSS: &[u8] = b"p { margin: 0 } p { margin: 0 } p { margin: 0 } p { margin: 0 }";

    #[test]
    fn zip_reads_back() {
        let text = "<p>hello</p>".repeat(100);
        let entries: Entries = vec![
            ("OEBPS/a.xhtml".into(), text.clone().into_bytes().into()),
            ("mimetype".into(), b"application/epub+zip".to_vec().into()),
            ("OEBPS/i.jpg".into(), b"\xff\xd8 not really".to_vec().into()),
            ("OEBPS/empty.css".into(), Cow::Borrowed(&b""[..])),
        ];
        let bytes = write_zip(&entries, 1_700_000_000).unwrap();
        assert_eq!(bytes, write_zip(&entries, 1_700_000_000).unwrap());
        // A compiled-in file compresses the same when its compressed form is reused.
        let fixed: Entries = vec![("OEBPS/f.css".into(), Cow::Borrowed(STATIC_CSS))];
        let owned: Entries = vec![("OEBPS/f.css".into(), STATIC_CSS.to_vec().into())];
        let first = write_zip(&fixed, 0).unwrap();
        assert_eq!(first, write_zip(&fixed, 0).unwrap());
        assert_eq!(first, write_zip(&owned, 0).unwrap());
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(&bytes[38..58], b"application/epub+zip");
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        assert_eq!(archive.len(), 4);
        let expected = [
            (
                "mimetype",
                b"application/epub+zip".to_vec(),
                zip::CompressionMethod::Stored,
            ),
            (
                "OEBPS/a.xhtml",
                text.into_bytes(),
                zip::CompressionMethod::Deflated,
            ),
            (
                "OEBPS/i.jpg",
                b"\xff\xd8 not really".to_vec(),
                zip::CompressionMethod::Stored,
            ),
            ("OEBPS/empty.css", Vec::new(), zip::CompressionMethod::Stored),
        ];
        for (i, (name, data, method)) in expected.iter().enumerate() {
            let mut f = archive.by_index(i).unwrap();
            assert_eq!(f.name(), *name);
            assert_eq!(f.compression(), *method);
            let mut back = Vec::new();
            f.read_to_end(&mut back).unwrap();
            assert_eq!(&back, data);
            let t = f.last_modified().unwrap();
            assert_eq!((t.year(), t.month(), t.day()), (2023, 11, 14));
        }
    }
}
