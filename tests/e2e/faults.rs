//! One fetch cycle against a server that misbehaves in every way we know: each fault is
//! recorded against its own source with a one-line reason, and everything else carries on.

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Utc};
use csfeed_testkit::FaultServer;

use crate::helpers::Workspace;

fn seconds_between(row: &serde_json::Value, from: &str, to: &str) -> i64 {
    let time = |key: &str| {
        row[key]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .expect(key)
    };
    (time(to) - time(from)).num_seconds()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fault_is_recorded_against_its_own_source() {
    let server = FaultServer::start(IpAddr::V4(Ipv4Addr::LOCALHOST), None)
        .await
        .unwrap();
    let guarded = FaultServer::start(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)),
        Some("User-agent: *\nDisallow: /private/\n".into()),
    )
    .await
    .unwrap();
    let faults: Vec<(&str, String)> = vec![
        ("good", server.url("/feed/good")),
        ("slow-headers", server.url("/slow-headers")),
        ("slow-body", server.url("/slow-body")),
        ("endless", server.url("/endless")),
        ("huge", server.url("/huge")),
        ("gzip-bomb", server.url("/gzip-bomb")),
        ("redirect-loop", server.url("/loop/a")),
        ("redirect-chain", server.url("/chain/3")),
        ("too-many-redirects", server.url("/chain/9")),
        ("too-many-requests", server.url("/status/429")),
        ("unavailable", server.url("/status/503")),
        ("server-error", server.url("/status/500")),
        ("html-page", server.url("/html")),
        ("latin1", server.url("/latin1")),
        ("control-chars", server.url("/control-chars")),
        ("entities", server.url("/entities")),
        ("robots-disallowed", guarded.url("/private/1")),
        ("robots-allowed", guarded.url("/feed/allowed")),
    ];
    let mut config = String::new();
    for (id, url) in &faults {
        config.push_str(&format!(
            "\n[[sources]]\nid = {id:?}\nname = {id:?}\nurl = {url:?}\ninterval = \"1m\"\n"
        ));
    }
    let workspace = Workspace::with_fetch_settings(
        &[],
        "request_timeout = \"3s\"\nstall_timeout = \"1s\"\nconnect_timeout = \"2s\"\nmax_body_bytes = 1048576\n",
    );
    let existing = std::fs::read_to_string(workspace.config()).unwrap();
    std::fs::write(workspace.config(), existing + &config).unwrap();

    let fetch = workspace.run(&["fetch"]).await;
    assert_eq!(fetch.status.code(), Some(1), "{fetch:?}");
    assert!(fetch.stdout.contains("18 sources"), "{}", fetch.stdout);
    let sources = workspace.sources().await;
    let error_of = |id: &str| sources[id]["last_error"].as_str().unwrap_or_default().to_owned();
    for (id, expected) in [
        ("slow-headers", "timed out"),
        ("slow-body", "timed out"),
        ("endless", "larger than the 1048576-byte limit"),
        ("huge", "larger than the 1048576-byte limit"),
        ("gzip-bomb", "larger than the 1048576-byte limit"),
        ("redirect-loop", "redirect loop"),
        ("too-many-redirects", "more than 5 redirects"),
        (
            "too-many-requests",
            "HTTP 429 Too Many Requests (retry after 120 s)",
        ),
        ("unavailable", "HTTP 503 Service Unavailable (retry after"),
        ("server-error", "HTTP 500 Internal Server Error"),
        (
            "html-page",
            "this is an HTML page, not a feed; it advertises a feed at http://127.0.0.1:",
        ),
        ("robots-disallowed", "blocked by robots.txt"),
    ] {
        let error = error_of(id);
        assert!(
            error.contains(expected),
            "{id}: {error:?} should contain {expected:?}"
        );
        assert!(!error.contains('\n'), "{id}: one line");
        assert_eq!(sources[id]["consecutive_failures"], 1, "{id}");
    }
    assert_eq!(sources["robots-disallowed"]["status"], "blocked by robots.txt");
    assert_eq!(
        guarded.hits("/private/1"),
        0,
        "a disallowed URL is never requested"
    );
    assert_eq!(
        guarded.hits("/robots.txt"),
        1,
        "robots.txt is fetched once per host"
    );
    for id in [
        "good",
        "redirect-chain",
        "latin1",
        "control-chars",
        "robots-allowed",
    ] {
        assert_eq!(sources[id]["status"], "ok", "{id}: {}", sources[id]);
    }
    assert!(
        sources["redirect-chain"]["redirect_to"]
            .as_str()
            .unwrap_or_default()
            .ends_with("/chain/0"),
        "a permanent move is noted: {}",
        sources["redirect-chain"]
    );
    // Retry-After pushes the next attempt out beyond the 1-minute interval.
    assert!(seconds_between(&sources["too-many-requests"], "last_attempt_at", "next_due_at") >= 119);
    assert!(seconds_between(&sources["unavailable"], "last_attempt_at", "next_due_at") >= 3500);
    // Entities never expand: the document parses or fails cleanly, and no payload leaks.
    let entities = workspace.run(&["search", "lol", "--json"]).await;
    assert!(
        !entities.stdout.contains("lollol") && !entities.stdout.contains("root:x"),
        "{}",
        entities.stdout
    );
    let latin = workspace.run(&["search", "Créditville", "--json"]).await;
    assert!(
        latin
            .stdout
            .contains("Placements cost £5,800 a week in Créditville"),
        "{}",
        latin.stdout
    );
    let control = workspace.run(&["search", "control", "--json"]).await;
    let control: serde_json::Value = serde_json::from_str(&control.stdout).unwrap();
    assert_eq!(control["total"], 3, "{control}");

    // The process serving the site is healthy and shows the same state.
    let site = workspace.serve().await;
    let health = site.health().await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["failing_sources"], 12, "{health}");
    let (status, page) = site.get_text("/sources").await;
    assert_eq!(status, 200);
    // Readers see each source's status; the reasons (paths, loops) are the operator's.
    assert!(page.contains("blocked by robots.txt"), "{page}");
    assert!(
        !page.contains("redirect loop") && !page.contains("/loop/a"),
        "{page}"
    );
    let (status, opml) = site.get_text("/sources.opml").await;
    assert_eq!(status, 200);
    assert_eq!(
        opml.matches("/search.rss?q=source:").count(),
        18,
        "a feed of each source's stories on this site: {opml}"
    );
    let (status, _) = site.get_text("/metrics").await;
    assert_eq!(status, 404, "no admin token configured, so no metrics over HTTP");
    assert!(site.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_cycle_gets_304s_and_downloads_no_body() {
    let server = FaultServer::start(IpAddr::V4(Ipv4Addr::LOCALHOST), None)
        .await
        .unwrap();
    let workspace = Workspace::new(&[
        ("etag", server.url("/feed/etag")),
        ("other", server.url("/feed/other")),
    ]);
    assert!(workspace.run(&["fetch"]).await.status.success());
    let again = workspace.run(&["fetch", "--all"]).await;
    assert!(again.status.success(), "{again:?}");
    assert!(again.stdout.contains("2 not modified"), "{}", again.stdout);
    let sources = workspace.sources().await;
    for id in ["etag", "other"] {
        assert_eq!(sources[id]["not_modified"], 1);
        assert!(
            sources[id]["bytes_saved"].as_u64().unwrap() > 500,
            "{}",
            sources[id]
        );
        assert_eq!(sources[id]["articles"], 3);
    }
    assert_eq!(server.hits("/feed/etag"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_thousand_source_cycle_finishes_and_records_every_source() {
    // 25 hosts (loopback addresses) with 40 sources each; every tenth source fails.
    let mut servers = Vec::new();
    for host in 1..=25u8 {
        servers.push(
            FaultServer::start(IpAddr::V4(Ipv4Addr::new(127, 0, 1, host)), None)
                .await
                .unwrap(),
        );
    }
    let mut config = String::new();
    for n in 0..1000usize {
        let server = &servers[n % servers.len()];
        let path = if n % 10 == 9 {
            format!("/status/500?{n}")
        } else {
            format!("/feed/{n}")
        };
        config.push_str(&format!(
            "\n[[sources]]\nid = \"s{n}\"\nname = \"Source {n}\"\nurl = {:?}\n",
            server.url(&path)
        ));
    }
    let workspace = Workspace::with_fetch_settings(&[], "concurrency = 32\n");
    let existing = std::fs::read_to_string(workspace.config()).unwrap();
    std::fs::write(workspace.config(), existing + &config).unwrap();
    let fetch = workspace.run(&["fetch"]).await;
    assert_eq!(fetch.status.code(), Some(1), "{fetch:?}");
    assert!(fetch.stdout.contains("1000 sources"), "{fetch:?}");
    assert!(fetch.stdout.contains("900 fetched (2700 new"), "{}", fetch.stdout);
    assert!(fetch.stdout.contains("100 failed"), "{}", fetch.stdout);
    let sources = workspace.sources().await;
    assert_eq!(sources.len(), 1000);
    assert_eq!(sources.values().filter(|s| s["status"] == "ok").count(), 900);
    let now = Utc::now();
    for source in sources.values() {
        let due = source["next_due_at"]
            .as_str()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
        assert!(due.is_some_and(|due| due > now), "{source}");
    }
}
