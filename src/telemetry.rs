//! Structured logs with tracing, on stderr.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::cli::{Cli, Command};

/// Installs the log subscriber. `serve` logs at info by default; one-shot commands only
/// warn, so their own output stays readable. `-v` and `RUST_LOG` raise it.
pub fn init(cli: &Cli) {
    let base = match (cli.global.verbose, &cli.command) {
        (0, Command::Serve(_)) => "info",
        (0, _) => "warn",
        (1, _) => "debug",
        _ => "trace",
    };
    let default = format!("{base},html5ever=warn,selectors=warn,tantivy=warn,hyper=warn,reqwest=warn");
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
