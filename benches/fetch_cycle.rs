//! Fetch-cycle benchmark: one `csfeed fetch` over 1,000 sources served by local servers,
//! then a second cycle over the same sources, printing sources per second and peak RSS.
//!
//! Run with `cargo bench --bench fetch_cycle`. The sources are spread over 100 loopback
//! hosts (10 each) and mixed: 85% fresh feeds (304 on the second cycle), 10% failing
//! (HTTP 500), 5% slow (a 2-second pause before answering). Politeness stays at its
//! defaults (one request in flight per host, a 1-second gap between requests to a host,
//! 16 in flight in all), so the figure is what a real deployment would see.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

#[path = "support/process.rs"]
mod process;

use csfeed_testkit::FaultServer;

const HOSTS: u8 = 100;
const SOURCES: usize = 1000;

#[tokio::main]
async fn main() {
    let mut servers = Vec::new();
    for host in 1..=HOSTS {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 3, host));
        servers.push(
            FaultServer::start(ip, None)
                .await
                .expect("start a local feed server"),
        );
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = format!(
        "[storage]\ndata_dir = {:?}\n",
        dir.path().join("data").display().to_string()
    );
    for n in 0..SOURCES {
        let host = n % servers.len();
        let server = &servers[host];
        // Every host gets the same mix: its first source fails, every other host has a
        // slow one, the rest are ordinary feeds.
        let path = match n / servers.len() {
            0 => format!("/status/500?{n}"),
            5 if host % 2 == 0 => format!("/delayed/{n}"),
            _ => format!("/feed/{n}"),
        };
        config.push_str(&format!(
            "\n[[sources]]\nid = \"s{n}\"\nname = \"Source {n}\"\nurl = {:?}\n",
            server.url(&path)
        ));
    }
    let config_path = dir.path().join("csfeed.toml");
    std::fs::write(&config_path, config).expect("write config");

    println!(
        "fetch cycle benchmark: {SOURCES} sources on {HOSTS} local hosts (85% feeds, 10% failing, 5% slow)"
    );
    let runs = [
        ("first cycle (all new)", None, false),
        ("second cycle (304s)", Some("--all"), false),
        (
            "third cycle (304s, no per-host gap: raw throughput)",
            Some("--all"),
            true,
        ),
    ];
    for (label, extra, no_gap) in runs {
        let (elapsed, peak_rss_kib, summary) = run_fetch(&config_path, extra, no_gap).await;
        println!(
            "{label}: {:.1} s, {:.0} sources/s, peak RSS {:.1} MB\n  {summary}",
            elapsed.as_secs_f64(),
            SOURCES as f64 / elapsed.as_secs_f64(),
            peak_rss_kib as f64 / 1024.0
        );
    }
    let requests: usize = servers.iter().map(FaultServer::total_hits).sum();
    println!("requests served: {requests} (including one robots.txt per host per process)");
}

/// Runs `csfeed fetch` to completion, sampling its peak resident set size.
async fn run_fetch(config: &Path, extra: Option<&str>, no_gap: bool) -> (Duration, u64, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_csfeed"));
    command
        .arg("fetch")
        .arg("--config")
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(extra) = extra {
        command.arg(extra);
    }
    if no_gap {
        command.env("CSFEED__FETCH__MIN_HOST_INTERVAL", "0s");
    }
    let run = process::run_watching_peak(&mut command).await;
    (run.elapsed, run.peak_kib, run.stdout.trim().to_owned())
}
