//! Digest runs started at the same moment (cron on two machines) send each subscriber's
//! period once: a real store opened twice (as two processes would), a real index and a real
//! SMTP server that is slow to accept each message, so the runs overlap.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use csfeed_digest::{DeliveryLease, DigestOptions, Frequency, Links, Mailer, Signer, SmtpSettings, TlsMode};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response};

const SUBSCRIBERS: usize = 12;

#[derive(Clone, Default)]
struct Recorder {
    delivered: Arc<Mutex<Vec<String>>>,
    to: Vec<String>,
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        OK
    }

    fn data_end(&mut self) -> Response {
        // A slow server keeps each run busy, so the other run meets its claims.
        std::thread::sleep(Duration::from_millis(50));
        self.delivered.lock().unwrap().append(&mut self.to);
        OK
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap()
}

async fn run(store: &Store, index: &Arc<SearchIndex>, port: u16, holder: &str) -> csfeed_digest::Summary {
    let settings = SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        tls: TlsMode::None,
        username: None,
        password: None,
        max_per_second: 0.0,
        timeout: Duration::from_secs(20),
    };
    let mailer = Mailer::smtp("csfeed <digest@csfeed.test>", &settings).unwrap();
    let links = Links {
        site: url::Url::parse("http://csfeed.test/").unwrap(),
        signer: Signer::new(b"test key"),
    };
    let options = DigestOptions {
        frequency: Frequency::Daily,
        dry_run: false,
        limit: None,
        send_empty: true,
        site_title: "Test Digest".into(),
        now: now(),
        lease: DeliveryLease {
            holder: holder.into(),
            ttl: Duration::from_secs(60),
        },
    };
    csfeed_digest::run_digest(store, index, &mailer, &links, &options, &|_, _| {})
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runs_started_together_send_each_subscriber_one_digest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.sqlite3");
    let store = Store::open(&path).unwrap();
    let index = SearchIndex::open(&dir.path().join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(&store).unwrap();
    let index = Arc::new(index);
    let yesterday = now() - chrono::Duration::days(1);
    for n in 0..SUBSCRIBERS {
        let id = store
            .subscribe(
                &format!("reader{n}@example.org"),
                "daily",
                "fostering",
                "Fostering",
                yesterday,
            )
            .unwrap()
            .subscriber
            .id;
        store.confirm_subscriber(id, yesterday, yesterday).unwrap();
    }
    let recorder = Recorder::default();
    let delivered = Arc::clone(&recorder.delivered);
    let port = csfeed_testkit::serve_smtp(recorder);
    let other = Store::open(&path).unwrap();

    let (first, second) = tokio::join!(
        run(&store, &index, port, "machine-a"),
        run(&other, &index, port, "machine-b")
    );

    let mut delivered = delivered.lock().unwrap().clone();
    delivered.sort();
    let before = delivered.len();
    delivered.dedup();
    assert_eq!(before, SUBSCRIBERS, "one digest each: {delivered:?}");
    assert_eq!(delivered.len(), SUBSCRIBERS);
    assert_eq!(first.sent + second.sent, SUBSCRIBERS, "{first:?} {second:?}");
    assert_eq!(first.sent + first.skipped, SUBSCRIBERS, "{first:?}");
    assert_eq!(second.sent + second.skipped, SUBSCRIBERS, "{second:?}");
    assert_eq!(first.failed + second.failed, 0);
}
