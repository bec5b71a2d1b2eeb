//! Criterion benchmarks of the hot parts of an export, on input the project ships or
//! generates: Markdown parsing, shaping, line breaking, page breaking, PDF writing and EPUB
//! packaging. `cargo bench --bench hot`.

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use folio::frontend::{self, LoadOptions};
use folio::model::{Document, FontPaths};
use folio::pdf::fonts::{Family, FontSet, Style};
use folio::pdf::linebreak::{Item, Params, break_lines};
use folio::pdf::shape::{Shaper, Variant};

/// A generated book: `chapters` chapters of prose, lists, code, a table and footnotes.
fn generated_book(chapters: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-bench-book-{chapters}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut list = Vec::new();
    for c in 0..chapters {
        let mut text = format!("# Chapter {c}\n\n");
        for s in 0..12 {
            text.push_str(&format!("## Section {c}.{s}\n\n"));
            for p in 0..4 {
                text.push_str(&paragraph(c * 1000 + s * 10 + p));
                if p == 1 {
                    text.push_str(&format!("[^n{c}-{s}]"));
                }
                text.push_str("\n\n");
            }
            text.push_str("- one item\n- another item with `inline code`\n\n```rust\nfn main() {\n    println!(\"hello\");\n}\n```\n\n");
            text.push_str(&format!("[^n{c}-{s}]: A note for section {s}.\n\n"));
        }
        text.push_str("| a | b |\n|---|--:|\n| one | 1 |\n| two | 2 |\n");
        let name = format!("c{c:02}.md");
        std::fs::write(dir.join(&name), text).unwrap();
        list.push(format!("\"{name}\""));
    }
    std::fs::write(
        dir.join("folio.toml"),
        format!("title = \"Bench\"\nchapters = [{}]\n", list.join(", ")),
    )
    .unwrap();
    dir
}

fn paragraph(seed: usize) -> String {
    const WORDS: [&str; 24] = [
        "typography",
        "the",
        "paragraph",
        "of",
        "a",
        "line",
        "justified",
        "measure",
        "and",
        "text",
        "with",
        "spacing",
        "between",
        "words",
        "hyphenation",
        "page",
        "reader",
        "margin",
        "printing",
        "books",
        "careful",
        "composition",
        "letters",
        "balance",
    ];
    let mut state = seed as u64 * 6_364_136_223_846_793_005 + 1;
    let mut out = String::new();
    for i in 0..90 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[(state >> 33) as usize % WORDS.len()]);
    }
    out.push('.');
    out
}

fn load(dir: &Path) -> Document {
    let sources = frontend::discover(dir).unwrap();
    frontend::load(&sources[0], &LoadOptions::default())
        .unwrap()
        .document
}

fn benches(c: &mut Criterion) {
    let book = generated_book(6);
    c.bench_function("parse: markdown to model (6 chapters)", |b| {
        b.iter(|| load(&book))
    });

    let fonts = FontSet::load(&FontPaths::default()).unwrap();
    let serif = fonts.select(Family::Serif, Style::default());
    let words: Vec<String> = paragraph(7).split(' ').map(str::to_string).collect();
    c.bench_function("shape: 90 words, cold cache", |b| {
        b.iter(|| {
            let mut shaper = Shaper::new(&fonts, "en");
            for w in &words {
                shaper.shape(serif, Variant::Text, w);
            }
        })
    });

    let mut items = Vec::new();
    for (i, w) in words.iter().cycle().take(600).enumerate() {
        if i > 0 {
            items.push(Item::Glue {
                width: 3.0,
                stretch: 1.5,
                shrink: 1.0,
            });
        }
        items.push(Item::boxed(w.len() as f32 * 5.0));
    }
    items.push(Item::Glue {
        width: 0.0,
        stretch: 10_000.0,
        shrink: 0.0,
    });
    items.push(Item::penalty(-10_000.0));
    c.bench_function("line breaking: 600-word paragraph", |b| {
        b.iter(|| break_lines(&items, &|_| 330.0, &Params::default()))
    });

    let doc = load(&book);
    c.bench_function("layout: lines and pages (6 chapters)", |b| {
        b.iter(|| folio::pdf::layout::layout(&doc).unwrap())
    });
    c.bench_function("pdf: layout and writing (6 chapters)", |b| {
        b.iter(|| folio::pdf::render(&doc).unwrap())
    });
    c.bench_function("epub: packaging (6 chapters)", |b| {
        b.iter(|| folio::epub::render(&doc).unwrap())
    });
}

criterion_group! {
    name = hot;
    config = Criterion::default().sample_size(10);
    targets = benches
}
criterion_main!(hot);
