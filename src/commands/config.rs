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
    // The record of truth: a PostgreSQL address must at least parse (it is not dialled here).
    let database = context.database_url()?;
    let origin = context.loaded.origin.as_ref().map_or_else(
        || "built-in defaults".to_owned(),
        |path| path.display().to_string(),
    );
    let enabled = sources.iter().filter(|source| source.enabled).count();
    println!("config {origin}");
    println!("  data directory: {}", context.data_dir.display());
    match &database {
        Some(url) => println!("  database: PostgreSQL at {url}"),
        None => println!("  database: SQLite in the data directory"),
    }
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
        println!(
            "  note: set server.public_url so feeds and emails carry the public address (`csfeed digest` needs it)"
        );
    }
    let mut problems: Vec<String> = sources.iter().filter_map(missing_file).collect();
    if mailer.sender_is_local() {
        let advice = format!(
            "email.from <{}> is an address on this machine: mail servers reject it and nobody can reply; set email.from (or CSFEED__EMAIL__FROM) to an address at your own domain",
            mailer.from().email
        );
        if mailer.delivers() {
            problems.push(advice);
        } else {
            println!("  note: {advice} before configuring [email.smtp]");
        }
    }
    if problems.is_empty() {
        println!("config {origin} is valid");
        return Ok(ExitCode::SUCCESS);
    }
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    eprintln!(
        "config {origin} has {} problem(s); fix them and run `csfeed config check` again",
        problems.len()
    );
    Ok(ExitCode::FAILURE)
}

/// A `file:` source whose file (or, for a `{urn}` template, folder) does not exist.
fn missing_file(source: &csfeed_core::Source) -> Option<String> {
    if source.url.scheme() != "file" {
        return None;
    }
    let path = source.url.to_file_path().ok()?;
    let templated = path.to_string_lossy().contains("{urn}");
    let wanted = if templated { path.parent()? } else { path.as_path() };
    (!wanted.exists()).then(|| {
        format!(
            "source {}: {} does not exist (file: paths without slashes are relative to the config file's folder)",
            source.id,
            wanted.display()
        )
    })
}
