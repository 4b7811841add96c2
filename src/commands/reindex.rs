//! `csfeed reindex`: rebuild the index from the store.

use std::process::ExitCode;
use std::time::Instant;

use csfeed_search::OpenMode;

use crate::cli::GlobalArgs;
use crate::context::Context;

pub async fn run(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let store = context.open_store()?;
    let index = context.open_index(OpenMode::ReadWrite)?;
    let started = Instant::now();
    let spinner = super::spinner("reindexing");
    let (rebuilt, stored, searchable) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let rebuilt = index.rebuild(&store)?;
        Ok((rebuilt, store.article_count()?, index.num_docs()))
    })
    .await??;
    spinner.finish_and_clear();
    println!(
        "reindexed {} articles in {:.1} s; the index holds {searchable} documents and the store {stored} articles",
        rebuilt.indexed,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
