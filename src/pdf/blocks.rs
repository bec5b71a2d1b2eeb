//! Block layout: each block of the model becomes boxes, glue and penalties of the vertical
//! list — paragraphs as lines with widow and orphan control, headings kept with what
//! follows, lists with hanging indents, quotes with a rule, code on a tinted background,
//! tables with measured columns, figures that may float, definition lists, rules and math.

use std::sync::Arc;

use super::flow::{BoxKind, FlowBuilder, NEVER, VBox};
use super::fonts::Family;
use super::inline::{Align, ParagraphSpec, SetLine, SetParagraph, Setter, TextStyle, translate};
use super::page::{Item, ParagraphStats, Rgb};
use super::shape::Variant;
use super::style::{self, Typescale};
use crate::model::{self, Block, BlockKind, Document, ImageFormat, Inline};

/// Where a block sits: its left edge (from the text block's), width, and the quote rules
/// drawn beside it.
#[derive(Debug, Clone)]
pub struct Frame {
    pub left: f32,
    pub width: f32,
    pub bars: Vec<f32>,
    /// Inside a tight list: no space between paragraphs.
    pub tight: bool,
    /// Text is set ragged right instead of justified.
    pub ragged: bool,
    /// Nesting depth of lists (for bullet shapes).
    pub list_depth: usize,
}

/// Lays out blocks into a vertical list.
pub struct BlockLayout<'a, 's, 'f> {
    pub setter: &'a mut Setter<'s, 'f>,
    pub doc: &'a Document,
    pub scale: Typescale,
    /// Height of the text block (figures are scaled to fit it).
    pub text_height: f32,
    pub flow: FlowBuilder,
    /// Line-breaking figures of every paragraph set.
    pub reports: Vec<ParagraphStats>,
}

/// Bullets by list depth.
const BULLETS: [&str; 3] = ["•", "–", "·"];

impl BlockLayout<'_, '_, '_> {
    fn body_style(&self) -> TextStyle {
        TextStyle::body(self.scale.body)
    }

    fn spec(&self, frame: &Frame, style: TextStyle) -> ParagraphSpec {
        ParagraphSpec {
            style,
            align: if frame.ragged { Align::Left } else { Align::Justify },
            measure: frame.width,
            indent: 0.0,
        }
    }

    /// Space between blocks.
    fn block_space(&mut self, frame: &Frame) {
        if frame.tight {
            return;
        }
        let s = self.scale;
        self.flow.glue(s.par_skip, s.par_stretch, &frame.bars);
    }

    pub fn blocks(&mut self, blocks: &[Block], frame: &Frame) {
        let mut last_lines = 0;
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 && keeps_together(&blocks[i - 1], block, last_lines) {
                self.flow.keep_with_next();
            }
            if i > 0 {
                self.block_space(frame);
            }
            let before = self.flow.items.len();
            let prev = i.checked_sub(1).map(|p| &blocks[p]);
            let next = blocks.get(i + 1);
            match (&block.kind, caption_role(prev, block, next)) {
                (BlockKind::Paragraph { content }, true) => {
                    let style = TextStyle {
                        size: self.scale.small,
                        hyphenate: false,
                        ..self.body_style()
                    };
                    let ragged = Frame {
                        ragged: true,
                        ..frame.clone()
                    };
                    self.paragraph(content, &ragged, style, None);
                }
                _ => self.block(block, frame),
            }
            last_lines = self.flow.items[before..]
                .iter()
                .filter(|f| matches!(f, super::flow::Flow::Box(b) if b.height > 0.0))
                .count();
        }
    }

    fn block(&mut self, block: &Block, frame: &Frame) {
        match &block.kind {
            BlockKind::Paragraph { content } => self.paragraph(content, frame, self.body_style(), None),
            BlockKind::Heading {
                level, id, content, ..
            } => self.heading(*level, id, content, frame),
            BlockKind::BlockQuote { blocks, .. } => self.quote(blocks, frame),
            BlockKind::CodeBlock { lang, code, .. } => self.code(code, lang.as_deref(), frame),
            BlockKind::List { start, tight, items } => self.list(*start, *tight, items, frame),
            BlockKind::DefinitionList { items } => self.definitions(items, frame),
            BlockKind::Table { aligns, head, rows } => self.table(aligns, head, rows, frame),
            BlockKind::Figure { image, alt, caption } => self.figure(*image, alt, caption, frame),
            BlockKind::Math { source } => self.math(source, frame),
            BlockKind::ThematicBreak => self.rule(frame),
            BlockKind::Division { blocks, .. } => self.blocks(blocks, frame),
            BlockKind::TableOfContents => {}
        }
    }

    /// Turns set lines into boxes with the widow/orphan penalties between them.
    /// `marker` is drawn on the first line (list bullets and numbers).
    fn push_lines(
        &mut self,
        set: SetParagraph,
        frame: &Frame,
        leading: f32,
        kind: LinesKind,
        marker: Vec<Item>,
    ) {
        let n = set.lines.len();
        let mut marker = Some(marker);
        self.reports.push(set.stats);
        for (i, line) in set.lines.into_iter().enumerate() {
            if i > 0 {
                // Orphan: never leave the first line alone; widow: never the last.
                let cost = if i == 1 || i == n - 1 { NEVER } else { 0.0 };
                self.flow.penalty(cost);
            }
            let kind = match kind {
                LinesKind::Body => BoxKind::Line {
                    first: i == 0,
                    last: i + 1 == n,
                },
                LinesKind::Other => BoxKind::Other,
            };
            let mut vbox = line_box(line, frame, leading, kind);
            if let Some(m) = marker.take().filter(|m| !m.is_empty()) {
                let baseline = baseline_of(&vbox);
                let mut m = m;
                translate(&mut m, frame.left, baseline);
                vbox.items.extend(m);
            }
            self.flow.push_box(vbox);
        }
    }

    pub fn paragraph(
        &mut self,
        content: &[Inline],
        frame: &Frame,
        style: TextStyle,
        marker: Option<Vec<Item>>,
    ) {
        let spec = self.spec(frame, style);
        let set = self.setter.set(content, &spec, &self.doc.images);
        if set.lines.is_empty() {
            // Only anchors: keep their destinations on a zero-height box.
            let mut items = Vec::new();
            collect_anchor_items(content, &mut items, self.setter.destination, frame.left);
            let marker = marker.unwrap_or_default();
            if !items.is_empty() || !marker.is_empty() {
                let mut m = marker;
                translate(&mut m, frame.left, self.scale.leading * 0.78);
                items.extend(m);
                let height = if items.iter().any(|i| !matches!(i, Item::Destination { .. })) {
                    self.scale.leading
                } else {
                    0.0
                };
                self.flow.push_box(VBox::new(height, items, BoxKind::Other));
            }
            return;
        }
        self.push_lines(
            set,
            frame,
            self.scale.leading,
            LinesKind::Body,
            marker.unwrap_or_default(),
        );
    }

    fn heading(&mut self, level: u8, id: &str, content: &[Inline], frame: &Frame) {
        let (size, above, below) = self.scale.heading(level);
        self.flow.penalty(-200.0);
        self.flow.glue(above, above * 0.25, &frame.bars);
        let style = TextStyle {
            bold: level <= 4,
            italic: level >= 5,
            size,
            hyphenate: false,
            ..self.body_style()
        };
        let spec = ParagraphSpec {
            style,
            align: Align::Left,
            measure: frame.width,
            indent: 0.0,
        };
        let set = self.setter.set(content, &spec, &self.doc.images);
        let title = model::text::plain_text(content);
        let leading = size * 1.22;
        let start = self.flow.items.len();
        for (i, line) in set.lines.into_iter().enumerate() {
            if i > 0 {
                self.flow.penalty(NEVER);
            }
            let mut vbox = line_box(line, frame, leading, BoxKind::Heading);
            if i == 0 {
                vbox.items.push(Item::Destination {
                    name: (self.setter.destination)(id),
                    x: frame.left,
                    y: 0.0,
                });
                vbox.marks
                    .push((level, title.clone(), (self.setter.destination)(id)));
            }
            self.flow.push_box(vbox);
        }
        if self.flow.items.len() == start {
            return;
        }
        // Keep the heading with at least two lines of what follows, whatever it is.
        self.flow.keep_with_next();
        self.flow.glue(below, below * 0.2, &frame.bars);
        self.flow.keep_lines(2);
    }

    /// `indent`, reduced so that deep nesting never leaves less than a narrow measure (or
    /// pushes text off the page): past that, nested blocks stop moving right.
    fn capped_indent(&self, indent: f32, frame: &Frame) -> f32 {
        indent.min((frame.width - self.scale.body * 8.0).max(0.0))
    }

    fn quote(&mut self, blocks: &[Block], frame: &Frame) {
        let indent = self.capped_indent(self.scale.body * 1.4, frame);
        let mut inner = frame.clone();
        inner.bars.push(frame.left + self.scale.body * 0.35);
        inner.left += indent;
        inner.width -= indent;
        self.blocks(blocks, &inner);
    }

    fn code(&mut self, code: &str, lang: Option<&str>, frame: &Frame) {
        let s = self.scale;
        let pad = s.code * 0.6;
        // Size: 80 columns fit the block where the page allows, never below 7 pt.
        let fonts = self.setter.shaper.fonts;
        let mono = fonts.get(fonts.select(Family::Mono, Default::default()));
        let cell = mono
            .face
            .glyph_index('0')
            .map(|g| mono.advance_em(g.0))
            .unwrap_or(0.6);
        let usable = frame.width - 2.0 * pad;
        let size = s.code.min(usable / (80.0 * cell.max(0.3))).max(7.0);
        let leading = size * 1.3;
        let inner = Frame {
            left: frame.left + pad,
            ..frame.clone()
        };
        let mut boxes: Vec<VBox> = Vec::new();
        for spans in code_spans(code, lang) {
            let runs: Vec<(TextStyle, String)> = spans
                .into_iter()
                .map(|(text, bold, italic, color)| {
                    (
                        TextStyle {
                            bold,
                            italic,
                            color,
                            preserve_spaces: true,
                            ..TextStyle::mono(size)
                        },
                        text,
                    )
                })
                .collect();
            // Long lines wrap, with a continuation mark; the mark's room is kept free.
            let set = self.set_code_line(&runs, size, usable - size);
            let count = set.len();
            for (k, line) in set.into_iter().enumerate() {
                let mut vbox = line_box(line, &inner, leading, BoxKind::Code);
                if k + 1 < count {
                    let baseline = baseline_of(&vbox);
                    let mark = self.glyph_run("→", size, frame.left + frame.width - pad * 0.5, baseline);
                    vbox.items.push(Item::Text(mark));
                }
                boxes.push(vbox);
            }
        }
        if boxes.is_empty() {
            return;
        }
        // Padding above the first line and below the last, then the background of each line.
        let last = boxes.len() - 1;
        boxes[0].height += pad;
        translate(&mut boxes[0].items, 0.0, pad);
        boxes[last].height += pad;
        let n = boxes.len();
        for (i, mut b) in boxes.into_iter().enumerate() {
            b.items.insert(
                0,
                Item::Rect {
                    x: frame.left,
                    y: 0.0,
                    width: frame.width,
                    height: b.height,
                    fill: Some(style::CODE_BACKGROUND),
                    stroke: None,
                },
            );
            if i > 0 {
                // Never a single line of a block alone on a page.
                let cost = if i == 1 || i == n - 1 { NEVER } else { 0.0 };
                self.flow.penalty(cost);
            }
            self.flow.push_box(b);
        }
    }

    /// Sets one line of code: spaces as typed, breaks only when the line is too long.
    fn set_code_line(&mut self, runs: &[(TextStyle, String)], size: f32, measure: f32) -> Vec<SetLine> {
        let spec = ParagraphSpec {
            style: TextStyle::mono(size),
            align: Align::Left,
            measure,
            indent: 0.0,
        };
        let set = if runs.iter().all(|(_, t)| t.trim().is_empty()) {
            SetParagraph::default()
        } else {
            self.setter.set_styled(runs, &spec)
        };
        if set.lines.is_empty() {
            // An empty line of code keeps its height.
            return vec![SetLine {
                ascent: size * 0.8,
                descent: size * 0.2,
                ..SetLine::default()
            }];
        }
        set.lines
    }

    fn glyph_run(&mut self, text: &str, size: f32, x: f32, baseline: f32) -> super::page::TextRun {
        let font = self.setter.shaper.fonts.select(Family::Serif, Default::default());
        let shaped = self.setter.shaper.shape(font, Variant::Text, text);
        let mut glyphs = Vec::new();
        let mut gx = 0.0;
        for g in &shaped.glyphs {
            glyphs.push(super::page::Glyph {
                id: g.id,
                x: gx,
                advance: g.advance * size,
                text_end: u16::try_from(text.len()).unwrap_or(0),
            });
            gx += g.advance * size;
        }
        super::page::TextRun {
            font,
            size,
            color: style::MUTED,
            x: x - gx,
            y: baseline,
            dy: 0.0,
            glyphs,
            text: text.to_string(),
        }
    }

    fn list(&mut self, start: Option<u64>, tight: bool, items: &[model::ListItem], frame: &Frame) {
        let s = self.scale;
        let body = self.body_style();
        // The marker column: wide enough for the largest number.
        let last_number = start.map(|n| n.saturating_add(items.len() as u64).saturating_sub(1));
        let marker_width = match last_number {
            Some(n) => {
                let text = format!("{n}.");
                let font = self.setter.shaper.fonts.select(Family::Serif, Default::default());
                self.setter.shaper.shape(font, Variant::Text, &text).advance * s.body + s.body * 0.5
            }
            None => s.body * 1.3,
        };
        let indent = self.capped_indent(marker_width.max(s.body * 1.6), frame);
        let mut inner = frame.clone();
        inner.left += indent;
        inner.width -= indent;
        inner.tight = tight;
        inner.list_depth += 1;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                if tight {
                    self.flow.glue(s.leading * 0.1, s.par_stretch * 0.3, &frame.bars);
                } else {
                    self.block_space(frame);
                }
            }
            // The marker, right-aligned for numbers, drawn on the item's first line.
            let marker = match (start, item.task) {
                (_, Some(done)) => self.task_box(done, indent),
                (Some(n), None) => {
                    let text = format!("{}.", n.saturating_add(i as u64));
                    self.marker_text(&text, body, indent, true)
                }
                (None, None) => {
                    let bullet = BULLETS[frame.list_depth % BULLETS.len()];
                    self.marker_text(bullet, body, indent, false)
                }
            };
            self.item_blocks(&item.blocks, &inner, marker);
        }
    }

    /// Lays out an item's blocks, putting `marker` (relative to the item's left edge) on its
    /// first line.
    fn item_blocks(&mut self, blocks: &[Block], inner: &Frame, marker: Vec<Item>) {
        let mut marker = Some(marker);
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 {
                if inner.tight {
                    self.flow.glue(self.scale.leading * 0.15, 0.0, &inner.bars);
                } else {
                    self.block_space(inner);
                }
            }
            match (&block.kind, marker.take()) {
                (BlockKind::Paragraph { content }, Some(m)) => {
                    let body = self.body_style();
                    self.paragraph(content, inner, body, Some(m));
                }
                (_, Some(m)) => {
                    // The marker on a box of its own line height, kept with the block.
                    let mut m = m;
                    translate(&mut m, inner.left, self.scale.leading * 0.78);
                    let start = self.flow.items.len();
                    self.block(block, inner);
                    self.attach_marker(start, m);
                }
                (_, None) => self.block(block, inner),
            }
        }
        if blocks.is_empty()
            && let Some(m) = marker
        {
            let mut m = m;
            translate(&mut m, inner.left, self.scale.leading * 0.78);
            self.flow
                .push_box(VBox::new(self.scale.leading, m, BoxKind::Other));
        }
    }

    /// Adds marker items to the first box laid out since `start`.
    fn attach_marker(&mut self, start: usize, marker: Vec<Item>) {
        for f in &mut self.flow.items[start..] {
            if let super::flow::Flow::Box(b) = f {
                let first_baseline = baseline_of(b);
                let mut m = marker;
                translate(&mut m, 0.0, first_baseline - self.scale.leading * 0.78);
                b.items.extend(m);
                return;
            }
        }
    }

    fn marker_text(&mut self, text: &str, style: TextStyle, indent: f32, right_align: bool) -> Vec<Item> {
        let spec = ParagraphSpec {
            style,
            align: Align::Left,
            measure: indent * 4.0,
            indent: 0.0,
        };
        let set = self.setter.set_text(text, &spec);
        let Some(line) = set.lines.into_iter().next() else {
            return Vec::new();
        };
        let gap = self.scale.body * 0.45;
        let x = if right_align {
            -gap - line.right
        } else {
            -indent + (indent - gap - line.right).min(self.scale.body * 0.4)
        };
        let mut items = line.items;
        translate(&mut items, x, 0.0);
        items
    }

    fn task_box(&mut self, done: bool, indent: f32) -> Vec<Item> {
        let s = self.scale.body * 0.72;
        let x = -indent + (indent - s) / 2.0 - self.scale.body * 0.1;
        let y = -s * 0.92;
        let mut items = vec![Item::Rect {
            x,
            y,
            width: s,
            height: s,
            fill: None,
            stroke: Some((Rgb::BLACK, 0.6)),
        }];
        if done {
            // A tick drawn as two strokes.
            items.push(Item::Line {
                from: (x + s * 0.18, y + s * 0.52),
                to: (x + s * 0.42, y + s * 0.78),
                width: 1.0,
                color: Rgb::BLACK,
            });
            items.push(Item::Line {
                from: (x + s * 0.42, y + s * 0.78),
                to: (x + s * 0.86, y + s * 0.16),
                width: 1.0,
                color: Rgb::BLACK,
            });
        }
        items
    }

    fn definitions(&mut self, items: &[model::Definition], frame: &Frame) {
        let indent = self.capped_indent(self.scale.body * 1.8, frame);
        let mut inner = frame.clone();
        inner.left += indent;
        inner.width -= indent;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.block_space(frame);
            }
            let term = TextStyle {
                bold: true,
                hyphenate: false,
                ..self.body_style()
            };
            self.paragraph(&item.term, frame, term, None);
            self.flow.keep_with_next();
            for (k, def) in item.definitions.iter().enumerate() {
                if k > 0 {
                    self.flow.glue(self.scale.leading * 0.2, 0.0, &frame.bars);
                } else {
                    self.flow.glue(self.scale.leading * 0.1, 0.0, &frame.bars);
                    self.flow.keep_with_next();
                }
                self.blocks(def, &inner);
            }
        }
    }

    fn table(
        &mut self,
        aligns: &[model::Align],
        head: &[Vec<Inline>],
        rows: &[Vec<Vec<Inline>>],
        frame: &Frame,
    ) {
        let columns = aligns.len();
        if columns == 0 {
            return;
        }
        let base = self.scale.body;
        let min_size = 7.0f32.min(base);
        // Shrink the type until the narrowest possible columns fit (down to a readable
        // minimum); past that, cells break long words.
        let mut size = base;
        let (mins, prefs, pad) = loop {
            let pad = size * 0.45;
            let (mins, prefs) = self.column_widths(columns, head, rows, size);
            let need: f32 = mins.iter().map(|m| m + 2.0 * pad).sum();
            if need <= frame.width || size <= min_size {
                break (mins, prefs, pad);
            }
            size = (size * 0.92).max(min_size);
        };
        if frame.width - 2.0 * pad * (columns as f32) < size * columns as f32 {
            // Too many columns for the page (under an em each): each row is set as a
            // paragraph of `header: cell` pairs instead of overlapping columns.
            self.stacked_table(head, rows, frame);
            return;
        }
        // A hair of room so that a cell set at exactly its natural width stays on one line.
        let prefs: Vec<f32> = prefs.iter().map(|p| p + 0.5).collect();
        let widths = distribute(&mins, &prefs, frame.width - 2.0 * pad * columns as f32);
        let leading = size * 1.3;
        let header = if head.iter().any(|c| !c.is_empty()) {
            let mut b = self.row(head, aligns, &widths, size, leading, pad, true, frame);
            // A heavier rule above the header (the table's top) and below it.
            let w: f32 = widths.iter().map(|w| w + 2.0 * pad).sum();
            b.items.push(hline(frame.left, w, 0.0, 0.8));
            b.items.push(hline(frame.left, w, b.height, 0.5));
            Some(b)
        } else {
            None
        };
        let total_width: f32 = widths.iter().map(|w| w + 2.0 * pad).sum();
        let repeat = header.clone().map(|h| Arc::new(vec![h]));
        if let Some(h) = header {
            self.flow.push_box(h);
            self.flow.keep_with_next();
        }
        let n = rows.len();
        for (i, row) in rows.iter().enumerate() {
            let mut b = self.row(row, aligns, &widths, size, leading, pad, false, frame);
            let bottom = if i + 1 == n { 0.8 } else { 0.25 };
            b.items.push(hline(frame.left, total_width, b.height, bottom));
            if repeat.is_none() && i == 0 {
                b.items.push(hline(frame.left, total_width, 0.0, 0.8));
            }
            b.header = repeat.clone();
            if i > 0 {
                let cost = if n >= 3 && (i == 1 || i == n - 1) {
                    NEVER
                } else {
                    0.0
                };
                self.flow.penalty(cost);
            }
            self.flow.push_box(b);
        }
    }

    /// A table too wide for the page: one ragged paragraph per row, `header: cell; ...`,
    /// rows separated by a thin rule.
    fn stacked_table(&mut self, head: &[Vec<Inline>], rows: &[Vec<Vec<Inline>>], frame: &Frame) {
        let ragged = Frame {
            ragged: true,
            ..frame.clone()
        };
        if rows.is_empty() {
            let mut content = Vec::new();
            for (c, h) in head.iter().enumerate() {
                if c > 0 {
                    content.push(Inline::Text { text: "; ".into() });
                }
                content.push(Inline::Strong { content: h.clone() });
            }
            self.paragraph(&content, &ragged, self.body_style(), None);
            return;
        }
        for (i, row) in rows.iter().enumerate() {
            let mut content = Vec::new();
            for (c, cell) in row.iter().enumerate() {
                if c > 0 {
                    content.push(Inline::Text { text: "; ".into() });
                }
                if let Some(h) = head.get(c).filter(|h| !h.is_empty()) {
                    content.push(Inline::Strong { content: h.clone() });
                    content.push(Inline::Text { text: ": ".into() });
                }
                content.extend(cell.iter().cloned());
            }
            if i > 0 {
                self.block_space(frame);
            }
            self.paragraph(&content, &ragged, self.body_style(), None);
        }
    }

    /// Minimum (widest word) and preferred (one line) width of each column at `size`.
    fn column_widths(
        &mut self,
        columns: usize,
        head: &[Vec<Inline>],
        rows: &[Vec<Vec<Inline>>],
        size: f32,
    ) -> (Vec<f32>, Vec<f32>) {
        let mut mins = vec![0.0f32; columns];
        let mut prefs = vec![0.0f32; columns];
        let body = TextStyle {
            size,
            ..TextStyle::body(size)
        };
        let bold = TextStyle { bold: true, ..body };
        for (row, style) in std::iter::once((head, bold)).chain(rows.iter().map(|r| (r.as_slice(), body))) {
            for (c, cell) in row.iter().enumerate().take(columns) {
                let (min, pref) = self.setter.natural_widths(cell, style, &self.doc.images);
                mins[c] = mins[c].max(min);
                prefs[c] = prefs[c].max(pref);
            }
        }
        (mins, prefs)
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        cells: &[Vec<Inline>],
        aligns: &[model::Align],
        widths: &[f32],
        size: f32,
        leading: f32,
        pad: f32,
        header: bool,
        frame: &Frame,
    ) -> VBox {
        let vpad = size * 0.35;
        let mut x = frame.left;
        let mut items = Vec::new();
        let mut height: f32 = leading;
        let mut footnotes = Vec::new();
        let mut cell_items = Vec::new();
        for (c, &w) in widths.iter().enumerate() {
            let content = cells.get(c).map(Vec::as_slice).unwrap_or(&[]);
            let align = match aligns.get(c) {
                Some(model::Align::Center) => Align::Center,
                Some(model::Align::Right) => Align::Right,
                _ => Align::Left,
            };
            let style = TextStyle {
                bold: header,
                hyphenate: true,
                ..TextStyle::body(size)
            };
            let spec = ParagraphSpec {
                style,
                align,
                measure: w,
                indent: 0.0,
            };
            let set = self.setter.set(content, &spec, &self.doc.images);
            self.reports.push(set.stats);
            let cell_frame = Frame {
                left: x + pad,
                width: w,
                bars: Vec::new(),
                tight: true,
                ragged: true,
                list_depth: 0,
            };
            let mut y = vpad;
            let mut its = Vec::new();
            for line in set.lines {
                let mut b = line_box(line, &cell_frame, leading, BoxKind::Row);
                translate(&mut b.items, 0.0, y);
                footnotes.extend(b.footnotes);
                y += b.height;
                its.extend(b.items);
            }
            height = height.max(y + vpad);
            cell_items.push(its);
            x += w + 2.0 * pad;
        }
        for its in cell_items {
            items.extend(its);
        }
        for &bx in &frame.bars {
            items.push(bar(bx, height));
        }
        let mut b = VBox::new(height, items, BoxKind::Row);
        b.footnotes = footnotes;
        b
    }

    fn figure(&mut self, image: usize, alt: &str, caption: &[Inline], frame: &Frame) {
        let s = self.scale;
        let caption_style = TextStyle {
            size: s.small,
            italic: true,
            ..self.body_style()
        };
        let caption_spec = ParagraphSpec {
            style: caption_style,
            align: Align::Center,
            measure: frame.width * 0.9,
            indent: 0.0,
        };
        let caption_set = if caption.is_empty() {
            SetParagraph::default()
        } else {
            self.setter.set(caption, &caption_spec, &self.doc.images)
        };
        let caption_height = caption_set.lines.len() as f32 * s.small * 1.3;
        let gap = s.leading * 0.5;
        let mut items = Vec::new();
        let img = &self.doc.images[image];
        let (mut height, missing) = if img.is_available() && img.width > 0.0 && img.height > 0.0 {
            // Natural size: raster at 150 dpi, SVG at 96 CSS pixels per inch; never enlarged.
            let per_px = if img.format == ImageFormat::Svg {
                0.75
            } else {
                72.0 / 150.0
            };
            let (w0, h0) = (img.width * per_px, img.height * per_px);
            let max_h = (self.text_height * 0.85 - caption_height - gap).max(s.leading * 3.0);
            let scale = (frame.width / w0).min(max_h / h0).min(1.0);
            let (w, h) = (w0 * scale, h0 * scale);
            items.push(Item::Image {
                image,
                x: frame.left + (frame.width - w) / 2.0,
                y: 0.0,
                width: w,
                height: h,
            });
            (h, false)
        } else {
            // A missing image: its alt text in a frame.
            let spec = ParagraphSpec {
                style: TextStyle {
                    italic: true,
                    ..self.body_style()
                },
                align: Align::Center,
                measure: frame.width * 0.8,
                indent: 0.0,
            };
            let text = if alt.trim().is_empty() {
                "image not available"
            } else {
                alt
            };
            let set = self.setter.set_text(text, &spec);
            let mut y = s.leading * 0.6;
            let inner = Frame {
                left: frame.left + frame.width * 0.1,
                width: frame.width * 0.8,
                ..frame.clone()
            };
            for line in set.lines {
                let mut b = line_box(line, &inner, s.leading, BoxKind::Other);
                translate(&mut b.items, 0.0, y);
                y += b.height;
                items.extend(b.items);
            }
            let h = y + s.leading * 0.6;
            items.push(Item::Rect {
                x: frame.left,
                y: 0.0,
                width: frame.width,
                height: h,
                fill: None,
                stroke: Some((style::RULE, 0.6)),
            });
            (h, true)
        };
        let _ = missing;
        if !caption_set.lines.is_empty() {
            height += gap;
            let inner = Frame {
                left: frame.left + frame.width * 0.05,
                width: frame.width * 0.9,
                ..frame.clone()
            };
            for line in caption_set.lines {
                let mut b = line_box(line, &inner, s.small * 1.3, BoxKind::Other);
                translate(&mut b.items, 0.0, height);
                height += b.height;
                items.extend(b.items);
            }
        }
        for &x in &frame.bars {
            items.push(bar(x, height));
        }
        let mut b = VBox::new(height, items, BoxKind::Figure);
        b.float = frame.bars.is_empty() && frame.list_depth == 0;
        self.flow.push_box(b);
    }

    fn math(&mut self, source: &str, frame: &Frame) {
        let style = TextStyle {
            italic: true,
            hyphenate: false,
            code_breaks: true,
            ..self.body_style()
        };
        let spec = ParagraphSpec {
            style,
            align: Align::Center,
            measure: frame.width,
            indent: 0.0,
        };
        let set = self.setter.set_text(source, &spec);
        self.push_lines(set, frame, self.scale.leading, LinesKind::Other, Vec::new());
    }

    fn rule(&mut self, frame: &Frame) {
        let w = frame.width / 3.0;
        let x = frame.left + (frame.width - w) / 2.0;
        let h = self.scale.leading;
        let items = vec![Item::Line {
            from: (x, h / 2.0),
            to: (x + w, h / 2.0),
            width: 0.5,
            color: style::RULE,
        }];
        self.flow.push_box(VBox::new(h, items, BoxKind::Other));
    }
}

/// Whether a paragraph is a label of the code or figure next to it: a file name right
/// before a code block (`src/main.rs`), or a numbered caption right after one ("Listing 7-12:
/// ...", "Figure 4-1: ..."). Such labels are set small and ragged, as captions.
fn caption_role(prev: Option<&Block>, block: &Block, next: Option<&Block>) -> bool {
    let BlockKind::Paragraph { content } = &block.kind else {
        return false;
    };
    let text = model::text::plain_text(content);
    let text = text.trim();
    let is_code = |b: Option<&Block>| matches!(b.map(|b| &b.kind), Some(BlockKind::CodeBlock { .. }));
    let after_visual = matches!(
        prev.map(|b| &b.kind),
        Some(BlockKind::CodeBlock { .. } | BlockKind::Figure { .. } | BlockKind::Table { .. })
    );
    let numbered = ["Listing ", "Figure ", "Table "].iter().any(|p| {
        text.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()) && rest.contains(':'))
    });
    let file_name = !text.is_empty()
        && text.len() <= 80
        && !text.contains(char::is_whitespace)
        && (text.contains('.') || text.contains('/'));
    (after_visual && numbered) || (is_code(next) && file_name) || (numbered && is_code(next))
}

/// Whether no page may break between two adjacent blocks: a one-line paragraph that
/// introduces a code block (a file name) and a short paragraph right after one (its caption,
/// "Listing 7-12: ...") stay with the code.
fn keeps_together(prev: &Block, next: &Block, prev_lines: usize) -> bool {
    let short = |b: &Block| match &b.kind {
        BlockKind::Paragraph { content } => model::text::plain_text(content).chars().count() <= 120,
        _ => false,
    };
    match (&prev.kind, &next.kind) {
        (BlockKind::Paragraph { .. }, BlockKind::CodeBlock { .. }) => prev_lines == 1,
        (BlockKind::CodeBlock { .. }, BlockKind::Paragraph { .. }) => short(next),
        _ => false,
    }
}

/// How lines of a paragraph-like block count for pagination rules.
#[derive(Debug, Clone, Copy)]
enum LinesKind {
    Body,
    Other,
}

/// A line as a box: at least `leading` high, baseline placed so that lines of body text
/// sit on a regular grid.
pub fn line_box(line: SetLine, frame: &Frame, leading: f32, kind: BoxKind) -> VBox {
    let descent_share = leading * 0.24;
    let descent = line.descent.max(descent_share);
    let ascent = line.ascent.max(leading - descent_share);
    let height = ascent + descent;
    let mut items = line.items;
    translate(&mut items, frame.left, ascent);
    for &x in &frame.bars {
        items.push(bar(x, height));
    }
    let mut b = VBox::new(height, items, kind);
    b.footnotes = line.footnotes;
    b.hyphenated = line.hyphenated;
    b
}

/// A quote rule segment of the given height.
pub fn bar(x: f32, height: f32) -> Item {
    Item::Rect {
        x,
        y: 0.0,
        width: 1.2,
        height,
        fill: Some(style::RULE),
        stroke: None,
    }
}

/// The baseline of a box's first text run (or 78% of its height).
pub fn baseline_of(b: &VBox) -> f32 {
    b.items
        .iter()
        .find_map(|i| match i {
            Item::Text(r) => Some(r.y),
            _ => None,
        })
        .unwrap_or(b.height * 0.78)
}

fn collect_anchor_items(content: &[Inline], out: &mut Vec<Item>, destination: fn(&str) -> String, x: f32) {
    for i in content {
        if let Inline::Anchor { id } = i {
            out.push(Item::Destination {
                name: destination(id),
                x,
                y: 0.0,
            });
        }
    }
}

/// The lines of a code block as styled spans: (text, bold, italic, colour). Tabs become
/// four spaces.
fn code_spans(code: &str, lang: Option<&str>) -> Vec<Vec<(String, bool, bool, Rgb)>> {
    let lang = crate::highlight::effective_language(lang, code);
    crate::highlight::highlight(code, lang)
        .into_iter()
        .map(|line| {
            line.into_iter()
                .map(|span| {
                    let st = span.style();
                    (
                        span.text.replace('\t', "    "),
                        st.bold,
                        st.italic,
                        Rgb(st.color.r, st.color.g, st.color.b),
                    )
                })
                .collect()
        })
        .collect()
}

/// A horizontal rule across a table, at height `y` of its row.
fn hline(x: f32, width: f32, y: f32, weight: f32) -> Item {
    Item::Line {
        from: (x, y),
        to: (x + width, y),
        width: weight,
        color: style::RULE,
    }
}

/// Column widths for `available` points: preferred widths when they fit, else each column
/// gets its minimum plus a share of the rest in proportion to how much more it would like.
pub fn distribute(mins: &[f32], prefs: &[f32], available: f32) -> Vec<f32> {
    let pref_total: f32 = prefs.iter().sum();
    if pref_total <= available {
        return prefs.to_vec();
    }
    let min_total: f32 = mins.iter().sum();
    if min_total >= available {
        // Even the minimum does not fit: scale the minimums (cells then break words).
        let k = if min_total > 0.0 {
            available / min_total
        } else {
            0.0
        };
        return mins.iter().map(|m| m * k).collect();
    }
    let extra = available - min_total;
    let want: f32 = prefs.iter().zip(mins).map(|(p, m)| (p - m).max(0.0)).sum();
    prefs
        .iter()
        .zip(mins)
        .map(|(p, m)| {
            m + if want > 0.0 {
                extra * (p - m).max(0.0) / want
            } else {
                0.0
            }
        })
        .collect()
}
