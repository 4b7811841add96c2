//! The fetcher: one HTTP client behind the host gate and robots cache, plus `file://`.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::politeness::HostGate;
use crate::robots::{MAX_ROBOTS_BYTES, RobotsCache, RobotsPolicy};
use crate::{FetchConfig, FetchError, local, retry_after};

/// What csfeed asks for: feeds first, then anything (pages, PDFs).
const ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, text/html;q=0.7, */*;q=0.5";
/// Redirects followed when fetching robots.txt (RFC 9309 §2.3.1.2 asks for at least five).
const ROBOTS_REDIRECTS: usize = 5;

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
    /// Where the body came from after redirects.
    pub final_url: Url,
    /// Set when every redirect on the way was permanent (301/308): the source has moved.
    pub permanent_redirect: Option<Url>,
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
        /// Set when every redirect on the way was permanent (301/308).
        permanent_redirect: Option<Url>,
    },
}

/// A response body saved to a file by [`Fetcher::download`].
#[derive(Debug, Clone)]
pub struct Downloaded {
    /// Bytes written (decompressed).
    pub bytes: u64,
    /// The `Content-Type` header, when there was one.
    pub content_type: Option<String>,
    /// Where the body came from after redirects.
    pub final_url: Url,
}

/// A final answer whose body is still to be read.
struct Answer {
    /// The response to read the body from (none for "not modified").
    response: Option<reqwest::Response>,
    /// The host's slot, held until the body has been read.
    _permit: crate::politeness::HostPermit,
    /// Everything but the body, or "not modified".
    outcome: FetchOutcome,
    /// When the whole fetch must be done, body included.
    deadline: tokio::time::Instant,
}

/// Fetches URLs politely and within limits. Cheap to clone; share one per process so that
/// the per-host limits and the robots cache cover every request.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
    gate: Arc<HostGate>,
    robots: Arc<RobotsCache>,
}

impl Fetcher {
    /// Builds the HTTP client for `config`.
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .read_timeout(config.stall_timeout)
            // Redirects are followed by hand, so each hop passes robots and politeness.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(FetchError::from_reqwest)?;
        let gate = HostGate::new(
            config.global_concurrency,
            config.per_host_concurrency,
            config.min_host_interval,
            config.max_crawl_delay,
        );
        Ok(Self {
            client,
            config: Arc::new(config),
            gate: Arc::new(gate),
            robots: Arc::new(RobotsCache::default()),
        })
    }

    /// Shares per-host request slots with other processes through `shared`. Call before the
    /// first fetch: the host gate is rebuilt empty.
    pub fn with_shared_host_slots(mut self, shared: Arc<dyn crate::politeness::SharedHostSlots>) -> Self {
        let gate = HostGate::new(
            self.config.global_concurrency,
            self.config.per_host_concurrency,
            self.config.min_host_interval,
            self.config.max_crawl_delay,
        );
        self.gate = Arc::new(gate.with_shared_slots(shared));
        self
    }

    /// The limits this fetcher applies.
    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    /// Fetches `url`, conditionally when `previous` holds validators.
    pub async fn fetch(&self, url: &Url, previous: &Validators) -> Result<FetchOutcome, FetchError> {
        let started = Instant::now();
        let result = match url.scheme() {
            "http" | "https" => self.fetch_http(url, previous).await,
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| FetchError::UnsupportedScheme(format!("{url} (not a local file path)")))?;
                local::fetch_file(&path, previous, self.config.max_body_bytes).await
            }
            other => Err(FetchError::UnsupportedScheme(other.to_owned())),
        };
        record_metrics(outcome_label(&result), started);
        result
    }

    /// Fetches `url` into the file at `path` (created or emptied), a chunk at a time, so a
    /// large body (a report's PDF) is never held in memory; the same politeness, limits and
    /// body cap as [`Fetcher::fetch`]. On failure the file may hold part of the body.
    pub async fn download(&self, url: &Url, path: &std::path::Path) -> Result<Downloaded, FetchError> {
        let file_error = |error: std::io::Error| FetchError::File {
            path: path.display().to_string(),
            message: error.to_string(),
        };
        let mut file = tokio::fs::File::create(path).await.map_err(file_error)?;
        if url.scheme() == "file" {
            // Local files are read whole by the same path as every other fetch.
            let FetchOutcome::Fetched(fetched) = self.fetch(url, &Validators::default()).await? else {
                return Err(not_modified());
            };
            file.write_all(&fetched.body).await.map_err(file_error)?;
            file.flush().await.map_err(file_error)?;
            return Ok(Downloaded {
                bytes: fetched.body.len() as u64,
                content_type: fetched.content_type,
                final_url: fetched.final_url,
            });
        }
        let started = Instant::now();
        let result = async {
            let answer = self.answer(url, &Validators::default()).await?;
            let (Some(mut response), FetchOutcome::Fetched(head)) = (answer.response, answer.outcome) else {
                return Err(not_modified());
            };
            let limit = self.config.max_body_bytes;
            let bytes = self
                .within(answer.deadline, write_body(&mut response, limit, &mut file, path))
                .await?;
            metrics::counter!("csfeed_fetch_bytes_total").increment(bytes);
            Ok(Downloaded {
                bytes,
                content_type: head.content_type,
                final_url: head.final_url,
            })
        }
        .await;
        record_metrics(
            result.as_ref().map_or_else(FetchError::kind, |_| "fetched"),
            started,
        );
        result
    }

    async fn fetch_http(&self, url: &Url, previous: &Validators) -> Result<FetchOutcome, FetchError> {
        let answer = self.answer(url, previous).await?;
        match (answer.response, answer.outcome) {
            (Some(mut response), FetchOutcome::Fetched(mut fetched)) => {
                let limit = self.config.max_body_bytes;
                fetched.body = self
                    .within(answer.deadline, read_body(&mut response, limit, false))
                    .await?;
                metrics::counter!("csfeed_fetch_bytes_total").increment(fetched.body.len() as u64);
                Ok(FetchOutcome::Fetched(fetched))
            }
            (_, outcome) => Ok(outcome),
        }
    }

    /// Follows redirects to the final answer, checked for its status, its body not read.
    async fn answer(&self, url: &Url, previous: &Validators) -> Result<Answer, FetchError> {
        let mut current = url.clone();
        let mut visited = vec![url.clone()];
        let mut all_permanent = true;
        // One time budget for every hop and the whole body (reqwest's own timeout starts
        // again with each redirect). Only time spent with the server counts: waiting for the
        // host to let us in, behind other fetches of the same host, is politeness, not
        // slowness, on the first hop and on every later one.
        let mut budget = self.config.request_timeout;
        loop {
            self.check_robots(&current).await?;
            let permit = self.gate.enter(&current).await;
            let hop_started = tokio::time::Instant::now();
            let deadline = hop_started + budget;
            let response = self.within(deadline, self.get(&current, previous)).await?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&current, response.headers(), status)?;
                drop(permit);
                if visited.contains(&next) {
                    let chain: Vec<&str> = visited.iter().map(Url::as_str).collect();
                    return Err(FetchError::Redirect(format!(
                        "redirect loop: {} -> {next}",
                        chain.join(" -> ")
                    )));
                }
                if visited.len() > self.config.max_redirects {
                    return Err(FetchError::Redirect(format!(
                        "more than {} redirects (last to {next})",
                        self.config.max_redirects
                    )));
                }
                all_permanent &= matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                visited.push(next.clone());
                current = next;
                budget = budget.saturating_sub(hop_started.elapsed());
                continue;
            }
            let moved = (visited.len() > 1 && all_permanent).then(|| current.clone());
            let outcome = self.head(&response, previous, current, moved)?;
            let response = matches!(outcome, FetchOutcome::Fetched(_)).then_some(response);
            return Ok(Answer {
                response,
                _permit: permit,
                outcome,
                deadline,
            });
        }
    }

    /// Runs one step of a fetch unless the whole fetch's deadline passes first.
    async fn within<T>(
        &self,
        deadline: tokio::time::Instant,
        step: impl Future<Output = Result<T, FetchError>>,
    ) -> Result<T, FetchError> {
        tokio::time::timeout_at(deadline, step).await.unwrap_or_else(|_| {
            Err(FetchError::Timeout(format!(
                "no complete response within {} s, redirects included (fetch.request_timeout)",
                self.config.request_timeout.as_secs()
            )))
        })
    }

    async fn get(&self, url: &Url, previous: &Validators) -> Result<reqwest::Response, FetchError> {
        let mut request = self.client.get(url.clone()).header(header::ACCEPT, ACCEPT);
        if let Some(etag) = &previous.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &previous.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, last_modified);
        }
        request.send().await.map_err(FetchError::from_reqwest)
    }

    /// What a final response says before its body: "not modified", an error status, or
    /// the headers of a body to read.
    fn head(
        &self,
        response: &reqwest::Response,
        previous: &Validators,
        final_url: Url,
        permanent_redirect: Option<Url>,
    ) -> Result<FetchOutcome, FetchError> {
        let status = response.status();
        let header_text = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let sent = Validators {
            etag: header_text(header::ETAG),
            last_modified: header_text(header::LAST_MODIFIED),
        };
        if status == StatusCode::NOT_MODIFIED {
            // A 304 may omit validators; the old ones stay valid then.
            let validators = Validators {
                etag: sent.etag.or_else(|| previous.etag.clone()),
                last_modified: sent.last_modified.or_else(|| previous.last_modified.clone()),
            };
            return Ok(FetchOutcome::NotModified {
                validators,
                permanent_redirect,
            });
        }
        if !status.is_success() {
            let retry_after = matches!(
                status,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
            .then(|| header_text(header::RETRY_AFTER))
            .flatten()
            .and_then(|value| retry_after::parse(&value, SystemTime::now(), self.config.max_retry_after));
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason: status.canonical_reason(),
                retry_after,
            });
        }
        Ok(FetchOutcome::Fetched(Fetched {
            body: Bytes::new(),
            content_type: header_text(header::CONTENT_TYPE),
            status: Some(status.as_u16()),
            validators: sent,
            final_url,
            permanent_redirect,
        }))
    }

    async fn check_robots(&self, url: &Url) -> Result<(), FetchError> {
        if !self.config.obey_robots {
            return Ok(());
        }
        let policy = self
            .robots
            .policy(url, |robots_url| self.load_robots(robots_url))
            .await;
        if let RobotsPolicy::HostDown(error) = policy.as_ref() {
            return Err(FetchError::Connect(format!(
                "{error} (while fetching robots.txt)"
            )));
        }
        self.gate.set_crawl_delay(url, policy.crawl_delay());
        policy.check(url).map_err(FetchError::BlockedByRobots)
    }

    /// Fetches and interprets one robots.txt, and says how long to keep the answer.
    async fn load_robots(&self, robots_url: Url) -> (RobotsPolicy, std::time::Duration) {
        let token = &self.config.robots_token;
        let mut current = robots_url;
        for _ in 0..=ROBOTS_REDIRECTS {
            let permit = self.gate.enter(&current).await;
            let mut response = match self.get(&current, &Validators::default()).await {
                Ok(response) => response,
                Err(error) => {
                    return (
                        RobotsPolicy::HostDown(error.to_string()),
                        self.config.robots_retry,
                    );
                }
            };
            let status = response.status();
            if status.is_redirection() {
                match redirect_target(&current, response.headers(), status) {
                    Ok(next) => {
                        drop(permit);
                        current = next;
                        continue;
                    }
                    Err(_) => break,
                }
            }
            let body = if status.is_success() {
                match read_body(&mut response, MAX_ROBOTS_BYTES as u64, true).await {
                    Ok(body) => body,
                    Err(error) => {
                        let policy =
                            RobotsPolicy::Unreachable(format!("robots.txt could not be read ({error})"));
                        return (policy, self.config.robots_retry);
                    }
                }
            } else {
                Bytes::new()
            };
            let policy = RobotsPolicy::from_response(token, status.as_u16(), &body);
            let keep_for = match policy {
                RobotsPolicy::Unreachable(_) | RobotsPolicy::HostDown(_) => self.config.robots_retry,
                _ => self.config.robots_ttl,
            };
            return (policy, keep_for);
        }
        // Too many redirects: RFC 9309 §2.3.1.2 treats that as unavailable.
        (RobotsPolicy::AllowAll, self.config.robots_ttl)
    }
}

/// The absolute http(s) URL a redirect points to.
fn redirect_target(current: &Url, headers: &HeaderMap, status: StatusCode) -> Result<Url, FetchError> {
    let location = headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| FetchError::Redirect(format!("HTTP {} without a Location header", status.as_u16())))?;
    let next = current
        .join(location.trim())
        .map_err(|_| FetchError::Redirect(format!("unusable Location {location:?}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(FetchError::Redirect(format!("redirect to a non-web URL {next}")));
    }
    Ok(next)
}

/// Reads a body chunk by chunk (decompressed), stopping at `limit` bytes: with an error,
/// or, when `truncate`, by keeping only the first `limit` bytes.
async fn read_body(
    response: &mut reqwest::Response,
    limit: u64,
    truncate: bool,
) -> Result<Bytes, FetchError> {
    if !truncate && response.content_length().is_some_and(|length| length > limit) {
        return Err(FetchError::TooLarge { limit_bytes: limit });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(FetchError::from_reqwest)? {
        let room = (limit as usize).saturating_sub(body.len());
        if chunk.len() > room {
            if truncate {
                body.extend_from_slice(&chunk[..room]);
                break;
            }
            return Err(FetchError::TooLarge { limit_bytes: limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Writes a body to `file` chunk by chunk (decompressed), failing past `limit` bytes.
async fn write_body(
    response: &mut reqwest::Response,
    limit: u64,
    file: &mut tokio::fs::File,
    path: &std::path::Path,
) -> Result<u64, FetchError> {
    if response.content_length().is_some_and(|length| length > limit) {
        return Err(FetchError::TooLarge { limit_bytes: limit });
    }
    let file_error = |error: std::io::Error| FetchError::File {
        path: path.display().to_string(),
        message: error.to_string(),
    };
    let mut written = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(FetchError::from_reqwest)? {
        written += chunk.len() as u64;
        if written > limit {
            return Err(FetchError::TooLarge { limit_bytes: limit });
        }
        file.write_all(&chunk).await.map_err(file_error)?;
    }
    file.flush().await.map_err(file_error)?;
    Ok(written)
}

/// A download asks with no validators, so "not modified" is the server's mistake.
fn not_modified() -> FetchError {
    FetchError::Status {
        status: 304,
        reason: Some("Not Modified (to a request that was not conditional)"),
        retry_after: None,
    }
}

/// The metrics label of a fetch's outcome.
fn outcome_label(result: &Result<FetchOutcome, FetchError>) -> &'static str {
    match result {
        Ok(FetchOutcome::Fetched(_)) => "fetched",
        Ok(FetchOutcome::NotModified { .. }) => "not_modified",
        Err(error) => error.kind(),
    }
}

fn record_metrics(outcome: &'static str, started: Instant) {
    metrics::counter!("csfeed_fetches_total", "outcome" => outcome).increment(1);
    metrics::histogram!("csfeed_fetch_duration_seconds").record(started.elapsed().as_secs_f64());
}
