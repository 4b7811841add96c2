//! Throughput of reading reports, on one core: text extraction alone, extraction plus
//! facts, and what reading the facts adds on top of extraction (target: at most 10%).
//!
//! Run with `cargo bench --bench facts`. Uses every PDF in `tests/fixtures/ofsted`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use csfeed_ofsted::{ReportText, extract_text, read_facts};

/// Passes over the fixtures for the timings that include extraction.
const EXTRACTION_ROUNDS: usize = 3;
/// Passes over the extracted texts for the facts-only timing (it is much faster).
const FACTS_ROUNDS: usize = 200;

fn main() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/ofsted");
    let mut pdfs: Vec<Vec<u8>> = match std::fs::read_dir(folder) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "pdf"))
            .filter_map(|path| std::fs::read(path).ok())
            .collect(),
        Err(error) => {
            eprintln!("{folder}: {error}");
            std::process::exit(1);
        }
    };
    pdfs.sort();
    // Warm-up, which also loads the gazetteer once.
    let texts: Vec<ReportText> = pdfs.iter().filter_map(|pdf| extract_text(pdf).ok()).collect();
    if texts.len() != pdfs.len() {
        eprintln!(
            "{} of {} fixtures did not extract",
            pdfs.len() - texts.len(),
            pdfs.len()
        );
        std::process::exit(1);
    }
    let pages: usize = texts.iter().map(|text| text.pages.len()).sum();
    texts.iter().for_each(|text| drop(black_box(read_facts(text))));
    let reports = pdfs.len();
    println!("{reports} reports, {pages} pages, one core");

    let extraction = time(EXTRACTION_ROUNDS, || {
        for pdf in &pdfs {
            drop(black_box(extract_text(black_box(pdf))));
        }
    });
    let both = time(EXTRACTION_ROUNDS, || {
        for pdf in &pdfs {
            if let Ok(text) = extract_text(black_box(pdf)) {
                drop(black_box(read_facts(&text)));
            }
        }
    });
    let facts = time(FACTS_ROUNDS, || {
        for text in &texts {
            drop(black_box(read_facts(black_box(text))));
        }
    });

    let per_report = |total: Duration| total.as_secs_f64() / reports as f64;
    let rate = |seconds: f64| 1.0 / seconds;
    println!(
        "text extraction alone:  {:8.1} reports/s  ({:.1} ms/report)",
        rate(per_report(extraction)),
        per_report(extraction) * 1e3
    );
    println!(
        "extraction + facts:     {:8.1} reports/s  ({:.1} ms/report, measured together)",
        rate(per_report(both)),
        per_report(both) * 1e3
    );
    println!(
        "facts alone:            {:8.1} reports/s  ({:.3} ms/report)",
        rate(per_report(facts)),
        per_report(facts) * 1e3
    );
    println!(
        "facts add {:.2}% on top of extraction (facts alone / extraction alone; target <= 10%)",
        100.0 * per_report(facts) / per_report(extraction)
    );
}

/// Average time of one call of `pass` over `rounds` calls.
fn time(rounds: usize, mut pass: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..rounds {
        pass();
    }
    start.elapsed() / u32::try_from(rounds).unwrap_or(u32::MAX)
}
