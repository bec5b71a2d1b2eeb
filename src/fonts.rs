//! The fonts bundled with folio (Source Serif 4 SmText for text, JetBrains Mono for code,
//! each in four styles; SIL Open Font License), compiled into the binary so that an export
//! needs nothing installed. The PDF backend sets and embeds them; the EPUB embeds them.

/// One bundled font file.
pub struct BundledFont {
    /// File name, as in `fonts/`.
    pub file: &'static str,
    pub data: &'static [u8],
    /// CSS `font-family`, `font-weight` and `font-style`.
    pub family: &'static str,
    pub weight: &'static str,
    pub style: &'static str,
}

macro_rules! bundled {
    ($file:literal, $family:literal, $weight:literal, $style:literal) => {
        BundledFont {
            file: $file,
            data: include_bytes!(concat!("../fonts/", $file)),
            family: $family,
            weight: $weight,
            style: $style,
        }
    };
}

/// Serif regular, italic, bold, bold italic; then mono in the same order.
pub static BUNDLED: [BundledFont; 8] = [
    bundled!(
        "SourceSerif4SmText-Regular.ttf",
        "Source Serif 4 SmText",
        "normal",
        "normal"
    ),
    bundled!(
        "SourceSerif4SmText-It.ttf",
        "Source Serif 4 SmText",
        "normal",
        "italic"
    ),
    bundled!(
        "SourceSerif4SmText-Bold.ttf",
        "Source Serif 4 SmText",
        "bold",
        "normal"
    ),
    bundled!(
        "SourceSerif4SmText-BoldIt.ttf",
        "Source Serif 4 SmText",
        "bold",
        "italic"
    ),
    bundled!("JetBrainsMono-Regular.ttf", "JetBrains Mono", "normal", "normal"),
    bundled!("JetBrainsMono-Italic.ttf", "JetBrains Mono", "normal", "italic"),
    bundled!("JetBrainsMono-Bold.ttf", "JetBrains Mono", "bold", "normal"),
    bundled!("JetBrainsMono-BoldItalic.ttf", "JetBrains Mono", "bold", "italic"),
];
