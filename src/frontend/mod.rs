//! The front end: finds the documents an input holds (a Markdown file, a book folder with a
//! `folio.toml`, or a folder of articles) and reads each into the document model, with the
//! warnings met on the way. This is the only part of folio that reads source files.

pub mod html;
pub mod images;
mod lang;
pub mod markdown;
pub mod meta;
mod resolve;
pub mod source;

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::diagnostics::{Warning, WarningKind};
use crate::error::{Error, Result};
use crate::model::slug::{IdRegistry, file_stem, slugify};
use crate::model::text::plain_text;
use crate::model::{BlockKind, Chapter, Document, Footnote, Metadata, Settings, visit_blocks};
use images::{ImageSite, ImageStore};
use markdown::{Context, Converted, FootnoteNumbers};
use meta::{MetaSource, RawMeta, Syntax};

/// How the front end may read.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Allow chapters, images and fonts outside the input folder.
    pub allow_outside: bool,
}

/// One document an input holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A single Markdown file.
    File(PathBuf),
    /// A folder whose `folio.toml` lists its chapters.
    Book(PathBuf),
}

impl Source {
    /// The path to show for this document in messages.
    pub fn path(&self) -> &Path {
        match self {
            Source::File(p) | Source::Book(p) => p,
        }
    }
}

/// A document read from its sources, with the warnings found.
#[derive(Debug)]
pub struct Loaded {
    pub document: Document,
    pub warnings: Vec<Warning>,
}

/// Lists the documents `input` holds: a file is one document; a folder with a `folio.toml`
/// is one book; any other folder holds one document per Markdown file in it.
pub fn discover(input: &Path) -> Result<Vec<Source>> {
    let meta = std::fs::metadata(input).map_err(|e| Error::io(input, e))?;
    if meta.is_file() {
        return Ok(vec![Source::File(input.to_path_buf())]);
    }
    if input.join("folio.toml").is_file() {
        return Ok(vec![Source::Book(input.to_path_buf())]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(input).map_err(|e| Error::io(input, e))? {
        let entry = entry.map_err(|e| Error::io(input, e))?;
        let path = entry.path();
        let is_md = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"));
        if is_md && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::Input {
            path: input.to_path_buf(),
            message: "no Markdown files (*.md) and no folio.toml in this folder".into(),
        });
    }
    Ok(files.into_iter().map(Source::File).collect())
}

/// Reads one document.
pub fn load(source: &Source, options: &LoadOptions) -> Result<Loaded> {
    match source {
        Source::File(path) => load_file(path, options),
        Source::Book(dir) => load_book(dir, options),
    }
}

/// The canonical form of a path, or an I/O error naming it.
fn canonical(path: &Path) -> Result<PathBuf> {
    path.canonicalize().map_err(|e| Error::io(path, e))
}

/// Whether `path`, with `.` and `..` taken as written (before any link is followed), stays
/// under `root`: `sub/../../x` leaves the folder even when `sub` does not exist.
fn lexically_inside(root: &Path, path: &Path) -> bool {
    use std::path::Component;
    let mut parts: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.iter().collect::<PathBuf>().starts_with(root)
}

/// Shared state while reading the files of one document.
struct Reader {
    root: PathBuf,
    options: LoadOptions,
    files: Vec<String>,
    images: ImageStore,
    ids: IdRegistry,
    footnotes: FootnoteNumbers,
    warnings: Vec<Warning>,
    newest_mtime: i64,
}

impl Reader {
    fn new(root: PathBuf, options: &LoadOptions) -> Self {
        Reader {
            images: ImageStore::new(root.clone(), options.allow_outside),
            root,
            options: options.clone(),
            files: Vec::new(),
            ids: IdRegistry::default(),
            footnotes: FootnoteNumbers::default(),
            warnings: Vec::new(),
            newest_mtime: 0,
        }
    }

    fn display(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| path.to_string_lossy().into_owned())
    }

    fn note_mtime(&mut self, path: &Path) {
        if let Ok(m) = std::fs::metadata(path).and_then(|m| m.modified())
            && let Ok(d) = m.duration_since(UNIX_EPOCH)
        {
            self.newest_mtime = self.newest_mtime.max(d.as_secs() as i64);
        }
    }

    /// Checks that `path` (canonical) lies inside the input folder.
    fn contain(&self, path: &Path, what: String, named_in: &Path) -> Result<()> {
        if self.options.allow_outside || path.starts_with(&self.root) {
            Ok(())
        } else {
            Err(Error::OutsideInput {
                path: named_in.to_path_buf(),
                what,
                resolved: path.to_path_buf(),
            })
        }
    }

    /// The text of a Markdown file (canonical path).
    fn read_source(&self, path: &Path) -> Result<String> {
        source::read_text(path, Path::new(&self.display(path)))
    }

    /// Converts a Markdown file's text, read and parsed (see `markdown::parser`).
    fn convert_markdown<'t>(
        &mut self,
        path: &Path,
        text: &'t str,
        parser: markdown::Parsed<'t>,
    ) -> Result<(usize, Converted)> {
        let display = self.display(path);
        self.note_mtime(path);
        let file = self.files.len();
        self.files.push(display.clone());
        let base_dir = path.parent().unwrap_or(&self.root).to_path_buf();
        let mut ctx = Context {
            file,
            display: &display,
            base_dir: &base_dir,
            images: &mut self.images,
            ids: &mut self.ids,
            footnotes: &mut self.footnotes,
            warnings: &mut self.warnings,
        };
        let converted = markdown::convert_parsed(text, parser, &mut ctx)?;
        Ok((file, converted))
    }

    fn front_matter(&mut self, converted: &Converted, file: usize) -> Result<Option<RawMeta>> {
        let Some((yaml, first_line)) = &converted.front_matter else {
            return Ok(None);
        };
        let path = PathBuf::from(&self.files[file]);
        let src = MetaSource {
            path: &path,
            text: yaml,
            first_line: *first_line,
            syntax: Syntax::Yaml,
        };
        let value = meta::parse_yaml(&src)?;
        meta::read_meta(value, &src, &mut self.warnings).map(Some)
    }

    /// Resolves a user-given font path relative to `base` and checks containment.
    fn font_path(&self, base: &Path, path: &Option<String>, named_in: &Path) -> Result<Option<String>> {
        let Some(p) = path else { return Ok(None) };
        let joined = base.join(p);
        let resolved = joined.canonicalize().map_err(|e| Error::Input {
            path: named_in.to_path_buf(),
            message: format!("font file {p} cannot be used: {e}"),
        })?;
        self.contain(&resolved, format!("font {p}"), named_in)?;
        Ok(Some(resolved.to_string_lossy().into_owned()))
    }

    fn settings(&self, raw: &RawMeta, base: &Path, named_in: &Path) -> Result<Settings> {
        let mut pdf = raw.pdf.clone();
        let f = &raw.pdf.fonts;
        pdf.fonts.regular = self.font_path(base, &f.regular, named_in)?;
        pdf.fonts.italic = self.font_path(base, &f.italic, named_in)?;
        pdf.fonts.bold = self.font_path(base, &f.bold, named_in)?;
        pdf.fonts.bold_italic = self.font_path(base, &f.bold_italic, named_in)?;
        pdf.fonts.mono = self.font_path(base, &f.mono, named_in)?;
        pdf.fonts.mono_bold = self.font_path(base, &f.mono_bold, named_in)?;
        Ok(Settings {
            pdf,
            epub: raw.epub.clone(),
        })
    }

    fn cover(&mut self, raw: &RawMeta, base: &Path, file: &str) -> Result<Option<usize>> {
        let Some(cover) = &raw.cover else { return Ok(None) };
        let site = ImageSite {
            base_dir: base,
            file,
            line: 0,
        };
        let index = self.images.resolve(cover, &site, &mut self.warnings)?;
        Ok(self.images.images[index].is_available().then_some(index))
    }

    /// Builds the document from its chapters and metadata.
    fn finish(
        mut self,
        raw: RawMeta,
        mut chapters: Vec<Chapter>,
        defs: Vec<Def>,
        settings: Settings,
        cover: Option<usize>,
    ) -> Result<Loaded> {
        let footnotes = self.footnotes_in_order(defs, &chapters);
        resolve::resolve_links(&mut chapters, &self.files, &mut self.warnings);
        let title = raw
            .title
            .clone()
            .or_else(|| first_level_one_heading(&chapters))
            .unwrap_or_else(|| {
                let first = self.files.first().cloned().unwrap_or_default();
                Path::new(&first)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "Untitled".into())
            });
        for chapter in &mut chapters {
            if chapter.title.is_empty() {
                chapter.title = title.clone();
            }
        }
        let meta = Metadata {
            title: title.clone(),
            subtitle: raw.subtitle,
            authors: raw.authors,
            lang: raw.lang.unwrap_or_else(|| lang::guess(&chapters)),
            date: raw.date,
            description: raw.description,
            keywords: raw.keywords,
            publisher: raw.publisher,
            rights: raw.rights,
            identifier: raw.identifier,
            cover,
            modified: source_date_epoch().unwrap_or(self.newest_mtime),
        };
        let document = Document {
            slug: file_stem(&title),
            meta,
            files: self.files,
            chapters,
            footnotes,
            images: self.images.images,
            settings,
        };
        Ok(Loaded {
            document,
            warnings: self.warnings,
        })
    }

    /// Ties footnote definitions to their numbers; warns about unused and missing ones.
    fn footnotes_in_order(&mut self, defs: Vec<Def>, chapters: &[Chapter]) -> Vec<Footnote> {
        let chapter_of_file = |file: usize| chapters.iter().position(|c| c.file == file).unwrap_or(0);
        let mut by_number: Vec<Option<Footnote>> = vec![None; self.footnotes.order.len()];
        for def in defs {
            match self.footnotes.lookup(def.file, &def.label) {
                Some(n) => {
                    let slot = &mut by_number[(n - 1) as usize];
                    if slot.is_none() {
                        *slot = Some(Footnote {
                            number: n,
                            label: def.label,
                            chapter: chapter_of_file(def.file),
                            blocks: def.blocks,
                        });
                    }
                }
                None => self.warnings.push(Warning::new(
                    WarningKind::UnusedFootnote,
                    self.files[def.file].clone(),
                    def.line,
                    format!("footnote [^{}] is defined but never referenced", def.label),
                )),
            }
        }
        by_number
            .into_iter()
            .enumerate()
            .map(|(i, slot)| {
                let (file, label) = &self.footnotes.order[i];
                let chapter = chapter_of_file(*file);
                slot.map(|mut f| {
                    f.chapter = chapter;
                    f
                })
                .unwrap_or_else(|| {
                    self.warnings.push(Warning::new(
                        WarningKind::DanglingFootnote,
                        self.files[*file].clone(),
                        0,
                        format!("footnote [^{label}] is referenced but never defined"),
                    ));
                    Footnote {
                        number: i as u32 + 1,
                        label: label.clone(),
                        chapter,
                        blocks: Vec::new(),
                    }
                })
            })
            .collect()
    }

    /// Reads one chapter file into a chapter (and its footnote definitions).
    fn chapter(&mut self, path: &Path, defs: &mut Vec<Def>) -> Result<(Chapter, Converted)> {
        let text = self.read_source(path)?;
        self.chapter_parsed(path, &text, markdown::parser(&text), defs)
    }

    /// A chapter from its file's text, read and parsed.
    fn chapter_parsed<'t>(
        &mut self,
        path: &Path,
        text: &'t str,
        parser: markdown::Parsed<'t>,
        defs: &mut Vec<Def>,
    ) -> Result<(Chapter, Converted)> {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = self.ids.claim(&slugify(&format!("ch-{stem}")));
        let (file, mut converted) = self.convert_markdown(path, text, parser)?;
        for (label, blocks, pos) in std::mem::take(&mut converted.footnote_defs) {
            defs.push(Def {
                file,
                label,
                blocks,
                line: pos.line,
            });
        }
        let title = first_heading(&converted.blocks).unwrap_or_default();
        let chapter = Chapter {
            file,
            title,
            id,
            blocks: std::mem::take(&mut converted.blocks),
        };
        Ok((chapter, converted))
    }
}

/// A footnote definition as found in a file.
struct Def {
    file: usize,
    label: String,
    blocks: Vec<crate::model::Block>,
    line: u32,
}

fn first_heading(blocks: &[crate::model::Block]) -> Option<String> {
    let mut found = None;
    visit_blocks(blocks, &mut |b| {
        if found.is_none()
            && let BlockKind::Heading { content, .. } = &b.kind
        {
            found = Some(plain_text(content));
        }
    });
    found.filter(|t| !t.trim().is_empty())
}

fn first_level_one_heading(chapters: &[Chapter]) -> Option<String> {
    let mut found = None;
    for chapter in chapters {
        visit_blocks(&chapter.blocks, &mut |b| {
            if found.is_none()
                && let BlockKind::Heading {
                    level: 1, content, ..
                } = &b.kind
            {
                found = Some(plain_text(content));
            }
        });
    }
    found.filter(|t| !t.trim().is_empty())
}

/// `SOURCE_DATE_EPOCH`, when set to a valid number of seconds.
pub fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|v| (0..=253_402_300_799).contains(v))
}

fn load_file(path: &Path, options: &LoadOptions) -> Result<Loaded> {
    let file = canonical(path)?;
    // The input folder is the folder the file is named in: a symbolic link there that points
    // elsewhere is outside it.
    let named_in = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => canonical(parent)?,
        None => canonical(Path::new("."))?,
    };
    let root = if file.starts_with(&named_in) {
        named_in
    } else if options.allow_outside {
        file.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"))
    } else {
        return Err(Error::OutsideInput {
            path: path.to_path_buf(),
            what: "document (a symbolic link)".into(),
            resolved: file,
        });
    };
    let mut reader = Reader::new(root.clone(), options);
    let mut defs = Vec::new();
    let (mut chapter, converted) = reader.chapter(&file, &mut defs)?;
    let raw = reader.front_matter(&converted, chapter.file)?.unwrap_or_default();
    if let Some(title) = &raw.title
        && chapter.title.is_empty()
    {
        chapter.title = title.clone();
    }
    let display = PathBuf::from(&reader.files[chapter.file]);
    let settings = reader.settings(&raw, &root, &display)?;
    let cover = reader.cover(&raw, &root, &display.to_string_lossy())?;
    reader.finish(raw, vec![chapter], defs, settings, cover)
}

fn load_book(dir: &Path, options: &LoadOptions) -> Result<Loaded> {
    let root = canonical(dir)?;
    let display_toml = dir.join("folio.toml");
    let toml_path = canonical(&display_toml)?;
    let mut reader = Reader::new(root.clone(), options);
    reader.contain(&toml_path, "folio.toml (a symbolic link)".into(), &display_toml)?;
    let text = source::read_text(&toml_path, &display_toml)?;
    reader.note_mtime(&toml_path);
    let src = MetaSource {
        path: &display_toml,
        text: &text,
        first_line: 1,
        syntax: Syntax::Toml,
    };
    let value = meta::parse_toml(&src)?;
    let raw = meta::read_meta(value, &src, &mut reader.warnings)?;
    let list = raw.chapters.clone().unwrap_or_default();
    if list.is_empty() {
        return Err(Error::Config {
            path: display_toml,
            line: None,
            message: "`chapters` must list the book's Markdown files in order".into(),
        });
    }
    let chapter_line = |name: &str| -> Option<u32> {
        text.lines()
            .position(|l| l.contains(&format!("\"{name}\"")))
            .map(|i| i as u32 + 1)
    };
    // Every chapter's path is checked and its text read first; the first failure is
    // returned in its turn, after the chapters before it (as if read one by one).
    let source = |name: &String| -> Result<(PathBuf, String)> {
        let joined = root.join(name);
        if !options.allow_outside && !lexically_inside(&root, &joined) {
            return Err(Error::OutsideInput {
                path: display_toml.clone(),
                what: format!("chapter {name}"),
                resolved: joined,
            });
        }
        let path = joined.canonicalize().map_err(|e| Error::Config {
            path: display_toml.clone(),
            line: chapter_line(name),
            message: format!("chapter {name} cannot be read: {e}"),
        })?;
        reader.contain(&path, format!("chapter {name}"), &display_toml)?;
        let text = reader.read_source(&path)?;
        Ok((path, text))
    };
    let mut texts: Vec<(PathBuf, String)> = Vec::with_capacity(list.len());
    let mut failure = None;
    for name in &list {
        match source(name) {
            Ok(read) => texts.push(read),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    let mut chapters = Vec::new();
    let mut defs = Vec::new();
    // Each chapter's Markdown is parsed (pulldown-cmark's first pass) on another worker
    // while the chapter before it is converted.
    let mut ahead = texts.first().map(|(_, text)| markdown::parser(text));
    for (k, (name, (path, text))) in list.iter().zip(&texts).enumerate() {
        let Some(parser) = ahead.take() else { break };
        let (done, next) = rayon::join(
            || reader.chapter_parsed(path, text, parser, &mut defs),
            || texts.get(k + 1).map(|(_, text)| markdown::parser(text)),
        );
        ahead = next;
        let (mut chapter, converted) = done?;
        if let Some(fm) = reader.front_matter(&converted, chapter.file)?
            && let Some(title) = fm.title
            && chapter.title.is_empty()
        {
            chapter.title = title;
        }
        if chapter.title.is_empty() {
            chapter.title = Path::new(name)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        chapters.push(chapter);
    }
    if let Some(error) = failure {
        return Err(error);
    }
    let settings = reader.settings(&raw, &root, &display_toml)?;
    let cover = reader.cover(&raw, &root, &display_toml.to_string_lossy())?;
    reader.finish(raw, chapters, defs, settings, cover)
}
