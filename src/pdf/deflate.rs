//! zlib compression for the PDF's streams (libdeflate): the level, and compressors that
//! workers reuse from one stream to the next.
//!
//! libdeflate compresses a whole buffer at once, which is what page content streams, fonts
//! and decoded images are. On the rust-book's 8 MB of content streams, libdeflate at level 1
//! took 28 ms for 2.00 MB where zlib-rs took 68 ms for 1.92 MB at its level 3 (and 29 ms for
//! 2.78 MB at its level 1).

/// The libdeflate level for PDF streams: 1 (`FOLIO_DEFLATE_LEVEL`, 1 to 12, overrides it,
/// for measuring).
pub fn level() -> i32 {
    std::env::var("FOLIO_DEFLATE_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|l| (1..=12).contains(l))
        .unwrap_or(1)
}

/// A compressor to reuse with `zlib`.
pub fn compressor(level: i32) -> libdeflater::Compressor {
    let level = libdeflater::CompressionLvl::new(level).unwrap_or_default();
    libdeflater::Compressor::new(level)
}

/// Compresses `data` as one zlib stream with a reused compressor.
pub fn zlib(compressor: &mut libdeflater::Compressor, data: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0u8; compressor.zlib_compress_bound(data.len())];
    let len = compressor.zlib_compress(data, &mut out).ok()?;
    out.truncate(len);
    Some(out)
}

/// `data` as one zlib stream at `level`, with a compressor of its own (for a few large
/// streams, such as decoded images).
pub fn once(data: &[u8], level: i32) -> Vec<u8> {
    zlib(&mut compressor(level), data).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    /// What libdeflate writes is a zlib stream that another inflater reads back exactly.
    #[test]
    fn streams_inflate_back() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 13 + i / 1000) as u8).collect();
        for level in [1, 6, 12] {
            let packed = super::once(&data, level);
            assert!(packed.len() < data.len() / 4, "level {level}: {}", packed.len());
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&packed[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "level {level}");
        }
        assert!(
            !super::once(&[], 1).is_empty(),
            "an empty stream is still a zlib stream"
        );
    }
}
