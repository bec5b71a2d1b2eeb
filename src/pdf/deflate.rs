//! zlib compression for the PDF's streams: the level, and compressors that workers reuse
//! from one stream to the next (setting one up clears some 300 KB of tables, more than
//! compressing a page's content stream costs).

/// The zlib level for PDF streams: 3 (`FOLIO_DEFLATE_LEVEL` overrides it, for measuring).
pub fn level() -> u32 {
    std::env::var("FOLIO_DEFLATE_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|l| *l <= 9)
        .unwrap_or(3)
}

/// A compressor to reuse with `zlib`.
pub fn compressor(level: u32) -> flate2::Compress {
    flate2::Compress::new(flate2::Compression::new(level), true)
}

/// Compresses `data` as one zlib stream with a reused compressor.
pub fn zlib(compressor: &mut flate2::Compress, data: &[u8]) -> Option<Vec<u8>> {
    compressor.reset();
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    loop {
        let read = compressor.total_in() as usize;
        let status = compressor
            .compress_vec(&data[read..], &mut out, flate2::FlushCompress::Finish)
            .ok()?;
        match status {
            flate2::Status::StreamEnd => return Some(out),
            _ => out.reserve(out.capacity().max(256)),
        }
    }
}

/// `data` as one zlib stream at `level`, with a compressor of its own (for a few large
/// streams, such as decoded images).
pub fn once(data: &[u8], level: u32) -> Vec<u8> {
    zlib(&mut compressor(level), data).unwrap_or_default()
}
