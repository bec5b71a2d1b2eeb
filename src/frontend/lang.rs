//! A language for documents that do not name one: guessed from the script most of their
//! letters are written in (Arabic, Hebrew, Devanagari, kana, Han, Hangul, Cyrillic, Greek),
//! else `en-US`. Enough for writing direction, hyphenation and the `lang` readers need.

use crate::model::text::push_plain;
use crate::model::{BlockKind, Chapter, visit_blocks};

/// Guesses a BCP 47 tag from the chapters' text.
pub fn guess(chapters: &[Chapter]) -> String {
    let mut text = String::new();
    'outer: for chapter in chapters {
        let mut done = false;
        visit_blocks(&chapter.blocks, &mut |b| {
            if done {
                return;
            }
            if let BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } = &b.kind {
                push_plain(content, &mut text);
                text.push(' ');
            }
            if text.len() > 40_000 {
                done = true;
            }
        });
        if done {
            break 'outer;
        }
    }
    from_text(&text).to_string()
}

/// The language of the dominant script of `text`.
pub fn from_text(text: &str) -> &'static str {
    let mut counts = [0usize; 10];
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        let u = c as u32;
        let script = match u {
            0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => 1,
            0x0590..=0x05FF => 2,
            0x0900..=0x097F => 3,
            0x3040..=0x30FF => 4,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF => 5,
            0xAC00..=0xD7AF | 0x1100..=0x11FF => 6,
            0x0400..=0x04FF => 7,
            0x0370..=0x03FF | 0x1F00..=0x1FFF => 8,
            _ if c.is_ascii_alphabetic() || (0xC0..=0x24F).contains(&u) => 0,
            _ => 9,
        };
        // One CJK character carries about as much text as a few Latin letters.
        counts[script] += if matches!(script, 4..=6) { 3 } else { 1 };
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        return "en-US";
    }
    // Japanese mixes kana and Han: any real share of kana makes it Japanese.
    if counts[4] * 10 >= total && counts[4] + counts[5] > total / 3 {
        return "ja";
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(_, n)| **n)
        .unwrap_or((0, &0));
    if *n * 3 < total {
        return "en-US";
    }
    match best {
        1 => "ar",
        2 => "he",
        3 => "hi",
        4 => "ja",
        5 => "zh",
        6 => "ko",
        7 => "ru",
        8 => "el",
        _ => "en-US",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        assert_eq!(from_text("Hello there, how are you"), "en-US");
        assert_eq!(from_text("مرحبا بكم في هذا الكتاب and some English"), "ar");
        assert_eq!(from_text("Привет, как дела"), "ru");
        assert_eq!(from_text("ハウツー一覧を見てください"), "ja");
        assert_eq!(from_text("你好世界欢迎"), "zh");
        assert_eq!(from_text("नमस्ते दुनिया"), "hi");
        assert_eq!(from_text(""), "en-US");
    }
}
