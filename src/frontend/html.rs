//! A small, forgiving tokenizer for the raw HTML found in Markdown: start and end tags with
//! their attributes, text with entities decoded, comments. It never fails; what it cannot
//! read as a tag is text. The Markdown converter decides what each tag means.

/// One piece of raw HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Start {
        /// Lower-cased tag name.
        name: String,
        attrs: Vec<(String, String)>,
        self_closing: bool,
        /// The tag as written.
        raw: String,
    },
    End {
        name: String,
        raw: String,
    },
    /// Text with character references decoded.
    Text(String),
    /// Comments, doctypes and processing instructions: never shown.
    Ignored,
}

impl Token {
    /// The value of attribute `name` of a start tag.
    pub fn attr(&self, name: &str) -> Option<&str> {
        match self {
            Token::Start { attrs, .. } => attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
            _ => None,
        }
    }
}

/// Whether `name` (lower case) is an HTML element. Other "tags", such as the `<T>` of
/// `Option<T>` written outside code, are text.
pub fn is_html_element(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "a",
        "abbr",
        "acronym",
        "address",
        "area",
        "article",
        "aside",
        "audio",
        "b",
        "base",
        "bdi",
        "bdo",
        "big",
        "blink",
        "blockquote",
        "body",
        "br",
        "button",
        "canvas",
        "caption",
        "center",
        "cite",
        "code",
        "col",
        "colgroup",
        "data",
        "datalist",
        "dd",
        "del",
        "details",
        "dfn",
        "dialog",
        "div",
        "dl",
        "dt",
        "em",
        "embed",
        "fieldset",
        "figcaption",
        "figure",
        "font",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "head",
        "header",
        "hgroup",
        "hr",
        "html",
        "i",
        "iframe",
        "img",
        "input",
        "ins",
        "kbd",
        "label",
        "legend",
        "li",
        "link",
        "main",
        "map",
        "mark",
        "marquee",
        "math",
        "menu",
        "meta",
        "meter",
        "nav",
        "nobr",
        "noscript",
        "object",
        "ol",
        "optgroup",
        "option",
        "output",
        "p",
        "param",
        "picture",
        "pre",
        "progress",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "script",
        "search",
        "section",
        "select",
        "slot",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "style",
        "sub",
        "summary",
        "sup",
        "svg",
        "table",
        "tbody",
        "td",
        "template",
        "textarea",
        "tfoot",
        "th",
        "thead",
        "time",
        "title",
        "tr",
        "track",
        "tt",
        "u",
        "ul",
        "var",
        "video",
        "wbr",
    ];
    NAMES.binary_search(&name).is_ok()
}

/// Elements that never have content or an end tag.
pub fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Splits `html` into tokens.
pub fn tokenize(html: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    // No markup can start after the last `>`: stop looking there (keeps stray `<` linear).
    let last_gt = html.rfind('>').unwrap_or(0);
    while i < bytes.len() && i < last_gt {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        if let Some((mut token, end)) = markup_at(html, i) {
            if let Token::Start { raw, .. } | Token::End { raw, .. } = &mut token {
                *raw = html[i..end].to_string();
            }
            if text_start < i {
                out.push(Token::Text(decode_entities(&html[text_start..i])));
            }
            out.push(token);
            i = end;
            text_start = end;
        } else {
            i += 1;
        }
    }
    if text_start < bytes.len() {
        out.push(Token::Text(decode_entities(&html[text_start..])));
    }
    out
}

/// Decodes HTML character references (`&amp;`, `&#x2014;`, `&nbsp;`...).
pub fn decode_entities(text: &str) -> String {
    if text.contains('&') {
        html_escape::decode_html_entities(text).into_owned()
    } else {
        text.to_string()
    }
}

/// Reads the markup construct starting at byte `at` (a `<`), returning it and the offset
/// just past it, or `None` when the `<` starts no markup (it is then text).
fn markup_at(html: &str, at: usize) -> Option<(Token, usize)> {
    let rest = &html[at..];
    if let Some(body) = rest.strip_prefix("<!--") {
        let end = body.find("-->").map(|e| at + 4 + e + 3).unwrap_or(html.len());
        return Some((Token::Ignored, end));
    }
    // A tag longer than this is not a tag: keeps many unclosed `<a "` linear in effect.
    let rest = &rest[..floor_char_boundary(rest, MAX_TAG_BYTES)];
    if rest.starts_with("<!") || rest.starts_with("<?") {
        let end = rest.find('>').map(|e| at + e + 1).unwrap_or(html.len());
        return Some((Token::Ignored, end));
    }
    if let Some(body) = rest.strip_prefix("</") {
        let name_len = tag_name_len(body);
        if name_len == 0 {
            return None;
        }
        let name = body[..name_len].to_ascii_lowercase();
        let close = body.find('>')?;
        return Some((
            Token::End {
                name,
                raw: String::new(),
            },
            at + 2 + close + 1,
        ));
    }
    let body = &rest[1..];
    let name_len = tag_name_len(body);
    if name_len == 0 {
        return None;
    }
    let name = body[..name_len].to_ascii_lowercase();
    let (attrs, self_closing, consumed) = attributes(&body[name_len..])?;
    Some((
        Token::Start {
            name,
            attrs,
            self_closing,
            raw: String::new(),
        },
        at + 1 + name_len + consumed,
    ))
}

const MAX_TAG_BYTES: usize = 16 * 1024;

fn floor_char_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn tag_name_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.first().is_none_or(|c| !c.is_ascii_alphabetic()) {
        return 0;
    }
    b.iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'-' || **c == b':')
        .count()
}

/// Parses attributes up to and including the closing `>`; returns them, whether the tag
/// ended with `/>`, and the bytes consumed. `None` when no `>` closes the tag.
#[allow(clippy::type_complexity)]
fn attributes(s: &str) -> Option<(Vec<(String, String)>, bool, usize)> {
    let b = s.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        match b[i] {
            b'>' => return Some((attrs, false, i + 1)),
            b'/' if b.get(i + 1) == Some(&b'>') => return Some((attrs, true, i + 2)),
            b'/' => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = s[name_start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            match b.get(i) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let close = s[i + 1..].find(q as char)?;
                    value = decode_entities(&s[i + 1..i + 1 + close]);
                    i += close + 2;
                }
                Some(_) => {
                    let start = i;
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                    value = decode_entities(&s[start..i]);
                }
                None => return None,
            }
        }
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start(name: &str, attrs: &[(&str, &str)], self_closing: bool, raw: &str) -> Token {
        Token::Start {
            name: name.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            self_closing,
            raw: raw.into(),
        }
    }

    #[test]
    fn element_names_are_sorted() {
        assert!(is_html_element("a") && is_html_element("wbr") && is_html_element("kbd"));
        assert!(!is_html_element("t") && !is_html_element("listing"));
    }

    #[test]
    fn tags_attributes_and_text() {
        let t = tokenize(r#"<img src="a.png" alt='A &amp; B' width=30/>x &lt; y<BR></span>"#);
        assert_eq!(
            t,
            vec![
                start(
                    "img",
                    // As in browsers, an unquoted value runs up to white space or `>`.
                    &[("src", "a.png"), ("alt", "A & B"), ("width", "30/")],
                    false,
                    r#"<img src="a.png" alt='A &amp; B' width=30/>"#
                ),
                Token::Text("x < y".into()),
                start("br", &[], false, "<BR>"),
                Token::End {
                    name: "span".into(),
                    raw: "</span>".into()
                },
            ]
        );
    }

    #[test]
    fn comments_and_stray_brackets() {
        let t = tokenize("a <!-- hidden --> b < c <3");
        assert_eq!(
            t,
            vec![
                Token::Text("a ".into()),
                Token::Ignored,
                Token::Text(" b < c <3".into()),
            ]
        );
        // Without any `>` nothing is markup.
        assert_eq!(
            tokenize("<!-- never closed"),
            vec![Token::Text("<!-- never closed".into())]
        );
        assert_eq!(
            tokenize("<div class=\"x"),
            vec![Token::Text("<div class=\"x".into())]
        );
    }

    #[test]
    fn bare_attributes() {
        let t = tokenize("<details open markdown=\"1\">");
        assert_eq!(
            t,
            vec![start(
                "details",
                &[("open", ""), ("markdown", "1")],
                false,
                "<details open markdown=\"1\">"
            )]
        );
        assert_eq!(t[0].attr("markdown"), Some("1"));
    }
}
