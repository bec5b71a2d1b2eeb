//! Configuration formats: TOML and YAML.
//!
//! Keys are names, table headers stand out, values are strings, numbers, booleans and dates;
//! YAML's anchors, aliases and tags are meta, and its block scalars (`|`, `>`) are strings.

use super::cursor::{Cursor, Sink, in_table};
use super::theme::TokenClass as T;

fn is_bare_key(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

pub(super) fn lex_toml(src: &str, sink: &mut Sink) {
    let mut cur = Cursor::new(src);
    let mut depth = 0usize; // open `[` and `{` of values
    while let Some(b) = cur.peek() {
        let start = cur.pos;
        match b {
            b'[' if depth == 0 && cur.at_line_start() => {
                while let Some(c) = cur.peek() {
                    if c == b'\n' || c == b'#' {
                        break;
                    }
                    cur.bump_char();
                }
                while cur.pos > start && cur.b[cur.pos - 1].is_ascii_whitespace() {
                    cur.pos -= 1;
                }
                sink.push(start, cur.pos, T::Keyword);
            }
            b'#' => {
                cur.skip_to_eol();
                sink.push(start, cur.pos, T::Comment);
            }
            b'"' | b'\'' => {
                toml_string(&mut cur, sink);
                if matches!(cur.next_nonblank_from(cur.pos), Some(b'=' | b'.')) {
                    sink.truncate(start);
                    sink.push(start, cur.pos, T::Function);
                }
            }
            b'[' | b'{' => {
                depth += 1;
                cur.pos += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                cur.pos += 1;
            }
            _ if is_bare_key(b) || b == b'+' => {
                // A key, possibly dotted, when `=` follows; otherwise a value: number, date, boolean.
                let mut i = start;
                let limit = cur.b.len().min(start + 256); // no key is longer; keeps long lines linear
                while i < limit && (is_bare_key(cur.b[i]) || matches!(cur.b[i], b'.' | b' ' | b'\t')) {
                    i += 1;
                }
                if cur.byte_at(i) == Some(b'=') && cur.byte_at(i + 1) != Some(b'=') {
                    while cur.b[i - 1] == b' ' || cur.b[i - 1] == b'\t' {
                        i -= 1;
                    }
                    cur.pos = i;
                    sink.push(start, i, T::Function);
                } else {
                    cur.pos += 1;
                    cur.eat_while(|c| is_bare_key(c) || matches!(c, b':' | b'.' | b'+'));
                    let word = &src[start..cur.pos];
                    if b.is_ascii_digit()
                        || b == b'+'
                        || b == b'-'
                        || in_table(&["false", "inf", "nan", "true"], word, false)
                    {
                        sink.push(start, cur.pos, T::Constant);
                    }
                }
            }
            _ => cur.bump_char(),
        }
    }
}

/// A TOML string from its quote: basic `"…"`, literal `'…'`, or their multi-line `"""`/`'''` forms.
fn toml_string(cur: &mut Cursor, sink: &mut Sink) {
    let start = cur.pos;
    let q = cur.b[start];
    let triple = cur.peek_at(1) == Some(q) && cur.peek_at(2) == Some(q);
    cur.pos += if triple { 3 } else { 1 };
    let mut seg = start;
    while let Some(c) = cur.peek() {
        if c == b'\n' && !triple {
            break;
        }
        if c == b'\\' && q == b'"' {
            sink.push(seg, cur.pos, T::String);
            let esc = cur.pos;
            cur.pos += 1;
            cur.bump_char();
            sink.push(esc, cur.pos, T::Constant);
            seg = cur.pos;
            continue;
        }
        if c == q {
            if !triple {
                cur.pos += 1;
                break;
            }
            if cur.peek_at(1) == Some(q) && cur.peek_at(2) == Some(q) {
                cur.pos += 3;
                // A closing run may hold up to two more quotes: `""""` ends with one in the string.
                cur.eat_while(|b| b == q);
                break;
            }
        }
        cur.bump_char();
    }
    sink.push(seg, cur.pos, T::String);
}

const YAML_CONSTANTS: &[&str] = &[
    "False", "NULL", "Null", "TRUE", "True", "Yes", "false", "no", "null", "off", "on", "true", "yes", "~",
];

pub(super) fn lex_yaml(src: &str, sink: &mut Sink) {
    let mut block_scalar: Option<usize> = None; // indent of the line that opened `|` or `>`
    let mut line_start = 0;
    for line in src.split('\n') {
        let base = line_start;
        line_start += line.len() + 1;
        let indent = line.bytes().take_while(|&b| b == b' ').count();
        if let Some(parent) = block_scalar {
            if line.trim().is_empty() {
                continue;
            }
            if indent > parent {
                sink.push(base + indent, base + line.len(), T::String);
                continue;
            }
            block_scalar = None;
        }
        let b = line.as_bytes();
        let mut p = indent;
        if (line.starts_with("---") || line.starts_with("..."))
            && b.get(3).is_none_or(|c| c.is_ascii_whitespace())
        {
            sink.push(base, base + 3, T::Meta);
            p = 3;
        }
        // List item dashes.
        loop {
            while p < b.len() && b[p] == b' ' {
                p += 1;
            }
            if b.get(p) == Some(&b'-') && b.get(p + 1).is_none_or(|&c| c == b' ') {
                p += 1;
            } else {
                break;
            }
        }
        // A key: a quoted or plain scalar followed by `:` and a space or the end of the line.
        if let Some(colon) = key_end(b, p) {
            sink.push(base + p, base + colon, T::Function);
            p = colon + 1;
        }
        if yaml_value(line, p, base, sink) {
            block_scalar = Some(indent);
        }
    }
}

/// Where the key starting at `p` ends (its `:`), if the line has one there.
fn key_end(b: &[u8], p: usize) -> Option<usize> {
    let first = *b.get(p)?;
    if matches!(
        first,
        b'#' | b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`'
    ) {
        return None;
    }
    let mut i = p;
    if first == b'"' || first == b'\'' {
        i += 1;
        while i < b.len() && b[i] != first {
            i += if b[i] == b'\\' && first == b'"' { 2 } else { 1 };
        }
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        return (b.get(i) == Some(&b':') && b.get(i + 1).is_none_or(|&c| c == b' ' || c == b'\t'))
            .then_some(i);
    }
    while i < b.len() {
        if b[i] == b':' && b.get(i + 1).is_none_or(|&c| c == b' ' || c == b'\t') {
            return Some(i);
        }
        if b[i] == b'#' && i > p && b[i - 1] == b' ' {
            return None;
        }
        i += 1;
    }
    None
}

/// The value part of a line from byte `p`. True when it opens a block scalar.
fn yaml_value(line: &str, p: usize, base: usize, sink: &mut Sink) -> bool {
    let mut cur = Cursor::new(line);
    cur.pos = p;
    let mut block = false;
    while let Some(c) = cur.peek() {
        let start = cur.pos;
        match c {
            b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}' => cur.pos += 1,
            b'-' | b':' if cur.peek_at(1).is_none_or(|d| d == b' ') => cur.pos += 1,
            b'#' if start == 0 || line.as_bytes()[start - 1] == b' ' => {
                cur.pos = line.len();
                sink.push(base + start, base + cur.pos, T::Comment);
            }
            b'"' | b'\'' => {
                cur.pos += 1;
                while let Some(d) = cur.peek() {
                    cur.bump_char();
                    if d == b'\\' && c == b'"' {
                        cur.bump_char();
                    } else if d == c {
                        break;
                    }
                }
                sink.push(base + start, base + cur.pos, T::String);
            }
            b'&' | b'*' | b'!' => {
                cur.pos += 1;
                cur.eat_while(|d| !d.is_ascii_whitespace() && !matches!(d, b',' | b']' | b'}'));
                sink.push(base + start, base + cur.pos, T::Meta);
            }
            b'|' | b'>' if opens_block_scalar(&line.as_bytes()[start + 1..]) => {
                cur.pos += 1;
                cur.eat_while(|d| matches!(d, b'-' | b'+') || d.is_ascii_digit());
                sink.push(base + start, base + cur.pos, T::Meta);
                block = true;
            }
            _ => {
                // A plain scalar, up to a comment or a flow separator.
                while let Some(d) = cur.peek() {
                    let after = cur.peek_at(1);
                    if matches!(d, b',' | b']' | b'}')
                        || (d == b'#' && line.as_bytes()[cur.pos - 1] == b' ')
                        || (d == b':' && after.is_none_or(|a| a == b' '))
                    {
                        break;
                    }
                    cur.bump_char();
                }
                let mut end = cur.pos;
                while end > start && line.as_bytes()[end - 1] == b' ' {
                    end -= 1;
                }
                let word = &line[start..end];
                let number = word.parse::<f64>().is_ok()
                    && !word.eq_ignore_ascii_case("nan")
                    && !word.eq_ignore_ascii_case("inf");
                let class = if cur.peek() == Some(b':') {
                    T::Function // a key inside a flow mapping: `{ a: 1 }`
                } else if number || in_table(YAML_CONSTANTS, word, false) {
                    T::Constant
                } else {
                    T::String
                };
                sink.push(base + start, base + end, class);
            }
        }
    }
    block
}

/// After `|` or `>`: only indicators (`-`, `+`, a digit), blanks and maybe a comment remain.
fn opens_block_scalar(rest: &[u8]) -> bool {
    let mut i = 0;
    while i < rest.len() && (matches!(rest[i], b'-' | b'+') || rest[i].is_ascii_digit()) {
        i += 1;
    }
    let blanks = rest[i..].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    match rest.get(i + blanks) {
        None | Some(b'\r') => true,
        Some(b'#') => blanks > 0 || i + blanks == 0,
        _ => false,
    }
}
