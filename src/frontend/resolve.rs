//! Link resolution, once every file of a document is read: `#id`, `file.md#id`, `file.md`
//! and mdBook-style `file.html#id` links become targets inside the document; what cannot be
//! resolved is warned about and rendered as plain text.

use std::collections::HashMap;

use crate::diagnostics::{Warning, WarningKind};
use crate::model::{Block, BlockKind, Chapter, Inline, LinkTarget, SourcePos};

/// Resolves every `LinkTarget::Unresolved` of the chapters in place.
pub fn resolve_links(chapters: &mut [Chapter], files: &[String], warnings: &mut Vec<Warning>) {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut by_file: HashMap<String, usize> = HashMap::new();
    for (ci, chapter) in chapters.iter().enumerate() {
        ids.insert(chapter.id.clone(), ci);
        collect_ids(&chapter.blocks, ci, &mut ids);
        if let Some(f) = files.get(chapter.file) {
            by_file.insert(f.clone(), ci);
        }
    }
    let index = Index {
        ids,
        by_file,
        chapter_ids: chapters.iter().map(|c| c.id.clone()).collect(),
        files,
    };
    for (ci, chapter) in chapters.iter_mut().enumerate() {
        let here = files.get(chapter.file).cloned().unwrap_or_default();
        for block in &mut chapter.blocks {
            walk_block(block, &mut |inlines, pos| {
                resolve_inlines(inlines, &index, ci, &here, pos, warnings)
            });
        }
    }
}

struct Index<'a> {
    ids: HashMap<String, usize>,
    by_file: HashMap<String, usize>,
    chapter_ids: Vec<String>,
    files: &'a [String],
}

fn collect_ids(blocks: &[Block], chapter: usize, ids: &mut HashMap<String, usize>) {
    crate::model::visit_blocks(blocks, &mut |b| {
        if let BlockKind::Heading { id, .. } = &b.kind {
            ids.insert(id.clone(), chapter);
        }
        for_each_inlines(b, &mut |inlines| collect_anchor_ids(inlines, chapter, ids));
    });
}

fn collect_anchor_ids(inlines: &[Inline], chapter: usize, ids: &mut HashMap<String, usize>) {
    for i in inlines {
        match i {
            Inline::Anchor { id } => {
                ids.insert(id.clone(), chapter);
            }
            Inline::Emphasis { content }
            | Inline::Strong { content }
            | Inline::Strikethrough { content }
            | Inline::Superscript { content }
            | Inline::Subscript { content }
            | Inline::Link { content, .. } => collect_anchor_ids(content, chapter, ids),
            _ => {}
        }
    }
}

/// Calls `f` on the inline content held directly by a block (not by nested blocks).
fn for_each_inlines(block: &Block, f: &mut impl FnMut(&[Inline])) {
    match &block.kind {
        BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => f(content),
        BlockKind::Figure { caption, .. } => f(caption),
        BlockKind::Table { head, rows, .. } => {
            for cell in head.iter().chain(rows.iter().flatten()) {
                f(cell);
            }
        }
        BlockKind::DefinitionList { items } => {
            for item in items {
                f(&item.term);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every inline sequence in `block` and its nested blocks, with its position.
pub fn walk_block(block: &mut Block, f: &mut impl FnMut(&mut Vec<Inline>, SourcePos)) {
    let pos = block.pos;
    match &mut block.kind {
        BlockKind::Paragraph { content } | BlockKind::Heading { content, .. } => f(content, pos),
        BlockKind::Figure { caption, .. } => f(caption, pos),
        BlockKind::Table { head, rows, .. } => {
            for cell in head.iter_mut().chain(rows.iter_mut().flatten()) {
                f(cell, pos);
            }
        }
        BlockKind::DefinitionList { items } => {
            for item in items {
                f(&mut item.term, pos);
                for def in &mut item.definitions {
                    for b in def {
                        walk_block(b, f);
                    }
                }
            }
        }
        BlockKind::BlockQuote { blocks, .. } | BlockKind::Division { blocks, .. } => {
            for b in blocks {
                walk_block(b, f);
            }
        }
        BlockKind::List { items, .. } => {
            for item in items {
                for b in &mut item.blocks {
                    walk_block(b, f);
                }
            }
        }
        BlockKind::CodeBlock { .. }
        | BlockKind::Math { .. }
        | BlockKind::ThematicBreak
        | BlockKind::TableOfContents => {}
    }
}

fn resolve_inlines(
    inlines: &mut [Inline],
    index: &Index,
    chapter: usize,
    here: &str,
    pos: SourcePos,
    warnings: &mut Vec<Warning>,
) {
    for inline in inlines {
        match inline {
            Inline::Link { target, content, .. } => {
                if let LinkTarget::Unresolved { href } = target {
                    match resolve_href(href, index, chapter, here) {
                        Some(t) => *target = t,
                        None => warnings.push(Warning::new(
                            WarningKind::DanglingLink,
                            here,
                            pos.line,
                            if href.is_empty() {
                                "link with an empty target; shown as text".to_string()
                            } else {
                                format!("link target {href} is not in this document; shown as text")
                            },
                        )),
                    }
                }
                resolve_inlines(content, index, chapter, here, pos, warnings);
            }
            Inline::Emphasis { content }
            | Inline::Strong { content }
            | Inline::Strikethrough { content }
            | Inline::Superscript { content }
            | Inline::Subscript { content } => resolve_inlines(content, index, chapter, here, pos, warnings),
            _ => {}
        }
    }
}

fn resolve_href(href: &str, index: &Index, chapter: usize, here: &str) -> Option<LinkTarget> {
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (href, None),
    };
    let fragment = fragment.map(decode_fragment);
    let target_chapter = if path.is_empty() {
        chapter
    } else {
        let joined = join_relative(here, path);
        let alt = joined
            .strip_suffix(".html")
            .or_else(|| joined.strip_suffix(".htm"))
            .map(|s| format!("{s}.md"));
        *index
            .by_file
            .get(&joined)
            .or_else(|| alt.as_ref().and_then(|a| index.by_file.get(a)))?
    };
    match fragment.as_deref() {
        None | Some("") => Some(LinkTarget::Internal {
            chapter: target_chapter,
            id: index.chapter_ids.get(target_chapter)?.clone(),
        }),
        Some(frag) => {
            let found = index.ids.get(frag)?;
            Some(LinkTarget::Internal {
                chapter: *found,
                id: frag.to_string(),
            })
        }
    }
    .filter(|_| !index.files.is_empty())
}

fn decode_fragment(f: &str) -> String {
    if f.contains('%') {
        let bytes = f.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%'
                && i + 2 < bytes.len()
                && let Ok(v) = u8::from_str_radix(&f[i + 1..i + 3], 16)
            {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8(out).unwrap_or_else(|_| f.to_string())
    } else {
        f.to_string()
    }
}

/// Joins a relative link path to the directory of the file `here` (both `/`-separated).
fn join_relative(here: &str, path: &str) -> String {
    let mut parts: Vec<&str> = here.split('/').collect();
    parts.pop();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(join_relative("a/b.md", "c.md"), "a/c.md");
        assert_eq!(join_relative("a/b.md", "../c.md"), "c.md");
        assert_eq!(join_relative("b.md", "./c.md"), "c.md");
    }
}
