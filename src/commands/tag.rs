//! `csfeed tag TEXT`: the tagger, on the command line.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use crate::cli::TagArgs;

pub fn run(args: TagArgs) -> anyhow::Result<ExitCode> {
    let text = if args.text == ["-"] {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("cannot read standard input")?;
        text
    } else {
        args.text.join(" ")
    };
    let tags = csfeed_core::tag_text(&text);
    let document = json!({
        "local_authorities": tags.local_authorities.iter().map(|la| json!({
            "name": la.name,
            "gss_code": la.gss_code,
            "slug": la.slug,
            "region": la.region,
            "abolished": la.abolished.as_ref().map(|a| &a.date),
        })).collect::<Vec<_>>(),
        "topics": tags.topics.iter().map(|topic| json!({ "slug": topic.slug, "name": topic.name })).collect::<Vec<_>>(),
    });
    super::print_json(&document)?;
    Ok(ExitCode::SUCCESS)
}
