//! Search errors.

/// A failure of the index. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// Another process holds the index writer.
    #[error(
        "the search index is in use by another csfeed process (a running `csfeed serve`?); stop it or let it do the indexing"
    )]
    Locked,
    /// Tantivy failed.
    #[error("search index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] csfeed_store::StoreError),
    /// The index directory could not be prepared.
    #[error("cannot prepare the index directory {path}: {message}")]
    Directory {
        /// The directory.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Reading index files failed.
    #[error("search index read error: {0}")]
    Io(#[from] std::io::Error),
    /// Something the index needs is missing (a bug, not bad input).
    #[error("search index error: {0}")]
    Internal(String),
    /// A read-only open found no index.
    #[error("there is no search index at {0} yet; run `csfeed fetch` or `csfeed reindex` first")]
    Missing(String),
}

impl SearchError {
    pub(crate) fn from_open(error: tantivy::TantivyError) -> Self {
        match error {
            tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _) => {
                SearchError::Locked
            }
            other => SearchError::Tantivy(other),
        }
    }
}
