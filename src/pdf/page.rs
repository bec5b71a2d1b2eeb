//! The layout result: pages of positioned items (glyph runs, rules, rectangles, images, link
//! areas, destinations) as plain data. Tests inspect it without reading a PDF; the writer turns
//! it into one and does nothing else.
//!
//! Coordinates are in points with the origin at the top-left corner of the page and y growing
//! downwards; the writer flips them for PDF.

use std::sync::Arc;

use super::fonts::{FontId, FontSet};

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
}

/// A laid-out document.
pub struct Layout {
    pub pages: Vec<Page>,
    pub fonts: Arc<FontSet>,
    /// Headings in document order, for the PDF outline.
    pub outline: Vec<OutlineEntry>,
    /// Page label ranges (roman front matter, arabic body), in page order.
    pub labels: Vec<LabelRange>,
    /// Quality figures of the layout, for tests and reports.
    pub report: LayoutReport,
}

/// One page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
    /// The page number as printed ("iii", "12"), empty when none is printed.
    pub label: String,
}

/// A positioned element.
#[derive(Debug, Clone)]
pub enum Item {
    Text(TextRun),
    /// A straight stroked line.
    Line {
        from: (f32, f32),
        to: (f32, f32),
        width: f32,
        color: Rgb,
    },
    /// A rectangle, filled and/or stroked; `(x, y)` is its top-left corner.
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    /// An image of the document (`Document::images[image]`); `(x, y)` is its top-left corner.
    Image {
        image: usize,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
    /// A clickable area.
    Link {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        target: LinkTarget,
    },
    /// A named destination (a heading, an anchor, a footnote) at a vertical position.
    Destination {
        name: String,
        x: f32,
        y: f32,
    },
}

/// Where a link area leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkTarget {
    Uri(String),
    /// A named destination of this document.
    Named(String),
}

/// Glyphs of one font, size and colour on one baseline.
#[derive(Debug, Clone)]
pub struct TextRun {
    pub font: FontId,
    pub size: f32,
    pub color: Rgb,
    /// Start of the run: left edge, baseline.
    pub x: f32,
    pub y: f32,
    /// Vertical offset of the run's glyphs from the baseline, in points (positive is up):
    /// a glyph the shaper raises or lowers (a mark on a base letter) is a run of its own.
    pub dy: f32,
    pub glyphs: Vec<Glyph>,
    /// The text the glyphs show, in order; each glyph shows its part of it.
    pub text: String,
}

impl TextRun {
    /// The text glyph `i` stands for: from the end of the previous glyph's text to the end
    /// of its own (empty for the second glyph of a cluster).
    pub fn glyph_text(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(before) => self.glyphs[before].text_end,
            None => 0,
        };
        self.text
            .get(start as usize..self.glyphs[i].text_end as usize)
            .unwrap_or("")
    }

    /// Right edge of the last glyph, in page coordinates.
    pub fn right(&self) -> f32 {
        self.glyphs
            .last()
            .map(|g| self.x + g.x + g.advance)
            .unwrap_or(self.x)
    }
}

/// One glyph of a run (12 bytes: a book holds a million of them).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub id: u16,
    /// End (in bytes) of the part of `TextRun::text` this glyph shows; the part starts where
    /// the previous glyph's ends. A run's text is kept under 64 KB (layout starts another
    /// run before it would grow past that).
    pub text_end: u16,
    /// Horizontal position relative to the run's `x`, in points.
    pub x: f32,
    /// Advance as shaped, in points (the writer corrects the font's rounded widths to it).
    pub advance: f32,
}

/// A heading in the outline.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineEntry {
    pub level: u8,
    pub title: String,
    /// Named destination of the heading.
    pub destination: String,
    pub page: usize,
    pub y: f32,
}

/// Numbering style of a page label range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelStyle {
    LowerRoman,
    Arabic,
}

/// Pages from `start` (0-based) on are numbered in `style` from `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelRange {
    pub start: usize,
    pub style: LabelStyle,
    pub first: u32,
}

/// Quality figures of one layout.
#[derive(Debug, Clone, Default)]
pub struct LayoutReport {
    pub paragraphs: Vec<ParagraphStats>,
    /// Page-break rules that could not be kept, with the page (0-based) they concern.
    pub faults: Vec<(usize, PageFault)>,
    /// Lines wider than their measure (should stay empty).
    pub overfull_lines: usize,
}

/// Line-breaking figures of one paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ParagraphStats {
    pub lines: usize,
    pub demerits: f32,
    pub hyphens: usize,
    /// Longest run of consecutive hyphenated lines.
    pub max_hyphen_run: usize,
    /// Largest adjustment ratio of a line other than the last.
    pub max_ratio: f32,
    /// Which pass succeeded: 1 without hyphenation, 2 with, 3 emergency, 4 last resort.
    pub pass: u8,
}

/// A page-break rule that was broken because nothing else fitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFault {
    Widow,
    Orphan,
    StrandedHeading,
    /// A block taller than a page had to be cut.
    Cut,
    /// A footnote could not start on its reference's page.
    FootnoteMoved,
}
