//! `csfeed ofsted inspect`: the facts of one report.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::OfstedCommand;

/// Largest report read (the longest real ones are about 100 pages, a few MB).
const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

pub async fn run(command: OfstedCommand) -> anyhow::Result<ExitCode> {
    match command {
        OfstedCommand::Inspect { file, published } => {
            let size = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .len();
            anyhow::ensure!(
                size <= MAX_REPORT_BYTES,
                "{} is {size} bytes, larger than any Ofsted report",
                file.display()
            );
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let inspection = tokio::task::spawn_blocking(move || -> Result<_, csfeed_ofsted::OfstedError> {
                let text = csfeed_ofsted::extract_text(&bytes)?;
                let facts = csfeed_ofsted::read_facts(&text);
                Ok(match published {
                    Some(date) => facts.with_listed_date(date),
                    None => facts,
                })
            })
            .await
            .context("the report reader crashed")?
            .with_context(|| format!("{} is not a readable Ofsted report", file.display()))?;
            super::print_json(&inspection)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
