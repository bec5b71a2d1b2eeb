"""Writes the fuzzers' seed corpus (fuzz/corpus/<target>/) and the image fixtures of the
hostile-input tests (tests/fixtures/images/). Run from the repository root: python3 fuzz/seeds.py"""
import io, os, struct, zlib
from PIL import Image

root = os.getcwd()
def put(folder, name, data):
    d = os.path.join(root, folder)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

md = {
 "heading": "# Title\n\n## Section {#sec .cls}\n\nText with *em*, **strong**, ~~gone~~, `code`, ^sup^ and ~sub~.\n",
 "front-matter": "---\ntitle: A & B\nauthor: [Ann, {name: Bob}]\nlang: fr\nkeywords: x, y\npdf:\n  page-size: a5\n  margins: [2cm, 1cm]\n  justify: false\nepub:\n  embed-fonts: false\n---\n\n# Doc\n\nText.\n",
 "lists": "1. one\n2. two\n   - nested\n     - deeper\n       > quoted\n3. three\n\n- [ ] task\n- [x] done\n",
 "loose-list": "- a\n\n- b\n\n  para\n\n7. seven\n8. eight\n",
 "quote-alert": "> [!NOTE]\n> A note.\n\n> [!WARNING]\n> Careful.\n\n> > nested\n> > quote\n",
 "table": "| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n| *x* | `y` | [z](#t) |\n",
 "footnotes": "Text[^1] and more[^n].\n\n[^1]: One.\n[^n]: Two\n\n    with a paragraph.\n\nUnused[^gone].\n",
 "code": "```rust\nfn main() {\n    println!(\"hi\");\n}\n```\n\n    indented\n    code\n\n```console\n$ ls -la\ntotal 0\n```\n",
 "math": "Inline $x^2$ and display:\n\n$$\\int_0^1 f(x)\\,dx$$\n\nafter $$a=b$$ text.\n",
 "deflist": "Term\n: Definition one\n: Definition two\n\nOther *term*\n: > quoted def\n",
 "html": "<div dir=\"rtl\" lang=\"ar\">\n\nمرحبا\n\n</div>\n\n<p>para <b>bold</b> <i>it</i><br>x<sup>2</sup></p>\n\n<script>alert(1)</script>\n\n<span id=\"a\">Option<T></span> <a href=\"#a\">link</a>\n",
 "html-unclosed": "<div><p><em>unclosed <strong>tags\n\n# After\n\n</span></div></div>\n<style>x{}\n",
 "images": "![A png](a.png \"Caption\")\n\n![svg](a.svg)\n\n![gone](missing.png) ![remote](https://example.com/x.png) ![data](data:image/png;base64,AAAA)\n\n<img src=\"a.png\" alt=\"html\">\n",
 "links": "[in](#title) [ext](https://example.com) [mail](mailto:a@b.c) <https://auto.link> [ref][r] [broken](nowhere.md#x)\n\n[r]: https://example.com \"T\"\n\n# Title\n",
 "toc": "[TOC]\n\n# One\n\n## Two\n\n### Three\n\n#### Four\n\n##### Five\n\n###### Six\n",
 "rule-breaks": "a  \nb\\\nc\n\n---\n\n***\n\nSetext\n======\n\nTwo\n---\n",
 "entities": "&amp; &lt; &copy; &#x1F600; &#0; &bogus; \"quotes\" 'single' -- --- ...\n",
 "rtl": "---\nlang: he\n---\n\n# שלום\n\nעברית עם English בתוך.\n",
 "cjk": "# 中文\n\n这是一个很长的句子没有空格需要被正确地断行这是一个很长的句子没有空格需要被正确地断行。日本語のテキスト。\n",
 "long-word": "Supercalifragilisticexpialidocious" * 8 + " https://example.com/" + "a" * 200 + "\n",
 "emphasis-run": "*" * 60 + "x" + "_" * 60 + "\n\n" + "[" * 60 + "\n",
 "nesting": "> " * 50 + "deep\n\n" + "".join("  " * i + "- x\n" for i in range(30)),
 "crlf-bom": "\ufeff# CRLF\r\n\r\nline\rline\r\n",
 "nul": "a\x00b\x01c\n",
 "hard-wrap-table": "| " + " | ".join(str(i) for i in range(40)) + " |\n|" + "---|" * 40 + "\n| " + " | ".join("w" * 10 for _ in range(40)) + " |\n",
 "heading-attrs": "# A {#same}\n\n# B {#same}\n\n# {#empty}\n\n#\n",
 "keyword-soup": "<div>\n\n- item <em>x\n\n</div>\n\n> <p>quote\n\n1. <h2>head</h2>\n",
 "emoji": "# 😀 Emoji\n\nText 👍🏽 with ZWJ 👨‍👩‍👧 and combining é.\n",
 "tabs": "\tcode with tab\n\n-\ttab item\n\n>\ttab quote\n",
}
for name, text in md.items():
    put("fuzz/corpus/markdown", name + ".md", text)

fm = {
 "basic": "title: Doc\nauthor: Ann\nlang: en-GB\ndate: 2024-05-01\n",
 "lists": "authors:\n  - Ann\n  - name: Bob\nkeywords: [a, b, c]\n",
 "pdf": "pdf:\n  page-size: 6x9in\n  margins: 2cm\n  font-size: 11\n  two-sided: true\n  fonts:\n    regular: x.ttf\n",
 "toml": "title = \"B\"\nchapters = [\"a.md\", \"b.md\"]\n[pdf]\npage-size = \"a5\"\nmargins = [\"2cm\", \"1.5cm\"]\n[epub]\nembed-fonts = true\n",
 "alias": "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\ntitle: *a\n",
 "tags": "title: !!str 12\ndate: !custom 2024\nkeywords: !!set {a, b}\n",
 "wrong-types": "title: [a, b]\nlang: 12\npdf: yes\n",
 "multiline": "description: |\n  line one\n  line two\nrights: >\n  folded\n  text\n",
 "unicode": "title: \"\\u00e9t\\u00e9 \\U0001F600\"\nsubtitle: 'it''s'\n",
 "numbers": "title: 1e400\nidentifier: 0x1F\ndate: .nan\npdf:\n  font-size: -.inf\n",
}
for name, text in fm.items():
    put("fuzz/corpus/front_matter", name + ".yaml", text)

def png_bytes(img, **kw):
    b = io.BytesIO(); img.save(b, "PNG", **kw); return b.getvalue()
def jpeg_bytes(img, **kw):
    b = io.BytesIO(); img.save(b, "JPEG", **kw); return b.getvalue()

def chunk(t, data):
    return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data) & 0xffffffff)

def png_raw(w, h, depth, color, rows, interlace=0):
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")

def interlaced_png(w, h):
    # 8-bit RGB, Adam7: each pass's rows with filter byte 0.
    passes = [(0,0,8,8),(4,0,8,8),(0,4,4,8),(2,0,4,4),(0,2,2,4),(1,0,2,2),(0,1,1,2)]
    out = b""
    for (x0, y0, dx, dy) in passes:
        xs = list(range(x0, w, dx)); ys = list(range(y0, h, dy))
        if not xs or not ys: continue
        for y in ys:
            out += b"\x00" + b"".join(bytes(((x*37)%256, (y*53)%256, 128)) for x in xs)
    return png_raw(w, h, 8, 2, out, interlace=1)

grad = Image.new("RGB", (12, 8))
for x in range(12):
    for y in range(8):
        grad.putpixel((x, y), (x * 20, y * 30, 100))

images = {
 "rgb.png": png_bytes(grad),
 "rgba.png": png_bytes(grad.convert("RGBA")),
 "gray.png": png_bytes(grad.convert("L")),
 "palette.png": png_bytes(grad.convert("P")),
 "gray16.png": png_raw(4, 3, 16, 0, b"".join(b"\x00" + b"".join(struct.pack(">H", (x*y*4000)%65536) for x in range(4)) for y in range(3))),
 "rgb16.png": png_raw(3, 2, 16, 2, b"".join(b"\x00" + b"".join(struct.pack(">HHH", x*9000, y*20000, 30000) for x in range(3)) for y in range(2))),
 "interlaced.png": interlaced_png(9, 7),
 "baseline.jpg": jpeg_bytes(grad, quality=60),
 "progressive.jpg": jpeg_bytes(grad, quality=60, progressive=True),
 "gray.jpg": jpeg_bytes(grad.convert("L"), quality=60),
 "cmyk.jpg": jpeg_bytes(grad.convert("CMYK"), quality=60),
 "anim.gif": b"",
 "small.svg": b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="4cm"><rect x="1" y="1" width="38" height="18" fill="#c00" stroke="black"/><text x="4" y="14" font-size="10">Hi</text></svg>',
 "svg-doctype.svg": b'<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="30" height="30"><defs><linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient></defs><circle cx="15" cy="15" r="12" fill="url(#g)"/><use xlink:href="#c"/></svg>',
 "svg-external.svg": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="50" height="50"><image href="file:///etc/passwd" width="10" height="10"/><image xlink:href="http://example.com/x.png" width="10" height="10"/><image href="../outside.png" width="10" height="10"/><style>@import url(http://example.com/a.css);</style><script>alert(1)</script><a href="javascript:alert(1)"><rect width="5" height="5" onclick="x()"/></a></svg>',
}
frames = [grad.convert("P"), grad.transpose(Image.FLIP_LEFT_RIGHT).convert("P")]
b = io.BytesIO(); frames[0].save(b, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0); images["anim.gif"] = b.getvalue()
try:
    b = io.BytesIO(); grad.save(b, "WEBP", quality=50); images["lossy.webp"] = b.getvalue()
    b = io.BytesIO(); grad.convert("RGBA").save(b, "WEBP", lossless=True); images["lossless.webp"] = b.getvalue()
except Exception as e:
    print("no webp:", e)

for name, data in images.items():
    put("fuzz/corpus/image", name, data)

# Hostile fixtures for the tests (also seeds).
hostile = {
 "truncated.jpg": images["baseline.jpg"][: len(images["baseline.jpg"]) // 2],
 "truncated.png": images["rgb.png"][:60],
 "png-labelled.jpg": images["rgb.png"],
 "huge-declared.png": png_raw(100000, 100000, 8, 2, b"\x00" * 64),
}
for name, data in hostile.items():
    put("fuzz/corpus/image", name, data)
for name in ["cmyk.jpg", "progressive.jpg", "gray16.png", "rgb16.png", "interlaced.png", "anim.gif", "lossy.webp"]:
    put("tests/fixtures/images", name, images[name])
for name, data in hostile.items():
    put("tests/fixtures/images", name, data)
print("ok")
