//! `csfeed sources check` against local servers only: one row per source with its status,
//! items, newest date, format and robots verdict; exit 1 when any is broken; nothing stored.

use std::net::{IpAddr, Ipv4Addr};

use csfeed_testkit::FaultServer;
use url::Url;

use crate::helpers::{Workspace, repo_path};

fn file_url(relative: &str) -> String {
    Url::from_file_path(repo_path(relative)).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_source_is_fetched_once_and_the_broken_ones_fail_the_check() {
    let server = FaultServer::start(
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some("User-agent: *\nDisallow: /private/\n".into()),
    )
    .await
    .unwrap();
    let workspace = Workspace::new(&[
        ("good", server.url("/feed/good")),
        ("blocked", server.url("/private/blocked")),
        ("gone", server.url("/status/410")),
        ("page", server.url("/html")),
        (
            "atom-03",
            file_url("tests/fixtures/feeds/conformance/feedparser-atom-entry_title.xml"),
        ),
    ]);
    let output = workspace.run(&["sources", "check", "--json"]).await;
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&output.stdout).unwrap();
    let row = |id: &str| {
        rows.iter()
            .find(|row| row["id"] == id)
            .unwrap_or_else(|| panic!("no {id}: {rows:?}"))
    };

    let good = row("good");
    assert_eq!(good["status"], "ok");
    assert_eq!(good["items"], 3);
    assert_eq!(good["newest"], "2024-07-03T09:00:00Z");
    assert_eq!(good["format"], "RSS 2.0");
    assert_eq!(good["robots"], "allowed");
    assert_eq!(good["http_status"], 200);

    let blocked = row("blocked");
    assert_eq!(
        (&blocked["status"], &blocked["robots"]),
        (&"broken".into(), &"disallowed".into())
    );
    let gone = row("gone");
    assert_eq!(
        (&gone["status"], &gone["http_status"]),
        (&"broken".into(), &410.into())
    );
    let page = row("page");
    assert_eq!(page["status"], "broken");
    assert!(page["detail"].as_str().unwrap().contains("HTML page"), "{page}");
    let atom = row("atom-03");
    assert_eq!(
        (&atom["status"], &atom["format"], &atom["items"]),
        (&"ok".into(), &"Atom 0.3".into(), &1.into())
    );

    let table = workspace.run(&["sources", "check"]).await;
    assert_eq!(table.status.code(), Some(1));
    assert!(
        table.stdout.contains("5 sources checked, 3 broken"),
        "{}",
        table.stdout
    );
    assert!(
        !workspace.dir.path().join("data/csfeed.sqlite3").exists(),
        "a check stores nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_configuration_passes_the_check() {
    let server = FaultServer::start(IpAddr::V4(Ipv4Addr::LOCALHOST), None)
        .await
        .unwrap();
    let workspace = Workspace::new(&[("good", server.url("/feed/good"))]);
    let output = workspace.run(&["sources", "check"]).await;
    assert!(output.status.success(), "{output:?}");
    assert!(
        output.stdout.contains("1 sources checked, 0 broken"),
        "{}",
        output.stdout
    );
}
