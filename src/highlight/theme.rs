//! The one highlighting theme: a handful of token classes, each with a dark colour and a
//! weight or slant, so code stays readable in greyscale print and on e-ink.
//!
//! Classes are told apart first by style (bold keywords, italic comments) and only then by
//! colour; every colour keeps a contrast ratio of at least 7:1 (WCAG AAA) against white and
//! against the code background [`CODE_BACKGROUND`].

use std::fmt;

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Rgb { r, g, b }
    }

    /// Relative luminance (WCAG 2), 0 for black to 1 for white.
    pub fn luminance(self) -> f64 {
        fn linear(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * linear(self.r) + 0.7152 * linear(self.g) + 0.0722 * linear(self.b)
    }

    /// WCAG 2 contrast ratio between two colours, from 1 to 21.
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Channels as fractions of 1, as PDF colour operators take them.
    pub fn to_unit(self) -> [f32; 3] {
        [self.r, self.g, self.b].map(|c| f32::from(c) / 255.0)
    }
}

/// `#rrggbb`, as CSS writes it.
impl fmt::Display for Rgb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// The light background behind code blocks, in both backends.
pub const CODE_BACKGROUND: Rgb = Rgb::new(0xf5, 0xf5, 0xf2);

/// What a span of code is, as far as the theme cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TokenClass {
    /// Identifiers, operators, punctuation, whitespace, and every language folio does not know.
    Plain,
    /// Keywords; HTML tag names; TOML table headers; diff file headers.
    Keyword,
    /// Type names (built-in and capitalised ones).
    Type,
    /// Names of functions and macros, at definition and call; keys of JSON, TOML, YAML, CSS.
    Function,
    /// String and character literals; inserted diff lines.
    String,
    /// Numbers, booleans, null, escapes, named constants, shell variables; deleted diff lines.
    Constant,
    /// Comments, doc comments included.
    Comment,
    /// Attributes, decorators, annotations, preprocessor lines, lifetimes, shell prompts,
    /// diff hunk headers.
    Meta,
}

/// How a span is drawn: what both backends can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanStyle {
    pub color: Rgb,
    pub bold: bool,
    pub italic: bool,
}

impl TokenClass {
    /// Every class, `Plain` first.
    pub const ALL: [TokenClass; 8] = [
        TokenClass::Plain,
        TokenClass::Keyword,
        TokenClass::Type,
        TokenClass::Function,
        TokenClass::String,
        TokenClass::Constant,
        TokenClass::Comment,
        TokenClass::Meta,
    ];

    /// The theme: colour, weight and slant of this class.
    pub const fn style(self) -> SpanStyle {
        const fn s(hex: u32, bold: bool, italic: bool) -> SpanStyle {
            let color = Rgb::new((hex >> 16) as u8, (hex >> 8) as u8, hex as u8);
            SpanStyle { color, bold, italic }
        }
        match self {
            TokenClass::Plain => s(0x1f1f1f, false, false),
            TokenClass::Keyword => s(0x5c1d8f, true, false),
            TokenClass::Type => s(0x004f63, false, false),
            TokenClass::Function => s(0x1b4d8c, false, false),
            TokenClass::String => s(0x1a5a1c, false, false),
            TokenClass::Constant => s(0x803400, false, false),
            TokenClass::Comment => s(0x505048, false, true),
            TokenClass::Meta => s(0x634400, false, false),
        }
    }

    /// The EPUB's CSS class for this class (`hl-kw`); `None` for plain text, written bare.
    pub const fn css_class(self) -> Option<&'static str> {
        match self {
            TokenClass::Plain => None,
            TokenClass::Keyword => Some("hl-kw"),
            TokenClass::Type => Some("hl-ty"),
            TokenClass::Function => Some("hl-fn"),
            TokenClass::String => Some("hl-st"),
            TokenClass::Constant => Some("hl-cn"),
            TokenClass::Comment => Some("hl-cm"),
            TokenClass::Meta => Some("hl-mt"),
        }
    }
}

/// The stylesheet for the classes [`TokenClass::css_class`] names. Plain text takes the colour
/// of the code block it sits in, which the EPUB's own stylesheet sets to
/// `TokenClass::Plain.style().color` on [`CODE_BACKGROUND`].
pub fn css() -> String {
    let mut out = String::new();
    for class in TokenClass::ALL {
        let Some(name) = class.css_class() else { continue };
        let style = class.style();
        out.push_str(&format!(".{name} {{ color: {}", style.color));
        if style.bold {
            out.push_str("; font-weight: bold");
        }
        if style.italic {
            out.push_str("; font-style: italic");
        }
        out.push_str("; }\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgb = Rgb::new(255, 255, 255);

    #[test]
    fn every_colour_reaches_7_to_1_on_white_and_on_the_code_background() {
        for class in TokenClass::ALL {
            let c = class.style().color;
            for bg in [WHITE, CODE_BACKGROUND] {
                let ratio = c.contrast(bg);
                assert!(ratio >= 7.0, "{class:?} {c} on {bg}: {ratio:.2}:1");
            }
        }
    }

    #[test]
    fn contrast_formula_matches_known_values() {
        assert!((Rgb::new(0, 0, 0).contrast(WHITE) - 21.0).abs() < 1e-9);
        assert!((WHITE.contrast(WHITE) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1 grey.
        assert!((Rgb::new(0x76, 0x76, 0x76).contrast(WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn classes_stay_distinct_in_greyscale_by_style_where_it_matters() {
        let kw = TokenClass::Keyword.style();
        let cm = TokenClass::Comment.style();
        let plain = TokenClass::Plain.style();
        assert!(kw.bold && !kw.italic);
        assert!(cm.italic && !cm.bold);
        assert!(!plain.bold && !plain.italic);
        // Few font variants: no class needs bold italic.
        assert!(
            TokenClass::ALL
                .iter()
                .all(|c| !(c.style().bold && c.style().italic))
        );
    }

    #[test]
    fn css_has_one_rule_per_styled_class() {
        let css = css();
        assert_eq!(css.lines().count(), TokenClass::ALL.len() - 1);
        assert!(css.contains(".hl-kw { color: #5c1d8f; font-weight: bold; }"));
        assert!(css.contains(".hl-cm { color: #505048; font-style: italic; }"));
        let mut names: Vec<_> = TokenClass::ALL.iter().filter_map(|c| c.css_class()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TokenClass::ALL.len() - 1);
    }
}
