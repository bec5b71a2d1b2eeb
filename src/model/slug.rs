//! Identifiers made from text: heading ids (unique within a document, valid as XML ids and
//! URL fragments) and file names made from titles (safe on every file system).

use std::collections::{HashMap, HashSet};

/// Lower-cases `text` and keeps letters, digits, `-` and `_`; spaces become `-`.
/// The result is a valid XML NCName: it never starts with a digit, `-` or `.`, and is never
/// empty (`section` stands in for text with no letters).
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else if c == '-' || c.is_whitespace() {
            pending_dash = true;
        }
        if out.len() >= 80 {
            break;
        }
    }
    make_ncname(out)
}

/// Keeps an author-given id as it is when it is already a valid id, else cleans it.
pub fn clean_id(id: &str) -> String {
    let valid = !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
        && id.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if valid { id.to_string() } else { slugify(id) }
}

fn make_ncname(mut s: String) -> String {
    if s.is_empty() {
        return "section".to_string();
    }
    if !s.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') {
        s.insert(0, 's');
    }
    s
}

/// Hands out ids that are unique in one document: the second `intro` becomes `intro-1`.
#[derive(Debug, Default)]
pub struct IdRegistry {
    used: HashSet<String>,
    /// The next suffix to try for each id claimed more than once (so that 10,000 headings
    /// with the same title do not each search from `-1`).
    next: HashMap<String, u32>,
}

impl IdRegistry {
    /// Reserves `wanted` (or the first free `wanted-N`) and returns it.
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.used.insert(wanted.to_string()) {
            return wanted.to_string();
        }
        let mut n = self.next.get(wanted).copied().unwrap_or(1);
        loop {
            let candidate = format!("{wanted}-{n}");
            n += 1;
            if self.used.insert(candidate.clone()) {
                self.next.insert(wanted.to_string(), n);
                return candidate;
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.used.contains(id)
    }
}

/// A file stem safe on Linux, macOS and Windows: ASCII-folded where simple, no separators,
/// no control characters, no reserved device names, at most 80 bytes, never empty.
pub fn file_stem(title: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in title.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else {
            pending_dash = true;
        }
        if out.len() >= 80 {
            break;
        }
    }
    while out.len() > 80 {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("document");
    }
    const RESERVED: [&str; 22] = [
        "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
        "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
    ];
    if RESERVED.contains(&out.as_str()) {
        out.push_str("-doc");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("  The `Result` Type  "), "the-result-type");
        assert_eq!(slugify("3.2 Loops"), "s32-loops");
        assert_eq!(slugify("!!!"), "section");
        assert_eq!(slugify("Русский текст"), "русский-текст");
    }

    #[test]
    fn registry_deduplicates() {
        let mut ids = IdRegistry::default();
        assert_eq!(ids.claim("intro"), "intro");
        assert_eq!(ids.claim("intro"), "intro-1");
        assert_eq!(ids.claim("intro"), "intro-2");
        assert_eq!(ids.claim("intro-1-x"), "intro-1-x");
        // A suffix taken by an explicit id is skipped; ids stay unique over many repeats.
        assert_eq!(ids.claim("intro-3"), "intro-3");
        assert_eq!(ids.claim("intro"), "intro-4");
        assert_eq!(ids.claim("intro-5"), "intro-5");
        let many: HashSet<String> = (0..10_000).map(|_| ids.claim("intro")).collect();
        assert_eq!(many.len(), 10_000);
        assert!(many.contains("intro-10005") && !many.contains("intro-5"));
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("../x"), "x");
        assert_eq!(file_stem("CON"), "con-doc");
        assert_eq!(file_stem("a/b\\c"), "a-b-c");
        assert_eq!(file_stem("\u{0}\u{7}"), "document");
        assert!(file_stem(&"long ".repeat(100)).len() <= 80);
        assert_eq!(file_stem("Đà Nẵng"), "đà-nẵng");
    }

    #[test]
    fn author_ids() {
        assert_eq!(clean_id("intro"), "intro");
        assert_eq!(clean_id("1st"), "s1st");
        assert_eq!(clean_id("a b"), "a-b");
    }
}
