//! The PDF backend: a typesetter (fonts, shaping, line and page breaking) that lays the model
//! out into pages of positioned items, and a writer that turns those pages into a PDF.

pub mod blocks;
pub mod content;
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

/// Lays out and writes a document as PDF. Images are prepared on another thread while the
/// pages are laid out.
pub fn render(doc: &Document) -> Result<Rendered> {
    std::thread::scope(|scope| {
        let images = scope.spawn(|| {
            let _t = crate::timing::phase("pdf: images");
            images::prepare(doc)
        });
        let t = crate::timing::phase("pdf: layout");
        let laid_out = layout::layout(doc);
        drop(t);
        let prepared = images.join().unwrap_or_default();
        let (layout, mut warnings) = laid_out?;
        warnings.extend(images::undecodable(doc, &layout, &prepared));
        let pages = layout.pages.len();
        let bytes = writer::write(layout, doc, prepared)?;
        Ok(Rendered {
            bytes,
            pages,
            warnings,
        })
    })
}
