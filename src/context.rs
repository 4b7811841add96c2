//! Opening what a command works on: settings, the store, the index, the fetcher.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use csfeed_fetch::Fetcher;
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::{DatabaseUrl, Store};

use crate::cli::GlobalArgs;
use crate::settings::LoadedSettings;

/// Database file name inside the data directory.
const DATABASE_FILE: &str = "csfeed.sqlite3";
/// Index folder name inside the data directory.
const INDEX_DIR: &str = "index";
/// The link-signing key, when the config gives none.
const SECRET_FILE: &str = "secret.key";

/// Settings plus the data directory they resolve to.
pub struct Context {
    pub loaded: LoadedSettings,
    pub data_dir: PathBuf,
}

impl Context {
    /// Loads the configuration named on the command line.
    pub fn load(global: &GlobalArgs) -> anyhow::Result<Self> {
        let loaded = LoadedSettings::load(global.config.as_deref())?;
        let data_dir = loaded.data_dir(global.data_dir.as_deref());
        Ok(Self { loaded, data_dir })
    }

    /// `storage.database_url`, parsed, when the store is PostgreSQL.
    pub fn database_url(&self) -> anyhow::Result<Option<DatabaseUrl>> {
        let Some(text) = &self.loaded.settings.storage.database_url else {
            return Ok(None);
        };
        Ok(Some(DatabaseUrl::parse(&text.0)?))
    }

    /// The SQLite database file: `storage.database_file`, else `csfeed.sqlite3` in the data
    /// directory.
    pub fn sqlite_file(&self) -> PathBuf {
        self.loaded
            .settings
            .storage
            .database_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join(DATABASE_FILE))
    }

    /// Opens (creating) the store, leaving its sources as they are: PostgreSQL when
    /// `storage.database_url` is set, else SQLite in the data directory.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))?;
        let path = self.sqlite_file();
        let url = self.database_url()?;
        let shown = url
            .as_ref()
            .map_or_else(|| path.display().to_string(), DatabaseUrl::to_string);
        Store::open_configured(url.as_ref(), &path)
            .with_context(|| format!("cannot open the database {shown}"))
    }

    /// Opens the store only if there is one: for commands that read and must leave an empty
    /// or missing data directory as it was. `None` when there is no SQLite database yet (a
    /// PostgreSQL store always opens: the server is the operator's).
    pub fn open_existing_store(&self) -> anyhow::Result<Option<Store>> {
        if let Some(url) = self.database_url()? {
            return Store::open_url(&url)
                .map(Some)
                .with_context(|| format!("cannot open the database {url}"));
        }
        let path = self.sqlite_file();
        if !path.is_file() {
            return Ok(None);
        }
        Store::open(&path)
            .map(Some)
            .with_context(|| format!("cannot open the database {}", path.display()))
    }

    /// Opens the store and brings its sources in line with the config.
    pub fn open_store_synced(&self) -> anyhow::Result<Store> {
        let sources = self.loaded.sources()?;
        let store = self.open_store()?;
        store
            .sync_sources(&sources)
            .context("cannot record the configured sources")?;
        // The published history is the starting record; reports read later win over it.
        store
            .upsert_inspections(&csfeed_core::inspection_history())
            .context("cannot load the Ofsted inspection history")?;
        Ok(store)
    }

    /// Opens the search index.
    pub fn open_index(&self, mode: OpenMode) -> anyhow::Result<Arc<SearchIndex>> {
        let path = self.index_path();
        let index = SearchIndex::open(&path, mode)
            .with_context(|| format!("cannot open the search index {}", path.display()))?;
        Ok(Arc::new(index))
    }

    /// Builds the HTTP client from the fetch settings.
    pub fn fetcher(&self) -> anyhow::Result<Fetcher> {
        Fetcher::new(self.loaded.settings.fetch.to_fetch_config()).context("cannot set up the HTTP client")
    }

    /// The HTTP client for writers: per-host request slots are shared through `store` with
    /// every other process fetching into it, so together they are as polite as one.
    pub fn shared_fetcher(&self, store: &Store) -> anyhow::Result<Fetcher> {
        let slots = std::sync::Arc::new(crate::leases::StoreHostSlots(store.clone()));
        Ok(self.fetcher()?.with_shared_host_slots(slots))
    }

    /// The mailer the config asks for: SMTP when `[email.smtp]` is set, else the outbox.
    pub fn mailer(&self) -> anyhow::Result<csfeed_digest::Mailer> {
        let email = &self.loaded.settings.email;
        let mailer = match &email.smtp {
            Some(smtp) => {
                let tls = match smtp.tls.to_ascii_lowercase().as_str() {
                    "starttls" => csfeed_digest::TlsMode::Starttls,
                    "tls" | "implicit" | "ssl" => csfeed_digest::TlsMode::Implicit,
                    "none" | "plain" => csfeed_digest::TlsMode::None,
                    other => anyhow::bail!(
                        "email.smtp.tls = {other:?} is not a TLS mode: use \"starttls\", \"tls\" or \"none\""
                    ),
                };
                csfeed_digest::Mailer::smtp(
                    &email.from,
                    &csfeed_digest::SmtpSettings {
                        host: smtp.host.clone(),
                        port: smtp.port,
                        tls,
                        username: smtp.username.clone(),
                        password: smtp
                            .password
                            .as_ref()
                            .map(|p| csfeed_digest::Secret::new(p.0.clone())),
                        max_per_second: smtp.max_per_second,
                        timeout: smtp.timeout,
                    },
                )?
            }
            None => {
                let outbox = email
                    .outbox
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("outbox"));
                csfeed_digest::Mailer::outbox(&email.from, outbox)?
            }
        };
        Ok(mailer)
    }

    /// Where links in emails point and the key that signs them: `server.public_url`, else
    /// the address the server listens on (`listening`, or `server.bind`).
    pub fn links(&self, listening: Option<std::net::SocketAddr>) -> anyhow::Result<csfeed_digest::Links> {
        let settings = &self.loaded.settings;
        let site = match &settings.server.public_url {
            Some(url) => url.clone(),
            None => url::Url::parse(&format!("http://{}/", listening.unwrap_or(settings.server.bind)))
                .context("cannot make a site address from server.bind; set server.public_url")?,
        };
        self.links_to(site)
    }

    /// Links for email sent from the command line, which cannot know where the site is
    /// served (a proxy, another port): `public_url` if given, else `server.public_url`,
    /// else an error that says how to set it.
    pub fn public_links(&self, public_url: Option<url::Url>) -> anyhow::Result<csfeed_digest::Links> {
        let site = public_url
            .or_else(|| self.loaded.settings.server.public_url.clone())
            .context(
                "emails need the site's public address for their links, and server.bind is not it; \
                 set server.public_url in the config (or CSFEED__SERVER__PUBLIC_URL), or pass --public-url https://…",
            )?;
        self.links_to(site)
    }

    fn links_to(&self, site: url::Url) -> anyhow::Result<csfeed_digest::Links> {
        let settings = &self.loaded.settings;
        let key = match &settings.email.secret {
            Some(secret) if !secret.0.is_empty() => secret.0.as_bytes().to_vec(),
            _ => self.stored_secret()?,
        };
        Ok(csfeed_digest::Links {
            site,
            signer: csfeed_digest::Signer::new(&key),
        })
    }

    /// The random link-signing key kept in the data directory, created on first use.
    fn stored_secret(&self) -> anyhow::Result<Vec<u8>> {
        use std::io::Read as _;
        let path = self.data_dir.join(SECRET_FILE);
        if let Ok(key) = std::fs::read(&path)
            && key.len() >= 32
        {
            return Ok(key);
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create the data directory {}", self.data_dir.display()))?;
        let mut key = vec![0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut random| random.read_exact(&mut key))
            .context("cannot read random bytes for the link-signing key; set email.secret instead")?;
        // Written whole under a name of this process's own, then linked into place without
        // replacing: of two processes creating the key at once, the one that loses uses
        // the winner's key, so no email is ever signed with a key that is then overwritten.
        let partial = path.with_extension(format!("partial.{}", std::process::id()));
        std::fs::write(&partial, &key)
            .with_context(|| format!("cannot save the link-signing key to {}", path.display()))?;
        let linked = std::fs::hard_link(&partial, &path);
        let _ = std::fs::remove_file(&partial);
        match linked {
            Ok(()) => Ok(key),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(&path)
                .with_context(|| format!("cannot read the link-signing key {}", path.display())),
            Err(error) => {
                Err(error).with_context(|| format!("cannot save the link-signing key to {}", path.display()))
            }
        }
    }

    fn index_path(&self) -> PathBuf {
        Path::new(&self.data_dir).join(INDEX_DIR)
    }
}
