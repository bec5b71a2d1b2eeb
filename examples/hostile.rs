//! Measures folio on hostile inputs at the full sizes of issue 8 (a 20 MB paragraph, 10,000
//! levels of nesting, 10,000 footnotes...): for each case, the time to read, lay out and write
//! the PDF, and to write the EPUB, with the outcome (error, warnings, pages). A benchmark, not
//! a test: run it in release.
//!
//! ```sh
//! cargo run --release --example hostile            # every case
//! cargo run --release --example hostile -- para    # the cases whose name contains "para"
//! ```

use std::path::Path;
use std::time::Instant;

use folio::frontend::{self, LoadOptions};

fn prose(words: usize) -> String {
    const WORDS: [&str; 16] = [
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
        "composition",
    ];
    let mut state = 0x2545_f491_u64;
    let mut out = String::with_capacity(words * 8);
    for i in 0..words {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if i > 0 {
            out.push(' ');
        }
        out.push_str(WORDS[(state % 16) as usize]);
        if state.is_multiple_of(13) {
            out.push('.');
        }
    }
    out
}

fn cases() -> Vec<(&'static str, String)> {
    let n = 10_000;
    let mut footnotes = String::from("# Notes\n\n");
    for i in 1..=n {
        footnotes.push_str(&format!("Sentence {i}.[^{i}] "));
        if i % 50 == 0 {
            footnotes.push_str("\n\n");
        }
    }
    footnotes.push_str("\n\n");
    for i in 1..=n {
        footnotes.push_str(&format!("[^{i}]: Note {i}.\n"));
    }
    let mut table = String::from("|");
    for c in 0..500 {
        table.push_str(&format!(" h{c} |"));
    }
    table.push_str("\n|");
    table.push_str(&"---|".repeat(500));
    for r in 0..20 {
        table.push_str("\n|");
        for c in 0..500 {
            table.push_str(&format!(" r{r}c{c} |"));
        }
    }
    let word: String = (0..100_000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    vec![
        ("paragraph-20mb", format!("# Long\n\n{}\n", prose(2_600_000))),
        ("paragraph-5mb", format!("# Long\n\n{}\n", prose(650_000))),
        ("paragraph-1mb", format!("# Long\n\n{}\n", prose(130_000))),
        ("nested-bullets-10000", format!("{}x\n", "- ".repeat(n))),
        ("nested-quotes-10000", format!("{}x\n", "> ".repeat(n))),
        (
            "nested-emphasis-10000",
            format!("{}x{}\n", "*a _b ".repeat(n / 2), " c_ d*".repeat(n / 2)),
        ),
        (
            "nested-html-10000",
            format!("<p>{}x{}</p>\n", "<span>".repeat(n), "</span>".repeat(n)),
        ),
        ("word-100000", format!("Before {word} after.\n")),
        ("url-100000", format!("<https://example.com/{word}>\n")),
        ("table-500-columns", table),
        ("footnotes-10000", footnotes),
        ("stars-10000", "*".repeat(n) + "x\n"),
        ("stars-100000", "*".repeat(10 * n) + "x\n"),
        ("brackets-10000", "[".repeat(n) + "x\n"),
        ("brackets-100000", "[".repeat(10 * n) + "x\n"),
        ("link-openers-10000", "[a](".repeat(n) + "x\n"),
        ("underscores-stars-100000", "_*".repeat(5 * n) + "x\n"),
        ("angles-100000", "<a ".repeat(10 * n) + "x\n"),
        ("backticks-100000", "`".repeat(10 * n) + "x\n"),
        ("html-tags-100000", "<b>x</b>".repeat(10 * n) + "\n"),
        ("lines-100000", "word\n".repeat(10 * n)),
        ("paragraphs-100000", "word\n\n".repeat(10 * n)),
        ("headings-10000", "# Same\n\n".repeat(n)),
    ]
}

fn main() {
    let filter = std::env::args().nth(1).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("folio-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in cases() {
        if !name.contains(&filter) {
            continue;
        }
        let path = dir.join(format!("{name}.md"));
        std::fs::write(&path, &text).unwrap();
        run(name, &path, text.len());
        std::fs::remove_file(&path).unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

fn run(name: &str, path: &Path, bytes: usize) {
    let t = Instant::now();
    let loaded = match frontend::load(
        &frontend::Source::File(path.to_path_buf()),
        &LoadOptions::default(),
    ) {
        Ok(l) => l,
        Err(e) => {
            println!(
                "{name}: {bytes} bytes: error after {:.2} s: {e}",
                t.elapsed().as_secs_f64()
            );
            return;
        }
    };
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pdf = folio::pdf::render(&loaded.document);
    let pdf_time = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let epub = folio::epub::render(&loaded.document);
    let epub_time = t.elapsed().as_secs_f64();
    let kinds: std::collections::BTreeSet<String> =
        loaded.warnings.iter().map(|w| format!("{:?}", w.kind)).collect();
    println!(
        "{name}: {bytes} bytes: read {read:.2} s ({} warnings {kinds:?}); PDF {pdf_time:.2} s ({}); EPUB {epub_time:.2} s ({})",
        loaded.warnings.len(),
        match &pdf {
            Ok(r) => format!(
                "{} pages, {} bytes, {} layout warnings",
                r.pages,
                r.bytes.len(),
                r.warnings.len()
            ),
            Err(e) => format!("error: {e}"),
        },
        match &epub {
            Ok(b) => format!("{} bytes", b.len()),
            Err(e) => format!("error: {e}"),
        },
    );
}
