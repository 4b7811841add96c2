//! robots.txt per RFC 9309, cached per origin.
//!
//! - 2xx: the rules for our product token (or `*`), longest match wins, Allow wins ties
//!   (parsed by `texting_robots`); at most 500 KiB is read. Trusted for `robots_ttl`.
//! - 4xx ("unavailable"): everything is allowed.
//! - 5xx, 429 or no answer ("unreachable"): everything is disallowed, and robots.txt is
//!   asked for again after `robots_retry` (so one bad answer blocks a host for a while,
//!   not forever). When the host does not answer at all, the fetch reports that network
//!   error rather than a robots block, since that is what the operator must fix.
//! - `Crawl-delay` (not in the RFC, but common) raises the host's request gap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use texting_robots::Robot;
use tokio::time::Instant;
use url::Url;

/// Bytes of robots.txt parsed; RFC 9309 asks for at least 500 KiB.
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

/// What a host's robots.txt says about us.
#[derive(Debug)]
pub enum RobotsPolicy {
    /// No usable robots.txt (4xx): everything is allowed.
    AllowAll,
    /// robots.txt answered with a server error: nothing may be fetched for now.
    Unreachable(String),
    /// The host did not answer at all (the request for robots.txt failed); the error
    /// says why, and nothing may be fetched for now.
    HostDown(String),
    /// The parsed rules for our user agent.
    Rules(Box<Robot>),
}

impl RobotsPolicy {
    /// Interprets a robots.txt response: its status and (for 2xx) its body.
    pub fn from_response(token: &str, status: u16, body: &[u8]) -> Self {
        match status {
            200..=299 => {
                let body = &body[..body.len().min(MAX_ROBOTS_BYTES)];
                match Robot::new(token, body) {
                    Ok(robot) => RobotsPolicy::Rules(Box::new(robot)),
                    // Unparseable rules are no rules (RFC 9309 §2.3.1.5: use what parses).
                    Err(_) => RobotsPolicy::AllowAll,
                }
            }
            429 => RobotsPolicy::Unreachable("robots.txt answered HTTP 429".into()),
            400..=499 => RobotsPolicy::AllowAll,
            _ => RobotsPolicy::Unreachable(format!("robots.txt answered HTTP {status}")),
        }
    }

    /// Whether `url` may be fetched; the reason when not.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        match self {
            RobotsPolicy::AllowAll => Ok(()),
            RobotsPolicy::Unreachable(why) | RobotsPolicy::HostDown(why) => {
                Err(format!("{why}, so the whole site is off limits for now"))
            }
            RobotsPolicy::Rules(robot) => {
                if robot.allowed(url.as_str()) {
                    Ok(())
                } else {
                    Err(format!("{} is disallowed for our user agent", url.path()))
                }
            }
        }
    }

    /// The Crawl-delay the rules ask for.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            RobotsPolicy::Rules(robot) => robot
                .delay
                .filter(|delay| delay.is_finite() && *delay > 0.0)
                .map(|delay| Duration::from_secs_f32(delay.min(86_400.0))),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Cached {
    policy: Arc<RobotsPolicy>,
    expires: Instant,
}

/// robots.txt policies by origin, each fetched at most once per expiry even when many
/// sources on one host ask at the same time.
#[derive(Debug, Default)]
pub struct RobotsCache {
    origins: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Cached>>>>>,
}

impl RobotsCache {
    /// The cached policy for `url`'s origin, or the one `load` produces (with how long to
    /// keep it), loaded by one caller while others for the same origin wait.
    pub async fn policy<F, Fut>(&self, url: &Url, load: F) -> Arc<RobotsPolicy>
    where
        F: FnOnce(Url) -> Fut,
        Fut: std::future::Future<Output = (RobotsPolicy, Duration)>,
    {
        let origin = url.origin().ascii_serialization();
        let slot = {
            let mut origins = self.origins.lock().unwrap_or_else(PoisonError::into_inner);
            origins.entry(origin.clone()).or_default().clone()
        };
        let mut cached = slot.lock().await;
        if let Some(entry) = cached.as_ref()
            && entry.expires > Instant::now()
        {
            return entry.policy.clone();
        }
        let robots_url = Url::parse(&format!("{origin}/robots.txt")).unwrap_or_else(|_| url.clone());
        let (policy, keep_for) = load(robots_url).await;
        let policy = Arc::new(policy);
        *cached = Some(Cached {
            policy: policy.clone(),
            expires: Instant::now() + keep_for,
        });
        policy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    const ROBOTS: &[u8] = b"User-agent: *\nDisallow: /\n\nUser-agent: csfeed\nDisallow: /private/\nAllow: /private/feed.xml\nCrawl-delay: 5\n";

    #[test]
    fn our_group_applies_and_the_longest_match_wins() {
        let policy = RobotsPolicy::from_response("csfeed", 200, ROBOTS);
        assert!(policy.check(&url("https://x.example/news/feed")).is_ok());
        assert!(policy.check(&url("https://x.example/private/feed.xml")).is_ok());
        let blocked = policy.check(&url("https://x.example/private/other")).unwrap_err();
        assert!(blocked.contains("/private/other"), "{blocked}");
        assert!(policy.check(&url("https://x.example/robots.txt")).is_ok());
        assert_eq!(policy.crawl_delay(), Some(Duration::from_secs(5)));
        let others = RobotsPolicy::from_response("otherbot", 200, ROBOTS);
        assert!(others.check(&url("https://x.example/news/feed")).is_err());
    }

    #[test]
    fn status_codes_follow_rfc_9309() {
        assert!(
            RobotsPolicy::from_response("csfeed", 404, b"")
                .check(&url("https://x.example/a"))
                .is_ok()
        );
        assert!(
            RobotsPolicy::from_response("csfeed", 410, b"")
                .check(&url("https://x.example/a"))
                .is_ok()
        );
        for status in [429, 500, 503] {
            let policy = RobotsPolicy::from_response("csfeed", status, b"");
            assert!(policy.check(&url("https://x.example/a")).is_err(), "{status}");
        }
        let garbage: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let _ = RobotsPolicy::from_response("csfeed", 200, &garbage).check(&url("https://x.example/a"));
    }

    #[tokio::test(start_paused = true)]
    async fn policies_are_cached_per_origin_until_they_expire() {
        let cache = RobotsCache::default();
        let loads = std::sync::atomic::AtomicUsize::new(0);
        let load = |_url: Url| {
            loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async { (RobotsPolicy::AllowAll, Duration::from_secs(60)) }
        };
        cache.policy(&url("https://a.example/1"), load).await;
        cache.policy(&url("https://a.example/2"), load).await;
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 1);
        cache.policy(&url("https://b.example/1"), load).await;
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 2);
        tokio::time::advance(Duration::from_secs(61)).await;
        cache.policy(&url("https://a.example/1"), load).await;
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 3);
    }
}
