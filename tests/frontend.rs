//! Markdown → model: the content/ documents, every construct of the feature tour, and the
//! errors and warnings the front end reports (through the library and through the CLI).

use std::path::{Path, PathBuf};
use std::process::Command;

use folio::frontend::{self, LoadOptions, Source};
use folio::model::text::plain_text;
use folio::model::{Align, Block, BlockKind, Document, ImageFormat, Inline, LinkTarget, visit_blocks};
use folio::{Error, WarningKind};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(path: &Path) -> frontend::Loaded {
    let sources = frontend::discover(path).unwrap();
    assert_eq!(sources.len(), 1, "{path:?}");
    frontend::load(&sources[0], &LoadOptions::default()).unwrap()
}

fn load_err(path: &Path) -> Error {
    let sources = frontend::discover(path).unwrap();
    frontend::load(&sources[0], &LoadOptions::default()).unwrap_err()
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn folio(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap()
}

/// Every inline of a block list, flattened, in order.
fn all_inlines(blocks: &[Block]) -> Vec<Inline> {
    fn push(inlines: &[Inline], out: &mut Vec<Inline>) {
        for i in inlines {
            out.push(i.clone());
            match i {
                Inline::Emphasis { content }
                | Inline::Strong { content }
                | Inline::Strikethrough { content }
                | Inline::Superscript { content }
                | Inline::Subscript { content }
                | Inline::Link { content, .. } => push(content, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    visit_blocks(blocks, &mut |b| match &b.kind {
        BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => push(content, &mut out),
        BlockKind::Figure { caption, .. } => push(caption, &mut out),
        BlockKind::Table { head, rows, .. } => {
            for cell in head.iter().chain(rows.iter().flatten()) {
                push(cell, &mut out);
            }
        }
        BlockKind::DefinitionList { items } => {
            for item in items {
                push(&item.term, &mut out);
            }
        }
        _ => {}
    });
    out
}

#[test]
fn seed_article_is_kept_word_for_word() {
    let seed = std::fs::read_to_string(root().join("tests/fixtures/seed-article.txt")).unwrap();
    let lines: Vec<&str> = seed.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    // Site chrome and the repeated title lines come first.
    assert_eq!(lines[0], "Halaman Resmi Terkini");
    assert_eq!(lines[1], "Loading");
    let body = &lines[5..];

    let loaded = load(&root().join("content/sco-defense-summit.md"));
    let doc = &loaded.document;
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(doc.meta.title, lines[2]);
    assert_eq!(doc.meta.lang, "en");
    assert_eq!(doc.meta.publisher.as_deref(), Some("Halaman Resmi Terkini"));
    assert!(doc.meta.description.is_some());
    assert!(!doc.meta.keywords.is_empty());

    let mut texts = Vec::new();
    for block in &doc.chapters[0].blocks {
        match &block.kind {
            BlockKind::Heading { level, content, .. } => {
                assert_eq!(*level, 2, "section headings are level 2");
                texts.push(plain_text(content));
            }
            BlockKind::Paragraph { content } => texts.push(plain_text(content)),
            other => panic!("unexpected block {other:?}"),
        }
    }
    assert_eq!(
        texts, body,
        "every heading and paragraph, word for word, in order"
    );
}

#[test]
fn feature_tour_holds_every_construct() {
    let loaded = load(&root().join("content/feature-tour.md"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let doc: &Document = &loaded.document;
    let blocks = &doc.chapters[0].blocks;

    let mut kinds = Vec::new();
    let mut list_starts = Vec::new();
    let mut nested_list = false;
    let mut tasks = Vec::new();
    let mut loose_list = false;
    let mut code_langs = Vec::new();
    let mut quote_nested = false;
    let mut aligns = Vec::new();
    let mut figures = Vec::new();
    let mut definitions = 0;
    visit_blocks(blocks, &mut |b| {
        kinds.push(std::mem::discriminant(&b.kind));
        match &b.kind {
            BlockKind::List { start, items, tight } => {
                list_starts.push(*start);
                loose_list |= !tight;
                for item in items {
                    if let Some(t) = item.task {
                        tasks.push(t);
                    }
                    nested_list |= item
                        .blocks
                        .iter()
                        .any(|b| matches!(b.kind, BlockKind::List { .. }));
                }
            }
            BlockKind::CodeBlock { lang, .. } => code_langs.push(lang.clone()),
            BlockKind::BlockQuote { blocks, .. } => {
                quote_nested |= blocks
                    .iter()
                    .any(|b| matches!(b.kind, BlockKind::BlockQuote { .. }))
            }
            BlockKind::Table {
                aligns: a,
                head,
                rows,
            } => {
                aligns = a.clone();
                assert_eq!(head.len(), 4);
                assert_eq!(rows.len(), 3);
            }
            BlockKind::Figure { image, caption, .. } => figures.push((*image, plain_text(caption))),
            BlockKind::DefinitionList { items } => {
                definitions = items.len();
                assert_eq!(items[1].definitions.len(), 2, "a term with two definitions");
            }
            _ => {}
        }
    });
    assert!(
        list_starts.contains(&Some(7)),
        "ordered list starting at 7: {list_starts:?}"
    );
    assert!(list_starts.contains(&None));
    assert!(nested_list && loose_list);
    assert_eq!(tasks, [true, true, false]);
    assert_eq!(code_langs, [Some("rust".to_string()), Some("python".to_string())]);
    assert!(quote_nested);
    assert_eq!(aligns, [Align::Left, Align::Right, Align::Center, Align::None]);
    assert_eq!(definitions, 2);
    assert_eq!(figures.len(), 2);
    assert_eq!(doc.images[figures[0].0].format, ImageFormat::Png);
    assert!(
        figures[0].1.starts_with("Markdown is read once"),
        "caption from the title"
    );
    assert_eq!(doc.images[figures[1].0].format, ImageFormat::Svg);
    assert!(
        figures[1].1.starts_with("A page with its text block"),
        "caption from the alt text"
    );
    let has = |pred: &dyn Fn(&BlockKind) -> bool| blocks.iter().any(|b| pred(&b.kind));
    assert!(has(&|k| matches!(k, BlockKind::ThematicBreak)));
    assert!(has(&|k| matches!(k, BlockKind::Math { .. })));
    assert!(has(
        &|k| matches!(k, BlockKind::Heading { id, .. } if id == "definitions")
    ));

    let inlines = all_inlines(blocks);
    let any = |pred: &dyn Fn(&Inline) -> bool| inlines.iter().any(pred);
    assert!(any(&|i| matches!(i, Inline::Emphasis { .. })));
    assert!(any(&|i| matches!(i, Inline::Strong { .. })));
    assert!(any(&|i| matches!(i, Inline::Strikethrough { .. })));
    assert!(any(&|i| matches!(i, Inline::Superscript { .. })));
    assert!(any(&|i| matches!(i, Inline::Subscript { .. })));
    assert!(any(&|i| matches!(i, Inline::Code { .. })));
    assert!(any(&|i| matches!(i, Inline::Math { .. })));
    assert!(any(&|i| matches!(i, Inline::LineBreak)));
    assert!(any(
        &|i| matches!(i, Inline::Link { target: LinkTarget::External { url }, .. } if url.starts_with("https://"))
    ));
    assert!(any(
        &|i| matches!(i, Inline::Link { target: LinkTarget::Internal { id, .. }, .. } if id == "code-in-two-languages")
    ));
    let refs: Vec<u32> = inlines
        .iter()
        .filter_map(|i| match i {
            Inline::FootnoteRef { number } => Some(*number),
            _ => None,
        })
        .collect();
    assert_eq!(refs, [1, 2]);
    assert_eq!(doc.footnotes.len(), 2);
    assert_eq!(doc.footnotes[0].label, "knuth");
    assert!(!doc.footnotes[1].blocks.is_empty());
    let text: String = inlines
        .iter()
        .filter_map(|i| match i {
            Inline::Text { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    for mark in ['“', '”', '‘', '’', '–', '—', '…'] {
        assert!(text.contains(mark), "smart punctuation {mark}");
    }
}

#[test]
fn golden_inspect_json() {
    for name in ["feature-tour", "sco-defense-summit"] {
        let out = folio(&["inspect", &format!("content/{name}.md")], &root());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let golden = root().join(format!("tests/golden/{name}.json"));
        let actual = String::from_utf8(out.stdout).unwrap();
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            std::fs::write(&golden, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&golden).expect("golden file (UPDATE_GOLDEN=1 writes it)");
        assert!(
            actual == expected,
            "{name}: inspect output differs from {golden:?}"
        );
    }
}

#[test]
fn heading_ids_are_unique_and_stable() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "a.md",
        b"# Intro\n\n## Intro\n\n## Intro {#intro-1}\n\n## 3 Things\n\n[x](#intro-2) [y](#s3-things)\n",
    );
    let doc = load(&md).document;
    let ids: Vec<String> = doc.headings().iter().map(|h| h.id.to_string()).collect();
    assert_eq!(ids, ["intro", "intro-1", "intro-1-1", "s3-things"]);
    let again = load(&md).document;
    let ids2: Vec<String> = again.headings().iter().map(|h| h.id.to_string()).collect();
    assert_eq!(ids, ids2);
}

#[test]
fn links_resolve_across_book_chapters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "folio.toml",
        b"title = \"B\"\nchapters = [\"one.md\", \"two.md\"]\n",
    );
    write(
        dir.path(),
        "one.md",
        b"# One\n\nSee [two](two.md), [its part](two.md#part) and [html](two.html#part).\n",
    );
    write(
        dir.path(),
        "two.md",
        b"# Two\n\n## Part\n\nBack to [one](one.md#one) or [nowhere](#nope).\n",
    );
    let loaded = load(dir.path());
    let doc = loaded.document;
    assert_eq!(doc.chapters.len(), 2);
    let targets: Vec<LinkTarget> = doc
        .chapters
        .iter()
        .flat_map(|c| all_inlines(&c.blocks))
        .filter_map(|i| match i {
            Inline::Link { target, .. } => Some(target),
            _ => None,
        })
        .collect();
    assert_eq!(
        targets[0],
        LinkTarget::Internal {
            chapter: 1,
            id: doc.chapters[1].id.clone()
        }
    );
    assert_eq!(
        targets[1],
        LinkTarget::Internal {
            chapter: 1,
            id: "part".into()
        }
    );
    assert_eq!(targets[2], targets[1]);
    assert_eq!(
        targets[3],
        LinkTarget::Internal {
            chapter: 0,
            id: "one".into()
        }
    );
    assert!(matches!(targets[4], LinkTarget::Unresolved { .. }));
    let dangling: Vec<_> = loaded
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::DanglingLink)
        .collect();
    assert_eq!(dangling.len(), 1);
    assert_eq!(dangling[0].file, "two.md");
    assert_eq!(dangling[0].line, Some(5));
}

#[test]
fn book_chapters_follow_folio_toml_order() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "folio.toml",
        b"title = \"B\"\nauthors = [\"A\"]\nchapters = [\"b.md\", \"a.md\"]\n",
    );
    write(dir.path(), "a.md", b"# Alpha\n\nText.\n");
    write(dir.path(), "b.md", b"# Beta\n\nText.\n");
    let doc = load(dir.path()).document;
    let titles: Vec<&str> = doc.chapters.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(titles, ["Beta", "Alpha"]);
    assert_eq!(doc.meta.title, "B");
    assert_eq!(doc.meta.authors, ["A"]);
}

#[test]
fn title_falls_back_to_heading_then_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let with_heading = write(dir.path(), "x.md", b"Intro text.\n\n# The Heading\n");
    assert_eq!(load(&with_heading).document.meta.title, "The Heading");
    let bare = write(dir.path(), "my-notes.md", b"Just text.\n");
    let doc = load(&bare).document;
    assert_eq!(doc.meta.title, "my-notes");
    assert_eq!(doc.slug, "my-notes");
}

#[test]
fn images_are_shared_and_measured_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("sub/img")).unwrap();
    std::fs::copy(
        root().join("content/images/pipeline.png"),
        dir.path().join("sub/img/p.png"),
    )
    .unwrap();
    let md = write(
        dir.path(),
        "sub/doc.md",
        b"![a](img/p.png)\n\nAgain: ![b](./img/p.png)\n",
    );
    let doc = load(&md).document;
    assert_eq!(doc.images.len(), 1);
    assert_eq!(doc.images[0].format, ImageFormat::Png);
    assert_eq!((doc.images[0].width, doc.images[0].height), (480.0, 240.0));
}

#[test]
fn raw_html_maps_simple_tags_and_warns_about_others() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "h.md",
        b"Text <em>em</em> <sup>1</sup> <kbd>ctrl</kbd> <b>b</b><br>end <blink>x</blink> Option<T>.\n\n<script>alert(1)</script>\n\n<div dir=\"rtl\">\n\n\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7\n\n</div>\n",
    );
    let loaded = load(&md);
    let blocks = &loaded.document.chapters[0].blocks;
    let inlines = all_inlines(blocks);
    assert!(inlines.iter().any(|i| matches!(i, Inline::Emphasis { .. })));
    assert!(inlines.iter().any(|i| matches!(i, Inline::Superscript { .. })));
    assert!(
        inlines
            .iter()
            .any(|i| matches!(i, Inline::Code { code } if code == "ctrl"))
    );
    assert!(inlines.iter().any(|i| matches!(i, Inline::LineBreak)));
    let text = plain_text(match &blocks[0].kind {
        BlockKind::Paragraph { content } => content,
        other => panic!("{other:?}"),
    });
    assert!(text.contains(" x Option<T>."), "{text}");
    assert!(
        !format!("{blocks:?}").contains("alert"),
        "script content is removed"
    );
    assert!(matches!(
        blocks.last().unwrap().kind,
        BlockKind::Division {
            dir: Some(folio::model::Direction::Rtl),
            ..
        }
    ));
    let html_warnings: Vec<_> = loaded
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::UnsupportedHtml)
        .collect();
    assert_eq!(html_warnings.len(), 2, "{html_warnings:?}");
    assert!(
        html_warnings
            .iter()
            .any(|w| w.message.contains("<blink>") && w.line == Some(1))
    );
    assert!(
        html_warnings
            .iter()
            .any(|w| w.message.contains("<script>") && w.line == Some(3))
    );
}

#[test]
fn warnings_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "w.md",
        b"---\ntitle: T\nsubtitel: typo\n---\n\nA ![missing](nope.png) image.\n\nA [link](#nowhere).\n\n[^unused]: never referenced\n",
    );
    let loaded = load(&md);
    let find = |kind: WarningKind| {
        loaded
            .warnings
            .iter()
            .find(|w| w.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} in {:?}", loaded.warnings))
            .clone()
    };
    let w = find(WarningKind::UnknownKey);
    assert_eq!((w.file.as_str(), w.line), ("w.md", Some(3)));
    let w = find(WarningKind::MissingImage);
    assert_eq!(w.line, Some(6));
    assert!(w.to_string().starts_with("w.md:6: "), "{w}");
    assert_eq!(find(WarningKind::DanglingLink).line, Some(8));
    assert_eq!(find(WarningKind::UnusedFootnote).line, Some(10));
    let doc = loaded.document;
    let image = &doc.images[0];
    assert_eq!(image.format, ImageFormat::Missing);
}

#[test]
fn remote_images_are_never_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "r.md", b"![logo](https://example.com/logo.png)\n");
    let loaded = load(&md);
    assert!(loaded.warnings.iter().any(|w| w.kind == WarningKind::RemoteImage));
    assert_eq!(loaded.document.images[0].format, ImageFormat::Missing);
}

#[test]
fn errors_name_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.md", b"line one\nline two \xff\xfe\n");
    match load_err(&bad) {
        Error::InvalidUtf8 { offset, line, .. } => assert_eq!((offset, line), (18, 2)),
        other => panic!("{other}"),
    }
    let typed = write(
        dir.path(),
        "typed.md",
        b"---\ntitle: ok\nkeywords: {a: 1}\n---\nx\n",
    );
    let msg = load_err(&typed).to_string();
    assert!(msg.contains("typed.md:3") && msg.contains("`keywords`"), "{msg}");
    let yaml = write(dir.path(), "yaml.md", b"---\ntitle: [unclosed\n---\nx\n");
    assert!(load_err(&yaml).to_string().contains("yaml.md:"));

    let book = dir.path().join("book");
    write(
        &book,
        "folio.toml",
        b"title = \"B\"\nchapters = [\"one.md\", \"gone.md\"]\n",
    );
    write(&book, "one.md", b"# One\n");
    let msg = load_err(&book).to_string();
    assert!(msg.contains("folio.toml:2") && msg.contains("gone.md"), "{msg}");
    write(
        &book,
        "folio.toml",
        b"title = \"B\"\nchapters = [\"one.md\"]\ncolour = \"red\"\n",
    );
    let msg = load_err(&book).to_string();
    assert!(msg.contains("folio.toml:3") && msg.contains("`colour`"), "{msg}");
}

#[test]
fn bom_crlf_and_nul_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "c.md",
        b"\xef\xbb\xbf# Title\r\n\r\nOne\r\ntwo\x00three\r\n",
    );
    let doc = load(&md).document;
    assert_eq!(doc.meta.title, "Title");
    let text = plain_text(match &doc.chapters[0].blocks[1].kind {
        BlockKind::Paragraph { content } => content,
        other => panic!("{other:?}"),
    });
    assert_eq!(text, "One two\u{fffd}three");
}

#[test]
fn folder_without_toml_is_one_document_per_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.md", b"# B\n");
    write(dir.path(), "a.md", b"# A\n");
    write(dir.path(), "notes.txt", b"not markdown");
    let sources = frontend::discover(dir.path()).unwrap();
    assert_eq!(
        sources,
        [
            Source::File(dir.path().join("a.md")),
            Source::File(dir.path().join("b.md"))
        ]
    );
}

#[test]
fn cli_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let out = folio(&["export", "--no-such-flag"], dir.path());
    assert_eq!(out.status.code(), Some(2), "usage error");
    let out = folio(&["export", "missing-folder"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing-folder"));
    let out = folio(&["--help"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));

    write(dir.path(), "doc.md", b"# Doc\n\n![gone](gone.png)\n");
    let out = folio(&["export", "--strict", "doc.md", "-o", "out"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(1),
        "--strict turns the warning into an error"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("doc.md:3"), "{err}");
    assert!(!dir.path().join("out/doc.pdf").exists());

    let out = folio(&["inspect", "doc.md"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: doc.md:3:"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["meta"]["title"], "Doc");
}

#[test]
fn images_outside_the_input_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("content/images/pipeline.png"),
        dir.path().join("outside.png"),
    )
    .unwrap();
    let md = write(dir.path(), "inner/doc.md", b"![x](../outside.png)\n");
    let msg = load_err(&md).to_string();
    assert!(
        msg.contains("outside.png") && msg.contains("outside the input folder"),
        "{msg}"
    );
    let allowed = frontend::load(&Source::File(md), &LoadOptions { allow_outside: true }).unwrap();
    assert_eq!(allowed.document.images[0].format, ImageFormat::Png);
}
