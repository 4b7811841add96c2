//! `csfeed subscribers`: the operator's view of digest subscribers.

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use csfeed_digest::{Confirmation, SubscriberEmail, mask};

use crate::cli::{GlobalArgs, SubscribersCommand};
use crate::context::Context;

pub async fn run(global: &GlobalArgs, command: SubscribersCommand) -> anyhow::Result<ExitCode> {
    let context = Context::load(global)?;
    let store = context.open_store()?;
    match command {
        SubscribersCommand::List { full, json } => {
            let rows = rows(&store, full)?;
            if json {
                super::print_json(&rows)?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = std::io::stdout().lock();
            writeln!(out, "{} subscriber(s)", rows.len())?;
            for row in &rows {
                writeln!(
                    out,
                    "{}  {}  {}  {}",
                    row["email"].as_str().unwrap_or_default(),
                    row["frequency"].as_str().unwrap_or_default(),
                    row["state"].as_str().unwrap_or_default(),
                    row["follows"]
                        .as_array()
                        .map(|follows| follows
                            .iter()
                            .filter_map(|f| f.as_str())
                            .collect::<Vec<_>>()
                            .join(" | "))
                        .unwrap_or_default()
                )?;
            }
        }
        SubscribersCommand::Add {
            email,
            follows,
            frequency,
            confirmed,
        } => {
            let email = SubscriberEmail::parse(&email).map_err(|error| anyhow::anyhow!("{error}"))?;
            let frequency = super::digest::frequency(frequency).as_str();
            let follows = follows
                .iter()
                .map(|query| csfeed_search::check_follow(query))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| anyhow::anyhow!("{error}; see `csfeed help search` for the filters"))?;
            let now = chrono::Utc::now();
            let mut subscriber = None;
            for followed in &follows {
                subscriber = Some(
                    store
                        .subscribe(email.as_str(), frequency, &followed.query, &followed.label, now)?
                        .subscriber,
                );
            }
            let subscriber = subscriber.context("--follow is required")?;
            if confirmed {
                store.confirm_subscriber(subscriber.id, now, now)?;
                println!("subscribed {email} ({frequency}), confirmed by the operator");
            } else {
                let mailer = context.mailer()?;
                let links = context.public_links(None)?;
                let labels: Vec<String> = store
                    .pending_follows(subscriber.id, now)?
                    .into_iter()
                    .map(|follow| follow.label)
                    .collect();
                let message = csfeed_digest::confirmation_email(
                    &links,
                    &context.loaded.settings.site.title,
                    mailer.from(),
                    Confirmation {
                        to: email.as_str(),
                        subscriber: subscriber.id,
                        labels: &labels,
                        frequency,
                    },
                    now,
                )?;
                mailer
                    .send(
                        &message,
                        &format!("confirm-{}-{}", subscriber.id, now.timestamp()),
                    )
                    .await?;
                println!(
                    "asked {email} to confirm ({frequency}); a confirmation email went via {}, nothing is sent or changed until they confirm",
                    mailer.describe()
                );
            }
        }
        SubscribersCommand::Remove { email } => {
            let email = SubscriberEmail::parse(&email).map_err(|error| anyhow::anyhow!("{error}"))?;
            let Some(subscriber) = store.subscriber_by_email(email.as_str())? else {
                anyhow::bail!("{email} is not a subscriber (see `csfeed subscribers list`)");
            };
            store.delete_subscriber(subscriber.id)?;
            println!("removed {email} and their delivery history");
        }
        SubscribersCommand::Export => {
            std::io::stdout()
                .lock()
                .write_all(csfeed_web::subscribers_csv(&store)?.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn rows(store: &csfeed_store::Store, full: bool) -> anyhow::Result<Vec<serde_json::Value>> {
    let mut rows = Vec::new();
    for (subscriber, follows) in store.subscribers_with_follows()? {
        let follows: Vec<String> = follows.into_iter().map(|follow| follow.query).collect();
        rows.push(serde_json::json!({
            "email": if full { subscriber.email.clone() } else { mask(&subscriber.email) },
            "frequency": subscriber.frequency,
            "state": csfeed_web::subscriber_state(&subscriber),
            "created_at": subscriber.created_at,
            "confirmed_at": subscriber.confirmed_at,
            "follows": follows,
        }));
    }
    Ok(rows)
}
