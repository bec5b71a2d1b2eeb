//! Shell scripts (`sh`, `bash`) and terminal sessions (`console`).
//!
//! A script: keywords, the command word of each command, strings, variables, comments. A
//! session: a line that starts with a prompt (`$ `, `# `, `% `, `> `) is a command, lexed as
//! shell after its prompt; every other line is the program's output, left plain.

use super::cursor::{Cursor, Sink, in_table, is_ident_continue, is_ident_start};
use super::theme::TokenClass as T;

const KEYWORDS: &[&str] = &[
    "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "select", "then",
    "time", "until", "while",
];

/// Keywords after which a command word comes.
const COMMAND_FOLLOWS: &[&str] = &["do", "elif", "else", "if", "then", "time", "until", "while"];

/// Bytes that end a word.
fn ends_word(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b';' | b'|' | b'&' | b'(' | b')' | b'<' | b'>' | b'"' | b'\'' | b'`' | b'$'
        )
}

pub(super) fn lex(src: &str, sink: &mut Sink) {
    let mut cur = Cursor::new(src);
    let mut command = true; // the next word is a command name
    while let Some(b) = cur.peek() {
        let start = cur.pos;
        match b {
            // `2>&1`, `&>file`: redirections, not `&` ending a command.
            b'&' if start > 0 && matches!(cur.byte_at(start - 1), Some(b'>' | b'<'))
                || cur.peek_at(1) == Some(b'>') =>
            {
                cur.pos += 1;
            }
            b'\n' | b';' | b'|' | b'&' | b'(' | b'`' => {
                command = true;
                cur.pos += 1;
            }
            b' ' | b'\t' | b'\r' | b')' | b'<' | b'>' => cur.pos += 1,
            b'#' if start == 0 || cur.byte_at(start - 1).is_some_and(ends_word) => {
                cur.skip_to_eol();
                sink.push(start, cur.pos, T::Comment);
            }
            b'\'' => {
                cur.pos += 1;
                cur.skip_past("'");
                sink.push(start, cur.pos, T::String);
                command = false;
            }
            b'"' => {
                double_quoted(&mut cur, sink);
                command = false;
            }
            b'$' => {
                if cur.peek_at(1) == Some(b'(') {
                    cur.pos += 2;
                    command = true;
                } else {
                    variable(&mut cur);
                    sink.push(start, cur.pos, T::Constant);
                    command = false;
                }
            }
            b'\\' => {
                cur.pos += 1;
                cur.bump_char();
            }
            _ => {
                while let Some(c) = cur.peek() {
                    if ends_word(c) {
                        break;
                    }
                    if c == b'\\' {
                        cur.pos += 1;
                    }
                    cur.bump_char();
                }
                if cur.pos == start {
                    cur.bump_char(); // a lone separator such as a form feed
                    continue;
                }
                let word = &src[start..cur.pos];
                let assignment = word
                    .find('=')
                    .is_some_and(|i| i > 0 && word[..i].bytes().all(is_ident_continue));
                if in_table(KEYWORDS, word, false) && (command || word == "in") {
                    sink.push(start, cur.pos, T::Keyword);
                    command = in_table(COMMAND_FOLLOWS, word, false);
                } else if command && (assignment || cur.peek() == Some(b')')) {
                    // `NAME=value cmd`: the command word still follows; `pat)`: a case pattern.
                } else if command {
                    sink.push(start, cur.pos, T::Function);
                    command = false;
                }
            }
        }
    }
}

/// `"…"`, with `$var` and `\x` inside.
fn double_quoted(cur: &mut Cursor, sink: &mut Sink) {
    let mut seg = cur.pos;
    cur.pos += 1;
    while let Some(b) = cur.peek() {
        match b {
            b'"' => {
                cur.pos += 1;
                break;
            }
            b'\\' => {
                cur.pos += 1;
                cur.bump_char();
            }
            b'$' if cur.peek_at(1) == Some(b'(') => {
                // `$(…)` may hold quotes of its own: skip it whole, balanced.
                cur.pos += 2;
                skip_substitution(cur);
            }
            b'$' if cur
                .peek_at(1)
                .is_some_and(|c| is_ident_start(c) || c == b'{' || c.is_ascii_digit()) =>
            {
                sink.push(seg, cur.pos, T::String);
                let var = cur.pos;
                variable(cur);
                sink.push(var, cur.pos, T::Constant);
                seg = cur.pos;
            }
            _ => cur.bump_char(),
        }
    }
    sink.push(seg, cur.pos, T::String);
}

/// The body of `$(…)` inside a double-quoted string, to its closing `)`.
fn skip_substitution(cur: &mut Cursor) {
    let mut depth = 1usize;
    while let Some(b) = cur.peek() {
        match b {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    cur.pos += 1;
                    return;
                }
            }
            b'"' | b'\'' => {
                cur.pos += 1;
                while let Some(c) = cur.peek() {
                    cur.bump_char();
                    if c == b'\\' && b == b'"' {
                        cur.bump_char();
                    } else if c == b {
                        break;
                    }
                }
                continue;
            }
            b'\\' => cur.pos += 1,
            _ => {}
        }
        cur.bump_char();
    }
}

/// `$name`, `${…}`, `$1`, `$?`: the cursor is on `$`.
fn variable(cur: &mut Cursor) {
    cur.pos += 1;
    match cur.peek() {
        Some(b'{') => {
            while let Some(b) = cur.peek() {
                if b == b'\n' {
                    break;
                }
                cur.bump_char();
                if b == b'}' {
                    break;
                }
            }
        }
        Some(b) if is_ident_start(b) => cur.eat_while(is_ident_continue),
        Some(b) if b.is_ascii_digit() || matches!(b, b'?' | b'@' | b'*' | b'#' | b'!' | b'$' | b'-') => {
            cur.pos += 1
        }
        _ => {}
    }
}

/// The prompt a session line starts with, as a length in bytes (`$ ` is 2), if any.
fn prompt_len(line: &str) -> Option<usize> {
    if line == "$" || line == "#" {
        return Some(1);
    }
    if line.starts_with("PS> ") {
        return Some(4);
    }
    let b = line.as_bytes();
    (b.len() >= 2 && matches!(b[0], b'$' | b'#' | b'%' | b'>') && b[1] == b' ').then_some(2)
}

pub(super) fn lex_console(src: &str, sink: &mut Sink) {
    let mut continued = false; // the previous command line ended with `\`
    let mut line_start = 0;
    for line in src.split('\n') {
        let command = if continued { Some(0) } else { prompt_len(line) };
        if let Some(p) = command {
            sink.push(line_start, line_start + p, T::Meta);
            let base = sink.base;
            sink.base += line_start + p;
            lex(&line[p..], sink);
            sink.base = base;
            continued = line.ends_with('\\');
        }
        line_start += line.len() + 1;
    }
}
