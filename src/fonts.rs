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
    /// `data` deflated (raw deflate, as a zip entry holds it) and its CRC-32, made by
    /// `build.rs` so that no export spends time compressing the fonts.
    pub deflated: &'static [u8],
    pub crc32: u32,
}

macro_rules! bundled {
    ($file:literal, $family:literal, $weight:literal, $style:literal) => {
        BundledFont {
            file: $file,
            data: include_bytes!(concat!("../fonts/", $file)),
            family: $family,
            weight: $weight,
            style: $style,
            deflated: include_bytes!(concat!(env!("OUT_DIR"), "/", $file, ".deflate")),
            crc32: u32::from_le_bytes(*include_bytes!(concat!(env!("OUT_DIR"), "/", $file, ".crc32"))),
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

/// The bundled font whose bytes are exactly `data` (the same static slice), if any.
pub fn bundled_by_data(data: &[u8]) -> Option<&'static BundledFont> {
    BUNDLED
        .iter()
        .find(|f| std::ptr::eq(f.data.as_ptr(), data.as_ptr()) && f.data.len() == data.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn precompressed_fonts_match_their_files() {
        for font in &BUNDLED {
            let mut back = Vec::new();
            flate2::read::DeflateDecoder::new(font.deflated)
                .read_to_end(&mut back)
                .unwrap();
            assert!(back == font.data, "{}", font.file);
            let mut crc = crc32fast::Hasher::new();
            crc.update(font.data);
            assert_eq!(crc.finalize(), font.crc32, "{}", font.file);
            assert!(bundled_by_data(font.data).is_some_and(|f| f.file == font.file));
        }
        let copy = BUNDLED[0].data.to_vec();
        assert!(bundled_by_data(&copy).is_none());
    }
}
