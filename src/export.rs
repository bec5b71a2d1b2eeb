//! The export job: discover the documents of an input, read each into the model, render it
//! with the chosen backends and write the files. Documents are independent: one that fails
//! is reported and the others are still exported.

use std::path::{Path, PathBuf};

use crate::diagnostics::Warning;
use crate::error::{Error, Result};
use crate::frontend::{self, LoadOptions, Source};
use crate::model::{Document, PageSize};
use crate::output;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Pdf,
    Epub,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Epub => "epub",
        }
    }
}

/// What to export and how.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub input: PathBuf,
    pub output_dir: PathBuf,
    pub formats: Vec<Format>,
    /// Warnings fail the document.
    pub strict: bool,
    /// Overrides the documents' page size.
    pub page_size: Option<PageSize>,
    pub load: LoadOptions,
}

/// What happened to one document.
#[derive(Debug)]
pub struct DocumentReport {
    pub source: PathBuf,
    pub title: Option<String>,
    pub warnings: Vec<Warning>,
    /// Files written, with their format and (for PDF) page count.
    pub outputs: Vec<Written>,
    pub error: Option<Error>,
}

impl DocumentReport {
    fn new(source: &Path) -> Self {
        DocumentReport {
            source: source.to_path_buf(),
            title: None,
            warnings: Vec::new(),
            outputs: Vec::new(),
            error: None,
        }
    }
}

/// One file written.
#[derive(Debug, Clone)]
pub struct Written {
    pub format: Format,
    pub path: PathBuf,
    pub bytes: usize,
    pub pages: Option<usize>,
}

/// The outcome of a whole export.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub documents: Vec<DocumentReport>,
}

impl ExportReport {
    pub fn failed(&self) -> usize {
        self.documents.iter().filter(|d| d.error.is_some()).count()
    }

    pub fn warnings(&self) -> usize {
        self.documents.iter().map(|d| d.warnings.len()).sum()
    }

    pub fn pages(&self) -> usize {
        self.documents
            .iter()
            .flat_map(|d| &d.outputs)
            .filter_map(|w| w.pages)
            .sum()
    }
}

/// A rendered output, before it is written.
pub struct Rendered {
    pub bytes: Vec<u8>,
    pub pages: Option<usize>,
    pub warnings: Vec<Warning>,
}

/// Renders a document in one format.
pub fn render(document: &Document, format: Format) -> Result<Rendered> {
    match format {
        Format::Pdf => {
            let r = crate::pdf::render(document)?;
            Ok(Rendered {
                bytes: r.bytes,
                pages: Some(r.pages),
                warnings: r.warnings,
            })
        }
        Format::Epub => Ok(Rendered {
            bytes: crate::epub::render(document)?,
            pages: None,
            warnings: Vec::new(),
        }),
    }
}

/// Reads one document and applies command-line overrides.
pub fn load(source: &Source, options: &ExportOptions) -> Result<frontend::Loaded> {
    let _t = crate::timing::phase("load");
    let mut loaded = frontend::load(source, &options.load)?;
    if let Some(size) = options.page_size {
        loaded.document.settings.pdf.page_size = size;
    }
    Ok(loaded)
}

/// Runs the export: every document is read, then rendered and written, in parallel; output
/// names are chosen in input order so that they never depend on timing. `progress` is called
/// with (documents done, total) as documents finish. An error is returned only when the input
/// itself cannot be used; failures of single documents are in the report.
pub fn run(options: &ExportOptions, progress: &(dyn Fn(usize, usize) + Sync)) -> Result<ExportReport> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sources = frontend::discover(&options.input)?;
    std::fs::create_dir_all(&options.output_dir).map_err(|e| Error::io(&options.output_dir, e))?;
    let total = sources.len();
    let done = AtomicUsize::new(0);
    let loaded: Vec<(DocumentReport, Option<Document>)> = sources
        .par_iter()
        .map(|source| {
            guarded(source.path(), || load_one(source, options)).unwrap_or_else(|error| {
                let mut report = DocumentReport::new(source.path());
                report.error = Some(error);
                (report, None)
            })
        })
        .collect();
    let mut taken = output::TakenNames::default();
    let names: Vec<Vec<(Format, PathBuf)>> = loaded
        .iter()
        .map(|(_, doc)| match doc {
            Some(d) => options
                .formats
                .iter()
                .map(|&f| {
                    (
                        f,
                        output::unique_path(&options.output_dir, &d.slug, f.extension(), &mut taken),
                    )
                })
                .collect(),
            None => Vec::new(),
        })
        .collect();
    let documents = loaded
        .into_par_iter()
        .zip(names)
        .map(|((mut report, doc), names)| {
            if let Some(doc) = doc {
                let mut attempt = DocumentReport::new(&report.source);
                attempt.title = report.title.clone();
                attempt.warnings = std::mem::take(&mut report.warnings);
                let source = report.source.clone();
                match guarded(&source, move || {
                    write_one(&doc, &names, options, &mut attempt);
                    // A book's model is hundreds of thousands of allocations: freed on the
                    // pool, off the path to the report (and, for the command, to its exit).
                    rayon::spawn(move || drop(doc));
                    attempt
                }) {
                    Ok(done) => report = done,
                    Err(error) => report.error = Some(error),
                }
            }
            progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
            report
        })
        .collect();
    Ok(ExportReport { documents })
}

/// Runs one document's step; a panic (always a bug in folio) fails that document with an
/// error naming it instead of ending the whole export.
fn guarded<T>(document: &Path, step: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(step)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        Error::Export {
            document: document.display().to_string(),
            message: format!("internal error ({what}); this is a bug in folio, please report it"),
        }
    })
}

/// Reads one document; a document that cannot be exported comes back with its error.
fn load_one(source: &Source, options: &ExportOptions) -> (DocumentReport, Option<Document>) {
    let mut report = DocumentReport::new(source.path());
    let loaded = match load(source, options) {
        Ok(l) => l,
        Err(e) => {
            report.error = Some(e);
            return (report, None);
        }
    };
    report.title = Some(loaded.document.meta.title.clone());
    report.warnings = loaded.warnings;
    if options.strict && !report.warnings.is_empty() {
        report.error = Some(Error::Strict(report.warnings.clone()));
        return (report, None);
    }
    (report, Some(loaded.document))
}

/// Renders a document in every format, then writes the files (all or none).
fn write_one(
    document: &Document,
    names: &[(Format, PathBuf)],
    options: &ExportOptions,
    report: &mut DocumentReport,
) {
    let mut rendered = Vec::new();
    for (format, path) in names {
        match render(document, *format) {
            Ok(r) => {
                report.warnings.extend(r.warnings.iter().cloned());
                rendered.push((*format, path, r));
            }
            Err(e) => {
                report.error = Some(e);
                return;
            }
        }
    }
    if options.strict && !report.warnings.is_empty() {
        report.error = Some(Error::Strict(report.warnings.clone()));
        return;
    }
    for (format, path, r) in rendered {
        if let Err(e) = output::write_atomic(path, &r.bytes) {
            report.error = Some(e);
            return;
        }
        report.outputs.push(Written {
            format,
            path: path.clone(),
            bytes: r.bytes.len(),
            pages: r.pages,
        });
    }
}

/// The default input when none is given.
pub fn default_input() -> &'static Path {
    Path::new("content")
}
