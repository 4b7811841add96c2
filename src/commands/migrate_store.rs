//! `csfeed migrate-store`: the SQLite record of truth copied into PostgreSQL, verified.

use std::process::ExitCode;

use anyhow::Context as _;
use csfeed_store::{DatabaseUrl, TableCopy};

use crate::cli::{GlobalArgs, MigrateStoreArgs};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, args: MigrateStoreArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let url = DatabaseUrl::parse(&args.to).context("--to")?;
    let file = context.sqlite_file();
    anyhow::ensure!(
        file.is_file(),
        "there is no SQLite database at {} to copy (see --data-dir and storage.database_file)",
        file.display()
    );
    let bar = super::progress_bar(0, "copying");
    let shown = url.to_string();
    let copies = {
        let bar = bar.clone();
        tokio::task::spawn_blocking(move || {
            csfeed_store::copy_sqlite_to_postgres(&file, &url, args.replace, &mut |table, done, total| {
                bar.set_message(table);
                bar.set_length(total);
                bar.set_position(done);
            })
        })
        .await?
        .with_context(|| format!("cannot copy the store into {shown}"))?
    };
    bar.finish_and_clear();
    print_counts(&copies);
    if copies.iter().any(|copy| copy.source_rows != copy.target_rows) {
        eprintln!("error: some tables' counts differ (marked !=); the copy is incomplete");
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "copied into {shown}; now set storage.database_url (or CSFEED__STORAGE__DATABASE_URL) to it and start csfeed"
    );
    Ok(ExitCode::SUCCESS)
}

fn print_counts(copies: &[TableCopy]) {
    println!("{:<18} {:>10} {:>10}", "table", "sqlite", "postgres");
    for copy in copies {
        let mark = if copy.source_rows == copy.target_rows {
            ""
        } else {
            "  !="
        };
        println!(
            "{:<18} {:>10} {:>10}{mark}",
            copy.table, copy.source_rows, copy.target_rows
        );
    }
}
