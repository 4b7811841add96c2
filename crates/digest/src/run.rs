//! One digest run, as cron starts it: every confirmed subscriber of a frequency gets one
//! email for the current period with what is new in the searches they follow.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use tracing::{debug, info, warn};

use csfeed_core::Gazetteer;
use csfeed_search::{SearchIndex, SearchRequest, SortOrder};
use csfeed_store::{Delivery, Follow, LeaseGuard, Store, Subscriber};

use crate::compose::{DigestItem, DigestSection, Envelope, Links, digest_email};
use crate::email::mask;
use crate::{DigestError, Frequency, Mailer};

/// Items shown per followed search (the section links to the rest).
const ITEMS_PER_SEARCH: usize = 10;
/// Digests built and sent at once.
const CONCURRENT_DIGESTS: usize = 4;
/// Periods in a row in which the mail server refused an address before the subscriber is
/// suspended (nothing more is sent until they confirm again).
pub const SUSPEND_AFTER_REFUSALS: u32 = 3;
/// Guid prefix of csfeed's own grade-change alerts.
const ALERT_PREFIX: &str = "alert:";

/// What a run does.
#[derive(Debug, Clone)]
pub struct DigestOptions {
    /// Which subscribers: daily or weekly.
    pub frequency: Frequency,
    /// Build and report, but record and send nothing.
    pub dry_run: bool,
    /// At most this many subscribers this run (the rest next run).
    pub limit: Option<usize>,
    /// Send a digest even when nothing is new.
    pub send_empty: bool,
    /// The site's name, for subjects and headings.
    pub site_title: String,
    /// The run's clock.
    pub now: DateTime<Utc>,
    /// How this run claims each delivery, so runs on several machines send it once.
    pub lease: DeliveryLease,
}

/// A run's claim on the deliveries it sends: while one run holds a delivery's lease, another
/// waits for it to finish (or for the lease to run out, if the run died) and then finds it
/// sent.
#[derive(Debug, Clone)]
pub struct DeliveryLease {
    /// Who this run is (unique per process).
    pub holder: String,
    /// How long a claim lasts without renewal: a crashed run's deliveries wait this long.
    pub ttl: std::time::Duration,
}

/// What a run did, for the one-line summary cron mails to the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Digests sent.
    pub sent: usize,
    /// Subscribers with nothing new (no email, window moved on).
    pub empty: usize,
    /// Subscribers already done for this period.
    pub skipped: usize,
    /// Digests that could not be sent (retried next run with the same window).
    pub failed: usize,
    /// Subscribers suspended by this run: their address was refused in
    /// [`SUSPEND_AFTER_REFUSALS`] periods in a row.
    pub suspended: usize,
    /// In a dry run: digests that would have been sent.
    pub would_send: usize,
}

/// Runs the digest for every due subscriber, calling `progress(done, total)` as it goes.
pub async fn run_digest(
    store: &Store,
    index: &Arc<SearchIndex>,
    mailer: &Mailer,
    links: &Links,
    options: &DigestOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Summary, DigestError> {
    let mut subscribers = blocking(store, {
        let frequency = options.frequency.as_str();
        move |store| Ok(store.active_subscribers(frequency)?)
    })
    .await?;
    if let Some(limit) = options.limit {
        subscribers.truncate(limit);
    }
    let total = subscribers.len();
    let period = options.frequency.period(options.now);
    info!(subscribers = total, %period, frequency = options.frequency.as_str(), "digest run starting");
    let cache = Arc::new(std::sync::Mutex::new(HashMap::new()));
    let mut summary = Summary::default();
    // A few subscribers at a time: building one digest overlaps another's store writes and
    // sending. Each delivery is recorded on its own, so order does not matter for safety.
    let mut outcomes = futures::stream::iter(subscribers.iter())
        .map(|subscriber| {
            let period = &period;
            let cache = &cache;
            async move {
                let outcome = deliver(store, index, mailer, links, options, period, subscriber, cache).await;
                (subscriber, outcome)
            }
        })
        .buffer_unordered(CONCURRENT_DIGESTS);
    let mut done = 0;
    let mut refused = Vec::new();
    while let Some((subscriber, outcome)) = outcomes.next().await {
        done += 1;
        match outcome {
            Ok(Outcome::Sent(items)) => {
                summary.sent += 1;
                debug!(subscriber = subscriber.id, items, "digest sent");
                if subscriber.refused_periods > 0 {
                    let id = subscriber.id;
                    blocking(store, move |store| Ok(store.clear_refusals(id)?)).await?;
                }
            }
            Ok(Outcome::Empty) => summary.empty += 1,
            Ok(Outcome::AlreadyDone) => summary.skipped += 1,
            Ok(Outcome::WouldSend(items)) => {
                summary.would_send += 1;
                info!(subscriber = subscriber.id, to = %mask(&subscriber.email), items, "dry run: would send");
            }
            Err(error) => {
                summary.failed += 1;
                warn!(subscriber = subscriber.id, to = %mask(&subscriber.email), %error, "digest not sent");
                if matches!(error, DigestError::Refused(_)) {
                    refused.push(subscriber);
                }
            }
        }
        progress(done, total);
    }
    drop(outcomes);
    summary.suspended = count_refusals(store, &refused, &summary, &period, options.now).await?;
    info!(
        sent = summary.sent,
        empty = summary.empty,
        skipped = summary.skipped,
        failed = summary.failed,
        suspended = summary.suspended,
        "digest run finished"
    );
    Ok(summary)
}

/// Counts this run's refusals against the addresses, unless nothing at all went through
/// (then the server or the sender address is at fault, not the recipients); returns how
/// many subscribers that suspended.
async fn count_refusals(
    store: &Store,
    refused: &[&Subscriber],
    summary: &Summary,
    period: &str,
    now: DateTime<Utc>,
) -> Result<usize, DigestError> {
    if refused.is_empty() {
        return Ok(0);
    }
    if summary.sent == 0 {
        warn!(
            refused = refused.len(),
            "every digest this run was refused: not counted against the addresses (check the mail server and email.from)"
        );
        return Ok(0);
    }
    let mut suspended = 0;
    for subscriber in refused {
        let (id, period) = (subscriber.id, period.to_owned());
        let now_suspended = blocking(store, move |store| {
            Ok(store.record_refusal(id, &period, SUSPEND_AFTER_REFUSALS, now)?)
        })
        .await?;
        if now_suspended {
            suspended += 1;
            warn!(
                subscriber = id,
                to = %mask(&subscriber.email),
                periods = SUSPEND_AFTER_REFUSALS,
                "address refused in every recent period: suspended until the subscriber confirms again"
            );
        }
    }
    Ok(suspended)
}

enum Outcome {
    Sent(usize),
    Empty,
    AlreadyDone,
    WouldSend(usize),
}

/// Found items of one followed search in one window, shared between subscribers.
type Cache = Arc<std::sync::Mutex<HashMap<String, Arc<FoundItems>>>>;

/// What one followed search found in one window, ready to show.
struct FoundItems {
    items: Vec<Found>,
    /// All matches in the window (more than are shown when the search is busy).
    total: usize,
}

struct Found {
    /// The story group: another search's report of the same story is not shown again.
    story: csfeed_core::ArticleId,
    item: DigestItem,
    kind: FoundKind,
}

#[derive(Clone, PartialEq)]
enum FoundKind {
    News,
    Alert,
    /// An Ofsted report, with its council's name.
    Report(String),
}

#[allow(clippy::too_many_arguments)]
async fn deliver(
    store: &Store,
    index: &Arc<SearchIndex>,
    mailer: &Mailer,
    links: &Links,
    options: &DigestOptions,
    period: &str,
    subscriber: &Subscriber,
    cache: &Cache,
) -> Result<Outcome, DigestError> {
    let now = options.now;
    let delivery = if options.dry_run {
        let (subscriber, period) = (subscriber.clone(), period.to_owned());
        let lookback = options.frequency.lookback();
        let preview = blocking(store, move |store| {
            Ok(store.preview_delivery(&subscriber, &period, now, lookback)?)
        })
        .await?;
        (preview, None)
    } else {
        match claim(store, options, period, subscriber).await? {
            Some(claimed) => claimed,
            None => return Ok(Outcome::AlreadyDone),
        }
    };
    let (delivery, _claim) = match delivery {
        (delivery, _) if is_done(&delivery) => return Ok(Outcome::AlreadyDone),
        claimed => claimed,
    };
    let (alerts, sections) = {
        let store = store.clone();
        let index = Arc::clone(index);
        let links = links.clone();
        let cache = Arc::clone(cache);
        let subscriber_id = subscriber.id;
        let window = Window {
            news_from: delivery.news_from(options.frequency.lookback()),
            start: delivery.window_start,
            end: delivery.window_end,
        };
        tokio::task::spawn_blocking(move || {
            let follows = store.follows(subscriber_id)?;
            collect(&store, &index, &links, &follows, window, &cache)
        })
        .await
        .map_err(|error| DigestError::Task(error.to_string()))??
    };
    let items = alerts.len() + sections.iter().map(DigestSection::len).sum::<usize>();
    if options.dry_run {
        return Ok(if items == 0 && !options.send_empty {
            Outcome::Empty
        } else {
            Outcome::WouldSend(items)
        });
    }
    if items == 0 && !options.send_empty {
        finish(store, &delivery, "empty", 0, None, now).await?;
        return Ok(Outcome::Empty);
    }
    let heading = match options.frequency {
        Frequency::Daily => format!("Daily digest, {}", delivery.window_end.format("%-d %B %Y")),
        Frequency::Weekly => format!("Weekly digest to {}", delivery.window_end.format("%-d %B %Y")),
    };
    let envelope = Envelope {
        from: mailer.from(),
        to: &subscriber.email,
        subscriber: subscriber.id,
        delivery_id: delivery.id,
        now,
    };
    let message = digest_email(
        links,
        &options.site_title,
        &envelope,
        &heading,
        &alerts,
        &sections,
    )?;
    match mailer.send(&message, &format!("digest-{}", delivery.id)).await {
        Ok(()) => {
            finish(store, &delivery, "sent", items, None, now).await?;
            Ok(Outcome::Sent(items))
        }
        Err(error) => {
            finish(store, &delivery, "failed", items, Some(error.to_string()), now).await?;
            Err(error)
        }
    }
}

/// How often a run waiting for another run's delivery looks again.
const CLAIM_POLL: std::time::Duration = std::time::Duration::from_millis(250);

fn is_done(delivery: &Delivery) -> bool {
    matches!(delivery.status.as_str(), "sent" | "empty")
}

/// The subscriber's delivery for the period, begun if need be, with this run's lease on it;
/// `None` when it is done (here, or by another run this one waited for).
async fn claim(
    store: &Store,
    options: &DigestOptions,
    period: &str,
    subscriber: &Subscriber,
) -> Result<Option<(Delivery, Option<LeaseGuard>)>, DigestError> {
    loop {
        let delivery = begin(store, options, period, subscriber).await?;
        if is_done(&delivery) {
            return Ok(None);
        }
        let (name, lease) = (format!("delivery:{}", delivery.id), options.lease.clone());
        let guard = blocking(store, move |store| {
            Ok(store.hold_lease(&name, &lease.holder, lease.ttl)?)
        })
        .await?;
        if let Some(guard) = guard {
            // Another run may have finished it between the read above and the lease.
            let delivery = begin(store, options, period, subscriber).await?;
            return Ok((!is_done(&delivery)).then_some((delivery, Some(guard))));
        }
        debug!(
            subscriber = subscriber.id,
            "another digest run is sending this digest; waiting for it"
        );
        tokio::time::sleep(CLAIM_POLL).await;
    }
}

/// [`Store::begin_delivery`] for this run's period and clock.
async fn begin(
    store: &Store,
    options: &DigestOptions,
    period: &str,
    subscriber: &Subscriber,
) -> Result<Delivery, DigestError> {
    let (subscriber, period) = (subscriber.clone(), period.to_owned());
    let (now, lookback) = (options.now, options.frequency.lookback());
    blocking(store, move |store| {
        Ok(store.begin_delivery(&subscriber, &period, now, lookback)?)
    })
    .await
}

async fn finish(
    store: &Store,
    delivery: &Delivery,
    status: &'static str,
    items: usize,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DigestError> {
    let id = delivery.id;
    blocking(store, move |store| {
        Ok(store.finish_delivery(id, status, items, error.as_deref(), now)?)
    })
    .await
}

/// What one digest covers: items first seen in `start..end` that are news, that is dated
/// at or after `news_from` (or undated).
#[derive(Debug, Clone, Copy)]
struct Window {
    news_from: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

/// The alerts and the sections of one digest: each followed search's new items, each story
/// once (in the first search that found one of its reports), grade-change alerts pulled
/// out to the top.
fn collect(
    store: &Store,
    index: &SearchIndex,
    links: &Links,
    follows: &[Follow],
    window: Window,
    cache: &Cache,
) -> Result<(Vec<DigestItem>, Vec<DigestSection>), DigestError> {
    let mut shown = HashSet::new();
    let mut alerts = Vec::new();
    let mut sections = Vec::new();
    for follow in follows {
        // A follow stored before follows were checked may have a filter that names nothing;
        // searching it would send every story.
        let followed = match csfeed_search::check_follow(&follow.query) {
            Ok(followed) => followed,
            Err(error) => {
                tracing::warn!(follow = follow.id, %error, "followed search skipped");
                continue;
            }
        };
        let found = found_items(store, index, links, &follow.query, window, cache)?;
        let mut items = Vec::new();
        for found in &found.items {
            if !shown.insert(found.story.clone()) {
                continue;
            }
            match &found.kind {
                FoundKind::Alert => alerts.push(found.item.clone()),
                FoundKind::Report(council) => {
                    let mut item = found.item.clone();
                    item.council = Some(council.clone());
                    items.push(item);
                }
                FoundKind::News => items.push(found.item.clone()),
            }
        }
        let more = found.total.saturating_sub(found.items.len());
        if !items.is_empty() {
            sections.push(DigestSection::new(
                links,
                &followed.label,
                &follow.query,
                items,
                more,
            ));
        }
    }
    Ok((alerts, sections))
}

fn found_items(
    store: &Store,
    index: &SearchIndex,
    links: &Links,
    query: &str,
    window: Window,
    cache: &Cache,
) -> Result<Arc<FoundItems>, DigestError> {
    let Window {
        news_from,
        start,
        end,
    } = window;
    let key = format!(
        "{}|{}|{}|{query}",
        news_from.timestamp(),
        start.timestamp(),
        end.timestamp()
    );
    if let Some(found) = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&key)
    {
        return Ok(Arc::clone(found));
    }
    let request = SearchRequest {
        query: query.to_owned(),
        sort: SortOrder::Newest,
        limit: ITEMS_PER_SEARCH,
        fresh_from: Some(news_from),
        seen_from: Some(start),
        seen_to: Some(end),
        skip_highlights: true,
        ..SearchRequest::default()
    };
    // Uncached: the run keeps its own, lighter cache of what it shows.
    let results = index.search_uncached(store, &request)?;
    let mut items = Vec::with_capacity(results.hits.len());
    for hit in &results.hits {
        let article = &hit.record.article;
        let mut item = DigestItem::new(links, &hit.record, None);
        let kind = if article.guid.starts_with(ALERT_PREFIX) {
            item.note = current_grade_note(store, article)?;
            FoundKind::Alert
        } else if store.has_read_report(&article.guid)? {
            let council = article
                .local_authorities
                .first()
                .and_then(|gss| Gazetteer::get().find(gss))
                .map_or_else(|| "Other".to_owned(), |la| la.name.clone());
            FoundKind::Report(council)
        } else {
            FoundKind::News
        };
        items.push(Found {
            story: hit.record.story_id.clone().unwrap_or_else(|| article.id.clone()),
            item,
            kind,
        });
    }
    let found = Arc::new(FoundItems {
        items,
        total: results.total,
    });
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(key, Arc::clone(&found));
    Ok(found)
}

/// "Current overall grade: Good (report published 3 March 2023)" for an alert's council:
/// a grade change is history the moment a later inspection grades the council again.
fn current_grade_note(store: &Store, alert: &csfeed_core::Article) -> Result<Option<String>, DigestError> {
    let Some(gss) = alert.local_authorities.first() else {
        return Ok(None);
    };
    let inspections = store.inspections_for(gss)?;
    // The council's position now is its newest judged inspection, on that inspection's own
    // scale: a 2026-framework inspection has no overall grade and supersedes an older one.
    let Some(current) = csfeed_core::current_inspection(&inspections) else {
        return Ok(None);
    };
    let published = current
        .published
        .map(|day| format!(" (report published {})", day.format("%-d %B %Y")))
        .unwrap_or_default();
    Ok(Some(match current.overall() {
        Some(grade) => format!("Current overall grade: {}{published}", grade.label()),
        None => {
            let judgements: Vec<String> = current
                .judgements
                .iter()
                .map(|(key, grade)| {
                    format!(
                        "{} {}",
                        csfeed_core::judgement_label(key),
                        grade.label().to_lowercase()
                    )
                })
                .collect();
            format!(
                "Current judgements, no overall grade (2026 framework): {}{published}",
                judgements.join("; ")
            )
        }
    }))
}

async fn blocking<T, F>(store: &Store, work: F) -> Result<T, DigestError>
where
    T: Send + 'static,
    F: FnOnce(&Store) -> Result<T, DigestError> + Send + 'static,
{
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .map_err(|error| DigestError::Task(error.to_string()))?
}
