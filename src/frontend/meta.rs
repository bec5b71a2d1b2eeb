//! Metadata and settings from YAML front matter and from `folio.toml`, read into one
//! neutral value tree and checked key by key, with errors that name the file, line and key.

use std::path::Path;

use crate::diagnostics::{Warning, WarningKind};
use crate::error::{Error, Result};
use crate::model::settings::parse_length;
use crate::model::{EpubSettings, FontPaths, PageSize, PdfSettings};

/// A parsed YAML or TOML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    List(Vec<Val>),
    Map(Vec<(String, Val)>),
}

impl Val {
    fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "nothing",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::List(_) => "a list",
            Val::Map(_) => "a table",
        }
    }
}

/// Which syntax a metadata source uses: decides how unknown keys are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Front matter: unknown keys are warnings.
    Yaml,
    /// `folio.toml`: unknown keys are errors.
    Toml,
}

/// Metadata keys as read, before they meet the rest of the document.
#[derive(Debug, Default, Clone)]
pub struct RawMeta {
    pub title: Option<String>,
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    pub lang: Option<String>,
    pub date: Option<String>,
    pub description: Option<String>,
    pub keywords: Vec<String>,
    pub publisher: Option<String>,
    pub rights: Option<String>,
    pub identifier: Option<String>,
    pub cover: Option<String>,
    pub chapters: Option<Vec<String>>,
    pub pdf: PdfSettings,
    pub epub: EpubSettings,
    /// Whether the source set any `[pdf]`/`[epub]` key (front matter may then override a book's).
    pub has_settings: bool,
}

/// Where metadata text came from, to name it in messages.
pub struct MetaSource<'a> {
    pub path: &'a Path,
    /// The text, for finding the line of a key.
    pub text: &'a str,
    /// Line of the text's first line in its file.
    pub first_line: u32,
    pub syntax: Syntax,
}

impl MetaSource<'_> {
    /// Best-effort line of `key` in the source text.
    fn line_of(&self, key: &str) -> u32 {
        for (i, line) in self.text.lines().enumerate() {
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix(key) {
                let rest = rest.trim_start();
                if rest.starts_with(':') || rest.starts_with('=') {
                    return self.first_line + i as u32;
                }
            }
            if t == format!("[{key}]") {
                return self.first_line + i as u32;
            }
        }
        self.first_line
    }

    fn error(&self, key: &str, message: String) -> Error {
        let line = self.line_of(key);
        match self.syntax {
            Syntax::Yaml => Error::FrontMatter {
                path: self.path.to_path_buf(),
                line,
                message,
            },
            Syntax::Toml => Error::Config {
                path: self.path.to_path_buf(),
                line: Some(line),
                message,
            },
        }
    }

    fn unknown(&self, key: &str, known: &[&str], warnings: &mut Vec<Warning>) -> Result<()> {
        let message = format!("unknown key `{key}` (known keys: {})", known.join(", "));
        match self.syntax {
            Syntax::Toml => Err(self.error(key, message)),
            Syntax::Yaml => {
                warnings.push(Warning::new(
                    WarningKind::UnknownKey,
                    self.path.to_string_lossy(),
                    self.line_of(key),
                    message,
                ));
                Ok(())
            }
        }
    }
}

const META_KEYS: &[&str] = &[
    "title",
    "subtitle",
    "author",
    "authors",
    "lang",
    "language",
    "date",
    "description",
    "keywords",
    "publisher",
    "rights",
    "identifier",
    "cover",
    "pdf",
    "epub",
];
const PDF_KEYS: &[&str] = &[
    "page-size",
    "margins",
    "font-size",
    "justify",
    "two-sided",
    "fonts",
];
const FONT_KEYS: &[&str] = &["regular", "italic", "bold", "bold-italic", "mono", "mono-bold"];
const EPUB_KEYS: &[&str] = &["embed-fonts"];

/// Parses YAML front matter text into a value tree.
pub fn parse_yaml(src: &MetaSource) -> Result<Val> {
    if src.text.trim().is_empty() {
        return Ok(Val::Map(Vec::new()));
    }
    // The YAML parser refuses nesting past 128 levels, but only after work that grows with
    // the square of the depth: refuse deep flow collections before parsing.
    if flow_depth(src.text) > MAX_YAML_DEPTH {
        return Err(Error::FrontMatter {
            path: src.path.to_path_buf(),
            line: src.first_line,
            message: format!("front matter is nested more than {MAX_YAML_DEPTH} levels deep"),
        });
    }
    let value: serde_norway::Value = serde_norway::from_str(src.text).map_err(|e| {
        let line = e.location().map(|l| l.line() as u32).unwrap_or(1);
        Error::FrontMatter {
            path: src.path.to_path_buf(),
            line: src.first_line + line.saturating_sub(1),
            message: format!(
                "front matter is not valid YAML: {}",
                strip_location(&e.to_string())
            ),
        }
    })?;
    Ok(from_yaml(value))
}

/// Deepest nesting accepted in front matter (the YAML parser's own limit).
const MAX_YAML_DEPTH: usize = 128;

/// Deepest nesting of YAML flow collections (`[`, `{`), quoted scalars and comments skipped.
fn flow_depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut prev = '\n';
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' if prev.is_whitespace() || "[{,:".contains(prev) => quote = Some(c),
                '#' if prev.is_whitespace() => {
                    for n in chars.by_ref() {
                        if n == '\n' {
                            break;
                        }
                    }
                }
                '[' | '{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    deepest
}

fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn from_yaml(v: serde_norway::Value) -> Val {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Val::Null,
        Y::Bool(b) => Val::Bool(b),
        Y::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
        Y::String(s) => Val::Str(s),
        Y::Sequence(items) => Val::List(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(m) => Val::Map(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        _ => "?".to_string(),
                    };
                    (key, from_yaml(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => from_yaml(t.value),
    }
}

/// Parses `folio.toml` text into a value tree.
pub fn parse_toml(src: &MetaSource) -> Result<Val> {
    let table: toml::Table = src.text.parse().map_err(|e: toml::de::Error| {
        let line = e
            .span()
            .map(|s| 1 + src.text[..s.start.min(src.text.len())].matches('\n').count() as u32);
        Error::Config {
            path: src.path.to_path_buf(),
            line,
            message: format!("not valid TOML: {}", e.message()),
        }
    })?;
    Ok(from_toml(toml::Value::Table(table)))
}

fn from_toml(v: toml::Value) -> Val {
    use toml::Value as T;
    match v {
        T::String(s) => Val::Str(s),
        T::Integer(i) => Val::Num(i as f64),
        T::Float(f) => Val::Num(f),
        T::Boolean(b) => Val::Bool(b),
        T::Datetime(d) => Val::Str(d.to_string()),
        T::Array(a) => Val::List(a.into_iter().map(from_toml).collect()),
        T::Table(t) => Val::Map(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect()),
    }
}

/// Reads the metadata keys of `value` (the whole front matter or `folio.toml`).
pub fn read_meta(value: Val, src: &MetaSource, warnings: &mut Vec<Warning>) -> Result<RawMeta> {
    let mut meta = RawMeta::default();
    let entries = match value {
        Val::Map(entries) => entries,
        Val::Null => return Ok(meta),
        other => {
            return Err(src.error(
                "",
                format!("expected key-value pairs, found {}", other.type_name()),
            ));
        }
    };
    for (key, val) in entries {
        match key.as_str() {
            "title" => meta.title = scalar(&key, val, src)?,
            "subtitle" => meta.subtitle = scalar(&key, val, src)?,
            "author" | "authors" => meta.authors.extend(string_list(&key, val, src, false)?),
            "lang" | "language" => {
                meta.lang = scalar(&key, val, src)?;
                if let Some(lang) = &meta.lang
                    && !valid_lang(lang)
                {
                    return Err(src.error(
                        &key,
                        format!("`{lang}` is not a language tag (e.g. en, en-GB, fr)"),
                    ));
                }
            }
            "date" => meta.date = scalar(&key, val, src)?,
            "description" => meta.description = scalar(&key, val, src)?,
            "keywords" => meta.keywords = string_list(&key, val, src, true)?,
            "publisher" => meta.publisher = scalar(&key, val, src)?,
            "rights" => meta.rights = scalar(&key, val, src)?,
            "identifier" => meta.identifier = scalar(&key, val, src)?,
            "cover" => meta.cover = scalar(&key, val, src)?,
            "chapters" if src.syntax == Syntax::Toml => {
                meta.chapters = Some(string_list(&key, val, src, false)?);
            }
            "pdf" => {
                meta.has_settings = true;
                read_pdf(val, src, &mut meta.pdf, warnings)?
            }
            "epub" => {
                meta.has_settings = true;
                read_epub(val, src, &mut meta.epub, warnings)?
            }
            _ => {
                let mut known = META_KEYS.to_vec();
                if src.syntax == Syntax::Toml {
                    known.insert(12, "chapters");
                }
                src.unknown(&key, &known, warnings)?
            }
        }
    }
    Ok(meta)
}

fn valid_lang(tag: &str) -> bool {
    !tag.is_empty()
        && tag.len() <= 35
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && tag
            .split('-')
            .next()
            .is_some_and(|p| p.len() >= 2 && p.chars().all(|c| c.is_ascii_alphabetic()))
}

/// A string from a scalar (numbers and booleans are written as text); null is `None`.
fn scalar(key: &str, val: Val, src: &MetaSource) -> Result<Option<String>> {
    match val {
        Val::Null => Ok(None),
        Val::Str(s) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Val::Num(n) => Ok(Some(format_number(n))),
        Val::Bool(b) => Ok(Some(b.to_string())),
        other => Err(src.error(
            key,
            format!("`{key}` must be a string, not {}", other.type_name()),
        )),
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// A list of strings, also accepted as one string (split at commas when `split_commas`).
fn string_list(key: &str, val: Val, src: &MetaSource, split_commas: bool) -> Result<Vec<String>> {
    let items = match val {
        Val::Null => return Ok(Vec::new()),
        Val::List(items) => items,
        Val::Str(s) if split_commas => {
            return Ok(s
                .split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect());
        }
        other @ (Val::Str(_) | Val::Num(_)) => vec![other],
        other => {
            return Err(src.error(
                key,
                format!(
                    "`{key}` must be a string or a list of strings, not {}",
                    other.type_name()
                ),
            ));
        }
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Val::Str(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
            Val::Str(_) | Val::Null => {}
            Val::Num(n) => out.push(format_number(n)),
            // `author: [{name: X}]` is common in Pandoc front matter.
            Val::Map(entries) => {
                if let Some((_, Val::Str(name))) = entries.iter().find(|(k, _)| k == "name") {
                    out.push(name.trim().to_string());
                } else {
                    return Err(src.error(key, format!("an entry of `{key}` is a table without a `name`")));
                }
            }
            other => {
                return Err(src.error(
                    key,
                    format!("entries of `{key}` must be strings, not {}", other.type_name()),
                ));
            }
        }
    }
    Ok(out)
}

fn table(key: &str, val: Val, src: &MetaSource) -> Result<Vec<(String, Val)>> {
    match val {
        Val::Map(entries) => Ok(entries),
        Val::Null => Ok(Vec::new()),
        other => Err(src.error(
            key,
            format!("`{key}` must be a table of settings, not {}", other.type_name()),
        )),
    }
}

fn boolean(key: &str, val: Val, src: &MetaSource) -> Result<bool> {
    match val {
        Val::Bool(b) => Ok(b),
        other => Err(src.error(
            key,
            format!("`{key}` must be true or false, not {}", other.type_name()),
        )),
    }
}

fn read_pdf(val: Val, src: &MetaSource, pdf: &mut PdfSettings, warnings: &mut Vec<Warning>) -> Result<()> {
    for (key, val) in table("pdf", val, src)? {
        match key.as_str() {
            "page-size" => {
                let text = scalar(&key, val, src)?.unwrap_or_default();
                pdf.page_size = PageSize::parse(&text).ok_or_else(|| {
                    src.error(
                        &key,
                        format!("`{text}` is not a page size (a4, a5, letter, 6x9in, 210x297mm...)"),
                    )
                })?;
            }
            "margins" => pdf.margins = Some(margins(&key, val, src)?),
            "font-size" => match val {
                Val::Num(n) if (5.0..=30.0).contains(&n) => pdf.font_size = n as f32,
                other => {
                    return Err(src.error(
                        &key,
                        format!("`font-size` must be a number of points from 5 to 30, not {other:?}"),
                    ));
                }
            },
            "justify" => pdf.justify = boolean(&key, val, src)?,
            "two-sided" => pdf.two_sided = boolean(&key, val, src)?,
            "fonts" => read_fonts(val, src, &mut pdf.fonts, warnings)?,
            _ => src.unknown(&format!("pdf.{key}"), PDF_KEYS, warnings)?,
        }
    }
    Ok(())
}

/// Margins: one length for all four sides, or a list of 2 or 4 (top/bottom, sides; or top,
/// outer, bottom, inner).
fn margins(key: &str, val: Val, src: &MetaSource) -> Result<[f32; 4]> {
    let bad = || {
        src.error(
            key,
            "`margins` must be a length (`2cm`) or a list of 2 or 4 lengths".to_string(),
        )
    };
    let one = |v: &Val| -> Option<f32> {
        match v {
            Val::Str(s) => parse_length(s),
            Val::Num(n) if *n >= 0.0 && *n <= 7200.0 => Some(*n as f32),
            _ => None,
        }
    };
    match &val {
        Val::List(items) => {
            let v: Option<Vec<f32>> = items.iter().map(one).collect();
            match v.as_deref() {
                Some([tb, lr]) => Ok([*tb, *lr, *tb, *lr]),
                Some([t, o, b, i]) => Ok([*t, *o, *b, *i]),
                _ => Err(bad()),
            }
        }
        v => one(v).map(|m| [m; 4]).ok_or_else(bad),
    }
}

fn read_fonts(val: Val, src: &MetaSource, fonts: &mut FontPaths, warnings: &mut Vec<Warning>) -> Result<()> {
    for (key, val) in table("fonts", val, src)? {
        let path = scalar(&key, val, src)?;
        match key.as_str() {
            "regular" => fonts.regular = path,
            "italic" => fonts.italic = path,
            "bold" => fonts.bold = path,
            "bold-italic" => fonts.bold_italic = path,
            "mono" => fonts.mono = path,
            "mono-bold" => fonts.mono_bold = path,
            _ => src.unknown(&format!("pdf.fonts.{key}"), FONT_KEYS, warnings)?,
        }
    }
    Ok(())
}

fn read_epub(val: Val, src: &MetaSource, epub: &mut EpubSettings, warnings: &mut Vec<Warning>) -> Result<()> {
    for (key, val) in table("epub", val, src)? {
        match key.as_str() {
            "embed-fonts" => epub.embed_fonts = boolean(&key, val, src)?,
            _ => src.unknown(&format!("epub.{key}"), EPUB_KEYS, warnings)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Result<(RawMeta, Vec<Warning>)> {
        let src = MetaSource {
            path: Path::new("doc.md"),
            text,
            first_line: 2,
            syntax: Syntax::Yaml,
        };
        let mut w = Vec::new();
        let v = parse_yaml(&src)?;
        read_meta(v, &src, &mut w).map(|m| (m, w))
    }

    fn toml_meta(text: &str) -> Result<RawMeta> {
        let src = MetaSource {
            path: Path::new("folio.toml"),
            text,
            first_line: 1,
            syntax: Syntax::Toml,
        };
        let v = parse_toml(&src)?;
        read_meta(v, &src, &mut Vec::new())
    }

    #[test]
    fn yaml_fields() {
        let (m, w) =
            yaml("title: A & B\nauthor: [Ann, Bob]\nkeywords: x, y\nlang: fr\ndate: 2024-05-01\nfoo: 1\n")
                .unwrap();
        assert_eq!(m.title.as_deref(), Some("A & B"));
        assert_eq!(m.authors, ["Ann", "Bob"]);
        assert_eq!(m.keywords, ["x", "y"]);
        assert_eq!(m.lang.as_deref(), Some("fr"));
        assert_eq!(m.date.as_deref(), Some("2024-05-01"));
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].line, Some(7));
        assert!(w[0].message.contains("`foo`"));
    }

    #[test]
    fn yaml_wrong_type_names_key_and_line() {
        let err = yaml("title: ok\nauthor:\n  nested: {a: 1}\n").unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("doc.md:3"), "{msg}");
        assert!(msg.contains("`author`"), "{msg}");
        let err = yaml("title: [a, b]\n").unwrap_err().to_string();
        assert!(err.contains("`title` must be a string"), "{err}");
    }

    #[test]
    fn yaml_syntax_error_has_line() {
        let err = yaml("title: ok\nbad: [unclosed\n").unwrap_err().to_string();
        assert!(err.starts_with("doc.md:"), "{err}");
    }

    #[test]
    fn yaml_alias_bomb_is_bounded() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        // Either refused or read without expanding 10^12 nodes; never a hang.
        let _ = yaml(&bomb);
    }

    #[test]
    fn deep_flow_collections_are_refused_before_parsing() {
        let deep = format!("title: {}x{}\n", "[".repeat(100_000), "]".repeat(100_000));
        let err = yaml(&deep).unwrap_err().to_string();
        assert!(
            err.contains("doc.md:2") && err.contains("nested more than 128"),
            "{err}"
        );
        assert_eq!(flow_depth("a: [1, {b: [2]}]\nc: \"[[[[\" # [[[[\nd: '[['\n"), 3);
        let (m, _) = yaml("title: \"[[[\"\nkeywords: [a, b]\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.title.as_deref(), Some("[[["));
    }

    #[test]
    fn toml_unknown_key_is_error() {
        let err = toml_meta("title = \"x\"\ntitel = \"y\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("folio.toml:2"), "{err}");
        assert!(err.contains("`titel`"), "{err}");
        let err = toml_meta("[pdf]\npage-sise = \"a4\"\n").unwrap_err().to_string();
        assert!(err.contains("pdf.page-sise"), "{err}");
    }

    #[test]
    fn toml_settings() {
        let m = toml_meta("chapters = [\"a.md\"]\n[pdf]\npage-size = \"a5\"\nmargins = [\"2cm\", \"1.5cm\"]\njustify = false\n[pdf.fonts]\nregular = \"f.ttf\"\n").unwrap();
        assert_eq!(m.chapters.unwrap(), ["a.md"]);
        assert_eq!(m.pdf.page_size, PageSize::A5);
        assert!(!m.pdf.justify);
        assert_eq!(m.pdf.fonts.regular.as_deref(), Some("f.ttf"));
        let mg = m.pdf.margins.unwrap();
        assert!((mg[0] - 56.69).abs() < 0.01 && (mg[1] - 42.52).abs() < 0.01);
    }
}
