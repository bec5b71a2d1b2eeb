//! Page breaking: fills pages from the vertical list the way TeX's page builder does — it
//! remembers the cheapest place to break seen so far (page badness plus penalty) and breaks
//! there when the next box no longer fits. Penalties carry the widow, orphan and keep rules;
//! footnotes go to the foot of the page holding their reference (a long one continues on the
//! next page); figures that do not fit float to the next page while text fills the gap; a
//! table's header row is repeated on the pages it continues on; pages are filled to the same
//! bottom line by stretching the space between blocks.

use std::collections::VecDeque;
use std::sync::Arc;

use super::flow::{BoxKind, Flow, NEVER, VBox};
use super::page::PageFault;

/// A box placed on a page, `y` from the top of the text block.
#[derive(Debug, Clone)]
pub struct Placed {
    pub y: f32,
    pub vbox: VBox,
}

/// The content of one page's text block.
#[derive(Debug, Clone, Default)]
pub struct PageBody {
    pub boxes: Vec<Placed>,
    /// Footnote lines, `y` from the top of the text block.
    pub notes: Vec<Placed>,
    /// Where the footnote rule goes (from the top of the text block), if any notes.
    pub note_rule: Option<f32>,
    pub faults: Vec<PageFault>,
}

/// Footnote bodies as lines, by number (index number - 1).
pub type Notes = Vec<Vec<VBox>>;

/// Page-breaking settings.
#[derive(Debug, Clone, Copy)]
pub struct PageSpec {
    /// Height of the text block.
    pub height: f32,
    /// Space between the text and the footnote rule, and the rule's own room.
    pub note_gap: f32,
    /// Largest stretch ratio used to fill a page to the bottom.
    pub max_stretch: f32,
}

struct Builder<'n> {
    spec: PageSpec,
    notes: &'n Notes,
    pages: Vec<PageBody>,
    /// Contributions to the current page.
    cur: Vec<Flow>,
    /// Footnote lines continued from the previous page.
    carried: Vec<VBox>,
    floats: VecDeque<VBox>,
    /// Header rows of the table the previous page ended in.
    open_table: Option<Arc<Vec<VBox>>>,
}

/// Running totals of the current page up to some point.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    height: f32,
    stretch: f32,
    shrink: f32,
    notes: f32,
}

impl Builder<'_> {
    fn note_height(&self, n: u32) -> f32 {
        self.notes
            .get(n as usize - 1)
            .map(|lines| lines.iter().map(|b| b.height).sum())
            .unwrap_or(0.0)
    }

    fn first_note_line(&self, n: u32) -> f32 {
        self.notes
            .get(n as usize - 1)
            .and_then(|lines| lines.first())
            .map(|b| b.height)
            .unwrap_or(0.0)
    }

    fn carried_height(&self) -> f32 {
        self.carried.iter().map(|b| b.height).sum()
    }

    /// Totals of `cur` (all of it).
    fn totals(&self) -> Totals {
        let mut t = Totals {
            notes: self.carried_height(),
            ..Totals::default()
        };
        for f in &self.cur {
            self.add(&mut t, f);
        }
        t
    }

    fn add(&self, t: &mut Totals, f: &Flow) {
        match f {
            Flow::Box(b) => self.add_vbox(t, b),
            Flow::Glue {
                height,
                stretch,
                shrink,
                ..
            } => {
                t.height += height;
                t.stretch += stretch;
                t.shrink += shrink;
            }
            _ => {}
        }
    }

    fn add_vbox(&self, t: &mut Totals, b: &VBox) {
        t.height += b.height;
        for &n in &b.footnotes {
            t.notes += self.note_height(n);
        }
    }

    fn notes_room(&self, t: &Totals) -> f32 {
        if t.notes > 0.0 {
            t.notes + self.spec.note_gap
        } else {
            0.0
        }
    }

    /// Cost of breaking with the page holding `t`: badness plus `penalty`; `None` when the
    /// page would be overfull.
    fn cost(&self, t: &Totals, penalty: f32) -> Option<f32> {
        let goal = self.spec.height - self.notes_room(t);
        let badness = if t.height <= goal {
            let short = goal - t.height;
            if short < 0.01 {
                0.0
            } else if t.stretch > 0.0 {
                (100.0 * (short / t.stretch).powi(3)).min(NEVER)
            } else {
                NEVER
            }
        } else {
            let over = t.height - goal;
            if over <= t.shrink + 0.01 {
                100.0 * (over / t.shrink.max(0.01)).powi(3)
            } else {
                return None;
            }
        };
        Some(badness + penalty)
    }

    fn page_is_empty(&self) -> bool {
        !self.cur.iter().any(|f| matches!(f, Flow::Box(_)))
    }

    /// Runs the builder over one chapter's list. Pages end at the list's end.
    fn run(&mut self, flow: Vec<Flow>) {
        let mut queue: VecDeque<Flow> = flow.into();
        self.start_page(&mut queue);
        while let Some(f) = queue.pop_front() {
            match f {
                Flow::NewPage => {
                    if !self.page_is_empty() || !self.floats.is_empty() {
                        self.finish_page(self.cur.len(), false);
                        self.start_page(&mut queue);
                    }
                }
                Flow::Glue { .. } | Flow::Penalty(_) if self.page_is_empty() => {}
                Flow::Box(b) => self.add_box(b, &mut queue),
                other => self.cur.push(other),
            }
        }
        // The chapter's end: flush what remains, floats included.
        while !self.page_is_empty() || !self.floats.is_empty() || !self.carried.is_empty() {
            self.finish_page(self.cur.len(), false);
            let mut empty = VecDeque::new();
            self.start_page(&mut empty);
            if self.page_is_empty() && self.floats.is_empty() && self.carried.is_empty() {
                break;
            }
        }
    }

    /// Puts waiting floats and a repeated table header at the top of a new page.
    fn start_page(&mut self, queue: &mut VecDeque<Flow>) {
        while let Some(f) = self.floats.front() {
            let t = self.totals();
            if self.page_is_empty() || t.height + f.height <= self.spec.height - self.notes_room(&t) {
                let f = self.floats.pop_front().expect("front exists");
                if !self.page_is_empty() {
                    self.cur.push(Flow::Penalty(0.0));
                }
                self.cur.push(Flow::Box(f));
            } else {
                break;
            }
        }
        if let Some(header) = self.open_table.take()
            && let Some(Flow::Box(next)) = queue.iter().find(|f| matches!(f, Flow::Box(_)))
            && next.header.as_ref().is_some_and(|h| Arc::ptr_eq(h, &header))
        {
            for h in header.iter() {
                let mut h = h.clone();
                h.header = None;
                h.kind = BoxKind::Other;
                self.cur.push(Flow::Box(h));
            }
            self.cur.push(Flow::Penalty(NEVER));
        }
    }

    /// Whether the page may break anywhere after its last box.
    fn break_since_last_box(&self) -> bool {
        let last_box = self.cur.iter().rposition(|f| matches!(f, Flow::Box(_)));
        let Some(start) = last_box else { return true };
        self.cur[start + 1..].iter().enumerate().any(|(k, f)| match f {
            Flow::Penalty(p) => *p < NEVER,
            Flow::Glue { .. } => k == 0,
            _ => false,
        })
    }

    fn add_box(&mut self, b: VBox, queue: &mut VecDeque<Flow>) {
        let t = self.totals();
        let mut with = t;
        self.add_vbox(&mut with, &b);
        let goal_after = self.spec.height - self.notes_room(&with);
        if with.height <= goal_after + with.shrink {
            self.cur.push(Flow::Box(b));
            return;
        }
        // A figure that does not fit floats to the next page; text fills the gap.
        // A float never leaves what it is kept with (a heading just above it).
        let kept = !self.break_since_last_box();
        if b.float && !kept && !self.page_is_empty() && b.height <= self.spec.height {
            self.floats.push_back(b);
            return;
        }
        // Its footnotes may split: the box fits if the first line of each new note does.
        if !b.footnotes.is_empty() {
            let mut min = t;
            min.height += b.height;
            for (k, &n) in b.footnotes.iter().enumerate() {
                min.notes += if k + 1 == b.footnotes.len() {
                    self.first_note_line(n)
                } else {
                    self.note_height(n)
                };
            }
            if min.height + self.notes_room(&min) <= self.spec.height {
                self.cur.push(Flow::Box(b));
                let end = self.cur.len();
                self.finish_page(end, true);
                self.start_page(queue);
                return;
            }
        }
        if self.page_is_empty() {
            // Taller than a page: it has to be cut (placed alone, overflowing).
            self.cur.push(Flow::Box(b));
            let end = self.cur.len();
            self.finish_page(end, false);
            if let Some(p) = self.pages.last_mut() {
                p.faults.push(PageFault::Cut);
            }
            self.start_page(queue);
            return;
        }
        // Break at the best place seen on this page; what follows it starts the next page.
        let at = self.best_break();
        let rest: Vec<Flow> = self.cur.drain(at..).collect();
        queue.push_front(Flow::Box(b));
        for f in rest.into_iter().rev() {
            queue.push_front(f);
        }
        self.finish_page(self.cur.len(), true);
        // Discard glue and penalties at the top of the new page.
        while matches!(queue.front(), Some(Flow::Glue { .. } | Flow::Penalty(_))) {
            queue.pop_front();
        }
        self.start_page(queue);
    }

    /// Index in `cur` of the cheapest legal break (ties go to the later one); when no break
    /// is legal, the last place between two boxes.
    fn best_break(&self) -> usize {
        let mut t = Totals {
            notes: self.carried_height(),
            ..Totals::default()
        };
        let mut best: Option<(f32, usize)> = None;
        let mut fallback = None;
        for (i, f) in self.cur.iter().enumerate() {
            let prev_is_box = i > 0 && matches!(self.cur[i - 1], Flow::Box(_));
            let penalty = match f {
                Flow::Penalty(p) if *p < NEVER => Some(*p),
                Flow::Glue { .. } if prev_is_box => Some(0.0),
                _ => None,
            };
            if prev_is_box && i > 0 {
                fallback = Some(i);
            }
            if let Some(p) = penalty {
                let extra = match self.cur.get(i.wrapping_sub(1)) {
                    Some(Flow::Box(b)) if b.hyphenated => 100.0,
                    _ => 0.0,
                };
                if let Some(c) = self.cost(&t, p + extra)
                    && best.is_none_or(|(bc, _)| c <= bc)
                    && i > 0
                {
                    best = Some((c, i));
                }
            }
            self.add(&mut t, f);
        }
        match best {
            Some((_, i)) => i,
            None => fallback.unwrap_or(self.cur.len()),
        }
    }

    /// Ends the page with `cur[..end]`; `full` pages are stretched to the bottom.
    fn finish_page(&mut self, end: usize, full: bool) {
        let content: Vec<Flow> = self.cur.drain(..end.min(self.cur.len())).collect();
        let leftovers: Vec<Flow> = std::mem::take(&mut self.cur);
        // Trailing glue and penalties are dropped.
        let mut content = content;
        while matches!(content.last(), Some(Flow::Glue { .. } | Flow::Penalty(_))) {
            content.pop();
        }
        let mut page = PageBody::default();
        // Footnotes: continued lines first, then the notes of this page's references.
        let mut note_lines: Vec<VBox> = std::mem::take(&mut self.carried);
        for f in &content {
            if let Flow::Box(b) = f {
                for &n in &b.footnotes {
                    if let Some(lines) = self.notes.get(n as usize - 1) {
                        note_lines.extend(lines.iter().cloned());
                    }
                }
            }
        }
        let mut t = Totals::default();
        for f in &content {
            self.add(&mut t, f);
        }
        t.notes = note_lines.iter().map(|b| b.height).sum();
        // Notes that do not fit continue on the next page.
        let mut room_for_notes = self.spec.height - t.height - self.spec.note_gap;
        let mut kept = Vec::new();
        for line in note_lines {
            if line.height <= room_for_notes + 0.01 && self.carried.is_empty() {
                room_for_notes -= line.height;
                kept.push(line);
            } else {
                self.carried.push(line);
            }
        }
        let notes_height: f32 = kept.iter().map(|b| b.height).sum();
        let goal = self.spec.height
            - if notes_height > 0.0 {
                notes_height + self.spec.note_gap
            } else {
                0.0
            };
        let ratio = if full && t.height < goal && t.stretch > 0.0 {
            ((goal - t.height) / t.stretch).min(self.spec.max_stretch)
        } else if t.height > goal && t.shrink > 0.0 {
            -((t.height - goal) / t.shrink).min(1.0)
        } else {
            0.0
        };
        let mut y = 0.0;
        for f in content {
            match f {
                Flow::Box(b) => {
                    let h = b.height;
                    page.boxes.push(Placed { y, vbox: b });
                    y += h;
                }
                Flow::Glue {
                    height,
                    stretch,
                    shrink,
                    bars,
                } => {
                    let h = height
                        + if ratio >= 0.0 {
                            ratio * stretch
                        } else {
                            ratio * shrink
                        };
                    if !bars.is_empty() {
                        let items = bars.iter().map(|&x| super::blocks::bar(x, h)).collect();
                        page.boxes.push(Placed {
                            y,
                            vbox: VBox::new(h, items, BoxKind::Other),
                        });
                    }
                    y += h;
                }
                Flow::Penalty(_) | Flow::NewPage => {}
            }
        }
        if !kept.is_empty() {
            let mut ny = self.spec.height - notes_height;
            page.note_rule = Some(ny - self.spec.note_gap * 0.5);
            for line in kept {
                let h = line.height;
                page.notes.push(Placed { y: ny, vbox: line });
                ny += h;
            }
        }
        // Remember an open table so its header repeats on the next page.
        self.open_table = page
            .boxes
            .iter()
            .rev()
            .find(|p| p.vbox.kind != BoxKind::Other || p.vbox.header.is_some())
            .and_then(|p| p.vbox.header.clone());
        self.pages.push(page);
        self.cur = leftovers;
    }
}

/// Breaks one chapter's vertical list into pages.
pub fn paginate(flow: Vec<Flow>, notes: &Notes, spec: PageSpec) -> Vec<PageBody> {
    if std::env::var_os("FOLIO_DEBUG_FLOW").is_some() {
        for f in &flow {
            match f {
                Flow::Box(b) => {
                    let text: String = b
                        .items
                        .iter()
                        .filter_map(|i| match i {
                            super::page::Item::Text(r) => Some(r.text.as_str()),
                            _ => None,
                        })
                        .collect();
                    eprintln!(
                        "BOX {:?} h={:.1} {}",
                        b.kind,
                        b.height,
                        text.chars().take(40).collect::<String>()
                    );
                }
                other => eprintln!(
                    "{:?}",
                    match other {
                        Flow::Glue { height, .. } => format!("GLUE {height:.1}"),
                        Flow::Penalty(p) => format!("PEN {p}"),
                        _ => "NEWPAGE".into(),
                    }
                ),
            }
        }
    }
    let mut builder = Builder {
        spec,
        notes,
        pages: Vec::new(),
        cur: Vec::new(),
        carried: Vec::new(),
        floats: VecDeque::new(),
        open_table: None,
    };
    builder.run(flow);
    let mut pages = builder.pages;
    pages.retain(|p| !p.boxes.is_empty() || !p.notes.is_empty());
    mark_faults(&mut pages);
    pages
}

/// Records widows, orphans and stranded headings at each page break.
fn mark_faults(pages: &mut [PageBody]) {
    for i in 1..pages.len() {
        let last = pages[i - 1]
            .boxes
            .iter()
            .rev()
            .find(|p| p.vbox.kind != BoxKind::Other)
            .map(|p| p.vbox.kind);
        let first = pages[i]
            .boxes
            .iter()
            .find(|p| p.vbox.kind != BoxKind::Other)
            .map(|p| p.vbox.kind);
        if let Some(BoxKind::Line {
            first: true,
            last: false,
        }) = last
        {
            pages[i - 1].faults.push(PageFault::Orphan);
        }
        if let Some(BoxKind::Heading) = last {
            pages[i - 1].faults.push(PageFault::StrandedHeading);
        }
        if let Some(BoxKind::Line {
            first: false,
            last: true,
        }) = first
        {
            pages[i].faults.push(PageFault::Widow);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::flow::FlowBuilder;

    fn line(first: bool, last: bool) -> VBox {
        VBox::new(10.0, Vec::new(), BoxKind::Line { first, last })
    }

    /// A paragraph of `n` lines with widow and orphan penalties.
    fn paragraph(f: &mut FlowBuilder, n: usize) {
        for i in 0..n {
            if i > 0 {
                f.penalty(if i == 1 || i == n - 1 { NEVER } else { 0.0 });
            }
            f.push_box(line(i == 0, i + 1 == n));
        }
    }

    fn spec(height: f32) -> PageSpec {
        PageSpec {
            height,
            note_gap: 6.0,
            max_stretch: 1.5,
        }
    }

    #[test]
    fn no_widows_or_orphans() {
        // Pages of 10 lines; paragraphs of 7, 7 and 7 lines with small gaps.
        let mut f = FlowBuilder::default();
        for k in 0..3 {
            if k > 0 {
                f.glue(2.0, 2.0, &[]);
            }
            paragraph(&mut f, 7);
        }
        let pages = paginate(f.items, &Vec::new(), spec(100.0));
        assert!(pages.len() >= 3);
        for p in &pages {
            assert!(p.faults.is_empty(), "{:?}", p.faults);
            let used: f32 = p.boxes.iter().map(|b| b.vbox.height).sum();
            assert!(used <= 100.0 + 0.1);
        }
        let lines: usize = pages
            .iter()
            .map(|p| {
                p.boxes
                    .iter()
                    .filter(|b| matches!(b.vbox.kind, BoxKind::Line { .. }))
                    .count()
            })
            .sum();
        assert_eq!(lines, 21, "no line lost");
    }

    #[test]
    fn headings_stay_with_text() {
        let mut f = FlowBuilder::default();
        paragraph(&mut f, 8);
        f.glue(5.0, 2.0, &[]);
        f.push_box(VBox::new(14.0, Vec::new(), BoxKind::Heading));
        f.keep_with_next();
        f.glue(4.0, 0.0, &[]);
        f.keep_with_next();
        paragraph(&mut f, 5);
        let pages = paginate(f.items, &Vec::new(), spec(110.0));
        assert_eq!(pages.len(), 2);
        let last_on_first = pages[0].boxes.last().unwrap().vbox.kind;
        assert_ne!(last_on_first, BoxKind::Heading);
        assert_eq!(pages[1].boxes[0].vbox.kind, BoxKind::Heading);
    }

    #[test]
    fn footnotes_go_with_their_reference() {
        let mut f = FlowBuilder::default();
        for i in 0..30 {
            if i > 0 {
                f.penalty(0.0);
            }
            let mut b = line(false, false);
            if i == 5 || i == 17 {
                b.footnotes.push(if i == 5 { 1 } else { 2 });
            }
            f.push_box(b);
        }
        let notes = vec![vec![VBox::new(8.0, Vec::new(), BoxKind::Other); 2]; 2];
        let pages = paginate(f.items, &notes, spec(100.0));
        for p in &pages {
            let refs: usize = p.boxes.iter().map(|b| b.vbox.footnotes.len()).sum();
            assert_eq!(p.notes.len(), refs * 2, "every note on the page of its reference");
            let body: f32 = p.boxes.last().map(|b| b.y + b.vbox.height).unwrap_or(0.0);
            if let Some(first_note) = p.notes.first() {
                assert!(body <= first_note.y, "notes below the text");
                assert!(p.notes.last().map(|n| n.y + n.vbox.height).unwrap() <= 100.01);
            }
        }
    }

    #[test]
    fn floats_move_and_text_fills_the_gap() {
        let mut f = FlowBuilder::default();
        paragraph(&mut f, 8);
        f.glue(4.0, 1.0, &[]);
        let mut fig = VBox::new(50.0, Vec::new(), BoxKind::Figure);
        fig.float = true;
        f.push_box(fig);
        f.glue(4.0, 1.0, &[]);
        paragraph(&mut f, 4);
        let pages = paginate(f.items, &Vec::new(), spec(100.0));
        // The figure does not fit after 80 points of text: the next paragraph fills page 1
        // as far as the rules allow and the figure opens page 2.
        assert_eq!(pages[1].boxes[0].vbox.kind, BoxKind::Figure);
        let figures: usize = pages
            .iter()
            .map(|p| p.boxes.iter().filter(|b| b.vbox.kind == BoxKind::Figure).count())
            .sum();
        assert_eq!(figures, 1);
    }
}
