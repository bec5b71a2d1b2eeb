//! The PDF backend: a typesetter (fonts, shaping, line and page breaking) that lays the model
//! out into pages of positioned items, and a writer that turns those pages into a PDF.

pub mod blocks;
pub mod flow;
pub mod fonts;
pub mod hyphenate;
pub mod inline;
pub mod layout;
pub mod linebreak;
pub mod page;
pub mod paginate;
pub mod shape;
pub mod style;
