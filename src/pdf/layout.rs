//! Document layout: sets every chapter into pages and assembles the finished pages — title
//! block or title page, table of contents with page numbers, footnotes, running heads, page
//! numbers, page labels and the outline.

use std::sync::Arc;

use super::blocks::{BlockLayout, Frame, line_box};
use super::flow::{Flow, FlowBuilder, VBox};
use super::fonts::FontSet;
use super::hyphenate::Hyphenator;
use super::inline::{Align, ParagraphSpec, Setter, TextStyle, translate};
use super::page::{
    Item, LabelRange, LabelStyle, Layout, LayoutReport, LinkTarget, OutlineEntry, Page, ParagraphStats,
};
use super::paginate::{self, Notes, PageBody, PageSpec};
use super::shape::Shaper;
use super::style::{self, Geometry, Typescale};
use crate::diagnostics::{Warning, WarningKind};
use crate::error::Result;
use crate::model::{BlockKind, Document, Inline, text::plain_text};

/// Name of the PDF destination of a document id (headings, anchors, chapters).
pub fn destination(id: &str) -> String {
    id.to_string()
}

/// Lays out a whole document.
pub fn layout(doc: &Document) -> Result<(Layout, Vec<Warning>)> {
    let fonts = Arc::new(FontSet::load(&doc.settings.pdf.fonts)?);
    let geometry = Geometry::new(&doc.settings.pdf);
    let scale = Typescale::new(doc.settings.pdf.font_size);
    // One shaping cache for the whole document: footnotes, chapters (in parallel) and the
    // running heads and contents set after them all reuse each other's words.
    let shared = Arc::new(super::shape::SharedCache::default());
    let mut shaper = Shaper::with_shared(&fonts, &doc.meta.lang, shared.clone());
    let mut setter = Setter {
        shaper: &mut shaper,
        hyphenator: Hyphenator::new(&doc.meta.lang),
        destination,
    };
    let book = doc.chapters.len() > 1;
    let width = geometry.text_width();
    let frame = Frame {
        left: 0.0,
        width,
        bars: Vec::new(),
        tight: false,
        ragged: !doc.settings.pdf.justify,
        list_depth: 0,
    };
    let mut reports: Vec<ParagraphStats> = Vec::new();
    let notes = footnote_lines(
        doc,
        &mut setter,
        scale,
        &frame,
        &mut reports,
        geometry.text_height(),
    );
    let spec = PageSpec {
        height: geometry.text_height(),
        note_gap: scale.leading * 0.9,
        max_stretch: 1.5,
    };
    // Each chapter is laid out and paginated on its own (chapters open on a new page), so
    // chapters are set in parallel. Each worker keeps its shaper and hyphenator (and their
    // caches of words) from one chapter to the next.
    let laid: Vec<(Vec<PageBody>, Vec<ParagraphStats>, Vec<char>)> = {
        // A chapter's length in source lines stands for its work.
        let lines = |chapter: &crate::model::Chapter| chapter.blocks.last().map_or(0, |b| b.pos.line);
        map_largest_first(
            &doc.chapters,
            lines,
            || {
                (
                    Shaper::with_shared(&fonts, &doc.meta.lang, shared.clone()),
                    Some(Hyphenator::new(&doc.meta.lang)),
                )
            },
            |(shaper, hyphenator), ci, chapter| {
                let mut setter = Setter {
                    shaper,
                    hyphenator: hyphenator
                        .take()
                        .unwrap_or_else(|| Hyphenator::new(&doc.meta.lang)),
                    destination,
                };
                let mut blocks = BlockLayout {
                    setter: &mut setter,
                    doc,
                    scale,
                    text_height: geometry.text_height(),
                    flow: FlowBuilder::default(),
                    reports: Vec::new(),
                };
                let mut body: &[crate::model::Block] = &chapter.blocks;
                if !book && ci == 0 {
                    body = title_block(&mut blocks, doc, &frame, body);
                }
                // The chapter start is a destination (links to a chapter file land here).
                blocks.flow.push_box(VBox::new(
                    0.0,
                    vec![Item::Destination {
                        name: destination(&chapter.id),
                        x: 0.0,
                        y: 0.0,
                    }],
                    super::flow::BoxKind::Other,
                ));
                blocks.flow.keep_with_next();
                blocks.blocks(body, &frame);
                let reports = std::mem::take(&mut blocks.reports);
                let flow: Vec<Flow> = std::mem::take(&mut blocks.flow.items);
                let pages = paginate::paginate(flow, &notes, spec);
                *hyphenator = Some(setter.hyphenator);
                if std::env::var_os("FOLIO_SHAPE_STATS").is_some() {
                    eprintln!(
                        "chapter {ci}: shaping calls and misses so far {:?}",
                        shaper.stats()
                    );
                }
                (pages, reports, std::mem::take(&mut shaper.missing_chars))
            },
        )
    };
    let mut chapters: Vec<Vec<PageBody>> = Vec::with_capacity(laid.len());
    for (pages, mut stats, missing) in laid {
        chapters.push(pages);
        reports.append(&mut stats);
        for c in missing {
            if !setter.shaper.missing_chars.contains(&c) {
                setter.shaper.missing_chars.push(c);
            }
        }
    }
    let assembled = assemble(doc, &mut setter, &shared, geometry, scale, chapters, book);
    shared.free_in_background();
    let mut warnings = Vec::new();
    // Sorted: which thread shaped a word first (and so noticed its missing glyph) varies.
    let mut missing = std::mem::take(&mut setter.shaper.missing_chars);
    missing.sort_unstable();
    if !missing.is_empty() {
        let list: String = missing.iter().take(12).collect();
        warnings.push(Warning::new(
            WarningKind::Font,
            doc.file_name(0),
            0,
            format!(
                "the PDF fonts have no glyph for {} character(s), shown as boxes: {list}",
                missing.len()
            ),
        ));
    }
    let report = LayoutReport {
        paragraphs: reports,
        faults: assembled
            .faults
            .iter()
            .flat_map(|(page, faults)| faults.iter().map(move |f| (*page, *f)))
            .collect(),
        overfull_lines: 0,
    };
    Ok((
        Layout {
            pages: assembled.pages,
            fonts,
            outline: assembled.outline,
            labels: assembled.labels,
            report,
        },
        warnings,
    ))
}

/// Footnote bodies set as lines, numbered, by footnote number.
fn footnote_lines(
    doc: &Document,
    setter: &mut Setter,
    scale: Typescale,
    frame: &Frame,
    reports: &mut Vec<ParagraphStats>,
    text_height: f32,
) -> Notes {
    let note_scale = Typescale::new(scale.footnote);
    let hang = scale.footnote * 1.6;
    let inner = Frame {
        left: hang,
        width: frame.width - hang,
        tight: false,
        ..frame.clone()
    };
    let mut notes = Vec::with_capacity(doc.footnotes.len());
    for note in &doc.footnotes {
        let mut blocks = BlockLayout {
            setter,
            doc,
            scale: note_scale,
            text_height,
            flow: FlowBuilder::default(),
            reports: Vec::new(),
        };
        if note.blocks.is_empty() {
            blocks.paragraph(
                &[Inline::Text {
                    text: "(missing footnote)".into(),
                }],
                &inner,
                TextStyle::body(scale.footnote),
                None,
            );
        } else {
            blocks.blocks(&note.blocks, &inner);
        }
        reports.append(&mut blocks.reports);
        let mut lines: Vec<VBox> = Vec::new();
        for f in blocks.flow.items {
            match f {
                Flow::Box(b) => lines.push(b),
                Flow::Glue { height, bars, .. } => {
                    let items = bars.iter().map(|&x| super::blocks::bar(x, height)).collect();
                    lines.push(VBox::new(height, items, super::flow::BoxKind::Other));
                }
                Flow::Penalty(_) | Flow::NewPage => {}
            }
        }
        // The number, linking back to the reference, on the first line.
        if let Some(first) = lines.iter_mut().find(|b| b.height > 0.0) {
            let baseline = super::blocks::baseline_of(first);
            let spec = ParagraphSpec {
                style: TextStyle {
                    color: style::LINK,
                    ..TextStyle::body(scale.footnote)
                },
                align: Align::Left,
                measure: hang * 3.0,
                indent: 0.0,
            };
            let label = format!("{}.", note.number);
            let set = setter.set_text(&label, &spec);
            if let Some(line) = set.lines.into_iter().next() {
                let w = line.right;
                let mut items = line.items;
                translate(&mut items, 0.0, baseline);
                first.items.extend(items);
                first.items.push(Item::Link {
                    x: 0.0,
                    y: baseline - scale.footnote,
                    width: w,
                    height: scale.footnote * 1.2,
                    target: LinkTarget::Named(format!("fnref:{}", note.number)),
                });
            }
            first.items.push(Item::Destination {
                name: format!("fn:{}", note.number),
                x: 0.0,
                y: 0.0,
            });
        }
        notes.push(lines);
    }
    notes
}

/// Sets the title block of a single document (title, subtitle, authors, date) and returns
/// the blocks that remain: a first level-1 heading repeating the title is folded into it.
fn title_block<'d>(
    blocks: &mut BlockLayout,
    doc: &'d Document,
    frame: &Frame,
    body: &'d [crate::model::Block],
) -> &'d [crate::model::Block] {
    let s = blocks.scale;
    let meta = &doc.meta;
    let mut rest = body;
    let mut heading_id = None;
    if let Some(first) = body.first()
        && let BlockKind::Heading {
            level: 1,
            id,
            content,
            ..
        } = &first.kind
        && plain_text(content).trim() == meta.title.trim()
    {
        heading_id = Some(id.clone());
        rest = &body[1..];
    }
    let (size, _, _) = s.heading(1);
    let title_style = TextStyle {
        bold: true,
        size: size * 1.1,
        hyphenate: false,
        ..TextStyle::body(s.body)
    };
    let start = blocks.flow.items.len();
    centered_text(blocks, &meta.title, title_style, frame, size * 1.25);
    if let Some(id) = &heading_id
        && let Some(Flow::Box(b)) = blocks.flow.items.get_mut(start)
    {
        b.items.push(Item::Destination {
            name: destination(id),
            x: 0.0,
            y: 0.0,
        });
        b.marks.push((1, meta.title.clone(), destination(id)));
    }
    if let Some(sub) = &meta.subtitle {
        blocks.flow.glue(s.leading * 0.3, 0.0, &[]);
        let st = TextStyle {
            italic: true,
            size: s.body * 1.2,
            hyphenate: false,
            ..TextStyle::body(s.body)
        };
        centered_text(blocks, sub, st, frame, s.body * 1.5);
    }
    let mut byline = meta.authors.join(", ");
    if let Some(date) = &meta.date {
        if !byline.is_empty() {
            byline.push_str(" · ");
        }
        byline.push_str(date);
    }
    if byline.is_empty()
        && let Some(p) = &meta.publisher
    {
        byline = p.clone();
    }
    if !byline.is_empty() {
        blocks.flow.glue(s.leading * 0.5, 0.0, &[]);
        let st = TextStyle {
            color: style::MUTED,
            hyphenate: false,
            ..TextStyle::body(s.body)
        };
        centered_text(blocks, &byline, st, frame, s.leading);
    }
    blocks.flow.keep_with_next();
    blocks.flow.glue(s.leading * 1.5, s.leading * 0.5, &[]);
    rest
}

fn centered_text(blocks: &mut BlockLayout, text: &str, style: TextStyle, frame: &Frame, leading: f32) {
    let spec = ParagraphSpec {
        style,
        align: Align::Center,
        measure: frame.width,
        indent: 0.0,
    };
    let set = blocks.setter.set_text(text, &spec);
    for (i, line) in set.lines.into_iter().enumerate() {
        if i > 0 {
            blocks.flow.keep_with_next();
        }
        blocks
            .flow
            .push_box(line_box(line, frame, leading, super::flow::BoxKind::Other));
    }
    blocks.flow.keep_with_next();
}

/// Finished pages and what was found while assembling them.
struct Assembled {
    pages: Vec<Page>,
    outline: Vec<OutlineEntry>,
    labels: Vec<LabelRange>,
    faults: Vec<(usize, Vec<super::page::PageFault>)>,
}

/// A page of body text before it is finished: chapter, and whether it opens the chapter.
struct BodyPage {
    chapter: usize,
    opens: bool,
    body: PageBody,
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    doc: &Document,
    setter: &mut Setter,
    shared: &Arc<super::shape::SharedCache>,
    geometry: Geometry,
    scale: Typescale,
    chapters: Vec<Vec<PageBody>>,
    book: bool,
) -> Assembled {
    // Body pages in order; in two-sided books chapters open on right-hand (odd) pages.
    let mut body_pages: Vec<Option<BodyPage>> = Vec::new();
    for (ci, pages) in chapters.into_iter().enumerate() {
        if book && geometry.two_sided && body_pages.len() % 2 == 1 {
            body_pages.push(None);
        }
        for (k, body) in pages.into_iter().enumerate() {
            body_pages.push(Some(BodyPage {
                chapter: ci,
                opens: k == 0,
                body,
            }));
        }
    }
    // Headings for the outline and the table of contents: (level, title, dest, body page, y).
    let mut marks = Vec::new();
    for (pi, page) in body_pages.iter().enumerate() {
        let Some(page) = page else { continue };
        for placed in &page.body.boxes {
            for (level, title, dest) in &placed.vbox.marks {
                marks.push((*level, title.clone(), dest.clone(), pi, placed.y));
            }
        }
    }
    let mut labels = Vec::new();
    let mut outline = Vec::new();
    let mut faults = Vec::new();
    // Body pages are finished in parallel (running heads and folios are set per page), each
    // worker with its own shaper on the document's shared cache; the front matter is set
    // alongside. A body page depends on its index only through its parity (left or right
    // margin), and the front matter of a two-sided book has an even number of pages, so the
    // body pages are set as if they came first and their fault indices moved afterwards.
    let lang = &doc.meta.lang;
    let fonts = setter.shaper.fonts;
    let destination = setter.destination;
    let (mut pages, finished): (Vec<Page>, Vec<FinishedPage>) = rayon::join(
        || front_matter(doc, setter, geometry, scale, &marks, book),
        || {
            use rayon::prelude::*;
            body_pages
                .into_par_iter()
                .enumerate()
                .map_init(
                    || {
                        (
                            Shaper::with_shared(fonts, lang, shared.clone()),
                            RunningHeads::new(),
                        )
                    },
                    |(shaper, heads), (pi, bp)| {
                        let mut setter = Setter {
                            shaper,
                            hyphenator: Hyphenator::new(lang),
                            destination,
                        };
                        let (page, faults) =
                            body_page(doc, &mut setter, geometry, scale, book, 0, pi, bp, heads);
                        (page, faults, std::mem::take(&mut setter.shaper.missing_chars))
                    },
                )
                .collect()
        },
    );
    let front = pages.len();
    debug_assert!(!geometry.two_sided || front % 2 == 0);
    if book {
        labels.push(LabelRange {
            start: 0,
            style: LabelStyle::LowerRoman,
            first: 1,
        });
    }
    labels.push(LabelRange {
        start: front,
        style: LabelStyle::Arabic,
        first: 1,
    });
    for (level, title, dest, pi, y) in &marks {
        outline.push(OutlineEntry {
            level: *level,
            title: title.clone(),
            destination: dest.clone(),
            page: front + pi,
            y: geometry.top + y,
        });
    }
    let finished = finished.into_iter().map(|(page, page_faults, missing)| {
        (page, page_faults.map(|(index, f)| (index + front, f)), missing)
    });
    for (page, page_faults, missing) in finished {
        pages.push(page);
        faults.extend(page_faults);
        for c in missing {
            if !setter.shaper.missing_chars.contains(&c) {
                setter.shaper.missing_chars.push(c);
            }
        }
    }
    Assembled {
        pages,
        outline,
        labels,
        faults,
    }
}

/// The front matter of a book (nothing for a single document): title page and contents,
/// numbered in roman, padded to an even count in two-sided books.
fn front_matter(
    doc: &Document,
    setter: &mut Setter,
    geometry: Geometry,
    scale: Typescale,
    marks: &[Mark],
    book: bool,
) -> Vec<Page> {
    let mut pages = Vec::new();
    if !book {
        return pages;
    }
    pages.push(title_page(doc, setter, geometry, scale));
    let toc = contents_pages(setter, geometry, scale, marks, pages.len());
    pages.extend(toc);
    if geometry.two_sided && pages.len() % 2 == 1 {
        pages.push(blank(geometry));
    }
    for (i, p) in pages.iter_mut().enumerate() {
        p.label = to_roman(i as u32 + 1);
        // The title page and blank pages carry no printed number.
        if i == 0 {
            p.label.clear();
        } else if !p.items.is_empty() {
            let label = p.label.clone();
            let right_hand = i % 2 == 0;
            p.items
                .extend(folio(setter, geometry, scale, &label, i, true, right_hand));
        }
    }
    pages
}

/// A heading for the outline and contents: (level, title, destination, body page, y).
type Mark = (u8, String, String, usize, f32);

/// A finished body page, its layout faults and the characters its fonts lacked.
type FinishedPage = (Page, Option<PageFaults>, Vec<char>);

/// A page's layout faults, with the page index.
type PageFaults = (usize, Vec<super::page::PageFault>);

/// Running heads already set, by chapter (`None`: the book title) and left margin.
type RunningHeads = std::collections::HashMap<(Option<usize>, u32), Vec<Item>>;

/// One body page: its boxes and notes in place, the footnote rule, the running head and the
/// folio; with the page's layout faults.
#[allow(clippy::too_many_arguments)]
fn body_page(
    doc: &Document,
    setter: &mut Setter,
    geometry: Geometry,
    scale: Typescale,
    book: bool,
    front: usize,
    pi: usize,
    bp: Option<BodyPage>,
    heads: &mut RunningHeads,
) -> (Page, Option<PageFaults>) {
    let index = front + pi;
    let number = pi + 1;
    let mut page = Page {
        width: geometry.page_width,
        height: geometry.page_height,
        items: Vec::new(),
        label: number.to_string(),
    };
    let Some(bp) = bp else {
        return (page, None);
    };
    let left = geometry.left(index);
    let faults = (!bp.body.faults.is_empty()).then(|| (index, bp.body.faults.clone()));
    let count = bp
        .body
        .boxes
        .iter()
        .chain(&bp.body.notes)
        .map(|p| p.vbox.items.len())
        .sum();
    page.items.reserve(count);
    for placed in bp.body.boxes.into_iter().chain(bp.body.notes) {
        let mut items = placed.vbox.items;
        translate(&mut items, left, geometry.top + placed.y);
        page.items.append(&mut items);
    }
    if let Some(rule_y) = bp.body.note_rule {
        let y = geometry.top + rule_y;
        page.items.push(Item::Line {
            from: (left, y),
            to: (left + geometry.text_width() * 0.3, y),
            width: 0.5,
            color: style::RULE,
        });
    }
    // Running head (books, not on chapter openings) and page number.
    let right_hand = number % 2 == 1;
    if book && !bp.opens {
        // Set once per chapter, side and margin, then reused page after page.
        let key = (
            if right_hand { Some(bp.chapter) } else { None },
            geometry.left(index).to_bits(),
        );
        let items = heads.entry(key).or_insert_with(|| {
            let head = if right_hand {
                &doc.chapters[bp.chapter].title
            } else {
                &doc.meta.title
            };
            running_head(setter, geometry, scale, head, index, right_hand)
        });
        page.items.extend(items.iter().cloned());
    }
    page.items.extend(folio(
        setter,
        geometry,
        scale,
        &page.label,
        index,
        book,
        right_hand,
    ));
    (page, faults)
}

fn blank(geometry: Geometry) -> Page {
    Page {
        width: geometry.page_width,
        height: geometry.page_height,
        items: Vec::new(),
        label: String::new(),
    }
}

/// One line of text set at `x` (left) or aligned inside `width`, baseline `y`, page coordinates.
fn text_line(
    setter: &mut Setter,
    text: &str,
    style: TextStyle,
    align: Align,
    x: f32,
    width: f32,
    y: f32,
) -> Vec<Item> {
    let spec = ParagraphSpec {
        style: TextStyle {
            hyphenate: false,
            ..style
        },
        align,
        measure: width,
        indent: 0.0,
    };
    let set = setter.set_text(text, &spec);
    let mut out = Vec::new();
    let leading = style.size * 1.25;
    for (i, line) in set.lines.into_iter().enumerate() {
        let mut items = line.items;
        translate(&mut items, x, y + i as f32 * leading);
        out.extend(items);
    }
    out
}

fn running_head(
    setter: &mut Setter,
    geometry: Geometry,
    scale: Typescale,
    text: &str,
    index: usize,
    right_hand: bool,
) -> Vec<Item> {
    let left = geometry.left(index);
    let width = geometry.text_width();
    let y = geometry.top - scale.leading * 1.6;
    let style = TextStyle {
        italic: true,
        size: scale.small,
        color: style::MUTED,
        ..TextStyle::body(scale.body)
    };
    // One line only: long titles are cut at a word boundary.
    let short = shorten(text, 70);
    let align = if right_hand { Align::Right } else { Align::Left };
    text_line(setter, &short, style, align, left, width, y)
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for word in text.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.push('…');
    out
}

/// The printed page number: outer corner in books, centred in single documents.
fn folio(
    setter: &mut Setter,
    geometry: Geometry,
    scale: Typescale,
    label: &str,
    index: usize,
    book: bool,
    right_hand: bool,
) -> Vec<Item> {
    if label.is_empty() {
        return Vec::new();
    }
    let left = geometry.left(index);
    let width = geometry.text_width();
    let y = geometry.page_height - geometry.bottom + scale.leading * 2.2;
    let style = TextStyle {
        size: scale.small,
        color: style::MUTED,
        ..TextStyle::body(scale.body)
    };
    let align = if !book {
        Align::Center
    } else if right_hand {
        Align::Right
    } else {
        Align::Left
    };
    text_line(setter, label, style, align, left, width, y)
}

fn title_page(doc: &Document, setter: &mut Setter, geometry: Geometry, scale: Typescale) -> Page {
    let left = geometry.left(0);
    let width = geometry.text_width();
    let mut items = Vec::new();
    let mut y = geometry.top + geometry.text_height() * 0.28;
    let (h1, _, _) = scale.heading(1);
    let title = TextStyle {
        bold: true,
        size: h1 * 1.3,
        ..TextStyle::body(scale.body)
    };
    let title_items = text_line(setter, &doc.meta.title, title, Align::Center, left, width, y);
    let lines = count_lines(&title_items);
    items.extend(title_items);
    y += lines as f32 * h1 * 1.3 * 1.25 + scale.leading;
    if let Some(sub) = &doc.meta.subtitle {
        let st = TextStyle {
            italic: true,
            size: scale.body * 1.35,
            ..TextStyle::body(scale.body)
        };
        items.extend(text_line(setter, sub, st, Align::Center, left, width, y));
        y += scale.leading * 2.0;
    }
    if !doc.meta.authors.is_empty() {
        y += scale.leading * 1.5;
        let st = TextStyle {
            size: scale.body * 1.25,
            ..TextStyle::body(scale.body)
        };
        items.extend(text_line(
            setter,
            &doc.meta.authors.join(", "),
            st,
            Align::Center,
            left,
            width,
            y,
        ));
    }
    if let Some(publisher) = &doc.meta.publisher {
        let st = TextStyle {
            color: style::MUTED,
            ..TextStyle::body(scale.body)
        };
        let py = geometry.top + geometry.text_height() - scale.leading;
        items.extend(text_line(setter, publisher, st, Align::Center, left, width, py));
    }
    Page {
        width: geometry.page_width,
        height: geometry.page_height,
        items,
        label: String::new(),
    }
}

fn count_lines(items: &[Item]) -> usize {
    let mut ys: Vec<i32> = items
        .iter()
        .filter_map(|i| match i {
            Item::Text(r) => Some(r.y as i32),
            _ => None,
        })
        .collect();
    ys.sort();
    ys.dedup();
    ys.len().max(1)
}

/// The table of contents (levels 1 and 2) with dot leaders, page numbers and links.
fn contents_pages(
    setter: &mut Setter,
    geometry: Geometry,
    scale: Typescale,
    marks: &[Mark],
    first_index: usize,
) -> Vec<Page> {
    let width = geometry.text_width();
    let mut pages = Vec::new();
    let mut page = blank(geometry);
    let mut index = first_index;
    let mut y = geometry.top;
    let (h1, _, _) = scale.heading(1);
    let heading = TextStyle {
        bold: true,
        size: h1,
        ..TextStyle::body(scale.body)
    };
    page.items.extend(text_line(
        setter,
        "Contents",
        heading,
        Align::Left,
        geometry.left(index),
        width,
        y + h1,
    ));
    y += h1 * 2.6;
    let bottom = geometry.top + geometry.text_height();
    let entries: Vec<_> = marks.iter().filter(|m| m.0 <= 2).collect();
    let top_level = entries.iter().map(|m| m.0).min().unwrap_or(1);
    for (level, title, dest, body_page, _) in entries {
        let major = *level == top_level;
        let leading = scale.leading * if major { 1.35 } else { 1.0 };
        // A chapter entry never ends a page when its sections follow.
        let needs = if major {
            leading + scale.leading * 1.2
        } else {
            leading
        };
        if y + needs > bottom {
            pages.push(std::mem::replace(&mut page, blank(geometry)));
            index += 1;
            y = geometry.top;
        }
        y += leading;
        let left = geometry.left(index);
        let indent = if major { 0.0 } else { scale.body * 1.5 };
        let number = (body_page + 1).to_string();
        let style = TextStyle {
            bold: major,
            hyphenate: false,
            size: scale.body * 0.9,
            ..TextStyle::body(scale.body)
        };
        // Title (one line, shortened), dot leaders, right-aligned page number.
        let num_items = text_line(setter, &number, style, Align::Right, left, width, y);
        let num_left = num_items
            .iter()
            .filter_map(|i| match i {
                Item::Text(r) => Some(r.x),
                _ => None,
            })
            .fold(left + width, f32::min);
        let room = num_left - left - indent - scale.body * 2.0;
        let mut short = title.clone();
        let mut title_items = text_line(
            setter,
            &short,
            style,
            Align::Left,
            left + indent,
            f32::MAX / 4.0,
            y,
        );
        while right_edge(&title_items) > left + indent + room && short.chars().count() > 8 {
            let keep = short.chars().count() * 9 / 10;
            short = shorten(&short, keep);
            title_items = text_line(
                setter,
                &short,
                style,
                Align::Left,
                left + indent,
                f32::MAX / 4.0,
                y,
            );
        }
        let title_right = right_edge(&title_items);
        page.items.extend(title_items);
        let leader_style = TextStyle {
            color: style::MUTED,
            ..style
        };
        let dots_from = title_right + scale.body * 0.6;
        let dots_to = num_left - scale.body * 0.6;
        if dots_to > dots_from {
            let step = style.size * 0.55;
            let count = ((dots_to - dots_from) / step) as usize;
            let dots: String = ". ".repeat(count);
            let mut dot_items = text_line(
                setter,
                dots.trim_end(),
                leader_style,
                Align::Right,
                left,
                dots_to - left,
                y,
            );
            // Leaders are decoration: mark them so extraction keeps them apart from the title.
            for item in &mut dot_items {
                if let Item::Text(r) = item {
                    r.color = style::MUTED;
                }
            }
            page.items.extend(dot_items);
        }
        page.items.extend(num_items);
        page.items.push(Item::Link {
            x: left + indent,
            y: y - scale.body,
            width: width - indent,
            height: leading,
            target: LinkTarget::Named(dest.clone()),
        });
    }
    pages.push(page);
    pages
}

fn right_edge(items: &[Item]) -> f32 {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Text(r) => Some(r.right()),
            _ => None,
        })
        .fold(0.0, f32::max)
}

/// Lower-case roman numerals.
pub fn to_roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// Maps `items` on the thread pool, the heaviest first (by `weight`), each worker with its
/// own state made by `init`, and returns the results in the items' order. Workers take the
/// next item from a shared queue, so a long chapter never starts last and leaves the other
/// workers idle while it finishes.
fn map_largest_first<T: Sync, S, R: Send>(
    items: &[T],
    weight: impl Fn(&T) -> u32,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, usize, &T) -> R + Sync,
) -> Vec<R> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weight(&items[i])));
    let next = AtomicUsize::new(0);
    let workers = rayon::current_num_threads().clamp(1, items.len().max(1));
    let mut done: Vec<(usize, R)> = (0..workers)
        .into_par_iter()
        .flat_map_iter(|_| {
            let mut state = init();
            let mut out = Vec::new();
            while let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                out.push((i, f(&mut state, i, &items[i])));
            }
            out
        })
        .collect();
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roman() {
        assert_eq!(to_roman(1), "i");
        assert_eq!(to_roman(4), "iv");
        assert_eq!(to_roman(14), "xiv");
        assert_eq!(to_roman(1999), "mcmxcix");
    }
}
