//! Text shaping with rustybuzz: kerning and ligatures, the document's language and each
//! run's script. Words are shaped once per font and variant and then reused from a cache,
//! which is what makes shaping a whole book cheap.

use std::str::FromStr;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;
use rustybuzz::{BufferClusterLevel, Direction, Feature, Language, Script, ShapePlan, UnicodeBuffer};

use super::fonts::{AsciiTable, FontId, FontSet, ascii_entry};

/// Which OpenType features a piece of text is shaped with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// Kerning and standard ligatures.
    Text,
    /// True superscript glyphs (`sups`).
    Sups,
    /// True subscript glyphs (`subs`).
    Subs,
    /// Code: kerning off, no ligatures or contextual alternates, so code shows as typed.
    Code,
}

/// One glyph as shaped, in em units of its font.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapedGlyph {
    pub id: u16,
    pub advance: f32,
    pub x_offset: f32,
    pub y_offset: f32,
    /// Byte offset in the shaped text of the first character this glyph shows.
    pub cluster: u32,
}

/// A shaped piece of text.
#[derive(Debug, Clone)]
pub struct Shaped {
    pub glyphs: Vec<ShapedGlyph>,
    /// Total advance in em.
    pub advance: f32,
    /// Whether some character had no glyph in the font.
    pub missing: bool,
    /// The text shaped (shared by every use of this shaping).
    pub text: Arc<str>,
}

impl Shaped {
    /// The advance of glyphs `range` in em.
    pub fn advance_of(&self, range: std::ops::Range<usize>) -> f32 {
        self.glyphs[range].iter().map(|g| g.advance).sum()
    }
}

/// A shaping cache shared by the threads laying out one document (sharded locks).
#[derive(Default)]
pub struct SharedCache {
    shards: [Shard; 16],
    /// Shaping plans (the same for every thread of a document): made once, not per chapter.
    plans: std::sync::Mutex<HashMap<PlanKey, Arc<ShapePlan>>>,
}

/// What a shaping plan depends on, in one document.
type PlanKey = (FontId, Variant, Script, Direction);

/// One lock's share of the shared cache: words by font and variant (looked up by `&str`,
/// without building a key).
type Shard = std::sync::Mutex<HashMap<(FontId, Variant), HashMap<Arc<str>, Arc<Shaped>>>>;

impl SharedCache {
    fn shard(&self, text: &str) -> &Shard {
        use std::hash::BuildHasher;
        &self.shards[(rustc_hash::FxBuildHasher.hash_one(text) % 16) as usize]
    }

    fn get(&self, font: FontId, variant: Variant, text: &str) -> Option<Arc<Shaped>> {
        let shard = self.shard(text).lock().ok()?;
        shard.get(&(font, variant))?.get(text).cloned()
    }

    /// Empties the cache and frees its entries on a pool thread, off the caller's path
    /// (a book's cache is tens of thousands of allocations).
    pub fn free_in_background(&self) {
        let maps: Vec<_> = self
            .shards
            .iter()
            .filter_map(|s| s.lock().ok().map(|mut m| std::mem::take(&mut *m)))
            .collect();
        rayon::spawn(move || drop(maps));
    }

    fn put(&self, font: FontId, variant: Variant, shaped: &Arc<Shaped>) {
        if let Ok(mut shard) = self.shard(&shaped.text).lock() {
            shard
                .entry((font, variant))
                .or_default()
                .insert(shaped.text.clone(), shaped.clone());
        }
    }
}

/// Shapes text, caching each distinct (font, variant, text).
pub struct Shaper<'f> {
    pub fonts: &'f FontSet,
    language: Option<Language>,
    /// Words by font and variant, keyed by the shaped text itself (no copy of the key).
    cache: HashMap<(FontId, Variant), HashMap<Arc<str>, Arc<Shaped>>>,
    /// Shaping plans, made once per font, features, script and direction.
    plans: HashMap<PlanKey, Arc<ShapePlan>>,
    /// Characters no font could show.
    pub missing_chars: Vec<char>,
    calls: usize,
    shared: Option<Arc<SharedCache>>,
    /// Advance of one space (em) by font and variant: looked up for every space.
    spaces: HashMap<(FontId, Variant), f32>,
    /// Kerning of character pairs for `shape_ascii_text` (`None`: the pair needs the shaper):
    /// this thread's copy of the font's table (`TextTable::kerning`), read without its lock.
    kerns: HashMap<(FontId, char, char), Option<i32>>,
    /// Whether the text is English, the language the fonts' text tables are made for.
    english: bool,
}

impl<'f> Shaper<'f> {
    pub fn new(fonts: &'f FontSet, lang: &str) -> Self {
        Shaper {
            fonts,
            language: Language::from_str(lang).ok(),
            cache: HashMap::default(),
            plans: HashMap::default(),
            calls: 0,
            shared: None,
            missing_chars: Vec::new(),
            spaces: HashMap::default(),
            kerns: HashMap::default(),
            english: lang
                .split(['-', '_'])
                .next()
                .is_some_and(|primary| primary.eq_ignore_ascii_case("en")),
        }
    }

    /// A shaper that also looks up and fills a cache shared with other threads.
    pub fn with_shared(fonts: &'f FontSet, lang: &str, shared: Arc<SharedCache>) -> Self {
        Shaper {
            shared: Some(shared),
            ..Shaper::new(fonts, lang)
        }
    }

    /// Shapes `text` (normally one word) in `font`.
    pub fn shape(&mut self, font: FontId, variant: Variant, text: &str) -> Arc<Shaped> {
        self.calls += 1;
        if let Some(hit) = self.cache.get(&(font, variant)).and_then(|c| c.get(text)) {
            return hit.clone();
        }
        if let Some(hit) = self.shared.as_ref().and_then(|s| s.get(font, variant, text)) {
            // A copy of this thread's own: every use clones the Arc, and an Arc shared
            // between threads has its count bounced between their cores on each clone.
            let own = Arc::new(Shaped {
                glyphs: hit.glyphs.clone(),
                advance: hit.advance,
                missing: hit.missing,
                text: Arc::from(&*hit.text),
            });
            self.cache
                .entry((font, variant))
                .or_insert_with(word_map)
                .insert(own.text.clone(), own.clone());
            return own;
        }
        let shaped = Arc::new(self.shape_uncached(font, variant, text));
        if let Some(shared) = &self.shared {
            shared.put(font, variant, &shaped);
        }
        if shaped.missing {
            let f = self.fonts.get(font);
            for c in text.chars() {
                if !c.is_whitespace() && !c.is_control() && !f.covers(c) && !self.missing_chars.contains(&c) {
                    self.missing_chars.push(c);
                }
            }
        }
        self.cache
            .entry((font, variant))
            .or_insert_with(word_map)
            .insert(shaped.text.clone(), shaped.clone());
        shaped
    }

    /// The advance of a space in `font`, in em.
    pub fn space(&mut self, font: FontId, variant: Variant) -> f32 {
        if let Some(&advance) = self.spaces.get(&(font, variant)) {
            return advance;
        }
        let advance = self.shape(font, variant, " ").advance;
        self.spaces.insert((font, variant), advance);
        advance
    }

    /// Number of shaping calls and of cache misses so far (for tuning).
    pub fn stats(&self) -> (usize, usize) {
        (self.calls, self.cached())
    }

    /// Number of distinct pieces shaped so far.
    pub fn cached(&self) -> usize {
        self.cache.values().map(HashMap::len).sum()
    }
}

/// A map of shaped words, sized for a chapter's vocabulary (growing it step by step from
/// empty rehashed every word several times).
fn word_map() -> HashMap<Arc<str>, Arc<Shaped>> {
    HashMap::with_capacity_and_hasher(2048, Default::default())
}

fn features(variant: Variant) -> Vec<Feature> {
    let on = |tag: &str| Feature::from_str(tag).ok();
    let list: [Option<Feature>; 3] = match variant {
        Variant::Text => [None, None, None],
        Variant::Sups => [on("sups"), None, None],
        Variant::Subs => [on("subs"), None, None],
        Variant::Code => [on("liga=0"), on("calt=0"), on("kern=0")],
    };
    list.into_iter().flatten().collect()
}

impl Shaper<'_> {
    fn shape_uncached(&mut self, font: FontId, variant: Variant, text: &str) -> Shaped {
        let f = self.fonts.get(font);
        let code_table = if self.english {
            &f.code_ascii_english
        } else {
            &f.code_ascii
        };
        if variant == Variant::Code
            && let Some(table) = code_table
            && let Some(shaped) = shape_ascii_code(table, f.units_per_em, text)
        {
            return shaped;
        }
        if variant == Variant::Text
            && let Some(shaped) = self.shape_ascii_text(font, text)
        {
            return shaped;
        }
        self.shape_with_rustybuzz(font, variant, text)
    }

    /// A word of characters in the font's text table (see `Font::text_table`): each glyph
    /// with its advance, plus the kerning of it and the next as the shaper gives it for the
    /// two alone. `None` when some character is not in the table or some pair shapes as
    /// anything but two glyphs with the second untouched.
    fn shape_ascii_text(&mut self, font: FontId, text: &str) -> Option<Shaped> {
        if !self.english {
            return None;
        }
        let fonts = self.fonts;
        let f = fonts.get(font);
        let table = f.text_table.as_deref()?;
        // Every character first: most words that fail, fail here, before any pair is shaped.
        if text.is_empty() || !text.chars().all(|c| table.get(c).is_some()) {
            return None;
        }
        shaped_from_table(text, f.units_per_em, |c, next| {
            let (id, units) = table.get(c)?;
            let kern = match next {
                Some(next) => self.pair_kern(font, c, next)?,
                None => 0,
            };
            Some((id, units + kern))
        })
    }

    /// The kerning (font units) of the pair `a b` in the font's text table, from the shaper,
    /// once per pair; `None` when the pair comes out as anything but its two glyphs, the
    /// first with an adjusted advance and the second as it is.
    fn pair_kern(&mut self, font: FontId, a: char, b: char) -> Option<i32> {
        if let Some(&known) = self.kerns.get(&(font, a, b)) {
            return known;
        }
        let f = self.fonts.get(font);
        let table = f.text_table.as_deref()?;
        let shared = table.kerning.lock().ok().and_then(|k| k.get(&(a, b)).copied());
        if let Some(known) = shared {
            self.kerns.insert((font, a, b), known);
            return known;
        }
        let ((first, first_units), (second, second_units)) = (table.get(a)?, table.get(b)?);
        let mut pair = String::with_capacity(8);
        pair.push(a);
        pair.push(b);
        let output = self.rustybuzz_raw(font, Variant::Text, &pair);
        let kern = match (output.glyph_infos(), output.glyph_positions()) {
            ([ia, ib], [pa, pb])
                if ia.glyph_id == u32::from(first)
                    && ib.glyph_id == u32::from(second)
                    && (ia.cluster, ib.cluster) == (0, a.len_utf8() as u32)
                    && (pa.x_offset, pa.y_offset, pa.y_advance) == (0, 0, 0)
                    && (pb.x_offset, pb.y_offset, pb.y_advance) == (0, 0, 0)
                    && pb.x_advance == second_units =>
            {
                Some(pa.x_advance - first_units)
            }
            _ => None,
        };
        self.kerns.insert((font, a, b), kern);
        if let Ok(mut shared) = table.kerning.lock() {
            shared.insert((a, b), kern);
        }
        kern
    }

    fn shape_with_rustybuzz(&mut self, font: FontId, variant: Variant, text: &str) -> Shaped {
        let f = self.fonts.get(font);
        let output = self.rustybuzz_raw(font, variant, text);
        let scale = 1.0 / f.units_per_em;
        let mut glyphs = Vec::with_capacity(output.len());
        let mut advance = 0.0;
        let mut missing = false;
        for (info, pos) in output.glyph_infos().iter().zip(output.glyph_positions()) {
            let id = info.glyph_id as u16;
            missing |= id == 0;
            let a = pos.x_advance as f32 * scale;
            advance += a;
            glyphs.push(ShapedGlyph {
                id,
                advance: a,
                x_offset: pos.x_offset as f32 * scale,
                y_offset: pos.y_offset as f32 * scale,
                cluster: info.cluster,
            });
        }
        Shaped {
            glyphs,
            advance,
            missing,
            text: Arc::from(text),
        }
    }

    /// rustybuzz's glyphs and positions (font units) for `text`.
    fn rustybuzz_raw(&mut self, font: FontId, variant: Variant, text: &str) -> rustybuzz::GlyphBuffer {
        let f = self.fonts.get(font);
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_cluster_level(BufferClusterLevel::MonotoneCharacters);
        buffer.guess_segment_properties();
        if let Some(lang) = &self.language {
            buffer.set_language(lang.clone());
        }
        let key = (font, variant, buffer.script(), buffer.direction());
        let plan = match self.plans.get(&key) {
            Some(plan) => plan.clone(),
            None => {
                let make = || {
                    Arc::new(ShapePlan::new(
                        &f.face,
                        key.3,
                        Some(key.2),
                        self.language.as_ref(),
                        &features(variant),
                    ))
                };
                let plan = match self.shared.as_ref().and_then(|s| s.plans.lock().ok()) {
                    Some(mut shared) => shared.entry(key).or_insert_with(make).clone(),
                    None => make(),
                };
                self.plans.insert(key, plan.clone());
                plan
            }
        };
        rustybuzz::shape_with_plan(&f.face, &plan, buffer)
    }
}

/// Code in a font with a per-character table (see `Font::code_ascii`), when every character
/// is in the table: exactly what rustybuzz gives there, computed the same way.
fn shape_ascii_code(table: &AsciiTable, units_per_em: f32, text: &str) -> Option<Shaped> {
    shaped_from_table(text, units_per_em, |c, _| ascii_entry(table, c))
}

/// `text` set one glyph per character without the shaper: `glyph(c, next)` gives each
/// character's glyph and advance in font units (`None`: the text needs the shaper).
fn shaped_from_table(
    text: &str,
    units_per_em: f32,
    mut glyph: impl FnMut(char, Option<char>) -> Option<(u16, i32)>,
) -> Option<Shaped> {
    let scale = 1.0 / units_per_em;
    let mut glyphs = Vec::with_capacity(text.len());
    let mut advance = 0.0;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let (id, units) = glyph(c, chars.peek().map(|&(_, next)| next))?;
        let a = units as f32 * scale;
        advance += a;
        glyphs.push(ShapedGlyph {
            id,
            advance: a,
            x_offset: 0.0,
            y_offset: 0.0,
            cluster: at as u32,
        });
    }
    Some(Shaped {
        glyphs,
        advance,
        missing: false,
        text: Arc::from(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FontPaths;
    use crate::pdf::fonts::{Family, Style};

    #[test]
    fn kerning_and_ligatures() {
        let fonts = FontSet::load(&FontPaths::default()).unwrap();
        let mut shaper = Shaper::new(&fonts, "en-US");
        let serif = fonts.select(Family::Serif, Style::default());
        let av = shaper.shape(serif, Variant::Text, "AV");
        let a = shaper.shape(serif, Variant::Text, "A");
        let v = shaper.shape(serif, Variant::Text, "V");
        assert!(av.advance < a.advance + v.advance - 0.05, "AV is kerned");
        let fi = shaper.shape(serif, Variant::Text, "fi");
        assert_eq!(fi.glyphs.len(), 1, "fi ligature");
        assert_eq!(fi.glyphs[0].cluster, 0);
        let mono = fonts.select(Family::Mono, Style::default());
        let arrow = shaper.shape(mono, Variant::Code, "->");
        assert_eq!(arrow.glyphs.len(), 2);
        assert!((arrow.advance - 1.2).abs() < 0.01, "two mono cells");
        assert!(!shaper.shape(serif, Variant::Text, "Tiếng Việt").missing);
        assert!(shaper.shape(serif, Variant::Text, "漢字").missing);
        assert_eq!(shaper.missing_chars, ['漢', '字']);
        let sup = shaper.shape(serif, Variant::Sups, "2");
        let normal = shaper.shape(serif, Variant::Text, "2");
        assert_ne!(sup.glyphs[0].id, normal.glyphs[0].id, "true superscript glyph");
    }

    /// Every two-character string of `chars`.
    fn pairs(chars: impl Iterator<Item = char> + Clone) -> Vec<String> {
        chars
            .clone()
            .flat_map(|a| chars.clone().map(move |b| format!("{a}{b}")))
            .collect()
    }

    /// The per-character path for code gives exactly rustybuzz's result, for every pair of
    /// printable ASCII characters and some real code, in each bundled monospace style: with
    /// the English table in an English document, and with the table for any language in
    /// Turkish and Azerbaijani ones (whose `locl` forms of `i` the English table ignores).
    #[test]
    fn ascii_code_table_matches_the_shaper() {
        let fonts = FontSet::load(&FontPaths::default()).unwrap();
        let mut samples = pairs((0x20u8..=0x7e).map(char::from));
        for code in [
            "fn main() { println!(\"{x:?} -> {y}\"); }",
            "let v: Vec<_> = xs.iter().map(|x| x * 2).collect::<Vec<i32>>();",
            "a != b && c >= d || e <= f; x => y; ::std::ffi; www.rust-lang.org/x_y#z",
            "<!-- --> === !== ... /* */ // ## ${a} @{b} 0x1f 1_000 ?? ?. |> <| ~> ;;",
            "jq -r '.[] | select(.x == 1)' && echo $HOME/.cargo/bin",
            "fi ffi ijij `i` i`i ii`` is_it this-is <i> i++ i-- i.i i:i",
        ] {
            samples.push(code.to_string());
        }
        let mut checked = 0;
        for lang in ["en-US", "tr", "az"] {
            let mut shaper = Shaper::new(&fonts, lang);
            for italic in [false, true] {
                for bold in [false, true] {
                    let id = fonts.select(Family::Mono, Style { italic, bold });
                    let f = fonts.get(id);
                    let table = if lang == "en-US" {
                        f.code_ascii_english.as_ref()
                    } else {
                        f.code_ascii.as_ref()
                    };
                    let table = table.expect("bundled mono fonts have the tables");
                    for text in &samples {
                        let Some(fast) = shape_ascii_code(table, f.units_per_em, text) else {
                            continue;
                        };
                        let full = shaper.shape_with_rustybuzz(id, Variant::Code, text);
                        assert_eq!(fast.glyphs, full.glyphs, "{} {lang} {text:?}", f.name);
                        assert_eq!(fast.advance, full.advance);
                        assert_eq!(fast.missing, full.missing);
                        checked += 1;
                    }
                }
            }
        }
        // English code with `i` takes the table (the words of most code have one).
        let mono = fonts.get(fonts.select(Family::Mono, Style::default()));
        let english = mono.code_ascii_english.as_ref().unwrap();
        assert!(shape_ascii_code(english, mono.units_per_em, "this_is_it").is_some());
        // Most pairs take the table, so the comparison is not vacuous.
        assert!(checked > 3 * 4 * samples.len() * 9 / 10, "{checked}");
        // Serif fonts (and user fonts) have no table: they always go through the shaper.
        let serif = fonts.get(fonts.select(Family::Serif, Style::default()));
        assert!(serif.code_ascii.is_none());
    }

    /// English words of the characters in the serif fonts' text tables, set from the table
    /// and pair kerning, come out exactly as rustybuzz shapes them: every pair of printable
    /// ASCII characters, the words of this project's README and sample content, and
    /// pseudo-random strings.
    #[test]
    fn ascii_text_table_matches_the_shaper() {
        let fonts = FontSet::load(&FontPaths::default()).unwrap();
        let mut shaper = Shaper::new(&fonts, "en-US");
        let mut samples = pairs((0x21u8..=0x7e).map(char::from));
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for file in [
            "README.md",
            "content/feature-tour.md",
            "content/sco-defense-summit.md",
        ] {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            samples.extend(text.split_whitespace().map(str::to_string));
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..3000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 3 + (seed % 9) as usize;
            let word: String = (0..len)
                .map(|k| (0x21 + ((seed >> (k * 6)) % 94) as u8) as char)
                .collect();
            samples.push(word);
        }
        samples.extend([" ", "a b", "A V", "T. Y", "  x"].map(String::from));
        // Every pair with one of the extra characters (the ASCII pairs are above).
        let extra = crate::pdf::fonts::TEXT_EXTRA;
        samples.extend(pairs((0x21u8..=0x7e).map(char::from).chain(extra)));
        samples.extend(
            [
                "“Quoted”",
                "we’re",
                "doesn’t",
                "Rust’s",
                "one—two",
                "1–2",
                "wait…",
                "‘T’",
            ]
            .map(String::from),
        );
        samples.sort();
        samples.dedup();
        let mut fast_words = 0;
        for italic in [false, true] {
            for bold in [false, true] {
                let id = fonts.select(Family::Serif, Style { italic, bold });
                assert!(
                    fonts.get(id).text_table.is_some(),
                    "bundled serif fonts have the table"
                );
                for text in &samples {
                    let Some(fast) = shaper.shape_ascii_text(id, text) else {
                        continue;
                    };
                    let full = shaper.shape_with_rustybuzz(id, Variant::Text, text);
                    assert_eq!(fast.glyphs, full.glyphs, "{text:?}");
                    assert_eq!(fast.advance, full.advance, "{text:?}");
                    assert_eq!(fast.missing, full.missing);
                    fast_words += 1;
                }
            }
        }
        // Most samples take the table (all but those with an `f`, a ligature), and some are
        // kerned, so the comparison is not vacuous.
        assert!(
            fast_words > 4 * samples.len() * 3 / 4,
            "{fast_words} of {}",
            4 * samples.len()
        );
        let av = shaper
            .shape_ascii_text(fonts.select(Family::Serif, Style::default()), "AV")
            .unwrap();
        assert!(
            av.glyphs[0].advance
                < fonts
                    .get(fonts.select(Family::Serif, Style::default()))
                    .advance_em(av.glyphs[0].id)
        );
        // Other languages always go through the shaper (their `locl` forms are not checked).
        let mut dutch = Shaper::new(&fonts, "nl");
        assert!(
            dutch
                .shape_ascii_text(fonts.select(Family::Serif, Style::default()), "ijs")
                .is_none()
        );
    }
}
