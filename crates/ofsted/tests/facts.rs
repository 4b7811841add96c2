//! Every fact of every real report in `tests/fixtures/ofsted/expected.json`, read from the PDF.

mod common;

use chrono::NaiveDate;
use csfeed_ofsted::{extract_text, read_facts};
use serde_json::{Value, json};

/// Fields compared as they are.
const FIELDS: &[&str] = &[
    "kind",
    "local_authority",
    "urn",
    "gss_code",
    "visit_start",
    "visit_end",
    "published",
    "lead_inspector",
    "inspectors",
    "judgements",
];

/// The date Ofsted lists the file under, from its name: `<urn>_<la>_<kind>_<listed-date>.pdf`.
fn listed_date(file: &str) -> NaiveDate {
    let date = file
        .trim_end_matches(".pdf")
        .rsplit('_')
        .next()
        .unwrap_or_default();
    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_else(|_| panic!("{file}: no listed date"))
}

#[test]
fn every_field_of_every_fixture() {
    let expected: Value =
        serde_json::from_slice(&common::read("expected.json")).expect("expected.json is JSON");
    let expected = expected
        .as_object()
        .expect("expected.json maps file names to facts");
    assert!(!expected.is_empty());

    let mut mismatches = Vec::new();
    let mut right = vec![0usize; FIELDS.len() + 1];
    let mut published_from_listing = Vec::new();
    for (file, want) in expected {
        let text = extract_text(&common::read(file)).unwrap_or_else(|error| panic!("{file}: {error}"));
        let read = read_facts(&text);
        if read.published.is_none() {
            published_from_listing.push(file.as_str());
        }
        let got = serde_json::to_value(read.with_listed_date(listed_date(file))).expect("serialisable");
        for (index, field) in FIELDS.iter().enumerate() {
            if want[field] == got[field] {
                right[index] += 1;
            } else {
                mismatches.push(format!(
                    "{file}: {field}: expected {}, got {}",
                    want[field], got[field]
                ));
            }
        }
        let headline_ok = match (&want["headline_starts_with"], &got["headline"]) {
            (Value::Null, Value::Null) => true,
            (Value::String(start), Value::String(headline)) => headline.starts_with(start.as_str()),
            _ => false,
        };
        for (list, starts) in [
            ("priority_actions", "priority_actions_start"),
            ("improvements", "improvements_start"),
        ] {
            let got_items: Vec<&str> = got[list]
                .as_array()
                .map(|items| items.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let want_starts: Vec<&str> = want[starts]
                .as_array()
                .map(|items| items.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let list_ok = got_items.len() == want_starts.len()
                && got_items
                    .iter()
                    .zip(&want_starts)
                    .all(|(item, start)| item.starts_with(start));
            if !list_ok {
                mismatches.push(format!(
                    "{file}: {list}: expected items starting {want_starts:?}, got {got_items:?}"
                ));
            }
        }
        if headline_ok {
            right[FIELDS.len()] += 1;
        } else {
            mismatches.push(format!(
                "{file}: headline: expected to start {}, got {}",
                want["headline_starts_with"], got["headline"]
            ));
        }
    }

    println!("per-field accuracy over {} reports:", expected.len());
    for (field, count) in FIELDS.iter().chain(["headline"].iter()).zip(&right) {
        println!("  {field:<16} {count}/{}", expected.len());
    }
    println!("published filled from the listing (not printed in the report): {published_from_listing:?}");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn json_has_the_cli_shape() {
    let text = extract_text(&common::read("80560_st-helens_focused-visit_2024-07-12.pdf")).expect("a PDF");
    let json = serde_json::to_string(&read_facts(&text)).expect("serialisable");
    let keys = [
        "kind",
        "local_authority",
        "urn",
        "gss_code",
        "successors",
        "visit_start",
        "visit_end",
        "published",
        "inspectors",
        "lead_inspector",
        "judgements",
        "headline",
        "priority_actions",
        "improvements",
    ];
    let positions: Vec<Option<usize>> = keys.iter().map(|key| json.find(&format!("\"{key}\":"))).collect();
    assert!(positions.iter().all(Option::is_some), "{json}");
    assert!(positions.is_sorted(), "fields out of order: {json}");
    let got: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(got.as_object().map(|object| object.len()), Some(keys.len()));
    assert_eq!(got["kind"], json!("focused_visit"));
    assert_eq!(got["visit_start"], json!("2024-04-24"));
    assert_eq!(got["judgements"], json!({}));
    assert_eq!(got["successors"], json!([]));
}

#[test]
fn search_hits_know_their_page() {
    let text = extract_text(&common::read("80471_halton_ilacs_2024-07-12.pdf")).expect("a PDF");
    let full = text.full();
    let hit = full
        .find("What needs to improve?")
        .expect("the heading is in the report");
    assert_eq!(text.page_of(hit), Some(2));
    assert_eq!(text.page_of(0), Some(1));
    assert_eq!(text.page_of(full.len()), None);
}
