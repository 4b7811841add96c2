//! Limits and identity for every request.

use std::time::Duration;

/// Limits and identity for every request csfeed makes. Every field has a safe default.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// The `User-Agent` header: the service's name, version and a contact URL.
    pub user_agent: String,
    /// The product token matched against robots.txt `User-agent` lines.
    pub robots_token: String,
    /// Time allowed to establish a connection.
    pub connect_timeout: Duration,
    /// Time allowed for the whole request, body included.
    pub request_timeout: Duration,
    /// Longest wait for the next bytes of a response (headers or body) before giving up.
    pub stall_timeout: Duration,
    /// Largest body accepted, counted after decompression.
    pub max_body_bytes: u64,
    /// Most redirects followed for one request.
    pub max_redirects: usize,
    /// Requests in flight at once, across all hosts.
    pub global_concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host_concurrency: usize,
    /// Least time between the end of one request to a host and the start of the next.
    pub min_host_interval: Duration,
    /// Largest robots.txt `Crawl-delay` honoured (longer ones are capped to this).
    pub max_crawl_delay: Duration,
    /// Whether to obey robots.txt (turn off only for sources you operate yourself).
    pub obey_robots: bool,
    /// How long a fetched robots.txt is trusted.
    pub robots_ttl: Duration,
    /// How long an unreachable robots.txt (5xx, network error) blocks its host before
    /// it is tried again.
    pub robots_retry: Duration,
    /// Largest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            user_agent: concat!("csfeed/", env!("CARGO_PKG_VERSION")).to_owned(),
            robots_token: "csfeed".to_owned(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            stall_timeout: Duration::from_secs(20),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            global_concurrency: 16,
            per_host_concurrency: 1,
            min_host_interval: Duration::from_secs(1),
            max_crawl_delay: Duration::from_secs(60),
            obey_robots: true,
            robots_ttl: Duration::from_secs(24 * 60 * 60),
            robots_retry: Duration::from_secs(10 * 60),
            max_retry_after: Duration::from_secs(6 * 60 * 60),
        }
    }
}
