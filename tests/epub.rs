//! The EPUB backend: EPUBCheck finds nothing, every content document is well-formed XHTML,
//! links and footnotes resolve across files, hostile text is escaped everywhere, right-to-left
//! documents are marked so, exports are reproducible and MuPDF renders them.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use common::{folio, prose, require_tool, root, write};

fn export_epub(input: &Path, out: &Path, epoch: &str) -> PathBuf {
    let result = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args([
            "export",
            "--epub",
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let epubs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "epub"))
        .collect();
    assert_eq!(epubs.len(), 1, "{epubs:?}");
    epubs[0].clone()
}

/// The package's entries, by name.
fn entries(epub: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(epub).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().to_string(), data);
    }
    out
}

/// Parses XML, allowing the `<!DOCTYPE html>` of XHTML5.
fn parse(text: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts)
}

fn fixture_book(dir: &Path) -> PathBuf {
    let book = dir.join("book");
    std::fs::create_dir_all(book.join("img")).unwrap();
    std::fs::copy(root().join("content/images/pipeline.png"), book.join("img/p.png")).unwrap();
    std::fs::copy(
        root().join("content/images/page-grid.svg"),
        book.join("img/g.svg"),
    )
    .unwrap();
    write(
        &book,
        "folio.toml",
        "title = \"Links & <Notes>\"\nsubtitle = \"A \\\"test\\\" book\"\nauthors = [\"Ann & Bob\"]\npublisher = \"P & Q\"\nlang = \"en\"\nchapters = [\"a.md\", \"b.md\"]\n",
    );
    write(
        &book,
        "a.md",
        &format!(
            "# First <Chapter> & More\n\n{}[^one]\n\nSee [the part](b.md#part) and [the start](b.md).\n\n![Pipeline](img/p.png \"A caption\")\n\n[^one]: A note with a [link back](#first-chapter--more).\n",
            prose(1, 5)
        ),
    );
    write(
        &book,
        "b.md",
        &format!(
            "# Second\n\n## Part\n\n{}[^two]\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n```rust\nfn main() {{}}\n```\n\n![Grid](img/g.svg)\n\n[^two]: {}\n",
            prose(2, 4),
            prose(3, 2)
        ),
    );
    book
}

#[test]
fn epubcheck_finds_nothing() {
    if !require_tool("java") || !Path::new("/usr/share/java/epubcheck.jar").exists() {
        if std::env::var("FOLIO_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
            panic!(
                "EPUBCheck is required (FOLIO_REQUIRE_TOOLS=1) but /usr/share/java/epubcheck.jar is missing"
            );
        }
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rtl = write(
        dir.path(),
        "rtl/doc.md",
        "---\ntitle: مرحبا\nlang: ar\n---\n\n# مرحبا\n\nهذا نص عربي قصير.\n",
    );
    let inputs = [
        root().join("content/feature-tour.md"),
        root().join("content/sco-defense-summit.md"),
        fixture_book(dir.path()),
        rtl,
    ];
    for (k, input) in inputs.iter().enumerate() {
        let epub = export_epub(input, &dir.path().join(format!("o{k}")), "1700000000");
        let out = std::process::Command::new("java")
            .args([
                "-jar",
                "/usr/share/java/epubcheck.jar",
                "--quiet",
                epub.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{input:?}: {report}");
        assert!(
            !report.contains("WARNING") && !report.contains("ERROR"),
            "{input:?}: {report}"
        );
    }
}

#[test]
fn documents_are_well_formed_and_links_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let epub = export_epub(&fixture_book(dir.path()), &dir.path().join("o"), "1700000000");
    let files = entries(&epub);
    let mut ids: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    let mut links = Vec::new();
    for (name, data) in &files {
        if !(name.ends_with(".xhtml") || name.ends_with(".opf") || name.ends_with(".ncx")) {
            continue;
        }
        let text = std::str::from_utf8(data).unwrap();
        let xml = parse(text).unwrap_or_else(|e| panic!("{name} is not well-formed: {e}"));
        let short = name.trim_start_matches("OEBPS/").to_string();
        if name.ends_with(".xhtml") {
            let html = xml.root_element();
            assert!(html.attribute("lang").is_some(), "{name} has lang");
            assert!(
                html.attribute(("http://www.w3.org/XML/1998/namespace", "lang"))
                    .is_some(),
                "{name} has xml:lang"
            );
            assert!(
                xml.descendants()
                    .any(|n| n.has_tag_name("title") && !n.text().unwrap_or("").is_empty()),
                "{name} has a title"
            );
            assert!(
                !xml.descendants().any(|n| n.has_tag_name("script")),
                "no script in {name}"
            );
        }
        for node in xml.descendants() {
            if let Some(id) = node.attribute("id") {
                ids.entry(short.clone()).or_default().insert(id.to_string());
            }
            if let Some(href) = node.attribute("href").filter(|h| !h.contains("://")) {
                links.push((short.clone(), href.to_string()));
            }
        }
        // Only XML's own entities, never HTML named ones.
        for entity in ["&nbsp;", "&mdash;", "&copy;", "&hellip;"] {
            assert!(!text.contains(entity), "{name} uses {entity}");
        }
    }
    for (from, href) in &links {
        let (file, frag) = match href.split_once('#') {
            Some((f, id)) => (
                if f.is_empty() { from.clone() } else { f.to_string() },
                Some(id.to_string()),
            ),
            None => (href.clone(), None),
        };
        if file.ends_with(".css") {
            continue;
        }
        assert!(
            files.contains_key(&format!("OEBPS/{file}")),
            "{from}: link to missing {href}"
        );
        if let Some(id) = frag {
            assert!(
                ids.get(&file).is_some_and(|s| s.contains(&id)),
                "{from}: link {href} has no target"
            );
        }
    }
    // Footnotes are pop-up notes with links both ways.
    let text: String = files
        .iter()
        .filter(|(n, _)| n.starts_with("OEBPS/text"))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    assert_eq!(text.matches("epub:type=\"noteref\"").count(), 2);
    assert_eq!(text.matches("epub:type=\"footnote\"").count(), 2);
    assert!(text.contains("href=\"#fnref-1\""));
    // The navigation nests sections under chapters.
    let nav = String::from_utf8_lossy(&files["OEBPS/nav.xhtml"]).into_owned();
    assert!(nav.contains("epub:type = \"landmarks\"") || nav.contains("epub:type=\"landmarks\""));
    assert!(nav.contains("#part"), "{nav}");
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(
        dir.path(),
        "h.md",
        "---\ntitle: \"<script>alert('x')</script> & \\\"quotes\\\"\"\nauthor: \"<b>Bold</b> & Co\"\ndescription: \"a < b & c > d\"\nkeywords: [\"x&y\", \"<z>\"]\n---\n\n# Heading <with> & stuff\n\nText with <script>alert(1)</script> and &amp; and <i>html</i>.\n",
    );
    let epub = export_epub(&md, &dir.path().join("o"), "1700000000");
    for (name, data) in entries(&epub) {
        if !(name.ends_with(".xhtml") || name.ends_with(".opf") || name.ends_with(".ncx")) {
            continue;
        }
        let text = String::from_utf8(data).unwrap();
        let xml = parse(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert!(
            !xml.descendants()
                .any(|n| n.has_tag_name("script") || n.has_tag_name("b")),
            "{name}"
        );
        let all: String = xml.descendants().filter_map(|n| n.text()).collect();
        if name.ends_with("content.opf") || name.ends_with("cover.xhtml") {
            assert!(
                all.contains("<script>alert('x')</script> & \"quotes\""),
                "{name}: {all}"
            );
        }
        if name.ends_with("toc.ncx") || name.ends_with("nav.xhtml") {
            assert!(all.contains("Heading <with> & stuff"), "{name}: {all}");
        }
    }
}

#[test]
fn right_to_left_documents_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "ar.md", "# مرحبا\n\nهذا نص عربي قصير للتجربة.\n");
    let epub = export_epub(&md, &dir.path().join("o"), "1700000000");
    let files = entries(&epub);
    let opf = String::from_utf8_lossy(&files["OEBPS/content.opf"]).into_owned();
    assert!(opf.contains("page-progression-direction=\"rtl\""), "{opf}");
    assert!(
        opf.contains(">ar</dc:language>"),
        "the language is guessed from the script: {opf}"
    );
    let text = String::from_utf8_lossy(&files["OEBPS/text001.xhtml"]).into_owned();
    assert!(text.contains("dir=\"rtl\""));
}

#[test]
fn same_epoch_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let book = fixture_book(dir.path());
    let a = export_epub(&book, &dir.path().join("a"), "1700000000");
    let b = export_epub(&book, &dir.path().join("b"), "1700000000");
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let files = entries(&a);
    assert!(files.contains_key("META-INF/container.xml"));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&a).unwrap()).unwrap();
    assert_eq!(
        zip.by_index(0).unwrap().name(),
        "mimetype",
        "mimetype comes first"
    );
    let opf = String::from_utf8_lossy(&files["OEBPS/content.opf"]).into_owned();
    assert!(
        opf.contains("<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>"),
        "{opf}"
    );
    assert!(opf.contains("schema:accessMode"));
    assert!(opf.contains("<dc:publisher>P &amp; Q</dc:publisher>"));
}

#[test]
fn mutool_renders_every_page() {
    if !require_tool("mutool") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let epub = export_epub(&fixture_book(dir.path()), &dir.path().join("o"), "1700000000");
    let out = std::process::Command::new("mutool")
        .args([
            "draw",
            "-q",
            "-F",
            "png",
            "-r",
            "30",
            "-o",
            dir.path().join("p%d.png").to_str().unwrap(),
            epub.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let errors: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains("error"))
        .map(str::to_string)
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let pages = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".png")
        })
        .count();
    assert!(pages >= 4, "{pages} pages rendered");
}

#[test]
fn a_failed_export_keeps_the_previous_epub() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "doc.md", "# A Document\n\nSome text.\n");
    let out = dir.path().join("out");
    let epub = export_epub(&md, &out, "1700000000");
    let before = std::fs::read(&epub).unwrap();
    std::fs::write(&md, "---\ntitle: [broken\n---\ntext\n").unwrap();
    let result = folio(
        &[
            "export",
            "--epub",
            md.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(std::fs::read(&epub).unwrap(), before);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "no temporary files");
}
