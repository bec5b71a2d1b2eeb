//! The EPUB stylesheet: relative units only, the reader's own margins and font size
//! respected, justified and hyphenated body text, headings kept with what follows, code that
//! wraps, tables that fit, images scaled to the screen. Classes are used rather than
//! attribute selectors (MuPDF and some readers ignore `epub|type` selectors).

/// `@font-face` rules for the embedded fonts: (family, file, weight, style).
pub fn font_faces(fonts: &[(&str, &str, &str, &str)]) -> String {
    let mut out = String::new();
    for (family, file, weight, style) in fonts {
        out.push_str(&format!(
            "@font-face {{\n  font-family: \"{family}\";\n  src: url(\"fonts/{file}\");\n  font-weight: {weight};\n  font-style: {style};\n}}\n"
        ));
    }
    out
}

/// The stylesheet; `serif` and `mono` are the font stacks to use.
pub fn stylesheet(font_faces: &str, serif: &str, mono: &str, highlight_css: &str) -> String {
    format!(
        r#"@charset "UTF-8";
{font_faces}
body {{
  font-family: {serif};
  line-height: 1.4;
  widows: 2;
  orphans: 2;
}}
p {{
  margin: 0 0 0.6em 0;
  text-align: justify;
  -webkit-hyphens: auto;
  -epub-hyphens: auto;
  hyphens: auto;
}}
h1, h2, h3, h4, h5, h6 {{
  font-family: {serif};
  line-height: 1.2;
  text-align: left;
  -webkit-hyphens: none;
  -epub-hyphens: none;
  hyphens: none;
  page-break-after: avoid;
  break-after: avoid;
  page-break-inside: avoid;
  break-inside: avoid;
}}
h1 {{ font-size: 1.6em; margin: 1.2em 0 0.8em 0; }}
h2 {{ font-size: 1.3em; margin: 1.3em 0 0.5em 0; }}
h3 {{ font-size: 1.12em; margin: 1.2em 0 0.4em 0; }}
h4 {{ font-size: 1em; margin: 1em 0 0.3em 0; }}
h5, h6 {{ font-size: 1em; font-style: italic; font-weight: normal; margin: 1em 0 0.3em 0; }}
a {{ color: inherit; }}
a[href] {{ text-decoration: underline; text-decoration-thickness: 0.05em; }}
code, pre, kbd, samp {{
  font-family: {mono};
  font-size: 0.85em;
  -webkit-hyphens: none;
  -epub-hyphens: none;
  hyphens: none;
}}
pre {{
  white-space: pre-wrap;
  word-wrap: break-word;
  overflow-wrap: break-word;
  line-height: 1.3;
  margin: 0.6em 0 0.9em 0;
  padding: 0.5em 0.6em;
  background-color: #f5f5f2;
  border-left: 0.2em solid #999999;
  text-align: left;
}}
pre code {{ font-size: 1em; }}
blockquote {{
  margin: 0.6em 0 0.9em 0;
  padding: 0 0 0 1em;
  border-left: 0.2em solid #999999;
}}
blockquote.alert {{ background-color: #f5f5f2; padding: 0.4em 0.6em; }}
p.alert-title {{ font-weight: bold; }}
ul, ol {{ margin: 0.4em 0 0.8em 0; padding-left: 1.6em; }}
li {{ margin: 0.15em 0; }}
ul.tight li p, ol.tight li p {{ margin: 0; }}
ul.tasks {{ list-style-type: none; padding-left: 0.4em; }}
span.task {{ font-family: {mono}; }}
ul ul {{ list-style-type: circle; }}
ul ul ul {{ list-style-type: square; }}
dl {{ margin: 0.4em 0 0.8em 0; }}
dt {{ font-weight: bold; margin-top: 0.4em; page-break-after: avoid; break-after: avoid; }}
dd {{ margin: 0 0 0.3em 1.5em; }}
div.table {{ width: 100%; overflow-x: auto; margin: 0.6em 0 0.9em 0; }}
table {{ border-collapse: collapse; max-width: 100%; font-size: 0.9em; }}
table {{ border-top: 2px solid #666666; border-bottom: 2px solid #666666; }}
th, td {{ padding: 0.25em 0.5em; vertical-align: top; text-align: left; }}
th {{ font-weight: bold; }}
thead tr {{ border-bottom: 1px solid #666666; }}
th.left, td.left {{ text-align: left; }}
th.center, td.center {{ text-align: center; }}
th.right, td.right {{ text-align: right; }}
figure {{ margin: 0.8em 0; text-align: center; page-break-inside: avoid; break-inside: avoid; }}
img {{ max-width: 100%; height: auto; }}
figure img {{ display: block; margin: 0 auto; }}
img.inline {{ max-height: 1.5em; vertical-align: middle; }}
figcaption {{ font-size: 0.88em; font-style: italic; margin-top: 0.4em; text-align: center; }}
.missing-image {{ border: 1px solid #999999; padding: 0.6em; font-style: italic; text-align: center; }}
span.missing-image {{ padding: 0 0.3em; }}
hr {{ border: 0; border-top: 1px solid #999999; width: 35%; margin: 1.2em auto; }}
.math {{ font-style: italic; }}
div.math.display {{ text-align: center; margin: 0.6em 0; }}
sup, sub {{ font-size: 0.75em; line-height: 0; }}
a.noteref {{ text-decoration: none; }}
section.footnotes {{ margin-top: 2em; font-size: 0.9em; }}
hr.footnotes {{ width: 30%; margin: 1em 0; text-align: left; }}
aside.footnote {{ margin: 0.4em 0; }}
aside.footnote p {{ text-align: left; margin: 0 0 0.3em 0; }}
a.backlink {{ text-decoration: none; }}
div.anchor {{ height: 0; }}
body.cover {{ text-align: center; }}
section.cover {{ margin-top: 25%; text-align: center; }}
h1.cover-title {{ font-size: 2em; margin: 0 0 0.6em 0; text-align: center; }}
p.cover-subtitle {{ font-size: 1.2em; font-style: italic; text-align: center; }}
p.cover-author {{ font-size: 1.1em; margin-top: 2em; text-align: center; }}
p.cover-publisher {{ margin-top: 4em; text-align: center; font-size: 0.9em; }}
div.cover-image {{ text-align: center; }}
div.cover-image img {{ max-height: 95%; }}
nav ol {{ list-style-type: none; padding-left: 1em; }}
{highlight_css}
"#
    )
}
