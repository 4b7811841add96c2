//! Test helpers: a fresh store of either backend, and [`backend_tests!`], which runs each
//! behaviour test on both.

use crate::{DatabaseUrl, Store};

/// Writes each test twice: `sqlite::NAME` on a fresh SQLite file and `postgres::NAME` on a
/// fresh PostgreSQL database (which prints that it skips, and passes, when there is no test
/// server; `CSFEED_REQUIRE_POSTGRES=1` makes that a failure). Each test names the store it
/// is given: `fn name(store) { … }`.
macro_rules! backend_tests {
    ($(fn $name:ident($store:ident) $body:block)*) => {
        mod sqlite {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let (_dir, $store) = $crate::testing::sqlite_store();
                    $body
                }
            )*
        }
        mod postgres {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let Some(fixture) = $crate::testing::PostgresFixture::create(stringify!($name)) else {
                        return;
                    };
                    let $store = fixture.store.clone();
                    $body
                }
            )*
        }
    };
}

/// An empty SQLite store in a temporary folder (kept while the folder is).
pub(crate) fn sqlite_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
    (dir, store)
}

/// An empty PostgreSQL store in a database of its own, dropped after the store.
pub(crate) struct PostgresFixture {
    /// The store (declared first: dropped, closing its connections, before the database).
    pub(crate) store: Store,
    /// The database the store uses, dropped last.
    database: csfeed_testkit::TestDatabase,
}

impl PostgresFixture {
    /// `None` when there is no test server (the test then skips).
    pub(crate) fn create(test: &str) -> Option<Self> {
        let database = csfeed_testkit::TestDatabase::create(test)?;
        let store = Store::open_url(&DatabaseUrl::parse(database.url()).unwrap()).unwrap();
        Some(Self { store, database })
    }

    /// The database's `postgres://` URL.
    pub(crate) fn url(&self) -> &str {
        self.database.url()
    }
}
