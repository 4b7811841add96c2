//! `csfeed sources check`: every configured source fetched once, as ingestion would read
//! it, with nothing stored: for an operator on a connected machine to see what is broken.

use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use csfeed_core::{Source, SourceKind};
use csfeed_fetch::{FetchError, FetchOutcome, Fetched, Fetcher, Validators};
use futures::StreamExt as _;
use serde::Serialize;

use crate::context::Context;

/// Sources checked at once; the fetcher's per-host gate keeps each host's pace.
const CHECKS_IN_FLIGHT: usize = 8;

/// How one source fared.
#[derive(Debug, Serialize)]
struct Check {
    id: String,
    /// `ok`, `broken` or `skipped`.
    status: &'static str,
    items: Option<usize>,
    newest: Option<DateTime<Utc>>,
    format: Option<String>,
    robots: String,
    http_status: Option<u16>,
    detail: Option<String>,
}

impl Check {
    fn new(source: &Source, robots: String) -> Self {
        Self {
            id: source.id.as_str().to_owned(),
            status: "ok",
            items: None,
            newest: None,
            format: None,
            robots,
            http_status: None,
            detail: None,
        }
    }

    fn broken(mut self, detail: String) -> Self {
        self.status = "broken";
        self.detail = Some(detail);
        self
    }
}

/// Checks every configured source; exits 1 when any is broken.
pub async fn run(context: &Context, as_json: bool) -> anyhow::Result<ExitCode> {
    let sources = context.loaded.sources()?;
    let fetcher = context.fetcher()?;
    let checks: Vec<Check> = futures::stream::iter(&sources)
        .map(|source| check(&fetcher, source))
        .buffered(CHECKS_IN_FLIGHT)
        .collect()
        .await;
    if as_json {
        super::print_json(&checks)?;
    } else {
        print_table(&checks)?;
    }
    let broken = checks.iter().filter(|check| check.status == "broken").count();
    Ok(if broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn check(fetcher: &Fetcher, source: &Source) -> Check {
    if source.kind == SourceKind::Ofsted {
        let mut skipped = Check::new(source, "-".to_owned());
        skipped.status = "skipped";
        skipped.detail = Some(
            "an Ofsted source has a page per council: `csfeed fetch --source ID` fetches them".to_owned(),
        );
        return skipped;
    }
    let is_local = source.url.scheme() == "file";
    let robots_when_fetched = match (is_local, fetcher.config().obey_robots) {
        (true, _) => "n/a (file)",
        (false, true) => "allowed",
        (false, false) => "ignored (fetch.obey_robots = false)",
    };
    let fetched = match fetcher.fetch(&source.url, &Validators::default()).await {
        Ok(FetchOutcome::Fetched(fetched)) => fetched,
        Ok(FetchOutcome::NotModified { .. }) => {
            return Check::new(source, robots_when_fetched.to_owned())
                .broken("the server answered 304 Not Modified to an unconditional request".to_owned());
        }
        Err(error) => {
            let mut failed = Check::new(source, robots_verdict(&error, robots_when_fetched));
            failed.http_status = error.http_status();
            return failed.broken(error.to_string());
        }
    };
    let mut checked = Check::new(source, robots_when_fetched.to_owned());
    checked.http_status = fetched.status;
    let read = match source.kind {
        SourceKind::Html => read_listing(source, fetched).await,
        _ => read_feed(source, fetched).await,
    };
    match read {
        Ok(Reading {
            items,
            newest,
            format,
        }) => {
            checked.items = Some(items);
            checked.newest = newest;
            checked.format = Some(format);
            checked
        }
        Err(reason) => checked.broken(reason),
    }
}

/// What robots.txt said, as far as a failed fetch tells: the fetcher asks it first.
fn robots_verdict(error: &FetchError, when_asked: &str) -> String {
    match error {
        FetchError::BlockedByRobots(_) => "disallowed".to_owned(),
        error if error.to_string().contains("robots.txt") => "unknown (robots.txt unreachable)".to_owned(),
        _ => when_asked.to_owned(),
    }
}

/// What a fetched document holds.
struct Reading {
    items: usize,
    newest: Option<DateTime<Utc>>,
    format: String,
}

async fn read_feed(source: &Source, fetched: Fetched) -> Result<Reading, String> {
    let id = source.id.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        csfeed_ingest::parse_feed(
            &id,
            &fetched.body,
            fetched.content_type.as_deref(),
            Some(&fetched.final_url),
        )
    })
    .await
    .map_err(|error| format!("the parser crashed: {error}"))?
    .map_err(|error| error.to_string())?;
    Ok(Reading {
        items: parsed.articles.len(),
        newest: parsed
            .articles
            .iter()
            .filter_map(|article| article.published.or(article.updated))
            .max(),
        format: parsed.format,
    })
}

async fn read_listing(source: &Source, fetched: Fetched) -> Result<Reading, String> {
    let Some(selectors) = source.options.html.clone() else {
        return Err("kind = \"html\" needs a [sources.html] table of selectors".to_owned());
    };
    let listing = tokio::task::spawn_blocking(move || {
        let compiled =
            csfeed_ingest::CompiledSelectors::compile(&selectors).map_err(|error| error.to_string())?;
        let html = csfeed_fetch::decode_text(&fetched.body, fetched.content_type.as_deref());
        csfeed_ingest::parse_listing(&html, &fetched.final_url, &compiled, Utc::now())
            .map_err(|error| error.to_string())
    })
    .await
    .map_err(|error| format!("the parser crashed: {error}"))??;
    Ok(Reading {
        items: listing.items.len(),
        newest: listing.items.iter().filter_map(|item| item.date).max(),
        format: "HTML listing".to_owned(),
    })
}

fn print_table(checks: &[Check]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:<24} {:<7} {:>5} {:>5} {:<10} {:<18} {:<12}  DETAIL",
        "SOURCE", "STATUS", "HTTP", "ITEMS", "NEWEST", "FORMAT", "ROBOTS"
    )?;
    for check in checks {
        writeln!(
            out,
            "{:<24} {:<7} {:>5} {:>5} {:<10} {:<18} {:<12}  {}",
            check.id,
            check.status,
            check
                .http_status
                .map_or("-".to_owned(), |status| status.to_string()),
            check.items.map_or("-".to_owned(), |items| items.to_string()),
            check
                .newest
                .map_or("-".to_owned(), |newest| newest.format("%Y-%m-%d").to_string()),
            check.format.as_deref().unwrap_or("-"),
            check.robots,
            check.detail.as_deref().unwrap_or(""),
        )?;
    }
    let broken = checks.iter().filter(|check| check.status == "broken").count();
    writeln!(out, "{} sources checked, {broken} broken", checks.len())
}
