//! Where a PostgreSQL record of truth lives, parsed once and never shown with its password.

use std::str::FromStr;

use crate::StoreError;

/// A `postgres://user:password@host:port/database` address (`postgresql://` too). Parsed
/// once; `Debug` and `Display` show it with the password replaced by `redacted`, so it can
/// be logged.
#[derive(Clone)]
pub struct DatabaseUrl {
    config: postgres::Config,
    shown: String,
}

impl DatabaseUrl {
    /// Reads `text`, which must be a `postgres://` or `postgresql://` URL. The error never
    /// repeats the text (it may hold a password).
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let bad = |why: &str| StoreError::BadDatabaseUrl(why.to_owned());
        let mut url = url::Url::parse(text.trim()).map_err(|_| bad("it is not a URL"))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(bad(
                "only postgres:// addresses are supported (leave it unset for SQLite)",
            ));
        }
        let config = postgres::Config::from_str(text.trim()).map_err(|_| {
            bad("it is not a PostgreSQL address (postgres://user:password@host:port/database)")
        })?;
        if config.get_dbname().is_none() {
            return Err(bad("it names no database (postgres://host/DATABASE)"));
        }
        if url.password().is_some() {
            // Infallible for a URL with a host, which a password implies.
            let _ = url.set_password(Some("redacted"));
        }
        Ok(Self {
            config,
            shown: url.to_string(),
        })
    }

    /// The client configuration to connect with.
    pub(crate) fn config(&self) -> &postgres::Config {
        &self.config
    }
}

impl FromStr for DatabaseUrl {
    type Err = StoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.shown).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        let url = DatabaseUrl::parse("postgres://csfeed:hunter2@db.example:5433/news").unwrap();
        for shown in [url.to_string(), format!("{url:?}")] {
            assert!(!shown.contains("hunter2"), "{shown}");
            assert!(shown.contains("db.example:5433/news"), "{shown}");
        }
        assert_eq!(url.config().get_dbname(), Some("news"));
    }

    #[test]
    fn other_addresses_are_refused_without_repeating_them() {
        for text in [
            "sqlite:///tmp/x",
            "not a url",
            "mysql://u:secretpw@h/db",
            "postgres://u:secretpw@h",
        ] {
            let error = DatabaseUrl::parse(text).unwrap_err().to_string();
            assert!(!error.contains("secretpw"), "{error}");
            assert!(error.starts_with("storage.database_url is not usable"), "{error}");
        }
    }
}
