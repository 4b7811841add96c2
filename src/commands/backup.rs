//! `csfeed backup`: an online copy of the database.

use std::process::ExitCode;

use anyhow::{Context as _, bail};

use crate::cli::{BackupArgs, GlobalArgs};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    if context.database_url()?.is_some() {
        // Before anything is opened or written: PostgreSQL has its own tools for this.
        return Err(csfeed_store::StoreError::UseDatabaseTools.into());
    }
    let store = context.open_store()?;
    let destination = args.destination;
    if destination.exists() && !args.force {
        bail!(
            "{} exists; choose a new file or pass --force to replace it",
            destination.display()
        );
    }
    let partial = destination.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let bar = super::progress_bar(0, "backup");
    let copy_to = partial.clone();
    let copied = tokio::task::spawn_blocking(move || {
        store.backup_to(&copy_to, |remaining, total| {
            bar.set_length(total);
            bar.set_position(total.saturating_sub(remaining));
        })?;
        bar.finish_and_clear();
        anyhow::Ok(())
    })
    .await?;
    if let Err(error) = copied {
        let _ = std::fs::remove_file(&partial);
        return Err(error).context("the backup failed; nothing was written to the destination");
    }
    std::fs::rename(&partial, &destination)
        .with_context(|| format!("cannot move the backup into place at {}", destination.display()))?;
    let size = std::fs::metadata(&destination).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up the database to {} ({:.1} MB); restore by stopping csfeed, copying it to {} and running `csfeed reindex`",
        destination.display(),
        size as f64 / 1e6,
        context.data_dir.join("csfeed.sqlite3").display()
    );
    Ok(ExitCode::SUCCESS)
}
