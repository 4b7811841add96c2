//! Serving while ingesting: a real `csfeed serve` ingests a 20,000-item feed while two
//! clients keep requesting searches, search feeds, the API and the home page. Prints the
//! ingest time, the requests answered during it, their throughput and latency percentiles,
//! and any 5xx or connection error (there should be none).
//!
//! Run with `cargo bench --bench load_ingest` (`LOAD_INGEST_ITEMS=5000` for a quick run).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "support/corpus.rs"]
mod corpus;

use corpus::percentile;

const CLIENTS: usize = 2;

fn feed(items: usize) -> String {
    let mut feed = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Load</title><link>https://load.example/</link><description>d</description>",
    );
    let councils = [
        "St Helens",
        "Dorset",
        "Kent",
        "Leeds",
        "Norfolk",
        "Wigan",
        "Camden",
        "Devon",
    ];
    let topics = [
        "kinship care",
        "fostering",
        "adoption",
        "care leavers",
        "neglect",
        "youth justice",
    ];
    for n in 0..items {
        let council = councils[n % councils.len()];
        let topic = topics[(n / 7) % topics.len()];
        feed.push_str(&format!(
            "<item><title>{council} update {n} on {topic}</title><link>https://load.example/story/{n}</link><guid>load-{n}</guid><pubDate>{}</pubDate><description>{council} council reports on {topic}: item {n}. Social workers, managers and inspectors discuss {topic} practice in {council} and what changes next for children and families.</description></item>",
            // A feed's history: about 70 items a day over most of a year.
            (chrono::DateTime::from_timestamp(1_760_000_000 + n as i64 * 1_234, 0).unwrap_or_default()).to_rfc2822()
        ));
    }
    feed.push_str("</channel></rss>");
    feed
}

#[tokio::main]
async fn main() {
    let items: usize = std::env::var("LOAD_INGEST_ITEMS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/load.rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(feed(items), "application/rss+xml"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = dir.path().join("csfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndata_dir = {:?}\n\n[fetch]\nscheduler_tick = \"1s\"\nrequest_timeout = \"60s\"\nmax_body_bytes = 100000000\n\n[[sources]]\nid = \"load\"\nname = \"Load\"\nurl = \"{}/load.rss\"\n",
            dir.path().join("data").display().to_string(),
            server.uri()
        ),
    )
    .expect("config");
    println!("load during ingest: {items} items, {CLIENTS} clients");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start csfeed serve");
    let stdout = child.stdout.take().expect("stdout");
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("csfeed is serving on ")
                .map(|url| url.trim().trim_end_matches('/').to_owned())
        })
        .expect("serve prints its address");

    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for worker in 0..CLIENTS {
        let (stop, base) = (Arc::clone(&stop), base.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let paths = [
                "/search?q=kinship",
                "/search.rss?q=St+Helens",
                "/api/v1/search?q=fostering&facets=1",
                "/",
                "/search?q=la%3Akent+neglect",
                "/search.json?q=care+leavers",
            ];
            let (mut timings, mut errors) = (Vec::new(), Vec::new());
            let mut n = worker;
            while !stop.load(Ordering::Relaxed) {
                let path = paths[n % paths.len()];
                n += 1;
                let sent = Instant::now();
                match client.get(format!("{base}{path}")).send().await {
                    Ok(response) if response.status().is_server_error() => {
                        errors.push(format!("{path}: {}", response.status()))
                    }
                    Ok(response) => {
                        let _ = response.bytes().await;
                        timings.push(sent.elapsed());
                    }
                    Err(error) => errors.push(format!("{path}: {error}")),
                }
            }
            (timings, errors)
        }));
    }
    let client = reqwest::Client::new();
    let load_started = Instant::now();
    loop {
        let health: serde_json::Value = match client.get(format!("{base}/healthz")).send().await {
            Ok(response) => {
                serde_json::from_str(&response.text().await.unwrap_or_default()).unwrap_or_default()
            }
            Err(_) => serde_json::Value::Null,
        };
        if health["indexed"].as_u64() == Some(items as u64) {
            break;
        }
        assert!(
            load_started.elapsed() < Duration::from_secs(600),
            "ingest did not finish: {health}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ingest = started.elapsed();
    let window = load_started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let (mut timings, mut errors) = (Vec::new(), Vec::new());
    for task in tasks {
        let (t, e) = task.await.expect("client");
        timings.extend(t);
        errors.extend(e);
    }
    timings.sort();
    println!(
        "ingest of {items} items (fetch, parse, tag, store, index) finished {:.1} s after start",
        ingest.as_secs_f64()
    );
    println!(
        "during it: {} requests answered ({:.0} req/s), p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; errors or 5xx: {}",
        timings.len(),
        timings.len() as f64 / window.as_secs_f64(),
        percentile(&timings, 0.5),
        percentile(&timings, 0.99),
        percentile(&timings, 1.0),
        errors.len()
    );
    for error in errors.iter().take(5) {
        println!("  {error}");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
