//! Configuration: TOML files plus `CSFEED__SECTION__KEY` environment overrides, into typed
//! structs that reject unknown keys.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use csfeed_core::{Source, SourceId, SourceKind};
use serde::Deserialize;
use url::Url;

/// Used when no `--config` is given and this file exists.
pub const DEFAULT_CONFIG: &str = "config/default.toml";
/// Layered over the default config when it exists (operator-specific settings).
pub const LOCAL_CONFIG: &str = "config/local.toml";

/// Everything csfeed can be told.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The web server.
    #[serde(default)]
    pub server: ServerSettings,
    /// How the site presents itself.
    #[serde(default)]
    pub site: SiteConfig,
    /// Where data lives.
    #[serde(default)]
    pub storage: StorageSettings,
    /// HTTP behaviour and the schedule.
    #[serde(default)]
    pub fetch: FetchSettings,
    /// The email digest and subscriptions.
    #[serde(default)]
    pub email: EmailSettings,
    /// What to poll.
    #[serde(default)]
    pub sources: Vec<SourceSettings>,
}

/// A secret from config or the environment: `Debug` prints `[redacted]`.
#[derive(Clone, Deserialize, Default)]
#[serde(transparent)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailSettings {
    /// The From of every email.
    pub from: String,
    /// Key for signed links; when unset, a random key is kept in the data directory.
    pub secret: Option<Redacted>,
    /// Where `.eml` files go when no SMTP server is configured (default: data_dir/outbox).
    pub outbox: Option<PathBuf>,
    /// Send a digest even when nothing is new.
    pub send_empty: bool,
    /// Offer the subscribe form on the site.
    pub subscriptions: bool,
    /// Send through this SMTP server instead of the outbox.
    pub smtp: Option<SmtpConfig>,
    /// How long a digest run's claim on a delivery lasts without renewal: a crashed run's
    /// unsent digests are sent by another run after this.
    #[serde(with = "humantime_serde")]
    pub lease_ttl: Duration,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            from: "csfeed digest <digest@localhost.localdomain>".into(),
            secret: None,
            outbox: None,
            send_empty: false,
            subscriptions: true,
            smtp: None,
            lease_ttl: Duration::from_secs(120),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (local relay only).
    #[serde(default = "default_tls")]
    pub tls: String,
    pub username: Option<String>,
    pub password: Option<Redacted>,
    #[serde(default = "default_rate")]
    pub max_per_second: f64,
    #[serde(default = "default_smtp_timeout", with = "humantime_serde")]
    pub timeout: Duration,
}

fn default_smtp_port() -> u16 {
    587
}

fn default_tls() -> String {
    "starttls".into()
}

fn default_rate() -> f64 {
    5.0
}

fn default_smtp_timeout() -> Duration {
    Duration::from_secs(30)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    pub public_url: Option<Url>,
    /// How long in-flight fetches get to finish after SIGTERM.
    #[serde(with = "humantime_serde")]
    pub shutdown_timeout: Duration,
    /// Bearer token for the admin endpoints (`/admin/…`); unset, they do not exist.
    pub admin_token: Option<Redacted>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            shutdown_timeout: Duration::from_secs(10),
            admin_token: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SiteConfig {
    pub title: String,
    pub tagline: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        Self {
            title: "csfeed".into(),
            tagline: "Children's services news for professionals working with children in England".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    pub data_dir: PathBuf,
    /// `postgres://…`: the record of truth in PostgreSQL instead of SQLite under `data_dir`
    /// (a secret: it may carry a password).
    pub database_url: Option<Redacted>,
    /// The SQLite file, when it is not `data_dir/csfeed.sqlite3`: a web replica on the
    /// writer's machine reads the writer's file and keeps its own index in its own data_dir.
    pub database_file: Option<PathBuf>,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_file: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchSettings {
    pub contact_url: String,
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub stall_timeout: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub concurrency: usize,
    pub per_host_concurrency: usize,
    #[serde(with = "humantime_serde")]
    pub min_host_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub max_crawl_delay: Duration,
    pub obey_robots: bool,
    #[serde(with = "humantime_serde")]
    pub robots_ttl: Duration,
    #[serde(with = "humantime_serde")]
    pub robots_retry: Duration,
    #[serde(with = "humantime_serde")]
    pub max_retry_after: Duration,
    #[serde(with = "humantime_serde")]
    pub default_interval: Duration,
    #[serde(with = "humantime_serde")]
    pub max_backoff: Duration,
    #[serde(with = "humantime_serde")]
    pub scheduler_tick: Duration,
    /// How long a writer's claim on a source lasts without renewal: another writer takes a
    /// crashed one's sources over after this.
    #[serde(with = "humantime_serde")]
    pub lease_ttl: Duration,
}

impl Default for FetchSettings {
    fn default() -> Self {
        // The limits are the fetch crate's own defaults; only scheduling is decided here.
        let limits = csfeed_fetch::FetchConfig::default();
        Self {
            contact_url: "https://github.com/csfeed/csfeed".into(),
            connect_timeout: limits.connect_timeout,
            request_timeout: limits.request_timeout,
            stall_timeout: limits.stall_timeout,
            max_body_bytes: limits.max_body_bytes,
            max_redirects: limits.max_redirects,
            concurrency: limits.global_concurrency,
            per_host_concurrency: limits.per_host_concurrency,
            min_host_interval: limits.min_host_interval,
            max_crawl_delay: limits.max_crawl_delay,
            obey_robots: limits.obey_robots,
            robots_ttl: limits.robots_ttl,
            robots_retry: limits.robots_retry,
            max_retry_after: limits.max_retry_after,
            default_interval: Duration::from_secs(30 * 60),
            max_backoff: Duration::from_secs(24 * 60 * 60),
            scheduler_tick: Duration::from_secs(30),
            lease_ttl: Duration::from_secs(120),
        }
    }
}

impl FetchSettings {
    /// The fetch crate's view of these settings.
    pub fn to_fetch_config(&self) -> csfeed_fetch::FetchConfig {
        csfeed_fetch::FetchConfig {
            user_agent: format!("csfeed/{} (+{})", env!("CARGO_PKG_VERSION"), self.contact_url),
            robots_token: "csfeed".to_owned(),
            connect_timeout: self.connect_timeout,
            request_timeout: self.request_timeout,
            stall_timeout: self.stall_timeout,
            max_body_bytes: self.max_body_bytes,
            max_redirects: self.max_redirects,
            global_concurrency: self.concurrency,
            per_host_concurrency: self.per_host_concurrency,
            min_host_interval: self.min_host_interval,
            max_crawl_delay: self.max_crawl_delay,
            obey_robots: self.obey_robots,
            robots_ttl: self.robots_ttl,
            robots_retry: self.robots_retry,
            max_retry_after: self.max_retry_after,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSettings {
    pub id: SourceId,
    pub name: String,
    pub url: String,
    #[serde(default = "feed_kind")]
    pub kind: SourceKind,
    #[serde(default, with = "humantime_serde")]
    pub interval: Option<Duration>,
    #[serde(default = "enabled")]
    pub enabled: bool,
    #[serde(default)]
    pub full_text: bool,
    #[serde(default)]
    pub html: Option<csfeed_core::HtmlSelectors>,
    #[serde(default)]
    pub authorities: Vec<String>,
}

fn feed_kind() -> SourceKind {
    SourceKind::Feed
}

fn enabled() -> bool {
    true
}

/// Settings together with where they came from.
#[derive(Debug, Clone)]
pub struct LoadedSettings {
    pub settings: Settings,
    /// The main config file, if any; relative `file:` source URLs resolve against its folder.
    pub origin: Option<PathBuf>,
}

impl LoadedSettings {
    /// Loads `explicit` (or the default files), then environment overrides.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Self> {
        let mut files: Vec<PathBuf> = Vec::new();
        match explicit {
            Some(path) => {
                if !path.is_file() {
                    bail!(
                        "config file {} does not exist (check the --config path)",
                        path.display()
                    );
                }
                files.push(path.to_owned());
            }
            None => {
                for candidate in [DEFAULT_CONFIG, LOCAL_CONFIG] {
                    if Path::new(candidate).is_file() {
                        files.push(PathBuf::from(candidate));
                    }
                }
            }
        }
        let mut builder = config::Config::builder();
        for file in &files {
            builder = builder.add_source(config::File::from(file.as_path()).format(config::FileFormat::Toml));
        }
        builder = builder.add_source(
            config::Environment::with_prefix("CSFEED")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        );
        let described = if files.is_empty() {
            "built-in defaults".to_owned()
        } else {
            files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .with_context(|| format!("invalid configuration in {described}"))?;
        Ok(Self {
            settings,
            origin: files.into_iter().next(),
        })
    }

    /// The data directory: `--data-dir`, else `storage.data_dir`.
    pub fn data_dir(&self, flag: Option<&Path>) -> PathBuf {
        flag.map(Path::to_path_buf)
            .unwrap_or_else(|| self.settings.storage.data_dir.clone())
    }

    /// The configured sources, validated: unique ids, usable URLs.
    pub fn sources(&self) -> anyhow::Result<Vec<Source>> {
        let base_dir = self
            .origin
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut sources: Vec<Source> = Vec::with_capacity(self.settings.sources.len());
        for configured in &self.settings.sources {
            if sources.iter().any(|s| s.id == configured.id) {
                bail!(
                    "source id {:?} is used twice in the config; ids must be unique",
                    configured.id.as_str()
                );
            }
            let url = resolve_source_url(&configured.url, &base_dir)
                .with_context(|| format!("source {:?}", configured.id.as_str()))?;
            let id = configured.id.as_str();
            match (configured.kind, &configured.html) {
                (SourceKind::Html, None) => bail!(
                    "source {id:?} has kind = \"html\" but no [sources.html] table: give at least the item, title and link selectors"
                ),
                (SourceKind::Html, Some(selectors)) => {
                    csfeed_ingest::CompiledSelectors::compile(selectors)
                        .with_context(|| format!("source {id:?}"))?;
                }
                (SourceKind::Feed | SourceKind::Judgments, Some(_)) => bail!(
                    "source {id:?} has a [sources.html] table but kind = \"{}\": set kind = \"html\" or remove the table",
                    configured.kind.as_str()
                ),
                (SourceKind::Feed | SourceKind::Judgments | SourceKind::Ofsted, None) => {}
                (SourceKind::Ofsted, Some(_)) => {
                    bail!("source {id:?} is kind = \"ofsted\" and takes no [sources.html] table")
                }
            }
            if configured.kind == SourceKind::Ofsted && !configured.url.contains("{urn}") {
                bail!(
                    "source {id:?} is kind = \"ofsted\": its url must contain {{urn}} where the council's provider URN goes, e.g. \"https://reports.ofsted.gov.uk/provider/44/{{urn}}\""
                );
            }
            for slug in &configured.authorities {
                if csfeed_core::Gazetteer::get().find(slug).is_none() {
                    bail!(
                        "source {id:?}: {slug:?} in authorities is not an English local authority (use slugs such as \"st-helens\")"
                    );
                }
            }
            sources.push(Source {
                id: configured.id.clone(),
                name: configured.name.clone(),
                url,
                kind: configured.kind,
                interval: configured
                    .interval
                    .unwrap_or(self.settings.fetch.default_interval),
                enabled: configured.enabled,
                options: csfeed_core::SourceOptions {
                    full_text: configured.full_text,
                    html: configured.html.clone(),
                    authorities: configured.authorities.clone(),
                },
            });
        }
        Ok(sources)
    }
}

/// Parses a source URL. `file:relative/path` (no slashes after the colon) is resolved
/// against the config file's folder, so a checked-out repo's demo works from anywhere.
fn resolve_source_url(raw: &str, base_dir: &Path) -> anyhow::Result<Url> {
    let raw = raw.trim();
    if let Some(relative) = raw.strip_prefix("file:").filter(|rest| !rest.starts_with('/')) {
        let joined = base_dir.join(relative);
        // Canonical when the file exists, so /sources shows a tidy path; absolute otherwise
        // (the fetch will then report the missing file).
        let absolute = std::fs::canonicalize(&joined)
            .or_else(|_| std::path::absolute(&joined))
            .with_context(|| format!("cannot resolve {}", joined.display()))?;
        return Url::from_file_path(&absolute)
            .map_err(|()| anyhow::anyhow!("{} is not a usable file path", absolute.display()));
    }
    let url = Url::parse(raw).with_context(|| format!("{raw:?} is not a valid URL"))?;
    match url.scheme() {
        "http" | "https" | "file" => Ok(url),
        other => bail!("URL scheme {other:?} is not supported in {raw:?}: use http, https or file"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_configs_are_valid() {
        for file in ["config/default.toml", "config/demo.toml"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
            let loaded =
                LoadedSettings::load(Some(&path)).unwrap_or_else(|error| panic!("{file}: {error:#}"));
            let sources = loaded.sources().unwrap();
            assert!(!sources.is_empty(), "{file} has sources");
        }
        let demo = LoadedSettings::load(Some(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("config/demo.toml"),
        ))
        .unwrap();
        for source in demo.sources().unwrap() {
            let urls: Vec<Url> = if source.kind == SourceKind::Ofsted {
                source
                    .options
                    .authorities
                    .iter()
                    .filter_map(|slug| csfeed_core::Gazetteer::get().find(slug))
                    .map(|la| Url::parse(&source.url.as_str().replace("%7Burn%7D", &la.urn)).unwrap())
                    .collect()
            } else {
                vec![source.url.clone()]
            };
            for url in urls {
                let path = url.to_file_path().unwrap();
                assert!(
                    path.is_file(),
                    "demo source {} points at a missing file {}",
                    source.id,
                    path.display()
                );
            }
        }
    }

    /// Every `html` source shipped in `config/default.toml` reads its saved page shape in
    /// `tests/fixtures/sources/<id>.html`: stories with headlines and links on its site.
    #[test]
    fn the_html_sources_read_their_saved_page_shapes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = LoadedSettings::load(Some(&root.join("config/default.toml"))).unwrap();
        let html_sources: Vec<Source> = loaded
            .sources()
            .unwrap()
            .into_iter()
            .filter(|source| source.kind == SourceKind::Html)
            .collect();
        assert!(!html_sources.is_empty());
        for source in html_sources {
            let shape = root.join(format!("tests/fixtures/sources/{}.html", source.id));
            let html = std::fs::read_to_string(&shape)
                .unwrap_or_else(|error| panic!("{}: no saved page shape ({error})", source.id));
            let selectors = source
                .options
                .html
                .as_ref()
                .expect("an html source has selectors");
            let compiled = csfeed_ingest::CompiledSelectors::compile(selectors).unwrap();
            let listing =
                csfeed_ingest::parse_listing(&html, &source.url, &compiled, chrono::Utc::now()).unwrap();
            assert!(listing.items.len() >= 2, "{}: {:?}", source.id, listing.items);
            for item in &listing.items {
                assert!(!item.title.is_empty(), "{}: {item:?}", source.id);
                assert_eq!(
                    item.url.host_str(),
                    source.url.host_str(),
                    "{}: {item:?}",
                    source.id
                );
            }
        }
    }

    #[test]
    fn relative_file_urls_resolve_against_the_config_folder() {
        let url = resolve_source_url("file:../demo/feeds/x.rss", Path::new("/srv/csfeed/config")).unwrap();
        assert_eq!(url.as_str(), "file:///srv/csfeed/config/../demo/feeds/x.rss");
        let url = resolve_source_url("file:///abs/x.rss", Path::new("/ignored")).unwrap();
        assert_eq!(url.as_str(), "file:///abs/x.rss");
        assert!(resolve_source_url("ftp://x/y", Path::new("/")).is_err());
        assert!(resolve_source_url("not a url", Path::new("/")).is_err());
    }
}
