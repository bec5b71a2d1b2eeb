//! Markdown text (with front matter, raw HTML, images naming the scratch folder's files)
//! through the front end, the model and both backends.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::export_markdown(data);
});
