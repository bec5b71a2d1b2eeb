//! SVG files as they go into the package: the DOCTYPE (whose external DTD EPUB 3 forbids,
//! HTM-003/OPF-073), scripts, `foreignObject` content and event-handler attributes are removed,
//! and so is every reference that would make a reading system fetch or open something outside
//! the package (`href`s other than `#fragment` or an embedded `data:image/`, style sheets
//! with `@import` or outside `url(...)`). The drawing is otherwise left as it is.

/// Returns the SVG without its DOCTYPE, scripts, event handlers and outside references.
pub fn sanitize(data: &[u8]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(data) else {
        return data.to_vec();
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if tail.starts_with("<!DOCTYPE") || tail.starts_with("<!doctype") {
            rest = &tail[doctype_len(tail)..];
        } else if tail.starts_with("<!--") {
            let end = tail.find("-->").map_or(tail.len(), |i| i + 3);
            out.push_str(&tail[..end]);
            rest = &tail[end..];
        } else if tail.starts_with("<![CDATA[") {
            let end = tail.find("]]>").map_or(tail.len(), |i| i + 3);
            out.push_str(&tail[..end]);
            rest = &tail[end..];
        } else if tail.starts_with("<?") || tail.starts_with("</") {
            let end = tail.find('>').map_or(tail.len(), |i| i + 1);
            out.push_str(&tail[..end]);
            rest = &tail[end..];
        } else {
            let name = tag_name(tail);
            let local = name.rsplit(':').next().unwrap_or(name);
            let removed = match local {
                "script" | "foreignObject" => true,
                "style" => !css_is_local(element_content(tail)),
                _ => false,
            };
            if removed {
                rest = &tail[element_len(tail)..];
            } else {
                let len = tag_len(tail);
                out.push_str(&clean_tag(&tail[..len], local));
                rest = &tail[len..];
            }
        }
    }
    out.push_str(rest);
    out.into_bytes()
}

/// Length of a DOCTYPE declaration, internal subset (`[...]`) included.
fn doctype_len(s: &str) -> usize {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '>' if depth <= 0 => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// The name of the tag `s` starts with (`<name ...`).
fn tag_name(s: &str) -> &str {
    let end = s[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map_or(s.len(), |i| i + 1);
    &s[1..end]
}

/// Length of the start tag `s` starts with, up to its `>` outside quoted values.
fn tag_len(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

/// Length of an element from its start tag to its end tag (or of a self-closing tag).
fn element_len(s: &str) -> usize {
    let tag_end = tag_len(s);
    if s[..tag_end].ends_with("/>") {
        return tag_end;
    }
    let close = format!("</{}", tag_name(s));
    match s[tag_end..].find(&close) {
        Some(i) => {
            let from = tag_end + i;
            s[from..].find('>').map_or(s.len(), |j| from + j + 1)
        }
        None => s.len(),
    }
}

/// The text between an element's start tag and its end tag.
fn element_content(s: &str) -> &str {
    let tag_end = tag_len(s);
    if s[..tag_end].ends_with("/>") {
        return "";
    }
    let close = format!("</{}", tag_name(s));
    let end = s[tag_end..].find(&close).map_or(s.len(), |i| tag_end + i);
    &s[tag_end..end]
}

/// A start tag without event handlers and outside references.
fn clean_tag(tag: &str, element: &str) -> String {
    let Some(name_end) = tag[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map(|i| i + 1)
    else {
        return tag.to_string();
    };
    let mut out = String::from(&tag[..name_end]);
    let mut rest = &tag[name_end..];
    loop {
        let trimmed = rest.trim_start();
        let space = &rest[..rest.len() - trimmed.len()];
        if trimmed.is_empty() || trimmed.starts_with('>') || trimmed.starts_with("/>") {
            out.push_str(rest);
            break;
        }
        if let Some(after_slash) = trimmed.strip_prefix('/') {
            rest = after_slash;
            continue;
        }
        // name [= value]
        let name_len = trimmed
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(trimmed.len())
            .max(1);
        let name = &trimmed[..name_len];
        let mut len = name_len;
        let mut value = "";
        let after = &trimmed[name_len..];
        let after_trim = after.trim_start();
        if let Some(v) = after_trim.strip_prefix('=') {
            let v_trim = v.trim_start();
            let offset = trimmed.len() - v_trim.len();
            let (val, val_len) = match v_trim.chars().next() {
                Some(q @ ('"' | '\'')) => match v_trim[1..].find(q) {
                    Some(i) => (&v_trim[1..i + 1], i + 2),
                    None => (&v_trim[1..], v_trim.len()),
                },
                _ => {
                    let end = v_trim
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(v_trim.len());
                    (&v_trim[..end], end)
                }
            };
            value = val;
            len = offset + val_len;
        }
        if attribute_is_safe(element, name, value) {
            out.push_str(space);
            out.push_str(&trimmed[..len]);
        }
        rest = &trimmed[len..];
    }
    out
}

/// Whether an attribute may stay: no event handler, no reference outside the file.
fn attribute_is_safe(element: &str, name: &str, value: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("on") {
        return false;
    }
    let local = lower.rsplit(':').next().unwrap_or(&lower);
    if matches!(local, "href" | "src") {
        let v = value.trim().to_ascii_lowercase();
        let link =
            element == "a" && (v.starts_with("https:") || v.starts_with("http:") || v.starts_with("mailto:"));
        return link || is_local_reference(&v);
    }
    if lower == "style" || value.contains("url(") || value.contains("URL(") {
        return css_is_local(value);
    }
    true
}

/// A reference that stays inside the file: a fragment, or embedded image data.
fn is_local_reference(lower: &str) -> bool {
    lower.starts_with('#') || lower.starts_with("data:image/")
}

/// Whether CSS text references nothing outside the file (no `@import`, every `url()` local;
/// CSS with escapes, which could spell either, counts as not local).
fn css_is_local(css: &str) -> bool {
    let lower = css.to_ascii_lowercase();
    if lower.contains("@import") || lower.contains('\\') {
        return false;
    }
    lower.match_indices("url(").all(|(i, _)| {
        let arg = lower[i + 4..].trim_start().trim_start_matches(['"', '\'']);
        is_local_reference(arg)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(svg: &str) -> String {
        String::from_utf8(sanitize(svg.as_bytes())).unwrap()
    }

    #[test]
    fn doctype_and_scripts_go() {
        let svg = r#"<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY a "b">]>
<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/><script src="x.js"/></svg>"#;
        let out = clean(svg);
        assert!(
            !out.contains("DOCTYPE") && !out.contains("script") && !out.contains("ENTITY"),
            "{out}"
        );
        assert!(out.contains("<rect width=\"1\" height=\"1\"/>"));
        assert!(out.starts_with("<?xml"));
    }

    #[test]
    fn outside_references_and_handlers_go() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()"><image href="file:///etc/passwd" width="1"/><image xlink:href='https://t.example/p.png' width="2"/><use xlink:href="#a"/><image href="data:image/png;base64,AAAA"/><rect style="fill:url(https://t.example/#g)" ONCLICK="y()"/><rect fill="url(#g)"/><style>@import url(https://t.example/a.css);</style><style><![CDATA[rect{fill:red}]]></style><a href="https://example.com/"><text>link</text></a><a href="javascript:alert(1)"><text>js</text></a><foreignObject><img xmlns="http://www.w3.org/1999/xhtml" src="https://t.example/i.png"/></foreignObject><!-- a > b --></svg>"##;
        let out = clean(svg);
        for gone in [
            "onload",
            "ONCLICK",
            "file:",
            "t.example",
            "javascript:",
            "@import",
            "foreignObject",
        ] {
            assert!(!out.contains(gone), "{gone} kept: {out}");
        }
        for kept in [
            "<use xlink:href=\"#a\"/>",
            "href=\"data:image/png;base64,AAAA\"",
            "<rect fill=\"url(#g)\"/>",
            "<style><![CDATA[rect{fill:red}]]></style>",
            "<a href=\"https://example.com/\">",
            "<image width=\"1\"/>",
            "<!-- a > b -->",
        ] {
            assert!(out.contains(kept), "{kept} lost: {out}");
        }
        roxmltree::Document::parse(&out).expect("still well-formed");
    }
}
