//! The index catch-up's scan of the articles table leaves its pages out of this process's
//! resident set: a scan of the whole store must not make the process look (and count, to
//! the kernel) as large as the store. Its own test binary, so no other test's memory moves
//! the figure.

#![cfg(target_os = "linux")]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
use csfeed_store::Store;
use url::Url;

/// Articles stored, each with this many bytes of text: like a batch of Ofsted reports.
const ARTICLES: usize = 60;
const TEXT_BYTES: usize = 400 * 1024;

/// The resident size of this process's file-backed pages (memory maps included), KiB.
fn resident_file_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|line| line.starts_with("RssFile:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn report(source: &SourceId, k: usize) -> Article {
    let guid = format!("report-{k}");
    // Distinct words, so nothing folds two reports into one story.
    let text: String = (0..)
        .map(|word| format!("finding{k}x{word} "))
        .flat_map(|word| word.chars().collect::<Vec<_>>())
        .take(TEXT_BYTES)
        .collect();
    Article {
        id: ArticleId::derive(source, &guid),
        source: source.clone(),
        guid: guid.clone(),
        url: Some(Url::parse(&format!("https://reports.example/{guid}.pdf")).unwrap()),
        title: format!("Inspection report {k}"),
        published: Some(
            Utc.with_ymd_and_hms(2025, 1, 1 + (k % 28) as u32, 0, 0, 0)
                .unwrap(),
        ),
        updated: None,
        authors: Vec::new(),
        summary: String::new(),
        content_html: String::new(),
        content_text: text,
        local_authorities: Vec::new(),
        topics: Vec::new(),
    }
}

#[test]
fn scanning_every_article_for_the_index_does_not_keep_the_store_resident() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
    let source = Source {
        id: SourceId::parse("ofsted").unwrap(),
        name: "Ofsted reports".into(),
        url: Url::parse("https://reports.example/provider/{urn}").unwrap(),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(3600),
        enabled: true,
        options: Default::default(),
    };
    store.sync_sources(std::slice::from_ref(&source)).unwrap();
    let seen = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for k in 0..ARTICLES {
        store.upsert_articles(&[report(&source.id, k)], seen).unwrap();
    }
    let stored_kib = (ARTICLES * TEXT_BYTES / 1024) as u64;

    let before = resident_file_kib();
    let mut after_seq = 0;
    let mut scanned = 0;
    loop {
        let batch = store.articles_changed_after(after_seq, 25).unwrap();
        let Some(last) = batch.last() else { break };
        after_seq = last.change_seq;
        scanned += batch.len();
    }
    let grown = resident_file_kib().saturating_sub(before);
    assert_eq!(scanned, ARTICLES);
    assert!(
        grown < stored_kib / 4,
        "scanning {stored_kib} KiB of articles left {grown} KiB more of files resident"
    );
}
