//! The fetcher: one configured HTTP client plus the `file://` reader.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use url::Url;

use crate::{FetchError, local};

/// Limits and identity for every request csfeed makes.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The `User-Agent` header: the service's name and a contact URL.
    pub user_agent: String,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole request, body included.
    pub request_timeout: Duration,
    /// Longest wait for the next bytes of a response before giving up.
    pub stall_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: concat!("csfeed/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(20),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
        }
    }
}

/// HTTP cache validators from a previous response, sent back as a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` header, verbatim.
    pub etag: Option<String>,
    /// The `Last-Modified` header, verbatim.
    pub last_modified: Option<String>,
}

/// A successful response body with what is needed to interpret it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body, decompressed.
    pub body: Bytes,
    /// The `Content-Type` header, when there was one (never for files).
    pub content_type: Option<String>,
    /// The HTTP status (`None` for files).
    pub status: Option<u16>,
    /// Validators to send next time.
    pub validators: Validators,
}

/// What a fetch produced.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// New content.
    Fetched(Fetched),
    /// The content has not changed since the validators were issued (HTTP 304, or a file
    /// with the same size and modification time).
    NotModified {
        /// Validators to keep for next time (refreshed when the server sent new ones).
        validators: Validators,
    },
}

/// Fetches URLs within the configured limits. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
}

impl Fetcher {
    /// Builds the HTTP client for `config`.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .read_timeout(config.stall_timeout)
            .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
            .build()
            .map_err(FetchError::from_reqwest)?;
        Ok(Self { client, config })
    }

    /// Fetches `url`, conditionally when `previous` holds validators.
    pub async fn fetch(&self, url: &Url, previous: &Validators) -> Result<FetchOutcome, FetchError> {
        match url.scheme() {
            "http" | "https" => self.fetch_http(url, previous).await,
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| FetchError::UnsupportedScheme(format!("{url} (not a local file path)")))?;
                local::fetch_file(&path, previous, self.config.max_body_bytes).await
            }
            other => Err(FetchError::UnsupportedScheme(other.to_owned())),
        }
    }

    async fn fetch_http(&self, url: &Url, previous: &Validators) -> Result<FetchOutcome, FetchError> {
        let mut request = self.client.get(url.clone()).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
        );
        if let Some(etag) = &previous.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &previous.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(FetchError::from_reqwest)?;
        let status = response.status();
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let sent = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        if status == reqwest::StatusCode::NOT_MODIFIED {
            // A 304 may omit validators; the old ones stay valid then.
            let validators = Validators {
                etag: sent.etag.or_else(|| previous.etag.clone()),
                last_modified: sent.last_modified.or_else(|| previous.last_modified.clone()),
            };
            return Ok(FetchOutcome::NotModified { validators });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason: status.canonical_reason(),
            });
        }
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let limit = self.config.max_body_bytes;
        if response.content_length().is_some_and(|length| length > limit) {
            return Err(FetchError::TooLarge { limit_bytes: limit });
        }
        let mut body = BytesMut::new();
        while let Some(chunk) = response.chunk().await.map_err(FetchError::from_reqwest)? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(FetchError::TooLarge { limit_bytes: limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Fetched(Fetched {
            body: body.freeze(),
            content_type,
            status: Some(status.as_u16()),
            validators: sent,
        }))
    }
}
