//! One lexer for the C family and its cousins (Rust, C, C++, Go, Java, JavaScript, TypeScript,
//! Python, SQL, JSON), driven by a per-language table of keywords and lexical rules.
//!
//! It is lexical, like highlight.js or rustdoc's highlighter, not a parser: comments, strings,
//! numbers, keywords, types, function and macro names, attributes. One forward pass, no regex.

#[rustfmt::skip]
mod rules;

pub(super) use rules::{C, CPP, GO, JAVA, JAVASCRIPT, JSON, PYTHON, RUST, SQL, TYPESCRIPT};

use super::cursor::{Cursor, Sink, eat_number, in_table, is_ident_continue, is_ident_start, utf8_len};
use super::theme::TokenClass as T;

/// Where `@name` is an annotation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Decorators {
    None,
    /// Python: only at the start of a line.
    LineStart,
    /// Java, TypeScript: anywhere.
    Anywhere,
}

/// The lexical rules of one language. Word tables are sorted (byte order, or ASCII
/// case-insensitive order when `ignore_case`) for binary search; a test checks it.
pub(super) struct Rules {
    pub keywords: &'static [&'static str],
    pub types: &'static [&'static str],
    pub constants: &'static [&'static str],
    /// Keywords after which the next word names a function (`fn`, `def`, `func`).
    pub fn_keywords: &'static [&'static str],
    /// Keywords after which the next word names a type (`struct`, `class`).
    pub type_keywords: &'static [&'static str],
    pub line_comments: &'static [&'static str],
    pub block_comment: Option<(&'static str, &'static str)>,
    pub nested_comments: bool,
    /// Characters that open a string (or character) literal.
    pub quotes: &'static [u8],
    /// `"…"` may run over several lines (Rust, SQL); otherwise a newline ends it.
    pub multiline_strings: bool,
    /// `` `…` `` runs over lines (JavaScript templates, Go raw strings).
    pub multiline_backtick: bool,
    /// `` `…` `` knows no escapes (Go raw strings).
    pub raw_backtick: bool,
    /// `"""…"""` and `'''…'''` (Python, Java text blocks).
    pub triple_quotes: bool,
    /// Words that may prefix a string literal (`r`, `b`, `f`, `u8`).
    pub string_prefixes: &'static [&'static str],
    /// `\n`-style escapes in strings; SQL doubles the quote instead.
    pub backslash_escapes: bool,
    /// Rust: `'a` is a lifetime, `#[…]` an attribute, `r#"…"#` a raw string, `name!` a macro.
    pub rust: bool,
    /// C and C++: `#include` and friends at the start of a line; `*_t` names are types.
    pub preprocessor: bool,
    /// C++ raw strings `R"delim(…)delim"`.
    pub cpp_raw_strings: bool,
    pub decorators: Decorators,
    /// A capitalised word is a type, an all-caps one a constant.
    pub capitalized_types: bool,
    /// JavaScript: `/…/flags` where an operand may stand.
    pub regex_literals: bool,
    /// SQL: keywords in any case.
    pub ignore_case: bool,
    /// JSON: a string followed by `:` is a key.
    pub string_keys: bool,
}

/// What the previous word asked of the next one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Nothing,
    FunctionName,
    TypeName,
}

pub(super) fn lex(src: &str, rules: &Rules, sink: &mut Sink) {
    let mut cur = Cursor::new(src);
    let mut expect = Expect::Nothing;
    while let Some(b) = cur.peek() {
        let start = cur.pos;
        if b.is_ascii_whitespace() {
            cur.pos += 1;
            continue;
        }
        if let Some(class) = comment(&mut cur, rules) {
            sink.push(start, cur.pos, class);
            continue;
        }
        if b == b'#' && rules.preprocessor && cur.at_line_start() {
            preprocessor(&mut cur, sink);
            continue;
        }
        if b == b'#'
            && rules.rust
            && matches!(
                (cur.peek_at(1), cur.peek_at(2)),
                (Some(b'['), _) | (Some(b'!'), Some(b'['))
            )
        {
            rust_attribute(&mut cur);
            sink.push(start, cur.pos, T::Meta);
            continue;
        }
        if b == b'@'
            && cur.peek_at(1).is_some_and(is_ident_start)
            && match rules.decorators {
                Decorators::None => false,
                Decorators::LineStart => cur.at_line_start(),
                Decorators::Anywhere => true,
            }
        {
            cur.pos += 1;
            cur.eat_while(|b| is_ident_continue(b) || b == b'.');
            sink.push(start, cur.pos, T::Meta);
            continue;
        }
        if b == b'\'' && rules.rust {
            rust_quote(&mut cur, rules, sink);
            continue;
        }
        if rules.quotes.contains(&b) {
            string(&mut cur, rules, sink);
            if rules.string_keys && cur.next_nonblank_from(cur.pos) == Some(b':') {
                // A key: recolour the whole string, escapes included.
                sink.truncate(start);
                sink.push(start, cur.pos, T::Function);
            }
            continue;
        }
        if b.is_ascii_digit()
            || (b == b'.' && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit()) && !prev_is_word_or_dot(&cur))
        {
            eat_number(&mut cur);
            sink.push(start, cur.pos, T::Constant);
            continue;
        }
        if b == b'/' && rules.regex_literals && regex_may_start(&cur) && regex_literal(&mut cur) {
            sink.push(start, cur.pos, T::String);
            continue;
        }
        if is_ident_start(b) {
            expect = word(&mut cur, rules, sink, expect);
            continue;
        }
        cur.bump_char();
        expect = Expect::Nothing;
    }
}

/// A comment starting at the cursor: eat it and say so.
fn comment(cur: &mut Cursor, rules: &Rules) -> Option<T> {
    if rules.line_comments.iter().any(|m| cur.starts_with(m)) {
        cur.skip_to_eol();
        return Some(T::Comment);
    }
    let (open, close) = rules.block_comment?;
    if !cur.starts_with(open) {
        return None;
    }
    cur.pos += open.len();
    if !rules.nested_comments {
        cur.skip_past(close);
        return Some(T::Comment);
    }
    let mut depth = 1usize;
    while !cur.eof() && depth > 0 {
        if cur.starts_with(close) {
            cur.pos += close.len();
            depth -= 1;
        } else if cur.starts_with(open) {
            cur.pos += open.len();
            depth += 1;
        } else {
            cur.bump_char();
        }
    }
    Some(T::Comment)
}

/// `#include <x.h>`, `#define X`: the directive is meta, an `<…>` path a string; the rest of the
/// line is lexed as code.
fn preprocessor(cur: &mut Cursor, sink: &mut Sink) {
    let start = cur.pos;
    cur.pos += 1;
    cur.eat_blanks();
    let directive = cur.ident();
    sink.push(start, cur.pos, T::Meta);
    if directive == "include" || directive == "import" {
        cur.eat_blanks();
        if cur.peek() == Some(b'<') {
            let path = cur.pos;
            while let Some(b) = cur.peek() {
                if b == b'\n' {
                    break;
                }
                cur.bump_char();
                if b == b'>' {
                    break;
                }
            }
            sink.push(path, cur.pos, T::String);
        }
    }
}

/// `#[derive(Debug)]` or `#![allow(x)]`, to its matching `]`, strings skipped.
fn rust_attribute(cur: &mut Cursor) {
    let mut depth = 0usize;
    while let Some(b) = cur.peek() {
        match b {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    cur.pos += 1;
                    return;
                }
            }
            b'"' => {
                cur.pos += 1;
                while let Some(c) = cur.peek() {
                    cur.bump_char();
                    if c == b'\\' {
                        cur.bump_char();
                    } else if c == b'"' {
                        break;
                    }
                }
                continue;
            }
            _ => {}
        }
        cur.bump_char();
    }
}

/// Rust's `'`: a character literal (`'a'`, `'\n'`, `'é'`) or a lifetime/label (`'a`, `'static`).
fn rust_quote(cur: &mut Cursor, rules: &Rules, sink: &mut Sink) {
    let start = cur.pos;
    let next = cur.peek_at(1);
    let is_char = match next {
        Some(b'\\') => true,
        Some(c) if c != b'\n' => cur.byte_at(cur.pos + 1 + utf8_len(c)) == Some(b'\''),
        _ => false,
    };
    if is_char {
        string(cur, rules, sink);
    } else if next.is_some_and(is_ident_start) {
        cur.pos += 1;
        cur.ident();
        sink.push(start, cur.pos, T::Meta);
    } else {
        cur.pos += 1;
    }
}

/// A string literal from its opening quote: the string in `String`, escapes in `Constant`.
fn string(cur: &mut Cursor, rules: &Rules, sink: &mut Sink) {
    let start = cur.pos;
    let q = cur.peek().unwrap_or(b'"');
    let triple = rules.triple_quotes
        && (q == b'"' || q == b'\'')
        && cur.peek_at(1) == Some(q)
        && cur.peek_at(2) == Some(q);
    let multiline =
        triple || (q == b'`' && rules.multiline_backtick) || (q != b'`' && rules.multiline_strings);
    let escapes = rules.backslash_escapes && !(q == b'`' && rules.raw_backtick);
    cur.pos += if triple { 3 } else { 1 };
    let mut seg = start;
    while let Some(b) = cur.peek() {
        if b == b'\n' && !multiline {
            break;
        }
        if b == b'\\' && escapes {
            sink.push(seg, cur.pos, T::String);
            let esc = cur.pos;
            cur.pos += 1;
            escape_body(cur);
            sink.push(esc, cur.pos, T::Constant);
            seg = cur.pos;
            continue;
        }
        if b == q {
            if triple {
                if cur.peek_at(1) == Some(q) && cur.peek_at(2) == Some(q) {
                    cur.pos += 3;
                    break;
                }
            } else if !rules.backslash_escapes && cur.peek_at(1) == Some(q) {
                cur.pos += 2; // SQL's doubled quote
                continue;
            } else {
                cur.pos += 1;
                break;
            }
        }
        cur.bump_char();
    }
    sink.push(seg, cur.pos, T::String);
}

/// After a backslash: `n`, `x41`, `u{1F600}`, `u00e9`, or a newline (line continuation).
fn escape_body(cur: &mut Cursor) {
    match cur.peek() {
        Some(b'x') => {
            cur.pos += 1;
            for _ in 0..2 {
                if cur.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                    cur.pos += 1;
                }
            }
        }
        Some(b'u') if cur.peek_at(1) == Some(b'{') => {
            cur.pos += 2;
            cur.eat_while(|b| b.is_ascii_hexdigit());
            if cur.peek() == Some(b'}') {
                cur.pos += 1;
            }
        }
        Some(b'u') => {
            cur.pos += 1;
            for _ in 0..4 {
                if cur.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                    cur.pos += 1;
                }
            }
        }
        Some(_) => cur.bump_char(),
        None => {}
    }
}

/// Rust's `r"…"`, `r#"…"#`, `br##"…"##`: the cursor is after the prefix, on `#` or `"`.
fn rust_raw_string(cur: &mut Cursor) {
    let hashes = cur.b[cur.pos..].iter().take_while(|&&b| b == b'#').count();
    cur.pos += hashes + 1; // the hashes and the opening quote
    let mut close = String::with_capacity(hashes + 1);
    close.push('"');
    close.extend(std::iter::repeat_n('#', hashes));
    cur.skip_past(&close);
}

/// C++'s `R"delim(…)delim"`: the cursor is on the opening quote.
fn cpp_raw_string(cur: &mut Cursor) {
    cur.pos += 1;
    let delim_start = cur.pos;
    cur.eat_while(|b| b != b'(' && b != b'\n' && b != b'"' && b != b' ');
    let delim = &cur.src[delim_start..cur.pos];
    let close = format!("){delim}\"");
    cur.skip_past(&close);
}

/// Can a `/` at the cursor open a regex (an operand may stand here), rather than divide?
fn regex_may_start(cur: &Cursor) -> bool {
    let before = &cur.b[..cur.pos];
    let end = before
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let Some(&last) = before[..end].last() else {
        return true;
    };
    if !is_ident_continue(last) {
        return !matches!(last, b')' | b']' | b'}' | b'"' | b'\'' | b'`');
    }
    let word_start = before[..end]
        .iter()
        .rposition(|&b| !is_ident_continue(b))
        .map_or(0, |i| i + 1);
    matches!(
        &before[word_start..end],
        b"return"
            | b"typeof"
            | b"case"
            | b"in"
            | b"of"
            | b"void"
            | b"yield"
            | b"await"
            | b"delete"
            | b"throw"
    )
}

/// `/…/flags` on one line, `[…]` classes and escapes inside; false (cursor unmoved) if it
/// does not close on its line.
fn regex_literal(cur: &mut Cursor) -> bool {
    let mut i = cur.pos + 1;
    let mut class = false;
    let limit = cur.b.len().min(cur.pos + 1024); // keeps a line of many `/` linear
    while let Some(&b) = cur.b.get(i).filter(|_| i < limit) {
        match b {
            b'\n' => return false,
            b'\\' => i += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                if i == cur.pos + 1 {
                    return false; // `//` is a comment, handled before
                }
                cur.pos = i + 1;
                cur.eat_while(|c| c.is_ascii_alphabetic());
                return true;
            }
            _ => {}
        }
        i += 1;
    }
    false
}

fn prev_is_word_or_dot(cur: &Cursor) -> bool {
    cur.pos > 0
        && cur
            .byte_at(cur.pos - 1)
            .is_some_and(|b| is_ident_continue(b) || b == b'.')
}

/// A word at the cursor: keyword, type, constant, function, macro, a string's prefix, or plain.
fn word(cur: &mut Cursor, rules: &Rules, sink: &mut Sink, expect: Expect) -> Expect {
    let start = cur.pos;
    let after_dot = start > 0
        && cur.byte_at(start - 1) == Some(b'.')
        && (start < 2 || cur.byte_at(start - 2) != Some(b'.'));
    let w = cur.ident();
    let next = cur.peek();

    // A string with a prefix: r"…", b'x', f"…", u8"…", R"(…)".
    if let Some(q) = next
        && in_table(rules.string_prefixes, w, false)
    {
        if rules.rust && w.contains('r') && (q == b'"' || (q == b'#' && raw_hashes_then_quote(cur))) {
            rust_raw_string(cur);
            sink.push(start, cur.pos, T::String);
            return Expect::Nothing;
        }
        if rules.cpp_raw_strings && w.ends_with('R') && q == b'"' {
            cpp_raw_string(cur);
            sink.push(start, cur.pos, T::String);
            return Expect::Nothing;
        }
        if rules.quotes.contains(&q) || (rules.rust && q == b'\'') {
            sink.push(start, cur.pos, T::String);
            string(cur, rules, sink);
            return Expect::Nothing;
        }
    }
    if rules.cpp_raw_strings
        && (w == "R" || w == "u8R" || w == "LR" || w == "uR" || w == "UR")
        && next == Some(b'"')
    {
        cpp_raw_string(cur);
        sink.push(start, cur.pos, T::String);
        return Expect::Nothing;
    }
    // Rust raw identifiers: r#type.
    if rules.rust && w == "r" && next == Some(b'#') && cur.peek_at(1).is_some_and(is_ident_start) {
        cur.pos += 1;
        cur.ident();
        return Expect::Nothing;
    }

    let member = after_dot && !(rules.rust && w == "await");
    let class = if !member && in_table(rules.keywords, w, rules.ignore_case) {
        T::Keyword
    } else if expect == Expect::FunctionName {
        T::Function
    } else if expect == Expect::TypeName {
        T::Type
    } else if rules.rust && next == Some(b'!') && cur.peek_at(1) != Some(b'=') {
        cur.pos += 1; // the macro's `!`
        T::Function
    } else if !member && in_table(rules.constants, w, rules.ignore_case) {
        T::Constant
    } else if (!member && in_table(rules.types, w, rules.ignore_case))
        || (rules.capitalized_types
            && w.as_bytes()[0].is_ascii_uppercase()
            && w.bytes().any(|b| b.is_ascii_lowercase()))
    {
        // Built-in types; `String`, and `Some(…)` or `Point(…)` as constructors.
        T::Type
    } else if next == Some(b'(') || (rules.rust && cur.starts_with("::<") && turbofish_then_paren(cur)) {
        T::Function // a call, or a macro like `MAX(a, b)`
    } else if rules.preprocessor && w.len() > 2 && w.ends_with("_t") {
        T::Type
    } else if rules.capitalized_types && w.as_bytes()[0].is_ascii_uppercase() {
        if w.len() > 1 { T::Constant } else { T::Type } // `MAX_SIZE`; a generic `T`
    } else {
        T::Plain
    };
    sink.push(start, cur.pos, class);
    if class == T::Keyword {
        if in_table(rules.fn_keywords, w, false) {
            return Expect::FunctionName;
        }
        if in_table(rules.type_keywords, w, false) {
            return Expect::TypeName;
        }
    }
    Expect::Nothing
}

/// After `r`/`br` with the cursor on `#`: `#…#"` opens a raw string.
fn raw_hashes_then_quote(cur: &Cursor) -> bool {
    cur.b[cur.pos..].iter().find(|&&b| b != b'#') == Some(&b'"')
}

/// `name::<T>(`: a generic call.
fn turbofish_then_paren(cur: &Cursor) -> bool {
    let mut depth = 0i32;
    for &b in cur.b[cur.pos + 2..].iter().take(200) {
        match b {
            b'<' => depth += 1,
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    return true;
                }
            }
            b'\n' | b';' | b'{' => return false,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
pub(super) const ALL_RULES: [(&str, &Rules); 10] = [
    ("rust", &RUST),
    ("c", &C),
    ("cpp", &CPP),
    ("go", &GO),
    ("java", &JAVA),
    ("javascript", &JAVASCRIPT),
    ("typescript", &TYPESCRIPT),
    ("python", &PYTHON),
    ("sql", &SQL),
    ("json", &JSON),
];
