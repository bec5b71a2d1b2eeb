//! Build script: compresses the bundled fonts once, at build time, for the EPUB backend (an
//! EPUB carries them deflated; doing it here saves that work in every export).

use std::io::Write;
use std::path::Path;

const FONTS: [&str; 8] = [
    "SourceSerif4SmText-Regular.ttf",
    "SourceSerif4SmText-It.ttf",
    "SourceSerif4SmText-Bold.ttf",
    "SourceSerif4SmText-BoldIt.ttf",
    "JetBrainsMono-Regular.ttf",
    "JetBrainsMono-Italic.ttf",
    "JetBrainsMono-Bold.ttf",
    "JetBrainsMono-BoldItalic.ttf",
];

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for name in FONTS {
        let path = Path::new("fonts").join(name);
        println!("cargo::rerun-if-changed={}", path.display());
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&data).expect("deflate in memory");
        let deflated = encoder.finish().expect("deflate in memory");
        let mut crc = crc32fast::Hasher::new();
        crc.update(&data);
        let target = Path::new(&out).join(format!("{name}.deflate"));
        std::fs::write(&target, deflated).expect("write to OUT_DIR");
        std::fs::write(
            Path::new(&out).join(format!("{name}.crc32")),
            crc.finalize().to_le_bytes(),
        )
        .expect("write to OUT_DIR");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
