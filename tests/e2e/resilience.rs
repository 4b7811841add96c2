//! Crash safety and load: searches and feeds keep answering (never a 5xx) while a big feed
//! is ingested; a SIGKILL in the middle of that ingest loses and duplicates nothing, and the
//! index catches up to the store on restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{COMMAND_TIMEOUT, Workspace};

/// Items in the big feed.
const ITEMS: usize = 2_000;

fn big_feed() -> String {
    let mut feed = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Big</title><link>https://big.example/</link><description>d</description>",
    );
    let councils = ["St Helens", "Dorset", "Kent", "Leeds", "Norfolk", "Bury"];
    let topics = [
        "kinship care",
        "fostering",
        "adoption",
        "care leavers",
        "neglect",
        "youth justice",
    ];
    for n in 0..ITEMS {
        let council = councils[n % councils.len()];
        let topic = topics[(n / 7) % topics.len()];
        feed.push_str(&format!(
            "<item><title>{council} report {n} on {topic}</title><link>https://big.example/story/{n}</link><guid>big-{n}</guid><pubDate>Mon, 03 Nov 2025 09:{:02}:00 GMT</pubDate><description>{council} council says {topic} work continues, item {n}, with more detail on {topic} in {council}.</description></item>",
            n % 60
        ));
    }
    feed.push_str("</channel></rss>");
    feed
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_under_load_survives_sigkill_and_catches_up() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/big.rss"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big_feed(), "application/rss+xml"))
        .mount(&server)
        .await;
    let workspace = Workspace::with_fetch_settings(
        &[("big", format!("{}/big.rss", server.uri()))],
        "request_timeout = \"30s\"\nmax_body_bytes = 50000000\n",
    );
    let site = workspace.serve().await;

    // Searches, feeds and the API, concurrently, while the scheduler ingests.
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for worker in 0..2 {
        let (stop, answered, base) = (Arc::clone(&stop), Arc::clone(&answered), site.url.clone());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let paths = [
                "/search?q=kinship",
                "/search.rss?q=St+Helens",
                "/api/v1/search?q=fostering&facets=1",
                "/",
                "/search?q=la%3Akent",
            ];
            let mut failures = Vec::new();
            let mut n = worker;
            while !stop.load(Ordering::Relaxed) {
                let path = paths[n % paths.len()];
                n += 1;
                match client
                    .get(format!("{base}{path}"))
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await
                {
                    Ok(response) if response.status().is_server_error() => {
                        failures.push(format!("{path}: {}", response.status()))
                    }
                    Ok(_) => {
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => failures.push(format!("{path}: {error}")),
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            failures
        }));
    }
    // Kill -9 once the ingest is under way (stored, possibly not yet all indexed).
    // Generous: parsing and tagging the whole feed comes first, and the test suite runs
    // other tests beside this one.
    let deadline = tokio::time::Instant::now() + 3 * COMMAND_TIMEOUT;
    loop {
        let health = site.health().await;
        if health["articles"].as_u64().unwrap_or(0) > 0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "ingest never started: {health}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut failures = Vec::new();
    for client in clients {
        failures.extend(client.await.unwrap());
    }
    assert!(failures.is_empty(), "errors under load: {failures:?}");
    assert!(answered.load(Ordering::Relaxed) > 0);
    let killed = site.kill().await;
    assert!(!killed.success(), "killed, not exited");

    // Restart: everything stored exactly once, and the index equal to the store.
    let site = workspace.serve().await;
    let health = site
        .wait_for("the big feed to be stored and indexed", |health| {
            health["articles"] == ITEMS && health["indexed"] == ITEMS
        })
        .await;
    assert_eq!(health["articles"], ITEMS, "nothing lost or duplicated: {health}");
    let api = site
        .get("/api/v1/search?q=%22report+1999%22")
        .await
        .text()
        .await
        .unwrap();
    let api: serde_json::Value = serde_json::from_str(&api).unwrap();
    assert_eq!(api["total"], 1, "{api}");
    assert!(site.stop().await.success());
}
