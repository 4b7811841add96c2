//! `csfeed digest`: the email digest, as cron runs it.

use std::process::ExitCode;

use anyhow::Context as _;
use csfeed_digest::{DigestOptions, Frequency};
use csfeed_search::OpenMode;
use indicatif::ProgressDrawTarget;

use crate::cli::{DigestArgs, FrequencyArg, GlobalArgs};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, args: DigestArgs) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    // A dry run sends nothing, so it may run before the public address is set.
    let links = match (&args.public_url, args.dry_run) {
        (None, true) => context.links(None)?,
        (public_url, _) => context.public_links(public_url.clone())?,
    };
    let store = context.open_store()?;
    let index = context
        .open_index(OpenMode::ReadOnly)
        .context("the digest reads the search index")?;
    let mailer = context.mailer()?;
    let options = DigestOptions {
        frequency: frequency(args.frequency),
        dry_run: args.dry_run,
        limit: args.limit,
        send_empty: context.loaded.settings.email.send_empty,
        site_title: context.loaded.settings.site.title.clone(),
        now: chrono::Utc::now(),
        lease: csfeed_digest::DeliveryLease {
            holder: crate::leases::holder_id(),
            ttl: context.loaded.settings.email.lease_ttl,
        },
    };
    let bar = super::progress_bar(0, "digest");
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let summary = csfeed_digest::run_digest(&store, &index, &mailer, &links, &options, &progress).await?;
    bar.finish_and_clear();
    let frequency = options.frequency.as_str();
    if args.dry_run {
        println!(
            "{frequency} digest (dry run): would send {}, nothing new for {}, already sent {}",
            summary.would_send, summary.empty, summary.skipped
        );
    } else {
        let suspended = if summary.suspended > 0 {
            format!(
                ", suspended {} (address refused in {} periods in a row; see `csfeed subscribers list`)",
                summary.suspended,
                csfeed_digest::SUSPEND_AFTER_REFUSALS
            )
        } else {
            String::new()
        };
        println!(
            "{frequency} digest: sent {}, nothing new {}, already sent {}, failed {}{suspended} (via {})",
            summary.sent,
            summary.empty,
            summary.skipped,
            summary.failed,
            mailer.describe()
        );
    }
    Ok(if summary.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub fn frequency(arg: FrequencyArg) -> Frequency {
    match arg {
        FrequencyArg::Daily => Frequency::Daily,
        FrequencyArg::Weekly => Frequency::Weekly,
    }
}
