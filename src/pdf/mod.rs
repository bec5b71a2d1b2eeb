//! The PDF backend: a typesetter (fonts, shaping, line and page breaking) that lays the model
//! out into pages of positioned items, and a writer that turns those pages into a PDF.

pub mod blocks;
pub mod finish;
pub mod flow;
pub mod fonts;
pub mod hyphenate;
pub mod images;
pub mod inline;
pub mod layout;
pub mod linebreak;
pub mod page;
pub mod paginate;
pub mod shape;
pub mod style;
pub mod writer;

use crate::diagnostics::Warning;
use crate::error::Result;
use crate::model::Document;

/// A rendered PDF.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: usize,
    pub warnings: Vec<Warning>,
}

/// Lays out and writes a document as PDF.
pub fn render(doc: &Document) -> Result<Rendered> {
    let (layout, warnings) = layout::layout(doc)?;
    let bytes = writer::write(&layout, doc)?;
    Ok(Rendered {
        bytes,
        pages: layout.pages.len(),
        warnings,
    })
}
