//! Benchmark: highlight every fenced code block of a Markdown corpus.
//!
//! `cargo bench --bench highlight [-- DIR]` (a folder of Markdown files, e.g. a book's);
//! DIR defaults to `content/`. Blocks without a language are timed three ways: as
//! the export sees them (plain), guessed (`console` when the block starts with `$ `, else
//! `rust`), and all as `rust`, the worst case for a book about Rust.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use folio::highlight::{Line, highlight};

/// (fence language, code without its trailing newline) of every fenced block under `dir`.
fn blocks(dir: &PathBuf) -> std::io::Result<Vec<(Option<String>, String)>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)?;
        let mut open: Option<(Option<String>, String)> = None;
        for line in text.lines() {
            let fence = line.trim_start();
            if fence.starts_with("```") || fence.starts_with("~~~") {
                if let Some((lang, mut code)) = open.take() {
                    code.pop();
                    out.push((lang, code));
                } else {
                    let lang = fence[3..]
                        .split([',', ' ', '{'])
                        .next()
                        .filter(|l| !l.is_empty())
                        .map(str::to_string);
                    open = Some((lang, String::new()));
                }
            } else if let Some((_, code)) = open.as_mut() {
                code.push_str(line);
                code.push('\n');
            }
        }
    }
    Ok(out)
}

fn time_passes(runs: usize, mut pass: impl FnMut() -> usize) -> (Duration, Duration, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut spans = 0;
    for _ in 0..runs {
        let t = Instant::now();
        spans = std::hint::black_box(pass());
        times.push(t.elapsed());
    }
    times.sort();
    (times[0], times[runs / 2], spans)
}

/// How a benchmark mode picks a block's language from its fence language and code.
type LangOf = fn(&Option<String>, &str) -> Option<String>;

/// A language for a block without one: a terminal session, else Rust.
fn guess(code: &str) -> &'static str {
    if code.starts_with("$ ") { "console" } else { "rust" }
}

fn count(lines: &[Line]) -> usize {
    lines.iter().map(Vec::len).sum()
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map_or_else(|| PathBuf::from("content"), PathBuf::from);
    let blocks = match blocks(&dir) {
        Ok(b) if !b.is_empty() => b,
        _ => {
            println!("highlight bench: no corpus at {}, skipped", dir.display());
            return;
        }
    };
    let lines: usize = blocks.iter().map(|(_, c)| c.lines().count()).sum();
    let bytes: usize = blocks.iter().map(|(_, c)| c.len()).sum();
    let tagged = blocks.iter().filter(|(l, _)| l.is_some()).count();
    println!(
        "{}: {} code blocks ({tagged} with a language), {lines} lines, {bytes} bytes",
        dir.display(),
        blocks.len()
    );

    let modes: [(&str, LangOf); 3] = [
        ("as fenced", |l, _| l.clone()),
        ("guessed", |l, c| l.clone().or_else(|| Some(guess(c).to_string()))),
        ("all as rust", |_, _| Some("rust".to_string())),
    ];
    for (name, lang_of) in modes {
        let langs: Vec<Option<String>> = blocks.iter().map(|(l, c)| lang_of(l, c)).collect();
        // Sanity: the spans give back the code.
        for ((_, code), lang) in blocks.iter().zip(&langs) {
            let lines = highlight(code, lang.as_deref());
            let joined: Vec<String> = lines.iter().map(|l| l.iter().map(|s| s.text).collect()).collect();
            assert_eq!(&joined.join("\n"), code);
        }
        let (min, median, spans) = time_passes(30, || {
            blocks
                .iter()
                .zip(&langs)
                .map(|((_, code), lang)| count(&highlight(code, lang.as_deref())))
                .sum()
        });
        println!(
            "  {name:<12} min {:>8.2} ms  median {:>8.2} ms  ({spans} spans)",
            min.as_secs_f64() * 1e3,
            median.as_secs_f64() * 1e3
        );
    }
}
