//! Store errors.

/// A database failure. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file was written by a newer csfeed.
    #[error(
        "the database schema is version {found}, newer than this csfeed understands ({supported}); upgrade csfeed or use another --data-dir"
    )]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// A stored value could not be read back (the file was edited by hand or damaged).
    #[error("stored {what} is unreadable: {value:?}")]
    Corrupt {
        /// Which column.
        what: &'static str,
        /// The offending value.
        value: String,
    },
    /// A background thread (lease renewal) could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(String),
}
