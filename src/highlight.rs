//! Syntax highlighting shared by both backends (plain text until a highlighter is wired in).

/// CSS rules for highlighted code in the EPUB.
pub fn css() -> String {
    String::new()
}

/// Lines of a code block as (text, CSS class) spans for the EPUB.
pub fn epub_spans(code: &str, _lang: Option<&str>) -> Vec<Vec<(String, Option<&'static str>)>> {
    code.split('\n').map(|l| vec![(l.to_string(), None)]).collect()
}
