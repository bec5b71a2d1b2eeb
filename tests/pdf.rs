//! The PDF backend: invariants of the laid-out pages (nothing outside the text block, page
//! numbers, outline order, repeated table headers, list numbers, widow/orphan/keep rules,
//! footnotes on their reference's page), and the written PDF checked with real validators
//! (qpdf, poppler, mupdf), reproducibility and safe writing.

mod common;

use std::path::{Path, PathBuf};

use common::{folio, prose, require_tool, root, run, write};
use folio::frontend::{self, LoadOptions};
use folio::model::{Document, PageSize};
use folio::pdf::layout::layout;
use folio::pdf::page::{Item, Layout};
use folio::pdf::style::Geometry;

fn load(path: &Path) -> Document {
    let sources = frontend::discover(path).unwrap();
    frontend::load(&sources[0], &LoadOptions::default())
        .unwrap()
        .document
}

/// A book exercising every block type over many pages.
fn fixture_book(dir: &Path) -> PathBuf {
    let book = dir.join("book");
    std::fs::create_dir_all(book.join("img")).unwrap();
    std::fs::copy(
        root().join("content/images/pipeline.png"),
        book.join("img/pipeline.png"),
    )
    .unwrap();
    std::fs::copy(
        root().join("content/images/page-grid.svg"),
        book.join("img/grid.svg"),
    )
    .unwrap();
    // A drawing with text: svg2pdf embeds a font of its own for it.
    write(
        &book,
        "img/labels.svg",
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"60\"><rect x=\"2\" y=\"2\" width=\"196\" height=\"56\" fill=\"none\" stroke=\"black\"/><text x=\"20\" y=\"38\" font-size=\"20\">ptr len capacity</text></svg>",
    );
    write(
        &book,
        "folio.toml",
        "title = \"A Test Book\"\nauthors = [\"Ann Author\"]\nlang = \"en\"\nchapters = [\"one.md\", \"two.md\", \"three.md\"]\n",
    );
    let mut one = String::from("# The First Chapter\n\n");
    for i in 0..14 {
        one.push_str(&format!(
            "## Section {i}\n\n{}\n\n{}",
            prose(i, 6),
            prose(100 + i, 9)
        ));
        if i % 3 == 0 {
            one.push_str(&format!("[^n{i}]"));
        }
        one.push_str("\n\n");
    }
    for i in 0..14 {
        if i % 3 == 0 {
            one.push_str(&format!("[^n{i}]: {}\n\n", prose(200 + i, 2)));
        }
    }
    write(&book, "one.md", &one);
    let mut two = String::from("# Lists, Code and Tables\n\n");
    two.push_str("7. seventh item\n8. eighth item\n9. ninth item\n10. tenth item\n\n");
    two.push_str("- [x] done\n- [ ] open\n  - nested bullet\n\n");
    two.push_str(&format!("> {}\n>\n> > {}\n\n", prose(300, 4), prose(301, 2)));
    two.push_str("```rust\nfn main() {\n    let a_very_long_identifier_name = some_function_with_a_long_name(argument_one, argument_two, argument_three, argument_four);\n    println!(\"{a_very_long_identifier_name}\");\n}\n```\n\n");
    two.push_str("| Column A | Column B | Number |\n|:--|:--|--:|\n");
    for r in 0..90 {
        two.push_str(&format!("| row {r} | {} | {} |\n", prose(400 + r, 1), r * 7));
    }
    two.push_str("\n![The pipeline](img/pipeline.png \"Folio's pipeline\")\n\n![A grid](img/grid.svg)\n\n![Labels](img/labels.svg)\n\n");
    two.push_str(&format!("{}\n", prose(500, 30)));
    write(&book, "two.md", &two);
    let mut three = String::from("# The Last Chapter\n\n");
    for i in 0..30 {
        three.push_str(&format!("{}\n\n", prose(600 + i, 5)));
    }
    write(&book, "three.md", &three);
    book
}

fn text_runs(layout: &Layout, page: usize) -> impl Iterator<Item = &folio::pdf::page::TextRun> {
    layout.pages[page].items.iter().filter_map(|i| match i {
        Item::Text(r) => Some(r),
        _ => None,
    })
}

/// Each glyph shows its own part of its run's text, the parts in order make up the text, and
/// a glyph the shaper raises or lowers (a combining mark placed over a letter) sits in a run of
/// its own with that offset, the text before and after it in other runs.
#[test]
fn glyph_texts_partition_runs_and_marks_get_runs_of_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Plain words, then i\u{307}\u{301} and k\u{327}\u{301}x with stacked marks, then plain again.";
    let path = write(dir.path(), "marks.md", &format!("# Marks\n\n{text}\n"));
    let doc = load(&path);
    let (layout, _) = layout(&doc).unwrap();
    let mut raised = 0;
    let mut shown = String::new();
    for run in text_runs(&layout, 0) {
        let parts: String = (0..run.glyphs.len()).map(|i| run.glyph_text(i)).collect();
        assert_eq!(parts, run.text, "the glyphs' parts make up the run's text");
        if run.dy != 0.0 {
            raised += 1;
            assert_eq!(run.glyphs.len(), 1, "a raised glyph is alone in its run: {run:?}");
        }
        shown.push_str(&run.text);
    }
    assert!(raised > 0, "some mark is raised over its letter");
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert!(squeeze(&shown).contains(&squeeze(text)), "{shown}");
}

fn check_inside_text_block(doc: &Document, layout: &Layout) {
    let g = Geometry::new(&doc.settings.pdf);
    for (pi, page) in layout.pages.iter().enumerate() {
        let left = g.left(pi);
        let right = left + g.text_width();
        for item in &page.items {
            match item {
                Item::Text(run) => {
                    let tolerance = run.size * 0.6;
                    assert!(
                        run.x + run.glyphs[0].x >= left - tolerance,
                        "page {pi}: run starts left of the block: {}",
                        run.text
                    );
                    assert!(
                        run.right() <= right + tolerance,
                        "page {pi}: run ends past the block ({} > {right}): {}",
                        run.right(),
                        run.text
                    );
                    assert!(run.y > 0.0 && run.y < page.height, "page {pi}: run off the page");
                }
                Item::Image {
                    x, y, width, height, ..
                } => {
                    assert!(
                        *x >= left - 0.01 && x + width <= right + 0.01,
                        "page {pi}: image wider than the block"
                    );
                    assert!(
                        *y >= g.top - 0.01 && y + height <= g.page_height - g.bottom + 0.01,
                        "page {pi}: image off the block"
                    );
                }
                Item::Rect { x, width, .. } => {
                    assert!(
                        *x >= left - 0.01 && x + width <= right + 0.01,
                        "page {pi}: rectangle past the block"
                    );
                }
                _ => {}
            }
        }
    }
}

#[test]
fn nothing_leaves_the_text_block() {
    let dir = tempfile::tempdir().unwrap();
    let book = fixture_book(dir.path());
    for size in [PageSize::A4, PageSize::A5, PageSize::LETTER] {
        let mut doc = load(&book);
        doc.settings.pdf.page_size = size;
        let (layout, _) = layout(&doc).unwrap();
        assert!(layout.pages.len() > 5);
        check_inside_text_block(&doc, &layout);
        assert_eq!(layout.report.overfull_lines, 0);
    }
    let doc = load(&root().join("content/feature-tour.md"));
    let (layout, _) = layout(&doc).unwrap();
    check_inside_text_block(&doc, &layout);
}

#[test]
fn every_page_carries_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let doc = load(&fixture_book(dir.path()));
    let (layout, _) = layout(&doc).unwrap();
    let g = Geometry::new(&doc.settings.pdf);
    let mut numbered = 0;
    for (pi, page) in layout.pages.iter().enumerate() {
        if page.label.is_empty() {
            continue;
        }
        numbered += 1;
        let found = text_runs(&layout, pi).any(|r| r.text == page.label && r.y > g.page_height - g.bottom);
        assert!(found, "page {pi} does not print its number {}", page.label);
    }
    assert!(
        numbered + 1 >= layout.pages.len(),
        "all but the title page are numbered"
    );
    // Front matter in roman numbers, the body from arabic 1.
    assert!(layout.pages[1].label.chars().all(|c| "ivxlc".contains(c)));
    let first_arabic = layout.pages.iter().position(|p| p.label == "1").unwrap();
    assert_eq!(layout.labels.last().unwrap().start, first_arabic);
}

#[test]
fn outline_follows_the_headings_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let doc = load(&fixture_book(dir.path()));
    let (layout, _) = layout(&doc).unwrap();
    let headings: Vec<(u8, String)> = doc.headings().into_iter().map(|h| (h.level, h.title)).collect();
    let outline: Vec<(u8, String)> = layout
        .outline
        .iter()
        .map(|o| (o.level, o.title.clone()))
        .collect();
    assert_eq!(outline, headings);
    let pages: Vec<usize> = layout.outline.iter().map(|o| o.page).collect();
    assert!(
        pages.windows(2).all(|w| w[0] <= w[1]),
        "outline entries in page order"
    );
}

#[test]
fn table_header_repeats_on_every_page_the_table_continues_on() {
    let dir = tempfile::tempdir().unwrap();
    let doc = load(&fixture_book(dir.path()));
    let (layout, _) = layout(&doc).unwrap();
    let pages_with_rows: Vec<usize> = (0..layout.pages.len())
        .filter(|&p| text_runs(&layout, p).any(|r| r.text.starts_with("row ")))
        .collect();
    assert!(pages_with_rows.len() >= 2, "the table spans pages");
    for &p in &pages_with_rows {
        let header_y = text_runs(&layout, p)
            .find(|r| r.text.starts_with("Column"))
            .map(|r| r.y);
        let first_row_y = text_runs(&layout, p)
            .filter(|r| r.text.starts_with("row "))
            .map(|r| r.y)
            .fold(f32::MAX, f32::min);
        let header_y = header_y.unwrap_or_else(|| panic!("page {p} continues the table without its header"));
        assert!(header_y < first_row_y, "header above the rows on page {p}");
    }
}

#[test]
fn ordered_lists_keep_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let doc = load(&fixture_book(dir.path()));
    let (layout, _) = layout(&doc).unwrap();
    let all: Vec<String> = (0..layout.pages.len())
        .flat_map(|p| text_runs(&layout, p).map(|r| r.text.clone()).collect::<Vec<_>>())
        .collect();
    let numbers: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|t| ["7.", "8.", "9.", "10."].contains(t))
        .collect();
    assert_eq!(numbers, ["7.", "8.", "9.", "10."]);
}

#[test]
fn page_breaks_keep_the_rules() {
    let dir = tempfile::tempdir().unwrap();
    let book = fixture_book(dir.path());
    for size in [PageSize::A5, PageSize::LETTER] {
        let mut doc = load(&book);
        doc.settings.pdf.page_size = size;
        let (layout, _) = layout(&doc).unwrap();
        assert!(
            layout.report.faults.is_empty(),
            "{size:?}: {:?}",
            layout.report.faults
        );
        let max_run = layout
            .report
            .paragraphs
            .iter()
            .map(|p| p.max_hyphen_run)
            .max()
            .unwrap_or(0);
        assert!(max_run <= 2, "at most two hyphenated lines in a row");
        assert!(
            layout.report.paragraphs.iter().all(|p| p.pass < 4),
            "no paragraph needed the last resort"
        );
    }
}

#[test]
fn footnotes_sit_on_the_page_of_their_reference() {
    let dir = tempfile::tempdir().unwrap();
    let doc = load(&fixture_book(dir.path()));
    assert!(doc.footnotes.len() >= 4);
    let (layout, _) = layout(&doc).unwrap();
    let page_of = |name: &str| {
        layout.pages.iter().position(|p| {
            p.items
                .iter()
                .any(|i| matches!(i, Item::Destination { name: n, .. } if n == name))
        })
    };
    for note in &doc.footnotes {
        let r =
            page_of(&format!("fnref-{}", note.number)).or_else(|| page_of(&format!("fnref:{}", note.number)));
        let n = page_of(&format!("fn:{}", note.number));
        assert_eq!(r, n, "footnote {} on the page of its reference", note.number);
        assert!(r.is_some());
    }
}

/// Words of a text, lower-cased, punctuation dropped, hyphenated line ends joined.
fn words(text: &str) -> Vec<String> {
    let joined = text.replace("-\n", "");
    joined
        .split(|c: char| c.is_whitespace() || c == '/' || c == '—' || c == '–')
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Share of `source` words found in order in `pdf`: each word is looked for just ahead of
/// the last match, or further ahead as the start of the same three-word sequence (text the
/// source lacks, such as footnotes at a page foot, may sit in between). A footnote number
/// glued to a word ("way1") matches the word.
fn in_order_share(source: &[String], pdf: &[String]) -> f64 {
    let same = |s: &str, p: &str| {
        s == p
            || p.strip_prefix(s)
                .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
    };
    let mut j = 0;
    let mut found = 0;
    for (i, w) in source.iter().enumerate() {
        let near = (j..pdf.len().min(j + 6)).find(|&k| same(w, &pdf[k]));
        let far = || {
            (j..pdf.len().min(j + 3000)).find(|&k| {
                (0..3).all(|d| match (source.get(i + d), pdf.get(k + d)) {
                    (Some(s), Some(p)) => same(s, p),
                    (None, _) => true,
                    _ => false,
                })
            })
        };
        if let Some(k) = near.or_else(far) {
            found += 1;
            j = k + 1;
        }
    }
    found as f64 / source.len().max(1) as f64
}

fn export_pdf(input: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec![
        "export",
        "--pdf",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let result = folio(&args, &root());
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let pdfs: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1);
    pdfs[0].clone()
}

#[test]
fn validators_accept_the_pdfs() {
    if !require_tool("qpdf")
        || !require_tool("pdffonts")
        || !require_tool("pdftotext")
        || !require_tool("mutool")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let book = fixture_book(dir.path());
    let inputs = [
        root().join("content/feature-tour.md"),
        root().join("content/sco-defense-summit.md"),
        book.clone(),
    ];
    for (k, input) in inputs.iter().enumerate() {
        let out = dir.path().join(format!("out{k}"));
        let pdf = export_pdf(input, &out, &[]);
        let p = pdf.to_str().unwrap();
        let check = run("qpdf", &["--check", p]);
        assert!(check.contains("No syntax or stream encoding errors"), "{check}");
        let fonts = run("pdffonts", &[p]);
        // poppler complains ("xref num ... not found") about fonts that are not indirect
        // objects, as a font descriptor must be.
        let quiet = std::process::Command::new("pdffonts").arg(p).output().unwrap();
        assert!(
            quiet.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&quiet.stderr)
        );
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty());
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let n = cols.len();
            assert_eq!(
                &cols[n - 5..n - 2],
                ["yes", "yes", "yes"],
                "embedded, subset, ToUnicode: {row}"
            );
        }
        let info = run("pdfinfo", &[p]);
        assert!(!info.contains("PDF/X"), "no false PDF/X claim: {info}");
        let doc = load(input);
        let title = info.lines().find_map(|l| l.strip_prefix("Title:")).map(str::trim);
        assert_eq!(title, Some(doc.meta.title.as_str()), "{info}");
        // The text comes back: every word of the source, in order.
        let text = run("pdftotext", &[p, "-"]);
        let mut source = String::new();
        for chapter in &doc.chapters {
            folio::model::visit_blocks(&chapter.blocks, &mut |b| {
                if let folio::model::BlockKind::Paragraph { content } = &b.kind {
                    source.push_str(&folio::model::text::plain_text(content));
                    source.push('\n');
                }
            });
        }
        let share = in_order_share(&words(&source), &words(&text));
        assert!(
            share >= 0.995,
            "{input:?}: only {:.2}% of the words came back",
            share * 100.0
        );
        // The outline lists the headings, nested.
        let outline = run("mutool", &["show", p, "outline"]);
        for h in doc.headings() {
            assert!(outline.contains(&h.title), "outline lacks {}: {outline}", h.title);
        }
        if k == 2 {
            // mutool prints one tab per level after the open/closed mark.
            let nested = outline.lines().any(|l| l.contains("\t\t\"Section"));
            assert!(nested, "sections nest under chapters: {outline}");
            let images = run("pdfimages", &["-list", p]);
            assert_eq!(
                images.lines().skip(2).filter(|l| l.contains("image")).count(),
                1,
                "{images}"
            );
        }
    }
}

#[test]
fn same_input_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let book = fixture_book(dir.path());
    let a = export_pdf(&book, &dir.path().join("a"), &[]);
    let b = export_pdf(&book, &dir.path().join("b"), &[]);
    assert_eq!(
        std::fs::read(a).unwrap(),
        std::fs::read(b).unwrap(),
        "byte-identical"
    );
}

#[test]
fn page_size_option_applies() {
    if !require_tool("pdfinfo") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pdf = export_pdf(
        &root().join("content/sco-defense-summit.md"),
        &dir.path().join("o"),
        &["--page-size", "a5"],
    );
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("419.528 x 595.276 pts"), "{info}");
}

#[test]
fn a_failed_export_keeps_the_previous_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let md = write(dir.path(), "doc.md", "# A Document\n\nSome text.\n");
    let out = dir.path().join("out");
    let pdf = export_pdf(&md, &out, &[]);
    let before = std::fs::read(&pdf).unwrap();
    std::fs::write(&md, b"# A Document\n\nBroken \xff text.\n").unwrap();
    let result = folio(
        &[
            "export",
            "--pdf",
            md.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(result.status.code(), Some(1));
    assert_eq!(
        std::fs::read(&pdf).unwrap(),
        before,
        "the previous PDF is untouched"
    );
    let names: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary files left: {names:?}");
}

/// PNGs go into the PDF as their own filtered rows (colour split from alpha without
/// decoding): poppler's `pdfimages` must read back exactly the source pixels, and the soft
/// mask exactly the source alpha; opaque alpha leaves no mask.
#[test]
fn png_images_read_back_as_their_source_pixels() {
    if !require_tool("pdfimages") {
        return;
    }
    use image::{ImageEncoder, codecs::png};
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (61u32, 29u32);
    let pixel = |x: u32, y: u32, c: u32| ((x * 37 + y * 11 + c * 80 + (x * y) % 7) % 256) as u8;
    let rgba: Vec<u8> = (0..h)
        .flat_map(|y| {
            (0..w).flat_map(move |x| [pixel(x, y, 0), pixel(x, y, 1), pixel(x, y, 2), (x * 4 + y) as u8])
        })
        .collect();
    let opaque: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let grey_alpha: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[1], p[3]]).collect();
    let encode = |name: &str, pixels: &[u8], color: image::ExtendedColorType| {
        let mut out = Vec::new();
        png::PngEncoder::new_with_quality(&mut out, png::CompressionType::Default, png::FilterType::Adaptive)
            .write_image(pixels, w, h, color)
            .unwrap();
        std::fs::write(dir.path().join(name), out).unwrap();
    };
    encode("rgba.png", &rgba, image::ExtendedColorType::Rgba8);
    encode("opaque.png", &opaque, image::ExtendedColorType::Rgba8);
    encode("ga.png", &grey_alpha, image::ExtendedColorType::La8);
    let md = write(
        dir.path(),
        "doc.md",
        "# Images\n\n![a](rgba.png)\n\n![b](opaque.png)\n\n![c](ga.png)\n",
    );
    let pdf = export_pdf(&md, &dir.path().join("out"), &[]);
    let list = run("pdfimages", &["-list", pdf.to_str().unwrap()]);
    let kinds: Vec<&str> = list
        .lines()
        .skip(2)
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    // rgba: image + smask; opaque: image; grey+alpha: image + smask.
    assert_eq!(kinds, ["image", "smask", "image", "image", "smask"], "{list}");
    let prefix = dir.path().join("x");
    run(
        "pdfimages",
        &["-png", pdf.to_str().unwrap(), prefix.to_str().unwrap()],
    );
    let read = |i: usize| image::open(dir.path().join(format!("x-{i:03}.png"))).unwrap();
    let rgb: Vec<u8> = rgba.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
    let alpha: Vec<u8> = rgba.chunks(4).map(|p| p[3]).collect();
    assert_eq!(read(0).to_rgb8().into_raw(), rgb, "colour of the RGBA image");
    assert_eq!(read(1).to_luma8().into_raw(), alpha, "its soft mask");
    assert_eq!(read(2).to_rgb8().into_raw(), rgb, "the opaque image");
    let grey: Vec<u8> = grey_alpha.chunks(2).map(|p| p[0]).collect();
    assert_eq!(
        read(3).to_luma8().into_raw(),
        grey,
        "grey of the grey+alpha image"
    );
    assert_eq!(read(4).to_luma8().into_raw(), alpha, "its soft mask");
}
