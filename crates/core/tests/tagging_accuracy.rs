//! Tagging accuracy on the labelled set in `tests/fixtures/tagging/labelled.tsv`: prints
//! precision and recall for councils and topics, and holds councils to the targets
//! (precision ≥ 98%, recall ≥ 95%).

use std::collections::BTreeSet;
use std::path::Path;

use csfeed_core::tag_text;

#[derive(Default)]
struct Score {
    true_positives: usize,
    false_positives: usize,
    false_negatives: usize,
}

impl Score {
    fn add(&mut self, expected: &BTreeSet<String>, found: &BTreeSet<String>) {
        self.true_positives += expected.intersection(found).count();
        self.false_positives += found.difference(expected).count();
        self.false_negatives += expected.difference(found).count();
    }

    fn precision(&self) -> f64 {
        self.true_positives as f64 / (self.true_positives + self.false_positives).max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.true_positives as f64 / (self.true_positives + self.false_negatives).max(1) as f64
    }
}

fn set(column: &str) -> BTreeSet<String> {
    column
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn councils_are_found_precisely_and_completely() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tagging/labelled.tsv");
    let labelled = std::fs::read_to_string(&path).expect("the labelled set is in the repo");
    let (mut councils, mut topics) = (Score::default(), Score::default());
    let mut mistakes = Vec::new();
    let mut rows = 0;
    for line in labelled.lines().skip(1).filter(|line| !line.trim().is_empty()) {
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 3, "malformed row: {line}");
        let tags = tag_text(columns[0]);
        let found_councils: BTreeSet<String> = tags.gss_codes().into_iter().collect();
        let expected_councils = set(columns[1]);
        if found_councils != expected_councils {
            mistakes.push(format!(
                "{}\n    expected {expected_councils:?}, found {found_councils:?}",
                columns[0]
            ));
        }
        councils.add(&expected_councils, &found_councils);
        topics.add(&set(columns[2]), &tags.topic_slugs().into_iter().collect());
        rows += 1;
    }
    println!(
        "tagging on {rows} labelled texts: councils precision {:.1}% recall {:.1}%; topics precision {:.1}% recall {:.1}%",
        councils.precision() * 100.0,
        councils.recall() * 100.0,
        topics.precision() * 100.0,
        topics.recall() * 100.0
    );
    for mistake in &mistakes {
        println!("  {mistake}");
    }
    assert!(rows >= 150, "only {rows} labelled rows");
    assert!(
        councils.precision() >= 0.98,
        "council precision {:.3}",
        councils.precision()
    );
    assert!(
        councils.recall() >= 0.95,
        "council recall {:.3}",
        councils.recall()
    );
}
