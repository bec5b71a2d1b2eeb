//! Metadata text: as YAML front matter and as `folio.toml`, through the parsers and the
//! key-by-key reader; then as the front matter of a short document exported to both formats.
#![no_main]

use std::path::Path;

use folio::frontend::meta::{self, MetaSource, Syntax};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (syntax, path) in [(Syntax::Yaml, "doc.md"), (Syntax::Toml, "folio.toml")] {
        let src = MetaSource {
            path: Path::new(path),
            text,
            first_line: 2,
            syntax,
        };
        let parsed = match syntax {
            Syntax::Yaml => meta::parse_yaml(&src),
            Syntax::Toml => meta::parse_toml(&src),
        };
        if let Ok(value) = parsed {
            let _ = meta::read_meta(value, &src, &mut Vec::new());
        }
    }
    if !text.contains("\n---") {
        let doc = format!("---\n{text}\n---\n\n# Heading\n\nText.\n");
        common::export_markdown(doc.as_bytes());
    }
});
