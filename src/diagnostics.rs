//! Warnings found while reading or exporting a document, with the place they refer to.

use serde::Serialize;
use std::fmt;

/// What a warning is about; `--strict` turns every kind into an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    MissingImage,
    RemoteImage,
    BadImage,
    DanglingLink,
    DanglingFootnote,
    UnusedFootnote,
    UnknownKey,
    UnsupportedHtml,
    DuplicateId,
    TooDeep,
    Font,
    Layout,
}

/// A warning with its location (`file:line:column`, as far as known).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub message: String,
}

impl Warning {
    pub fn new(kind: WarningKind, file: impl Into<String>, line: u32, message: impl Into<String>) -> Self {
        Warning {
            kind,
            file: file.into(),
            line: (line > 0).then_some(line),
            column: None,
            message: message.into(),
        }
    }

    pub fn with_column(mut self, column: u32) -> Self {
        self.column = (column > 0).then_some(column);
        self
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}
