//! The full-England Ofsted ingest: a first `csfeed fetch` of every council's provider page
//! (and its predecessors') on a generated mirror, reading every report it lists. Prints the
//! reports read per second, the peak RSS of the process and its summary line.
//!
//! Run with `cargo bench --bench ofsted_england` (`OFSTED_ENGLAND_REPORTS=2` per council for
//! a quick run; the default, 7, lists about as many reports as Ofsted does). The reports
//! are the real ones in `tests/fixtures/ofsted`, in turn, or with `OFSTED_ENGLAND_PDF_KIB=N`
//! generated ones padded to N KiB. `OFSTED_ENGLAND_KEEP=1` keeps the data directory (its
//! path is printed), to measure `csfeed reindex` on it.

use std::process::Stdio;

use csfeed_core::Gazetteer;
#[path = "support/process.rs"]
mod process;

use csfeed_testkit::{MirrorCouncil, OfstedMirror};

#[tokio::main]
async fn main() {
    let per_council: usize = std::env::var("OFSTED_ENGLAND_REPORTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(7);
    // Every authority, abolished ones too: their provider pages are read for their successors.
    let councils: Vec<MirrorCouncil> = Gazetteer::get()
        .authorities()
        .iter()
        .map(|la| MirrorCouncil {
            urn: la.urn.clone(),
            name: la.name.clone(),
        })
        .collect();
    let pdf_kib: Option<usize> = std::env::var("OFSTED_ENGLAND_PDF_KIB")
        .ok()
        .and_then(|n| n.parse().ok());
    let pages = councils.len();
    let mirror = OfstedMirror::start(councils, per_council)
        .await
        .expect("start the mirror");
    let reports = match pdf_kib {
        Some(kib) => {
            mirror.pad_reports(kib * 1024);
            format!("generated reports of {kib} KiB")
        }
        None => {
            mirror.serve_files(real_reports());
            "the real reports in tests/fixtures/ofsted in turn".to_owned()
        }
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let keep = std::env::var_os("OFSTED_ENGLAND_KEEP").is_some();
    if keep {
        println!("keeping {}", dir.path().display());
    }
    let config = dir.path().join("csfeed.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\ndata_dir = {:?}\n\n[fetch]\nrequest_timeout = \"60s\"\n\n[[sources]]\nid = \"ofsted\"\nname = \"Ofsted reports\"\nkind = \"ofsted\"\nurl = {:?}\ninterval = \"1d\"\n",
            dir.path().join("data").display().to_string(),
            mirror.provider_template()
        ),
    )
    .expect("config");
    println!(
        "full-England Ofsted ingest: {pages} provider pages, {} reports ({reports})",
        pages * per_council
    );
    let run = process::run_watching_peak(
        tokio::process::Command::new(env!("CARGO_BIN_EXE_csfeed"))
            .args(["fetch", "--all", "--config"])
            .arg(&config)
            .env("CSFEED__FETCH__MIN_HOST_INTERVAL", "0s")
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
    .await;
    let (elapsed, peak_kib, status, summary) = (run.elapsed, run.peak_kib, run.status, run.stdout);
    let read: i64 = rusqlite::Connection::open(dir.path().join("data/csfeed.sqlite3"))
        .and_then(|database| {
            database.query_row(
                "SELECT COUNT(*) FROM inspections WHERE origin = 'report'",
                [],
                |row| row.get(0),
            )
        })
        .unwrap_or_default();
    println!(
        "{read} of {} reports read in {:.1} s, {:.1} reports/s, peak RSS {:.1} MiB, exit {status}\n  {}",
        mirror.report_urls().len(),
        elapsed.as_secs_f64(),
        read as f64 / elapsed.as_secs_f64().max(0.001),
        peak_kib as f64 / 1024.0,
        summary.trim().replace('\n', "\n  ")
    );
    if keep {
        let _ = dir.keep();
    }
}

/// The real reports bundled as test fixtures.
fn real_reports() -> Vec<Vec<u8>> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ofsted");
    let mut paths: Vec<_> = std::fs::read_dir(&folder)
        .expect("the fixtures folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pdf"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read(path).expect("a fixture"))
        .collect()
}
