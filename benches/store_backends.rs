//! The record of truth in SQLite or PostgreSQL, measured in one run over the same synthetic
//! corpus (100,000 articles by default, as `search_scale`):
//!
//! 1. storing the articles (duplicate folding on) and building the index from the store;
//! 2. HTTP search latency, 2 concurrent clients, distinct queries, facets on: search stays in
//!    Tantivy, so PostgreSQL only hydrates the page of hits (target: p50 within 1.5× of SQLite);
//! 3. PostgreSQL's own full-text search (`to_tsvector`/`ts_rank` over a GIN index, as
//!    Miniflux searches) on the same text queries, as a reference.
//!
//! Needs a PostgreSQL server: `CSFEED_TEST_POSTGRES_URL` (see `scripts/postgres-test-server`);
//! a fresh database is made on it and dropped after. Run with
//! `cargo bench --bench store_backends` (`STORE_BENCH_DOCS=20000` for a quick run). Figures
//! are printed; nothing is asserted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use csfeed_core::Article;
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::{DatabaseUrl, Store};
use csfeed_testkit::TestDatabase;
use csfeed_web::{AppState, SiteSettings};

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/search_load.rs"]
mod search_load;

use corpus::{Corpus, SOURCES, percentile};
use search_load::{http_latencies, unique_queries};

const STORE_BATCH: usize = 1_000;
const CLIENTS: usize = 2;
/// Distinct searches per backend (each asked once, so no result cache helps).
const SEARCHES: usize = 300 * CLIENTS;

/// Text searches for the PostgreSQL full-text reference (its syntax: `websearch_to_tsquery`).
const TEXT_QUERIES: &[&str] = &[
    "neglect",
    "fostering",
    "safeguarding",
    "adoption",
    "\"care leavers\"",
    "\"focused visit\"",
    "\"child protection plans\"",
    "kinship carers allowance",
    "social workers caseloads",
    "looked after children housing",
];

/// What one backend did.
struct Figures {
    stored: Duration,
    indexed: Duration,
    search: Vec<Duration>,
}

#[tokio::main]
async fn main() {
    let docs: usize = std::env::var("STORE_BENCH_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let Some(database) = TestDatabase::create("store_backends_bench") else {
        return;
    };
    println!("store backends benchmark: {docs} synthetic articles, {SOURCES} sources");
    let mut corpus = Corpus::new();
    let articles: Vec<Article> = (0..docs).map(|n| corpus.article(n)).collect();
    let dir = tempfile::tempdir().expect("temporary directory");

    let sqlite = Store::open(&dir.path().join("csfeed.sqlite3")).expect("sqlite store");
    let sqlite_figures = measure("SQLite", sqlite, &articles, &dir.path().join("sqlite-index")).await;
    let url = DatabaseUrl::parse(database.url()).expect("database url");
    let postgres = Store::open_url(&url).expect("postgres store");
    let postgres_figures = measure(
        "PostgreSQL",
        postgres,
        &articles,
        &dir.path().join("postgres-index"),
    )
    .await;
    let ratio = percentile(&postgres_figures.search, 0.5) / percentile(&sqlite_figures.search, 0.5).max(1e-9);
    println!("HTTP search p50, PostgreSQL / SQLite: {ratio:.2} (target ≤ 1.5)");
    for (name, figures) in [("SQLite", &sqlite_figures), ("PostgreSQL", &postgres_figures)] {
        println!(
            "  {name:<10} store {:.0} articles/s, index build {:.0} docs/s",
            docs as f64 / figures.stored.as_secs_f64(),
            docs as f64 / figures.indexed.as_secs_f64()
        );
    }
    let url = database.url().to_owned();
    tokio::task::spawn_blocking(move || postgres_full_text(&url))
        .await
        .expect("full-text reference");
}

/// Stores `articles`, builds an index from the store, and times distinct HTTP searches.
async fn measure(name: &str, store: Store, articles: &[Article], index_dir: &std::path::Path) -> Figures {
    let sources = corpus::sources();
    let started = Instant::now();
    let writer = store.clone();
    let batch_articles = articles.to_vec();
    tokio::task::spawn_blocking(move || {
        writer.sync_sources(&sources).expect("sources");
        let now = Utc::now();
        for batch in batch_articles.chunks(STORE_BATCH) {
            writer.upsert_articles(batch, now).expect("store batch");
        }
    })
    .await
    .expect("store");
    let stored = started.elapsed();
    println!(
        "{name}: stored {} articles in {:.1} s ({:.0} articles/s, duplicate folding on)",
        articles.len(),
        stored.as_secs_f64(),
        articles.len() as f64 / stored.as_secs_f64()
    );
    let started = Instant::now();
    let index = SearchIndex::open(index_dir, OpenMode::ReadWrite).expect("index");
    let from = store.clone();
    let (index, caught_up) = tokio::task::spawn_blocking(move || {
        let caught_up = index.catch_up(&from).expect("index build");
        (index, caught_up)
    })
    .await
    .expect("index build");
    let indexed = started.elapsed();
    println!(
        "{name}: index built from the store in {:.1} s ({:.0} docs/s)",
        indexed.as_secs_f64(),
        caught_up.indexed as f64 / indexed.as_secs_f64()
    );
    let search = http_search(store, index).await;
    println!(
        "{name}: HTTP search, {CLIENTS} clients, facets on, {} distinct queries: p50 {:.2} ms, p99 {:.2} ms",
        search.len(),
        percentile(&search, 0.5),
        percentile(&search, 0.99)
    );
    Figures {
        stored,
        indexed,
        search,
    }
}

/// Serves the site's router over `store` and `index` on a port-0 listener and times
/// [`SEARCHES`] distinct searches; sorted latencies.
async fn http_search(store: Store, index: SearchIndex) -> Vec<Duration> {
    let state = AppState {
        store,
        index: Arc::new(index),
        site: Arc::new(SiteSettings {
            title: "csfeed".into(),
            tagline: "bench".into(),
            public_url: None,
        }),
        metrics: None,
        feeds: Arc::default(),
        subscriptions: None,
        admin_token: None,
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, csfeed_web::app(state))
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client");
    let (latencies, _) = http_latencies(&client, &base, &unique_queries(SEARCHES), CLIENTS).await;
    let _ = stop.send(());
    let _ = server.await;
    latencies
}

/// PostgreSQL's own full-text search over the same stored articles: a generated tsvector
/// column with a GIN index (its build time printed), then each text query's top 20 by
/// `ts_rank` plus the match count, as a search page needs.
fn postgres_full_text(url: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    let started = Instant::now();
    client
        .batch_execute(
            "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS
                 (setweight(to_tsvector('english', title), 'A') || to_tsvector('english', content_text)) STORED;
             CREATE INDEX articles_search ON articles USING GIN (search);
             ANALYZE articles;",
        )
        .expect("full-text index");
    println!(
        "PostgreSQL full text: tsvector column and GIN index built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut timings = Vec::new();
    for _ in 0..5 {
        for query in TEXT_QUERIES {
            let started = Instant::now();
            client
                .query(
                    "SELECT id, ts_rank(search, q) AS rank FROM articles, websearch_to_tsquery('english', $1) q
                     WHERE search @@ q ORDER BY rank DESC LIMIT 20",
                    &[query],
                )
                .expect("ranked");
            client
                .query_one(
                    "SELECT COUNT(*) FROM articles WHERE search @@ websearch_to_tsquery('english', $1)",
                    &[query],
                )
                .expect("count");
            timings.push(started.elapsed());
        }
    }
    timings.sort();
    println!(
        "PostgreSQL full text (ts_rank top 20 + count, in process, {} searches): p50 {:.2} ms, p99 {:.2} ms",
        timings.len(),
        percentile(&timings, 0.5),
        percentile(&timings, 0.99)
    );
}
