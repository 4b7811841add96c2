//! `csfeed ofsted inspect`: the facts of one report; `csfeed ofsted disagreements`: what
//! the operator should check.

use std::process::ExitCode;

use anyhow::Context as _;

use crate::cli::{GlobalArgs, OfstedCommand};
use crate::context::Context;

/// Largest report read (the longest real ones are about 100 pages, a few MB).
const MAX_REPORT_BYTES: u64 = 64 * 1024 * 1024;

pub async fn run(global: &GlobalArgs, command: OfstedCommand) -> anyhow::Result<ExitCode> {
    match command {
        OfstedCommand::Disagreements { json } => disagreements(global, json),
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

/// Prints the store's notes on inspection records, one a line, or as JSON.
fn disagreements(global: &GlobalArgs, as_json: bool) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let notes = match context.open_existing_store()? {
        Some(store) => store.inspection_notes()?,
        None => Vec::new(),
    };
    if as_json {
        super::print_json(&notes)?;
        return Ok(ExitCode::SUCCESS);
    }
    let shown = |value: &Option<String>| value.clone().unwrap_or_else(|| "nothing".to_owned());
    for note in &notes {
        println!(
            "{} {}: history {}, report {}, kept {} ({})",
            note.report_url,
            note.field,
            shown(&note.history),
            shown(&note.report),
            shown(&note.kept),
            note.reason
        );
    }
    let reports: std::collections::BTreeSet<&str> =
        notes.iter().map(|note| note.report_url.as_str()).collect();
    println!("{} notes on {} reports", notes.len(), reports.len());
    Ok(ExitCode::SUCCESS)
}
