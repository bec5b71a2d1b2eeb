//! Export settings as plain data: the `[pdf]` and `[epub]` tables of `folio.toml` or of a
//! document's front matter, already checked by the front end.

use serde::Serialize;

/// All export settings of a document.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Settings {
    pub pdf: PdfSettings,
    pub epub: EpubSettings,
}

/// Settings of the PDF backend.
#[derive(Debug, Clone, Serialize)]
pub struct PdfSettings {
    pub page_size: PageSize,
    /// Margins in points: top, outer (right on one-sided pages), bottom, inner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margins: Option<[f32; 4]>,
    /// Body text size in points.
    pub font_size: f32,
    /// Justified (true) or ragged-right (false) text.
    pub justify: bool,
    /// Mirror margins, add a binding offset and open chapters on right-hand pages.
    pub two_sided: bool,
    /// Font files chosen by the user, relative to the input folder.
    pub fonts: FontPaths,
}

impl Default for PdfSettings {
    fn default() -> Self {
        PdfSettings {
            page_size: PageSize::A4,
            margins: None,
            font_size: 10.5,
            justify: true,
            two_sided: false,
            fonts: FontPaths::default(),
        }
    }
}

/// A page size in points (1/72 inch).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PageSize {
    pub width: f32,
    pub height: f32,
}

impl PageSize {
    pub const A4: PageSize = PageSize {
        width: 595.276,
        height: 841.89,
    };
    pub const A5: PageSize = PageSize {
        width: 419.528,
        height: 595.276,
    };
    pub const LETTER: PageSize = PageSize {
        width: 612.0,
        height: 792.0,
    };

    /// Parses `a4`, `a5`, `letter`, `6x9in`, `210x297mm`, `15cmx20cm`, `400x600pt`...
    pub fn parse(text: &str) -> Option<PageSize> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "a4" => return Some(Self::A4),
            "a5" => return Some(Self::A5),
            "a3" => {
                return Some(PageSize {
                    width: 841.89,
                    height: 1190.551,
                });
            }
            "b5" => {
                return Some(PageSize {
                    width: 498.898,
                    height: 708.661,
                });
            }
            "letter" => return Some(Self::LETTER),
            "legal" => {
                return Some(PageSize {
                    width: 612.0,
                    height: 1008.0,
                });
            }
            _ => {}
        }
        let (w, h) = t.split_once('x')?;
        let unit_of = |s: &str| -> Option<&'static str> {
            ["mm", "cm", "in", "pt"]
                .into_iter()
                .find(|u| s.trim().ends_with(u))
        };
        // `6x9in`: the unit of the second number applies to both when the first has none.
        let shared = unit_of(h)?;
        let w_pt = length_to_pt(w, unit_of(w).unwrap_or(shared))?;
        let h_pt = length_to_pt(h, shared)?;
        let ok = |v: f32| (72.0..=14400.0).contains(&v);
        (ok(w_pt) && ok(h_pt)).then_some(PageSize {
            width: w_pt,
            height: h_pt,
        })
    }
}

/// Converts a number with an optional unit suffix to points.
fn length_to_pt(text: &str, unit: &str) -> Option<f32> {
    let number = text.trim().trim_end_matches(unit).trim();
    let value: f32 = number.parse().ok()?;
    if !value.is_finite() || value <= 0.0 {
        return None;
    }
    Some(match unit {
        "mm" => value * 72.0 / 25.4,
        "cm" => value * 72.0 / 2.54,
        "in" => value * 72.0,
        _ => value,
    })
}

/// Parses a length such as `2cm`, `18mm`, `1in` or `54pt` (bare numbers are points).
pub fn parse_length(text: &str) -> Option<f32> {
    let t = text.trim().to_ascii_lowercase();
    let unit = ["mm", "cm", "in", "pt"]
        .into_iter()
        .find(|u| t.ends_with(u))
        .unwrap_or("pt");
    let v = length_to_pt(&t, unit)?;
    (v <= 7200.0).then_some(v)
}

/// Paths of user-chosen font files; any left empty uses the bundled fonts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FontPaths {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regular: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub italic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bold: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bold_italic: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mono: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mono_bold: Option<String>,
}

/// Settings of the EPUB backend.
#[derive(Debug, Clone, Serialize)]
pub struct EpubSettings {
    /// Embed the bundled text fonts in the EPUB.
    pub embed_fonts: bool,
}

impl Default for EpubSettings {
    fn default() -> Self {
        EpubSettings { embed_fonts: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_measured_page_sizes() {
        assert_eq!(PageSize::parse("A4"), Some(PageSize::A4));
        assert_eq!(PageSize::parse("letter"), Some(PageSize::LETTER));
        let p = PageSize::parse("6x9in").unwrap();
        assert!((p.width - 432.0).abs() < 0.01 && (p.height - 648.0).abs() < 0.01);
        let p = PageSize::parse("210mmx297mm").unwrap();
        assert!((p.width - PageSize::A4.width).abs() < 0.01);
        let p = PageSize::parse("15x20cm").unwrap();
        assert!((p.width - 425.197).abs() < 0.01);
        assert_eq!(PageSize::parse("0x9in"), None);
        assert_eq!(PageSize::parse("banana"), None);
        assert_eq!(PageSize::parse("9x9"), None);
    }

    #[test]
    fn lengths() {
        assert!((parse_length("1in").unwrap() - 72.0).abs() < 1e-3);
        assert!((parse_length("2.54cm").unwrap() - 72.0).abs() < 1e-3);
        assert_eq!(parse_length("54"), Some(54.0));
        assert_eq!(parse_length("-3mm"), None);
    }
}
