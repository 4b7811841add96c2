//! Feeds that Python's feedparser reads and feed-rs alone did not (issue 16): every case in
//! `tests/fixtures/feeds/conformance/CASES.tsv`, mostly files from feedparser's own suite,
//! must give the stated format, feed title and first item, or fail with a reason.

use std::path::{Path, PathBuf};

use csfeed_core::SourceId;
use csfeed_ingest::{IngestError, parse_feed};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/feeds/conformance")
}

/// One row of `CASES.tsv`; empty cells are `None`.
struct Case {
    file: String,
    expect_ok: bool,
    format: String,
    feed_title: Option<String>,
    items: usize,
    first_title: Option<String>,
    first_key: Option<String>,
}

fn cases() -> Vec<Case> {
    let table = std::fs::read_to_string(folder().join("CASES.tsv")).unwrap();
    let cell = |cells: &[&str], index: usize| {
        cells
            .get(index)
            .map(|cell| cell.to_string())
            .filter(|cell| !cell.is_empty())
    };
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            Case {
                file: cells[0].to_owned(),
                expect_ok: cells[1] == "ok",
                format: cells[2].to_owned(),
                feed_title: cell(&cells, 3),
                items: cell(&cells, 4).map_or(0, |items| items.parse().unwrap()),
                first_title: cell(&cells, 5),
                first_key: cell(&cells, 6),
            }
        })
        .collect()
}

#[test]
fn every_conformance_case_reads_as_feedparser_reads_it() {
    let source = SourceId::parse("conformance").unwrap();
    let cases = cases();
    assert!(cases.len() >= 20, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let bytes = std::fs::read(folder().join(&case.file)).unwrap();
        let parsed = parse_feed(&source, &bytes, None, None);
        let outcome = match (&parsed, case.expect_ok) {
            (Ok(feed), true) => {
                let first = feed.articles.first();
                let got = (
                    feed.format.as_str(),
                    feed.title.as_deref(),
                    feed.articles.len(),
                    first.map(|article| article.title.as_str()),
                    first.map(|article| article.guid.as_str()),
                );
                let want = (
                    case.format.as_str(),
                    case.feed_title.as_deref(),
                    case.items,
                    case.first_title.as_deref(),
                    case.first_key.as_deref(),
                );
                (got != want).then(|| format!("got {got:?}, want {want:?}"))
            }
            (Err(IngestError::NoReadableItems { format, .. }), false) => {
                (*format != case.format).then(|| format!("error names the format {format:?}"))
            }
            (Err(error), true) => Some(format!("failed: {error}")),
            (Ok(feed), false) => Some(format!(
                "parsed with {} items, want an error",
                feed.articles.len()
            )),
            (Err(error), false) => Some(format!("failed for another reason: {error}")),
        };
        if let Some(outcome) = outcome {
            failures.push(format!("{}: {outcome}", case.file));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
