//! Tests of the highlighting API and of each language's lexer.

use super::clike::ALL_RULES;
use super::cursor::cmp_ignore_case;
use super::*;

use TokenClass::{Comment, Constant, Function, Keyword, Meta, Plain, Type};
const STRING: TokenClass = TokenClass::String;

/// Every language, by one of its names.
const LANGS: &[&str] = &[
    "rust", "python", "js", "ts", "toml", "sh", "console", "json", "yaml", "html", "css", "c", "cpp", "go",
    "java", "sql", "diff", "text",
];

fn join(lines: &[Line]) -> String {
    lines
        .iter()
        .map(|l| l.iter().map(|s| s.text).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The class of the span holding the first byte of the first `needle` in `code`.
fn class_at(code: &str, lang: &str, needle: &str) -> TokenClass {
    let at = code
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {code:?}"));
    let mut offset = 0;
    for line in highlight(code, Some(lang)) {
        for span in &line {
            if (offset..offset + span.text.len()).contains(&at) {
                return span.class;
            }
            offset += span.text.len();
        }
        offset += 1;
    }
    Plain // a newline
}

/// The non-plain spans of a block, as (text, class), across lines.
fn styled(code: &str, lang: &str) -> Vec<(String, TokenClass)> {
    highlight(code, Some(lang))
        .into_iter()
        .flatten()
        .filter(|s| s.class != Plain)
        .map(|s| (s.text.to_string(), s.class))
        .collect()
}

fn check_round_trip(code: &str, lang: Option<&str>) {
    let lines = highlight(code, lang);
    assert_eq!(join(&lines), code, "round trip in {lang:?}");
    assert_eq!(
        lines.len(),
        code.matches('\n').count() + 1,
        "line count in {lang:?}"
    );
    for span in lines.iter().flatten() {
        assert!(!span.text.is_empty(), "empty span in {lang:?}");
        assert!(!span.text.contains('\n'), "newline in a span in {lang:?}");
    }
}

#[test]
fn rust_keywords_are_styled_apart_from_identifiers() {
    let code = "fn main() {\n    let mut total = 0;\n}";
    let kw = class_at(code, "rust", "let");
    let ident = class_at(code, "rust", "total");
    assert_eq!(kw, Keyword);
    assert_eq!(ident, Plain);
    assert_ne!(kw.style(), ident.style());
    assert!(kw.style().bold && !ident.style().bold);
    assert_eq!(class_at(code, "rust", "mut"), Keyword);
    assert_eq!(class_at(code, "rust", "main"), Function);
    assert_eq!(class_at(code, "rust", "0"), Constant);
}

#[test]
fn comments_are_italic() {
    for (lang, code, needle) in [
        ("rust", "let x = 1; // the answer", "// the"),
        ("rust", "/* outer /* nested */ still */ x", "still"),
        ("rust", "/// Docs.\nfn f() {}", "Docs"),
        ("python", "x = 1  # note", "# note"),
        ("sh", "ls # list", "# list"),
        ("sql", "SELECT 1; -- why", "-- why"),
        ("c", "int x; /* multi\nline */", "line */"),
        ("html", "<p><!-- hidden --></p>", "hidden"),
        ("css", "a { /* c */ color: red }", "/* c */"),
        ("toml", "a = 1 # why", "# why"),
        ("yaml", "a: 1 # why", "# why"),
    ] {
        let class = class_at(code, lang, needle);
        assert_eq!(class, Comment, "{lang}: {code:?}");
        assert!(class.style().italic);
    }
}

#[test]
fn unknown_or_missing_language_is_plain_one_span_per_line() {
    let code = "fn main() {\n\n    \"x\" // y\n}";
    for lang in [
        None,
        Some("klingon"),
        Some(""),
        Some("text"),
        Some("TXT"),
        Some("plain"),
    ] {
        let lines = highlight(code, lang);
        assert_eq!(lines.len(), 4);
        for (line, src) in lines.iter().zip(code.split('\n')) {
            if src.is_empty() {
                assert!(line.is_empty());
            } else {
                assert_eq!(
                    line,
                    &vec![Span {
                        text: src,
                        class: Plain
                    }],
                    "{lang:?}"
                );
            }
        }
    }
    assert!(!is_known("klingon"));
    assert!(is_known("text") && is_known("Rust") && is_known("rs"));
}

#[test]
fn text_round_trips_exactly_in_every_language() {
    let samples = [
        "",
        "\n",
        "\n\n\n",
        "x",
        "fn main() {\n\tprintln!(\"héllo, wörld — ✓ 日本語 🦀\");   \n\n}\n",
        "  trailing spaces   \n\ttabs\t\tinside\t\n\n\nlast",
        "# comment\n'unterminated\n\"also unterminated\n/* never closed",
        "r#\"raw\"# 'a' 'static b\"bytes\" 1_000u32 0xFFu8 1.5e-3 x.0 #[derive(Debug)]",
        "<!-- --> <a href=\"x\">é</a> &amp; <script>let s = '<';</script>",
        "@@ -1,2 +1,3 @@\n-old\n+new\n context",
        "$ cargo run\n   Compiling x\n$ echo \"$HOME\" # hi\n> more",
        "[table]\nkey = \"v\" # c\n\"q.k\" = 'lit'\nd = 1979-05-27T07:32:00Z\narr = [\n  1,\n  2,\n]",
        "a:\n  - b: |\n      block\n      scalar\n  - 'c' # x\n---\nk: &anchor v\nj: *anchor",
        "'\\\n\"\\\\\"\\\n`${`\n",
        "ü'é'ü\"ü\"ü#ü//ü/*ü*/ü",
    ];
    for code in samples {
        for lang in LANGS {
            check_round_trip(code, Some(lang));
        }
        check_round_trip(code, None);
    }
}

/// A small deterministic generator (xorshift) for fuzz-style inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_input_never_panics_and_round_trips() {
    // Pieces that open and close every construct the lexers know, plus non-ASCII text.
    const PIECES: &[&str] = &[
        "\"",
        "'",
        "`",
        "\"\"\"",
        "'''",
        "\\",
        "/*",
        "*/",
        "//",
        "#",
        "#[",
        "#![",
        "--",
        "<!--",
        "-->",
        "<",
        ">",
        "</script>",
        "<script>",
        "<style>",
        "[",
        "]",
        "{",
        "}",
        "(",
        ")",
        "$",
        "${",
        "$(",
        "@",
        "r#\"",
        "\"#",
        "R\"x(",
        ")x\"",
        "b'",
        "'a",
        "fn",
        "let",
        "def",
        "class",
        "struct",
        "SELECT",
        "select",
        "x",
        "Foo",
        "FOO",
        "=",
        ":",
        ": ",
        ",",
        ".",
        "..",
        "0x",
        "1",
        "2.5",
        "e+",
        "-",
        "+",
        "|",
        ">-",
        "&",
        ";",
        "!",
        " ",
        "\t",
        "\n",
        "\n\n",
        "é",
        "日本",
        "🦀",
        "\u{a0}",
        "\u{c}",
        "\r",
        "@@",
        "+++ ",
        "$ ",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..1500 {
        let len = (rng.next() % 40) as usize;
        let code: String = (0..len)
            .map(|_| PIECES[(rng.next() % PIECES.len() as u64) as usize])
            .collect();
        for lang in LANGS {
            check_round_trip(&code, Some(lang));
        }
    }
}

#[test]
fn highlighting_is_callable_from_several_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Span<'static>>();
    assert_send_sync::<Language>();
    assert_send_sync::<SpanStyle>();

    let code = "fn main() {\n    // hi\n    let v: Vec<u8> = vec![1, 2];\n}";
    let expected = highlight(code, Some("rust"));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    (0..200)
                        .map(|_| highlight(code, Some("rust")))
                        .all(|lines| lines == expected)
                        && highlight("x = 1", Some("python")).len() == 1
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().expect("thread panicked"));
        }
    });
}

#[test]
fn language_names_and_aliases() {
    use Language::*;
    for (names, lang) in [
        (&["rust", "rs", "Rust"][..], Rust),
        (&["python", "py", "python3"], Python),
        (&["js", "javascript", "jsx"], JavaScript),
        (&["ts", "typescript", "tsx"], TypeScript),
        (&["toml"], Toml),
        (&["sh", "bash", "shell", "zsh"], Shell),
        (&["console", "shell-session"], Console),
        (&["json", "jsonc"], Json),
        (&["yaml", "yml"], Yaml),
        (&["html", "xml", "svg"], Html),
        (&["css"], Css),
        (&["c", "h"], C),
        (&["cpp", "c++", "cxx", "hpp"], Cpp),
        (&["go", "golang"], Go),
        (&["java"], Java),
        (&["sql", "postgresql"], Sql),
        (&["diff", "patch"], Diff),
        (&["text", "plain", "txt"], Plain),
    ] {
        for name in names {
            assert_eq!(Language::from_name(name), Some(lang), "{name}");
            assert!(is_known(name));
        }
        assert_eq!(Language::from_name(lang.name()), Some(lang));
    }
    for unknown in [
        "",
        "rust,ignore",
        "klingon",
        "cobol",
        "a-very-long-language-name-indeed",
    ] {
        assert_eq!(Language::from_name(unknown), None, "{unknown}");
    }
}

#[test]
fn word_tables_are_sorted_for_binary_search() {
    for (name, rules) in ALL_RULES {
        for table in [
            rules.keywords,
            rules.types,
            rules.constants,
            rules.fn_keywords,
            rules.type_keywords,
            rules.string_prefixes,
        ] {
            let sorted = table.windows(2).all(|w| {
                if rules.ignore_case {
                    cmp_ignore_case(w[0], w[1]).is_lt()
                } else {
                    w[0] < w[1]
                }
            });
            assert!(sorted, "{name}: {table:?}");
        }
    }
}

#[test]
fn rust_details() {
    let code = "#[derive(Debug)]\nstruct Point<'a> { x: &'a str }\nimpl Point<'_> {\n    fn new() -> Self { \
                let c = 'x'; let s = r#\"a \"quoted\" b\"#; let t = \"tab\\t\"; println!(\"{c}\"); \
                Vec::<u8>::new(); MAX_SIZE; 1..10; self.x.len(); fut.await }\n}";
    assert_eq!(class_at(code, "rust", "#[derive"), Meta);
    assert_eq!(class_at(code, "rust", "Point<'a>"), Type);
    assert_eq!(class_at(code, "rust", "'a>"), Meta);
    assert_eq!(class_at(code, "rust", "str }"), Type);
    assert_eq!(class_at(code, "rust", "Self"), Keyword);
    assert_eq!(class_at(code, "rust", "new()"), Function);
    assert_eq!(class_at(code, "rust", "'x'"), STRING);
    assert_eq!(class_at(code, "rust", "quoted"), STRING);
    assert_eq!(class_at(code, "rust", "b\"#;"), STRING);
    assert_eq!(class_at(code, "rust", "\\t"), Constant);
    assert_eq!(class_at(code, "rust", "println!"), Function);
    assert_eq!(class_at(code, "rust", "MAX_SIZE"), Constant);
    assert_eq!(class_at(code, "rust", "10"), Constant);
    assert_eq!(class_at(code, "rust", "len"), Function);
    assert_eq!(class_at(code, "rust", "await"), Keyword);
    assert_eq!(class_at(code, "rust", "x.len"), Plain);
    // `!=` is not a macro call.
    assert_eq!(class_at("a != b", "rust", "a"), Plain);
}

#[test]
fn python_details() {
    let code = "@app.route('/')\ndef handler(req):\n    \"\"\"Doc\n    string.\"\"\"\n    return f'{req}' if x is None else True\nclass Foo(Base): pass";
    assert_eq!(class_at(code, "python", "@app.route"), Meta);
    assert_eq!(class_at(code, "python", "def"), Keyword);
    assert_eq!(class_at(code, "python", "handler"), Function);
    assert_eq!(class_at(code, "python", "string."), STRING);
    assert_eq!(class_at(code, "python", "f'{req}'"), STRING);
    assert_eq!(class_at(code, "python", "None"), Constant);
    assert_eq!(class_at(code, "python", "Foo"), Type);
}

#[test]
fn c_family_details() {
    let c = "#include <stdio.h>\n#define N 10\nint main(void) { size_t n = sizeof(int); printf(\"%d\\n\", N); return 0; }";
    assert_eq!(class_at(c, "c", "#include"), Meta);
    assert_eq!(class_at(c, "c", "<stdio.h>"), STRING);
    assert_eq!(class_at(c, "c", "int main"), Type);
    assert_eq!(class_at(c, "c", "size_t"), Type);
    assert_eq!(class_at(c, "c", "printf"), Function);
    assert_eq!(class_at(c, "c", "return"), Keyword);
    let cpp = "template <typename T> class Box { std::string s = R\"x(raw \" here)x\"; };";
    assert_eq!(class_at(cpp, "cpp", "template"), Keyword);
    assert_eq!(class_at(cpp, "cpp", "Box"), Type);
    assert_eq!(class_at(cpp, "cpp", "here"), STRING);
    let go = "package main\nfunc (s *S) Run() error { x := `raw\n\\n` ; return nil }";
    assert_eq!(class_at(go, "go", "func"), Keyword);
    assert_eq!(class_at(go, "go", "Run"), Function);
    assert_eq!(class_at(go, "go", "error"), Type);
    assert_eq!(class_at(go, "go", "\\n"), STRING); // raw strings have no escapes
    assert_eq!(class_at(go, "go", "nil"), Constant);
    let java = "@Override\npublic String toString() { return \"x\"; }";
    assert_eq!(class_at(java, "java", "@Override"), Meta);
    assert_eq!(class_at(java, "java", "public"), Keyword);
    assert_eq!(class_at(java, "java", "String"), Type);
    let js = "const f = async (x) => `a ${x}\nb`; obj.default = null;";
    assert_eq!(class_at(js, "js", "const"), Keyword);
    assert_eq!(class_at(js, "js", "b`"), STRING);
    assert_eq!(class_at(js, "js", "default"), Plain); // a member, not the keyword
    assert_eq!(class_at(js, "js", "null"), Constant);
    let regex = "const re = /a\"b[/]/g; let q = a / b / c; return /x/.test(s);";
    assert_eq!(class_at(regex, "js", "/a"), STRING);
    assert_eq!(class_at(regex, "js", "g;"), STRING);
    assert_eq!(class_at(regex, "js", "/ b"), Plain); // division
    assert_eq!(class_at(regex, "js", "/x/"), STRING);
    let ts = "interface User { name: string }";
    assert_eq!(class_at(ts, "ts", "interface"), Keyword);
    assert_eq!(class_at(ts, "ts", "User"), Type);
    assert_eq!(class_at(ts, "ts", "string"), Type);
}

#[test]
fn sql_and_json_details() {
    let sql = "select name, count(*) from users where note = 'it''s' and id is not null;";
    assert_eq!(class_at(sql, "sql", "select"), Keyword);
    assert_eq!(class_at(sql, "sql", "count"), Function);
    assert_eq!(class_at(sql, "sql", "s' and"), STRING);
    assert_eq!(class_at(sql, "sql", "null"), Constant);
    let json = "{\"name\": \"folio\", \"n\": -1.5e3, \"ok\": true, \"esc\": \"a\\\"b\"}";
    assert_eq!(class_at(json, "json", "\"name\""), Function);
    assert_eq!(class_at(json, "json", "\"folio\""), STRING);
    assert_eq!(class_at(json, "json", "1.5e3"), Constant);
    assert_eq!(class_at(json, "json", "true"), Constant);
    assert_eq!(class_at(json, "json", "\"esc\""), Function);
}

#[test]
fn shell_and_console_details() {
    let sh = "if [ -f x ]; then\n  FOO=1 cargo build --release # go\nfi\necho \"home: $HOME\" | grep 'x'";
    assert_eq!(class_at(sh, "sh", "if"), Keyword);
    assert_eq!(class_at(sh, "sh", "cargo"), Function);
    assert_eq!(class_at(sh, "sh", "build"), Plain);
    assert_eq!(class_at(sh, "sh", "# go"), Comment);
    assert_eq!(class_at(sh, "sh", "$HOME"), Constant);
    assert_eq!(class_at(sh, "sh", "home:"), STRING);
    assert_eq!(class_at(sh, "sh", "grep"), Function);
    assert_eq!(class_at(sh, "sh", "'x'"), STRING);
    let redirect =
        "make 2>&1 | tee log &\ncase \"$1\" in\n  start) run ;;\nesac\necho \"$(date +\"%F\") ok\"";
    assert_eq!(class_at(redirect, "sh", "1 |"), Plain);
    assert_eq!(class_at(redirect, "sh", "tee"), Function);
    assert_eq!(class_at(redirect, "sh", "start"), Plain); // a case pattern
    assert_eq!(class_at(redirect, "sh", "run"), Function);
    assert_eq!(class_at(redirect, "sh", ") ok"), STRING); // `$(…)` with quotes inside
    let console = "$ cargo run\n   Compiling hello v0.1.0\nerror: if \"x\"\n$ ls";
    assert_eq!(class_at(console, "console", "$ cargo"), Meta);
    assert_eq!(class_at(console, "console", "cargo"), Function);
    assert_eq!(class_at(console, "console", "ls"), Function);
    // Output stays plain, whatever it looks like.
    let output: Vec<_> = highlight(console, Some("console"))[1..3]
        .iter()
        .flatten()
        .map(|s| s.class)
        .collect();
    assert!(output.iter().all(|&c| c == Plain), "{output:?}");
}

#[test]
fn toml_yaml_details() {
    let toml = "[package]\nname = \"folio\" # ok\nedition.workspace = true\n\"quoted key\" = 2\n[[bin]]\nwhen = 1979-05-27";
    assert_eq!(class_at(toml, "toml", "[package]"), Keyword);
    assert_eq!(class_at(toml, "toml", "[[bin]]"), Keyword);
    assert_eq!(class_at(toml, "toml", "name"), Function);
    assert_eq!(class_at(toml, "toml", "\"folio\""), STRING);
    assert_eq!(class_at(toml, "toml", "edition.workspace"), Function);
    assert_eq!(class_at(toml, "toml", "true"), Constant);
    assert_eq!(class_at(toml, "toml", "\"quoted key\""), Function);
    assert_eq!(class_at(toml, "toml", "1979"), Constant);
    let yaml =
        "---\ntitle: Hello # c\nlist:\n  - name: x\n    n: 3\nbody: |\n  line one\n  line two\nnext: ~";
    assert_eq!(class_at(yaml, "yaml", "---"), Meta);
    assert_eq!(class_at(yaml, "yaml", "title"), Function);
    assert_eq!(class_at(yaml, "yaml", "Hello"), STRING);
    assert_eq!(class_at(yaml, "yaml", "name"), Function);
    assert_eq!(class_at(yaml, "yaml", "3"), Constant);
    assert_eq!(class_at(yaml, "yaml", "line two"), STRING);
    assert_eq!(class_at(yaml, "yaml", "next"), Function);
    assert_eq!(class_at(yaml, "yaml", "~"), Constant);
    let folded = "folded: >- # note\n  text here\nx: a > b\ny: |2\n   kept";
    assert_eq!(class_at(folded, "yaml", ">-"), Meta);
    assert_eq!(class_at(folded, "yaml", "# note"), Comment);
    assert_eq!(class_at(folded, "yaml", "text here"), STRING);
    assert_eq!(class_at(folded, "yaml", "x:"), Function); // the block scalar ended
    assert_eq!(class_at(folded, "yaml", "a > b"), STRING);
    assert_eq!(class_at(folded, "yaml", "kept"), STRING);
    let flow = "env: { RUST_LOG: debug, N: 3 }\nurl: http://x.y/z";
    assert_eq!(class_at(flow, "yaml", "RUST_LOG"), Function);
    assert_eq!(class_at(flow, "yaml", "debug"), STRING);
    assert_eq!(class_at(flow, "yaml", "3 }"), Constant);
    assert_eq!(class_at(flow, "yaml", "http"), STRING);
}

#[test]
fn markup_and_diff_details() {
    let html = "<!DOCTYPE html>\n<a href=\"/x\" hidden>Tom &amp; Jerry</a>\n<style>p { color: #333; }</style>\n<script>const x = 1;</script>";
    assert_eq!(class_at(html, "html", "<!DOCTYPE"), Meta);
    assert_eq!(class_at(html, "html", "a href"), Keyword);
    assert_eq!(class_at(html, "html", "href"), Function);
    assert_eq!(class_at(html, "html", "\"/x\""), STRING);
    assert_eq!(class_at(html, "html", "&amp;"), Constant);
    assert_eq!(class_at(html, "html", "Jerry"), Plain);
    assert_eq!(class_at(html, "html", "color"), Function);
    assert_eq!(class_at(html, "html", "const"), Keyword);
    let css = "@media print {\n  .note:hover, #main { margin: 0 1.5em; color: #fff !important; }\n}";
    assert_eq!(class_at(css, "css", "@media"), Keyword);
    assert_eq!(class_at(css, "css", ".note"), Type);
    assert_eq!(class_at(css, "css", ":hover"), Meta);
    assert_eq!(class_at(css, "css", "margin"), Function);
    assert_eq!(class_at(css, "css", "1.5em"), Constant);
    assert_eq!(class_at(css, "css", "#fff"), Constant);
    assert_eq!(class_at(css, "css", "!important"), Keyword);
    let diff = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same";
    assert_eq!(
        styled(diff, "diff"),
        vec![
            ("diff --git a/x b/x".into(), Keyword),
            ("--- a/x".into(), Keyword),
            ("+++ b/x".into(), Keyword),
            ("@@ -1 +1 @@".into(), Meta),
            ("-old".into(), Constant),
            ("+new".into(), STRING),
        ]
    );
}

#[test]
fn multi_line_tokens_are_cut_at_line_ends() {
    let lines = highlight("/* a\nb */ x", Some("rust"));
    assert_eq!(
        lines[0],
        vec![Span {
            text: "/* a",
            class: Comment
        }]
    );
    assert_eq!(
        lines[1],
        vec![
            Span {
                text: "b */",
                class: Comment
            },
            Span {
                text: " x",
                class: Plain
            }
        ]
    );
}
