//! Digest at scale: 10,000 confirmed subscribers, each following 3 searches (drawn from
//! councils, topics, regions and sector words), over the 100,000-article synthetic corpus;
//! one real `csfeed digest --frequency daily` run to the outbox, printing subscribers per
//! second and the process's peak RSS.
//!
//! Run with `cargo bench --bench digest_scale` (`DIGEST_SCALE_DOCS=20000
//! DIGEST_SCALE_SUBSCRIBERS=2000` for a quick run). Figures are printed; nothing is asserted.

use std::time::{Duration, Instant};

use chrono::Utc;
use csfeed_core::{Gazetteer, TOPICS};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;

#[path = "support/corpus.rs"]
mod corpus;

use corpus::{Corpus, Rng, WORDS, rss_kib};

const FOLLOWS_EACH: usize = 3;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let docs = env_number("DIGEST_SCALE_DOCS", 100_000);
    let subscribers = env_number("DIGEST_SCALE_SUBSCRIBERS", 10_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    if std::env::var_os("DIGEST_SCALE_KEEP").is_some() {
        println!("keeping {}", dir.path().display());
    }
    std::fs::create_dir_all(&data_dir).expect("data dir");
    println!("digest benchmark: {subscribers} subscribers × {FOLLOWS_EACH} searches over {docs} articles");

    let sources = corpus::sources();
    let store = Store::open(&data_dir.join("csfeed.sqlite3")).expect("store");
    store.sync_sources(&sources).expect("sources");
    let started = Instant::now();
    let mut corpus = Corpus::new();
    let now = Utc::now() - chrono::Duration::minutes(5);
    let mut batch = Vec::with_capacity(1_000);
    for n in 0..docs {
        batch.push(corpus.article(n));
        if batch.len() == 1_000 {
            store.upsert_articles(&batch, now).expect("store");
            batch.clear();
        }
    }
    store.upsert_articles(&batch, now).expect("store");
    let index = SearchIndex::open(&data_dir.join("index"), OpenMode::ReadWrite).expect("index");
    index.catch_up(&store).expect("index");
    drop(index);
    println!(
        "corpus stored and indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Subscribers, confirmed, following searches people would follow.
    let councils: Vec<String> = Gazetteer::get()
        .authorities()
        .iter()
        .filter(|la| la.abolished.is_none())
        .map(|la| la.slug.clone())
        .collect();
    let mut rng = Rng(0xA076_1D64_78BD_642F);
    let started = Instant::now();
    let confirmed_at = now - chrono::Duration::hours(1);
    for n in 0..subscribers {
        let email = format!("reader{n}@example.org");
        let mut last = None;
        for _ in 0..FOLLOWS_EACH {
            let query = match rng.below(4) {
                0 => format!("la:{}", councils[rng.below(councils.len())]),
                1 => format!("topic:{}", TOPICS[rng.below(TOPICS.len())].slug),
                2 => format!(
                    "{} la:{}",
                    WORDS[rng.below(WORDS.len())],
                    councils[rng.below(councils.len())]
                ),
                _ => WORDS[rng.below(WORDS.len())].to_owned(),
            };
            last = Some(
                store
                    .subscribe(&email, "daily", &query, &query, confirmed_at)
                    .expect("subscribe")
                    .subscriber,
            );
        }
        if let Some(subscriber) = last {
            store
                .confirm_subscriber(subscriber.id, confirmed_at, confirmed_at)
                .expect("confirm");
        }
    }
    println!(
        "{subscribers} subscribers recorded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(store);

    let config = dir.path().join("csfeed.toml");
    let mut toml = format!(
        "[server]\npublic_url = \"https://news.example.org/\"\n\n[storage]\ndata_dir = {:?}\n\n[email]\nfrom = \"Digest <digest@news.example.org>\"\n",
        data_dir.display().to_string()
    );
    for source in &sources {
        toml.push_str(&format!(
            "\n[[sources]]\nid = \"{}\"\nname = {:?}\nurl = \"{}\"\nenabled = false\n",
            source.id, source.name, source.url
        ));
    }
    std::fs::write(&config, toml).expect("config");

    let started = Instant::now();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["digest", "--frequency", "daily", "--config"])
        .arg(&config)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start csfeed digest");
    let pid = child.id().unwrap_or_default();
    let mut peak_kib = 0;
    let status = loop {
        peak_kib = peak_kib.max(rss_kib(pid, "VmHWM:"));
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let elapsed = started.elapsed();
    let output = child.wait_with_output().await.expect("digest output");
    let outbox = std::fs::read_dir(data_dir.join("outbox"))
        .map(|entries| entries.filter_map(Result::ok).collect::<Vec<_>>())
        .unwrap_or_default();
    let bytes: u64 = outbox
        .iter()
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum();
    println!("{}", String::from_utf8_lossy(&output.stdout).trim());
    println!(
        "digest run: {} in {:.1} s: {:.0} subscribers/s (target ≥ 500), peak RSS {:.0} MB; {} emails, {:.0} KB on average",
        if status.success() { "ok" } else { "FAILED" },
        elapsed.as_secs_f64(),
        subscribers as f64 / elapsed.as_secs_f64(),
        peak_kib as f64 / 1024.0,
        outbox.len(),
        bytes as f64 / outbox.len().max(1) as f64 / 1024.0
    );
    if std::env::var_os("DIGEST_SCALE_KEEP").is_some() {
        let _ = dir.keep();
    }
}
