//! Hyphenation points from Liang patterns (the `hypher` crate, patterns embedded) for the
//! document's language: never in words shorter than 5 letters, at least 2 letters before and
//! 3 after a break. Results are cached per word.

use rustc_hash::FxHashMap as HashMap;

use hypher::Lang;

/// Finds where words may be hyphenated.
pub struct Hyphenator {
    lang: Option<Lang>,
    cache: HashMap<Box<str>, Box<[u32]>>,
}

/// Fewest letters in a word that is hyphenated.
const MIN_WORD: usize = 5;
const MIN_BEFORE: usize = 2;
const MIN_AFTER: usize = 3;

impl Hyphenator {
    /// For a BCP 47 language tag (`en-US`, `de`, `pt-BR`...); unknown languages hyphenate nothing.
    pub fn new(lang: &str) -> Hyphenator {
        let primary = lang.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        let code: Option<[u8; 2]> = primary.as_bytes().try_into().ok();
        Hyphenator {
            lang: code.and_then(Lang::from_iso),
            cache: HashMap::default(),
        }
    }

    /// Byte offsets in `word` where a hyphen may be inserted (the break comes before the
    /// character at the offset). Only runs of letters are hyphenated; punctuation around or
    /// inside the word stays whole.
    pub fn points(&mut self, word: &str) -> Vec<usize> {
        let Some(lang) = self.lang else { return Vec::new() };
        if word.len() < MIN_WORD {
            return Vec::new();
        }
        if let Some(hit) = self.cache.get(word) {
            return hit.iter().map(|&p| p as usize).collect();
        }
        let mut out = Vec::new();
        // Maximal runs of letters.
        let mut run_start: Option<usize> = None;
        let mut iter = word.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let letter = c.is_alphabetic();
            if letter && run_start.is_none() {
                run_start = Some(i);
            }
            let at_end = iter.peek().is_none();
            if let Some(start) = run_start
                && (!letter || at_end)
            {
                let end = if letter && at_end { word.len() } else { i };
                hyphenate_run(&word[start..end], start, lang, &mut out);
                run_start = None;
            }
        }
        self.cache
            .insert(word.into(), out.iter().map(|&p| p as u32).collect());
        out
    }
}

fn hyphenate_run(run: &str, offset: usize, lang: Lang, out: &mut Vec<usize>) {
    if run.chars().count() < MIN_WORD {
        return;
    }
    let mut at = offset;
    let syllables: Vec<&str> = hypher::hyphenate_bounded(run, lang, MIN_BEFORE, MIN_AFTER).collect();
    for syllable in &syllables[..syllables.len().saturating_sub(1)] {
        at += syllable.len();
        out.push(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_points() {
        let mut h = Hyphenator::new("en-US");
        let word = "typography";
        let pts = h.points(word);
        assert!(!pts.is_empty());
        for p in &pts {
            assert!(*p >= 2 && word.len() - p >= 3, "{pts:?}");
        }
        assert!(h.points("cats").is_empty(), "short words stay whole");
        assert!(h.points("word").is_empty());
        // Punctuation is kept apart and offsets point into the whole word.
        let pts = h.points("(extensive),");
        assert_eq!(pts, [3, 6]);
        assert_eq!(h.points("(extensive),"), [3, 6], "cached");
    }

    #[test]
    fn unknown_language_does_nothing() {
        let mut h = Hyphenator::new("xx");
        assert!(h.points("extensive").is_empty());
    }
}
