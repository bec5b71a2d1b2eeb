//! Markdown to model: runs pulldown-cmark over one source file and builds its blocks.
//!
//! A stack of open frames mirrors pulldown-cmark's start/end events. Raw HTML goes through
//! the same stack: simple tags map onto model elements, anything else leaves its text, with
//! a warning. Nesting deeper than `MAX_DEPTH` is flattened (with a warning) so that every
//! later recursive walk over the model stays shallow.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};

use super::html::{self, Token};
use super::images::{ImageSite, ImageStore};
use super::source::LineIndex;
use crate::diagnostics::{Warning, WarningKind};
use crate::error::Result;
use crate::model::slug::{IdRegistry, clean_id, slugify};
use crate::model::text::plain_text;
use crate::model::{
    Alert, Align, Block, BlockKind, Definition, Direction, Inline, LinkTarget, ListItem, SourcePos,
};

/// Deepest nesting of containers (block or inline) kept as structure.
pub const MAX_DEPTH: usize = 40;

/// Longest link target kept as a link (the practical limit of URLs on the web).
pub const MAX_LINK_BYTES: usize = 2048;

/// The Markdown extensions folio reads.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
        | Options::ENABLE_DEFINITION_LIST
        | Options::ENABLE_SUPERSCRIPT
        | Options::ENABLE_SUBSCRIPT
}

/// Numbers footnote references across a whole document, in order of first reference.
#[derive(Debug, Default)]
pub struct FootnoteNumbers {
    numbers: HashMap<(usize, String), u32>,
    /// (file, label) of each number, in number order.
    pub order: Vec<(usize, String)>,
}

impl FootnoteNumbers {
    pub fn number_for(&mut self, file: usize, label: &str) -> u32 {
        let key = (file, normalize_label(label));
        if let Some(&n) = self.numbers.get(&key) {
            return n;
        }
        self.order.push(key.clone());
        let n = self.order.len() as u32;
        self.numbers.insert(key, n);
        n
    }

    pub fn lookup(&self, file: usize, label: &str) -> Option<u32> {
        self.numbers.get(&(file, normalize_label(label))).copied()
    }
}

/// Footnote labels match case-insensitively, with runs of spaces folded.
pub fn normalize_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What one file holds besides its blocks.
#[derive(Debug, Default)]
pub struct Converted {
    pub blocks: Vec<Block>,
    /// YAML front matter text and the line of its first line.
    pub front_matter: Option<(String, u32)>,
    /// Footnote definitions: label, content, position.
    pub footnote_defs: Vec<(String, Vec<Block>, SourcePos)>,
}

/// Document-wide state the conversion of one file reads and extends.
pub struct Context<'a> {
    pub file: usize,
    pub display: &'a str,
    pub base_dir: &'a Path,
    pub images: &'a mut ImageStore,
    pub ids: &'a mut IdRegistry,
    pub footnotes: &'a mut FootnoteNumbers,
    pub warnings: &'a mut Vec<Warning>,
}

/// A file's Markdown after pulldown-cmark's first pass (its block structure), ready to
/// convert: a book parses its next chapter while it converts the one before.
pub struct Parsed<'t>(Parser<'t>);

/// Parses `text` (see `Parsed`).
pub fn parser(text: &str) -> Parsed<'_> {
    Parsed(Parser::new_ext(text, options()))
}

/// Converts the Markdown `text` of one file.
pub fn convert(text: &str, ctx: &mut Context) -> Result<Converted> {
    convert_parsed(text, parser(text), ctx)
}

/// Converts the Markdown `text` of one file with its `parser` (see `parser`).
pub fn convert_parsed<'t>(text: &'t str, parsed: Parsed<'t>, ctx: &mut Context) -> Result<Converted> {
    let mut conv = Converter {
        ctx,
        lines: LineIndex::new(text),
        stack: Stack::new(Frame::Blocks {
            kind: BlocksKind::Root,
            blocks: Vec::new(),
            pos: SourcePos { file: 0, line: 1 },
        }),
        out: Converted::default(),
        pending_anchors: Vec::new(),
        warned_tags: HashSet::new(),
        warned_depth: false,
        pos: SourcePos { file: 0, line: 1 },
        fatal: None,
    };
    conv.pos.file = conv.ctx.file;
    let mut line = 0;
    for (event, range) in parsed.0.into_offset_iter() {
        conv.pos = SourcePos {
            file: conv.ctx.file,
            line: conv.lines.line_near(&mut line, range.start),
        };
        conv.event(event)?;
    }
    conv.finish()
}

#[derive(Debug)]
enum BlocksKind {
    Root,
    Quote(Option<Alert>),
    Item {
        task: Option<bool>,
        explicit_para: bool,
    },
    Footnote(String),
    Definition,
    /// From `<div>`: closed by `</div>`, never by a Markdown end event.
    Division {
        dir: Option<Direction>,
        lang: Option<String>,
    },
}

#[derive(Debug)]
enum InlinesKind {
    /// `implicit`: opened for text outside any paragraph (tight list items, HTML text).
    /// `html`: opened by `<p>`.
    Paragraph {
        implicit: bool,
        html: bool,
    },
    Heading {
        level: u8,
        explicit_id: Option<String>,
        classes: Vec<String>,
        attrs: Vec<(String, String)>,
        html: bool,
    },
    Emphasis,
    Strong,
    Strikethrough,
    Superscript,
    Subscript,
    Link {
        href: String,
        title: String,
    },
    Image {
        src: String,
        title: String,
    },
    Cell,
    Term,
    /// An inline HTML element, closed by its end tag.
    HtmlSpan {
        tag: String,
        style: SpanStyle,
    },
}

#[derive(Debug)]
enum SpanStyle {
    Plain,
    Emphasis,
    Strong,
    Strikethrough,
    Superscript,
    Subscript,
    Code,
    Link { href: String, title: String },
}

#[derive(Debug)]
enum Frame {
    Blocks {
        kind: BlocksKind,
        blocks: Vec<Block>,
        pos: SourcePos,
    },
    Inlines {
        kind: InlinesKind,
        content: Vec<Inline>,
        pos: SourcePos,
        /// Display math met inside a paragraph: (index in content, source).
        display_math: Vec<(usize, String)>,
        /// Caption for a lone image, should this paragraph turn out to be a figure.
        figure_caption: Option<Vec<Inline>>,
    },
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
        loose: bool,
        pos: SourcePos,
    },
    Table {
        aligns: Vec<Align>,
        head: Vec<Vec<Inline>>,
        rows: Vec<Vec<Vec<Inline>>>,
        in_head: bool,
        pos: SourcePos,
    },
    DefList {
        items: Vec<Definition>,
        pos: SourcePos,
    },
    Code {
        lang: Option<String>,
        info: String,
        code: String,
        pos: SourcePos,
        html: bool,
    },
    RawHtml {
        raw: String,
    },
    Metadata {
        raw: String,
        pos: SourcePos,
    },
    /// A container nested too deeply: its content goes to the frame below. Closed by the
    /// Markdown end event `end`, or by the HTML end tag `html`.
    Flattened {
        end: Option<TagEnd>,
        html: Option<String>,
    },
    /// Inside `<script>`, `<style>` and the like: everything is dropped until the end tag.
    Skip {
        tag: String,
    },
}

impl Frame {
    fn inlines(kind: InlinesKind, pos: SourcePos) -> Frame {
        Frame::Inlines {
            kind,
            content: Vec::new(),
            pos,
            display_math: Vec::new(),
            figure_caption: None,
        }
    }

    /// Whether this frame is the one a Markdown end event closes.
    fn closed_by(&self, end: &TagEnd) -> bool {
        match (self, end) {
            (Frame::Blocks { kind, .. }, _) => matches!(
                (kind, end),
                (BlocksKind::Quote(_), TagEnd::BlockQuote(_))
                    | (BlocksKind::Item { .. }, TagEnd::Item)
                    | (BlocksKind::Footnote(_), TagEnd::FootnoteDefinition)
                    | (BlocksKind::Definition, TagEnd::DefinitionListDefinition)
            ),
            (Frame::Inlines { kind, .. }, _) => matches!(
                (kind, end),
                (
                    InlinesKind::Paragraph {
                        implicit: false,
                        html: false
                    },
                    TagEnd::Paragraph
                ) | (InlinesKind::Heading { html: false, .. }, TagEnd::Heading(_))
                    | (InlinesKind::Emphasis, TagEnd::Emphasis)
                    | (InlinesKind::Strong, TagEnd::Strong)
                    | (InlinesKind::Strikethrough, TagEnd::Strikethrough)
                    | (InlinesKind::Superscript, TagEnd::Superscript)
                    | (InlinesKind::Subscript, TagEnd::Subscript)
                    | (InlinesKind::Link { .. }, TagEnd::Link)
                    | (InlinesKind::Image { .. }, TagEnd::Image)
                    | (InlinesKind::Cell, TagEnd::TableCell)
                    | (InlinesKind::Term, TagEnd::DefinitionListTitle)
            ),
            (Frame::List { .. }, TagEnd::List(_)) => true,
            (Frame::Table { .. }, TagEnd::Table) => true,
            (Frame::DefList { .. }, TagEnd::DefinitionList) => true,
            (Frame::Code { html: false, .. }, TagEnd::CodeBlock) => true,
            (Frame::RawHtml { .. }, TagEnd::HtmlBlock) => true,
            (Frame::Metadata { .. }, TagEnd::MetadataBlock(_)) => true,
            (Frame::Flattened { end: Some(e), .. }, _) => e == end,
            _ => false,
        }
    }

    fn is_structural(&self) -> bool {
        !matches!(self, Frame::Flattened { .. } | Frame::Skip { .. })
    }

    /// The HTML end tag that can close this frame (see `Converter::html_end`); headings
    /// count under `h`.
    fn html_tag(&self) -> Option<&str> {
        match self {
            Frame::Inlines {
                kind: InlinesKind::HtmlSpan { tag, .. },
                ..
            } => Some(tag),
            Frame::Inlines {
                kind: InlinesKind::Paragraph { html: true, .. },
                ..
            } => Some("p"),
            Frame::Inlines {
                kind: InlinesKind::Heading { html: true, .. },
                ..
            } => Some("h"),
            Frame::Code { html: true, .. } => Some("pre"),
            Frame::Blocks {
                kind: BlocksKind::Division { .. },
                ..
            } => Some("div"),
            Frame::Flattened { html: Some(tag), .. } => Some(tag),
            _ => None,
        }
    }
}

/// The open frames, with an index of the structural ones (everything but flattened and
/// skipped frames) and a count of the HTML elements open by name, so that finding the
/// innermost container or an HTML element to close never walks a pile of flattened frames:
/// 10,000 levels of nesting stay linear.
struct Stack {
    frames: Vec<Frame>,
    /// Indices into `frames` of the structural frames, bottom to top.
    structural: Vec<usize>,
    /// Open frames an HTML end tag can close, by tag name.
    html_open: HashMap<String, usize>,
}

impl Stack {
    fn new(root: Frame) -> Stack {
        let mut stack = Stack {
            frames: Vec::new(),
            structural: Vec::new(),
            html_open: HashMap::new(),
        };
        stack.push(root);
        stack
    }

    fn push(&mut self, frame: Frame) {
        if frame.is_structural() {
            self.structural.push(self.frames.len());
        }
        if let Some(tag) = frame.html_tag() {
            *self.html_open.entry(tag.to_string()).or_default() += 1;
        }
        self.frames.push(frame);
    }

    fn pop(&mut self) -> Option<Frame> {
        let frame = self.frames.pop()?;
        if self.structural.last() == Some(&self.frames.len()) {
            self.structural.pop();
        }
        if let Some(tag) = frame.html_tag()
            && let Some(n) = self.html_open.get_mut(tag)
        {
            *n -= 1;
            if *n == 0 {
                self.html_open.remove(tag);
            }
        }
        Some(frame)
    }

    /// Number of structural frames.
    fn depth(&self) -> usize {
        self.structural.len()
    }

    /// Index of the innermost structural frame.
    fn top_structural(&self) -> Option<usize> {
        self.structural.last().copied()
    }

    /// Indices of the structural frames, innermost first.
    fn structural_rev(&self) -> impl Iterator<Item = usize> + '_ {
        self.structural.iter().rev().copied()
    }

    /// Whether a frame an HTML end tag `</name>` could close is open.
    fn html_is_open(&self, name: &str) -> bool {
        self.html_open.contains_key(name)
    }
}

impl std::ops::Deref for Stack {
    type Target = [Frame];
    fn deref(&self) -> &[Frame] {
        &self.frames
    }
}

impl std::ops::DerefMut for Stack {
    fn deref_mut(&mut self) -> &mut [Frame] {
        &mut self.frames
    }
}

/// What finishing a frame hands to the frame below it.
enum Finished {
    Blocks(Vec<Block>),
    Inlines(Vec<Inline>),
    Item(ListItem),
    Term(Vec<Inline>),
    Definition(Vec<Block>),
    Cell(Vec<Inline>),
    Nothing,
}

struct Converter<'c, 'a> {
    ctx: &'c mut Context<'a>,
    lines: LineIndex,
    stack: Stack,
    out: Converted,
    /// Anchors met outside any text, waiting for the next paragraph or heading.
    pending_anchors: Vec<Inline>,
    warned_tags: HashSet<String>,
    warned_depth: bool,
    pos: SourcePos,
    /// First error met where it could not be returned at once.
    fatal: Option<crate::error::Error>,
}

impl Converter<'_, '_> {
    fn depth(&self) -> usize {
        self.stack.depth()
    }

    fn warn(&mut self, kind: WarningKind, message: String) {
        self.ctx
            .warnings
            .push(Warning::new(kind, self.ctx.display, self.pos.line, message));
    }

    /// Pushes a container frame, or a flattened stand-in when nesting is too deep.
    fn open(&mut self, frame: Frame, end: TagEnd) {
        self.open_as(frame, Some(end), None)
    }

    /// Pushes a container frame opened by the HTML tag `tag`.
    fn open_html(&mut self, frame: Frame, tag: &str) {
        self.open_as(frame, None, Some(tag.to_string()))
    }

    fn open_as(&mut self, frame: Frame, end: Option<TagEnd>, html: Option<String>) {
        // An item, cell or definition is always opened inside its list, table or definition
        // list (one level past the limit at most): flattened, its text would have nowhere to go.
        let child_of_open_container = matches!(
            (&frame, self.stack.top_structural().map(|i| &self.stack[i])),
            (
                Frame::Blocks {
                    kind: BlocksKind::Item { .. },
                    ..
                },
                Some(Frame::List { .. })
            ) | (
                Frame::Inlines {
                    kind: InlinesKind::Cell,
                    ..
                },
                Some(Frame::Table { .. })
            ) | (
                Frame::Inlines {
                    kind: InlinesKind::Term,
                    ..
                } | Frame::Blocks {
                    kind: BlocksKind::Definition,
                    ..
                },
                Some(Frame::DefList { .. })
            )
        );
        if self.depth() >= MAX_DEPTH && !child_of_open_container {
            if !self.warned_depth {
                self.warned_depth = true;
                self.warn(
                    WarningKind::TooDeep,
                    format!("content nested more than {MAX_DEPTH} levels deep is flattened"),
                );
            }
            self.stack.push(Frame::Flattened { end, html });
        } else {
            self.stack.push(frame);
        }
    }

    fn skipping(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Skip { .. }))
    }

    fn event(&mut self, event: Event) -> Result<()> {
        if self.skipping() {
            match event {
                Event::Html(t) | Event::InlineHtml(t) => return self.html(&t, false),
                // Markdown structure ends an unclosed `<script>` and the like.
                Event::Start(_) | Event::End(_) => {
                    self.stack.pop();
                }
                _ => return Ok(()),
            }
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t) => {
                match self.stack.last_mut() {
                    Some(Frame::Code { code, .. }) => code.push_str(&t),
                    Some(Frame::RawHtml { raw, .. }) | Some(Frame::Metadata { raw, .. }) => raw.push_str(&t),
                    _ => self.text(&t),
                }
                Ok(())
            }
            Event::Code(c) => {
                self.inline(Inline::Code { code: c.to_string() });
                Ok(())
            }
            Event::InlineMath(m) => {
                self.inline(Inline::Math {
                    source: m.to_string(),
                });
                Ok(())
            }
            Event::DisplayMath(m) => {
                self.display_math(m.to_string());
                Ok(())
            }
            Event::Html(h) => {
                if let Some(Frame::RawHtml { raw, .. }) = self.stack.last_mut() {
                    raw.push_str(&h);
                    Ok(())
                } else {
                    self.html(&h, true)
                }
            }
            Event::InlineHtml(h) => self.html(&h, false),
            Event::FootnoteReference(label) => {
                let number = self.ctx.footnotes.number_for(self.ctx.file, &label);
                self.inline(Inline::FootnoteRef { number });
                Ok(())
            }
            Event::SoftBreak => {
                self.text(" ");
                Ok(())
            }
            Event::HardBreak => {
                self.inline(Inline::LineBreak);
                Ok(())
            }
            Event::Rule => {
                self.block(BlockKind::ThematicBreak, self.pos);
                Ok(())
            }
            Event::TaskListMarker(checked) => {
                let item = self.stack.structural_rev().find(|&i| {
                    matches!(
                        self.stack[i],
                        Frame::Blocks {
                            kind: BlocksKind::Item { .. },
                            ..
                        }
                    )
                });
                if let Some(i) = item
                    && let Frame::Blocks {
                        kind: BlocksKind::Item { task, .. },
                        ..
                    } = &mut self.stack[i]
                {
                    *task = Some(checked);
                }
                Ok(())
            }
        }
    }

    fn start(&mut self, tag: Tag) -> Result<()> {
        let pos = self.pos;
        match tag {
            Tag::Paragraph => {
                self.close_inline_frames();
                if let Some(Frame::Blocks {
                    kind: BlocksKind::Item { explicit_para, .. },
                    ..
                }) = self.stack.last_mut()
                {
                    *explicit_para = true;
                }
                self.open(
                    Frame::inlines(
                        InlinesKind::Paragraph {
                            implicit: false,
                            html: false,
                        },
                        pos,
                    ),
                    TagEnd::Paragraph,
                );
            }
            Tag::Heading {
                level,
                id,
                classes,
                attrs,
            } => {
                self.close_inline_frames();
                let kind = InlinesKind::Heading {
                    level: heading_level(level),
                    explicit_id: id.map(|i| i.to_string()),
                    classes: classes.iter().map(|c| c.to_string()).collect(),
                    attrs: attrs
                        .iter()
                        .map(|(k, v)| {
                            (
                                k.to_string(),
                                v.as_ref().map(|v| v.to_string()).unwrap_or_default(),
                            )
                        })
                        .collect(),
                    html: false,
                };
                self.open(Frame::inlines(kind, pos), TagEnd::Heading(level));
            }
            Tag::BlockQuote(kind) => {
                self.close_inline_frames();
                let alert = kind.map(|k| match k {
                    BlockQuoteKind::Note => Alert::Note,
                    BlockQuoteKind::Tip => Alert::Tip,
                    BlockQuoteKind::Important => Alert::Important,
                    BlockQuoteKind::Warning => Alert::Warning,
                    BlockQuoteKind::Caution => Alert::Caution,
                });
                self.open(
                    Frame::Blocks {
                        kind: BlocksKind::Quote(alert),
                        blocks: Vec::new(),
                        pos,
                    },
                    TagEnd::BlockQuote(kind),
                );
            }
            Tag::CodeBlock(kind) => {
                self.close_inline_frames();
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.trim().to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                let lang = info
                    .split(|c: char| c == ',' || c == '{' || c.is_whitespace())
                    .next()
                    .filter(|l| !l.is_empty())
                    .map(str::to_string);
                // Code blocks hold no containers: they never count toward the depth limit.
                self.stack.push(Frame::Code {
                    lang,
                    info,
                    code: String::new(),
                    pos,
                    html: false,
                });
            }
            Tag::HtmlBlock => {
                self.close_inline_frames();
                self.stack.push(Frame::RawHtml { raw: String::new() });
            }
            Tag::List(start) => {
                self.close_inline_frames();
                self.open(
                    Frame::List {
                        start,
                        items: Vec::new(),
                        loose: false,
                        pos,
                    },
                    TagEnd::List(start.is_some()),
                );
            }
            Tag::Item => self.open(
                Frame::Blocks {
                    kind: BlocksKind::Item {
                        task: None,
                        explicit_para: false,
                    },
                    blocks: Vec::new(),
                    pos,
                },
                TagEnd::Item,
            ),
            Tag::FootnoteDefinition(label) => {
                self.close_inline_frames();
                // Footnote bodies never nest inside the frames around them.
                self.stack.push(Frame::Blocks {
                    kind: BlocksKind::Footnote(label.to_string()),
                    blocks: Vec::new(),
                    pos,
                });
            }
            Tag::DefinitionList => {
                self.close_inline_frames();
                self.open(
                    Frame::DefList {
                        items: Vec::new(),
                        pos,
                    },
                    TagEnd::DefinitionList,
                );
            }
            Tag::DefinitionListTitle => self.open(
                Frame::inlines(InlinesKind::Term, pos),
                TagEnd::DefinitionListTitle,
            ),
            Tag::DefinitionListDefinition => self.open(
                Frame::Blocks {
                    kind: BlocksKind::Definition,
                    blocks: Vec::new(),
                    pos,
                },
                TagEnd::DefinitionListDefinition,
            ),
            Tag::Table(aligns) => {
                self.close_inline_frames();
                let aligns = aligns
                    .iter()
                    .map(|a| match a {
                        Alignment::None => Align::None,
                        Alignment::Left => Align::Left,
                        Alignment::Center => Align::Center,
                        Alignment::Right => Align::Right,
                    })
                    .collect();
                self.open(
                    Frame::Table {
                        aligns,
                        head: Vec::new(),
                        rows: Vec::new(),
                        in_head: false,
                        pos,
                    },
                    TagEnd::Table,
                );
            }
            Tag::TableHead => {
                if let Some(Frame::Table { in_head, .. }) = self.stack.last_mut() {
                    *in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(Frame::Table { rows, .. }) = self.stack.last_mut() {
                    rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.open(Frame::inlines(InlinesKind::Cell, pos), TagEnd::TableCell),
            Tag::Emphasis => self.open(Frame::inlines(InlinesKind::Emphasis, pos), TagEnd::Emphasis),
            Tag::Strong => self.open(Frame::inlines(InlinesKind::Strong, pos), TagEnd::Strong),
            Tag::Strikethrough => self.open(
                Frame::inlines(InlinesKind::Strikethrough, pos),
                TagEnd::Strikethrough,
            ),
            Tag::Superscript => self.open(Frame::inlines(InlinesKind::Superscript, pos), TagEnd::Superscript),
            Tag::Subscript => self.open(Frame::inlines(InlinesKind::Subscript, pos), TagEnd::Subscript),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let href = match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.to_string(),
                };
                self.open(
                    Frame::inlines(
                        InlinesKind::Link {
                            href,
                            title: title.to_string(),
                        },
                        pos,
                    ),
                    TagEnd::Link,
                );
            }
            Tag::Image { dest_url, title, .. } => self.open(
                Frame::inlines(
                    InlinesKind::Image {
                        src: dest_url.to_string(),
                        title: title.to_string(),
                    },
                    pos,
                ),
                TagEnd::Image,
            ),
            Tag::MetadataBlock(_) => self.stack.push(Frame::Metadata {
                raw: String::new(),
                pos,
            }),
        }
        Ok(())
    }

    fn end(&mut self, end: TagEnd) -> Result<()> {
        match end {
            TagEnd::TableHead => {
                self.close_until(|f| matches!(f, Frame::Table { .. }))?;
                if let Some(Frame::Table { in_head, .. }) = self.stack.last_mut() {
                    *in_head = false;
                }
                return Ok(());
            }
            TagEnd::TableRow => return Ok(()),
            TagEnd::HtmlBlock => {
                if let Some(Frame::RawHtml { .. }) = self.stack.last()
                    && let Some(Frame::RawHtml { raw, .. }) = self.stack.pop()
                {
                    self.html_block(&raw)?;
                }
                return Ok(());
            }
            _ => {}
        }
        let Some(index) = self.stack.iter().rposition(|f| f.closed_by(&end)) else {
            return Ok(());
        };
        while self.stack.len() > index {
            self.close_top()?;
        }
        Ok(())
    }

    /// Closes frames above the nearest one matching `keep` (which stays open).
    fn close_until(&mut self, keep: impl Fn(&Frame) -> bool) -> Result<()> {
        if let Some(index) = self.stack.iter().rposition(keep) {
            while self.stack.len() > index + 1 {
                self.close_top()?;
            }
        }
        Ok(())
    }

    /// Closes open inline frames (and HTML paragraphs) so that a block can follow.
    fn close_inline_frames(&mut self) {
        while self.stack.len() > 1 {
            let inline = match self.stack.last() {
                Some(Frame::Inlines { .. } | Frame::Skip { .. }) => true,
                Some(Frame::Flattened { .. }) => {
                    matches!(self.top_structural_mut(), Some(Frame::Inlines { .. }))
                }
                _ => false,
            };
            if !inline {
                break;
            }
            self.close_quietly();
        }
    }

    /// Closes the top frame where no error can be returned; an error is kept for later.
    fn close_quietly(&mut self) {
        if let Err(e) = self.close_top() {
            self.fatal.get_or_insert(e);
        }
    }

    /// Returns the first error met where none could be returned.
    fn take_fatal(&mut self) -> Result<()> {
        match self.fatal.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Pops the top frame and hands what it built to the frame below.
    fn close_top(&mut self) -> Result<()> {
        if self.stack.len() <= 1 {
            return Ok(());
        }
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let finished = self.finish_frame(frame)?;
        self.deliver(finished);
        Ok(())
    }

    fn finish_frame(&mut self, frame: Frame) -> Result<Finished> {
        Ok(match frame {
            Frame::Blocks { kind, blocks, pos } => match kind {
                BlocksKind::Root => Finished::Blocks(blocks),
                BlocksKind::Quote(alert) => Finished::Blocks(vec![Block {
                    pos,
                    kind: BlockKind::BlockQuote { alert, blocks },
                }]),
                BlocksKind::Item { task, explicit_para } => {
                    if explicit_para && let Some(Frame::List { loose, .. }) = self.stack.last_mut() {
                        *loose = true;
                    }
                    Finished::Item(ListItem { task, blocks })
                }
                BlocksKind::Footnote(label) => {
                    self.out.footnote_defs.push((label, blocks, pos));
                    Finished::Nothing
                }
                BlocksKind::Definition => Finished::Definition(blocks),
                BlocksKind::Division { dir, lang } => Finished::Blocks(vec![Block {
                    pos,
                    kind: BlockKind::Division { dir, lang, blocks },
                }]),
            },
            Frame::Inlines {
                kind,
                content,
                pos,
                display_math,
                figure_caption,
            } => self.finish_inlines(kind, content, pos, display_math, figure_caption)?,
            Frame::List {
                start,
                items,
                loose,
                pos,
            } => Finished::Blocks(vec![Block {
                pos,
                kind: BlockKind::List {
                    start,
                    tight: !loose,
                    items,
                },
            }]),
            Frame::Table {
                aligns,
                mut head,
                mut rows,
                pos,
                ..
            } => {
                let columns = aligns.len().max(head.len());
                head.resize(columns, Vec::new());
                for row in &mut rows {
                    row.resize(columns, Vec::new());
                }
                let mut aligns = aligns;
                aligns.resize(columns, Align::None);
                Finished::Blocks(vec![Block {
                    pos,
                    kind: BlockKind::Table { aligns, head, rows },
                }])
            }
            Frame::DefList { items, pos } => Finished::Blocks(vec![Block {
                pos,
                kind: BlockKind::DefinitionList { items },
            }]),
            Frame::Code {
                lang,
                info,
                mut code,
                pos,
                html,
            } => {
                if code.ends_with('\n') {
                    code.pop();
                }
                if html && code.starts_with('\n') {
                    code.remove(0);
                }
                Finished::Blocks(vec![Block {
                    pos,
                    kind: BlockKind::CodeBlock { lang, info, code },
                }])
            }
            Frame::RawHtml { raw, .. } => {
                self.html_block(&raw)?;
                Finished::Nothing
            }
            Frame::Metadata { raw, pos } => {
                self.out.front_matter = Some((raw, pos.line + 1));
                Finished::Nothing
            }
            Frame::Flattened { .. } | Frame::Skip { .. } => Finished::Nothing,
        })
    }

    fn finish_inlines(
        &mut self,
        kind: InlinesKind,
        mut content: Vec<Inline>,
        pos: SourcePos,
        display_math: Vec<(usize, String)>,
        figure_caption: Option<Vec<Inline>>,
    ) -> Result<Finished> {
        Ok(match kind {
            InlinesKind::Paragraph { .. } => {
                if display_math.is_empty() {
                    Finished::Blocks(self.paragraph(content, pos, figure_caption).into_iter().collect())
                } else {
                    let mut blocks = Vec::new();
                    let mut rest = content;
                    let mut taken = 0;
                    for (at, source) in display_math {
                        let tail = rest.split_off((at - taken).min(rest.len()));
                        taken = at;
                        blocks.extend(self.paragraph(rest, pos, None));
                        blocks.push(Block {
                            pos,
                            kind: BlockKind::Math { source },
                        });
                        rest = tail;
                    }
                    blocks.extend(self.paragraph(rest, pos, None));
                    Finished::Blocks(blocks)
                }
            }
            InlinesKind::Heading {
                level,
                explicit_id,
                classes,
                attrs,
                ..
            } => {
                trim_inlines(&mut content);
                let mut anchors = std::mem::take(&mut self.pending_anchors);
                let id = match explicit_id {
                    Some(id) => {
                        let wanted = clean_id(&id);
                        if self.ctx.ids.contains(&wanted) {
                            self.warn(
                                WarningKind::DuplicateId,
                                format!("the id `{wanted}` is used more than once; this one is renamed"),
                            );
                        }
                        self.ctx.ids.claim(&wanted)
                    }
                    None => self.ctx.ids.claim(&slugify(&plain_text(&content))),
                };
                anchors.append(&mut content);
                Finished::Blocks(vec![Block {
                    pos,
                    kind: BlockKind::Heading {
                        level,
                        id,
                        classes,
                        attrs,
                        content: anchors,
                    },
                }])
            }
            InlinesKind::Emphasis => Finished::Inlines(vec![Inline::Emphasis { content }]),
            InlinesKind::Strong => Finished::Inlines(vec![Inline::Strong { content }]),
            InlinesKind::Strikethrough => Finished::Inlines(vec![Inline::Strikethrough { content }]),
            InlinesKind::Superscript => Finished::Inlines(vec![Inline::Superscript { content }]),
            InlinesKind::Subscript => Finished::Inlines(vec![Inline::Subscript { content }]),
            InlinesKind::Link { href, title } => Finished::Inlines(self.link(href, title, content)),
            InlinesKind::Image { src, title } => {
                let alt = plain_text(&content);
                let caption = if title.trim().is_empty() {
                    content
                } else {
                    vec![Inline::Text { text: title.clone() }]
                };
                let image = self.image(&src)?;
                self.mark_figure_caption(caption);
                Finished::Inlines(vec![Inline::Image { image, alt, title }])
            }
            InlinesKind::Cell => {
                trim_inlines(&mut content);
                Finished::Cell(content)
            }
            InlinesKind::Term => {
                trim_inlines(&mut content);
                Finished::Term(content)
            }
            InlinesKind::HtmlSpan { style, .. } => Finished::Inlines(match style {
                SpanStyle::Plain => content,
                SpanStyle::Emphasis => vec![Inline::Emphasis { content }],
                SpanStyle::Strong => vec![Inline::Strong { content }],
                SpanStyle::Strikethrough => vec![Inline::Strikethrough { content }],
                SpanStyle::Superscript => vec![Inline::Superscript { content }],
                SpanStyle::Subscript => vec![Inline::Subscript { content }],
                SpanStyle::Code => vec![Inline::Code {
                    code: plain_text(&content),
                }],
                SpanStyle::Link { href, title } => self.link(href, title, content),
            }),
        })
    }

    /// A link, or its content alone (with a warning) when the target is longer than
    /// `MAX_LINK_BYTES`: a PDF repeats the target on every line the link text takes.
    fn link(&mut self, href: String, title: String, content: Vec<Inline>) -> Vec<Inline> {
        if href.len() > MAX_LINK_BYTES {
            self.warn(
                WarningKind::DanglingLink,
                format!(
                    "link target of {} bytes is over the {MAX_LINK_BYTES}-byte limit; shown as text",
                    href.len()
                ),
            );
            return content;
        }
        vec![link(href, title, content)]
    }

    /// Records the caption a lone image would carry in the paragraph being built.
    fn mark_figure_caption(&mut self, caption: Vec<Inline>) {
        if let Some(Frame::Inlines {
            kind: InlinesKind::Paragraph { .. },
            figure_caption,
            ..
        }) = self.top_structural_mut()
        {
            *figure_caption = Some(caption);
        }
    }

    /// Builds the block of a finished paragraph: a figure for a lone image, a table-of-contents
    /// marker for `[TOC]`, nothing for an empty one (its anchors wait for the next block).
    fn paragraph(
        &mut self,
        mut content: Vec<Inline>,
        pos: SourcePos,
        caption: Option<Vec<Inline>>,
    ) -> Option<Block> {
        trim_inlines(&mut content);
        if content.is_empty() {
            return None;
        }
        if content.iter().all(|i| matches!(i, Inline::Anchor { .. })) {
            self.pending_anchors.append(&mut content);
            return None;
        }
        if let [Inline::Image { image, alt, .. }] = content.as_slice()
            && self.pending_anchors.is_empty()
        {
            let mut caption = caption.unwrap_or_default();
            trim_inlines(&mut caption);
            return Some(Block {
                pos,
                kind: BlockKind::Figure {
                    image: *image,
                    alt: alt.clone(),
                    caption,
                },
            });
        }
        if let [Inline::Text { text }] = content.as_slice()
            && text == "[TOC]"
        {
            return Some(Block {
                pos,
                kind: BlockKind::TableOfContents,
            });
        }
        let mut anchors = std::mem::take(&mut self.pending_anchors);
        anchors.append(&mut content);
        Some(Block {
            pos,
            kind: BlockKind::Paragraph { content: anchors },
        })
    }

    /// Puts waiting anchors in a paragraph of their own at the end of `blocks`.
    fn flush_anchors_into(&mut self, blocks: &mut Vec<Block>) {
        if !self.pending_anchors.is_empty() {
            blocks.push(Block {
                pos: self.pos,
                kind: BlockKind::Paragraph {
                    content: std::mem::take(&mut self.pending_anchors),
                },
            });
        }
    }

    /// Hands a finished frame's result to the frame now on top.
    fn deliver(&mut self, finished: Finished) {
        match finished {
            Finished::Nothing => {}
            Finished::Blocks(blocks) => {
                for b in blocks {
                    self.push_block(b);
                }
            }
            Finished::Inlines(inlines) => {
                for i in inlines {
                    self.inline(i);
                }
            }
            Finished::Item(item) => match self.top_structural_mut() {
                Some(Frame::List { items, .. }) => items.push(item),
                _ => {
                    for b in item.blocks {
                        self.push_block(b);
                    }
                }
            },
            Finished::Term(term) => match self.top_structural_mut() {
                Some(Frame::DefList { items, .. }) => items.push(Definition {
                    term,
                    definitions: Vec::new(),
                }),
                _ => self.inline_all(term),
            },
            Finished::Definition(blocks) => match self.top_structural_mut() {
                Some(Frame::DefList { items, .. }) => {
                    if items.is_empty() {
                        items.push(Definition {
                            term: Vec::new(),
                            definitions: Vec::new(),
                        });
                    }
                    if let Some(last) = items.last_mut() {
                        last.definitions.push(blocks);
                    }
                }
                _ => {
                    for b in blocks {
                        self.push_block(b);
                    }
                }
            },
            Finished::Cell(cell) => match self.top_structural_mut() {
                Some(Frame::Table {
                    head, rows, in_head, ..
                }) => {
                    if *in_head {
                        head.push(cell);
                    } else {
                        match rows.last_mut() {
                            Some(row) => row.push(cell),
                            None => rows.push(vec![cell]),
                        }
                    }
                }
                _ => self.inline_all(cell),
            },
        }
    }

    fn inline_all(&mut self, inlines: Vec<Inline>) {
        for i in inlines {
            self.inline(i);
        }
    }

    fn top_structural_mut(&mut self) -> Option<&mut Frame> {
        let i = self.stack.top_structural()?;
        Some(&mut self.stack[i])
    }

    /// Adds a block to the nearest block container, closing open inline frames first.
    fn push_block(&mut self, mut block: Block) {
        if matches!(self.top_structural_mut(), Some(Frame::Inlines { .. })) {
            // A block inside inline content (raw HTML can do this): end the inline content.
            while matches!(self.top_structural_mut(), Some(Frame::Inlines { .. })) {
                let Some(index) = self.stack.top_structural() else {
                    break;
                };
                while self.stack.len() > index {
                    self.close_quietly();
                }
            }
        }
        if !self.pending_anchors.is_empty() {
            match &mut block.kind {
                BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => {
                    let mut anchors = std::mem::take(&mut self.pending_anchors);
                    anchors.append(content);
                    *content = anchors;
                }
                _ => {
                    let mut flushed = Vec::new();
                    self.flush_anchors_into(&mut flushed);
                    for b in flushed {
                        self.append_block(b);
                    }
                }
            }
        }
        self.append_block(block);
    }

    fn append_block(&mut self, block: Block) {
        let container = self
            .stack
            .structural_rev()
            .find(|&i| matches!(self.stack[i], Frame::Blocks { .. }));
        if let Some(i) = container
            && let Frame::Blocks { blocks, .. } = &mut self.stack[i]
        {
            blocks.push(block);
        }
    }

    fn block(&mut self, kind: BlockKind, pos: SourcePos) {
        self.push_block(Block { pos, kind });
    }

    /// Adds inline content to the innermost inline frame, opening an implicit paragraph when
    /// inline content arrives directly in a block container (tight list items, HTML text).
    fn inline(&mut self, inline: Inline) {
        let needs_paragraph = !matches!(self.top_structural_mut(), Some(Frame::Inlines { .. }));
        if needs_paragraph {
            if matches!(self.top_structural_mut(), Some(Frame::Blocks { .. })) {
                if let Inline::Text { text } = &inline
                    && text.trim().is_empty()
                {
                    return;
                }
                self.stack.push(Frame::inlines(
                    InlinesKind::Paragraph {
                        implicit: true,
                        html: false,
                    },
                    self.pos,
                ));
            } else {
                // Text where no content belongs (between table rows): dropped.
                return;
            }
        }
        if let Some(Frame::Inlines { content, .. }) = self.top_structural_mut() {
            match (content.last_mut(), inline) {
                (Some(Inline::Text { text: last }), Inline::Text { text }) => last.push_str(&text),
                (_, inline) => content.push(inline),
            }
        }
    }

    fn text(&mut self, text: &str) {
        self.inline(Inline::Text {
            text: text.to_string(),
        });
    }

    fn display_math(&mut self, source: String) {
        if let Some(Frame::Inlines {
            kind: InlinesKind::Paragraph { .. },
            content,
            display_math,
            ..
        }) = self.top_structural_mut()
        {
            display_math.push((content.len(), source));
            return;
        }
        if matches!(self.top_structural_mut(), Some(Frame::Blocks { .. })) {
            self.block(BlockKind::Math { source }, self.pos);
        } else {
            self.inline(Inline::Math { source });
        }
    }

    fn image(&mut self, src: &str) -> Result<usize> {
        let site = ImageSite {
            base_dir: self.ctx.base_dir,
            file: self.ctx.display,
            line: self.pos.line,
        };
        self.ctx.images.resolve(src, &site, self.ctx.warnings)
    }

    fn anchor(&mut self, id: &str) {
        let wanted = clean_id(id);
        if self.ctx.ids.contains(&wanted) {
            self.warn(
                WarningKind::DuplicateId,
                format!("the id `{wanted}` is used more than once; this one is renamed"),
            );
        }
        let id = self.ctx.ids.claim(&wanted);
        self.inline(Inline::Anchor { id });
    }

    /// Handles a whole HTML block. Inline frames it opened end with it; `<div>`s stay open
    /// (Markdown between `<div>` and `</div>` blocks belongs inside the division).
    fn html_block(&mut self, raw: &str) -> Result<()> {
        for token in html::tokenize(raw) {
            self.html_token(token, true)?;
        }
        self.close_inline_frames();
        self.take_fatal()
    }

    /// Handles raw HTML text: block-level (`block`) or inline.
    fn html(&mut self, raw: &str, block: bool) -> Result<()> {
        for token in html::tokenize(raw) {
            self.html_token(token, block)?;
        }
        Ok(())
    }

    fn warn_tag(&mut self, tag: &str, what: &str) {
        if self.warned_tags.insert(tag.to_string()) {
            self.warn(
                WarningKind::UnsupportedHtml,
                format!("HTML <{tag}> is not supported: {what}"),
            );
        }
    }

    fn html_token(&mut self, token: Token, block: bool) -> Result<()> {
        if let Some(Frame::Skip { tag }) = self.stack.last() {
            if matches!(&token, Token::End { name, .. } if name == tag) {
                self.stack.pop();
            }
            return Ok(());
        }
        match token {
            Token::Ignored => {}
            Token::Text(text) => {
                if let Some(Frame::Code { code, html: true, .. }) = self.stack.last_mut() {
                    code.push_str(&text);
                } else if block {
                    let collapsed = collapse_whitespace(&text);
                    self.text(&collapsed);
                } else {
                    self.text(&text);
                }
            }
            Token::Start {
                ref name, ref raw, ..
            }
            | Token::End { ref name, ref raw }
                if !html::is_html_element(name) =>
            {
                // Not HTML (`Option<T>` outside code): the text as written.
                let raw = raw.clone();
                self.text(&raw);
            }
            Token::Start {
                ref name,
                self_closing,
                ..
            } => {
                let void = self_closing || html::is_void(name);
                self.html_start(name.clone(), &token, void, block)?;
            }
            Token::End { name, .. } => self.html_end(&name),
        }
        Ok(())
    }

    fn html_start(&mut self, name: String, token: &Token, void: bool, block: bool) -> Result<()> {
        let pos = self.pos;
        let span = |style: SpanStyle| {
            Frame::inlines(
                InlinesKind::HtmlSpan {
                    tag: name.clone(),
                    style,
                },
                pos,
            )
        };
        match name.as_str() {
            "br" => self.inline(Inline::LineBreak),
            "img" => {
                let src = token.attr("src").unwrap_or("").to_string();
                let alt = token.attr("alt").unwrap_or("").to_string();
                let title = token.attr("title").unwrap_or("").to_string();
                let image = self.image(&src)?;
                let caption = if title.is_empty() {
                    Vec::new()
                } else {
                    vec![Inline::Text { text: title.clone() }]
                };
                self.inline(Inline::Image { image, alt, title });
                self.mark_figure_caption(caption);
            }
            "a" => {
                if let Some(id) = token.attr("id").or(token.attr("name")) {
                    let id = id.to_string();
                    self.anchor(&id);
                }
                if void {
                    return Ok(());
                }
                let style = match token.attr("href") {
                    Some(href) => SpanStyle::Link {
                        href: href.to_string(),
                        title: token.attr("title").unwrap_or("").to_string(),
                    },
                    None => SpanStyle::Plain,
                };
                self.open_html(span(style), &name);
            }
            "span" | "em" | "i" | "cite" | "dfn" | "var" | "strong" | "b" | "sup" | "sub" | "s" | "del"
            | "strike" | "code" | "kbd" | "samp" | "tt" | "u" | "ins" | "mark" | "small" | "abbr" | "q"
            | "bdi" | "bdo" | "time" | "font" | "big" | "label" => {
                if let Some(id) = token.attr("id") {
                    let id = id.to_string();
                    self.anchor(&id);
                }
                if void {
                    return Ok(());
                }
                let style = match name.as_str() {
                    "em" | "i" | "cite" | "dfn" | "var" => SpanStyle::Emphasis,
                    "strong" | "b" => SpanStyle::Strong,
                    "sup" => SpanStyle::Superscript,
                    "sub" => SpanStyle::Subscript,
                    "s" | "del" | "strike" => SpanStyle::Strikethrough,
                    "code" | "kbd" | "samp" | "tt" => SpanStyle::Code,
                    _ => SpanStyle::Plain,
                };
                self.open_html(span(style), &name);
            }
            "p" => {
                if block || !matches!(self.top_structural_mut(), Some(Frame::Inlines { .. })) {
                    self.close_inline_frames();
                    self.open_html(
                        Frame::inlines(
                            InlinesKind::Paragraph {
                                implicit: false,
                                html: true,
                            },
                            pos,
                        ),
                        "p",
                    );
                }
            }
            "div" => {
                if void {
                    return Ok(());
                }
                if !block && matches!(self.top_structural_mut(), Some(Frame::Inlines { .. })) {
                    self.open_html(span(SpanStyle::Plain), &name);
                    return Ok(());
                }
                self.close_inline_frames();
                let dir = match token.attr("dir").map(str::to_ascii_lowercase).as_deref() {
                    Some("rtl") => Some(Direction::Rtl),
                    Some("ltr") => Some(Direction::Ltr),
                    _ => None,
                };
                let lang = token.attr("lang").map(str::to_string);
                let frame = Frame::Blocks {
                    kind: BlocksKind::Division { dir, lang },
                    blocks: Vec::new(),
                    pos,
                };
                self.open_html(frame, "div");
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if !void => {
                self.close_inline_frames();
                let kind = InlinesKind::Heading {
                    level: name.as_bytes()[1] - b'0',
                    explicit_id: token.attr("id").map(str::to_string),
                    classes: Vec::new(),
                    attrs: Vec::new(),
                    html: true,
                };
                self.open_html(Frame::inlines(kind, pos), &name);
            }
            "pre" if !void => {
                self.close_inline_frames();
                self.stack.push(Frame::Code {
                    lang: None,
                    info: String::new(),
                    code: String::new(),
                    pos,
                    html: true,
                });
            }
            "hr" => {
                if block {
                    self.block(BlockKind::ThematicBreak, pos);
                }
            }
            "script" | "style" | "iframe" | "object" | "embed" | "template" | "noscript" | "head"
            | "title" | "svg" | "math" | "canvas" | "audio" | "video" | "form" | "select" | "textarea"
            | "button" => {
                self.warn_tag(&name, "removed with its content");
                if !void {
                    self.stack.push(Frame::Skip { tag: name });
                }
            }
            _ => {
                self.warn_tag(&name, "only its text is kept");
                if block && is_block_level(&name) {
                    // Keep the text of separate block elements apart.
                    self.close_inline_frames();
                }
            }
        }
        Ok(())
    }

    fn html_end(&mut self, name: &str) {
        // The innermost inline HTML element with this name, if reachable through inline frames.
        let mut target = None;
        let key = if name.len() == 2 && name.starts_with('h') {
            "h"
        } else {
            name
        };
        let frames: &[Frame] = if self.stack.html_is_open(key) || self.stack.html_is_open(name) {
            &self.stack
        } else {
            &[]
        };
        for (i, frame) in frames.iter().enumerate().rev() {
            match frame {
                Frame::Inlines {
                    kind: InlinesKind::HtmlSpan { tag, .. },
                    ..
                } if tag == name => {
                    target = Some(i);
                    break;
                }
                Frame::Inlines {
                    kind: InlinesKind::Paragraph { html: true, .. },
                    ..
                } if name == "p" => {
                    target = Some(i);
                    break;
                }
                Frame::Inlines {
                    kind: InlinesKind::Heading { html: true, .. },
                    ..
                } if name.len() == 2 && name.starts_with('h') => {
                    target = Some(i);
                    break;
                }
                Frame::Code { html: true, .. } if name == "pre" => {
                    target = Some(i);
                    break;
                }
                Frame::Blocks {
                    kind: BlocksKind::Division { .. },
                    ..
                } if name == "div" => {
                    target = Some(i);
                    break;
                }
                Frame::Flattened { html: Some(tag), .. } if tag == name => {
                    target = Some(i);
                    break;
                }
                Frame::Inlines { .. } | Frame::Flattened { .. } => continue,
                _ => break,
            }
        }
        match target {
            Some(index) => {
                while self.stack.len() > index {
                    self.close_quietly();
                }
            }
            None => {
                if is_block_level(name) {
                    self.close_inline_frames();
                }
            }
        }
    }

    fn finish(mut self) -> Result<Converted> {
        while self.stack.len() > 1 {
            self.close_top()?;
        }
        self.take_fatal()?;
        let mut blocks = match self.stack.pop() {
            Some(Frame::Blocks { blocks, .. }) => blocks,
            _ => Vec::new(),
        };
        self.flush_anchors_into(&mut blocks);
        self.out.blocks = blocks;
        Ok(self.out)
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// A link with its target classified: URLs with a scheme are external; the rest are
/// resolved against the document's ids once every file is read.
fn link(href: String, title: String, content: Vec<Inline>) -> Inline {
    let target = if has_scheme(&href) {
        LinkTarget::External { url: href }
    } else {
        LinkTarget::Unresolved { href }
    };
    Inline::Link {
        target,
        title,
        content,
    }
}

/// Whether `href` starts with a URL scheme (`https:`, `mailto:`...).
pub fn has_scheme(href: &str) -> bool {
    match href.find(':') {
        Some(i) if i > 1 => {
            let scheme = &href[..i];
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        _ => false,
    }
}

fn is_block_level(tag: &str) -> bool {
    matches!(
        tag,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "center"
            | "details"
            | "dialog"
            | "dd"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "header"
            | "li"
            | "main"
            | "nav"
            | "ol"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "tr"
            | "ul"
            | "caption"
    )
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() && c != '\u{a0}' {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

/// Removes leading and trailing white space of inline content (and empty text pieces).
fn trim_inlines(content: &mut Vec<Inline>) {
    while let Some(Inline::Text { text }) = content.first_mut() {
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            content.remove(0);
        } else {
            *text = trimmed.to_string();
            break;
        }
    }
    while let Some(Inline::Text { text }) = content.last_mut() {
        let trimmed = text.trim_end();
        if trimmed.is_empty() {
            content.pop();
        } else {
            let len = trimmed.len();
            text.truncate(len);
            break;
        }
    }
}
