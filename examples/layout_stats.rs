//! Prints layout figures for an input (pages, paragraphs per pass, faults, time): a tool for
//! developers tuning the typesetter. `cargo run --release --example layout_stats -- INPUT`
use folio::frontend::{self, LoadOptions};

fn main() {
    let input = std::env::args().nth(1).unwrap_or_else(|| "content".into());
    for source in frontend::discover(std::path::Path::new(&input)).expect("input") {
        let t0 = std::time::Instant::now();
        let loaded = frontend::load(&source, &LoadOptions::default()).expect("load");
        let t1 = std::time::Instant::now();
        let (layout, warnings) = folio::pdf::layout::layout(&loaded.document).expect("layout");
        let t2 = std::time::Instant::now();
        let r = &layout.report;
        let mut passes = [0usize; 5];
        for p in &r.paragraphs {
            passes[p.pass as usize] += 1;
        }
        let hyphens: usize = r.paragraphs.iter().map(|p| p.hyphens).sum();
        let max_run = r.paragraphs.iter().map(|p| p.max_hyphen_run).max().unwrap_or(0);
        println!(
            "{}: {} pages, {} paragraphs (passes 1-4: {:?}), {} hyphens (max run {}), faults {:?}, load {:?}, layout {:?}, warnings {:?}",
            loaded.document.meta.title,
            layout.pages.len(),
            r.paragraphs.len(),
            &passes[1..],
            hyphens,
            max_run,
            r.faults,
            t1 - t0,
            t2 - t1,
            warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>()
        );
    }
}
