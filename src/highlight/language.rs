//! The languages folio highlights, the names and aliases a fence may give them, and which
//! lexer each one runs.

use super::cursor::Sink;
use super::{clike, data, diff, markup, shell};

/// A language folio knows. `Plain` is text shown as is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    Plain,
    Rust,
    Python,
    JavaScript,
    TypeScript,
    Toml,
    /// Shell scripts: `sh`, `bash`, `zsh`.
    Shell,
    /// A terminal session: prompt lines are shell commands, the other lines output.
    Console,
    Json,
    Yaml,
    /// HTML, XML, SVG.
    Html,
    Css,
    C,
    Cpp,
    Go,
    Java,
    Sql,
    Diff,
}

impl Language {
    /// The language a fence's language word names (`rust`, `rs`, `Py`), ignoring ASCII case;
    /// `None` when folio does not know it.
    pub fn from_name(name: &str) -> Option<Language> {
        use Language::*;
        if name.len() > 16 {
            return None;
        }
        let lower = name.to_ascii_lowercase();
        Some(match lower.as_str() {
            "text" | "txt" | "plain" | "plaintext" | "none" | "nohighlight" | "output" => Plain,
            "rust" | "rs" => Rust,
            "python" | "py" | "python3" | "py3" | "pyi" => Python,
            "javascript" | "js" | "jsx" | "mjs" | "cjs" | "node" => JavaScript,
            "typescript" | "ts" | "tsx" | "mts" | "cts" => TypeScript,
            "toml" => Toml,
            "sh" | "bash" | "shell" | "zsh" | "ksh" | "dash" | "shellscript" => Shell,
            "console" | "shell-session" | "shellsession" | "sh-session" | "terminal" => Console,
            "json" | "jsonc" | "json5" | "jsonl" => Json,
            "yaml" | "yml" => Yaml,
            "html" | "htm" | "xhtml" | "xml" | "svg" | "rss" | "atom" | "xsl" => Html,
            "css" => Css,
            "c" | "h" => C,
            "cpp" | "c++" | "cxx" | "cc" | "hpp" | "hxx" | "hh" => Cpp,
            "go" | "golang" => Go,
            "java" => Java,
            "sql" | "sqlite" | "postgresql" | "postgres" | "psql" | "mysql" | "plsql" => Sql,
            "diff" | "patch" | "udiff" => Diff,
            _ => return None,
        })
    }

    /// The canonical name (`rust`, `console`, `text` for plain).
    pub fn name(self) -> &'static str {
        use Language::*;
        match self {
            Plain => "text",
            Rust => "rust",
            Python => "python",
            JavaScript => "javascript",
            TypeScript => "typescript",
            Toml => "toml",
            Shell => "sh",
            Console => "console",
            Json => "json",
            Yaml => "yaml",
            Html => "html",
            Css => "css",
            C => "c",
            Cpp => "cpp",
            Go => "go",
            Java => "java",
            Sql => "sql",
            Diff => "diff",
        }
    }

    /// Run this language's lexer over `code`.
    pub(super) fn lex(self, code: &str, sink: &mut Sink) {
        use Language::*;
        match self {
            Plain => {}
            Rust => clike::lex(code, &clike::RUST, sink),
            Python => clike::lex(code, &clike::PYTHON, sink),
            JavaScript => clike::lex(code, &clike::JAVASCRIPT, sink),
            TypeScript => clike::lex(code, &clike::TYPESCRIPT, sink),
            Toml => data::lex_toml(code, sink),
            Shell => shell::lex(code, sink),
            Console => shell::lex_console(code, sink),
            Json => clike::lex(code, &clike::JSON, sink),
            Yaml => data::lex_yaml(code, sink),
            Html => markup::lex_html(code, sink),
            Css => markup::lex_css(code, sink),
            C => clike::lex(code, &clike::C, sink),
            Cpp => clike::lex(code, &clike::CPP, sink),
            Go => clike::lex(code, &clike::GO, sink),
            Java => clike::lex(code, &clike::JAVA, sink),
            Sql => clike::lex(code, &clike::SQL, sink),
            Diff => diff::lex(code, sink),
        }
    }
}
