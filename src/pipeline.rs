//! One fetch cycle: due sources are fetched, parsed, stored, and their state recorded.
//!
//! A source's failure is recorded against that source and never stops the cycle; stored
//! articles are only ever added to or updated, in one transaction per source.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use csfeed_core::SourceId;
use csfeed_fetch::{FetchOutcome, Fetcher, Validators};
use csfeed_store::{FetchResult, SourceRecord, Store, UpsertCounts};
use futures::StreamExt;
use indicatif::ProgressBar;
use tracing::{info, warn};

use crate::settings::FetchSettings;

/// What happened to one source in a cycle.
#[derive(Debug, Clone)]
pub enum SourceOutcome {
    /// Fetched and stored.
    Updated(UpsertCounts),
    /// The source said nothing changed.
    NotModified,
    /// Fetch, parse or store failed.
    Failed {
        /// The one-line reason.
        reason: String,
        /// How long the server asked us to wait, if it did.
        retry_after: Option<Duration>,
    },
}

/// The outcome for one source.
#[derive(Debug, Clone)]
pub struct SourceReport {
    pub id: SourceId,
    pub outcome: SourceOutcome,
}

/// The outcome of a whole cycle.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub sources: Vec<SourceReport>,
    pub elapsed: Duration,
}

impl CycleReport {
    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, SourceOutcome::Failed { .. }))
    }

    pub fn not_modified(&self) -> usize {
        self.count(|outcome| matches!(outcome, SourceOutcome::NotModified))
    }

    pub fn totals(&self) -> UpsertCounts {
        let mut totals = UpsertCounts::default();
        for report in &self.sources {
            if let SourceOutcome::Updated(counts) = &report.outcome {
                totals.new += counts.new;
                totals.updated += counts.updated;
                totals.unchanged += counts.unchanged;
            }
        }
        totals
    }

    /// "3 sources in 0.4 s: 2 updated (74 new, 1 changed), 0 not modified, 1 failed".
    pub fn summary(&self) -> String {
        let totals = self.totals();
        let updated = self.count(|outcome| matches!(outcome, SourceOutcome::Updated(_)));
        format!(
            "{} source{} in {:.1} s: {updated} fetched ({} new, {} changed, {} unchanged articles), {} not modified, {} failed",
            self.sources.len(),
            if self.sources.len() == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
            totals.new,
            totals.updated,
            totals.unchanged,
            self.not_modified(),
            self.failed(),
        )
    }

    fn count(&self, predicate: impl Fn(&SourceOutcome) -> bool) -> usize {
        self.sources
            .iter()
            .filter(|report| predicate(&report.outcome))
            .count()
    }
}

/// Fetches sources into the store.
#[derive(Clone)]
pub struct Pipeline {
    store: Store,
    fetcher: Fetcher,
    settings: FetchSettings,
}

impl Pipeline {
    pub fn new(store: Store, fetcher: Fetcher, settings: FetchSettings) -> Self {
        Self {
            store,
            fetcher,
            settings,
        }
    }

    /// Sources to fetch now: the one named, or every configured, enabled source that is due
    /// at `now` (every one, when `now` is `None`).
    pub fn due_sources(
        &self,
        now: Option<DateTime<Utc>>,
        only: Option<&SourceId>,
    ) -> anyhow::Result<Vec<SourceRecord>> {
        let sources = self.store.sources().context("cannot list sources")?;
        if let Some(only) = only {
            let Some(record) = sources
                .into_iter()
                .find(|record| record.source.id == *only && record.in_config)
            else {
                anyhow::bail!(
                    "there is no source {:?} in the config (see `/sources` or the [[sources]] tables)",
                    only.as_str()
                );
            };
            return Ok(vec![record]);
        }
        Ok(sources
            .into_iter()
            .filter(|record| record.in_config && record.source.enabled)
            .filter(|record| match (now, record.state.next_due_at) {
                (Some(now), Some(due)) => due <= now,
                _ => true,
            })
            .collect())
    }

    /// Fetches `sources`, ticking `progress` as each finishes. Every source starts at
    /// once and queues at its host's gate in the fetcher, which enforces the per-host and
    /// global limits; so a slow host holds up only its own sources.
    pub async fn run_cycle(&self, sources: Vec<SourceRecord>, progress: &ProgressBar) -> CycleReport {
        let started = Instant::now();
        let in_flight = sources.len().max(1);
        let reports = futures::stream::iter(sources)
            .map(|record| async move {
                let report = self.update_source(&record).await;
                progress.inc(1);
                report
            })
            .buffer_unordered(in_flight)
            .collect::<Vec<_>>()
            .await;
        CycleReport {
            sources: reports,
            elapsed: started.elapsed(),
        }
    }

    /// Fetches one source, stores what it yields and records how it went.
    pub async fn update_source(&self, record: &SourceRecord) -> SourceReport {
        let source = &record.source;
        let attempted_at = Utc::now();
        let previous = Validators {
            etag: record.state.etag.clone(),
            last_modified: record.state.last_modified.clone(),
        };
        let (outcome, result) = match self.fetch_and_store(record, &previous, attempted_at).await {
            Ok((outcome, result)) => (outcome, result),
            Err(failure) => {
                warn!(source = %source.id, error = %failure.reason, "source failed");
                let result = FetchResult::Failed {
                    http_status: failure.http_status,
                    error: failure.reason.clone(),
                };
                let outcome = SourceOutcome::Failed {
                    reason: failure.reason,
                    retry_after: failure.retry_after,
                };
                (outcome, result)
            }
        };
        let (failures_after, retry_after) = match &outcome {
            SourceOutcome::Failed { retry_after, .. } => {
                (record.state.consecutive_failures.saturating_add(1), *retry_after)
            }
            _ => (0, None),
        };
        let next_due = attempted_at + self.delay_until_next(record, failures_after, retry_after);
        if let Err(error) = self
            .store_blocking({
                let id = source.id.clone();
                move |store| store.record_fetch(&id, attempted_at, &result, next_due)
            })
            .await
        {
            warn!(source = %source.id, error = %error, "could not record the fetch result");
        }
        SourceReport {
            id: source.id.clone(),
            outcome,
        }
    }

    async fn fetch_and_store(
        &self,
        record: &SourceRecord,
        previous: &Validators,
        seen_at: DateTime<Utc>,
    ) -> Result<(SourceOutcome, FetchResult), Failure> {
        let source = &record.source;
        let url = record.url_to_fetch();
        let fetched = match self.fetcher.fetch(url, previous).await {
            Ok(FetchOutcome::NotModified {
                validators,
                permanent_redirect,
            }) => {
                info!(source = %source.id, "source not modified");
                let result = FetchResult::NotModified {
                    http_status: (url.scheme() != "file").then_some(304),
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                    moved_to: permanent_redirect,
                };
                return Ok((SourceOutcome::NotModified, result));
            }
            Ok(FetchOutcome::Fetched(fetched)) => fetched,
            Err(error) => {
                return Err(Failure {
                    http_status: error.http_status(),
                    retry_after: error.retry_after(),
                    reason: error.to_string(),
                });
            }
        };
        let http_status = fetched.status;
        let failure = |reason: String| Failure {
            http_status,
            retry_after: None,
            reason,
        };
        let parsed = {
            let id = source.id.clone();
            let location = fetched.final_url.clone();
            let content_type = fetched.content_type.clone();
            let body = fetched.body.clone();
            tokio::task::spawn_blocking(move || {
                csfeed_ingest::parse_feed(&id, &body, content_type.as_deref(), Some(&location))
            })
            .await
            .map_err(|error| failure(format!("parser crashed: {error}")))?
            .map_err(|error| failure(error.to_string()))?
        };
        let counts = self
            .store_blocking(move |store| store.upsert_articles(&parsed.articles, seen_at))
            .await
            .map_err(|error| failure(format!("could not store articles: {error}")))?;
        info!(source = %source.id, new = counts.new, changed = counts.updated, unchanged = counts.unchanged, "fetched source");
        metrics::counter!("csfeed_articles_total", "change" => "new").increment(counts.new as u64);
        metrics::counter!("csfeed_articles_total", "change" => "updated").increment(counts.updated as u64);
        let result = FetchResult::Changed {
            http_status,
            etag: fetched.validators.etag,
            last_modified: fetched.validators.last_modified,
            body_bytes: fetched.body.len() as u64,
            moved_to: fetched.permanent_redirect,
        };
        Ok((SourceOutcome::Updated(counts), result))
    }

    /// The healthy interval plus up to 10% jitter, so sources configured together drift
    /// apart; after failures, the interval doubled per failure, capped at `max_backoff`,
    /// and never sooner than the server's `Retry-After`.
    fn delay_until_next(
        &self,
        record: &SourceRecord,
        failures: u32,
        retry_after: Option<Duration>,
    ) -> chrono::Duration {
        let interval = record.source.interval.max(Duration::from_secs(60));
        let base = if failures == 0 {
            interval
        } else {
            let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
            let backoff = interval.saturating_mul(factor).min(self.settings.max_backoff);
            backoff.max(retry_after.unwrap_or_default())
        };
        let mut hasher = DefaultHasher::new();
        (record.source.id.as_str(), Utc::now().timestamp_nanos_opt()).hash(&mut hasher);
        let jitter_range = (base.as_millis() / 10).max(1) as u64;
        let jitter = Duration::from_millis(hasher.finish() % jitter_range);
        chrono::Duration::from_std(base + jitter).unwrap_or(chrono::Duration::hours(24))
    }

    async fn store_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, csfeed_store::StoreError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || work(&store)).await??)
    }
}

/// A failed fetch, parse or store, with what the server said when it answered.
struct Failure {
    http_status: Option<u16>,
    retry_after: Option<Duration>,
    reason: String,
}
