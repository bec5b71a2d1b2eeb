//! Syntax highlighting of code blocks, shared by the PDF and EPUB backends.
//!
//! [`highlight`] turns a block's code and fence language into lines of [`Span`]s, each tagged
//! with a [`TokenClass`]; the PDF backend draws a span with [`Span::style`] (colour, bold,
//! italic), the EPUB backend wraps it in `<span class="…">` ([`TokenClass::css_class`]) under
//! the stylesheet [`css`]. One theme, readable in greyscale print and on e-ink.
//!
//! The lexers are our own: one forward pass over bytes, no regex, nothing to load, so
//! highlighting costs about as much as copying the text and is safe to call from any number of
//! threads. Unknown languages, and blocks with none, come out plain.

mod clike;
mod cursor;
mod data;
mod diff;
mod language;
mod markup;
mod shell;
mod theme;

pub use language::Language;
pub use theme::{CODE_BACKGROUND, Rgb, SpanStyle, TokenClass, css};

use cursor::{Sink, Token};

/// A run of code of one class. Never empty, never holds a newline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span<'a> {
    pub text: &'a str,
    pub class: TokenClass,
}

impl Span<'_> {
    /// How the theme draws this span.
    pub fn style(&self) -> SpanStyle {
        self.class.style()
    }
}

/// One line of a code block: its spans in order. An empty line has none.
pub type Line<'a> = Vec<Span<'a>>;

/// Highlight a code block given its fence language (`Some("rust")`), as lines of spans.
///
/// There is one line per `\n`-separated line of `code`, so joining each line's span texts,
/// and the lines with `\n`, gives `code` back exactly. An unknown language, or none, gives
/// plain text: one `Plain` span per non-empty line. Never fails, never panics.
pub fn highlight<'a>(code: &'a str, lang: Option<&str>) -> Vec<Line<'a>> {
    let language = lang.and_then(Language::from_name).unwrap_or(Language::Plain);
    highlight_as(code, language)
}

/// Highlight a code block in a language already resolved.
pub fn highlight_as(code: &str, language: Language) -> Vec<Line<'_>> {
    if language == Language::Plain {
        return plain(code);
    }
    let mut sink = Sink::default();
    language.lex(code, &mut sink);
    if sink.broken || !valid(code, &sink.tokens) {
        // A lexer bug must cost colour, never text.
        debug_assert!(false, "{language:?} lexer emitted invalid tokens");
        return plain(code);
    }
    split(code, &sink.tokens)
}

/// The language to highlight a block in: its fence language, else a guess that is safe to
/// make — a block whose first line is a shell prompt (`$ cargo run`) is a console session.
pub fn effective_language<'a>(lang: Option<&'a str>, code: &str) -> Option<&'a str> {
    match lang {
        Some(l) => Some(l),
        None if code.starts_with("$ ") => Some("console"),
        None => None,
    }
}

/// Does folio know this fence language (to highlight it, or as plain text like `text`)?
pub fn is_known(lang: &str) -> bool {
    Language::from_name(lang).is_some()
}

fn plain(code: &str) -> Vec<Line<'_>> {
    code.split('\n')
        .map(|text| {
            if text.is_empty() {
                Vec::new()
            } else {
                vec![Span {
                    text,
                    class: TokenClass::Plain,
                }]
            }
        })
        .collect()
}

/// Tokens in order, inside the code, on character boundaries.
fn valid(code: &str, tokens: &[Token]) -> bool {
    let mut pos = 0;
    tokens.iter().all(|t| {
        let ok = pos <= t.start
            && t.start < t.end
            && t.end <= code.len()
            && code.is_char_boundary(t.start)
            && code.is_char_boundary(t.end);
        pos = t.end;
        ok
    })
}

/// Cut the code into lines of spans: tokens as classified, the gaps between them plain.
fn split<'a>(code: &'a str, tokens: &[Token]) -> Vec<Line<'a>> {
    let mut out = Lines {
        code,
        lines: Vec::new(),
        line: Vec::new(),
    };
    let mut pos = 0;
    for t in tokens {
        out.emit(pos, t.start, TokenClass::Plain);
        out.emit(t.start, t.end, t.class);
        pos = t.end;
    }
    out.emit(pos, code.len(), TokenClass::Plain);
    out.lines.push(out.line);
    out.lines
}

struct Lines<'a> {
    code: &'a str,
    lines: Vec<Line<'a>>,
    line: Line<'a>,
}

impl<'a> Lines<'a> {
    fn emit(&mut self, start: usize, end: usize, class: TokenClass) {
        for (i, text) in self.code[start..end].split('\n').enumerate() {
            if i > 0 {
                self.lines.push(std::mem::take(&mut self.line));
            }
            if !text.is_empty() {
                self.line.push(Span { text, class });
            }
        }
    }
}

#[cfg(test)]
mod tests;
