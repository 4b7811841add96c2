//! The PostgreSQL backend: the record of truth shared by several csfeed processes.

mod articles;
mod inspections;
mod leases;
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

impl Postgres {
    /// Runs `work` on one of the worker connections (for work outside the typed operations,
    /// such as copying a SQLite store in).
    pub(crate) fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut postgres::Client) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.workers.run(work)
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

#[cfg(test)]
mod tests {
    use crate::testing::PostgresFixture;
    use crate::{DatabaseUrl, Store, StoreError};

    fn admin(url: &str, statement: &'static str) {
        let url = url.to_owned();
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            client.batch_execute(statement).unwrap();
        })
        .join()
        .unwrap();
    }

    #[test]
    fn newer_schemas_are_refused() {
        let Some(fixture) = PostgresFixture::create("newer_schemas_are_refused") else {
            return;
        };
        let url = fixture.url().to_owned();
        admin(&url, "UPDATE schema_version SET version = 99");
        let error = Store::open_url(&DatabaseUrl::parse(&url).unwrap()).unwrap_err();
        assert!(
            matches!(error, StoreError::SchemaTooNew { found: 99, .. }),
            "{error}"
        );
    }

    #[test]
    fn a_lost_connection_fails_at_most_one_call_per_worker() {
        let Some(fixture) = PostgresFixture::create("a_lost_connection_fails_at_most_one_call") else {
            return;
        };
        let store = fixture.store.clone();
        for _ in 0..super::WORKERS * 2 {
            store.article_count().unwrap();
        }
        // As a server restart or a network cut would: every connection of this database ends.
        admin(
            fixture.url(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid != pg_backend_pid()",
        );
        let failures = (0..super::WORKERS * 3)
            .filter(|_| store.article_count().is_err())
            .count();
        assert!(failures <= super::WORKERS, "{failures} calls failed");
        assert_eq!(store.article_count().unwrap(), 0, "reconnected");
    }

    #[test]
    fn the_store_is_shown_without_its_password() {
        let Some(fixture) = PostgresFixture::create("the_store_is_shown_without_its_password") else {
            return;
        };
        let mut url = url::Url::parse(fixture.url()).unwrap();
        // Trust authentication ignores the password; the point is that it is never shown.
        url.set_password(Some("hunter2")).unwrap();
        let store = Store::open_url(&DatabaseUrl::parse(url.as_str()).unwrap()).unwrap();
        let shown = format!("{store:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains(":redacted@"),
            "{shown}"
        );
        assert_eq!(store.path(), None);
    }
}
