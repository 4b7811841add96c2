//! The PostgreSQL backend: the record of truth shared by several csfeed processes.

mod articles;
mod inspections;
mod migrations;
mod publications;
mod sources;
mod subscriptions;
mod workers;

use std::path::Path;

use workers::Workers;

use crate::{Backend, DatabaseUrl, StoreError};

/// Connections per process: the web tier reads a page of results at a time, the fetcher
/// writes one source's items at a time; a few are plenty and keep `max_connections` free
/// for other replicas.
const WORKERS: usize = 4;

/// The PostgreSQL database behind a [`crate::Store`].
pub(crate) struct Postgres {
    workers: Workers,
    /// The address with its password redacted.
    shown: String,
}

impl Postgres {
    /// Connects and brings the schema up to date.
    pub(crate) fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let workers = Workers::start(url.config(), WORKERS)?;
        workers.run(migrations::migrate)?;
        Ok(Self {
            workers,
            shown: url.to_string(),
        })
    }
}

impl Backend for Postgres {
    fn describe(&self) -> String {
        self.shown.clone()
    }

    fn sqlite_file(&self) -> Option<&Path> {
        None
    }

    fn backup_to(&self, _destination: &Path, _progress: &mut dyn FnMut(u64, u64)) -> Result<(), StoreError> {
        Err(StoreError::UseDatabaseTools)
    }
}
