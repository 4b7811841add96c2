//! Store errors.

/// A database failure. `Display` is one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error (or could not be reached).
    #[error("database error: {0}")]
    Postgres(#[from] postgres::Error),
    /// `storage.database_url` is not a PostgreSQL address csfeed can use. The message never
    /// repeats the address (it may hold a password).
    #[error("storage.database_url is not usable: {0}")]
    BadDatabaseUrl(String),
    /// A call to PostgreSQL got no answer: its worker thread could not start, or the call
    /// panicked there (a bug; the worker itself carries on).
    #[error("the database workers have stopped")]
    WorkersStopped,
    /// Backups of a PostgreSQL store are the database's own business.
    #[error(
        "csfeed backup copies SQLite stores; this store is PostgreSQL: back it up with pg_dump (e.g. `pg_dump --format=custom --file=csfeed.dump DATABASE_URL`) or your provider's backups, and restore with pg_restore + `csfeed reindex`"
    )]
    UseDatabaseTools,
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
    /// A file to be stored could not be read whole.
    #[error("file not stored: {0}")]
    File(String),
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
    /// `migrate-store` found rows in the PostgreSQL database it was to fill.
    #[error(
        "the target database is not empty ({table} has {rows} rows); copy into an empty database, or replace its contents"
    )]
    TargetNotEmpty {
        /// The first table found with rows.
        table: &'static str,
        /// How many.
        rows: u64,
    },
}
