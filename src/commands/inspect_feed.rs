//! `csfeed inspect-feed`: parse one feed as ingestion would, print JSON.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use csfeed_core::SourceId;
use csfeed_fetch::{FetchOutcome, Validators};
use serde_json::json;
use url::Url;

use crate::cli::{GlobalArgs, InspectFeedArgs};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, args: InspectFeedArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let location = locate(&args.input)?;
    let fetcher = context.fetcher()?;
    let (body, content_type, location) = match fetcher.fetch(&location, &Validators::default()).await? {
        FetchOutcome::Fetched(fetched) => (fetched.body, fetched.content_type, fetched.final_url),
        FetchOutcome::NotModified { .. } => {
            bail!("the server answered 304 Not Modified to an unconditional request")
        }
    };
    let source = SourceId::parse("inspect")?;
    let feed = tokio::task::spawn_blocking(move || {
        csfeed_ingest::parse_feed(&source, &body, content_type.as_deref(), Some(&location))
    })
    .await
    .context("the parser crashed")??;
    let items: Vec<_> = feed
        .articles
        .iter()
        .map(|article| {
            json!({
                "id": article.id,
                "guid": article.guid,
                "title": article.title,
                "url": article.url,
                "published": article.published,
                "updated": article.updated,
                "summary": article.summary,
                "authors": article.authors,
                "content_text": article.content_text,
            })
        })
        .collect();
    let document = json!({ "feed": { "title": feed.title, "format": feed.format }, "items": items });
    super::print_json(&document)?;
    Ok(ExitCode::SUCCESS)
}

/// An http(s) or file URL as given, else a path on disk.
fn locate(input: &str) -> anyhow::Result<Url> {
    if let Ok(url) = Url::parse(input)
        && matches!(url.scheme(), "http" | "https" | "file")
    {
        return Ok(url);
    }
    let path = std::path::absolute(input).with_context(|| format!("cannot resolve {input}"))?;
    if !path.is_file() {
        bail!(
            "{} is not a file (give a feed file path or an http(s) URL)",
            path.display()
        );
    }
    Url::from_file_path(&path).map_err(|()| anyhow::anyhow!("{} is not a usable file path", path.display()))
}
