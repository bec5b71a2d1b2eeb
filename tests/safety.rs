#![cfg(unix)]
//! Containment, safe output names, nothing lost, determinism: what the `folio` command reads,
//! where it writes, what it leaves behind when something fails, and that the same input gives
//! the same bytes wherever and however it runs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{folio, root, write};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every file under `dir` (relative paths, sorted), symbolic links not followed.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ty = e.file_type().unwrap();
            if ty.is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

fn png() -> Vec<u8> {
    std::fs::read(root().join("content/images/pipeline.png")).unwrap()
}

#[test]
fn chapters_outside_the_book_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let outside = write(dir.path(), "outside.md", "# Outside\n\nSecret text.\n");
    let book = dir.path().join("book");
    write(&book, "one.md", "# One\n\nText.\n");
    symlink(&outside, &book.join("linked.md"));
    let abs = outside.to_str().unwrap().to_string();
    for (chapter, shown) in [
        ("../outside.md", "../outside.md"),
        (abs.as_str(), abs.as_str()),
        ("linked.md", "linked.md"),
        ("sub/../../outside.md", "sub/../../outside.md"),
    ] {
        write(
            &book,
            "folio.toml",
            &format!("title = \"Book\"\nchapters = [\"one.md\", \"{chapter}\"]\n"),
        );
        let out = folio(&["export", "book", "-o", "out"], dir.path());
        assert_eq!(out.status.code(), Some(1), "{chapter}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("chapter {shown}")) && err.contains("--allow-outside"),
            "{chapter}: {err}"
        );
        assert!(!dir.path().join("out/book.pdf").exists());
    }
    write(
        &book,
        "folio.toml",
        "title = \"Book\"\nchapters = [\"one.md\", \"../outside.md\", \"linked.md\"]\n",
    );
    let out = folio(&["export", "--allow-outside", "book", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("out/book.pdf").exists());
}

#[test]
fn a_missing_chapter_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    write(
        &book,
        "folio.toml",
        "title = \"Book\"\nchapters = [\n  \"one.md\",\n  \"gone.md\",\n]\n",
    );
    write(&book, "one.md", "# One\n");
    let out = folio(&["export", "book", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("folio.toml:4") && err.contains("chapter gone.md"),
        "{err}"
    );
}

#[test]
fn documents_linked_from_outside_a_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let outside = write(dir.path(), "private/notes.md", "# Private\n\nSecret text.\n");
    let content = dir.path().join("content");
    write(&content, "a.md", "# A\n\nText.\n");
    symlink(&outside, &content.join("b.md"));
    let out = folio(&["export", "--epub", "content", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("b.md") && err.contains("--allow-outside"), "{err}");
    assert_eq!(
        files_under(&dir.path().join("out")),
        ["a.epub"],
        "the other document is exported"
    );
    let out = folio(
        &["export", "--epub", "--allow-outside", "content", "-o", "out"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(files_under(&dir.path().join("out")), ["a.epub", "private.epub"]);
}

#[test]
fn images_and_fonts_outside_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("outside.png"), png()).unwrap();
    let font = root()
        .join("fonts")
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ttf" || e == "otf"));
    let font = font.expect("a bundled font");
    std::fs::copy(&font, dir.path().join("outside.ttf")).unwrap();
    let doc = dir.path().join("doc");
    std::fs::create_dir_all(&doc).unwrap();
    symlink(&dir.path().join("outside.png"), &doc.join("linked.png"));
    symlink(&dir.path().join("outside.ttf"), &doc.join("linked.ttf"));
    let abs_png = dir.path().join("outside.png").to_string_lossy().into_owned();
    for (md, named) in [
        (
            "![x](../outside.png)\n".to_string(),
            "image ../outside.png".to_string(),
        ),
        (format!("![x]({abs_png})\n"), format!("image {abs_png}")),
        ("![x](linked.png)\n".to_string(), "image linked.png".to_string()),
        (
            "<img src=\"linked.png\">\n".to_string(),
            "image linked.png".to_string(),
        ),
        (
            "---\ncover: ../outside.png\n---\n\nText.\n".to_string(),
            "image ../outside.png".to_string(),
        ),
        (
            "---\npdf:\n  fonts:\n    regular: ../outside.ttf\n---\n\nText.\n".to_string(),
            "font ../outside.ttf".to_string(),
        ),
        (
            "---\npdf:\n  fonts:\n    regular: linked.ttf\n---\n\nText.\n".to_string(),
            "font linked.ttf".to_string(),
        ),
    ] {
        write(&doc, "doc.md", &format!("# Doc\n\n{md}"));
        let out = folio(&["export", "doc/doc.md", "-o", "out"], dir.path());
        assert_eq!(out.status.code(), Some(1), "{md}");
        let err = stderr(&out);
        assert!(
            err.contains(&named) && err.contains("outside the input folder"),
            "{md}: {err}"
        );
        let out = folio(
            &["export", "--allow-outside", "doc/doc.md", "-o", "out"],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{md}: {}", stderr(&out));
    }
}

#[test]
fn remote_images_are_never_fetched() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "doc.md",
        "# Doc\n\n![Remote logo](https://127.0.0.1:9/logo.png)\n\n<img src=\"http://127.0.0.1:9/x.png\" alt=\"HTML logo\">\n",
    );
    let out = folio(&["export", "doc.md", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("doc.md:3: remote image https://127.0.0.1:9/logo.png is not fetched"),
        "{err}"
    );
    assert!(err.contains("doc.md:5: remote image"), "{err}");
    let out = folio(&["export", "--strict", "doc.md", "-o", "strict"], dir.path());
    assert_eq!(out.status.code(), Some(1), "--strict refuses them");
}

#[test]
fn output_names_are_safe_and_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    let long = "Very long title ".repeat(40);
    let titles = [
        "../../escape",
        "/etc/passwd",
        "CON",
        "nul.txt",
        "a/b\\\\c",
        "tab\\there\\u0007bell\\u001b[31m",
        ".hidden",
        "...",
        long.as_str(),
        "Same Title",
        "Same Title",
        "same title",
    ];
    for (i, title) in titles.iter().enumerate() {
        write(
            &content,
            &format!("d{i:02}.md"),
            &format!("---\ntitle: \"{title}\"\n---\n\nText {i}.\n"),
        );
    }
    let out = folio(&["export", "content", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let names = files_under(&dir.path().join("out"));
    assert_eq!(
        names.len(),
        2 * titles.len(),
        "one PDF and one EPUB each: {names:?}"
    );
    for name in &names {
        assert!(!name.contains('/') && !name.starts_with('.'), "{name}");
        assert!(name.len() <= 90, "{name}");
        assert!(
            name.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.'),
            "{name}"
        );
        let stem = name.split('.').next().unwrap().to_ascii_lowercase();
        assert!(!["con", "nul", "prn", "aux"].contains(&stem.as_str()), "{name}");
    }
    assert!(names.contains(&"same-title.pdf".to_string()));
    assert!(names.contains(&"same-title-2.pdf".to_string()));
    assert!(names.contains(&"same-title-3.pdf".to_string()));
    // Nothing was written anywhere else.
    let mut written = files_under(dir.path());
    written.retain(|p| !p.starts_with("out/") && !p.starts_with("content/"));
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn a_failing_document_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    write(&content, "a.md", "# Alpha\n\nText.\n");
    write(&content, "b.md", "# Beta\n\nText.\n");
    write(&content, "c.md", "# Gamma\n\nText.\n");
    let out = folio(&["export", "content", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before: Vec<(String, Vec<u8>)> = files_under(&dir.path().join("out"))
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.path().join("out").join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    assert_eq!(before.len(), 6);
    // b.md breaks; a.md and c.md change.
    std::fs::write(content.join("b.md"), b"# Beta\n\nBroken \xff text.\n").unwrap();
    write(&content, "a.md", "# Alpha\n\nNew text.\n");
    write(&content, "c.md", "# Gamma\n\nNew text.\n");
    let out = folio(&["export", "content", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("b.md: not valid UTF-8"), "{err}");
    assert!(
        err.contains("1 failed") && err.contains("content/b.md"),
        "the summary names it: {err}"
    );
    let after = files_under(&dir.path().join("out"));
    assert_eq!(
        after,
        before.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        "no temporary files"
    );
    for (name, bytes) in &before {
        let now = std::fs::read(dir.path().join("out").join(name)).unwrap();
        if name.starts_with("beta") {
            assert_eq!(&now, bytes, "{name}: the good output is untouched");
        } else {
            assert_ne!(&now, bytes, "{name}: re-exported");
        }
    }
}

#[test]
fn a_failed_write_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "doc.md", "# Doc\n\nText.\n");
    // The PDF's name is taken by a folder: the rename fails, the EPUB is still written.
    std::fs::create_dir_all(dir.path().join("out/doc.pdf/inside")).unwrap();
    let out = folio(&["export", "doc.md", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("doc.pdf"), "{}", stderr(&out));
    let names = files_under(&dir.path().join("out"));
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
    assert!(
        dir.path().join("out/doc.pdf/inside").is_dir(),
        "the folder is untouched"
    );
}

#[test]
fn planted_temporary_files_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "doc.md", "# Doc\n\nText.\n");
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let victim = write(dir.path(), "victim.txt", "precious");
    // Links in the output folder under every name a temporary file could take, and under
    // the output's own name: the output replaces its link; the victim is never written.
    for pid in 0..64u32 {
        let _ = std::os::unix::fs::symlink(&victim, out_dir.join(format!(".doc.pdf.{pid}.tmp")));
    }
    symlink(&victim, &out_dir.join("doc.pdf"));
    let out = folio(&["export", "--pdf", "doc.md", "-o", "out"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let pdf = out_dir.join("doc.pdf");
    assert!(!pdf.symlink_metadata().unwrap().file_type().is_symlink());
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
}

/// Exports `input` from `cwd` with the given environment; returns the output files' bytes.
fn export_bytes(input: &str, cwd: &Path, out: &Path, env: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
    cmd.args(["export", input, "-o", out.to_str().unwrap()])
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1700000000");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let result = cmd.output().unwrap();
    assert!(result.status.success(), "{}", stderr(&result));
    files_under(out)
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(out.join(&n)).unwrap();
            (n, bytes)
        })
        .collect()
}

#[test]
fn the_same_input_gives_the_same_bytes_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("book");
    std::fs::create_dir_all(book.join("img")).unwrap();
    std::fs::write(book.join("img/p.png"), png()).unwrap();
    write(
        &book,
        "folio.toml",
        "title = \"Same\"\nchapters = [\"a.md\", \"b.md\"]\n",
    );
    let mut a = String::from("# A\n\n");
    for i in 0..40 {
        a.push_str(&format!(
            "{}[^n{i}]\n\n[^n{i}]: Note {i}.\n\n",
            common::prose(i, 8)
        ));
    }
    write(&book, "a.md", &a);
    write(
        &book,
        "b.md",
        "# B\n\n![P](img/p.png)\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```rust\nfn main() {}\n```\n",
    );
    let reference = export_bytes("book", dir.path(), &dir.path().join("o1"), &[]);
    assert_eq!(reference.len(), 2);
    // Other thread counts.
    for threads in ["1", "2", "7"] {
        let out = dir.path().join(format!("t{threads}"));
        let got = export_bytes(
            "book",
            dir.path(),
            &out,
            &[("RAYON_NUM_THREADS", threads), ("FOLIO_THREADS", threads)],
        );
        assert!(got == reference, "RAYON_NUM_THREADS={threads} changed the bytes");
    }
    // Another working directory, an absolute input path.
    let elsewhere = dir.path().join("elsewhere/deeper");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let got = export_bytes(book.to_str().unwrap(), &elsewhere, &dir.path().join("o2"), &[]);
    assert!(got == reference, "the working directory changed the bytes");
    // A copy of the book in another folder.
    let copy = dir.path().join("copy/of/the/book");
    copy_dir(&book, &copy);
    let got = export_bytes(copy.to_str().unwrap(), dir.path(), &dir.path().join("o3"), &[]);
    assert!(got == reference, "the input's location changed the bytes");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target: PathBuf = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Runs folio with a watchdog: a hang (here, a deadlock) fails the test instead of stalling it.
fn folio_within(args: &[&str], cwd: &Path, env: &[(&str, &str)], limit: std::time::Duration) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
    cmd.args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("folio {args:?} with {env:?} did not finish: hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_folder_of_illustrated_documents_exports_on_any_number_of_threads() {
    // Several documents, each with several images: documents are rendered on the worker
    // threads, and each prepares its images in parallel on the same pool. This deadlocked
    // when rendering waited for a thread of its own that queued work in the pool.
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    for i in 0..4 {
        for j in 0..3 {
            std::fs::write(docs.join(format!("p{i}-{j}.png")), png()).unwrap();
        }
        write(
            &docs,
            &format!("doc{i}.md"),
            &format!(
                "# Document {i}\n\n![One](p{i}-0.png)\n\nText.\n\n![Two](p{i}-1.png)\n\n![Three](p{i}-2.png)\n"
            ),
        );
    }
    for threads in ["1", "2", "3"] {
        let out = format!("out{threads}");
        let result = folio_within(
            &["export", "-q", "docs", "-o", &out],
            dir.path(),
            &[("RAYON_NUM_THREADS", threads)],
            std::time::Duration::from_secs(120),
        );
        assert!(result.status.success(), "{}", stderr(&result));
        assert_eq!(files_under(&dir.path().join(&out)).len(), 8, "{threads} threads");
    }
}
