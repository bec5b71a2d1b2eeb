//! HTML (and XML, SVG) and CSS.
//!
//! HTML: tag names, attribute names and values, comments, doctypes, entities; the bodies of
//! `<script>` and `<style>` are lexed as JavaScript and CSS. CSS: at-rules, selectors' classes
//! and pseudo-classes, property names, numbers with units, colours, strings, comments.

use super::clike;
use super::cursor::{Cursor, Sink, eat_number, is_ident_continue, is_ident_start};
use super::theme::TokenClass as T;

pub(super) fn lex_html(src: &str, sink: &mut Sink) {
    let mut cur = Cursor::new(src);
    while let Some(b) = cur.peek() {
        let start = cur.pos;
        if cur.starts_with("<!--") {
            cur.pos += 4;
            cur.skip_past("-->");
            sink.push(start, cur.pos, T::Comment);
        } else if cur.starts_with("<![CDATA[") {
            cur.skip_past("]]>");
            sink.push(start, cur.pos, T::String);
        } else if cur.starts_with("<!") || cur.starts_with("<?") {
            cur.skip_past(">");
            sink.push(start, cur.pos, T::Meta);
        } else if b == b'<' && cur.peek_at(1).is_some_and(|c| is_ident_start(c) || c == b'/') {
            tag(&mut cur, sink);
        } else if b == b'&' && entity_len(&cur.b[cur.pos..]).is_some() {
            cur.pos += entity_len(&cur.b[cur.pos..]).unwrap_or(1);
            sink.push(start, cur.pos, T::Constant);
        } else {
            cur.bump_char();
        }
    }
}

/// `&amp;`, `&#233;`, `&#x1F600;`: the length of the entity at the start of `b`.
fn entity_len(b: &[u8]) -> Option<usize> {
    let end = b.iter().take(34).position(|&c| c == b';')?;
    let body = &b[1..end];
    let ok = !body.is_empty()
        && body
            .iter()
            .enumerate()
            .all(|(i, &c)| c.is_ascii_alphanumeric() || (i == 0 && c == b'#'));
    ok.then_some(end + 1)
}

fn is_name_byte(b: u8) -> bool {
    is_ident_continue(b) || matches!(b, b'-' | b':' | b'.')
}

/// A tag from its `<`: name, attributes, `>`; then a script or style body.
fn tag(cur: &mut Cursor, sink: &mut Sink) {
    cur.pos += 1;
    let closing = cur.peek() == Some(b'/');
    if closing {
        cur.pos += 1;
    }
    let name_start = cur.pos;
    cur.eat_while(is_name_byte);
    let name = &cur.src[name_start..cur.pos];
    sink.push(name_start, cur.pos, T::Keyword);
    while let Some(b) = cur.peek() {
        let start = cur.pos;
        match b {
            b'>' => {
                cur.pos += 1;
                break;
            }
            b'"' | b'\'' => {
                cur.pos += 1;
                let close = if b == b'"' { "\"" } else { "'" };
                cur.skip_past(close);
                sink.push(start, cur.pos, T::String);
            }
            b'=' => {
                cur.pos += 1;
                cur.eat_blanks();
                if cur
                    .peek()
                    .is_some_and(|c| !matches!(c, b'"' | b'\'' | b'>') && !c.is_ascii_whitespace())
                {
                    let value = cur.pos;
                    cur.eat_while(|c| !c.is_ascii_whitespace() && c != b'>');
                    sink.push(value, cur.pos, T::String);
                }
            }
            b'<' => return, // a broken tag: let the next one start here
            _ if is_name_byte(b) => {
                cur.eat_while(is_name_byte);
                sink.push(start, cur.pos, T::Function);
            }
            _ => cur.bump_char(),
        }
    }
    if closing || cur.byte_at(cur.pos.wrapping_sub(2)) == Some(b'/') {
        return;
    }
    let is_script = name.eq_ignore_ascii_case("script");
    if !is_script && !name.eq_ignore_ascii_case("style") {
        return;
    }
    // The body runs to the closing tag, found whatever its case.
    let close = if is_script {
        b"</script" as &[u8]
    } else {
        b"</style"
    };
    let body_start = cur.pos;
    let body_end = cur.b[body_start..]
        .windows(close.len())
        .position(|w| w.eq_ignore_ascii_case(close))
        .map_or(cur.b.len(), |i| body_start + i);
    let base = sink.base;
    sink.base += body_start;
    let body = &cur.src[body_start..body_end];
    if is_script {
        clike::lex(body, &clike::JAVASCRIPT, sink);
    } else {
        lex_css(body, sink);
    }
    sink.base = base;
    cur.pos = body_end;
}

pub(super) fn lex_css(src: &str, sink: &mut Sink) {
    let mut cur = Cursor::new(src);
    let mut depth = 0usize;
    let mut property = false; // a property name was just read: its `:` comes next
    let mut value = false; // inside a declaration's value, up to `;` or `}`
    while let Some(b) = cur.peek() {
        let start = cur.pos;
        match b {
            b'/' if cur.peek_at(1) == Some(b'*') => {
                cur.pos += 2;
                cur.skip_past("*/");
                sink.push(start, cur.pos, T::Comment);
            }
            b'"' | b'\'' => {
                cur.pos += 1;
                while let Some(c) = cur.peek() {
                    if c == b'\n' {
                        break;
                    }
                    cur.bump_char();
                    if c == b'\\' {
                        cur.bump_char();
                    } else if c == b {
                        break;
                    }
                }
                sink.push(start, cur.pos, T::String);
            }
            b'{' | b'}' | b';' => {
                match b {
                    b'{' => depth += 1,
                    b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                (property, value) = (false, false);
                cur.pos += 1;
            }
            b':' if property => {
                (property, value) = (false, true);
                cur.pos += 1;
            }
            b'@' if cur.peek_at(1).is_some_and(is_ident_start) => {
                cur.pos += 1;
                cur.eat_while(|c| is_ident_continue(c) || c == b'-');
                sink.push(start, cur.pos, T::Keyword);
            }
            b'!' if cur.b[cur.pos + 1..].iter().find(|c| !c.is_ascii_whitespace()) == Some(&b'i') => {
                cur.pos += 1;
                cur.eat_blanks();
                cur.eat_while(is_ident_continue);
                sink.push(start, cur.pos, T::Keyword);
            }
            b'#' if value && cur.peek_at(1).is_some_and(|c| c.is_ascii_hexdigit()) => {
                cur.pos += 1;
                cur.eat_while(is_ident_continue);
                sink.push(start, cur.pos, T::Constant);
            }
            b'.' | b'#' if !value && cur.peek_at(1).is_some_and(|c| is_ident_start(c) || c == b'-') => {
                cur.pos += 1;
                cur.eat_while(|c| is_ident_continue(c) || c == b'-');
                sink.push(start, cur.pos, T::Type);
            }
            b':' if !value && cur.peek_at(1).is_some_and(|c| is_ident_start(c) || c == b':') => {
                cur.pos += 1;
                if cur.peek() == Some(b':') {
                    cur.pos += 1;
                }
                cur.eat_while(|c| is_ident_continue(c) || c == b'-');
                sink.push(start, cur.pos, T::Meta);
            }
            _ if b.is_ascii_digit()
                || (matches!(b, b'.' | b'-' | b'+')
                    && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit())) =>
            {
                cur.pos += 1;
                eat_number(&mut cur);
                if cur.peek() == Some(b'%') {
                    cur.pos += 1;
                }
                sink.push(start, cur.pos, T::Constant);
            }
            _ if is_ident_start(b)
                || (b == b'-' && cur.peek_at(1).is_some_and(|c| is_ident_start(c) || c == b'-')) =>
            {
                cur.eat_while(|c| is_ident_continue(c) || c == b'-');
                let class = if cur.peek() == Some(b'(') {
                    T::Function
                } else if depth > 0 && !value && cur.next_nonblank_from(cur.pos) == Some(b':') {
                    property = true;
                    T::Function
                } else {
                    T::Plain
                };
                sink.push(start, cur.pos, class);
            }
            _ => cur.bump_char(),
        }
    }
}
