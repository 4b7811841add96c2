//! Why a fetch failed, in words an operator can act on.

use std::time::Duration;

/// A failed fetch. `Display` is one line, suitable for the source's "last error".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The server answered with a status that is not success, redirect or 304.
    #[error("HTTP {status}{}{}", reason.map(|r| format!(" {r}")).unwrap_or_default(), retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    Status {
        /// The HTTP status code.
        status: u16,
        /// Its canonical reason phrase, when it has one.
        reason: Option<&'static str>,
        /// For 429 and 503: how long the server asked us to wait (capped).
        retry_after: Option<Duration>,
    },
    /// robots.txt forbids the URL (or could not be read, which RFC 9309 says to treat as
    /// "disallow everything").
    #[error("blocked by robots.txt: {0}")]
    BlockedByRobots(String),
    /// The host did not answer the request for its robots.txt (the inner error says how),
    /// so nothing else was requested from it.
    #[error("{0} (while fetching robots.txt)")]
    HostDown(String),
    /// Nothing listens at the address, or TLS failed.
    #[error("connection failed: {0}")]
    Connect(String),
    /// A connect, stall or whole-request timeout ran out.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The body grew past the configured cap.
    #[error(
        "response body is larger than the {limit_bytes}-byte limit (raise fetch.max_body_bytes if this source is trusted)"
    )]
    TooLarge {
        /// The cap that was hit.
        limit_bytes: u64,
    },
    /// More redirects than allowed, a loop, or a redirect without a usable `Location`.
    #[error("redirect problem: {0}")]
    Redirect(String),
    /// The URL's scheme is not http, https or file.
    #[error("unsupported URL scheme {0:?}: use http, https or file")]
    UnsupportedScheme(String),
    /// A local file could not be read.
    #[error("cannot read {path}: {message}")]
    File {
        /// The file's path.
        path: String,
        /// What the OS said.
        message: String,
    },
    /// Any other transport failure.
    #[error("request failed: {0}")]
    Request(String),
}

impl FetchError {
    /// The HTTP status behind this error, if the server answered at all.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked us to wait before trying again, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A short label for metrics and logs ("status", "timeout", "robots"...).
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Status { .. } => "status",
            FetchError::BlockedByRobots(_) => "robots",
            FetchError::Connect(_) | FetchError::HostDown(_) => "connect",
            FetchError::Timeout(_) => "timeout",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Redirect(_) => "redirect",
            FetchError::UnsupportedScheme(_) => "scheme",
            FetchError::File { .. } => "file",
            FetchError::Request(_) => "request",
        }
    }

    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        let detail = innermost_cause(&error);
        if error.is_timeout() || detail.contains("timed out") {
            FetchError::Timeout(detail)
        } else if error.is_connect() {
            FetchError::Connect(detail)
        } else {
            FetchError::Request(detail)
        }
    }
}

/// reqwest's own message is generic ("error sending request"); the useful part is the
/// deepest cause ("Connection refused (os error 111)").
fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string().replace('\n', " ")
}
