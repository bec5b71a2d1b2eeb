//! The vertical list a chapter becomes before pagination: boxes (lines, rows, figures) with
//! their items, stretchable glue between blocks, and penalties that say where a page may
//! break and at what cost (the widow, orphan and keep-with-next rules live here as infinite
//! penalties).

use std::sync::Arc;

use super::page::Item;

/// Penalty that forbids a break.
pub const NEVER: f32 = 10_000.0;

/// An element of the vertical list.
#[derive(Debug, Clone)]
pub enum Flow {
    Box(VBox),
    /// Space between blocks; discarded at a page break. `bars` are quote rules drawn through
    /// it (x positions relative to the text block).
    Glue {
        height: f32,
        stretch: f32,
        shrink: f32,
        bars: Vec<f32>,
    },
    /// A place to break and its cost (negative: a good place; `NEVER`: forbidden).
    Penalty(f32),
    /// Start the next content on a new page (chapter openings).
    NewPage,
}

/// What a box holds, for pagination rules and quality reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxKind {
    /// A line of body text; `first`/`last` in its paragraph.
    Line {
        first: bool,
        last: bool,
    },
    Heading,
    Code,
    Row,
    Figure,
    Other,
}

/// An unbreakable box: items are positioned relative to its top-left corner (the left edge
/// of the text block).
#[derive(Debug, Clone)]
pub struct VBox {
    pub height: f32,
    pub items: Vec<Item>,
    /// Footnotes referenced inside, in order.
    pub footnotes: Vec<u32>,
    pub kind: BoxKind,
    /// May move to the top of the next page when it does not fit (figures).
    pub float: bool,
    /// Table header rows to repeat above this row when it starts a page.
    pub header: Option<Arc<Vec<VBox>>>,
    /// Headings that start here: (level, title, destination).
    pub marks: Vec<(u8, String, String)>,
    /// Lines that end with a hyphen (a page should not end with one).
    pub hyphenated: bool,
}

impl VBox {
    pub fn new(height: f32, items: Vec<Item>, kind: BoxKind) -> VBox {
        VBox {
            height,
            items,
            footnotes: Vec::new(),
            kind,
            float: false,
            header: None,
            marks: Vec::new(),
            hyphenated: false,
        }
    }
}

/// Builds a vertical list, enforcing that glue is only a break point after a box.
#[derive(Debug, Default)]
pub struct FlowBuilder {
    pub items: Vec<Flow>,
    /// Boxes still to come before a break is allowed again (keep-with-next).
    keep: usize,
}

impl FlowBuilder {
    pub fn push_box(&mut self, b: VBox) {
        let counts = b.height > 0.0;
        self.items.push(Flow::Box(b));
        if counts && self.keep > 0 {
            self.keep -= 1;
        }
    }

    /// Forbids every break until `lines` more boxes have been added.
    pub fn keep_lines(&mut self, lines: usize) {
        self.keep = self.keep.max(lines);
        self.keep_with_next();
    }

    pub fn penalty(&mut self, cost: f32) {
        let cost = if self.keep > 0 { NEVER } else { cost };
        // Two penalties in a row: the larger wins (a "never" is never weakened).
        if let Some(Flow::Penalty(prev)) = self.items.last_mut() {
            if cost >= NEVER || *prev >= NEVER {
                *prev = prev.max(cost);
            } else {
                *prev = prev.min(cost);
            }
            return;
        }
        self.items.push(Flow::Penalty(cost));
    }

    /// Adds space between blocks. Consecutive glue merges (the larger space wins).
    pub fn glue(&mut self, height: f32, stretch: f32, bars: &[f32]) {
        // Merge with the glue just before (or just before a "never" penalty).
        let n = self.items.len();
        let target = match self.items.last() {
            Some(Flow::Glue { .. }) => Some(n - 1),
            Some(Flow::Penalty(p))
                if *p >= NEVER && n >= 2 && matches!(self.items[n - 2], Flow::Glue { .. }) =>
            {
                Some(n - 2)
            }
            _ => None,
        };
        if let Some(i) = target
            && let Flow::Glue {
                height: h,
                stretch: s,
                ..
            } = &mut self.items[i]
        {
            *h = h.max(height);
            *s = s.max(stretch);
            return;
        }
        if self.items.is_empty() {
            return;
        }
        if self.keep > 0 {
            self.penalty(NEVER);
        }
        self.items.push(Flow::Glue {
            height,
            stretch,
            shrink: height * 0.3,
            bars: bars.to_vec(),
        });
    }

    pub fn new_page(&mut self) {
        self.items.push(Flow::NewPage);
    }

    /// Forbids a break at the end of what is built so far (keep with what follows).
    pub fn keep_with_next(&mut self) {
        self.penalty(NEVER);
    }
}
