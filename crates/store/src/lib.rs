//! The record of truth for csfeed: SQLite (embedded, the default) or PostgreSQL (shared by
//! several machines).
//!
//! Everything csfeed knows lives here: the sources from config, how each one's last fetch
//! went, and every article ever ingested. The Tantivy index (`csfeed-search`) is derived
//! from this database and follows its change sequence, so it can always be rebuilt. The
//! store knows nothing of HTTP or feeds: it takes and returns `csfeed-core` types, and no
//! other crate knows which database is behind it.
//!
//! Every method is blocking; async callers run them on a blocking thread. SQLite: one
//! writer connection behind a mutex and a small pool of readers, in WAL mode so readers
//! never wait for the writer. PostgreSQL: a few worker threads, each with its own
//! connection (see `postgres::workers`), so a call made from async code never runs the
//! client's own runtime inside the caller's.
#![deny(missing_docs)]

#[cfg(test)]
#[macro_use]
mod testing;

mod articles;
mod copy;
mod error;
mod inspections;
mod leases;
mod location;
mod postgres;
mod publications;
mod sources;
mod sqlite;
mod subscriptions;
mod time;

pub use articles::{ArticleRecord, FOLD_SIMILARITY, Report, UNDATED_SORT_SHIFT, UpsertCounts};
pub use copy::{TableCopy, copy_sqlite_to_postgres};
pub use error::StoreError;
pub use leases::{LeaseGuard, process_holder};
pub use location::DatabaseUrl;
pub use publications::{ListedPublication, PageValidators, PublicationRecord, PublicationStatus, Settlement};
pub use sources::{FetchResult, FetchState, REDIRECT_ADOPT_AFTER, SourceChange, SourceRecord};
pub use subscriptions::{
    Confirmed, Delivery, Follow, MAX_FOLLOWS, PENDING_FOLLOW_LIFETIME, SignUp, Subscriber, SubscriberId,
};

use std::path::Path;
use std::sync::Arc;

use articles::ArticleOps;
use inspections::InspectionOps;
use leases::LeaseOps;
use publications::PublicationOps;
use sources::SourceOps;
use subscriptions::SubscriptionOps;

/// One database behind [`Store`]: every typed operation, implemented once per backend.
pub(crate) trait Backend:
    ArticleOps + SourceOps + PublicationOps + SubscriptionOps + InspectionOps + LeaseOps + Send + Sync
{
    /// What `Debug` shows: the file, or the server and database (never a password).
    fn describe(&self) -> String;
    /// The database file, when the backend is SQLite.
    fn sqlite_file(&self) -> Option<&Path>;
    /// See [`Store::backup_to`].
    fn backup_to(&self, destination: &Path, progress: &mut dyn FnMut(u64, u64)) -> Result<(), StoreError>;
}

/// A handle to the database. Cheap to clone; all clones share the connections.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("database", &self.backend.describe())
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and brings its schema up to
    /// date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            backend: Arc::new(sqlite::Sqlite::open(path)?),
        })
    }

    /// Connects to the PostgreSQL database at `url` and brings its schema up to date (under
    /// an advisory lock, so processes starting together do not race).
    pub fn open_url(url: &DatabaseUrl) -> Result<Self, StoreError> {
        Ok(Self {
            backend: Arc::new(postgres::Postgres::open(url)?),
        })
    }

    /// The store the configuration names: PostgreSQL when `database_url` is set, else the
    /// SQLite file `sqlite_file`.
    pub fn open_configured(
        database_url: Option<&DatabaseUrl>,
        sqlite_file: &Path,
    ) -> Result<Self, StoreError> {
        match database_url {
            Some(url) => Self::open_url(url),
            None => Self::open(sqlite_file),
        }
    }

    /// The database file's path, when the store is SQLite.
    pub fn path(&self) -> Option<&Path> {
        self.backend.sqlite_file()
    }

    /// Copies the whole database to `destination` with SQLite's online backup API: a
    /// consistent snapshot while the service keeps running (writers are not blocked; pages
    /// they change during the copy are copied again). `progress(remaining, total)` is called
    /// as pages are copied. `destination` must not exist. A PostgreSQL store answers
    /// [`StoreError::UseDatabaseTools`]: its own tools (`pg_dump`) do this.
    pub fn backup_to(
        &self,
        destination: &Path,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<(), StoreError> {
        self.backend.backup_to(destination, &mut progress)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, TimeZone, Utc};
    use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
    use url::Url;

    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_720_000_000 + seconds, 0).unwrap()
    }

    fn source(id: &str) -> Source {
        Source {
            id: SourceId::parse(id).unwrap(),
            name: format!("Source {id}"),
            url: Url::parse(&format!("https://{id}.example/feed")).unwrap(),
            kind: SourceKind::Feed,
            interval: Duration::from_secs(1800),
            enabled: true,
            options: Default::default(),
        }
    }

    fn article(source: &str, guid: &str, title: &str) -> Article {
        let source = SourceId::parse(source).unwrap();
        Article {
            id: ArticleId::derive(&source, guid),
            source,
            guid: guid.to_owned(),
            url: Some(Url::parse(&format!("https://news.example/{guid}")).unwrap()),
            title: title.to_owned(),
            published: Some(at(0)),
            updated: None,
            authors: vec!["A Writer".into()],
            summary: "teaser".into(),
            content_html: "<p>body</p>".into(),
            content_text: "body".into(),
            local_authorities: vec![],
            topics: vec![],
        }
    }

    fn with_sources(store: Store) -> Store {
        store.sync_sources(&[source("one"), source("two")]).unwrap();
        store
    }

    fn report(source: &str, guid: &str, url: &str, title: &str, text: &str, day: i64) -> Article {
        let mut article = article(source, guid, title);
        article.url = Some(Url::parse(url).unwrap());
        article.content_text = text.into();
        article.local_authorities = vec!["E08000013".into()];
        article.published = Some(at(day * 86_400));
        article
    }

    const VISIT: &str = "Ofsted inspectors found St Helens gives a consistent and effective service to children in need and those on protection plans, in a focused visit letter published after the April visit by Gareth Dakin and Alison Smale.";

    backend_tests! {
        fn judgments_for_a_council_are_those_of_judgments_sources_naming_it(store) {
            let mut court = source("court");
            court.kind = SourceKind::Judgments;
            store.sync_sources(&[source("one"), court]).unwrap();
            let mut older = article("court", "j1", "Lancashire County Council v A");
            older.local_authorities = vec!["E10000017".into()];
            let mut newer = article("court", "j2", "Lancashire County Council v B");
            newer.local_authorities = vec!["E10000017".into(), "E08000013".into()];
            newer.published = Some(at(86_400));
            let mut elsewhere = article("court", "j3", "Kent County Council v C");
            elsewhere.local_authorities = vec!["E10000016".into()];
            let mut news = article("one", "n1", "Lancashire news");
            news.local_authorities = vec!["E10000017".into()];
            store
                .upsert_articles(&[older, newer, elsewhere, news], at(10))
                .unwrap();
            let titles = |gss: &str| -> Vec<String> {
                store
                    .judgments_for(&[gss.to_owned()], 10)
                    .unwrap()
                    .into_iter()
                    .map(|record| record.article.title)
                    .collect()
            };
            assert_eq!(
                titles("E10000017"),
                ["Lancashire County Council v B", "Lancashire County Council v A"],
                "newest first, and never a news story"
            );
            assert_eq!(titles("E08000013"), ["Lancashire County Council v B"]);
            assert!(titles("E09000001").is_empty());
            let either = store
                .judgments_for(&["E10000016".to_owned(), "E08000013".to_owned()], 10)
                .unwrap();
            assert_eq!(either.len(), 2, "a council's judgments and its predecessor's");
        }

        fn unchanged_items_change_nothing_and_changed_ones_update_in_place(store) {
            let store = with_sources(store);
            let first = article("one", "a", "First title");
            let counts = store
                .upsert_articles(&[first.clone(), article("one", "b", "Other")], at(10))
                .unwrap();
            assert_eq!((counts.new, counts.updated, counts.unchanged), (2, 0, 0));
            let seq_before = store.last_change_seq().unwrap();

            let counts = store
                .upsert_articles(std::slice::from_ref(&first), at(20))
                .unwrap();
            assert_eq!((counts.new, counts.updated, counts.unchanged), (0, 0, 1));
            assert_eq!(
                store.last_change_seq().unwrap(),
                seq_before,
                "no write for an unchanged item"
            );

            let mut edited = first.clone();
            edited.title = "Corrected title".into();
            let counts = store.upsert_articles(&[edited], at(30)).unwrap();
            assert_eq!((counts.new, counts.updated), (0, 1));
            assert_eq!(store.article_count().unwrap(), 2, "updated, not duplicated");
            let stored = store.article(&first.id).unwrap().unwrap();
            assert_eq!(stored.article.title, "Corrected title");
            assert_eq!(stored.first_seen_at, at(10), "first-seen time survives updates");
            assert_eq!(stored.changed_at, at(30));
            assert_eq!(stored.change_seq, seq_before + 1);
            assert_eq!(stored.source_name, "Source one");
        }

        fn the_change_sequence_lists_each_article_at_its_latest_change(store) {
            let store = with_sources(store);
            let a = article("one", "a", "A");
            store
                .upsert_articles(&[a.clone(), article("two", "b", "B")], at(0))
                .unwrap();
            let mut a2 = a.clone();
            a2.summary = "new teaser".into();
            store.upsert_articles(&[a2], at(1)).unwrap();
            let changed: Vec<String> = store
                .articles_changed_after(0, 10)
                .unwrap()
                .into_iter()
                .map(|record| record.article.title)
                .collect();
            assert_eq!(changed, vec!["B", "A"]);
            let after_first = store.articles_changed_after(2, 10).unwrap();
            assert_eq!(after_first.len(), 1);
            assert_eq!(store.articles_changed_after(3, 10).unwrap().len(), 0);
        }

        fn fetch_state_counts_failures_and_a_success_clears_them(store) {
            let store = with_sources(store);
            let id = SourceId::parse("one").unwrap();
            let failed = FetchResult::Failed {
                http_status: Some(404),
                error: "HTTP 404 Not Found".into(),
            };
            store.record_fetch(&id, at(0), &failed, at(60)).unwrap();
            store.record_fetch(&id, at(60), &failed, at(180)).unwrap();
            let record = store.source(&id).unwrap().unwrap();
            assert!(record.is_failing());
            assert_eq!(record.state.consecutive_failures, 2);
            assert_eq!(record.state.last_error.as_deref(), Some("HTTP 404 Not Found"));
            assert_eq!(record.state.last_success_at, None);
            assert_eq!(record.state.next_due_at, Some(at(180)));

            let ok = FetchResult::Changed {
                http_status: Some(200),
                etag: Some("\"v1\"".into()),
                last_modified: None,
                body_bytes: 5000,
                moved_to: None,
            };
            store.record_fetch(&id, at(200), &ok, at(2000)).unwrap();
            let record = store.source(&id).unwrap().unwrap();
            assert!(!record.is_failing());
            assert_eq!(record.state.last_error, None);
            assert_eq!(record.state.etag.as_deref(), Some("\"v1\""));
            assert_eq!(record.state.last_success_at, Some(at(200)));
            let other = store.source(&SourceId::parse("two").unwrap()).unwrap().unwrap();
            assert_eq!(other.state, FetchState::default(), "other sources are untouched");
        }

        fn not_modified_answers_count_the_bytes_they_saved(store) {
            let store = with_sources(store);
            let id = SourceId::parse("one").unwrap();
            let changed = FetchResult::Changed {
                http_status: Some(200),
                etag: None,
                last_modified: None,
                body_bytes: 4000,
                moved_to: None,
            };
            let same = FetchResult::NotModified {
                http_status: Some(304),
                etag: None,
                last_modified: None,
                moved_to: None,
            };
            store.record_fetch(&id, at(0), &changed, at(1)).unwrap();
            store.record_fetch(&id, at(1), &same, at(2)).unwrap();
            store.record_fetch(&id, at(2), &same, at(3)).unwrap();
            let state = store.source(&id).unwrap().unwrap().state;
            assert_eq!(
                (state.bytes_saved, state.fetches, state.not_modified),
                (8000, 3, 2)
            );
        }

        fn a_permanent_redirect_is_adopted_only_once_it_has_held(store) {
            let store = with_sources(store);
            let id = SourceId::parse("one").unwrap();
            let new_home = Url::parse("https://new.example/feed").unwrap();
            let moved = |to: &Url| FetchResult::Changed {
                http_status: Some(200),
                etag: None,
                last_modified: None,
                body_bytes: 1,
                moved_to: Some(to.clone()),
            };
            store.record_fetch(&id, at(0), &moved(&new_home), at(1)).unwrap();
            store.record_fetch(&id, at(1), &moved(&new_home), at(2)).unwrap();
            let record = store.source(&id).unwrap().unwrap();
            assert_eq!(
                record.url_to_fetch().as_str(),
                "https://one.example/feed",
                "two redirects are not yet a move"
            );
            assert_eq!(record.state.redirect_seen, 2);
            store.record_fetch(&id, at(2), &moved(&new_home), at(3)).unwrap();
            let record = store.source(&id).unwrap().unwrap();
            assert_eq!(record.url_to_fetch(), &new_home);
            assert_eq!(record.moved_to.as_ref(), Some(&new_home));
            store.sync_sources(&[source("one"), source("two")]).unwrap();
            assert_eq!(
                store.source(&id).unwrap().unwrap().moved_to.as_ref(),
                Some(&new_home),
                "kept while config is unchanged"
            );
            let mut edited = source("one");
            edited.url = Url::parse("https://edited.example/feed").unwrap();
            store.sync_sources(&[edited]).unwrap();
            let record = store.source(&id).unwrap().unwrap();
            assert_eq!(record.moved_to, None, "a new configured URL wins");
            assert_eq!(record.url_to_fetch().as_str(), "https://edited.example/feed");
        }

        fn the_operator_pauses_resumes_and_hurries_a_source(store) {
            let store = with_sources(store);
            store.sync_sources(&[source("one")]).unwrap();
            let id = SourceId::parse("one").unwrap();
            let failed = FetchResult::Failed {
                http_status: Some(503),
                error: "HTTP 503".into(),
            };
            store.record_fetch(&id, at(0), &failed, at(3600)).unwrap();
            assert!(store.change_source(&id, SourceChange::Pause, at(10)).unwrap());
            assert!(store.change_source(&id, SourceChange::Pause, at(20)).unwrap());
            let record = store.source(&id).unwrap().unwrap();
            assert_eq!(record.paused_at, Some(at(10)), "the first pause's time is kept");
            assert_eq!(record.status(), "paused");
            assert!(!record.is_scheduled());
            store.sync_sources(&[source("one")]).unwrap();
            assert!(
                store.source(&id).unwrap().unwrap().paused_at.is_some(),
                "a config reload leaves the pause alone"
            );
            assert!(store.change_source(&id, SourceChange::Refresh, at(30)).unwrap());
            assert_eq!(store.source(&id).unwrap().unwrap().state.next_due_at, None);
            assert!(store.change_source(&id, SourceChange::Resume, at(40)).unwrap());
            let record = store.source(&id).unwrap().unwrap();
            assert!(record.is_scheduled());
            assert_eq!(record.status(), "failing");
            let unknown = SourceId::parse("nope").unwrap();
            for change in ["pause", "resume", "refresh"] {
                let change = SourceChange::parse(change).unwrap();
                assert_eq!(SourceChange::parse(change.as_str()), Some(change));
                assert!(!store.change_source(&unknown, change, at(0)).unwrap());
            }
            assert_eq!(SourceChange::parse("explode"), None);
        }

        fn page_validators_are_kept_per_url(store) {
            let store = with_sources(store);
            let page = Url::parse("https://reports.example/provider/44/80560").unwrap();
            assert_eq!(store.http_validators(&page).unwrap(), (None, None));
            store
                .set_http_validators(
                    &page,
                    Some("\"e1\""),
                    Some("Fri, 12 Jul 2024 09:30:00 GMT"),
                    at(0),
                )
                .unwrap();
            store
                .set_http_validators(&page, Some("\"e2\""), None, at(1))
                .unwrap();
            assert_eq!(
                store.http_validators(&page).unwrap(),
                (Some("\"e2\"".into()), None)
            );
        }

        fn the_same_url_from_two_sources_is_stored_once(store) {
            let store = with_sources(store);
            let first = report(
                "one",
                "a",
                "https://ofsted.example/letter",
                "St Helens letter",
                VISIT,
                0,
            );
            let same = report(
                "two",
                "b",
                "https://ofsted.example/letter",
                "St Helens letter again",
                VISIT,
                0,
            );
            store
                .upsert_articles(std::slice::from_ref(&first), at(0))
                .unwrap();
            let counts = store.upsert_articles(std::slice::from_ref(&same), at(1)).unwrap();
            assert_eq!((counts.new, counts.folded), (0, 1));
            assert_eq!(store.article_count().unwrap(), 1);
            let stored = store.article(&first.id).unwrap().unwrap();
            assert_eq!(stored.also_reported_by.len(), 1);
            assert_eq!(stored.also_reported_by[0].source_name, "Source two");
            let again = store.upsert_articles(&[same], at(2)).unwrap();
            assert_eq!(
                (again.folded, again.unchanged),
                (0, 1),
                "re-fetching adds nothing"
            );
        }

        fn near_duplicates_are_grouped_and_stay_grouped(store) {
            let store = with_sources(store);
            let first = report(
                "one",
                "a",
                "https://one.example/a",
                "Ofsted focused visit finds St Helens consistent",
                VISIT,
                0,
            );
            let rewrite = report(
                "two",
                "b",
                "https://two.example/b",
                "St Helens keeps up strong practice, Ofsted letter says",
                VISIT,
                1,
            );
            let unrelated = report(
                "two",
                "c",
                "https://two.example/c",
                "St Helens opens a children's home",
                "The council opened a new home for four children in the borough this week, its first for a decade.",
                1,
            );
            let too_late = report(
                "two",
                "d",
                "https://two.example/d",
                "St Helens focused visit: a second look",
                VISIT,
                9,
            );
            store
                .upsert_articles(std::slice::from_ref(&first), at(0))
                .unwrap();
            store
                .upsert_articles(&[rewrite.clone(), unrelated.clone(), too_late.clone()], at(1))
                .unwrap();
            let group = |id: &ArticleId| store.article(id).unwrap().unwrap().story_id.unwrap();
            assert_eq!(
                group(&rewrite.id),
                first.id,
                "same council, similar opening, a day apart"
            );
            assert_eq!(group(&unrelated.id), unrelated.id);
            assert_eq!(group(&too_late.id), too_late.id, "more than three days apart");
            let latest = store.latest_articles(None, 10, 0).unwrap();
            assert!(
                !latest.iter().any(|record| record.article.id == rewrite.id),
                "the home page shows the story once"
            );
            let leader = latest
                .iter()
                .find(|record| record.article.id == first.id)
                .unwrap();
            assert_eq!(leader.also_reported_by[0].article_id.as_ref(), Some(&rewrite.id));
            // A page read by id (as search results are): the order asked for, unknown ids left
            // out, each with its group's other members.
            let missing = ArticleId::derive(&SourceId::parse("two").unwrap(), "nowhere");
            let page = store
                .articles_by_ids(&[
                    rewrite.id.clone(),
                    missing,
                    unrelated.id.clone(),
                    first.id.clone(),
                ])
                .unwrap();
            let ids: Vec<&ArticleId> = page.iter().map(|record| &record.article.id).collect();
            assert_eq!(ids, [&rewrite.id, &unrelated.id, &first.id]);
            let members = |record: &ArticleRecord| -> Vec<Option<ArticleId>> {
                record
                    .also_reported_by
                    .iter()
                    .map(|report| report.article_id.clone())
                    .collect()
            };
            assert_eq!(members(&page[0]), [Some(first.id.clone())]);
            assert!(members(&page[1]).is_empty());
            assert_eq!(members(&page[2]), [Some(rewrite.id.clone())]);
            let mut edited = rewrite.clone();
            edited.title = "Completely different headline".into();
            edited.content_text = "Nothing alike.".into();
            store.upsert_articles(&[edited], at(5)).unwrap();
            assert_eq!(group(&rewrite.id), first.id, "re-fetching never splits a group");
        }

        fn a_report_joining_a_story_lists_the_story_again_for_the_index(store) {
            let store = with_sources(store);
            let first = report(
                "one",
                "a",
                "https://one.example/a",
                "Ofsted focused visit finds St Helens consistent",
                VISIT,
                0,
            );
            store
                .upsert_articles(std::slice::from_ref(&first), at(0))
                .unwrap();
            let before = store.last_change_seq().unwrap();
            let rewrite = report(
                "two",
                "b",
                "https://two.example/b",
                "St Helens keeps up strong practice, Ofsted letter says",
                VISIT,
                1,
            );
            store
                .upsert_articles(std::slice::from_ref(&rewrite), at(1))
                .unwrap();
            let changed = store.articles_changed_after(before, 10).unwrap();
            let listed: Vec<(&ArticleId, usize)> = changed
                .iter()
                .map(|record| (&record.article.id, record.also_reported_by.len()))
                .collect();
            assert_eq!(
                listed,
                [(&first.id, 1), (&rewrite.id, 1)],
                "the earlier report is re-listed, each with the other as its company"
            );
        }

        fn undated_articles_sort_below_dated_ones_however_recently_first_seen(store) {
            let store = with_sources(store);
            let old_news = article("one", "old", "Dated long ago");
            let mut explainer = article("two", "plo", "Explainer: the Public Law Outline");
            explainer.published = None;
            store.upsert_articles(&[old_news], at(0)).unwrap();
            store
                .upsert_articles(&[explainer.clone()], at(86_400 * 400))
                .unwrap();
            let latest = store.latest_articles(None, 10, 0).unwrap();
            let order: Vec<&str> = latest
                .iter()
                .map(|record| record.article.title.as_str())
                .collect();
            assert_eq!(order, ["Dated long ago", "Explainer: the Public Law Outline"]);
            let undated = &latest[1];
            assert!(!undated.is_dated() && latest[0].is_dated());
            assert_eq!(
                undated.display_date(),
                at(86_400 * 400),
                "shown with when it was first seen"
            );
            assert!(undated.sort_date() < latest[0].sort_date());
            assert!(
                undated.sort_date().timestamp() > -9_000_000_000,
                "inside the index's date range"
            );
        }

        fn sources_removed_from_config_are_kept_with_their_articles(store) {
            let store = with_sources(store);
            store
                .upsert_articles(&[article("two", "x", "Kept")], at(0))
                .unwrap();
            store.sync_sources(&[source("one")]).unwrap();
            let sources = store.sources().unwrap();
            let two = sources.iter().find(|s| s.source.id.as_str() == "two").unwrap();
            assert!(!two.in_config);
            assert_eq!(two.article_count, 1);
            assert_eq!(store.article_count().unwrap(), 1);
        }

        fn latest_articles_are_newest_first_and_filterable(store) {
            let store = with_sources(store);
            let mut old = article("one", "old", "Old");
            old.published = Some(at(-1000));
            let mut undated = article("two", "undated", "Undated");
            undated.published = None;
            store
                .upsert_articles(&[old, article("one", "new", "New"), undated], at(500))
                .unwrap();
            let titles =
                |records: Vec<ArticleRecord>| records.into_iter().map(|r| r.article.title).collect::<Vec<_>>();
            assert_eq!(
                titles(store.latest_articles(None, 10, 0).unwrap()),
                vec!["New", "Old", "Undated"],
                "undated items never sort ahead of dated ones"
            );
            let one = SourceId::parse("one").unwrap();
            assert_eq!(
                titles(store.latest_articles(Some(&one), 10, 0).unwrap()),
                vec!["New", "Old"]
            );
            assert_eq!(titles(store.latest_articles(None, 1, 1).unwrap()), vec!["Old"]);
        }

        fn concurrent_writers_never_commit_the_change_sequence_out_of_order(store) {
            // Two processes' fetchers write at once while a replica follows the change
            // sequence: whatever the interleaving, the follower must see every article
            // (a position committed after a higher one would be skipped for good).
            let store = with_sources(store);
            const BATCHES: usize = 40;
            const PER_BATCH: usize = 3;
            let writers: Vec<_> = ["one", "two"]
                .into_iter()
                .map(|source| {
                    let store = store.clone();
                    std::thread::spawn(move || {
                        for batch in 0..BATCHES {
                            let articles: Vec<Article> = (0..PER_BATCH)
                                .map(|k| article(source, &format!("{source}-{batch}-{k}"), "Story"))
                                .collect();
                            store.upsert_articles(&articles, at(batch as i64)).unwrap();
                        }
                    })
                })
                .collect();
            let mut seen = std::collections::HashSet::new();
            let mut watermark = 0;
            let mut follow = |seen: &mut std::collections::HashSet<ArticleId>| {
                let changed = store.articles_changed_after(watermark, 5).unwrap();
                for record in &changed {
                    assert!(record.change_seq > watermark, "listed in change order");
                    watermark = record.change_seq;
                    seen.insert(record.article.id.clone());
                }
                !changed.is_empty()
            };
            while writers.iter().any(|writer| !writer.is_finished()) {
                follow(&mut seen);
            }
            for writer in writers {
                writer.join().unwrap();
            }
            while follow(&mut seen) {}
            assert_eq!(seen.len(), 2 * BATCHES * PER_BATCH, "the follower saw every article");
            assert_eq!(store.article_count().unwrap(), (2 * BATCHES * PER_BATCH) as u64);
        }

        fn grade_changes_found_while_backfilling_are_history_not_the_latest_news(store) {
            let store = with_sources(store);
            let report = "https://files.example/liverpool-2023.pdf";
            let backfilled = article(
                "one",
                &format!("alert:history:{report}"),
                "Liverpool now judged inadequate",
            );
            let fresh = article(
                "one",
                "alert:https://files.example/trafford.pdf",
                "Trafford now judged good",
            );
            store
                .upsert_articles(
                    &[
                        backfilled,
                        fresh,
                        article("one", report, "Inspection of Liverpool"),
                    ],
                    at(500),
                )
                .unwrap();
            let titles =
                |records: Vec<ArticleRecord>| records.into_iter().map(|r| r.article.title).collect::<Vec<_>>();
            let latest = titles(store.latest_articles(None, 10, 0).unwrap());
            assert!(
                !latest.contains(&"Liverpool now judged inadequate".to_owned()),
                "{latest:?}"
            );
            assert!(
                latest.contains(&"Trafford now judged good".to_owned()),
                "{latest:?}"
            );
            assert!(
                latest.contains(&"Inspection of Liverpool".to_owned()),
                "{latest:?}"
            );
            let changes = titles(store.grade_change_alerts(10).unwrap());
            assert_eq!(changes.len(), 2, "the changes feed keeps history: {changes:?}");
        }
    }

    // Subscriptions run on SQLite only until their PostgreSQL port lands (then this moves
    // into backend_tests!).
    #[test]
    fn one_confirmation_per_address_per_interval() {
        let (_dir, store) = crate::testing::sqlite_store();
        let store = with_sources(store);
        let id = store
            .subscribe("alice@example.org", "daily", "neglect", "neglect", at(0))
            .unwrap()
            .subscriber
            .id;
        let claim = |now: i64| store.claim_confirmation(id, at(now), at(now - 600)).unwrap();
        assert!(claim(0));
        assert!(!claim(1), "a second post straight after sends nothing");
        assert!(!claim(599));
        assert!(claim(600), "ten minutes on, another link may go");
        store.release_confirmation(id, at(600)).unwrap();
        assert!(claim(601), "a link that could not be sent does not count");
    }

    #[test]
    fn data_survives_reopening_and_newer_schemas_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        {
            let store = Store::open(&path).unwrap();
            store.sync_sources(&[source("one")]).unwrap();
            store.upsert_articles(&[article("one", "a", "A")], at(0)).unwrap();
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(store.article_count().unwrap(), 1);
        let latest = store.latest_articles(None, 10, 0).unwrap();
        assert_eq!(latest[0].article, article("one", "a", "A"));
        drop(store);
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection.pragma_update(None, "user_version", 99).unwrap();
        drop(connection);
        let error = Store::open(&path).unwrap_err();
        assert!(
            matches!(error, StoreError::SchemaTooNew { found: 99, .. }),
            "{error}"
        );
    }
}
