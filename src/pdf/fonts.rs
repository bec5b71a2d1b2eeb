//! Fonts for the PDF: the bundled families (Source Serif 4 SmText for text, JetBrains Mono
//! for code, compiled into the binary) or the user's own files, parsed once per process, with
//! the metrics layout needs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use rustybuzz::Face;
use rustybuzz::ttf_parser::{GlyphId, Tag};

use crate::error::{Error, Result};
use crate::fonts::BUNDLED;
use crate::model::FontPaths;

/// A font's place in a `FontSet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FontId(pub u8);

/// The two families a document uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Serif,
    Mono,
}

/// Weight and slant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Style {
    pub bold: bool,
    pub italic: bool,
}

/// One parsed font.
pub struct Font {
    /// PostScript name, for the PDF font dictionary.
    pub name: String,
    pub data: &'static [u8],
    pub face: Face<'static>,
    pub family: Family,
    pub units_per_em: f32,
    /// Typographic ascender and descender (positive down for descender), in em.
    pub ascender: f32,
    pub descender: f32,
    pub cap_height: f32,
    pub x_height: f32,
    /// Whether the font has `sups` and `subs` substitutions.
    pub has_sups: bool,
    pub has_subs: bool,
    /// Glyphs of the space and the hyphen (looked up once: every line draws them).
    pub space_glyph: u16,
    pub hyphen_glyph: u16,
    /// For the bundled monospace fonts only: glyph and advance (font units) of each printable
    /// ASCII character that no OpenType lookup active for code can touch (see
    /// `code_lookup_coverage`), with which code made of those characters is set without
    /// calling the shaper; a test compares the two for every pair of characters.
    pub code_ascii: Option<Box<AsciiTable>>,
    /// The same for code in English documents: only the features English text gets count,
    /// so characters that only other languages' forms act on (`i`) are in it.
    pub code_ascii_english: Option<Box<AsciiTable>>,
    /// For the bundled serif fonts only: glyph and advance of each printable ASCII character
    /// (and curly quote, dash and ellipsis) that no lookup active for English text can touch
    /// but pair kerning that moves only the first
    /// glyph's advance (see `lookup_coverage`). A word of those characters shapes as its
    /// glyphs with each pair's kerning, which the shaper gives for the pair alone; a test
    /// compares the two on many words.
    pub text_table: Option<Box<TextTable>>,
}

impl Font {
    fn parse(data: &'static [u8], family: Family, label: &str) -> Result<Font> {
        let face = Face::from_slice(data, 0).ok_or_else(|| Error::Input {
            path: label.into(),
            message: "not a usable TrueType/OpenType font".into(),
        })?;
        let upem = face.units_per_em() as f32;
        let name = face
            .names()
            .into_iter()
            .find(|n| n.name_id == rustybuzz::ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| "Font".into())
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let ascender = face.typographic_ascender().unwrap_or(face.ascender()) as f32 / upem;
        let descender = -(face.typographic_descender().unwrap_or(face.descender()) as f32) / upem;
        let cap_height = face.capital_height().map(|v| v as f32 / upem).unwrap_or(0.7);
        let x_height = face.x_height().map(|v| v as f32 / upem).unwrap_or(0.5);
        let gsub_features = gsub_feature_tags(&face);
        Ok(Font {
            name,
            data,
            family,
            units_per_em: upem,
            ascender,
            descender,
            cap_height,
            x_height,
            has_sups: gsub_features.contains(&Tag::from_bytes(b"sups")),
            has_subs: gsub_features.contains(&Tag::from_bytes(b"subs")),
            space_glyph: face.glyph_index(' ').map(|g| g.0).unwrap_or(3),
            hyphen_glyph: face.glyph_index('-').map(|g| g.0).unwrap_or(0),
            code_ascii: None,
            code_ascii_english: None,
            text_table: None,
            face,
        })
    }

    /// Whether the font maps `c` to a glyph.
    pub fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some_and(|g| g != GlyphId(0))
    }

    /// Advance of a glyph in em.
    pub fn advance_em(&self, glyph: u16) -> f32 {
        self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(0) as f32 / self.units_per_em
    }
}

/// Glyph and advance (font units) by printable ASCII character, from space to tilde.
pub type AsciiTable = [Option<(u16, i32)>; 95];

/// The entry of `c` in an ASCII table (`None` outside printable ASCII).
pub fn ascii_entry(table: &AsciiTable, c: char) -> Option<(u16, i32)> {
    *table.get((c as usize).wrapping_sub(0x20))?
}

/// Characters beyond ASCII that English text uses all the time: curly quotes, dashes and
/// the ellipsis.
pub const TEXT_EXTRA: [char; 7] = ['‘', '’', '“', '”', '–', '—', '…'];

/// Glyph and advance (font units) of the characters words are set with without the shaper
/// (see `Font::text_table`).
pub struct TextTable {
    ascii: AsciiTable,
    extra: [Option<(u16, i32)>; TEXT_EXTRA.len()],
    /// Kerning of character pairs (font units) as the shaper gives it for the pair alone
    /// (`None`: the pair needs the shaper), filled as pairs are met and kept for the
    /// process: the bundled fonts are parsed once, and a folder of articles meets the same
    /// pairs in every document.
    pub kerning: std::sync::Mutex<rustc_hash::FxHashMap<(char, char), Option<i32>>>,
}

impl TextTable {
    pub fn get(&self, c: char) -> Option<(u16, i32)> {
        if c.is_ascii() {
            ascii_entry(&self.ascii, c)
        } else {
            *self.extra.get(TEXT_EXTRA.iter().position(|&e| e == c)?)?
        }
    }
}

/// What a table of characters is made for (which features are on).
#[derive(Clone, Copy, PartialEq)]
enum Shaping {
    /// Code in any language: ligatures, contextual alternates and kerning off, and the
    /// features of every language system on (a Turkish `locl` acts on `i`).
    Code,
    /// Code in an English document: the same, with only the features English text gets.
    CodeEnglish,
    /// Text: all default features on; pair kerning is allowed where it moves only the first
    /// glyph's advance (it is applied pair by pair).
    Text,
}

/// The printable ASCII characters, space to tilde.
fn printable_ascii() -> impl Iterator<Item = char> {
    (0x20u8..=0x7e).map(char::from)
}

/// Glyph and advance of each of `chars` that no OpenType lookup can act on when `shaping`
/// (see `lookup_coverage`, whose alphabet is `chars`); `None` for a character some lookup
/// covers or the font lacks, and for every character when a lookup cannot be read.
fn char_table(font: &Font, chars: &[char], shaping: Shaping) -> Vec<Option<(u16, i32)>> {
    let glyphs: Vec<Option<GlyphId>> = chars.iter().map(|&c| font.face.glyph_index(c)).collect();
    let alphabet: Vec<GlyphId> = glyphs.iter().flatten().copied().collect();
    let Some(covered) = lookup_coverage(&font.face, &alphabet, shaping) else {
        return vec![None; chars.len()];
    };
    glyphs
        .into_iter()
        .map(|glyph| {
            let glyph = glyph.filter(|g| g.0 != 0 && !covered(*g))?;
            Some((glyph.0, font.face.glyph_hor_advance(glyph).unwrap_or(0) as i32))
        })
        .collect()
}

/// A code table of a font: printable ASCII for code (see `Font::code_ascii`).
fn ascii_table(font: &Font, shaping: Shaping) -> Box<AsciiTable> {
    let chars: Vec<char> = printable_ascii().collect();
    let mut table = Box::new([None; 95]);
    for (slot, entry) in table.iter_mut().zip(char_table(font, &chars, shaping)) {
        *slot = entry;
    }
    table
}

/// The text table of a font: printable ASCII and `TEXT_EXTRA`, each character whose glyph
/// no lookup for English text acts on but simple pair kerning (see `lookup_coverage`).
fn text_table(font: &Font) -> Box<TextTable> {
    let chars: Vec<char> = printable_ascii().chain(TEXT_EXTRA).collect();
    let mut table = Box::new(TextTable {
        ascii: [None; 95],
        extra: [None; TEXT_EXTRA.len()],
        kerning: Default::default(),
    });
    let slots = table.ascii.iter_mut().chain(table.extra.iter_mut());
    for (slot, entry) in slots.zip(char_table(font, &chars, Shaping::Text)) {
        *slot = entry;
    }
    table
}

/// Whether a glyph is in the coverage of any GSUB or GPOS lookup of a feature that may be
/// on when `shaping`: for code, every feature but the three code turns off (`liga`, `calt`,
/// `kern`) and the ones no shaper applies unless asked (stylistic sets, character variants,
/// figure styles and the like); for text, those three too. A lookup can only act where its
/// coverage holds the glyph at hand, so text made only of glyphs outside all of them comes
/// out of the shaper one glyph per character with its advance. Left out: chained-context
/// rules with a context position no `ascii` glyph can fill (such as `i` followed by a
/// combining accent): in text of those glyphs alone, where nothing else has acted, they
/// never match. For text, also left out: pair positioning subtables whose records change
/// only the first glyph's advance, which act on each adjacent pair on its own. `None` when
/// a subtable cannot be read.
fn lookup_coverage<'f>(
    face: &'f Face<'f>,
    ascii: &[GlyphId],
    shaping: Shaping,
) -> Option<impl Fn(GlyphId) -> bool + 'f> {
    use rustybuzz::ttf_parser::gpos::PositioningSubtable;
    use rustybuzz::ttf_parser::gsub::SubstitutionSubtable;
    use rustybuzz::ttf_parser::opentype_layout::{
        ChainedContextLookup, ChainedSequenceRuleSets, ClassDefinition, Coverage, LayoutTable,
    };
    // Whether every rule of `sets` asks, in its backtrack, input or lookahead, for a value
    // (a glyph or a class) that no `ascii` glyph is or has.
    let no_rule_matches = |sets: &ChainedSequenceRuleSets,
                           backtrack: &dyn Fn(u16) -> bool,
                           input: &dyn Fn(u16) -> bool,
                           lookahead: &dyn Fn(u16) -> bool| {
        // By index: a set may be absent (no rule starts with that glyph or class).
        (0..sets.len()).filter_map(|k| sets.get(k)).all(|set| {
            (0..set.len()).filter_map(|k| set.get(k)).all(|rule| {
                rule.backtrack.into_iter().any(|v| !backtrack(v))
                    || rule.input.into_iter().any(|v| !input(v))
                    || rule.lookahead.into_iter().any(|v| !lookahead(v))
            })
        })
    };
    let never_matches = |lookup: &ChainedContextLookup| match lookup {
        ChainedContextLookup::Format1 { sets, .. } => {
            let is_ascii = |g: u16| ascii.contains(&GlyphId(g));
            no_rule_matches(sets, &is_ascii, &is_ascii, &is_ascii)
        }
        ChainedContextLookup::Format2 {
            backtrack_classes,
            input_classes,
            lookahead_classes,
            sets,
            ..
        } => {
            let classes = |def: &ClassDefinition| -> Vec<u16> { ascii.iter().map(|&g| def.get(g)).collect() };
            let (backtrack, input, lookahead) = (
                classes(backtrack_classes),
                classes(input_classes),
                classes(lookahead_classes),
            );
            no_rule_matches(sets, &|c| backtrack.contains(&c), &|c| input.contains(&c), &|c| {
                lookahead.contains(&c)
            })
        }
        ChainedContextLookup::Format3 {
            backtrack_coverages,
            input_coverages,
            lookahead_coverages,
            ..
        } => backtrack_coverages
            .into_iter()
            .chain(*input_coverages)
            .chain(*lookahead_coverages)
            .any(|c| !ascii.iter().any(|&g| c.contains(g))),
    };
    const OFF: [&[u8; 4]; 28] = [
        b"liga", b"calt", b"kern", b"aalt", b"salt", b"swsh", b"zero", b"onum", b"lnum", b"pnum", b"tnum",
        b"smcp", b"c2sc", b"pcap", b"c2pc", b"unic", b"titl", b"case", b"sups", b"subs", b"sinf", b"ordn",
        b"dlig", b"hlig", b"hist", b"nalt", b"ornm", b"frac",
    ];
    let optional = |tag: Tag| {
        let t = tag.to_bytes();
        if shaping == Shaping::Text {
            // On for text; `numr` and `dnom` act only around a fraction slash (not ASCII).
            if [b"liga", b"calt", b"kern"].contains(&&t) {
                return false;
            }
            if [b"numr", b"dnom"].contains(&&t) {
                return true;
            }
        }
        OFF.iter().any(|o| **o == t) || t.starts_with(b"ss") || t.starts_with(b"cv")
    };
    // A ligature needs every component after the first: one that no `ascii` glyph is can
    // never form from them.
    let never_ligates = |sub: &rustybuzz::ttf_parser::gsub::LigatureSubstitution| {
        sub.ligature_sets.into_iter().all(|set| {
            set.into_iter()
                .all(|lig| lig.components.into_iter().any(|c| !ascii.contains(&c)))
        })
    };
    let gpos_data = face.raw_face().table(Tag::from_bytes(b"GPOS"));
    let mut coverages: Vec<Coverage<'f>> = Vec::new();
    let tables = face.tables();
    let mut collect = |table: &LayoutTable<'f>, gsub: bool| -> Option<()> {
        let mut lookups: Vec<u16> = Vec::new();
        match shaping {
            Shaping::Code => {
                for feature in table.features {
                    if !optional(feature.tag) {
                        lookups.extend(feature.lookup_indices);
                    }
                }
            }
            Shaping::CodeEnglish | Shaping::Text => {
                // The features English text can get: those of the default language system
                // (and of English, if the font has one) of the Latin and default scripts.
                // Other languages' features (`locl` for Turkish, Dutch...) are not on.
                for script in table.scripts {
                    if ![b"latn", b"DFLT"].contains(&&script.tag.to_bytes()) {
                        continue;
                    }
                    let english = script
                        .languages
                        .into_iter()
                        .filter(|l| &l.tag.to_bytes() == b"ENG ");
                    for system in script.default_language.into_iter().chain(english) {
                        for index in system.required_feature.into_iter().chain(system.feature_indices) {
                            let feature = table.features.get(index)?;
                            if !optional(feature.tag) {
                                lookups.extend(feature.lookup_indices);
                            }
                        }
                    }
                }
            }
        }
        lookups.sort_unstable();
        lookups.dedup();
        for index in lookups {
            let lookup = table.lookups.get(index)?;
            for i in 0..lookup.subtables.len() {
                let coverage = if gsub {
                    match lookup.subtables.get::<SubstitutionSubtable>(i)? {
                        SubstitutionSubtable::ChainContext(c) if never_matches(&c) => continue,
                        SubstitutionSubtable::Ligature(l) if never_ligates(&l) => continue,
                        other => other.coverage(),
                    }
                } else {
                    match lookup.subtables.get::<PositioningSubtable>(i)? {
                        PositioningSubtable::ChainContext(c) if never_matches(&c) => continue,
                        PositioningSubtable::Pair(_)
                            if shaping == Shaping::Text
                                && gpos_data
                                    .and_then(|data| pair_value_formats(data, index, usize::from(i)))
                                    .is_some_and(|(first, second)| {
                                        first & !X_ADVANCE == 0 && second == 0
                                    }) =>
                        {
                            continue;
                        }
                        other => other.coverage(),
                    }
                };
                coverages.push(coverage);
            }
        }
        Some(())
    };
    if let Some(gsub) = &tables.gsub {
        collect(gsub, true)?;
    }
    if let Some(gpos) = &tables.gpos {
        collect(gpos, false)?;
    }
    Some(move |glyph: GlyphId| coverages.iter().any(|c| c.contains(glyph)))
}

/// The value format bit of an x advance adjustment.
const X_ADVANCE: u16 = 0x0004;

/// The two value formats of subtable `subtable` of lookup `lookup` in the raw GPOS table,
/// when it is a pair positioning subtable (through an extension subtable or not).
fn pair_value_formats(gpos: &[u8], lookup: u16, subtable: usize) -> Option<(u16, u16)> {
    let u16_at = |data: &[u8], at: usize| -> Option<u16> {
        Some(u16::from_be_bytes(data.get(at..at + 2)?.try_into().ok()?))
    };
    let list = usize::from(u16_at(gpos, 8)?);
    let lookup_at = list + usize::from(u16_at(gpos, list + 2 + 2 * usize::from(lookup))?);
    let kind = u16_at(gpos, lookup_at)?;
    let count = usize::from(u16_at(gpos, lookup_at + 4)?);
    if subtable >= count {
        return None;
    }
    let mut at = lookup_at + usize::from(u16_at(gpos, lookup_at + 6 + 2 * subtable)?);
    let kind = if kind == 9 {
        let extension_kind = u16_at(gpos, at + 2)?;
        let offset = u32::from_be_bytes(gpos.get(at + 4..at + 8)?.try_into().ok()?);
        at += usize::try_from(offset).ok()?;
        extension_kind
    } else {
        kind
    };
    (kind == 2).then_some(())?;
    Some((u16_at(gpos, at + 4)?, u16_at(gpos, at + 6)?))
}

fn gsub_feature_tags(face: &Face) -> Vec<Tag> {
    face.tables()
        .gsub
        .map(|gsub| gsub.features.into_iter().map(|f| f.tag).collect())
        .unwrap_or_default()
}

/// The fonts of one document: serif and mono, each in four styles.
pub struct FontSet {
    pub fonts: Vec<Arc<Font>>,
}

/// The bundled fonts, parsed once per process.
fn bundled() -> &'static [Arc<Font>] {
    static FONTS: OnceLock<Vec<Arc<Font>>> = OnceLock::new();
    FONTS.get_or_init(|| {
        let mut fonts = Vec::new();
        for (family, files) in [(Family::Serif, &BUNDLED[..4]), (Family::Mono, &BUNDLED[4..])] {
            for font in files {
                let data = font.data;
                // The bundled files are checked by the tests; a failure here is a build defect.
                if let Ok(mut font) = Font::parse(data, family, "bundled font") {
                    if family == Family::Mono {
                        font.code_ascii = Some(ascii_table(&font, Shaping::Code));
                        font.code_ascii_english = Some(ascii_table(&font, Shaping::CodeEnglish));
                    } else {
                        font.text_table = Some(text_table(&font));
                    }
                    fonts.push(Arc::new(font));
                }
            }
        }
        fonts
    })
}

/// User font files, read and parsed once per process (keyed by canonical path).
fn user_font(path: &str, family: Family) -> Result<Arc<Font>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Font>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(font) = cache.lock().ok().and_then(|c| c.get(path).cloned()) {
        return Ok(font);
    }
    let data = std::fs::read(Path::new(path)).map_err(|e| Error::io(path, e))?;
    // Font data lives as long as the process: parsed faces borrow it, and each distinct
    // file is read once.
    let data: &'static [u8] = Box::leak(data.into_boxed_slice());
    let font = Arc::new(Font::parse(data, family, path)?);
    if let Ok(mut c) = cache.lock() {
        c.insert(path.to_string(), font.clone());
    }
    Ok(font)
}

impl FontSet {
    /// The fonts for a document: bundled ones, replaced by the user's where given.
    pub fn load(paths: &FontPaths) -> Result<FontSet> {
        let base = bundled();
        if base.len() != 8 {
            return Err(Error::Input {
                path: "fonts/".into(),
                message: "the bundled fonts could not be read".into(),
            });
        }
        let choose = |path: &Option<String>, index: usize, family: Family| -> Result<Arc<Font>> {
            match path {
                Some(p) => user_font(p, family),
                None => Ok(base[index].clone()),
            }
        };
        let regular = choose(&paths.regular, 0, Family::Serif)?;
        // A user regular without its own italic/bold keeps the family consistent: the user's
        // regular stands in for missing styles.
        let user_serif = paths.regular.is_some();
        let pick = |p: &Option<String>, i: usize| -> Result<Arc<Font>> {
            if p.is_none() && user_serif {
                Ok(regular.clone())
            } else {
                choose(p, i, Family::Serif)
            }
        };
        let italic = pick(&paths.italic, 1)?;
        let bold = pick(&paths.bold, 2)?;
        let bold_italic = pick(&paths.bold_italic, 3)?;
        let mono = choose(&paths.mono, 4, Family::Mono)?;
        let user_mono = paths.mono.is_some();
        let mono_italic = if user_mono { mono.clone() } else { base[5].clone() };
        let mono_bold = match (&paths.mono_bold, user_mono) {
            (Some(p), _) => user_font(p, Family::Mono)?,
            (None, true) => mono.clone(),
            (None, false) => base[6].clone(),
        };
        let mono_bold_italic = if user_mono {
            mono_bold.clone()
        } else {
            base[7].clone()
        };
        Ok(FontSet {
            fonts: vec![
                regular,
                italic,
                bold,
                bold_italic,
                mono,
                mono_italic,
                mono_bold,
                mono_bold_italic,
            ],
        })
    }

    /// The font of a family and style.
    pub fn select(&self, family: Family, style: Style) -> FontId {
        let base = match family {
            Family::Serif => 0,
            Family::Mono => 4,
        };
        FontId(base + style.italic as u8 + 2 * style.bold as u8)
    }

    pub fn get(&self, id: FontId) -> &Font {
        &self.fonts[id.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_parse_with_kerning_and_features() {
        let set = FontSet::load(&FontPaths::default()).unwrap();
        assert_eq!(set.fonts.len(), 8);
        let serif = set.get(set.select(Family::Serif, Style::default()));
        assert!(serif.name.starts_with("SourceSerif4"), "{}", serif.name);
        assert!(serif.has_sups && serif.has_subs);
        for c in ['A', 'ế', 'ự', 'Ж', 'λ', '—', '“'] {
            assert!(serif.covers(c), "{c}");
        }
        let mono = set.get(set.select(
            Family::Mono,
            Style {
                bold: true,
                italic: false,
            },
        ));
        assert!(mono.name.contains("JetBrainsMono"), "{}", mono.name);
        assert!(serif.ascender > 0.5 && serif.descender > 0.1);
    }
}
