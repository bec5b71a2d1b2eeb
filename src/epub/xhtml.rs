//! XHTML content documents from the model: complete XHTML5 files with `lang`, a title,
//! escaped text (only XML's own entities, never HTML named ones), void elements closed,
//! internal links pointing at the file that holds their target, and footnotes as EPUB 3
//! pop-up notes.

use std::collections::HashMap;
use std::fmt::Write;

use crate::model::{self, Block, BlockKind, Direction, Document, ImageFormat, Inline, LinkTarget};

/// Escapes text for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    escape_into(s, &mut out);
    out
}

/// Appends `s` escaped to `out`.
pub fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Characters XML 1.0 cannot hold.
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

/// Highlights a code block into lines of (text, CSS class) spans.
pub type HighlightFn = fn(&str, Option<&str>) -> Vec<Vec<(String, Option<&'static str>)>>;

/// Where things live in the package: the file of each id and each image's path.
pub struct Targets<'d> {
    pub doc: &'d Document,
    /// Document id (heading, anchor, chapter start) → file name.
    pub file_of: HashMap<String, String>,
    /// Footnote number → file holding its reference and note.
    pub note_file: HashMap<u32, String>,
    /// Image index → path inside the package (relative to the content documents).
    pub image_path: HashMap<usize, String>,
    /// Code highlighting hook: lines of (text, CSS class) for a code block.
    pub highlight: HighlightFn,
}

/// One content document being written.
pub struct Page<'t, 'd> {
    targets: &'t Targets<'d>,
    /// This file's name (links inside it need no file part).
    file: String,
    body: String,
    /// Footnotes referenced here, in order (written at the end).
    notes: Vec<u32>,
}

impl<'t, 'd> Page<'t, 'd> {
    pub fn new(targets: &'t Targets<'d>, file: &str) -> Self {
        Page {
            targets,
            file: file.to_string(),
            body: String::new(),
            notes: Vec::new(),
        }
    }

    fn href(&self, id: &str) -> String {
        match self.targets.file_of.get(id) {
            Some(f) if *f != self.file => format!("{}#{}", f, escape(id)),
            _ => format!("#{}", escape(id)),
        }
    }

    pub fn blocks(&mut self, blocks: &[Block]) {
        for b in blocks {
            self.block(b);
        }
    }

    /// Writes raw markup (already escaped).
    pub fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    pub fn block(&mut self, block: &Block) {
        match &block.kind {
            BlockKind::Paragraph { content } => {
                if content.iter().all(|i| matches!(i, Inline::Anchor { .. })) {
                    // Only anchors: keep them as link targets without an empty paragraph.
                    self.body.push_str("<div class=\"anchor\">");
                    self.inlines(content);
                    self.body.push_str("</div>\n");
                } else {
                    self.body.push_str("<p>");
                    self.inlines(content);
                    self.body.push_str("</p>\n");
                }
            }
            BlockKind::Heading {
                level, id, content, ..
            } => {
                let _ = write!(self.body, "<h{level} id=\"{}\">", escape(id));
                self.inlines(content);
                let _ = writeln!(self.body, "</h{level}>");
            }
            BlockKind::BlockQuote { alert, blocks } => {
                match alert {
                    Some(a) => {
                        let name = format!("{a:?}").to_lowercase();
                        let _ = writeln!(self.body, "<blockquote class=\"alert alert-{name}\">");
                        let mut label = name.clone();
                        if let Some(first) = label.get_mut(..1) {
                            first.make_ascii_uppercase();
                        }
                        let _ = writeln!(self.body, "<p class=\"alert-title\">{label}</p>");
                    }
                    None => self.body.push_str("<blockquote>\n"),
                }
                self.blocks(blocks);
                self.body.push_str("</blockquote>\n");
            }
            BlockKind::CodeBlock { lang, code, .. } => self.code(code, lang.as_deref()),
            BlockKind::List { start, tight, items } => {
                let tasks = items.iter().any(|i| i.task.is_some());
                let class = match (tight, tasks) {
                    (true, true) => " class=\"tight tasks\"",
                    (true, false) => " class=\"tight\"",
                    (false, true) => " class=\"tasks\"",
                    (false, false) => "",
                };
                match start {
                    Some(1) => {
                        let _ = writeln!(self.body, "<ol{class}>");
                    }
                    Some(n) => {
                        let _ = writeln!(self.body, "<ol{class} start=\"{n}\">");
                    }
                    None => {
                        let _ = writeln!(self.body, "<ul{class}>");
                    }
                }
                for (k, item) in items.iter().enumerate() {
                    match start {
                        // `value` as well as `start`: some renderers only read one of them.
                        Some(n) if *n != 1 => {
                            let _ = write!(self.body, "<li value=\"{}\">", n.saturating_add(k as u64));
                        }
                        _ => self.body.push_str("<li>"),
                    }
                    if let Some(done) = item.task {
                        self.body.push_str(if done {
                            "<span class=\"task done\" role=\"img\" aria-label=\"done\">\u{2611}</span> "
                        } else {
                            "<span class=\"task\" role=\"img\" aria-label=\"to do\">\u{2610}</span> "
                        });
                    }
                    if *tight {
                        // Tight items hold their text directly, without paragraphs.
                        for (k, b) in item.blocks.iter().enumerate() {
                            match &b.kind {
                                BlockKind::Paragraph { content } => {
                                    if k > 0 {
                                        self.body.push_str("<br/>");
                                    }
                                    self.inlines(content);
                                }
                                _ => self.block(b),
                            }
                        }
                    } else {
                        self.blocks(&item.blocks);
                    }
                    self.body.push_str("</li>\n");
                }
                self.body
                    .push_str(if start.is_some() { "</ol>\n" } else { "</ul>\n" });
            }
            BlockKind::DefinitionList { items } => {
                self.body.push_str("<dl>\n");
                for item in items {
                    self.body.push_str("<dt>");
                    self.inlines(&item.term);
                    self.body.push_str("</dt>\n");
                    for def in &item.definitions {
                        self.body.push_str("<dd>");
                        if let [
                            Block {
                                kind: BlockKind::Paragraph { content },
                                ..
                            },
                        ] = def.as_slice()
                        {
                            self.inlines(content);
                        } else {
                            self.blocks(def);
                        }
                        self.body.push_str("</dd>\n");
                    }
                }
                self.body.push_str("</dl>\n");
            }
            BlockKind::Table { aligns, head, rows } => {
                self.body.push_str("<div class=\"table\"><table>\n");
                let align_class = |i: usize| match aligns.get(i) {
                    Some(model::Align::Left) => " class=\"left\"",
                    Some(model::Align::Center) => " class=\"center\"",
                    Some(model::Align::Right) => " class=\"right\"",
                    _ => "",
                };
                if head.iter().any(|c| !c.is_empty()) {
                    self.body.push_str("<thead><tr>");
                    for (i, cell) in head.iter().enumerate() {
                        let _ = write!(self.body, "<th{}>", align_class(i));
                        self.inlines(cell);
                        self.body.push_str("</th>");
                    }
                    self.body.push_str("</tr></thead>\n");
                }
                self.body.push_str("<tbody>\n");
                for row in rows {
                    self.body.push_str("<tr>");
                    for (i, cell) in row.iter().enumerate() {
                        let _ = write!(self.body, "<td{}>", align_class(i));
                        self.inlines(cell);
                        self.body.push_str("</td>");
                    }
                    self.body.push_str("</tr>\n");
                }
                self.body.push_str("</tbody></table></div>\n");
            }
            BlockKind::Figure { image, alt, caption } => {
                self.body.push_str("<figure>");
                self.image(*image, alt, true);
                if !caption.is_empty() {
                    self.body.push_str("<figcaption>");
                    self.inlines(caption);
                    self.body.push_str("</figcaption>");
                }
                self.body.push_str("</figure>\n");
            }
            BlockKind::Math { source } => {
                let _ = writeln!(self.body, "<div class=\"math display\">{}</div>", escape(source));
            }
            BlockKind::ThematicBreak => self.body.push_str("<hr/>\n"),
            BlockKind::Division { dir, lang, blocks } => {
                self.body.push_str("<div");
                if let Some(d) = dir {
                    self.body.push_str(match d {
                        Direction::Rtl => " dir=\"rtl\"",
                        Direction::Ltr => " dir=\"ltr\"",
                    });
                }
                if let Some(l) = lang {
                    let _ = write!(self.body, " lang=\"{0}\" xml:lang=\"{0}\"", escape(l));
                }
                self.body.push_str(">\n");
                self.blocks(blocks);
                self.body.push_str("</div>\n");
            }
            // The package has its own table of contents.
            BlockKind::TableOfContents => {}
        }
    }

    fn code(&mut self, code: &str, lang: Option<&str>) {
        match lang {
            Some(l) => {
                let _ = write!(
                    self.body,
                    "<pre class=\"code\"><code class=\"language-{}\">",
                    escape(l)
                );
            }
            None => self.body.push_str("<pre class=\"code\"><code>"),
        }
        let lines = (self.targets.highlight)(code, lang);
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                self.body.push('\n');
            }
            for (text, class) in line {
                match class {
                    Some(c) => {
                        let _ = write!(self.body, "<span class=\"{c}\">");
                        escape_into(text, &mut self.body);
                        self.body.push_str("</span>");
                    }
                    None => escape_into(text, &mut self.body),
                }
            }
        }
        self.body.push_str("</code></pre>\n");
    }

    fn image(&mut self, index: usize, alt: &str, block: bool) {
        let img = &self.targets.doc.images[index];
        match self.targets.image_path.get(&index) {
            Some(path) if img.format != ImageFormat::Missing => {
                let _ = write!(self.body, "<img src=\"{}\" alt=\"{}\"", escape(path), escape(alt));
                if !block {
                    self.body.push_str(" class=\"inline\"");
                }
                self.body.push_str("/>");
            }
            _ => {
                let text = if alt.trim().is_empty() {
                    "image not available"
                } else {
                    alt
                };
                let tag = if block { "p" } else { "span" };
                let _ = write!(
                    self.body,
                    "<{tag} class=\"missing-image\">{}</{tag}>",
                    escape(text)
                );
            }
        }
    }

    pub fn inlines(&mut self, inlines: &[Inline]) {
        for inline in inlines {
            match inline {
                Inline::Text { text } => escape_into(text, &mut self.body),
                Inline::Emphasis { content } => self.wrap("em", content),
                Inline::Strong { content } => self.wrap("strong", content),
                Inline::Strikethrough { content } => self.wrap("del", content),
                Inline::Superscript { content } => self.wrap("sup", content),
                Inline::Subscript { content } => self.wrap("sub", content),
                Inline::Code { code } => {
                    self.body.push_str("<code>");
                    escape_into(code, &mut self.body);
                    self.body.push_str("</code>");
                }
                Inline::Math { source } => {
                    self.body.push_str("<span class=\"math\">");
                    escape_into(source, &mut self.body);
                    self.body.push_str("</span>");
                }
                Inline::Link {
                    target,
                    title,
                    content,
                } => {
                    let href = match target {
                        LinkTarget::External { url } => Some(escape(url)),
                        LinkTarget::Internal { id, .. } => Some(self.href(id)),
                        LinkTarget::Unresolved { .. } => None,
                    };
                    match href {
                        Some(h) => {
                            let _ = write!(self.body, "<a href=\"{h}\"");
                            if !title.is_empty() {
                                let _ = write!(self.body, " title=\"{}\"", escape(title));
                            }
                            self.body.push('>');
                            self.inlines(content);
                            self.body.push_str("</a>");
                        }
                        None => self.inlines(content),
                    }
                }
                Inline::Image { image, alt, .. } => self.image(*image, alt, false),
                Inline::FootnoteRef { number } => {
                    if !self.notes.contains(number) {
                        self.notes.push(*number);
                    }
                    let target = match self.targets.note_file.get(number) {
                        Some(f) if *f != self.file => format!("{f}#fn-{number}"),
                        _ => format!("#fn-{number}"),
                    };
                    let _ = write!(
                        self.body,
                        "<sup><a epub:type=\"noteref\" class=\"noteref\" id=\"fnref-{number}\" href=\"{target}\">{number}</a></sup>"
                    );
                }
                Inline::Anchor { id } => {
                    let _ = write!(self.body, "<a id=\"{}\"></a>", escape(id));
                }
                Inline::LineBreak => self.body.push_str("<br/>"),
            }
        }
    }

    fn wrap(&mut self, tag: &str, content: &[Inline]) {
        let _ = write!(self.body, "<{tag}>");
        self.inlines(content);
        let _ = write!(self.body, "</{tag}>");
    }

    /// Footnotes referenced in this file that live here, as pop-up asides.
    fn footnotes(&mut self) {
        let notes = std::mem::take(&mut self.notes);
        let here: Vec<u32> = notes
            .into_iter()
            .filter(|n| self.targets.note_file.get(n).is_none_or(|f| *f == self.file))
            .collect();
        if here.is_empty() {
            return;
        }
        self.body
            .push_str("<section class=\"footnotes\" epub:type=\"footnotes\">\n<hr class=\"footnotes\"/>\n");
        let mut written = Vec::new();
        let mut queue = here;
        while let Some(n) = queue.first().copied() {
            queue.remove(0);
            if written.contains(&n) {
                continue;
            }
            written.push(n);
            let Some(note) = self.targets.doc.footnotes.get(n as usize - 1) else {
                continue;
            };
            let _ = writeln!(
                self.body,
                "<aside epub:type=\"footnote\" class=\"footnote\" id=\"fn-{n}\">"
            );
            let backlink = format!("<a href=\"#fnref-{n}\" class=\"backlink\">{n}.</a> ");
            let before = self.notes.len();
            // The number, linking back to the reference, opens the note's first paragraph.
            match note.blocks.split_first() {
                Some((
                    Block {
                        kind: BlockKind::Paragraph { content },
                        ..
                    },
                    rest,
                )) => {
                    self.body.push_str("<p>");
                    self.body.push_str(&backlink);
                    self.inlines(content);
                    self.body.push_str("</p>\n");
                    self.blocks(rest);
                }
                _ => {
                    let _ = writeln!(self.body, "<p>{backlink}</p>");
                    self.blocks(&note.blocks);
                }
            }
            // Notes referenced from inside notes follow.
            let nested: Vec<u32> = self.notes.drain(before..).collect();
            queue.extend(nested);
            self.body.push_str("</aside>\n");
        }
        self.body.push_str("</section>\n");
    }

    /// The complete XHTML document.
    pub fn finish(mut self, title: &str, lang: &str, dir: Direction, body_class: Option<&str>) -> String {
        self.footnotes();
        let dir_attr = match dir {
            Direction::Rtl => " dir=\"rtl\"",
            Direction::Ltr => "",
        };
        let class = body_class.map(|c| format!(" class=\"{c}\"")).unwrap_or_default();
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\"{dir_attr}>\n<head>\n<meta charset=\"utf-8\"/>\n<title>{title}</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"stylesheet.css\"/>\n</head>\n<body{class}>\n{body}</body>\n</html>\n",
            lang = escape(lang),
            title = escape(title),
            body = self.body,
        )
    }
}
