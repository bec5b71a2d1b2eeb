//! Shared by the fuzz targets: a private scratch folder per process, and the whole export
//! (front end, PDF, EPUB) of a Markdown file in it. Errors are fine; panics are findings.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use folio::frontend::{self, LoadOptions, Source};

/// A folder of this process, with a small PNG and SVG for the Markdown to name.
pub fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("folio-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // 1×1 PNG, and a small SVG.
        std::fs::write(dir.join("a.png"), PNG_1X1).unwrap();
        std::fs::write(
            dir.join("a.svg"),
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"10\"><rect width=\"20\" height=\"10\"/></svg>",
        )
        .unwrap();
        dir
    })
}

pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
    0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff,
    0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// Writes `markdown` as `doc.md` in the scratch folder and exports it to PDF and EPUB in
/// memory.
pub fn export_markdown(markdown: &[u8]) {
    let path = scratch().join("doc.md");
    std::fs::write(&path, markdown).unwrap();
    let Ok(loaded) = frontend::load(&Source::File(path), &LoadOptions::default()) else {
        return;
    };
    let mut doc = loaded.document;
    // The bundled fonts are the same bytes on every run: deflating them into each EPUB
    // costs most of a run and tests nothing about the input.
    doc.settings.epub.embed_fonts = false;
    let _ = folio::pdf::render(&doc);
    let _ = folio::epub::render(&doc);
}
