//! The byte cursor every lexer walks with, and the sink lexers emit classified ranges into.
//!
//! Lexers only ever stop on ASCII bytes or step over whole UTF-8 characters, so every range they
//! emit starts and ends on a character boundary; [`Sink`] still checks it, and the caller falls
//! back to plain text if a lexer ever broke that rule.

use super::theme::TokenClass;

/// A classified byte range of the code being highlighted. Gaps between tokens are plain text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token {
    pub start: usize,
    pub end: usize,
    pub class: TokenClass,
}

/// Collects tokens in order. `base` shifts the ranges of a lexer run on a slice of the code
/// (a shell command after a console prompt, a script inside HTML).
#[derive(Debug, Default)]
pub(super) struct Sink {
    pub tokens: Vec<Token>,
    pub base: usize,
    /// Set when a lexer emitted a range out of order; the caller then renders plain text.
    pub broken: bool,
}

impl Sink {
    pub fn push(&mut self, start: usize, end: usize, class: TokenClass) {
        let (start, end) = (start + self.base, end + self.base);
        if start >= end || class == TokenClass::Plain {
            return;
        }
        if let Some(last) = self.tokens.last_mut() {
            if start < last.end {
                debug_assert!(false, "overlapping token {start}..{end} after {last:?}");
                self.broken = true;
                return;
            }
            if last.end == start && last.class == class {
                last.end = end;
                return;
            }
        }
        self.tokens.push(Token { start, end, class });
    }

    /// Forget what was emitted from `start` (relative to `base`) on, to classify it again.
    pub fn truncate(&mut self, start: usize) {
        let start = start + self.base;
        while let Some(last) = self.tokens.last_mut() {
            if last.start >= start {
                self.tokens.pop();
            } else {
                last.end = last.end.min(start);
                break;
            }
        }
    }
}

/// A position in the code, with the small set of moves the lexers need.
pub(super) struct Cursor<'a> {
    pub src: &'a str,
    pub b: &'a [u8],
    pub pos: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str) -> Self {
        Cursor {
            src,
            b: src.as_bytes(),
            pos: 0,
        }
    }

    pub fn eof(&self) -> bool {
        self.pos >= self.b.len()
    }

    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    pub fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.pos + n).copied()
    }

    pub fn byte_at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    pub fn starts_with(&self, pat: &str) -> bool {
        self.b[self.pos.min(self.b.len())..].starts_with(pat.as_bytes())
    }

    /// Step over one whole character (one byte for ASCII).
    pub fn bump_char(&mut self) {
        if let Some(b) = self.peek() {
            self.pos += utf8_len(b);
            self.pos = self.pos.min(self.b.len());
            while self.pos < self.b.len() && !self.src.is_char_boundary(self.pos) {
                self.pos += 1;
            }
        }
    }

    pub fn eat_while(&mut self, f: impl Fn(u8) -> bool) {
        while let Some(b) = self.peek() {
            if !f(b) {
                break;
            }
            self.pos += 1;
        }
    }

    /// Eat spaces and tabs (never a newline).
    pub fn eat_blanks(&mut self) {
        self.eat_while(|b| b == b' ' || b == b'\t');
    }

    /// Move to the next newline (not past it), or to the end.
    pub fn skip_to_eol(&mut self) {
        self.pos = match self.b[self.pos..].iter().position(|&b| b == b'\n') {
            Some(i) => self.pos + i,
            None => self.b.len(),
        };
    }

    /// Move past the next `pat`, or to the end when there is none. True when found.
    pub fn skip_past(&mut self, pat: &str) -> bool {
        let hay = &self.b[self.pos..];
        let pat = pat.as_bytes();
        match hay.windows(pat.len()).position(|w| w == pat) {
            Some(i) => {
                self.pos += i + pat.len();
                true
            }
            None => {
                self.pos = self.b.len();
                false
            }
        }
    }

    /// Eat an identifier (letters, digits, `_`, any non-ASCII character) and return it.
    pub fn ident(&mut self) -> &'a str {
        let start = self.pos;
        self.eat_while(is_ident_continue);
        &self.src[start..self.pos]
    }

    /// Only blanks between the start of this line and the cursor.
    pub fn at_line_start(&self) -> bool {
        self.b[..self.pos]
            .iter()
            .rev()
            .take_while(|&&b| b != b'\n')
            .all(|&b| b == b' ' || b == b'\t')
    }

    /// The first byte at or after `i` that is not a blank (space, tab).
    pub fn next_nonblank_from(&self, i: usize) -> Option<u8> {
        self.b[i.min(self.b.len())..]
            .iter()
            .copied()
            .find(|&b| b != b' ' && b != b'\t')
    }
}

/// Bytes a UTF-8 character takes, from its first byte.
pub(super) fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xff => 4,
        _ => 1, // a continuation byte: never a start, step over it alone
    }
}

pub(super) fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

pub(super) fn is_ident_continue(b: u8) -> bool {
    is_ident_start(b) || b.is_ascii_digit()
}

/// Compare two words ignoring ASCII case (for SQL's keyword tables).
pub(super) fn cmp_ignore_case(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_uppercase())
        .cmp(b.bytes().map(|c| c.to_ascii_uppercase()))
}

/// Is `word` in the sorted table `list`?
pub(super) fn in_table(list: &[&str], word: &str, ignore_case: bool) -> bool {
    if ignore_case {
        list.binary_search_by(|k| cmp_ignore_case(k, word)).is_ok()
    } else {
        list.binary_search(&word).is_ok()
    }
}

/// Eat a number literal starting at the cursor (a digit, or `.` and a digit): decimal, hex,
/// octal, binary, float with exponent, `_` separators and a type suffix (`10u8`, `1.5f32`, `2L`).
pub(super) fn eat_number(cur: &mut Cursor) {
    let radix_prefix =
        cur.peek() == Some(b'0') && matches!(cur.peek_at(1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B'));
    if radix_prefix {
        cur.pos += 2;
        cur.eat_while(|b| b.is_ascii_hexdigit() || b == b'_');
        cur.eat_while(is_ident_continue); // suffix
        return;
    }
    cur.eat_while(|b| b.is_ascii_digit() || b == b'_');
    if cur.peek() == Some(b'.') && cur.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
        cur.pos += 1;
        cur.eat_while(|b| b.is_ascii_digit() || b == b'_');
    }
    if matches!(cur.peek(), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(cur.peek_at(1), Some(b'+' | b'-')));
        if cur.peek_at(1 + sign).is_some_and(|b| b.is_ascii_digit()) {
            cur.pos += 1 + sign;
            cur.eat_while(|b| b.is_ascii_digit() || b == b'_');
        }
    }
    cur.eat_while(is_ident_continue); // suffix: u8, f64, L, n, j
}
