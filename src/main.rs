//! `csfeed`: children's services news and Ofsted reports, fetched, indexed and served.
//!
//! The binary is the only place the pipeline's stages are wired together: it reads the
//! configuration, opens the store and the index, and runs the command the user asked for.
//! Each stage lives in its own crate under `crates/`.

mod cli;
mod commands;
mod context;
mod leases;
mod ofsted_source;
mod pipeline;
mod settings;
mod telemetry;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    csfeed_ofsted::silence_reader_panics();
    telemetry::init(&cli);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        // The reader of our output went away (`csfeed search x | head`): not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", one_line(&error));
            ExitCode::FAILURE
        }
    }
}

/// The whole error chain on one line, for cron mail and log scrapers.
fn one_line(error: &anyhow::Error) -> String {
    format!("{error:#}").replace('\n', " ")
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
