//! The SQLite record of truth for csfeed.
//!
//! Everything csfeed knows lives here: the sources from config, how each one's last fetch
//! went, and every article ever ingested. The Tantivy index (`csfeed-search`) is derived
//! from this database and follows its change sequence, so it can always be rebuilt. The
//! store knows nothing of HTTP or feeds: it takes and returns `csfeed-core` types.
//!
//! Concurrency: one writer connection behind a mutex, and a small pool of reader
//! connections, all in WAL mode so readers never wait for the writer. Every method is
//! blocking; async callers run them on a blocking thread.
#![deny(missing_docs)]

mod articles;
mod error;
mod migrations;
mod pool;
mod sources;
mod time;

pub use articles::{ArticleRecord, UpsertCounts};
pub use error::StoreError;
pub use sources::{FetchResult, FetchState, SourceRecord};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pool::Connections;

/// A handle to the database. Cheap to clone; all clones share the connections.
#[derive(Clone)]
pub struct Store {
    connections: Arc<Connections>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path()).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connections = Connections::open(path)?;
        connections.write(migrations::migrate)?;
        Ok(Self {
            connections: Arc::new(connections),
        })
    }

    /// The database file's path.
    pub fn path(&self) -> &PathBuf {
        self.connections.path()
    }
}
