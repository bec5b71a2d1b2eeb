//! Whole-export benchmark: runs the real `folio` binary several times on an input and prints
//! the median wall time and peak memory, beside Typst (PDF) and Pandoc (EPUB) on the same
//! content when they are installed, as ratios measured in the same run.
//!
//! ```text
//! cargo bench --bench export -- DIR                 folio vs Typst vs Pandoc on DIR
//! cargo bench --bench export -- --scaling DIR       DIR (a book) repeated 1, 2, 4 and 8 times
//! cargo bench --bench export -- --articles N DIR..  N generated articles made from the
//!                                                   Markdown files of the given folders
//! options: --runs N (default 5)
//! ```
//! Peers: Pandoc from PATH or from PyPI's `pypandoc-binary`; Typst from PATH or PyPI's
//! `typst` (`pip install typst pypandoc-binary`). Peak memory needs GNU time (`/usr/bin/time`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One measured command: median seconds and largest peak resident memory (MB).
struct Measure {
    seconds: f64,
    peak_mb: Option<f64>,
}

fn measure(program: &str, args: &[String], runs: usize, envs: &[(&str, &str)]) -> Option<Measure> {
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut times = Vec::new();
    let mut peak: Option<f64> = None;
    for _ in 0..runs {
        let started = std::time::Instant::now();
        let output = if gnu_time {
            let mut cmd = Command::new("/usr/bin/time");
            cmd.arg("-f").arg("@@%M").arg(program).args(args);
            for (k, v) in envs {
                cmd.env(k, v);
            }
            cmd.output().ok()?
        } else {
            let mut cmd = Command::new(program);
            cmd.args(args);
            for (k, v) in envs {
                cmd.env(k, v);
            }
            cmd.output().ok()?
        };
        let elapsed = started.elapsed().as_secs_f64();
        if !output.status.success() {
            eprintln!(
                "  {program} failed: {}",
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            return None;
        }
        times.push(elapsed);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if let Some(kb) = stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("@@"))
            .and_then(|v| v.trim().parse::<f64>().ok())
        {
            peak = Some(peak.unwrap_or(0.0).max(kb / 1024.0));
        }
    }
    times.sort_by(f64::total_cmp);
    Some(Measure {
        seconds: times[times.len() / 2],
        peak_mb: peak,
    })
}

fn folio_bin() -> String {
    env!("CARGO_BIN_EXE_folio").to_string()
}

/// Pandoc's path: on PATH, or inside PyPI's pypandoc-binary.
fn pandoc() -> Option<String> {
    if Command::new("pandoc")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some("pandoc".into());
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import pypandoc, os; print(os.path.join(os.path.dirname(pypandoc.__file__), 'files', 'pandoc'))",
        ])
        .output()
        .ok()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Path::new(&path).exists().then_some(path)
}

/// How to run Typst: the CLI, or PyPI's `typst` module.
fn typst() -> Option<(String, Vec<String>)> {
    if Command::new("typst")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some(("typst".into(), vec!["compile".into()]));
    }
    let ok = Command::new("python3")
        .args(["-c", "import typst"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then(|| {
        (
            "python3".into(),
            vec![
                "-c".into(),
                "import sys, typst; typst.compile(sys.argv[1], output=sys.argv[2])".into(),
            ],
        )
    })
}

/// The Markdown files of an input, in reading order (a book's chapters, or a folder's files).
fn markdown_files(input: &Path) -> Vec<PathBuf> {
    let sources = folio::frontend::discover(input).expect("input");
    let mut files = Vec::new();
    for source in sources {
        let root = match &source {
            folio::frontend::Source::Book(dir) => dir.clone(),
            folio::frontend::Source::File(f) => f.parent().unwrap_or(Path::new(".")).to_path_buf(),
        };
        if let Ok(loaded) = folio::frontend::load(&source, &Default::default()) {
            files.extend(loaded.document.files.iter().map(|f| root.join(f)));
        }
    }
    files
}

/// A scratch folder in the temporary directory, removed when dropped (a run of the articles
/// benchmark leaves some 450 MB of output otherwise).
struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch(name: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!("folio-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

fn ratio(peer: &Measure, ours: &Measure) -> String {
    let time = peer.seconds / ours.seconds;
    let mem = match (peer.peak_mb, ours.peak_mb) {
        (Some(p), Some(o)) => format!(", memory {:.1}x", p / o),
        _ => String::new(),
    };
    format!("folio is {time:.1}x faster{mem}")
}

fn line(label: &str, m: &Measure) {
    let mem = m
        .peak_mb
        .map(|p| format!("{p:7.0} MB"))
        .unwrap_or_else(|| "      ?".into());
    println!("  {label:<28} {:8.3} s  {mem}", m.seconds);
}

fn compare(input: &Path, runs: usize) {
    let out = scratch("out");
    let input_s = input.to_string_lossy().to_string();
    let out_s = out.to_string_lossy().to_string();
    println!(
        "{} ({runs} runs each, median wall time, peak memory)",
        input.display()
    );
    let folio = folio_bin();
    let export = |format: &str| -> Vec<String> {
        ["export", format, "-q", &input_s, "-o", &out_s]
            .map(String::from)
            .to_vec()
    };
    let pdf = measure(&folio, &export("--pdf"), runs, &[]);
    let epub = measure(&folio, &export("--epub"), runs, &[]);
    if let Some(m) = &pdf {
        line("folio PDF", m);
    }
    if let Some(m) = &epub {
        line("folio EPUB", m);
    }
    // Absolute paths: the Typst conversion below runs inside the input folder.
    let files: Vec<String> = markdown_files(input)
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let Some(pandoc) = pandoc() else {
        println!("  (Pandoc not found: pip install pypandoc-binary; Typst needs it too)");
        return;
    };
    let resource_dir = if input.is_dir() {
        input.to_path_buf()
    } else {
        input.parent().unwrap_or(Path::new(".")).to_path_buf()
    };
    let mut args = vec![
        "-f".into(),
        "markdown".into(),
        "--resource-path".into(),
        resource_dir.to_string_lossy().to_string(),
        "-o".into(),
        out.join("pandoc.epub").to_string_lossy().to_string(),
    ];
    args.extend(files.iter().cloned());
    if let Some(m) = measure(&pandoc, &args, runs, &[]) {
        line("Pandoc EPUB", &m);
        if let Some(ours) = &epub {
            println!("    EPUB: {}", ratio(&m, ours));
        }
    }
    let Some((typst, typst_args)) = typst() else {
        println!("  (Typst not found: pip install typst)");
        return;
    };
    // Pandoc makes Typst's input once (not timed); same page size as folio's default.
    let typ = out.join("book.typ");
    let mut conv = vec![
        "-f".into(),
        "markdown".into(),
        "-t".into(),
        "typst".into(),
        "-o".into(),
        typ.to_string_lossy().to_string(),
    ];
    conv.extend(files.iter().cloned());
    if !Command::new(&pandoc)
        .args(&conv)
        .current_dir(&resource_dir)
        .status()
        .is_ok_and(|s| s.success())
    {
        println!("  (Pandoc could not make Typst input)");
        return;
    }
    let body = std::fs::read_to_string(&typ).unwrap_or_default();
    let typ_in = resource_dir.join(format!(".folio-bench-{}.typ", std::process::id()));
    let header = "#set page(paper: \"a4\")\n#set text(lang: \"en\", hyphenate: true)\n#set par(justify: true)\n#let horizontalrule = line(length: 100%)\n";
    if std::fs::write(&typ_in, format!("{header}{body}")).is_err() {
        // A read-only input folder: compile from the scratch folder (images may be missing).
        std::fs::write(out.join("in.typ"), format!("{header}{body}")).unwrap();
    }
    let source = if typ_in.exists() {
        typ_in.clone()
    } else {
        out.join("in.typ")
    };
    let mut args = typst_args.clone();
    args.push(source.to_string_lossy().to_string());
    args.push(out.join("typst.pdf").to_string_lossy().to_string());
    if let Some(m) = measure(&typst, &args, runs, &[]) {
        line("Typst PDF", &m);
        if let Some(ours) = &pdf {
            println!("    PDF: {}", ratio(&m, ours));
        }
    }
    let _ = std::fs::remove_file(&typ_in);
}

/// The book in `input` with its chapters repeated `times` times, in a scratch folder.
fn repeated_book(input: &Path, times: usize) -> Scratch {
    let dir = scratch(&format!("x{times}"));
    let files = markdown_files(input);
    let mut chapters = Vec::new();
    for k in 0..times {
        for f in &files {
            let name = format!("r{k}-{}", f.file_name().unwrap().to_string_lossy());
            std::fs::copy(f, dir.join(&name)).unwrap();
            chapters.push(format!("\"{name}\""));
        }
    }
    // Images beside the text: linked, not copied.
    for entry in std::fs::read_dir(input).unwrap().flatten() {
        if entry.path().is_dir() {
            let _ = std::os::unix::fs::symlink(entry.path(), dir.join(entry.file_name()));
        }
    }
    std::fs::write(
        dir.join("folio.toml"),
        format!(
            "title = \"Repeated {times}x\"\nchapters = [{}]\n",
            chapters.join(", ")
        ),
    )
    .unwrap();
    dir
}

fn scaling(input: &Path, runs: usize) {
    println!(
        "scaling: {} repeated 1, 2, 4 and 8 times (PDF and EPUB, median of {runs})",
        input.display()
    );
    let out = scratch("scale-out");
    let mut base: Option<(f64, f64)> = None;
    for times in [1, 2, 4, 8] {
        let book = repeated_book(input, times);
        let args: Vec<String> = vec![
            "export".into(),
            "-q".into(),
            "--allow-outside".into(),
            book.to_string_lossy().to_string(),
            "-o".into(),
            out.to_string_lossy().to_string(),
        ];
        if let Some(m) = measure(&folio_bin(), &args, runs, &[]) {
            let (t1, m1) = *base.get_or_insert((m.seconds, m.peak_mb.unwrap_or(0.0)));
            println!(
                "  {times}x: {:7.3} s ({:.2}x the 1x time)  {:6.0} MB ({:.2}x)",
                m.seconds,
                m.seconds / t1,
                m.peak_mb.unwrap_or(0.0),
                m.peak_mb.unwrap_or(0.0) / m1.max(1.0)
            );
        }
        drop(book);
    }
}

fn articles(count: usize, sources: &[PathBuf], runs: usize) {
    let mut texts = Vec::new();
    for dir in sources {
        for f in markdown_files(dir) {
            if let Ok(t) = std::fs::read_to_string(&f) {
                // Front matter of the source is dropped; each article gets its own.
                let body = match t.strip_prefix("---\n").and_then(|r| r.split_once("\n---\n")) {
                    Some((_, body)) => body.to_string(),
                    None => t,
                };
                texts.push(body);
            }
        }
    }
    if texts.is_empty() {
        println!("articles: no Markdown found in {sources:?}");
        return;
    }
    let dir = scratch("articles");
    for i in 0..count {
        let body = &texts[i % texts.len()];
        let text = format!("---\ntitle: Article {i}\nlang: en\npublisher: Bench News\n---\n\n{body}");
        std::fs::write(dir.join(format!("article-{i:04}.md")), text).unwrap();
    }
    let out = scratch("articles-out");
    let args: Vec<String> = vec![
        "export".into(),
        "-q".into(),
        dir.to_string_lossy().to_string(),
        "-o".into(),
        out.to_string_lossy().to_string(),
    ];
    if let Some(m) = measure(&folio_bin(), &args, runs, &[]) {
        println!(
            "articles: {count} documents (PDF and EPUB each) in {:.2} s: {:.0} articles/s, peak {:.0} MB",
            m.seconds,
            count as f64 / m.seconds,
            m.peak_mb.unwrap_or(0.0)
        );
    }
    drop(dir);
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let mut runs = 5;
    if let Some(i) = args.iter().position(|a| a == "--runs") {
        runs = args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or(5);
        args.drain(i..(i + 2).min(args.len()));
    }
    match args.first().map(String::as_str) {
        Some("--scaling") => match args.get(1) {
            Some(dir) => scaling(Path::new(dir), runs),
            None => println!("--scaling needs a book folder"),
        },
        Some("--articles") => {
            let count = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
            let sources: Vec<PathBuf> = args.iter().skip(2).map(PathBuf::from).collect();
            let sources = if sources.is_empty() {
                vec![PathBuf::from("content")]
            } else {
                sources
            };
            articles(count, &sources, runs.min(3));
        }
        Some(dir) => compare(Path::new(dir), runs),
        None => compare(Path::new("content"), runs),
    }
}
