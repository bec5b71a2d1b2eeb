//! Unified and plain diffs, line by line: file headers, hunk headers, added and removed lines.

use super::cursor::Sink;
use super::theme::TokenClass as T;

pub(super) fn lex(src: &str, sink: &mut Sink) {
    let mut start = 0;
    for line in src.split('\n') {
        let end = start + line.len();
        let class = if [
            "diff ",
            "index ",
            "--- ",
            "+++ ",
            "new file",
            "deleted file",
            "similarity",
            "rename ",
        ]
        .iter()
        .any(|h| line.starts_with(h))
            || line == "---"
            || line == "+++"
        {
            T::Keyword
        } else if line.starts_with("@@") {
            T::Meta
        } else if line.starts_with('+') || line.starts_with('>') {
            T::String
        } else if line.starts_with('-') || line.starts_with('<') {
            T::Constant
        } else if line.starts_with('\\') {
            T::Comment // "\ No newline at end of file"
        } else {
            T::Plain
        };
        sink.push(start, end, class);
        start = end + 1;
    }
}
