//! `csfeed fetch`: one cycle now, then index and summarise.

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::Utc;
use csfeed_core::SourceId;
use csfeed_search::{OpenMode, SearchError};

use crate::cli::{FetchArgs, GlobalArgs};
use crate::context::Context;
use crate::pipeline::{Pipeline, SourceOutcome};

pub async fn run(global: &GlobalArgs, args: FetchArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let only = args
        .source
        .as_deref()
        .map(SourceId::parse)
        .transpose()
        .context("--source")?;
    let store = context.open_store_synced()?;
    let pipeline = Pipeline::new(
        store.clone(),
        context.shared_fetcher(&store)?,
        context.loaded.settings.fetch.clone(),
        context.data_dir.clone(),
    );
    let now = (!args.all).then(Utc::now);
    let due = pipeline.due_sources(now, only.as_ref())?;
    if due.is_empty() {
        println!("no sources are due; use --source ID to fetch one now");
        return Ok(ExitCode::SUCCESS);
    }
    let progress = super::progress_bar(due.len() as u64, "fetching");
    let report = pipeline.run_cycle(due, &progress).await;
    progress.finish_and_clear();
    for source in &report.sources {
        if let SourceOutcome::Failed { reason, .. } = &source.outcome {
            eprintln!("{}: {reason}", source.id);
        }
    }
    let indexing = match context.open_index(OpenMode::ReadWrite) {
        Ok(index) => {
            let catch_up = tokio::task::spawn_blocking(move || index.catch_up(&store)).await??;
            format!("indexed {} articles", catch_up.indexed)
        }
        Err(error) if is_locked(&error) => {
            "the running csfeed server holds the index and will index the new articles".to_owned()
        }
        Err(error) => return Err(error),
    };
    println!("{}; {indexing}", report.summary());
    Ok(if report.failed() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn is_locked(error: &anyhow::Error) -> bool {
    error
        .chain()
        .any(|cause| matches!(cause.downcast_ref::<SearchError>(), Some(SearchError::Locked)))
}
