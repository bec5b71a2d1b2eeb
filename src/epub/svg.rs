//! SVG files as they go into the package: the DOCTYPE (whose external DTD EPUB 3 forbids,
//! HTM-003/OPF-073) and any script are removed; the drawing is left as it is.

/// Returns the SVG without its DOCTYPE declaration and `<script>` elements.
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
        } else if tail.starts_with("<script") || tail.starts_with("<svg:script") {
            rest = &tail[element_len(tail)..];
        } else {
            out.push('<');
            rest = &tail[1..];
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

/// Length of an element from its start tag to its end tag (or of a self-closing tag).
fn element_len(s: &str) -> usize {
    let Some(tag_end) = s.find('>') else {
        return s.len();
    };
    if s[..tag_end].ends_with('/') {
        return tag_end + 1;
    }
    let name_end = s[1..]
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .map_or(s.len(), |i| i + 1);
    let close = format!("</{}>", &s[1..name_end]);
    s.find(&close).map_or(s.len(), |i| i + close.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctype_and_scripts_go() {
        let svg = r#"<?xml version="1.0"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [<!ENTITY a "b">]>
<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="1" height="1"/><script src="x.js"/></svg>"#;
        let out = String::from_utf8(sanitize(svg.as_bytes())).unwrap();
        assert!(
            !out.contains("DOCTYPE") && !out.contains("script") && !out.contains("ENTITY"),
            "{out}"
        );
        assert!(out.contains("<rect width=\"1\" height=\"1\"/>"));
        assert!(out.starts_with("<?xml"));
    }
}
