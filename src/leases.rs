//! Working beside other csfeed writers on the same store: who this process is, doing a piece
//! of work only while holding its lease, and per-host request slots shared through the store.

use std::future::Future;
use std::time::Duration;

use chrono::Utc;
use csfeed_store::Store;
use tracing::warn;

/// A name for this process in lease rows (see [`csfeed_store::process_holder`]).
pub fn holder_id() -> String {
    csfeed_store::process_holder()
}

/// Runs `work` only if this process can take the lease `name`, which is renewed until the
/// work ends and then given up. `None` when another holder has it (or the store cannot say:
/// doing the work twice is what leases are for avoiding).
pub async fn while_leased<T>(
    store: &Store,
    name: String,
    holder: &str,
    ttl: Duration,
    work: impl Future<Output = T>,
) -> Option<T> {
    let (shared, holder) = (store.clone(), holder.to_owned());
    let guard = match tokio::task::spawn_blocking(move || shared.hold_lease(&name, &holder, ttl)).await {
        Ok(Ok(guard)) => guard?,
        Ok(Err(error)) => {
            warn!(error = %error, "cannot take a lease");
            return None;
        }
        Err(error) => {
            warn!(error = %error, "lease task failed");
            return None;
        }
    };
    let result = work.await;
    drop(guard);
    Some(result)
}

/// The fetcher's per-host slots, kept in the store so every writer process shares them.
#[derive(Debug)]
pub struct StoreHostSlots(pub Store);

impl csfeed_fetch::SharedHostSlots for StoreHostSlots {
    fn reserve(&self, host: &str, gap: Duration) -> Result<Duration, String> {
        let now = Utc::now();
        let slot = self
            .0
            .reserve_host_slot(host, now, gap)
            .map_err(|error| error.to_string())?;
        Ok((slot - now).to_std().unwrap_or(Duration::ZERO))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use csfeed_fetch::{FetchConfig, Fetcher, Validators};
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// Two fetchers (as two processes would have) over one store: four requests to one host,
    /// two from each at once, start at least a gap apart, so they take three gaps at least
    /// (each fetcher on its own would let its pair through one gap apart).
    #[tokio::test(flavor = "multi_thread")]
    async fn fetchers_sharing_a_store_keep_one_hosts_gap_between_them() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<rss/>"))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        let gap = Duration::from_millis(300);
        let fetcher = || {
            let config = FetchConfig {
                min_host_interval: gap,
                obey_robots: false,
                ..FetchConfig::default()
            };
            Fetcher::new(config)
                .unwrap()
                .with_shared_host_slots(Arc::new(StoreHostSlots(store.clone())))
        };
        let (first, second) = (fetcher(), fetcher());
        let url = url::Url::parse(&format!("{}/feed", server.uri())).unwrap();
        let started = Instant::now();
        let fetch_twice = |fetcher: Fetcher| {
            let url = url.clone();
            async move {
                for _ in 0..2 {
                    fetcher.fetch(&url, &Validators::default()).await.unwrap();
                }
            }
        };
        tokio::join!(fetch_twice(first), fetch_twice(second));
        assert!(
            started.elapsed() >= gap * 3,
            "four requests to one host in {:?}",
            started.elapsed()
        );
        assert_eq!(server.received_requests().await.unwrap().len(), 4);
    }
}
