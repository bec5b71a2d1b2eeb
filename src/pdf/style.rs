//! The book design in numbers: page geometry, type sizes, leading, spacing and colours. One
//! place to read and tune how folio's PDFs look.

use crate::model::PdfSettings;

use super::page::Rgb;

/// Text colour of links (dark enough to print as near-black in greyscale).
pub const LINK: Rgb = Rgb(0x1a, 0x3d, 0x7a);
/// Light background of code blocks.
pub const CODE_BACKGROUND: Rgb = Rgb(0xf5, 0xf5, 0xf2);
/// Rules: tables, quotes, footnote separator.
pub const RULE: Rgb = Rgb(0x80, 0x80, 0x80);
/// Secondary text: running heads, page numbers, captions' labels.
pub const MUTED: Rgb = Rgb(0x40, 0x40, 0x40);

/// Page geometry: the text block inside the margins.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub page_width: f32,
    pub page_height: f32,
    pub top: f32,
    pub bottom: f32,
    /// Margin of the binding side (left on one-sided and on right-hand pages).
    pub inner: f32,
    pub outer: f32,
    pub two_sided: bool,
}

impl Geometry {
    pub fn new(settings: &PdfSettings) -> Geometry {
        let w = settings.page_size.width;
        let h = settings.page_size.height;
        let [top, outer, bottom, inner] = settings.margins.unwrap_or_else(|| {
            // Classic proportions, scaled to the page: wider bottom than top.
            let side = (w * 0.13).max(36.0);
            [h * 0.085, side, h * 0.1, side]
        });
        // Two-sided books get a binding offset on the inner side.
        let binding = if settings.two_sided {
            (w * 0.02).min(12.0)
        } else {
            0.0
        };
        Geometry {
            page_width: w,
            page_height: h,
            top,
            bottom,
            inner: inner + binding,
            outer,
            two_sided: settings.two_sided,
        }
    }

    /// Width of the text block.
    pub fn text_width(&self) -> f32 {
        (self.page_width - self.inner - self.outer).max(72.0)
    }

    /// Height of the text block.
    pub fn text_height(&self) -> f32 {
        (self.page_height - self.top - self.bottom).max(72.0)
    }

    /// Left edge of the text block on page `index` (0-based; even indices are right-hand).
    pub fn left(&self, index: usize) -> f32 {
        if self.two_sided && index % 2 == 1 {
            self.outer
        } else {
            self.inner
        }
    }
}

/// Type sizes and spacing, all derived from the body size.
#[derive(Debug, Clone, Copy)]
pub struct Typescale {
    pub body: f32,
    pub leading: f32,
    /// Space between paragraphs (and other blocks), with its stretch.
    pub par_skip: f32,
    pub par_stretch: f32,
    /// First-line indent of paragraphs that follow a paragraph (0: block paragraphs).
    pub indent: f32,
    pub code: f32,
    pub code_leading: f32,
    pub footnote: f32,
    pub footnote_leading: f32,
    pub small: f32,
}

impl Typescale {
    pub fn new(body: f32) -> Typescale {
        let leading = (body * 1.32 * 4.0).round() / 4.0;
        Typescale {
            body,
            leading,
            par_skip: leading * 0.5,
            par_stretch: leading * 0.25,
            indent: 0.0,
            code: body * 0.84,
            code_leading: body * 0.84 * 1.3,
            footnote: body * 0.82,
            footnote_leading: body * 0.82 * 1.28,
            small: body * 0.86,
        }
    }

    /// Size and spacing of heading `level` (1–6): (size, space above, space below).
    pub fn heading(&self, level: u8) -> (f32, f32, f32) {
        let b = self.body;
        let l = self.leading;
        match level {
            1 => (b * 1.9, l * 2.0, l * 1.0),
            2 => (b * 1.45, l * 1.5, l * 0.6),
            3 => (b * 1.2, l * 1.2, l * 0.45),
            4 => (b * 1.05, l * 1.0, l * 0.35),
            _ => (b, l * 0.9, l * 0.3),
        }
    }
}
