//! One module per subcommand.

mod backup;
mod config;
mod digest;
mod fetch;
mod inspect_feed;
mod migrate_store;
mod ofsted;
mod reindex;
mod search;
mod serve;
mod sources;
mod sources_check;
mod subscribers;
mod tag;

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{Cli, Command};

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(&cli.global, args).await,
        Command::Fetch(args) => fetch::run(&cli.global, args).await,
        Command::Search(args) => search::run(&cli.global, args).await,
        Command::Reindex => reindex::run(&cli.global).await,
        Command::InspectFeed(args) => inspect_feed::run(&cli.global, args).await,
        Command::Sources(command) => sources::run(&cli.global, command).await,
        Command::Tag(args) => tag::run(args),
        Command::Ofsted(command) => ofsted::run(&cli.global, command).await,
        Command::Digest(args) => digest::run(&cli.global, args).await,
        Command::Subscribers(command) => subscribers::run(&cli.global, command).await,
        Command::Backup(args) => backup::run(&cli.global, args).await,
        Command::Config(command) => config::run(&cli.global, command).await,
        Command::MigrateStore(args) => migrate_store::run(&cli.global, args).await,
    }
}

/// Prints a JSON document on stdout, pretty, as every `--json` output and `inspect` command does.
fn print_json(document: &impl serde::Serialize) -> anyhow::Result<()> {
    use std::io::Write;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        serde_json::to_string_pretty(document)?
    )?;
    Ok(())
}

/// A progress bar on stderr; invisible when stderr is not a terminal (cron, CI, pipes).
fn progress_bar(length: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message);
    bar
}

/// A spinner on stderr for work of unknown length; invisible when not on a terminal.
fn spinner(message: &'static str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}
