//! `csfeed config check`: is this configuration usable?

use std::process::ExitCode;

use crate::cli::{ConfigCommand, GlobalArgs};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Check => check(global),
    }
}

fn check(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    // Loading checks the TOML, unknown keys (named with their file) and value types.
    let context = Context::load(global)?;
    let settings = &context.loaded.settings;
    // Sources: ids, URLs, selectors, councils, Ofsted URL templates.
    let sources = context.loaded.sources()?;
    // Email: the From address, the TLS mode, and that the outbox or SMTP server is usable.
    let mailer = context.mailer()?;
    let origin = context.loaded.origin.as_ref().map_or_else(
        || "built-in defaults".to_owned(),
        |path| path.display().to_string(),
    );
    let enabled = sources.iter().filter(|source| source.enabled).count();
    println!("config {origin} is valid");
    println!("  data directory: {}", context.data_dir.display());
    println!(
        "  server: {} (public URL: {})",
        settings.server.bind,
        settings
            .server
            .public_url
            .as_ref()
            .map_or("from the Host header".to_owned(), ToString::to_string)
    );
    println!("  sources: {} ({enabled} enabled)", sources.len());
    for source in &sources {
        println!(
            "    {} [{}] {}{}",
            source.id,
            source.kind.as_str(),
            source.display_url(),
            if source.enabled { "" } else { " (disabled)" }
        );
    }
    println!("  email: from {} via {}", settings.email.from, mailer.describe());
    if !settings.server.bind.ip().is_loopback() {
        println!(
            "  note: the server listens on {} beyond this machine; put a reverse proxy with TLS in front",
            settings.server.bind
        );
    }
    if settings.server.public_url.is_none() {
        println!("  note: set server.public_url so feeds and emails carry the public address");
    }
    Ok(ExitCode::SUCCESS)
}
