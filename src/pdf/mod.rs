//! The PDF backend: a typesetter (fonts, shaping, line and page breaking) that lays the model
//! out into pages of positioned items, and a writer that turns those pages into a PDF.

pub mod blocks;
pub mod content;
pub mod deflate;
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
pub mod png;
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

/// Lays out and writes a document as PDF. Images are prepared while the pages are laid out.
///
/// Both run as tasks of rayon's pool (`rayon::join`), never on a thread of their own that
/// the caller blocks on: when every worker of the pool is rendering a document (a folder
/// export), a worker blocked in a plain thread join cannot run the image tasks that thread
/// queued in the pool, and the export deadlocked.
pub fn render(doc: &Document) -> Result<Rendered> {
    let (prepared, laid_out) = rayon::join(
        || {
            let _t = crate::timing::phase("pdf: images");
            images::prepare(doc)
        },
        || {
            let _t = crate::timing::phase("pdf: layout");
            layout::layout(doc)
        },
    );
    let (layout, mut warnings) = laid_out?;
    warnings.extend(images::undecodable(doc, &layout, &prepared));
    let pages = layout.pages.len();
    let bytes = writer::write(layout, doc, prepared)?;
    Ok(Rendered {
        bytes,
        pages,
        warnings,
    })
}
