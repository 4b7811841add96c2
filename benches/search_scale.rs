//! Search at scale: 100,000 synthetic articles (~400 words each, 20 sources, every English
//! council, the topic taxonomy, six years of dates), measured in one run:
//!
//! 1. index build rate of `csfeed-search` (from the SQLite store, with every facet field)
//!    against raw Tantivy indexing the same documents' text;
//! 2. HTTP search latency with 2 concurrent clients over mixed query shapes, facets on;
//! 3. the same text queries on SQLite FTS5 over the same corpus, in process, as a reference;
//! 4. feed throughput (a cached, brotli-encoded search feed) against a static 50 KB response;
//! 5. cold start of `csfeed serve` over the 100k data directory to its first answered search,
//!    and the server's resident memory after the searches.
//!
//! Run with `cargo bench --bench search_scale` (`SEARCH_SCALE_DOCS=20000` for a quick run).
//! Figures are printed; nothing is asserted.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use chrono::Utc;
use csfeed_core::{Article, Gazetteer};
use csfeed_search::{OpenMode, SearchIndex, SearchRequest};
use csfeed_store::Store;
use csfeed_web::{AppState, SiteSettings};

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/search_load.rs"]
mod search_load;

use corpus::{Corpus, SOURCES, percentile, rss_kib};
use search_load::{http_latencies, unique_queries};

const STORE_BATCH: usize = 1_000;
const CLIENTS: usize = 2;
const THROUGHPUT_SECONDS: u64 = 4;

/// Mixed query shapes: single terms, phrases, field filters, synonyms, and combinations.
const QUERIES: &[(&str, &str)] = &[
    ("term", "neglect"),
    ("term", "fostering"),
    ("term", "safeguarding"),
    ("term", "adoption"),
    ("phrase", "\"care leavers\""),
    ("phrase", "\"focused visit\""),
    ("phrase", "\"child protection plans\""),
    ("words", "kinship carers allowance"),
    ("words", "social workers caseloads"),
    ("filter", "la:st-helens"),
    ("filter", "topic:kinship-care year:2025"),
    ("filter", "fostering region:north-west"),
    ("filter", "adoption source:s3 after:2024"),
    ("synonym", "looked after children housing"),
    ("all", ""),
];

#[tokio::main]
async fn main() {
    let docs: usize = std::env::var("SEARCH_SCALE_DOCS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir).expect("data dir");
    println!("search scale benchmark: {docs} synthetic articles, {SOURCES} sources");

    // The corpus, stored.
    let sources = corpus::sources();
    let store = Store::open(&data_dir.join("csfeed.sqlite3")).expect("store");
    store.sync_sources(&sources).expect("sources");
    let mut corpus = Corpus::new();
    let started = Instant::now();
    let mut articles = Vec::with_capacity(docs);
    for n in 0..docs {
        articles.push(corpus.article(n));
    }
    let generated = started.elapsed();
    let words: usize = articles.iter().map(|a| a.content_text.split(' ').count()).sum();
    println!(
        "generated in {:.1} s ({} words per body on average)",
        generated.as_secs_f64(),
        words / docs.max(1)
    );
    let started = Instant::now();
    let now = Utc::now();
    for batch in articles.chunks(STORE_BATCH) {
        store.upsert_articles(batch, now).expect("store batch");
    }
    let stored = started.elapsed();
    println!(
        "stored in SQLite: {:.1} s ({:.0} articles/s, duplicate folding on)",
        stored.as_secs_f64(),
        docs as f64 / stored.as_secs_f64()
    );

    // 1. Index build: csfeed (store → facts → Tantivy) against raw Tantivy on the text.
    let index_dir = data_dir.join("index");
    let started = Instant::now();
    let index = SearchIndex::open(&index_dir, OpenMode::ReadWrite).expect("index");
    let caught_up = index.catch_up(&store).expect("index build");
    let ours = started.elapsed();
    let ours_rate = caught_up.indexed as f64 / ours.as_secs_f64();
    let raw = raw_tantivy(&articles, &dir.path().join("raw-index"));
    let raw_rate = docs as f64 / raw.as_secs_f64();
    println!(
        "index build: csfeed {:.1} s ({ours_rate:.0} docs/s) vs raw Tantivy {:.1} s ({raw_rate:.0} docs/s): ratio {:.2} (target ≥ 0.5)",
        ours.as_secs_f64(),
        raw.as_secs_f64(),
        ours_rate / raw_rate
    );

    println!("index segments: {}", index.segment_count());

    if let Some(profile) = std::env::var_os("SEARCH_SCALE_PROFILE") {
        // A steady search loop to profile (e.g. under `perf record`), then stop. A shape
        // ("term", "phrase", "words", "filter", "synonym") limits it to those queries.
        let shape = profile.to_string_lossy().into_owned();
        let known_shape = QUERIES.iter().any(|(kind, _)| *kind == shape);
        let until = Instant::now() + Duration::from_secs(8);
        while Instant::now() < until {
            let queries = QUERIES.iter().filter(|(kind, _)| !known_shape || *kind == shape);
            for (_, query) in queries {
                let request = SearchRequest {
                    query: (*query).to_owned(),
                    limit: 20,
                    facets: true,
                    ..SearchRequest::default()
                };
                index.search_uncached(&store, &request).expect("search");
            }
        }
        return;
    }

    // 3 (in process). The same text queries, csfeed vs SQLite FTS5.
    let fts = fts5(&articles, &dir.path().join("fts.sqlite3"));
    drop(articles);
    let mut ours_in_process = Vec::new();
    let mut fts_times = Vec::new();
    for _ in 0..5 {
        for (_, query) in QUERIES {
            let request = SearchRequest {
                query: (*query).to_owned(),
                limit: 20,
                ..SearchRequest::default()
            };
            let started = Instant::now();
            index.search_uncached(&store, &request).expect("search");
            ours_in_process.push(started.elapsed());
            if let Some(elapsed) = fts.time(query) {
                fts_times.push(elapsed);
            }
        }
    }
    ours_in_process.sort();
    fts_times.sort();
    println!(
        "in-process search (20 hits, hydrated, no facets): csfeed p50 {:.2} ms p99 {:.2} ms; SQLite FTS5 (bm25, 20 rows + count) p50 {:.2} ms p99 {:.2} ms; FTS5/csfeed p50 ratio {:.1}",
        percentile(&ours_in_process, 0.5),
        percentile(&ours_in_process, 0.99),
        percentile(&fts_times, 0.5),
        percentile(&fts_times, 0.99),
        percentile(&fts_times, 0.5) / percentile(&ours_in_process, 0.5).max(1e-9)
    );

    // 2 and 4. HTTP: the site's router in process, on a port-0 listener.
    let state = AppState {
        store: store.clone(),
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
    let static_body: &'static str = Box::leak("x".repeat(50 * 1024).into_boxed_str());
    let router = csfeed_web::app(state).route("/bench/static", get(move || async move { static_body }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router)
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

    // Every request a query not asked before (so the result cache cannot help), in the
    // same shapes; then the fixed list of popular searches again (answered from the cache).
    let unique = unique_queries(300 * CLIENTS);
    let (latencies, by_shape) = http_latencies(&client, &base, &unique, CLIENTS).await;
    println!(
        "HTTP search, {CLIENTS} concurrent clients, facets on, {} distinct queries (uncached): p50 {:.2} ms, p99 {:.2} ms (target p50 ≤ 5, p99 ≤ 25)",
        latencies.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );
    for (shape, timings) in by_shape {
        println!(
            "  {shape:<8} p50 {:.2} ms p99 {:.2} ms",
            percentile(&timings, 0.5),
            percentile(&timings, 0.99)
        );
    }
    let popular: Vec<(&str, String)> = QUERIES
        .iter()
        .cycle()
        .take(QUERIES.len() * 20)
        .map(|(shape, query)| (*shape, (*query).to_owned()))
        .collect();
    let (repeated, _) = http_latencies(&client, &base, &popular, CLIENTS).await;
    println!(
        "HTTP search, the {} popular searches repeated ({} requests, cached after the first): p50 {:.2} ms, p99 {:.2} ms",
        QUERIES.len(),
        repeated.len(),
        percentile(&repeated, 0.5),
        percentile(&repeated, 0.99)
    );

    let feed_url = format!("{base}/search.rss?q=children");
    let static_url = format!("{base}/bench/static");
    let feed_size = client
        .get(&feed_url)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .expect("feed")
        .bytes()
        .await
        .expect("feed body")
        .len();
    let feed_plain = client
        .get(&feed_url)
        .send()
        .await
        .expect("feed")
        .bytes()
        .await
        .expect("body")
        .len();
    let feed_rate = throughput(&client, &feed_url, Some("br, gzip")).await;
    let static_rate = throughput(&client, &static_url, None).await;
    println!(
        "feed throughput: /search.rss ({} KB, {} KB brotli, cached) {feed_rate:.0} req/s vs static 50 KB {static_rate:.0} req/s: ratio {:.2} (target ≥ 0.5)",
        feed_plain / 1024,
        feed_size / 1024,
        feed_rate / static_rate
    );

    // 5. Cold start of the real binary over this data directory, then its memory. The
    // in-process server (and its index writer lock) goes first.
    drop(client);
    let _ = stop.send(());
    let _ = server.await;
    drop(store);
    let client = reqwest::Client::new();
    let config = dir.path().join("csfeed.toml");
    let mut toml = format!("[storage]\ndata_dir = {:?}\n", data_dir.display().to_string());
    for source in &sources {
        toml.push_str(&format!(
            "\n[[sources]]\nid = \"{}\"\nname = {:?}\nurl = \"{}\"\nenabled = false\n",
            source.id, source.name, source.url
        ));
    }
    std::fs::write(&config, toml).expect("config");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.path().join("serve.log")).expect("log file"))
        .spawn()
        .expect("start csfeed serve");
    let stdout = child.stdout.take().expect("stdout");
    let address = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| line.strip_prefix("csfeed is serving on ").map(str::to_owned))
        .unwrap_or_else(|| {
            let log = std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default();
            panic!("csfeed serve did not start:\n{log}")
        });
    let listening = started.elapsed();
    let first_search = format!("{}api/v1/search?q=fostering+neglect", address.trim());
    loop {
        if let Ok(response) = client.get(&first_search).send().await
            && response.status().is_success()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let cold = started.elapsed();
    for (_, query) in QUERIES.iter().cycle().take(300) {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        let _ = client
            .get(format!("{}api/v1/search?q={encoded}&facets=1", address.trim()))
            .send()
            .await;
    }
    let pid = child.id();
    println!(
        "cold start of `csfeed serve` at {docs} docs: listening after {:.0} ms, first search answered after {:.0} ms (target < 1000)",
        listening.as_secs_f64() * 1000.0,
        cold.as_secs_f64() * 1000.0
    );
    println!(
        "server memory after 300 searches: RSS {:.0} MB (peak {:.0} MB), of which {:.0} MB private (heap) and {:.0} MB mapped files (index and database pages, shared with the page cache)",
        rss_kib(pid, "VmRSS:") as f64 / 1024.0,
        rss_kib(pid, "VmHWM:") as f64 / 1024.0,
        rss_kib(pid, "RssAnon:") as f64 / 1024.0,
        rss_kib(pid, "RssFile:") as f64 / 1024.0
    );
    let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    let _ = child.wait();
}

/// Requests per second for `url` from 2 concurrent keep-alive clients.
async fn throughput(client: &reqwest::Client, url: &str, encoding: Option<&'static str>) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(THROUGHPUT_SECONDS);
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let client = client.clone();
        let url = url.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            while Instant::now() < deadline {
                let mut request = client.get(&url);
                if let Some(encoding) = encoding {
                    request = request.header("accept-encoding", encoding);
                }
                let response = request.send().await.expect("answered");
                assert!(response.status().is_success());
                response.bytes().await.expect("body");
                done += 1;
            }
            done
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("client");
    }
    total as f64 / THROUGHPUT_SECONDS as f64
}

/// Indexes the articles' id, text and date with plain Tantivy, as a baseline.
fn raw_tantivy(articles: &[Article], path: &std::path::Path) -> Duration {
    use tantivy::schema::{INDEXED, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
    let mut builder = Schema::builder();
    let english = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("en_stem")
            .set_index_option(tantivy::schema::IndexRecordOption::WithFreqsAndPositions),
    );
    let id = builder.add_text_field("id", STRING | STORED);
    let title = builder.add_text_field("title", english.clone());
    let summary = builder.add_text_field("summary", english.clone());
    let body = builder.add_text_field("body", english);
    let date = builder.add_date_field("date", INDEXED | tantivy::schema::FAST);
    std::fs::create_dir_all(path).expect("raw index dir");
    let index = tantivy::Index::create_in_dir(path, builder.build()).expect("raw index");
    let started = Instant::now();
    let mut writer: tantivy::IndexWriter = index.writer(96 * 1024 * 1024).expect("writer");
    for article in articles {
        let mut document = tantivy::TantivyDocument::default();
        document.add_text(id, article.id.as_str());
        document.add_text(title, &article.title);
        document.add_text(summary, &article.summary);
        document.add_text(body, &article.content_text);
        document.add_date(
            date,
            tantivy::DateTime::from_timestamp_secs(article.published.map_or(0, |d| d.timestamp())),
        );
        writer.add_document(document).expect("add");
    }
    writer.commit().expect("commit");
    started.elapsed()
}

/// An FTS5 table over the same text (Porter stemming), with council and topic tags as a
/// column so field filters can be written as column filters.
struct Fts5 {
    connection: rusqlite::Connection,
}

fn fts5(articles: &[Article], path: &std::path::Path) -> Fts5 {
    let connection = rusqlite::Connection::open(path).expect("fts db");
    connection
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE VIRTUAL TABLE docs USING fts5(title, summary, body, tags, tokenize = 'porter unicode61');",
        )
        .expect("fts schema");
    let started = Instant::now();
    {
        let transaction = connection.unchecked_transaction().expect("transaction");
        let mut insert = transaction
            .prepare("INSERT INTO docs (title, summary, body, tags) VALUES (?1, ?2, ?3, ?4)")
            .expect("insert");
        for article in articles {
            let slugs: Vec<String> = article
                .local_authorities
                .iter()
                .filter_map(|gss| Gazetteer::get().find(gss))
                .map(|la| format!("la_{}", la.slug.replace('-', "_")))
                .chain(
                    article
                        .topics
                        .iter()
                        .map(|t| format!("topic_{}", t.replace('-', "_"))),
                )
                .collect();
            insert
                .execute((
                    &article.title,
                    &article.summary,
                    &article.content_text,
                    slugs.join(" "),
                ))
                .expect("insert row");
        }
        drop(insert);
        transaction.commit().expect("commit");
    }
    println!(
        "SQLite FTS5 build: {:.1} s ({:.0} docs/s)",
        started.elapsed().as_secs_f64(),
        articles.len() as f64 / started.elapsed().as_secs_f64()
    );
    Fts5 { connection }
}

impl Fts5 {
    /// Times one query translated to FTS5 syntax; `None` for shapes FTS5 has no match for.
    fn time(&self, query: &str) -> Option<Duration> {
        let expression = match query {
            "" => return None,
            "la:st-helens" => "tags:la_st_helens".to_owned(),
            "topic:kinship-care year:2025" => "tags:topic_kinship_care".to_owned(),
            "fostering region:north-west" => "fostering".to_owned(),
            "adoption source:s3 after:2024" => "adoption".to_owned(),
            "looked after children housing" => {
                "(\"looked after children\" OR \"children in care\" OR cla) AND housing".to_owned()
            }
            other => other.to_owned(),
        };
        let started = Instant::now();
        let mut top = self
            .connection
            .prepare_cached(
                "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs, 3.0, 1.5, 1.0, 0.0) LIMIT 20",
            )
            .ok()?;
        let rows: Vec<i64> = top
            .query_map([&expression], |row| row.get(0))
            .ok()?
            .filter_map(Result::ok)
            .collect();
        let mut count = self
            .connection
            .prepare_cached("SELECT count(*) FROM docs WHERE docs MATCH ?1")
            .ok()?;
        let _total: i64 = count.query_row([&expression], |row| row.get(0)).ok()?;
        let _ = rows;
        Some(started.elapsed())
    }
}
