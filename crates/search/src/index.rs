//! Opening the index, keeping it in step with the store, and rebuilding it.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use csfeed_store::Store;
use tantivy::directory::MmapDirectory;
use tantivy::schema::Schema;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term};
use tracing::{debug, info};

use crate::SearchError;
use crate::schema::{Fields, SCHEMA_VERSION, build_schema, to_document};

/// Articles read from the store per batch while catching up. An Ofsted report carries
/// about 100 KB of text, so a batch of reports is about 10 MB in memory at once.
pub(crate) const CATCH_UP_BATCH: usize = 100;
/// Commit (and move the watermark) at least this often during a long catch-up, so a crash
/// loses little work.
const COMMIT_EVERY: usize = 20_000;
/// Commit at least every this many bytes of article text during a catch-up. Tantivy queues
/// added documents (up to 10,000) for its indexing threads, and reading the store outruns
/// them: without this, a first full-England ingest's catch-up queued every report's text at
/// once (60 MiB). A commit waits for the queue to drain.
const COMMIT_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// Memory for the indexing thread's buffers (commits come sooner in a catch-up, see
/// [`COMMIT_TEXT_BYTES`]).
const WRITER_MEMORY_BYTES: usize = 48 * 1024 * 1024;
/// One indexing thread: each holds its own buffers and makes its own segments, and the
/// catch-up's reading of the store keeps another core busy. Measured rebuilding the index
/// of a full-England Ofsted ingest, a second thread added 15–20 MiB to the peak RSS.
const WRITER_THREADS: usize = 1;

/// Whether this process will write to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Take the writer lock: this process indexes. Creates the index when missing.
    ReadWrite,
    /// Search only; fails if there is no index yet.
    ReadOnly,
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchUp {
    /// Articles (re)indexed.
    pub indexed: usize,
    /// The store change sequence the index now covers.
    pub watermark: i64,
}

/// The article index: a reader for searches and, in read-write mode, the one writer.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    writer: Option<Mutex<IndexWriter>>,
    /// Recent results of the current index generation (see `query::ResultCache`).
    pub(crate) cache: crate::query::ResultCache,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("writable", &self.writer.is_some())
            .finish()
    }
}

/// The commit payload: which store changes the index covers, under which schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Payload {
    schema_version: u32,
    watermark: i64,
}

impl Payload {
    fn encode(self) -> String {
        format!("v{}:{}", self.schema_version, self.watermark)
    }

    fn decode(raw: &str) -> Option<Self> {
        let (version, watermark) = raw.strip_prefix('v')?.split_once(':')?;
        Some(Self {
            schema_version: version.parse().ok()?,
            watermark: watermark.parse().ok()?,
        })
    }
}

impl SearchIndex {
    /// Opens the index in `directory`. In read-write mode a missing index is created, and an
    /// index built with another schema is discarded (it is derived data) to be rebuilt by
    /// [`SearchIndex::catch_up`].
    pub fn open(directory: &Path, mode: OpenMode) -> Result<Self, SearchError> {
        let (schema, fields) = build_schema();
        let exists = directory.join("meta.json").exists();
        let index = match (mode, exists) {
            (OpenMode::ReadOnly, false) => return Err(SearchError::Missing(directory.display().to_string())),
            (OpenMode::ReadOnly, true) => Index::open_in_dir(directory)?,
            (OpenMode::ReadWrite, _) => open_or_recreate(directory, schema)?,
        };
        crate::analysis::register(index.tokenizers());
        let writer = match mode {
            OpenMode::ReadWrite => Some(Mutex::new(
                index
                    .writer_with_num_threads(WRITER_THREADS, WRITER_MEMORY_BYTES)
                    .map_err(SearchError::from_open)?,
            )),
            OpenMode::ReadOnly => None,
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            fields,
            writer,
            cache: Default::default(),
        })
    }

    /// How many segments searches go through now (each adds a little to every search;
    /// Tantivy merges them in the background).
    pub fn segment_count(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// The store change sequence the last commit covers (0 for a new index).
    pub fn watermark(&self) -> Result<i64, SearchError> {
        Ok(self.payload()?.map_or(0, |payload| payload.watermark))
    }

    /// Changes whenever the searchable documents change (each reload after a commit), so
    /// anything derived from search results can be cached until then.
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// How many articles are searchable now.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Indexes every article the store changed since the watermark, committing as it goes.
    /// Cheap when there is nothing new. Needs read-write mode.
    pub fn catch_up(&self, store: &Store) -> Result<CatchUp, SearchError> {
        self.catch_up_committing_every(store, COMMIT_TEXT_BYTES)
    }

    /// [`SearchIndex::catch_up`], committing whenever `text_bytes` of article text (or
    /// [`COMMIT_EVERY`] articles) have been added since the last commit.
    fn catch_up_committing_every(&self, store: &Store, text_bytes: usize) -> Result<CatchUp, SearchError> {
        let mut writer = self.lock_writer()?;
        let mut watermark = self.watermark()?;
        let (mut indexed, mut uncommitted, mut uncommitted_bytes) = (0, 0, 0);
        // Read only when there is something to index: catch-up runs on every scheduler tick.
        let mut inspections = None;
        loop {
            let batch = store.articles_changed_after(watermark, CATCH_UP_BATCH)?;
            if batch.is_empty() {
                break;
            }
            let inspections = match &mut inspections {
                Some(loaded) => &*loaded,
                None => &*inspections.insert(crate::facts::by_report(store.all_inspections()?)),
            };
            for record in &batch {
                writer.delete_term(Term::from_field_text(self.fields.id, record.article.id.as_str()));
                let facts = crate::facts::facts_for(record, inspections);
                writer.add_document(to_document(&self.fields, record, &facts))?;
                watermark = record.change_seq;
                indexed += 1;
                uncommitted += 1;
                uncommitted_bytes += record.article.content_text.len() + record.article.content_html.len();
                if uncommitted >= COMMIT_EVERY || uncommitted_bytes >= text_bytes {
                    self.commit(&mut writer, watermark)?;
                    (uncommitted, uncommitted_bytes) = (0, 0);
                }
            }
        }
        if uncommitted > 0 {
            self.commit(&mut writer, watermark)?;
            debug!(indexed, watermark, "index caught up");
        }
        Ok(CatchUp { indexed, watermark })
    }

    /// Empties the index and indexes every stored article again. Needs read-write mode.
    pub fn rebuild(&self, store: &Store) -> Result<CatchUp, SearchError> {
        {
            let mut writer = self.lock_writer()?;
            writer.delete_all_documents()?;
            self.commit(&mut writer, 0)?;
        }
        let result = self.catch_up(store)?;
        info!(indexed = result.indexed, "index rebuilt");
        Ok(result)
    }

    fn commit(&self, writer: &mut IndexWriter, watermark: i64) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(
            &Payload {
                schema_version: SCHEMA_VERSION,
                watermark,
            }
            .encode(),
        );
        prepared.commit()?;
        // Make the commit visible to this process's searches now, not after the reload delay.
        self.reader.reload()?;
        Ok(())
    }

    fn lock_writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        let writer = self.writer.as_ref().ok_or(SearchError::Locked)?;
        Ok(writer.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn payload(&self) -> Result<Option<Payload>, SearchError> {
        Ok(self
            .index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(Payload::decode))
    }
}

fn open_or_recreate(directory: &Path, schema: Schema) -> Result<Index, SearchError> {
    let directory_error = |error: std::io::Error| SearchError::Directory {
        path: directory.display().to_string(),
        message: error.to_string(),
    };
    std::fs::create_dir_all(directory).map_err(directory_error)?;
    if directory.join("meta.json").exists() {
        let existing = Index::open_in_dir(directory)?;
        let current = existing
            .load_metas()?
            .payload
            .as_deref()
            .and_then(Payload::decode)
            .is_some_and(|payload| payload.schema_version == SCHEMA_VERSION);
        if current && existing.schema() == schema {
            return Ok(existing);
        }
        info!(path = %directory.display(), "search index has an old schema; rebuilding it");
        drop(existing);
        std::fs::remove_dir_all(directory).map_err(directory_error)?;
        std::fs::create_dir_all(directory).map_err(directory_error)?;
    }
    let mmap = MmapDirectory::open(directory).map_err(|error| SearchError::Directory {
        path: directory.display().to_string(),
        message: error.to_string(),
    })?;
    Ok(Index::open_or_create(mmap, schema)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catch_up_of_more_text_than_a_commit_holds_commits_as_it_goes() {
        use chrono::{TimeZone, Utc};
        use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        let source = Source {
            id: SourceId::parse("ofsted").unwrap(),
            name: "Ofsted".into(),
            url: url::Url::parse("https://reports.example/{urn}").unwrap(),
            kind: SourceKind::Feed,
            interval: std::time::Duration::from_secs(60),
            enabled: true,
            options: Default::default(),
        };
        store.sync_sources(std::slice::from_ref(&source)).unwrap();
        let reports: Vec<Article> = (0..12)
            .map(|k| Article {
                id: ArticleId::derive(&source.id, &format!("r{k}")),
                source: source.id.clone(),
                guid: format!("r{k}"),
                url: None,
                title: format!("Report {k}"),
                published: Some(Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap()),
                updated: None,
                authors: Vec::new(),
                summary: String::new(),
                content_html: String::new(),
                content_text: format!("inspectors found report{k} ").repeat(400),
                local_authorities: Vec::new(),
                topics: Vec::new(),
            })
            .collect();
        store
            .upsert_articles(&reports, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap())
            .unwrap();
        let index = SearchIndex::open(&dir.path().join("index"), OpenMode::ReadWrite).unwrap();
        // About four reports' text per commit: three commits, so three segments at least
        // (Tantivy merges none of so few).
        let caught_up = index.catch_up_committing_every(&store, 4 * 400 * 25).unwrap();
        assert_eq!(caught_up.indexed, 12);
        assert_eq!(caught_up.watermark, store.last_change_seq().unwrap());
        assert_eq!(index.num_docs(), 12);
        assert!(index.segment_count() >= 3, "{} segments", index.segment_count());
        assert_eq!(index.catch_up(&store).unwrap().indexed, 0);
    }

    #[test]
    fn payload_round_trips_and_rejects_junk() {
        let payload = Payload {
            schema_version: 1,
            watermark: 42,
        };
        assert_eq!(Payload::decode(&payload.encode()), Some(payload));
        assert_eq!(Payload::decode("garbage"), None);
    }
}
