//! `csfeed sources list|import|export|pause|resume|refresh` (`check` is in `sources_check`).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use csfeed_store::SourceChange;
use serde::Serialize;
use url::Url;

use crate::cli::{GlobalArgs, SourcesCommand};
use crate::context::Context;
use crate::settings::LOCAL_CONFIG;

pub async fn run(global: &GlobalArgs, command: SourcesCommand) -> anyhow::Result<ExitCode> {
    match command {
        SourcesCommand::List { json } => list(global, json),
        SourcesCommand::Import { file, into } => import(global, &file, into),
        SourcesCommand::Export => export(global),
        SourcesCommand::Pause { source } => change(global, &source, SourceChange::Pause),
        SourcesCommand::Resume { source } => change(global, &source, SourceChange::Resume),
        SourcesCommand::Refresh { source } => change(global, &source, SourceChange::Refresh),
        SourcesCommand::Check { json } => super::sources_check::run(&Context::load(global)?, json).await,
    }
}

fn change(global: &GlobalArgs, source: &str, change: SourceChange) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let store = context.open_store_synced()?;
    let unknown = || anyhow::anyhow!("there is no source {source:?}: `csfeed sources list` shows the ids");
    let id = csfeed_core::SourceId::parse(source).map_err(|_| unknown())?;
    if !store.change_source(&id, change, chrono::Utc::now())? {
        return Err(unknown());
    }
    let done = match change {
        SourceChange::Pause => "paused: the scheduler skips it until `csfeed sources resume`",
        SourceChange::Resume => "resumed: the scheduler fetches it when it is next due",
        SourceChange::Refresh => {
            "due now: a running `csfeed serve` fetches it within a tick (`csfeed fetch --source` fetches it from here)"
        }
    };
    writeln!(std::io::stdout().lock(), "{source} {done}")?;
    Ok(ExitCode::SUCCESS)
}

fn list(global: &GlobalArgs, as_json: bool) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let records = context.open_store_synced()?.sources()?;
    let mut out = std::io::stdout().lock();
    if as_json {
        let rows: Vec<_> = records.iter().map(csfeed_web::source_json).collect();
        super::print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{:<24} {:<22} {:>8} {:>7} {:>7} {:<17} {:<17} {:>4} {:>3}  LAST ERROR",
        "SOURCE", "STATUS", "ARTICLES", "PENDING", "FAILING", "LAST SUCCESS", "NEXT FETCH", "HTTP", "ERR"
    )?;
    for record in &records {
        let state = &record.state;
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or("-".to_owned(), |t| t.format("%Y-%m-%d %H:%M").to_string())
        };
        writeln!(
            out,
            "{:<24} {:<22} {:>8} {:>7} {:>7} {:<17} {:<17} {:>4} {:>3}  {}",
            record.source.id.as_str(),
            record.status(),
            record.article_count,
            record.publications_pending,
            record.publications_failing,
            time(state.last_success_at),
            match (record.is_scheduled(), state.next_due_at) {
                (false, _) => "-".to_owned(),
                (true, None) => "now".to_owned(),
                (true, due) => time(due),
            },
            state.last_status.map_or("-".into(), |s| s.to_string()),
            state.consecutive_failures,
            state.last_error.as_deref().unwrap_or(""),
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn export(global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let records = context.open_store_synced()?.sources()?;
    let title = format!("{} sources", context.loaded.settings.site.title);
    let document = csfeed_web::sources_opml(&title, &records).map_err(|error| anyhow::anyhow!(error))?;
    writeln!(std::io::stdout().lock(), "{document}")?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct NewSource {
    id: String,
    name: String,
    url: String,
}

#[derive(Serialize)]
struct NewSources {
    sources: Vec<NewSource>,
}

fn import(global: &GlobalArgs, file: &Path, into: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let document = opml::OPML::from_str(&text)
        .map_err(|error| anyhow::anyhow!("{} is not valid OPML: {error}", file.display()))?;
    let configured = context.loaded.sources()?;
    let mut known_urls: HashSet<String> = configured.iter().map(|s| s.url.to_string()).collect();
    let mut known_ids: HashSet<String> = configured.iter().map(|s| s.id.to_string()).collect();
    let mut feeds = Vec::new();
    collect_feeds(&document.body.outlines, &mut feeds);
    let (mut added, mut skipped) = (Vec::new(), 0usize);
    for outline in feeds {
        let Some(url) = outline
            .xml_url
            .as_deref()
            .and_then(|raw| Url::parse(raw.trim()).ok())
        else {
            skipped += 1;
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") || !known_urls.insert(url.to_string()) {
            skipped += 1;
            continue;
        }
        let name = outline
            .title
            .clone()
            .filter(|title| !title.trim().is_empty())
            .unwrap_or_else(|| outline.text.clone());
        let name = if name.trim().is_empty() {
            url.host_str().unwrap_or("feed").to_owned()
        } else {
            name.trim().to_owned()
        };
        let id = unique_id(&slug(&name, &url), &mut known_ids);
        added.push(NewSource {
            id,
            name,
            url: url.to_string(),
        });
    }
    let target = into
        .or_else(|| global.config.clone())
        .unwrap_or_else(|| PathBuf::from(LOCAL_CONFIG));
    if added.is_empty() {
        println!("nothing to add: {skipped} feeds skipped (already configured or without a usable URL)");
        return Ok(ExitCode::SUCCESS);
    }
    let count = added.len();
    let tables = toml::to_string(&NewSources { sources: added }).context("cannot write TOML")?;
    let existing = std::fs::read_to_string(&target).unwrap_or_default();
    let combined = format!(
        "{existing}\n# Imported from {} by `csfeed sources import`.\n{tables}",
        file.display()
    );
    if let Err(error) = toml::from_str::<toml::Table>(&combined) {
        bail!(
            "{} would not be valid TOML after the import ({error}); nothing was written",
            target.display()
        );
    }
    std::fs::write(&target, combined).with_context(|| format!("cannot write {}", target.display()))?;
    println!(
        "added {count} sources to {} ({skipped} skipped: already configured or without a usable URL)",
        target.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn collect_feeds<'a>(outlines: &'a [opml::Outline], feeds: &mut Vec<&'a opml::Outline>) {
    for outline in outlines {
        if outline.xml_url.is_some() {
            feeds.push(outline);
        }
        collect_feeds(&outline.outlines, feeds);
    }
}

/// "Community Care" → "community-care"; falls back to the host name.
fn slug(name: &str, url: &Url) -> String {
    let make = |text: &str| -> String {
        let mut slug = String::new();
        for character in text.chars().flat_map(char::to_lowercase) {
            if character.is_ascii_alphanumeric() {
                slug.push(character);
            } else if !slug.ends_with('-') && !slug.is_empty() {
                slug.push('-');
            }
        }
        slug.trim_end_matches('-')
            .chars()
            .take(48)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    };
    let from_name = make(name);
    if from_name.is_empty() {
        make(url.host_str().unwrap_or("feed"))
    } else {
        from_name
    }
}

fn unique_id(base: &str, known: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "feed" } else { base };
    let mut candidate = base.to_owned();
    let mut n = 2;
    while known.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    known.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_valid_source_ids_and_unique() {
        let url = Url::parse("https://www.communitycare.co.uk/feed/").unwrap();
        assert_eq!(
            slug("Community Care: Children's news!", &url),
            "community-care-children-s-news"
        );
        assert_eq!(slug("  ", &url), "www-communitycare-co-uk");
        let mut known = HashSet::from(["community-care".to_owned()]);
        assert_eq!(unique_id("community-care", &mut known), "community-care-2");
        assert_eq!(unique_id("community-care", &mut known), "community-care-3");
        for name in ["Ofsted — news", "ÉÀ", "x".repeat(100).as_str()] {
            let id = unique_id(&slug(name, &url), &mut known);
            assert!(csfeed_core::SourceId::parse(&id).is_ok(), "{id}");
        }
    }
}
