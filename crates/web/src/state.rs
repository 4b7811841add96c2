//! What every handler can reach.

use std::sync::Arc;

use csfeed_search::SearchIndex;
use csfeed_store::Store;
use url::Url;

use crate::AppError;
use crate::feed_cache::FeedCache;

/// How the site presents itself.
#[derive(Debug, Clone)]
pub struct SiteSettings {
    /// Site name in the header, page titles and feeds.
    pub title: String,
    /// One line under the title.
    pub tagline: String,
    /// The public address of the site, for absolute links in feeds. When `None`, the
    /// request's `Host` header is used.
    pub public_url: Option<Url>,
}

/// Shared state: the store, the index reader and the site settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The record of truth.
    pub store: Store,
    /// The search index (read side).
    pub index: Arc<SearchIndex>,
    /// Presentation settings.
    pub site: Arc<SiteSettings>,
    /// Renders `/metrics`, when a Prometheus recorder is installed.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// Rendered, compressed feeds of the current index generation.
    pub feeds: Arc<FeedCache>,
    /// Email subscriptions (the subscribe form, confirm and manage pages), when enabled.
    pub subscriptions: Option<Arc<Subscriptions>>,
    /// The bearer token the admin endpoints require; `None` turns them off.
    pub admin_token: Option<Arc<AdminToken>>,
}

/// The admin bearer token. `Debug` does not show it.
pub struct AdminToken(pub String);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken([redacted])")
    }
}

impl AdminToken {
    /// Whether `presented` is the token, compared in constant time.
    pub fn accepts(&self, presented: &str) -> bool {
        let (expected, presented) = (self.0.as_bytes(), presented.as_bytes());
        expected.len() == presented.len()
            && !expected.is_empty()
            && expected
                .iter()
                .zip(presented)
                .fold(0u8, |difference, (a, b)| difference | (a ^ b))
                == 0
    }
}

/// What the subscription pages need: a mailer for confirmation emails and the signer and
/// public address for links.
#[derive(Debug)]
pub struct Subscriptions {
    /// Sends confirmation emails.
    pub mailer: csfeed_digest::Mailer,
    /// Signs and checks links; the site's public address.
    pub links: csfeed_digest::Links,
}

impl AppState {
    /// Runs blocking store or index work off the async runtime.
    pub(crate) async fn blocking<T, F>(&self, work: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&AppState) -> Result<T, AppError> + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || work(&state))
            .await
            .map_err(|error| AppError::Internal(format!("background task failed: {error}")))?
    }
}
