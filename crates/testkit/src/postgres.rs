//! A fresh PostgreSQL database per test, on the server named by `CSFEED_TEST_POSTGRES_URL`
//! (`.ci/run` starts one with `scripts/postgres-test-server`).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Where the test server is: a `postgres://` URL whose database may be any existing one.
pub const POSTGRES_URL_VARIABLE: &str = "CSFEED_TEST_POSTGRES_URL";
/// Set to `1` to make a missing server a failure instead of a skip.
pub const REQUIRE_POSTGRES_VARIABLE: &str = "CSFEED_REQUIRE_POSTGRES";

/// A database created for one test and dropped (with its connections) when this is.
#[derive(Debug)]
pub struct TestDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates an empty database for the test `test` on the test server. `None` (after
    /// printing that the test skips) when no server is configured, unless
    /// `CSFEED_REQUIRE_POSTGRES=1`, which makes that a panic: the test fails.
    pub fn create(test: &str) -> Option<Self> {
        let Ok(server_url) = std::env::var(POSTGRES_URL_VARIABLE) else {
            if std::env::var(REQUIRE_POSTGRES_VARIABLE).as_deref() == Ok("1") {
                panic!("{test}: {POSTGRES_URL_VARIABLE} is not set but {REQUIRE_POSTGRES_VARIABLE}=1");
            }
            eprintln!(
                "skipping {test}: no PostgreSQL server ({POSTGRES_URL_VARIABLE} is not set; scripts/postgres-test-server starts one)"
            );
            return None;
        };
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "csfeed_test_{}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed),
            test.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(30)
                .collect::<String>()
                .to_ascii_lowercase()
        );
        admin(&server_url, format!("CREATE DATABASE {name}"));
        let url = with_database(&server_url, &name);
        Some(Self {
            server_url,
            name,
            url,
        })
    }

    /// The database's `postgres://` URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        admin(
            &self.server_url,
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

/// `server_url` with its database replaced by `database`.
fn with_database(server_url: &str, database: &str) -> String {
    let mut url =
        url::Url::parse(server_url).unwrap_or_else(|error| panic!("{POSTGRES_URL_VARIABLE}: {error}"));
    url.set_path(database);
    url.to_string()
}

/// Runs one statement on the server's own database. On a thread of its own: the sync client
/// runs its own runtime, which must not start inside a test's tokio runtime.
fn admin(server_url: &str, statement: String) {
    let server_url = server_url.to_owned();
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&server_url, postgres::NoTls)
            .unwrap_or_else(|error| panic!("cannot reach the test PostgreSQL server: {error}"));
        client
            .batch_execute(&statement)
            .unwrap_or_else(|error| panic!("{statement}: {error}"));
    })
    .join()
    .unwrap_or_else(|_| panic!("the test database could not be set up"));
}
