//! Reading source text: UTF-8 checked with the offset of the first bad byte, byte-order mark
//! removed, line endings normalised; and a line index for turning byte offsets into lines.

use std::path::Path;

use crate::error::{Error, Result};

/// Largest Markdown file folio reads (bytes). Larger files are refused, not truncated.
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a text file as UTF-8, without a byte-order mark, with `\n` line endings.
pub fn read_text(path: &Path, display: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(display, e))?;
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(Error::Input {
            path: display.to_path_buf(),
            message: format!(
                "file is too large ({} bytes; the limit is {MAX_SOURCE_BYTES})",
                meta.len()
            ),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(display, e))?;
    decode_text(bytes, display)
}

/// Decodes bytes read from `display` as UTF-8 text and normalises it.
pub fn decode_text(bytes: Vec<u8>, display: &Path) -> Result<String> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count() as u32;
            return Err(Error::InvalidUtf8 {
                path: display.to_path_buf(),
                offset,
                line,
            });
        }
    };
    Ok(normalize(text))
}

/// Removes a byte-order mark, turns `\r\n` and lone `\r` into `\n`, and replaces NUL and
/// the other control characters XML cannot hold with U+FFFD (as CommonMark does for NUL).
pub fn normalize(text: String) -> String {
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // Every character this changes is a single byte below 0x20 in UTF-8: a byte scan (which
    // the compiler vectorizes) finds them without decoding the text.
    let changed = |b: u8| (b < 0x20) & (b != b'\n') & (b != b'\t');
    if !body
        .as_bytes()
        .chunks(256)
        .any(|block| block.iter().fold(false, |found, &b| found | changed(b)))
    {
        return if body.len() == text.len() {
            text
        } else {
            body.to_string()
        };
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else if is_bad_control(c) {
            out.push('\u{fffd}');
        } else {
            out.push(c);
        }
    }
    out
}

fn is_bad_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r') && (c as u32) < 0x20
}

/// Maps byte offsets of a text to 1-based line and column numbers.
#[derive(Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_lines(text.as_bytes()));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// The same as `line`, for offsets that mostly come in order (the parser's events):
    /// `hint` holds the previous answer's line and is tried first, then the next line, and
    /// only then the whole index is searched.
    pub fn line_near(&self, hint: &mut usize, offset: usize) -> u32 {
        let within = |i: usize| {
            self.starts.get(i).is_some_and(|&s| s <= offset)
                && self.starts.get(i + 1).is_none_or(|&next| offset < next)
        };
        if !within(*hint) {
            *hint = if within(*hint + 1) {
                *hint + 1
            } else {
                (self.line(offset) as usize).saturating_sub(1)
            };
        }
        *hint as u32 + 1
    }

    /// 1-based (line, column in characters) of a byte offset into `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let line = self.line(offset);
        let start = self.starts[(line - 1) as usize];
        let end = offset.min(text.len());
        let col = text.get(start..end).map(|s| s.chars().count()).unwrap_or(0) as u32 + 1;
        (line, col)
    }
}

fn memchr_lines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', bytes).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `line_near` answers as `line` does, whatever order the offsets come in.
    #[test]
    fn line_near_agrees_with_line() {
        let text = "ab\n\ncd\nefg\n\n\nh";
        let index = LineIndex::new(text);
        let mut hint = 0;
        let offsets = (0..=text.len() + 2)
            .chain((0..=text.len()).rev())
            .chain([5, 1, 9, 9, 0, 12]);
        for offset in offsets {
            assert_eq!(
                index.line_near(&mut hint, offset),
                index.line(offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn bad_utf8_names_offset_and_line() {
        let err = decode_text(b"ok\nfine\n\xff oops".to_vec(), Path::new("a.md")).unwrap_err();
        match err {
            Error::InvalidUtf8 { offset, line, .. } => {
                assert_eq!(offset, 8);
                assert_eq!(line, 3);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn bom_and_line_endings() {
        assert_eq!(normalize("\u{feff}a\r\nb\rc\n".into()), "a\nb\nc\n");
        assert_eq!(normalize("plain".into()), "plain");
        assert_eq!(normalize("a\u{0}b\u{7}c\td".into()), "a\u{fffd}b\u{fffd}c\td");
        // Controls from 0x7f up are kept, multi-byte ones included.
        assert_eq!(normalize("a\u{7f}b\u{85}c€".into()), "a\u{7f}b\u{85}c€");
    }

    #[test]
    fn lines_and_columns() {
        let text = "ab\ncdé\nf";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(2), 1);
        assert_eq!(idx.line(3), 2);
        assert_eq!(idx.line_col(text, 7), (2, 4));
        assert_eq!(idx.line(text.len()), 3);
    }
}
