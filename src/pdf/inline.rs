//! Setting a paragraph: inline content → shaped words → boxes, glue and penalties (with
//! hyphenation, break points inside code and URLs, margin protrusion) → Knuth–Plass breaks →
//! lines of positioned glyph runs, rules, links and destinations.

use std::borrow::Cow;
use std::sync::Arc;

use super::fonts::{Family, FontId, Style};
use super::hyphenate::Hyphenator;
use super::linebreak::{self, INFINITY, Item as Kp, Params};
use super::page::{Glyph, Item, LinkTarget, ParagraphStats, Rgb, TextRun};
use super::shape::{Shaped, Shaper, Variant};
use super::style;
use crate::model::{self, Inline};

/// How lines are aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Justify,
    Left,
    Center,
    Right,
}

/// The look of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    pub family: Family,
    pub bold: bool,
    pub italic: bool,
    pub size: f32,
    pub color: Rgb,
    pub variant: Variant,
    /// Baseline shift in points (positive up), for scaled superscripts and subscripts.
    pub rise: f32,
    pub strike: bool,
    /// Index into the paragraph's link targets.
    pub link: Option<u32>,
    pub hyphenate: bool,
    /// Allow breaks after `/`, `.`, `::`, `_`... (code and URLs).
    pub code_breaks: bool,
    /// Keep every space as typed (code blocks): spaces are fixed boxes, lines may break
    /// after them.
    pub preserve_spaces: bool,
}

impl TextStyle {
    pub fn body(size: f32) -> TextStyle {
        TextStyle {
            family: Family::Serif,
            bold: false,
            italic: false,
            size,
            color: Rgb::BLACK,
            variant: Variant::Text,
            rise: 0.0,
            strike: false,
            link: None,
            hyphenate: true,
            code_breaks: false,
            preserve_spaces: false,
        }
    }

    pub fn mono(size: f32) -> TextStyle {
        TextStyle {
            family: Family::Mono,
            variant: Variant::Code,
            hyphenate: false,
            code_breaks: true,
            ..TextStyle::body(size)
        }
    }

    fn font(&self, shaper: &Shaper) -> FontId {
        shaper.fonts.select(
            self.family,
            Style {
                bold: self.bold,
                italic: self.italic,
            },
        )
    }
}

/// What a paragraph is set with.
#[derive(Debug, Clone, Copy)]
pub struct ParagraphSpec {
    pub style: TextStyle,
    pub align: Align,
    /// Width of every line.
    pub measure: f32,
    /// Indent of the first line.
    pub indent: f32,
}

/// One set line. Item coordinates are relative to the line's left edge and its baseline.
#[derive(Debug, Clone, Default)]
pub struct SetLine {
    pub items: Vec<Item>,
    /// Height above and depth below the baseline of the tallest content.
    pub ascent: f32,
    pub descent: f32,
    /// Footnotes referenced on this line, in order.
    pub footnotes: Vec<u32>,
    pub hyphenated: bool,
    /// Right edge of the last glyph, for tests of the text block.
    pub right: f32,
}

/// A paragraph set into lines.
#[derive(Debug, Clone, Default)]
pub struct SetParagraph {
    pub lines: Vec<SetLine>,
    pub stats: ParagraphStats,
}

/// Shared state for setting paragraphs: shaping, hyphenation, targets of links.
pub struct Setter<'s, 'f> {
    pub shaper: &'s mut Shaper<'f>,
    pub hyphenator: Hyphenator,
    /// How internal link targets are named (`LinkTarget::Internal` id → destination name).
    pub destination: fn(&str) -> String,
}

/// A flattened piece of inline content.
#[derive(Debug, Clone)]
enum Atom<'t> {
    /// Text borrowed from the model (owned only where adjacent pieces were merged).
    Text(TextStyle, Cow<'t, str>),
    LineBreak,
    /// A zero-width named destination.
    Mark(String),
    Footnote(u32, TextStyle),
    Image {
        image: usize,
        width: f32,
        height: f32,
        style: TextStyle,
    },
}

/// What one KP item stands for when the line is drawn.
#[derive(Debug, Clone)]
enum Piece {
    Glyphs {
        style: TextStyle,
        font: FontId,
        shaped: Arc<Shaped>,
        range: std::ops::Range<usize>,
        /// Points per em for this piece (size × scale).
        em: f32,
    },
    Space {
        style: TextStyle,
        font: FontId,
    },
    Hyphen {
        style: TextStyle,
        font: FontId,
    },
    Mark(String),
    /// A footnote reference: its number, drawn as the inner piece.
    Footnote(u32, Box<Piece>),
    Image {
        image: usize,
        height: f32,
        link: Option<u32>,
    },
    None,
}

impl Setter<'_, '_> {
    /// Sets `content` as a paragraph. `images` gives each image's natural size in points.
    pub fn set(&mut self, content: &[Inline], spec: &ParagraphSpec, images: &[model::Image]) -> SetParagraph {
        let mut links = Vec::new();
        let mut atoms = Vec::new();
        flatten(
            content,
            spec.style,
            &mut atoms,
            &mut links,
            images,
            self.destination,
            spec.measure,
        );
        self.set_atoms(&atoms, &links, spec)
    }

    /// Sets plain text in one style (headers, captions, table of contents).
    pub fn set_text(&mut self, text: &str, spec: &ParagraphSpec) -> SetParagraph {
        self.set_atoms(&[Atom::Text(spec.style, Cow::Borrowed(text))], &[], spec)
    }

    /// Sets runs of text, each in its own style (highlighted code).
    pub fn set_styled(&mut self, runs: &[(TextStyle, String)], spec: &ParagraphSpec) -> SetParagraph {
        let atoms: Vec<Atom> = runs
            .iter()
            .map(|(s, t)| Atom::Text(*s, Cow::Borrowed(t)))
            .collect();
        self.set_atoms(&atoms, &[], spec)
    }

    /// The widest unbreakable word and the width of the whole content on one line, in points
    /// (for measuring table columns).
    pub fn natural_widths(
        &mut self,
        content: &[Inline],
        style: TextStyle,
        images: &[model::Image],
    ) -> (f32, f32) {
        let mut links = Vec::new();
        let mut atoms = Vec::new();
        flatten(
            content,
            style,
            &mut atoms,
            &mut links,
            images,
            self.destination,
            f32::MAX,
        );
        let mut widest: f32 = 0.0;
        let mut total: f32 = 0.0;
        let mut word = 0.0;
        for atom in &atoms {
            match atom {
                Atom::Text(st, text) => {
                    let font = st.font(self.shaper);
                    let space = self.shaper.space(font, variant_base(st.variant)) * st.size;
                    for (k, part) in text.split(' ').enumerate() {
                        if k > 0 {
                            widest = widest.max(word);
                            word = 0.0;
                            total += space;
                        }
                        if part.is_empty() {
                            continue;
                        }
                        let w = self.shaper.shape(font, st.variant, part).advance * st.size;
                        // Code and URLs may break inside: their pieces count, not the whole.
                        let w = if st.code_breaks || part.contains('/') {
                            part.split_inclusive(['/', '.', '_', ':', ','])
                                .map(|p| self.shaper.shape(font, st.variant, p).advance * st.size)
                                .fold(0.0, f32::max)
                        } else {
                            w
                        };
                        word += w;
                        total += self.shaper.shape(font, st.variant, part).advance * st.size;
                    }
                }
                Atom::Image { width, .. } => {
                    word += width;
                    total += width;
                }
                Atom::Footnote(..) => {
                    word += style.size * 0.5;
                    total += style.size * 0.5;
                }
                Atom::LineBreak => {
                    widest = widest.max(word);
                    word = 0.0;
                }
                Atom::Mark(_) => {}
            }
        }
        (widest.max(word), total)
    }

    fn set_atoms(&mut self, atoms: &[Atom], links: &[LinkTarget], spec: &ParagraphSpec) -> SetParagraph {
        if atoms.is_empty() {
            return SetParagraph::default();
        }
        // Passes: no hyphenation; hyphenation; emergency stretch; break anywhere.
        let em = spec.style.size;
        let passes: [(bool, Params, bool); 4] = [
            (
                false,
                Params {
                    max_ratio: 1.0,
                    ..Params::default()
                },
                false,
            ),
            (true, Params::default(), false),
            (
                true,
                Params {
                    max_ratio: 2.5,
                    emergency_stretch: em * 1.5,
                    ..Params::default()
                },
                false,
            ),
            (
                true,
                Params {
                    accept_any_loose: true,
                    emergency_stretch: em * 3.0,
                    ..Params::default()
                },
                true,
            ),
        ];
        let ragged = spec.align != Align::Justify;
        // Items are rebuilt only when a pass needs other break points (hyphenation is looked
        // up only for paragraphs that need it, as TeX does).
        let mut built: Option<Built> = None;
        // The words of the first pass's items, for the second pass to hyphenate in place.
        let mut words = Vec::new();
        let measure = |_line: usize| spec.measure;
        for (pass, (hyphenate, params, anywhere)) in passes.iter().enumerate() {
            let key = (*hyphenate, pass >= 2, *anywhere);
            match built.take() {
                Some(b) if b.0 == key => built = Some(b),
                Some((from, items, pieces))
                    if from == (false, false, false) && key == (true, false, false) =>
                {
                    let (items, pieces) = self.hyphenate_words(items, pieces, &words, spec);
                    built = Some((key, items, pieces));
                }
                _ => {
                    let record = (key == (false, false, false)).then_some(&mut words);
                    let (items, pieces) = self.itemize(atoms, spec, ragged, key, record);
                    built = Some((key, items, pieces));
                }
            }
            let Some((_, items, pieces)) = &built else { break };
            if let Some(breaks) = linebreak::break_lines(items, &measure, params) {
                return self.build_lines(items, pieces, &breaks, spec, links, pass as u8 + 1);
            }
        }
        SetParagraph::default()
    }

    /// Turns atoms into KP items and the pieces they stand for.
    fn itemize<'a>(
        &mut self,
        atoms: &'a [Atom<'_>],
        spec: &ParagraphSpec,
        ragged: bool,
        (hyphenate, track, anywhere): (bool, bool, bool),
        mut words: Option<&mut Vec<WordSpan<'a>>>,
    ) -> (Vec<Kp>, Vec<Piece>) {
        let cuts = Cuts {
            hyphenate,
            track,
            anywhere,
            emergency_width: spec.measure / 3.0,
        };
        // About one item per word and one per space: sized once, not grown word by word.
        let bytes: usize = atoms
            .iter()
            .map(|a| match a {
                Atom::Text(_, t) => t.len(),
                _ => 1,
            })
            .sum();
        let mut items = Vec::with_capacity(bytes / 3 + 8);
        let mut pieces = Vec::with_capacity(bytes / 3 + 8);
        // Words: runs of non-space text, possibly over several atoms.
        let mut pending_space: Option<(TextStyle, bool)> = None; // (style, breakable)
        if spec.indent > 0.0 {
            items.push(Kp::boxed(spec.indent));
            pieces.push(Piece::None);
        }
        let push_space = |items: &mut Vec<Kp>,
                          pieces: &mut Vec<Piece>,
                          setter: &mut Self,
                          style: TextStyle,
                          breakable: bool| {
            let font = style.font(setter.shaper);
            let w = setter.shaper.space(font, variant_base(style.variant)) * style.size;
            if !breakable {
                items.push(Kp::penalty(INFINITY));
                pieces.push(Piece::None);
            }
            if ragged {
                // Stretch only at line ends: glue(0,+s) penalty(0) glue(w,-s).
                let s = style.size * 3.0;
                if breakable {
                    items.push(Kp::Glue {
                        width: 0.0,
                        stretch: s,
                        shrink: 0.0,
                    });
                    pieces.push(Piece::None);
                    items.push(Kp::penalty(0.0));
                    pieces.push(Piece::None);
                    items.push(Kp::Glue {
                        width: w,
                        stretch: -s,
                        shrink: 0.0,
                    });
                    pieces.push(Piece::Space { style, font });
                } else {
                    items.push(Kp::Glue {
                        width: w,
                        stretch: 0.0,
                        shrink: 0.0,
                    });
                    pieces.push(Piece::Space { style, font });
                }
            } else {
                items.push(Kp::Glue {
                    width: w,
                    stretch: w * 0.5,
                    shrink: w * 0.33,
                });
                pieces.push(Piece::Space { style, font });
            }
        };
        for atom in atoms {
            match atom {
                Atom::Text(style, text) if style.preserve_spaces => {
                    // Code: every space is a fixed box; a line may break after a run of them.
                    if let Some((st, b)) = pending_space.take() {
                        push_space(&mut items, &mut pieces, self, st, b);
                    }
                    let mut rest: &str = text;
                    while !rest.is_empty() {
                        let spaces = rest.len() - rest.trim_start_matches(' ').len();
                        if spaces > 0 {
                            let font = style.font(self.shaper);
                            let shaped = self.shaper.shape(font, Variant::Code, &rest[..spaces]);
                            items.push(Kp::boxed(shaped.advance * style.size));
                            pieces.push(Piece::Glyphs {
                                style: *style,
                                font,
                                range: 0..shaped.glyphs.len(),
                                shaped,
                                em: style.size,
                            });
                            items.push(Kp::penalty(100.0));
                            pieces.push(Piece::None);
                            rest = &rest[spaces..];
                            continue;
                        }
                        let end = rest.find(' ').unwrap_or(rest.len());
                        self.recorded_word(
                            &rest[..end],
                            *style,
                            &mut items,
                            &mut pieces,
                            spec,
                            cuts,
                            words.as_deref_mut(),
                        );
                        rest = &rest[end..];
                    }
                }
                Atom::Text(style, text) => {
                    let mut word_start: Option<usize> = None;
                    let mut chars = text.char_indices().peekable();
                    while let Some((i, c)) = chars.next() {
                        let is_space = c == ' ' || c == '\n' || c == '\t' || c == '\u{a0}' || c == '\u{200b}';
                        if is_space {
                            if let Some(s) = word_start.take() {
                                self.recorded_word(
                                    &text[s..i],
                                    *style,
                                    &mut items,
                                    &mut pieces,
                                    spec,
                                    cuts,
                                    words.as_deref_mut(),
                                );
                            }
                            let breakable = c != '\u{a0}';
                            if c == '\u{200b}' {
                                if let Some((st, _)) = pending_space.take() {
                                    push_space(&mut items, &mut pieces, self, st, true);
                                }
                                items.push(Kp::penalty(0.0));
                                pieces.push(Piece::None);
                                continue;
                            }
                            // Collapse runs of spaces; a no-break space wins.
                            pending_space = match pending_space {
                                Some((st, b)) => Some((st, b && breakable)),
                                None => Some((*style, breakable)),
                            };
                        } else if word_start.is_none() {
                            if let Some((st, b)) = pending_space.take()
                                && !(items.is_empty() || pieces.iter().all(|p| matches!(p, Piece::None)))
                            {
                                push_space(&mut items, &mut pieces, self, st, b);
                            }
                            word_start = Some(i);
                        }
                        if chars.peek().is_none()
                            && let Some(s) = word_start.take()
                        {
                            self.recorded_word(
                                &text[s..],
                                *style,
                                &mut items,
                                &mut pieces,
                                spec,
                                cuts,
                                words.as_deref_mut(),
                            );
                        }
                    }
                }
                Atom::LineBreak => {
                    pending_space = None;
                    items.push(Kp::Glue {
                        width: 0.0,
                        stretch: INFINITY,
                        shrink: 0.0,
                    });
                    pieces.push(Piece::None);
                    items.push(Kp::penalty(-INFINITY));
                    pieces.push(Piece::None);
                }
                Atom::Mark(name) => {
                    if let Some((st, b)) = pending_space.take() {
                        push_space(&mut items, &mut pieces, self, st, b);
                    }
                    items.push(Kp::boxed(0.0));
                    pieces.push(Piece::Mark(name.clone()));
                }
                Atom::Footnote(n, style) => {
                    // The reference number: attached to the preceding word (no space before).
                    pending_space = None;
                    let (st, font, shaped) = self.superscript(&n.to_string(), *style);
                    let w = shaped.advance * st.size;
                    items.push(Kp::boxed(w));
                    pieces.push(Piece::Footnote(
                        *n,
                        Box::new(Piece::Glyphs {
                            style: st,
                            font,
                            range: 0..shaped.glyphs.len(),
                            shaped,
                            em: st.size,
                        }),
                    ));
                }
                Atom::Image {
                    image,
                    width,
                    height,
                    style,
                } => {
                    if let Some((st, b)) = pending_space.take() {
                        push_space(&mut items, &mut pieces, self, st, b);
                    }
                    items.push(Kp::boxed(*width));
                    pieces.push(Piece::Image {
                        image: *image,
                        height: *height,
                        link: style.link,
                    });
                }
            }
        }
        // Paragraph end: fill the last line.
        items.push(Kp::Glue {
            width: 0.0,
            stretch: INFINITY,
            shrink: 0.0,
        });
        pieces.push(Piece::None);
        items.push(Kp::penalty(-INFINITY));
        pieces.push(Piece::None);
        (items, pieces)
    }

    /// `word`, noting where its items are when `words` records the words to hyphenate.
    #[allow(clippy::too_many_arguments)]
    fn recorded_word<'a>(
        &mut self,
        word: &'a str,
        style: TextStyle,
        items: &mut Vec<Kp>,
        pieces: &mut Vec<Piece>,
        spec: &ParagraphSpec,
        cuts: Cuts,
        words: Option<&mut Vec<WordSpan<'a>>>,
    ) {
        let at = items.len();
        self.word(word, style, items, pieces, spec, cuts);
        if style.hyphenate
            && let Some(words) = words
        {
            words.push(WordSpan {
                items: at..items.len(),
                text: word,
                style,
            });
        }
    }

    /// The items of the hyphenating pass from those of the first pass (`words` are its
    /// hyphenatable words): each word with hyphenation points is itemized again with them,
    /// and everything else is moved over as it is. The result equals itemizing anew.
    fn hyphenate_words(
        &mut self,
        items: Vec<Kp>,
        pieces: Vec<Piece>,
        words: &[WordSpan],
        spec: &ParagraphSpec,
    ) -> (Vec<Kp>, Vec<Piece>) {
        let cuts = Cuts {
            hyphenate: true,
            track: false,
            anywhere: false,
            emergency_width: spec.measure / 3.0,
        };
        let mut new_items = Vec::with_capacity(items.len() + items.len() / 4);
        let mut new_pieces = Vec::with_capacity(new_items.capacity());
        let mut old_pieces = pieces.into_iter();
        let mut at = 0;
        for word in words {
            if self.hyphenator.points(word.text).is_empty() {
                continue;
            }
            new_items.extend_from_slice(&items[at..word.items.start]);
            new_pieces.extend(old_pieces.by_ref().take(word.items.start - at));
            old_pieces.by_ref().take(word.items.len()).for_each(drop);
            self.word(word.text, word.style, &mut new_items, &mut new_pieces, spec, cuts);
            at = word.items.end;
        }
        new_items.extend_from_slice(&items[at..]);
        new_pieces.extend(old_pieces);
        (new_items, new_pieces)
    }

    /// Shapes superscript text: true `sups` glyphs when the font has them all, else scaled
    /// and raised.
    fn superscript(&mut self, text: &str, style: TextStyle) -> (TextStyle, FontId, Arc<Shaped>) {
        self.variant_or_scaled(text, style, Variant::Sups)
    }

    fn variant_or_scaled(
        &mut self,
        text: &str,
        style: TextStyle,
        variant: Variant,
    ) -> (TextStyle, FontId, Arc<Shaped>) {
        let font = style.font(self.shaper);
        let real = self.shaper.shape(font, variant, text);
        let plain = self.shaper.shape(font, Variant::Text, text);
        let substituted = real.glyphs.len() == plain.glyphs.len()
            && real.glyphs.iter().zip(&plain.glyphs).all(|(a, b)| a.id != b.id);
        if substituted {
            return (
                TextStyle {
                    variant,
                    hyphenate: false,
                    ..style
                },
                font,
                real,
            );
        }
        let scaled = TextStyle {
            size: style.size * 0.7,
            rise: if variant == Variant::Subs {
                -style.size * 0.15
            } else {
                style.size * 0.35
            },
            variant: Variant::Text,
            hyphenate: false,
            ..style
        };
        (scaled, font, plain)
    }

    /// Adds the boxes and inner break points of one word in one style.
    fn word(
        &mut self,
        word: &str,
        style: TextStyle,
        items: &mut Vec<Kp>,
        pieces: &mut Vec<Piece>,
        spec: &ParagraphSpec,
        cuts_allowed: Cuts,
    ) {
        let (style, font, shaped) = match style.variant {
            Variant::Sups | Variant::Subs => self.variant_or_scaled(word, style, style.variant),
            v => {
                let font = style.font(self.shaper);
                (style, font, self.shaper.shape(font, v, word))
            }
        };
        let em = style.size;
        let n = shaped.glyphs.len();
        if n == 0 {
            return;
        }
        // Byte checks first: a substring search is set up anew on every call.
        let bytes = word.as_bytes();
        let looks_like_url = (bytes.contains(&b':') && word.contains("://")) || word.starts_with("www.");
        let hyphenate = cuts_allowed.hyphenate && style.hyphenate && !looks_like_url;
        let code_breaks = style.code_breaks || looks_like_url;
        // Most words hold nothing to break at: skip the scan for them.
        // ‐ — – all begin with the byte 0xE2 in UTF-8.
        let scan = code_breaks
            || (bytes.iter().any(|&b| matches!(b, b'-' | b'/' | 0xE2))
                && word.contains(['-', '\u{2010}', '—', '–', '/']));
        let anywhere = cuts_allowed.anywhere && shaped.advance * em > cuts_allowed.emergency_width;
        // Break opportunities: (byte offset where the next piece starts, kind).
        let mut cuts: Vec<(usize, Cut)> = Vec::new();
        if hyphenate {
            cuts.extend(self.hyphenator.points(word).into_iter().map(|o| (o, Cut::Hyphen)));
        }
        let mut prev: Option<char> = None;
        let mut chars = word.char_indices().peekable();
        while scan && let Some((_, c)) = chars.next() {
            let Some(&(next_offset, next_c)) = chars.peek() else {
                break;
            };
            let before = prev;
            prev = Some(c);
            let prev = before;
            let kind = if (c == '-' || c == '\u{2010}')
                && prev.is_some_and(char::is_alphanumeric)
                && next_c.is_alphabetic()
            {
                Some(Cut::Explicit)
            } else if (c == '—' || c == '–') && prev.is_some() {
                Some(Cut::Dash)
            } else if (code_breaks && is_code_break(c, next_c, prev))
                || (c == '/' && prev.is_some_and(char::is_alphanumeric) && next_c.is_alphanumeric())
            {
                Some(Cut::Code)
            } else {
                None
            };
            if let Some(kind) = kind {
                cuts.push((next_offset, kind));
            }
        }
        // Byte offsets to the first glyph of their cluster: one table for the word (a search
        // per cut was quadratic on a 100,000-character word), built only when there is a cut.
        if !cuts.is_empty() {
            let mut first_glyph = vec![usize::MAX; word.len() + 1];
            for (i, g) in shaped.glyphs.iter().enumerate().rev() {
                if let Some(slot) = first_glyph.get_mut(g.cluster as usize) {
                    *slot = i;
                }
            }
            cuts.retain_mut(|(offset, _)| match first_glyph.get(*offset) {
                Some(&g) if g != usize::MAX => {
                    *offset = g;
                    true
                }
                _ => false,
            });
        }
        if anywhere {
            for g in 1..n {
                if shaped.glyphs[g].cluster != shaped.glyphs[g - 1].cluster {
                    cuts.push((g, Cut::Anywhere));
                }
            }
        }
        if !cuts.is_empty() {
            cuts.sort_by_key(|c| c.0);
            cuts.dedup_by_key(|c| c.0);
            cuts.retain(|c| c.0 > 0 && c.0 < n);
        }
        let hyphen = if cuts.iter().any(|c| c.1 == Cut::Hyphen) {
            let s = self.shaper.shape(font, Variant::Text, "-");
            Some(s.advance * em)
        } else {
            None
        };
        let mut start = 0;
        let protrude = |g: usize, right: bool| -> f32 {
            let cluster = shaped.glyphs[g].cluster as usize;
            let c = word[cluster..].chars().next().unwrap_or(' ');
            let factor = if right {
                protrusion_right(c)
            } else {
                protrusion_left(c)
            };
            factor * shaped.glyphs[g].advance * em
        };
        let bounds = cuts.iter().map(|&(g, k)| (g, Some(k))).chain([(n, None)]);
        for (end, cut) in bounds {
            let width = shaped.advance_of(start..end) * em;
            // In emergencies, justified text may take a little letter spacing (at most
            // about 2% of a word's width at full stretch) rather than very wide spaces.
            let tracking =
                if cuts_allowed.track && spec.align == Align::Justify && style.family == Family::Serif {
                    width * 0.02
                } else {
                    0.0
                };
            items.push(Kp::Box {
                width,
                stretch: tracking,
                protrude_left: if spec.align == Align::Justify {
                    protrude(start, false)
                } else {
                    0.0
                },
                protrude_right: if spec.align == Align::Justify {
                    protrude(end - 1, true)
                } else {
                    0.0
                },
            });
            pieces.push(Piece::Glyphs {
                style,
                font,
                shaped: shaped.clone(),
                range: start..end,
                em,
            });
            match cut {
                Some(Cut::Hyphen) => {
                    let w = hyphen.unwrap_or(0.0);
                    items.push(Kp::Penalty {
                        width: w,
                        cost: 50.0,
                        flagged: true,
                        protrude: if spec.align == Align::Justify {
                            w * 0.7
                        } else {
                            0.0
                        },
                    });
                    pieces.push(Piece::Hyphen { style, font });
                }
                Some(Cut::Explicit) => {
                    items.push(Kp::Penalty {
                        width: 0.0,
                        cost: 50.0,
                        flagged: true,
                        protrude: 0.0,
                    });
                    pieces.push(Piece::None);
                }
                Some(Cut::Dash) => {
                    items.push(Kp::penalty(50.0));
                    pieces.push(Piece::None);
                }
                Some(Cut::Code) => {
                    items.push(Kp::penalty(250.0));
                    pieces.push(Piece::None);
                }
                Some(Cut::Anywhere) => {
                    items.push(Kp::penalty(3000.0));
                    pieces.push(Piece::None);
                }
                None => {}
            }
            start = end;
        }
    }

    fn build_lines(
        &mut self,
        items: &[Kp],
        pieces: &[Piece],
        breaks: &[linebreak::Break],
        spec: &ParagraphSpec,
        links: &[LinkTarget],
        pass: u8,
    ) -> SetParagraph {
        let mut lines = Vec::with_capacity(breaks.len());
        let mut stats = ParagraphStats {
            lines: breaks.len(),
            pass,
            ..ParagraphStats::default()
        };
        let mut start = 0;
        let mut hyphen_run = 0;
        for (li, brk) in breaks.iter().enumerate() {
            // Skip discardable items at the line start (not at the paragraph start).
            if li > 0 {
                while start < brk.position && !matches!(items[start], Kp::Box { .. }) {
                    if matches!(items[start], Kp::Penalty { cost, .. } if cost <= -INFINITY) {
                        break;
                    }
                    start += 1;
                }
            }
            let end = brk.position;
            let measure = spec.measure;
            // Natural width and stretch of the line as set.
            let mut natural = 0.0;
            let mut stretch = 0.0;
            let mut shrink = 0.0;
            for item in &items[start..end] {
                match *item {
                    Kp::Box {
                        width, stretch: y, ..
                    } => {
                        natural += width;
                        stretch += y;
                    }
                    Kp::Glue {
                        width,
                        stretch: y,
                        shrink: z,
                    } => {
                        natural += width;
                        stretch += y;
                        shrink += z;
                    }
                    Kp::Penalty { .. } => {}
                }
            }
            let (hyphen_width, hyphen_protrude) = match items[end] {
                Kp::Penalty { width, protrude, .. } if width > 0.0 => (width, protrude),
                _ => (0.0, 0.0),
            };
            let first_box = items[start..end].iter().find_map(|i| match i {
                Kp::Box { protrude_left, .. } => Some(*protrude_left),
                _ => None,
            });
            let last_box = items[start..end].iter().rev().find_map(|i| match i {
                Kp::Box { protrude_right, .. } => Some(*protrude_right),
                Kp::Glue { .. } => Some(0.0),
                _ => None,
            });
            let left_hang = first_box.unwrap_or(0.0);
            let right_hang = if hyphen_width > 0.0 {
                hyphen_protrude
            } else {
                last_box.unwrap_or(0.0)
            };
            let target = measure + left_hang + right_hang;
            let content = natural + hyphen_width;
            let justify = spec.align == Align::Justify;
            let ratio = if !justify {
                0.0
            } else if content < target && stretch > 0.0 {
                ((target - content) / stretch).min(if stretch >= INFINITY { 0.0 } else { f32::MAX })
            } else if content > target && shrink > 0.0 {
                ((target - content) / shrink).max(-1.0)
            } else {
                0.0
            };
            let forced_end = matches!(items[end], Kp::Penalty { cost, .. } if cost <= -INFINITY);
            if !forced_end && ratio > stats.max_ratio {
                stats.max_ratio = ratio;
            }
            stats.demerits += brk.demerits;
            let hyphenated = brk.hyphenated;
            if hyphenated && !forced_end {
                stats.hyphens += 1;
                hyphen_run += 1;
                stats.max_hyphen_run = stats.max_hyphen_run.max(hyphen_run);
            } else {
                hyphen_run = 0;
            }
            // Ragged lines keep every space at its natural width (the end-of-line glue of the
            // ragged-right items is zero wide).
            let set_width = |w: f32, y: f32, z: f32| -> f32 {
                if !justify {
                    w
                } else if ratio >= 0.0 {
                    w + ratio * y
                } else {
                    w + ratio * z
                }
            };
            // The first-line indent is the paragraph's first box.
            let mut x = -left_hang;
            let mut line = LineBuilder::new(self, links);
            line.reserve(&pieces[start..=end]);
            for (k, item) in items[start..end].iter().enumerate() {
                let piece = &pieces[start + k];
                match *item {
                    Kp::Box {
                        width, stretch: y, ..
                    } => {
                        let extra = if justify && ratio > 0.0 { ratio * y } else { 0.0 };
                        line.piece(piece, x, width, extra);
                        x += width + extra;
                    }
                    Kp::Glue {
                        width,
                        stretch: y,
                        shrink: z,
                    } => {
                        let w = set_width(width, y, z);
                        if let Piece::Space { style, font } = piece {
                            line.space(*style, *font, x, w);
                        }
                        x += w;
                    }
                    Kp::Penalty { .. } => {}
                }
            }
            if hyphen_width > 0.0
                && let Piece::Hyphen { style, font } = &pieces[end]
            {
                line.hyphen(*style, *font, x);
                x += hyphen_width;
            }
            let mut set = line.finish();
            set.right = x;
            set.hyphenated = hyphenated && !forced_end;
            // Alignment of ragged lines.
            let shift = match spec.align {
                Align::Justify | Align::Left => 0.0,
                Align::Center => ((measure - x) / 2.0).max(0.0),
                Align::Right => (measure - x).max(0.0),
            };
            if shift != 0.0 {
                translate(&mut set.items, shift, 0.0);
                set.right += shift;
            }
            if brk.overfull {
                stats.pass = 4;
            }
            lines.push(set);
            start = end + 1;
        }
        SetParagraph { lines, stats }
    }
}

/// Where one word's items are in the first pass's items, and what was itemized.
struct WordSpan<'a> {
    items: std::ops::Range<usize>,
    text: &'a str,
    style: TextStyle,
}

/// Items built for a pass, keyed by (hyphenate, anywhere).
type Built = ((bool, bool, bool), Vec<Kp>, Vec<Piece>);

/// Which break points inside words a pass may use.
#[derive(Debug, Clone, Copy)]
struct Cuts {
    hyphenate: bool,
    /// Words may be letter-spaced a little (emergency passes).
    track: bool,
    /// Break long words anywhere (last resort).
    anywhere: bool,
    /// Words wider than this may break anywhere.
    emergency_width: f32,
}

/// Kinds of break points inside a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    Hyphen,
    Explicit,
    Dash,
    Code,
    Anywhere,
}

/// Where code and URLs may break: after `/`, `.`, `::`, `_`, `,`, `(`, `&`, `?`, `=`, before
/// nothing. Never between two letters.
fn is_code_break(c: char, next: char, prev: Option<char>) -> bool {
    match c {
        '/' | '.' | '_' | ',' | '(' | '&' | '?' | '=' | ';' | '|' => next != c && !next.is_whitespace(),
        ':' => prev == Some(':') && next != ':',
        '-' => prev.is_some_and(|p| p != '-') && next != '-' && next != '>',
        // camelCase: between a lower-case letter and an upper-case one.
        c if c.is_lowercase() => next.is_uppercase(),
        _ => false,
    }
}

/// How far a character may hang into the right margin, as a fraction of its width.
pub fn protrusion_right(c: char) -> f32 {
    match c {
        '.' | ',' => 0.7,
        '-' | '\u{2010}' | '\u{2011}' => 0.7,
        '–' => 0.5,
        '—' => 0.25,
        ':' | ';' => 0.5,
        '!' | '?' => 0.2,
        '’' | '”' | '\'' | '"' | '›' | '»' => 0.5,
        ')' | ']' => 0.1,
        _ => 0.0,
    }
}

/// How far a character may hang into the left margin, as a fraction of its width.
pub fn protrusion_left(c: char) -> f32 {
    match c {
        '“' | '‘' | '"' | '\'' | '«' | '‹' | '„' => 0.5,
        '(' | '[' => 0.1,
        _ => 0.0,
    }
}

fn variant_base(v: Variant) -> Variant {
    match v {
        Variant::Code => Variant::Code,
        _ => Variant::Text,
    }
}

/// Moves items by (dx, dy).
pub fn translate(items: &mut [Item], dx: f32, dy: f32) {
    for item in items {
        match item {
            Item::Text(run) => {
                run.x += dx;
                run.y += dy;
            }
            Item::Line { from, to, .. } => {
                from.0 += dx;
                from.1 += dy;
                to.0 += dx;
                to.1 += dy;
            }
            Item::Rect { x, y, .. }
            | Item::Image { x, y, .. }
            | Item::Link { x, y, .. }
            | Item::Destination { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
        }
    }
}

/// Collects the items of one line: merges glyphs into runs, spans links and strike-throughs.
struct LineBuilder<'a> {
    run: Option<TextRun>,
    /// Style of the open run (runs are split whenever the style changes).
    run_key: Option<(FontId, u32, Rgb, i32)>,
    items: Vec<Item>,
    ascent: f32,
    descent: f32,
    footnotes: Vec<u32>,
    links: &'a [LinkTarget],
    /// Open link area: (link index, x start, x end).
    link: Option<(u32, f32, f32)>,
    strike: Option<(f32, f32, f32, f32)>,
    fonts: &'a super::fonts::FontSet,
    /// Glyphs and text bytes still to come on this line (capacity for a new run).
    glyph_budget: usize,
    text_budget: usize,
}

impl<'a> LineBuilder<'a> {
    fn new(setter: &'a Setter, links: &'a [LinkTarget]) -> Self {
        LineBuilder {
            run: None,
            run_key: None,
            items: Vec::new(),
            ascent: 0.0,
            descent: 0.0,
            footnotes: Vec::new(),
            links,
            link: None,
            strike: None,
            fonts: setter.shaper.fonts,
            glyph_budget: 0,
            text_budget: 0,
        }
    }

    /// Sizes the line's text runs for `pieces` (glyphs and their text), so that they are
    /// not regrown glyph by glyph.
    fn reserve(&mut self, pieces: &[Piece]) {
        for piece in pieces {
            match piece {
                Piece::Glyphs { shaped, range, .. } => {
                    let from = shaped.glyphs.get(range.start).map_or(0, |g| g.cluster as usize);
                    let to = shaped
                        .glyphs
                        .get(range.end)
                        .map_or(shaped.text.len(), |g| g.cluster as usize);
                    self.glyph_budget += range.len();
                    self.text_budget += to.saturating_sub(from);
                }
                Piece::Space { .. } | Piece::Hyphen { .. } => {
                    self.glyph_budget += 1;
                    self.text_budget += 1;
                }
                _ => {}
            }
        }
    }

    fn extend_metrics(&mut self, font: FontId, size: f32, rise: f32) {
        let f = self.fonts.get(font);
        self.ascent = self.ascent.max(f.ascender * size + rise);
        self.descent = self.descent.max(f.descender * size - rise);
    }

    fn glyphs<'g>(
        &mut self,
        style: &TextStyle,
        font: FontId,
        x: f32,
        glyphs: impl ExactSizeIterator<Item = (u16, f32, f32, f32, &'g str)>,
    ) {
        let key = (
            font,
            style.size.to_bits(),
            style.color,
            (style.rise * 100.0) as i32,
        );
        if self.run_key != Some(key) {
            self.flush_run();
            self.run_key = Some(key);
            self.run = Some(TextRun {
                font,
                size: style.size,
                color: style.color,
                x,
                y: -style.rise,
                dy: 0.0,
                glyphs: Vec::with_capacity(self.glyph_budget.max(glyphs.len())),
                text: String::with_capacity(self.text_budget),
            });
        }
        self.glyph_budget = self.glyph_budget.saturating_sub(glyphs.len());
        self.extend_metrics(font, style.size, style.rise);
        let mut width = 0.0f32;
        if let Some(run) = &mut self.run {
            let mut gx = x - run.x;
            run.glyphs.reserve(glyphs.len());
            for (id, advance, x_off, y_off, text) in glyphs {
                // A glyph the shaper raises or lowers is a run of its own, at the same
                // origin; the glyphs after it start another. So does a glyph whose text
                // would take the run's text past what a glyph's 16-bit offset reaches.
                let full = run.text.len() + text.len() > usize::from(u16::MAX);
                if y_off != run.dy || (y_off != 0.0 && !run.glyphs.is_empty()) || full {
                    let next = TextRun {
                        dy: y_off,
                        glyphs: Vec::new(),
                        text: String::new(),
                        ..*run
                    };
                    if let Some(done) = finished(std::mem::replace(run, next)) {
                        self.items.push(done);
                    }
                }
                self.text_budget = self.text_budget.saturating_sub(text.len());
                width += advance;
                // One glyph's text is a cluster: far under 64 KB but in hostile input (a
                // letter under a hundred thousand accents), whose text is cut there.
                let mut end = text.len().min(usize::from(u16::MAX));
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                run.text.push_str(&text[..end]);
                run.glyphs.push(Glyph {
                    id,
                    x: gx + x_off,
                    advance,
                    text_end: run.text.len() as u16,
                });
                gx += advance;
            }
        }
        self.track_decorations(style, x, x + width);
    }

    fn track_decorations(&mut self, style: &TextStyle, x0: f32, x1: f32) {
        match (style.link, &mut self.link) {
            (Some(l), Some((open, _, end))) if *open == l => *end = x1,
            (Some(l), _) => {
                self.flush_link();
                self.link = Some((l, x0, x1));
            }
            (None, _) => self.flush_link(),
        }
        if style.strike {
            let y = -style.size * 0.28 - style.rise;
            let w = style.size * 0.055;
            match &mut self.strike {
                Some((_, end, sy, _)) if (*sy - y).abs() < 0.01 => *end = x1,
                _ => {
                    self.flush_strike();
                    self.strike = Some((x0, x1, y, w));
                }
            }
        } else {
            self.flush_strike();
        }
    }

    /// Draws a piece at `x`; `extra` is letter spacing spread over its glyphs.
    fn piece(&mut self, piece: &Piece, x: f32, width: f32, extra: f32) {
        match piece {
            Piece::Glyphs {
                style,
                font,
                shaped,
                range,
                em,
            } => {
                let text = &*shaped.text;
                let gl = &shaped.glyphs[range.clone()];
                let track = if gl.is_empty() {
                    0.0
                } else {
                    extra / gl.len() as f32
                };
                let all = &shaped.glyphs;
                let glyphs = gl.iter().enumerate().map(|(k, g)| {
                    let i = range.start + k;
                    let start = g.cluster as usize;
                    // The glyph's text: up to the next glyph with a larger cluster.
                    let first_of_cluster = i == 0 || all[i - 1].cluster != g.cluster;
                    let t = if first_of_cluster {
                        let end = all[i + 1..]
                            .iter()
                            .map(|n| n.cluster as usize)
                            .find(|&c| c > start)
                            .unwrap_or(text.len());
                        text.get(start..end).unwrap_or("")
                    } else {
                        ""
                    };
                    (g.id, g.advance * em + track, g.x_offset * em, g.y_offset * em, t)
                });
                self.glyphs(style, *font, x, glyphs);
            }
            Piece::Mark(name) => {
                self.items.push(Item::Destination {
                    name: name.clone(),
                    x,
                    y: 0.0,
                });
            }
            Piece::Footnote(n, number) => {
                self.footnotes.push(*n);
                self.items.push(Item::Destination {
                    name: format!("fnref-{n}"),
                    x,
                    y: 0.0,
                });
                self.flush_link();
                self.piece(number, x, width, 0.0);
                self.flush_link();
                self.items.push(Item::Link {
                    x,
                    y: 0.0,
                    width,
                    height: 0.0,
                    target: LinkTarget::Named(format!("fn-{n}")),
                });
            }
            Piece::Image { image, height, link } => {
                self.flush_run();
                self.ascent = self.ascent.max(*height);
                self.items.push(Item::Image {
                    image: *image,
                    x,
                    y: -height,
                    width,
                    height: *height,
                });
                if let Some(l) = link
                    && let Some(t) = self.links.get(*l as usize)
                {
                    self.items.push(Item::Link {
                        x,
                        y: -height,
                        width,
                        height: *height,
                        target: t.clone(),
                    });
                }
            }
            Piece::Space { .. } | Piece::Hyphen { .. } | Piece::None => {}
        }
    }

    fn space(&mut self, style: TextStyle, font: FontId, x: f32, width: f32) {
        let space_glyph = self.fonts.get(font).space_glyph;
        // A space glyph with the set width: extractors see a real space.
        if self.run_key.map(|k| k.0) == Some(font) {
            self.glyphs(&style, font, x, [(space_glyph, width, 0.0, 0.0, " ")].into_iter());
        } else {
            self.track_decorations(&style, x, x + width);
        }
    }

    fn hyphen(&mut self, style: TextStyle, font: FontId, x: f32) {
        let f = self.fonts.get(font);
        let id = f.hyphen_glyph;
        let advance = f.advance_em(id) * style.size;
        self.glyphs(&style, font, x, [(id, advance, 0.0, 0.0, "-")].into_iter());
    }

    fn flush_run(&mut self) {
        if let Some(item) = self.run.take().and_then(finished) {
            self.items.push(item);
        }
        self.run_key = None;
    }

    fn flush_link(&mut self) {
        if let Some((l, x0, x1)) = self.link.take()
            && let Some(target) = self.links.get(l as usize)
        {
            self.items.push(Item::Link {
                x: x0,
                y: 0.0,
                width: x1 - x0,
                height: 0.0,
                target: target.clone(),
            });
        }
    }

    fn flush_strike(&mut self) {
        if let Some((x0, x1, y, w)) = self.strike.take() {
            self.items.push(Item::Line {
                from: (x0, y),
                to: (x1, y),
                width: w,
                color: Rgb::BLACK,
            });
        }
    }

    fn finish(mut self) -> SetLine {
        self.flush_run();

        self.flush_link();
        self.flush_strike();
        // Link areas cover the line's full height.
        let (ascent, descent) = (self.ascent, self.descent);
        for item in &mut self.items {
            if let Item::Link { y, height, .. } = item
                && *height == 0.0
            {
                *y = -ascent;
                *height = ascent + descent;
            }
        }
        // Text runs first, decorations after: keeps the drawing order stable.
        SetLine {
            items: self.items,
            ascent,
            descent,
            footnotes: self.footnotes,
            hyphenated: false,
            right: 0.0,
        }
    }
}

/// Flattens inline content into atoms, collecting link targets.
fn flatten<'t>(
    content: &'t [Inline],
    style: TextStyle,
    out: &mut Vec<Atom<'t>>,
    links: &mut Vec<LinkTarget>,
    images: &[model::Image],
    destination: fn(&str) -> String,
    measure: f32,
) {
    for inline in content {
        match inline {
            Inline::Text { text } => push_text(out, style, Cow::Borrowed(text)),
            Inline::Emphasis { content } => flatten(
                content,
                TextStyle {
                    italic: !style.italic,
                    ..style
                },
                out,
                links,
                images,
                destination,
                measure,
            ),
            Inline::Strong { content } => flatten(
                content,
                TextStyle { bold: true, ..style },
                out,
                links,
                images,
                destination,
                measure,
            ),
            Inline::Strikethrough { content } => flatten(
                content,
                TextStyle {
                    strike: true,
                    ..style
                },
                out,
                links,
                images,
                destination,
                measure,
            ),
            Inline::Superscript { content } => flatten(
                content,
                TextStyle {
                    variant: Variant::Sups,
                    hyphenate: false,
                    ..style
                },
                out,
                links,
                images,
                destination,
                measure,
            ),
            Inline::Subscript { content } => flatten(
                content,
                TextStyle {
                    variant: Variant::Subs,
                    hyphenate: false,
                    ..style
                },
                out,
                links,
                images,
                destination,
                measure,
            ),
            Inline::Code { code } => {
                let mono = TextStyle {
                    size: style.size * 0.88,
                    link: style.link,
                    color: style.color,
                    strike: style.strike,
                    ..TextStyle::mono(style.size)
                };
                push_text(out, mono, Cow::Borrowed(code));
            }
            Inline::Math { source } => push_text(
                out,
                TextStyle {
                    italic: true,
                    hyphenate: false,
                    code_breaks: true,
                    ..style
                },
                Cow::Borrowed(source),
            ),
            Inline::Link { target, content, .. } => {
                let t = match target {
                    model::LinkTarget::External { url } => Some(LinkTarget::Uri(url.clone())),
                    model::LinkTarget::Internal { id, .. } => Some(LinkTarget::Named(destination(id))),
                    model::LinkTarget::Unresolved { .. } => None,
                };
                let link_style = match t {
                    Some(t) => {
                        links.push(t);
                        TextStyle {
                            link: Some(links.len() as u32 - 1),
                            color: style::LINK,
                            ..style
                        }
                    }
                    None => style,
                };
                flatten(content, link_style, out, links, images, destination, measure);
            }
            Inline::Image { image, alt, .. } => match images.get(*image) {
                Some(img) if img.is_available() => {
                    // Inline images: natural size at 150 dpi, at most two lines high.
                    let max_h = style.size * 2.4;
                    let w0 = img.width * 72.0 / 150.0;
                    let h0 = img.height * 72.0 / 150.0;
                    let scale = (max_h / h0).min(measure / w0).min(1.0);
                    out.push(Atom::Image {
                        image: *image,
                        width: w0 * scale,
                        height: h0 * scale,
                        style,
                    });
                }
                _ => push_text(
                    out,
                    TextStyle {
                        italic: !style.italic,
                        ..style
                    },
                    Cow::Owned(format!("[{alt}]")),
                ),
            },
            Inline::FootnoteRef { number } => {
                out.push(Atom::Footnote(*number, TextStyle { link: None, ..style }))
            }
            Inline::Anchor { id } => out.push(Atom::Mark(destination(id))),
            Inline::LineBreak => out.push(Atom::LineBreak),
        }
    }
}

fn push_text<'t>(out: &mut Vec<Atom<'t>>, style: TextStyle, text: Cow<'t, str>) {
    if text.is_empty() {
        return;
    }
    if let Some(Atom::Text(s, t)) = out.last_mut()
        && *s == style
    {
        t.to_mut().push_str(&text);
        return;
    }
    out.push(Atom::Text(style, text));
}

/// A run as an item of the line, `None` when it holds no glyph. Runs are sized for the rest
/// of their line: one that ended early gives back the rest (in place, without copying).
fn finished(mut run: TextRun) -> Option<Item> {
    if run.glyphs.is_empty() {
        return None;
    }
    run.glyphs.shrink_to_fit();
    run.text.shrink_to_fit();
    Some(Item::Text(run))
}
