//! Helpers shared by the integration tests: finding validator tools (skip locally when one
//! is missing, fail in CI where FOLIO_REQUIRE_TOOLS=1), running the folio binary, writing
//! fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether `tool` can be run. Missing tools skip a test on a developer's machine; with
/// `FOLIO_REQUIRE_TOOLS=1` (CI) a missing tool fails the test instead.
pub fn require_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("FOLIO_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!("{tool} is required (FOLIO_REQUIRE_TOOLS=1) but not installed");
        }
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the folio binary in `cwd` with a fixed SOURCE_DATE_EPOCH.
pub fn folio(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("folio runs")
}

/// Runs a tool and returns its standard output (panics when it fails).
pub fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("tool runs");
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes a file, creating folders.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// Deterministic prose: `n` sentences of varied words, for fixtures that need volume.
pub fn prose(seed: usize, sentences: usize) -> String {
    const WORDS: [&str; 48] = [
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
        "is",
        "hyphenation",
        "page",
        "break",
        "reader",
        "column",
        "margin",
        "printing",
        "books",
        "careful",
        "composition",
        "letters",
        "in",
        "every",
        "good",
        "design",
        "balance",
        "rhythm",
        "to",
        "for",
        "long",
        "short",
        "readable",
        "serif",
        "font",
        "kerning",
        "ligature",
        "leading",
        "proportion",
        "document",
        "chapter",
        "section",
        "heading",
        "footnote",
    ];
    let mut state = seed as u64 * 2_654_435_761 + 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    for s in 0..sentences {
        let len = 8 + (next() % 14) as usize;
        for w in 0..len {
            let word = WORDS[(next() % WORDS.len() as u64) as usize];
            if w == 0 {
                let mut c = word.chars();
                let first = c.next().unwrap().to_uppercase().collect::<String>();
                out.push_str(&first);
                out.push_str(c.as_str());
            } else {
                out.push(' ');
                out.push_str(word);
            }
        }
        out.push('.');
        if s + 1 < sentences {
            out.push(' ');
        }
    }
    out
}
