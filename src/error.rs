//! Errors as typed values. The CLI renders them for people; the library never prints.

use std::path::PathBuf;
use thiserror::Error;

use crate::diagnostics::Warning;

/// Everything that can make an export fail.
#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid UTF-8 text (first bad byte at offset {offset}, line {line})")]
    InvalidUtf8 { path: PathBuf, offset: usize, line: u32 },
    #[error("{path}:{line}: {message}")]
    FrontMatter {
        path: PathBuf,
        line: u32,
        message: String,
    },
    #[error("{path}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        path: PathBuf,
        line: Option<u32>,
        message: String,
    },
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error(
        "{path}: refused: {what} resolves outside the input folder ({resolved}); pass --allow-outside to allow it"
    )]
    OutsideInput {
        path: PathBuf,
        what: String,
        resolved: PathBuf,
    },
    #[error("{} warning(s) with --strict; first: {}", .0.len(), .0.first().map(|w| w.to_string()).unwrap_or_default())]
    Strict(Vec<Warning>),
    #[error("{document}: {message}")]
    Export { document: String, message: String },
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
