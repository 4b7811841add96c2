//! Per-host politeness: a cap on requests in flight per host, a minimum gap between
//! requests to one host (raised by robots.txt `Crawl-delay`), and a global cap across hosts.
//!
//! Every request csfeed makes — feeds, pages, PDFs, robots.txt — passes through
//! [`HostGate::enter`], so the limits hold however many sources share a host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// The politeness limits and the state of every host seen so far.
#[derive(Debug)]
pub struct HostGate {
    global: Arc<Semaphore>,
    per_host: usize,
    min_interval: Duration,
    max_crawl_delay: Duration,
    hosts: Mutex<HashMap<String, Arc<HostState>>>,
    shared: Option<Arc<dyn SharedHostSlots>>,
}

/// Request slots shared with other csfeed processes (the binary keeps them in the store),
/// so that several fetch workers together are as polite to a host as one.
pub trait SharedHostSlots: Send + Sync + std::fmt::Debug {
    /// Reserves the next request to `host` (a [`host_key`]), at least `gap` after the last
    /// one any process reserved; answers how long to wait before sending it. Blocking.
    fn reserve(&self, host: &str, gap: Duration) -> Result<Duration, String>;
}

#[derive(Debug)]
struct HostState {
    in_flight: Arc<Semaphore>,
    timing: Mutex<HostTiming>,
}

#[derive(Debug, Clone, Copy)]
struct HostTiming {
    /// Earliest time the next request to this host may start.
    next_start: Instant,
    /// The host's robots.txt Crawl-delay, if it set one.
    crawl_delay: Option<Duration>,
}

/// Permission to send one request to a host; dropping it starts the host's gap.
#[derive(Debug)]
pub struct HostPermit {
    host: Arc<HostState>,
    gap: Duration,
    _host_slot: OwnedSemaphorePermit,
    _global_slot: OwnedSemaphorePermit,
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        let mut timing = self.host.timing.lock().unwrap_or_else(PoisonError::into_inner);
        timing.next_start = timing.next_start.max(Instant::now() + self.gap);
    }
}

impl HostGate {
    /// Limits: `global` requests in flight in all, `per_host` to one host, and at least
    /// `min_interval` (or the host's Crawl-delay, capped at `max_crawl_delay`) between the
    /// end of one request to a host and the start of the next.
    pub fn new(global: usize, per_host: usize, min_interval: Duration, max_crawl_delay: Duration) -> Self {
        Self {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_host: per_host.max(1),
            min_interval,
            max_crawl_delay,
            hosts: Mutex::new(HashMap::new()),
            shared: None,
        }
    }

    /// Also queues every request behind `shared`, the slots of other processes.
    pub fn with_shared_slots(mut self, shared: Arc<dyn SharedHostSlots>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Waits until a request to `url`'s host is allowed, then holds a slot for it.
    pub async fn enter(&self, url: &Url) -> HostPermit {
        let key = host_key(url);
        let host = self.host(&key);
        // Queue per host first, so requests waiting on a slow host hold no global slot.
        let host_slot = acquire(&host.in_flight).await;
        let (next_start, gap) = {
            let timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
            (timing.next_start, self.gap(timing.crawl_delay))
        };
        tokio::time::sleep_until(next_start).await;
        if let Some(shared) = &self.shared {
            tokio::time::sleep(reserve_shared(shared, key, gap).await).await;
        }
        let global_slot = acquire(&self.global).await;
        HostPermit {
            host,
            gap,
            _host_slot: host_slot,
            _global_slot: global_slot,
        }
    }

    /// Records a host's robots.txt `Crawl-delay`.
    pub fn set_crawl_delay(&self, url: &Url, delay: Option<Duration>) {
        let host = self.host(&host_key(url));
        let mut timing = host.timing.lock().unwrap_or_else(PoisonError::into_inner);
        timing.crawl_delay = delay;
    }

    fn gap(&self, crawl_delay: Option<Duration>) -> Duration {
        crawl_delay.map_or(self.min_interval, |delay| {
            delay.min(self.max_crawl_delay).max(self.min_interval)
        })
    }

    fn host(&self, key: &str) -> Arc<HostState> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        hosts
            .entry(key.to_owned())
            .or_insert_with(|| {
                Arc::new(HostState {
                    in_flight: Arc::new(Semaphore::new(self.per_host)),
                    timing: Mutex::new(HostTiming {
                        next_start: Instant::now(),
                        crawl_delay: None,
                    }),
                })
            })
            .clone()
    }
}

/// Reserves a shared slot off the async threads (the store is blocking). A store that
/// cannot answer must not stop fetching: this process's own gate still holds.
async fn reserve_shared(shared: &Arc<dyn SharedHostSlots>, key: String, gap: Duration) -> Duration {
    let shared = Arc::clone(shared);
    let reserved = tokio::task::spawn_blocking(move || shared.reserve(&key, gap)).await;
    match reserved {
        Ok(Ok(wait)) => wait,
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "cannot reserve a shared host slot; keeping this process's gap only");
            Duration::ZERO
        }
        Err(error) => {
            tracing::warn!(error = %error, "shared host slot task failed");
            Duration::ZERO
        }
    }
}

async fn acquire(semaphore: &Arc<Semaphore>) -> OwnedSemaphorePermit {
    // Acquiring fails only on a closed semaphore, and these are never closed.
    semaphore
        .clone()
        .acquire_owned()
        .await
        .expect("politeness semaphores are never closed")
}

/// The politeness key: host and port (`news.example:443`).
pub fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(raw: &str) -> Url {
        Url::parse(raw).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_per_host_at_a_time_with_a_gap() {
        let gate = Arc::new(HostGate::new(
            8,
            1,
            Duration::from_secs(2),
            Duration::from_secs(60),
        ));
        let started = Instant::now();
        let first = gate.enter(&url("https://a.example/1")).await;
        let second_gate = gate.clone();
        let second = tokio::spawn(async move {
            let _permit = second_gate.enter(&url("https://a.example/2")).await;
            Instant::now()
        });
        let other_host = gate.enter(&url("https://b.example/1")).await;
        assert_eq!(Instant::now(), started, "another host is not held up");
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(first);
        let second_started = second.await.unwrap();
        assert_eq!(
            second_started - started,
            Duration::from_secs(7),
            "waits for the first to end, then the gap"
        );
        drop(other_host);
    }

    #[tokio::test(start_paused = true)]
    async fn crawl_delay_raises_the_gap_up_to_the_cap() {
        let gate = HostGate::new(8, 1, Duration::from_secs(1), Duration::from_secs(30));
        let target = url("https://slow.example/feed");
        gate.set_crawl_delay(&target, Some(Duration::from_secs(3600)));
        let started = Instant::now();
        drop(gate.enter(&target).await);
        drop(gate.enter(&target).await);
        assert_eq!(Instant::now() - started, Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn the_global_limit_holds_across_hosts() {
        let gate = HostGate::new(1, 1, Duration::ZERO, Duration::ZERO);
        let held = gate.enter(&url("https://a.example/")).await;
        let waiting =
            tokio::time::timeout(Duration::from_secs(1), gate.enter(&url("https://b.example/"))).await;
        assert!(waiting.is_err(), "a second host waits for the global slot");
        drop(held);
        let _ = gate.enter(&url("https://b.example/")).await;
    }
}
