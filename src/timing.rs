//! Phase timings for developers: with `FOLIO_TIMING=1` each phase of an export prints how
//! long it took to standard error. Silent otherwise; never part of tests.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("FOLIO_TIMING").is_some_and(|v| v == "1"))
}

/// A running phase; reports its duration when dropped.
pub struct Phase {
    label: &'static str,
    start: Instant,
}

/// Starts timing `label`.
pub fn phase(label: &'static str) -> Phase {
    Phase {
        label,
        start: Instant::now(),
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if enabled() {
            eprintln!(
                "timing: {:<24} {:>8.1} ms",
                self.label,
                self.start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}
