//! One fetch cycle: due sources are fetched, parsed, stored, and their state recorded.
//!
//! A source's failure is recorded against that source and never stops the cycle; stored
//! articles are only ever added to or updated, in one transaction per source.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use csfeed_core::SourceId;
use csfeed_core::{Article, ArticleId, InspectionRecord, Source, SourceKind, canonical_url};
use csfeed_fetch::{FetchOutcome, Fetched, Fetcher, Validators};
use csfeed_ingest::{CompiledSelectors, ExtractedPage, Listing, ListingItem};
use csfeed_store::{
    FetchResult, ListedPublication, PublicationRecord, PublicationStatus, Settlement, SourceRecord, Store,
    UpsertCounts,
};
use futures::StreamExt;
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tracing::{info, warn};
use url::Url;

use crate::settings::FetchSettings;

/// A feed item with less text than this is completed from its page when `full_text` is set.
const EXCERPT_CHARS: usize = 600;
/// A publication that could not be taken in is tried again after this, doubled with each
/// failure (capped at `fetch.max_backoff`); `csfeed sources refresh` cuts the wait short.
const PUBLICATION_RETRY: Duration = Duration::from_secs(15 * 60);

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
    /// What its requests saved, and what became of the reports it lists.
    pub tally: Tally,
}

/// What one source's requests saved in a cycle and, for an Ofsted source, what became of
/// the reports its pages list.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Requests answered "not modified": the source's own, and each provider page's.
    pub not_modified: usize,
    /// Bytes those answers saved (each page's last full size).
    pub bytes_saved: u64,
    /// For Ofsted sources.
    pub reports: Option<ReportTally>,
}

/// What became of an Ofsted source's reports in a cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportTally {
    /// Reports on the provider pages read (pages that answered "not modified" list none).
    pub listed: usize,
    /// Report files downloaded.
    pub downloaded: usize,
    /// Reports read and stored.
    pub read: usize,
    /// Reports not read this cycle, by reason.
    pub skipped: BTreeMap<&'static str, usize>,
    /// Reports still to read after the cycle (never tried, or failed and waiting to retry).
    pub pending: u64,
}

impl ReportTally {
    /// Counts one report not read this cycle, for `reason`.
    pub(crate) fn skip(&mut self, reason: &'static str) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    fn add(&mut self, other: &ReportTally) {
        self.listed += other.listed;
        self.downloaded += other.downloaded;
        self.read += other.read;
        self.pending += other.pending;
        for (reason, count) in &other.skipped {
            *self.skipped.entry(reason).or_default() += count;
        }
    }

    /// "864 listed, 864 downloaded, 862 read, 2 skipped (2 unreadable), 2 pending".
    fn summary(&self) -> String {
        let skipped: usize = self.skipped.values().sum();
        let reasons = if skipped == 0 {
            String::new()
        } else {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(reason, count)| format!("{count} {reason}"))
                .collect();
            format!(" ({})", reasons.join(", "))
        };
        format!(
            "{} listed, {} downloaded, {} read, {skipped} skipped{reasons}, {} pending",
            self.listed, self.downloaded, self.read, self.pending
        )
    }
}

/// The outcome of a whole cycle.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub sources: Vec<SourceReport>,
    pub elapsed: Duration,
    /// Sources left alone because another writer was fetching them (or just had).
    pub skipped: usize,
}

impl CycleReport {
    pub fn failed(&self) -> usize {
        self.count(|outcome| matches!(outcome, SourceOutcome::Failed { .. }))
    }

    /// Requests answered "not modified", over every source.
    pub fn not_modified(&self) -> usize {
        self.sources.iter().map(|report| report.tally.not_modified).sum()
    }

    /// Bytes the "not modified" answers saved.
    pub fn bytes_saved(&self) -> u64 {
        self.sources.iter().map(|report| report.tally.bytes_saved).sum()
    }

    /// What became of the Ofsted sources' reports; `None` when the cycle had none.
    pub fn reports(&self) -> Option<ReportTally> {
        let mut tallies = self
            .sources
            .iter()
            .filter_map(|report| report.tally.reports.as_ref())
            .peekable();
        tallies.peek()?;
        let mut total = ReportTally::default();
        tallies.for_each(|tally| total.add(tally));
        Some(total)
    }

    pub fn totals(&self) -> UpsertCounts {
        let mut totals = UpsertCounts::default();
        for report in &self.sources {
            if let SourceOutcome::Updated(counts) = &report.outcome {
                add_counts(&mut totals, *counts);
            }
        }
        totals
    }

    /// "3 sources in 0.4 s: 2 fetched (74 new, 1 changed, 0 unchanged articles), 1 not
    /// modified (12 KB saved), 0 failed", then for Ofsted sources "; Ofsted reports: 864
    /// listed, 864 downloaded, 864 read, 0 skipped, 0 pending".
    pub fn summary(&self) -> String {
        let totals = self.totals();
        let updated = self.count(|outcome| matches!(outcome, SourceOutcome::Updated(_)));
        let reports = self
            .reports()
            .map(|reports| format!("; Ofsted reports: {}", reports.summary()))
            .unwrap_or_default();
        format!(
            "{} source{} in {:.1} s: {updated} fetched ({} new, {} changed, {} unchanged articles{}), {} not modified ({} saved), {} failed{reports}",
            self.sources.len(),
            if self.sources.len() == 1 { "" } else { "s" },
            self.elapsed.as_secs_f64(),
            totals.new,
            totals.updated,
            totals.unchanged,
            if totals.folded > 0 {
                format!(", {} already stored from another source", totals.folded)
            } else {
                String::new()
            },
            self.not_modified(),
            csfeed_web::human_bytes(self.bytes_saved()),
            self.failed(),
        ) + &self.skipped_note()
    }

    fn skipped_note(&self) -> String {
        match self.skipped {
            0 => String::new(),
            1 => "; 1 source skipped: another csfeed writer is fetching it or just did".to_owned(),
            n => format!("; {n} sources skipped: another csfeed writer is fetching them or just did"),
        }
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
    pub(crate) store: Store,
    pub(crate) fetcher: Fetcher,
    settings: FetchSettings,
    /// This process in source leases (see `crate::leases`).
    holder: Arc<str>,
    /// The data directory, under which reports are downloaded (see `ofsted_source`).
    pub(crate) data_dir: PathBuf,
}

impl Pipeline {
    pub fn new(store: Store, fetcher: Fetcher, settings: FetchSettings, data_dir: PathBuf) -> Self {
        Self {
            store,
            fetcher,
            settings,
            holder: crate::leases::holder_id().into(),
            data_dir,
        }
    }

    /// Sources to fetch now: the one named (even when paused: the operator asked for it),
    /// or every scheduled source (configured, enabled, not paused) that is due at `now`
    /// (every one, when `now` is `None`).
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
            .filter(SourceRecord::is_scheduled)
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
        let outcomes = futures::stream::iter(sources)
            .map(|record| async move {
                let report = self.update_source_leased(&record).await;
                progress.inc(1);
                report
            })
            .buffer_unordered(in_flight)
            .collect::<Vec<_>>()
            .await;
        let skipped = outcomes.iter().filter(|outcome| outcome.is_none()).count();
        let reports: Vec<SourceReport> = outcomes.into_iter().flatten().collect();
        CycleReport {
            sources: reports,
            elapsed: started.elapsed(),
            skipped,
        }
    }

    /// [`Pipeline::update_source`] while holding the source's lease, so no other writer
    /// process fetches it at the same time; `None` (skipped) when another one is.
    async fn update_source_leased(&self, record: &SourceRecord) -> Option<SourceReport> {
        let lease = format!("source:{}", record.source.id);
        let ttl = self.settings.lease_ttl;
        let work = async {
            // Listed before the lease was ours: another writer may have fetched it since.
            if self.fetched_since_listed(record).await {
                return None;
            }
            Some(self.update_source(record).await)
        };
        let report = crate::leases::while_leased(&self.store, lease, &self.holder, ttl, work)
            .await
            .flatten();
        if report.is_none() {
            info!(source = %record.source.id, "skipped: another csfeed writer is fetching or has just fetched this source");
        }
        report
    }

    /// Whether the source's last attempt is newer than the record the cycle was planned on.
    async fn fetched_since_listed(&self, record: &SourceRecord) -> bool {
        let id = record.source.id.clone();
        match self.store_blocking(move |store| store.source(&id)).await {
            Ok(Some(now)) => now.state.last_attempt_at != record.state.last_attempt_at,
            Ok(None) => false,
            Err(error) => {
                warn!(source = %record.source.id, error = %format!("{error:#}"), "cannot re-read the source; fetching it");
                false
            }
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
        let (outcome, result, tally) = match self.fetch_and_store(record, &previous, attempted_at).await {
            Ok(harvest) => harvest,
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
                (outcome, result, Tally::default())
            }
        };
        if let SourceOutcome::Updated(counts) = &outcome {
            metrics::counter!("csfeed_articles_total", "change" => "new").increment(counts.new as u64);
            metrics::counter!("csfeed_articles_total", "change" => "updated")
                .increment(counts.updated as u64);
        }
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
            tally,
        }
    }

    async fn fetch_and_store(
        &self,
        record: &SourceRecord,
        previous: &Validators,
        seen_at: DateTime<Utc>,
    ) -> Result<(SourceOutcome, FetchResult, Tally), Failure> {
        let source = &record.source;
        if source.kind == SourceKind::Ofsted {
            return self
                .harvest_ofsted(record, seen_at)
                .await
                .map_err(|reason| Failure {
                    http_status: None,
                    retry_after: None,
                    reason,
                });
        }
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
                let tally = Tally {
                    not_modified: 1,
                    bytes_saved: record.state.last_body_bytes.unwrap_or(0),
                    reports: None,
                };
                // The listing is the same, but stories it listed may still wait to be read.
                let counts = match source.kind {
                    SourceKind::Html => self.take_in_listed_stories(source, seen_at).await,
                    _ => UpsertCounts::default(),
                };
                let outcome = if counts.new + counts.updated > 0 {
                    SourceOutcome::Updated(counts)
                } else {
                    SourceOutcome::NotModified
                };
                return Ok((outcome, result, tally));
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
        let counts = match source.kind {
            SourceKind::Html => self
                .harvest_listing(source, &fetched, seen_at)
                .await
                .map_err(failure)?,
            _ => {
                let articles = self.parse_feed(source, &fetched).await.map_err(failure)?;
                let articles = if source.options.full_text {
                    self.complete_excerpts(articles).await
                } else {
                    articles
                };
                self.store_blocking(move |store| store.upsert_articles(&articles, seen_at))
                    .await
                    .map_err(|error| failure(format!("could not store articles: {error}")))?
            }
        };
        info!(source = %source.id, new = counts.new, changed = counts.updated, unchanged = counts.unchanged, "fetched source");
        let result = FetchResult::Changed {
            http_status,
            etag: fetched.validators.etag,
            last_modified: fetched.validators.last_modified,
            body_bytes: fetched.body.len() as u64,
            moved_to: fetched.permanent_redirect,
        };
        Ok((SourceOutcome::Updated(counts), result, Tally::default()))
    }

    async fn parse_feed(&self, source: &Source, fetched: &Fetched) -> Result<Vec<Article>, String> {
        let id = source.id.clone();
        let location = fetched.final_url.clone();
        let content_type = fetched.content_type.clone();
        let body = fetched.body.clone();
        let parse = match source.kind {
            SourceKind::Judgments => csfeed_ingest::parse_judgments,
            _ => csfeed_ingest::parse_feed,
        };
        tokio::task::spawn_blocking(move || parse(&id, &body, content_type.as_deref(), Some(&location)))
            .await
            .map_err(|error| format!("parser crashed: {error}"))?
            .map(|feed| feed.articles)
            .map_err(|error| error.to_string())
    }

    /// For `full_text` feeds: items that carry only an excerpt get their page's text.
    /// Stories already completed on an earlier fetch keep their stored text, so their pages
    /// are not fetched again.
    async fn complete_excerpts(&self, articles: Vec<Article>) -> Vec<Article> {
        let mut completed = Vec::with_capacity(articles.len());
        for article in articles {
            // The teaser is cut by csfeed itself, so only the feed's own text is judged.
            let excerpt_only = csfeed_ingest::looks_like_excerpt(&article.content_text)
                || article.content_text.len() < EXCERPT_CHARS;
            let Some(page_url) = article.url.clone().filter(|_| excerpt_only) else {
                completed.push(article);
                continue;
            };
            let id = article.id.clone();
            let stored = self
                .store_blocking(move |store| store.article(&id))
                .await
                .ok()
                .flatten();
            if let Some(stored) =
                stored.filter(|stored| stored.article.content_text.len() > article.content_text.len())
            {
                completed.push(Article {
                    content_html: stored.article.content_html,
                    content_text: stored.article.content_text,
                    local_authorities: stored.article.local_authorities,
                    topics: stored.article.topics,
                    url: stored.article.url,
                    ..article
                });
                continue;
            }
            match self.fetch_page(&page_url, None).await {
                Ok(page) => completed.push(csfeed_ingest::complete_article(article, page)),
                Err(_) => completed.push(article),
            }
        }
        completed
    }

    /// For `html` sources: the listing page (and up to `max_pages` older ones), whose
    /// stories are recorded in the ledger; then the page of each story still to read.
    async fn harvest_listing(
        &self,
        source: &Source,
        first: &Fetched,
        seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, String> {
        let (selectors, compiled) = compile_selectors(source)?;
        let mut items = parse_listing_blocking(first, compiled.clone()).await?;
        let mut next = items.next_page.take();
        let mut pages = 1;
        while let Some(url) = next.take().filter(|_| pages < selectors.max_pages.max(1)) {
            match self.fetcher.fetch(&url, &Validators::default()).await {
                Ok(FetchOutcome::Fetched(page)) => {
                    match parse_listing_blocking(&page, compiled.clone()).await {
                        Ok(mut more) => {
                            next = more.next_page.take();
                            items.items.append(&mut more.items);
                            pages += 1;
                        }
                        Err(error) => {
                            warn!(source = %source.id, page = %url, error = %error, "older listing page unreadable")
                        }
                    }
                }
                Ok(FetchOutcome::NotModified { .. }) => {}
                Err(error) => {
                    warn!(source = %source.id, page = %url, error = %error, "older listing page failed")
                }
            }
        }
        let listed = items
            .items
            .iter()
            .map(ListedStory::entry)
            .collect::<Result<Vec<_>, _>>()?;
        let (id, listing) = (source.id.clone(), first.final_url.clone());
        self.store_blocking(move |store| store.record_listing(&id, &listing, &listed, None, Utc::now()))
            .await
            .map_err(|error| format!("could not record the listed stories: {error}"))?;
        Ok(self.take_in_listed_stories(source, seen_at).await)
    }

    /// Reads each story of the source's ledger that is due: never tried, or failed and
    /// due again. A story whose page cannot be read is kept with its listing's text and
    /// tried again later.
    async fn take_in_listed_stories(&self, source: &Source, seen_at: DateTime<Utc>) -> UpsertCounts {
        let content = match compile_selectors(source) {
            Ok((_, compiled)) => compiled.content.clone(),
            Err(error) => {
                warn!(source = %source.id, error = %error, "listed stories not read");
                return UpsertCounts::default();
            }
        };
        let mut totals = UpsertCounts::default();
        for row in self.due_publications(&source.id).await {
            let (settlement, articles) = self.take_in_story(source, &row, content.clone()).await;
            let counts = self
                .settle(&source.id, &row.url, settlement, articles, Vec::new(), seen_at)
                .await;
            add_counts(&mut totals, counts);
        }
        totals
    }

    /// Reads one listed story's page: how it ended, with the article to store (from the
    /// listing alone when the page cannot be read).
    async fn take_in_story(
        &self,
        source: &Source,
        row: &PublicationRecord,
        content: Option<scraper::Selector>,
    ) -> (Settlement, Vec<Article>) {
        let item = match serde_json::from_str::<ListedStory>(&row.details) {
            Ok(story) => story.into_item(),
            Err(error) => {
                return (
                    self.failed(row, format!("unreadable ledger entry: {error}")),
                    Vec::new(),
                );
            }
        };
        let id = ArticleId::derive(&source.id, &row.url);
        if row.status == PublicationStatus::Pending && self.is_stored(&id).await {
            // Stored before the ledger knew it: its page is not fetched again.
            return (Settlement::Stored, Vec::new());
        }
        match self.fetch_page(&item.url, content).await {
            Ok(page) => (
                Settlement::Stored,
                vec![csfeed_ingest::article_from_listing(&source.id, &item, Some(page))],
            ),
            Err(error) => (
                self.failed(row, error),
                vec![csfeed_ingest::article_from_listing(&source.id, &item, None)],
            ),
        }
    }

    async fn is_stored(&self, id: &ArticleId) -> bool {
        let id = id.clone();
        self.store_blocking(move |store| store.article(&id))
            .await
            .ok()
            .flatten()
            .is_some()
    }

    /// The source's ledger rows due now (none, logged, when the ledger cannot be read).
    pub(crate) async fn due_publications(&self, source: &SourceId) -> Vec<PublicationRecord> {
        let id = source.clone();
        match self
            .store_blocking(move |store| store.due_publications(&id, Utc::now()))
            .await
        {
            Ok(due) => due,
            Err(error) => {
                warn!(source = %source, error = %error, "could not read the publications ledger");
                Vec::new()
            }
        }
    }

    /// A failure of `row`, retried after a wait that doubles with each failure.
    pub(crate) fn failed(&self, row: &PublicationRecord, error: String) -> Settlement {
        warn!(publication = %row.url, attempts = row.attempts + 1, error = %error, "publication not taken in");
        let factor = 2u32.saturating_pow(row.attempts.min(16));
        let wait = PUBLICATION_RETRY
            .saturating_mul(factor)
            .min(self.settings.max_backoff);
        Settlement::Failed {
            error,
            retry_at: Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(24)),
        }
    }

    /// Stores a publication's articles and facts with its ledger row, in one transaction.
    /// When that fails the row stays as it was, so the next cycle tries again.
    pub(crate) async fn settle(
        &self,
        source: &SourceId,
        url: &str,
        settlement: Settlement,
        articles: Vec<Article>,
        inspections: Vec<InspectionRecord>,
        seen_at: DateTime<Utc>,
    ) -> UpsertCounts {
        let (id, key) = (source.clone(), url.to_owned());
        let stored = self
            .store_blocking(move |store| {
                store.settle_publication(&id, &key, &settlement, &articles, &inspections, seen_at)
            })
            .await;
        match stored {
            Ok(counts) => counts,
            Err(error) => {
                warn!(source = %source, publication = %url, error = %error, "could not store a publication");
                UpsertCounts::default()
            }
        }
    }

    /// Fetches a story page and extracts it, off the async runtime; the reason (logged)
    /// when the page cannot be had, so the story is kept with what the listing or feed gave.
    async fn fetch_page(
        &self,
        url: &Url,
        content: Option<scraper::Selector>,
    ) -> Result<ExtractedPage, String> {
        let fetched = match self.fetcher.fetch(url, &Validators::default()).await {
            Ok(FetchOutcome::Fetched(fetched)) => fetched,
            Ok(FetchOutcome::NotModified { .. }) => return Err("not modified".to_owned()),
            Err(error) => {
                warn!(page = %url, error = %error, "story page could not be fetched");
                return Err(error.to_string());
            }
        };
        tokio::task::spawn_blocking(move || {
            let html = csfeed_fetch::decode_text(&fetched.body, fetched.content_type.as_deref());
            csfeed_ingest::extract_page(&html, &fetched.final_url, content.as_ref(), Utc::now())
        })
        .await
        .map_err(|error| format!("page reader crashed: {error}"))
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

    pub(crate) async fn store_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Store) -> Result<T, csfeed_store::StoreError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let store = self.store.clone();
        Ok(tokio::task::spawn_blocking(move || work(&store)).await??)
    }
}

/// What the ledger keeps of a listed story, to read its page in a later cycle.
#[derive(Serialize, Deserialize)]
struct ListedStory {
    title: String,
    url: Url,
    date: Option<DateTime<Utc>>,
    summary: String,
}

impl ListedStory {
    /// The ledger entry of a listed story, keyed by its canonical URL.
    fn entry(item: &ListingItem) -> Result<ListedPublication, String> {
        let story = ListedStory {
            title: item.title.clone(),
            url: item.url.clone(),
            date: item.date,
            summary: item.summary.clone(),
        };
        Ok(ListedPublication {
            url: canonical_url(&item.url).to_string(),
            details: serde_json::to_string(&story).map_err(|error| error.to_string())?,
        })
    }

    fn into_item(self) -> ListingItem {
        ListingItem {
            title: self.title,
            url: self.url,
            date: self.date,
            summary: self.summary,
        }
    }
}

fn compile_selectors(
    source: &Source,
) -> Result<(csfeed_core::HtmlSelectors, Arc<CompiledSelectors>), String> {
    let Some(selectors) = source.options.html.clone() else {
        return Err("kind = \"html\" needs a [sources.html] table of selectors".to_owned());
    };
    let compiled = CompiledSelectors::compile(&selectors).map_err(|error| error.to_string())?;
    Ok((selectors, Arc::new(compiled)))
}

/// Adds one upsert's counts to a running total.
pub(crate) fn add_counts(totals: &mut UpsertCounts, counts: UpsertCounts) {
    totals.new += counts.new;
    totals.updated += counts.updated;
    totals.unchanged += counts.unchanged;
    totals.folded += counts.folded;
}

/// Reads a listing page off the async runtime.
async fn parse_listing_blocking(
    page: &Fetched,
    selectors: Arc<CompiledSelectors>,
) -> Result<Listing, String> {
    let (body, content_type, url) = (
        page.body.clone(),
        page.content_type.clone(),
        page.final_url.clone(),
    );
    tokio::task::spawn_blocking(move || {
        let html = csfeed_fetch::decode_text(&body, content_type.as_deref());
        csfeed_ingest::parse_listing(&html, &url, &selectors, Utc::now())
    })
    .await
    .map_err(|error| format!("parser crashed: {error}"))?
    .map_err(|error| error.to_string())
}

/// A failed fetch, parse or store, with what the server said when it answered.
pub(crate) struct Failure {
    http_status: Option<u16>,
    retry_after: Option<Duration>,
    reason: String,
}
