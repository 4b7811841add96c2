//! The demo site in a real browser: Debian's chromium driven by playwright-core (npm) loads
//! the home, search (and clicks a facet), article, Ofsted report (and its stored PDF), council, councils, Ofsted, topic, help and
//! 404 pages at 390 px and 1280 px (and 1280 px in the dark scheme), saves screenshots under `target/screenshots/`, checks
//! nothing overflows sideways (and on /ofsted, the report and the council page, that nothing
//! is cut off inside a scrolling box), and runs axe-core: no serious or critical violations. Every
//! page has share metadata and headings in order; the story page its chips, council
//! subscribe form and canonical link; the topic page its active facet; the 404 page the
//! site's title and no feeds.
//!
//! Needs `node` and chromium (`/usr/bin/chromium`, or `CHROMIUM=…`); installs the npm
//! packages in `tests/browser/` on first use. Where chromium or node is missing the test
//! says so and passes without running (set `CSFEED_REQUIRE_BROWSER=1` to fail instead).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::helpers::{COMMAND_TIMEOUT, repo_path};

fn skip(reason: &str) {
    assert!(
        std::env::var_os("CSFEED_REQUIRE_BROWSER").is_none(),
        "browser tests required but {reason}"
    );
    eprintln!("skipping the browser test: {reason}");
}

fn command_works(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_site_works_and_passes_axe_at_phone_and_desktop_widths() {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if !PathBuf::from(&chromium).exists() {
        return skip(&format!(
            "chromium is not installed at {chromium} (apt-get install chromium)"
        ));
    }
    if !command_works("node", &["--version"]) {
        return skip("node is not installed (apt-get install nodejs npm)");
    }
    let browser_dir = repo_path("tests/browser");
    if !browser_dir.join("node_modules/playwright-core").exists()
        && !command_works(
            "npm",
            &[
                "ci",
                "--no-audit",
                "--no-fund",
                "--prefix",
                &browser_dir.display().to_string(),
            ],
        )
    {
        return skip(
            "the npm packages in tests/browser could not be installed (npm ci --prefix tests/browser)",
        );
    }

    // The demo exactly as the README serves it, in a fresh data directory.
    let data = tempfile::tempdir().unwrap();
    let mut server = tokio::process::Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["serve", "--bind", "127.0.0.1:0", "--config"])
        .arg(repo_path("config/demo.toml"))
        .arg("--data-dir")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(COMMAND_TIMEOUT, lines.next_line())
        .await
        .expect("serve started")
        .unwrap()
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    let get_json = |path: &str| {
        let request = client.get(format!("{base}{path}"));
        async move {
            let body = request.send().await.unwrap().text().await.unwrap();
            serde_json::from_str::<serde_json::Value>(&body).unwrap()
        }
    };
    loop {
        let health = get_json("/healthz").await;
        let fetched = health["failing_sources"] == 0 && health["articles"].as_u64().unwrap_or(0) >= 90;
        // The report page checked is the 2018 letter: wait until it is read and indexed.
        let letters = get_json("/api/v1/search?q=kind:focused-visit+la:st-helens+has:priority-actions").await;
        let read = letters["total"].as_u64().unwrap_or(0) >= 1;
        if fetched && read && health["indexed"] == health["articles"] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the demo was not ready: {health}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let screenshots = repo_path("target/screenshots");
    let output = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::process::Command::new("node")
            .arg(browser_dir.join("run.mjs"))
            .arg(&base)
            .arg(&screenshots)
            .env("CHROMIUM", &chromium)
            .output(),
    )
    .await
    .expect("the browser run finished in time")
    .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    match output.status.code() {
        Some(0) => {}
        Some(2) => {
            let _ = server.kill().await;
            return skip(&format!(
                "chromium would not start: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        _ => panic!(
            "the browser found problems:\n{report}\n{}",
            String::from_utf8_lossy(&output.stderr)
        ),
    }
    let report: serde_json::Value = serde_json::from_str(&report).expect("a JSON report");
    let pages = report["pages"].as_array().unwrap();
    assert_eq!(
        pages.len(),
        33,
        "10 pages and a facet click at 390 px, 1280 px and 1280 px dark"
    );
    for width in [390, 1280] {
        for name in ["home", "search", "article", "report", "council", "ofsted"] {
            assert!(
                screenshots.join(format!("{name}-{width}.png")).exists(),
                "{name} at {width} px was captured"
            );
        }
    }
    let _ = server.kill().await;
}
