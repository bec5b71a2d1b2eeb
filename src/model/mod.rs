//! The document model: what the front end produces and both backends read.
//!
//! Plain data only. Nothing here performs I/O or knows about Markdown syntax, PDF or EPUB:
//! the front end fills it in once (text, structure, resolved links, numbered footnotes,
//! measured images) and every backend renders from it.

pub mod settings;
pub mod slug;
pub mod text;

use serde::Serialize;

pub use settings::{EpubSettings, FontPaths, PageSize, PdfSettings, Settings};

/// One document to export: an article, or a whole book made of chapters.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub meta: Metadata,
    /// Source files, as paths relative to the input root (`/`-separated). `SourcePos::file`
    /// indexes this list.
    pub files: Vec<String>,
    pub chapters: Vec<Chapter>,
    /// Footnotes in the order of their first reference; `Footnote::number` is index + 1.
    pub footnotes: Vec<Footnote>,
    /// Every distinct image the document uses, read and measured once.
    pub images: Vec<Image>,
    /// Export settings from `folio.toml` or front matter.
    pub settings: Settings,
    /// Stable name for output files, made from the title (never empty, file-system safe).
    pub slug: String,
}

/// Bibliographic data, from front matter or `folio.toml`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metadata {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    pub authors: Vec<String>,
    /// BCP 47 language tag; `en-US` when the source says nothing.
    pub lang: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub keywords: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Index into `Document::images` of the cover image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cover: Option<usize>,
    /// Seconds since the Unix epoch used for every date the outputs carry: `SOURCE_DATE_EPOCH`
    /// when set, else the modification time of the newest input file.
    pub modified: i64,
}

impl Metadata {
    /// Writing direction of the document's language.
    pub fn direction(&self) -> Direction {
        Direction::of_lang(&self.lang)
    }
}

/// Horizontal writing direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ltr,
    Rtl,
}

impl Direction {
    /// Direction of a BCP 47 language tag (Arabic, Hebrew, Persian, Urdu... are right to left).
    pub fn of_lang(lang: &str) -> Direction {
        let primary = lang.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "ar" | "he" | "iw" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug" | "dv" | "ckb" | "syr" => {
                Direction::Rtl
            }
            _ => Direction::Ltr,
        }
    }
}

/// One chapter: a file of a book, or the whole of a single-file document.
#[derive(Debug, Clone, Serialize)]
pub struct Chapter {
    /// Index into `Document::files`.
    pub file: usize,
    /// Plain-text title: the chapter's first heading, else the file name.
    pub title: String,
    /// Unique id of the chapter start (a link to the file itself lands here).
    pub id: String,
    pub blocks: Vec<Block>,
}

/// Where a block came from, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SourcePos {
    /// Index into `Document::files`.
    pub file: usize,
    /// 1-based line.
    pub line: u32,
}

/// A block with its source position.
#[derive(Debug, Clone, Serialize)]
pub struct Block {
    pub pos: SourcePos,
    #[serde(flatten)]
    pub kind: BlockKind,
}

/// The block-level constructs.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockKind {
    Paragraph {
        content: Vec<Inline>,
    },
    Heading {
        /// 1 to 6.
        level: u8,
        /// Unique in the document; stable across runs.
        id: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        classes: Vec<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        attrs: Vec<(String, String)>,
        content: Vec<Inline>,
    },
    BlockQuote {
        /// GitHub alert kind (`> [!NOTE]`), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        alert: Option<Alert>,
        blocks: Vec<Block>,
    },
    CodeBlock {
        /// First word of the fence's info string (`rust` in ```` ```rust,ignore ````).
        #[serde(skip_serializing_if = "Option::is_none")]
        lang: Option<String>,
        /// The whole info string.
        #[serde(skip_serializing_if = "String::is_empty")]
        info: String,
        /// The code, always ending without a trailing newline.
        code: String,
    },
    List {
        /// First number of an ordered list; `None` for a bullet list.
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<u64>,
        /// Tight lists have no space between their items.
        tight: bool,
        items: Vec<ListItem>,
    },
    DefinitionList {
        items: Vec<Definition>,
    },
    Table {
        aligns: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
    },
    /// An image standing alone, with its caption.
    Figure {
        image: usize,
        alt: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        caption: Vec<Inline>,
    },
    /// Display math, as its TeX source.
    Math {
        source: String,
    },
    ThematicBreak,
    /// A grouping from raw HTML (`<div dir="rtl">`): carries direction and language.
    Division {
        #[serde(skip_serializing_if = "Option::is_none")]
        dir: Option<Direction>,
        #[serde(skip_serializing_if = "Option::is_none")]
        lang: Option<String>,
        blocks: Vec<Block>,
    },
    /// Where a table of contents belongs (`[TOC]` on a line of its own).
    TableOfContents,
}

/// GitHub alert kinds for block quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Alert {
    Note,
    Tip,
    Important,
    Warning,
    Caution,
}

/// One item of a list.
#[derive(Debug, Clone, Serialize)]
pub struct ListItem {
    /// `Some(checked)` for a task-list item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<bool>,
    pub blocks: Vec<Block>,
}

/// A term of a definition list and its definitions.
#[derive(Debug, Clone, Serialize)]
pub struct Definition {
    pub term: Vec<Inline>,
    pub definitions: Vec<Vec<Block>>,
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// The inline constructs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Inline {
    /// Text, with smart punctuation applied; soft line breaks are spaces.
    Text {
        text: String,
    },
    Emphasis {
        content: Vec<Inline>,
    },
    Strong {
        content: Vec<Inline>,
    },
    Strikethrough {
        content: Vec<Inline>,
    },
    Superscript {
        content: Vec<Inline>,
    },
    Subscript {
        content: Vec<Inline>,
    },
    Code {
        code: String,
    },
    /// Inline math, as its TeX source.
    Math {
        source: String,
    },
    Link {
        target: LinkTarget,
        #[serde(skip_serializing_if = "String::is_empty")]
        title: String,
        content: Vec<Inline>,
    },
    Image {
        /// Index into `Document::images`.
        image: usize,
        alt: String,
        #[serde(skip_serializing_if = "String::is_empty")]
        title: String,
    },
    /// Reference to `Document::footnotes[number - 1]`.
    FootnoteRef {
        number: u32,
    },
    /// A link target with no visible content (`<a id="x"></a>`).
    Anchor {
        id: String,
    },
    LineBreak,
}

/// Where a link goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkTarget {
    /// A URL outside the document (http, https, mailto...).
    External { url: String },
    /// A heading, anchor or chapter start of this document.
    Internal { chapter: usize, id: String },
    /// A link the front end could not resolve (already warned about); rendered as text.
    Unresolved { href: String },
}

/// A footnote definition, numbered in order of first reference.
#[derive(Debug, Clone, Serialize)]
pub struct Footnote {
    pub number: u32,
    pub label: String,
    /// Chapter holding the first reference.
    pub chapter: usize,
    pub blocks: Vec<Block>,
}

/// An image resource, shared by every place that shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    /// The path or URL as written in the source.
    pub src: String,
    /// Path relative to the input root, when the image is a local file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub format: ImageFormat,
    /// Natural size in pixels (for SVG, CSS pixels at 96 per inch).
    pub width: f32,
    pub height: f32,
    /// The file's bytes (empty when missing).
    #[serde(skip)]
    pub data: Vec<u8>,
}

impl Image {
    /// Whether the image could be read and decoded.
    pub fn is_available(&self) -> bool {
        self.format != ImageFormat::Missing
    }

    /// MIME media type of the image data.
    pub fn media_type(&self) -> &'static str {
        self.format.media_type()
    }
}

/// Image file formats folio understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
    Svg,
    /// Not found, remote, or unreadable: shown as its alt text.
    Missing,
}

impl ImageFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
            ImageFormat::Svg => "image/svg+xml",
            ImageFormat::Missing => "application/octet-stream",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
            ImageFormat::Svg => "svg",
            ImageFormat::Missing => "bin",
        }
    }
}

impl Document {
    /// Every heading of the document in order: (chapter index, level, id, plain-text title).
    /// Headings inside quotes, lists and divisions are included.
    pub fn headings(&self) -> Vec<HeadingRef<'_>> {
        let mut out = Vec::new();
        for (ci, chapter) in self.chapters.iter().enumerate() {
            visit_blocks(&chapter.blocks, &mut |block| {
                if let BlockKind::Heading {
                    level, id, content, ..
                } = &block.kind
                {
                    out.push(HeadingRef {
                        chapter: ci,
                        level: *level,
                        id,
                        title: text::plain_text(content),
                        content,
                    });
                }
            });
        }
        out
    }

    /// The display path of a source file.
    pub fn file_name(&self, file: usize) -> &str {
        self.files.get(file).map(String::as_str).unwrap_or("?")
    }
}

/// A heading found by `Document::headings`.
#[derive(Debug, Clone)]
pub struct HeadingRef<'a> {
    pub chapter: usize,
    pub level: u8,
    pub id: &'a str,
    pub title: String,
    pub content: &'a [Inline],
}

/// Calls `f` on every block, depth first, in document order (containers before their content).
pub fn visit_blocks<'a>(blocks: &'a [Block], f: &mut impl FnMut(&'a Block)) {
    for block in blocks {
        f(block);
        match &block.kind {
            BlockKind::BlockQuote { blocks, .. } | BlockKind::Division { blocks, .. } => {
                visit_blocks(blocks, f)
            }
            BlockKind::List { items, .. } => {
                for item in items {
                    visit_blocks(&item.blocks, f);
                }
            }
            BlockKind::DefinitionList { items } => {
                for item in items {
                    for def in &item.definitions {
                        visit_blocks(def, f);
                    }
                }
            }
            _ => {}
        }
    }
}
