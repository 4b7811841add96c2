//! `csfeed search`: the site's search, in the terminal.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use csfeed_core::SourceId;
use csfeed_search::{FacetField, OpenMode, SearchRequest, SortOrder};
use serde_json::json;

use crate::cli::{GlobalArgs, SearchArgs, SortArg};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let Some(store) = context.open_existing_store()? else {
        anyhow::bail!(
            "nothing is indexed yet in {}: run `csfeed fetch` to fetch and index the configured sources (or `csfeed serve`, which also fetches), then search again",
            context.data_dir.display()
        );
    };
    let index = context.open_index(OpenMode::ReadOnly)?;
    let source_names: HashMap<String, String> = store
        .sources()?
        .into_iter()
        .map(|record| (record.source.id.to_string(), record.source.name))
        .collect();
    let request = SearchRequest {
        query: args.query.join(" "),
        source: args
            .source
            .as_deref()
            .map(SourceId::parse)
            .transpose()
            .context("--source")?,
        sort: match args.sort {
            SortArg::Relevance => SortOrder::Relevance,
            SortArg::Newest => SortOrder::Newest,
        },
        from: args.from.map(start_of_day),
        // Inclusive for people: up to the end of that day.
        to: args.to.and_then(|to| to.succ_opt()).map(start_of_day),
        limit: usize::from(args.limit),
        facets: args.facets,
        ..SearchRequest::default()
    };
    let started = Instant::now();
    let query = request.clone();
    let results = tokio::task::spawn_blocking(move || index.search(&store, &query)).await??;
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    for warning in &results.warnings {
        eprintln!("note: {warning}");
    }
    if args.json {
        let mut document = serde_json::to_value(csfeed_web::search_results_json(
            &results,
            &request.query,
            1,
            request.limit,
        ))?;
        document["took_ms"] = json!((took_ms * 1000.0).round() / 1000.0);
        super::print_json(&document)?;
        return Ok(ExitCode::SUCCESS);
    }
    let bold = std::io::stdout().is_terminal();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} result{} for {:?} ({took_ms:.1} ms)",
        results.total,
        if results.total == 1 { "" } else { "s" },
        request.query
    )?;
    if let Some(suggestion) = &results.did_you_mean {
        writeln!(out, "Did you mean: {suggestion}")?;
    }
    for (written, topic) in &results.synonyms {
        writeln!(out, "Also searched for other names of {topic} (from {written:?})")?;
    }
    for facet in &results.facets {
        let values: Vec<String> = facet
            .values
            .iter()
            .take(12)
            .map(|value| facet_text(facet.field, &value.value, value.count, &source_names))
            .collect();
        if !values.is_empty() {
            writeln!(out, "{}: {}", facet.field.label(), values.join(", "))?;
        }
    }
    for (position, hit) in results.hits.iter().enumerate() {
        let record = &hit.record;
        writeln!(out)?;
        writeln!(out, "{}. {}", position + 1, terminal_text(&hit.title_html, bold))?;
        let date = record.display_date().format("%-d %B %Y");
        let mut meta = if record.is_dated() {
            format!("{} · {date}", record.source_name)
        } else {
            format!("{} · Undated · first seen {date}", record.source_name)
        };
        if let Some(url) = &record.article.url {
            meta.push_str(&format!(" · {url}"));
        }
        writeln!(out, "   {meta}")?;
        writeln!(out, "   {}", terminal_text(&hit.snippet_html, bold))?;
        let others: Vec<&str> = record
            .also_reported_by
            .iter()
            .map(|report| report.source_name.as_str())
            .collect();
        if !others.is_empty() {
            writeln!(out, "   Also reported by {}", others.join(", "))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One facet value for people: "St. Helens (8, la:st-helens)" rather than the indexed
/// "la:E08000013 (8)", with the operator that narrows a search to it.
fn facet_text(field: FacetField, value: &str, count: u64, source_names: &HashMap<String, String>) -> String {
    match csfeed_web::facet_value(field, value, source_names) {
        Some((label, operand)) => format!("{label} ({count}, {}:{operand})", field.operator()),
        None => format!("{}:{value} ({count})", field.operator()),
    }
}

fn start_of_day(day: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Highlight markup to terminal text: bold on a terminal, plain otherwise.
fn terminal_text(html: &str, bold: bool) -> String {
    let (open, close) = if bold { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
    let text = html.split_whitespace().collect::<Vec<_>>().join(" ");
    text.replace("<mark>", open)
        .replace("</mark>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
