//! Image bytes: recognised and measured by the front end, then (when accepted) placed in a
//! document exported to PDF (JPEG pass-through, raster decoding, SVG as vector forms) and
//! EPUB (SVG sanitising).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let dir = common::scratch();
    if folio::frontend::images::measure(data).is_err() {
        return;
    }
    std::fs::write(dir.join("fuzzed.img"), data).unwrap();
    common::export_markdown(b"# Image\n\n![An image](fuzzed.img \"Caption\")\n\nText ![inline](fuzzed.img) after.\n");
});
