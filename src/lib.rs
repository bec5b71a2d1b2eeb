//! folio: Markdown documents to print-quality PDF and clean EPUB 3, from one document model.
//!
//! The pipeline: the [`frontend`] reads Markdown (with front matter, `folio.toml`, images)
//! into a [`model::Document`]; the PDF and EPUB backends render that model; [`export`] runs
//! the whole job and writes the files safely.

pub mod diagnostics;
pub mod epub;
pub mod error;
pub mod export;
pub mod fonts;
pub mod frontend;
pub mod highlight;
pub mod model;
pub mod output;
pub mod pdf;
pub mod stable;
pub mod timing;

pub use diagnostics::{Warning, WarningKind};
pub use error::{Error, Result};
