//! Running the csfeed binary from a benchmark while watching its memory.

#![allow(dead_code)]

use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// What one run of a child process took.
pub struct Run {
    /// Wall time from spawn to exit.
    pub elapsed: Duration,
    /// Peak resident set size (VmHWM), KiB.
    pub peak_kib: u64,
    /// How it ended.
    pub status: ExitStatus,
    /// What it printed on stdout (the command's summary line).
    pub stdout: String,
}

/// Spawns `command` (stdout piped), samples its peak resident set every 20 ms until it exits,
/// and returns the run.
pub async fn run_watching_peak(command: &mut tokio::process::Command) -> Run {
    let started = Instant::now();
    let mut child = command.spawn().expect("start the csfeed binary");
    let pid = child.id().expect("running");
    let mut peak_kib = 0;
    let status = loop {
        if let Some(hwm) = peak_rss_kib(pid) {
            peak_kib = peak_kib.max(hwm);
        }
        match tokio::time::timeout(Duration::from_millis(20), child.wait()).await {
            Ok(status) => break status.expect("the csfeed binary ran"),
            Err(_) => continue,
        }
    };
    let elapsed = started.elapsed();
    let mut stdout = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        use tokio::io::AsyncReadExt;
        let _ = pipe.read_to_string(&mut stdout).await;
    }
    Run {
        elapsed,
        peak_kib,
        status,
        stdout,
    }
}

/// VmHWM (the peak resident set) of a running process, from /proc.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
