//! Addresses the mail server refuses for good: a real SMTP server (mailin-embedded, in this
//! process) answers 550 for one domain; the digest counts the refusal once per period,
//! suspends the subscriber after three periods in a row, and never counts a run in which
//! every send was refused (the server's fault, not the addresses').

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use csfeed_digest::{DigestOptions, Frequency, Links, Mailer, Signer, SmtpSettings, Summary, TlsMode};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use mailin_embedded::response::{NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response};

#[derive(Default)]
struct Mailbox {
    /// Domains whose recipients get 550 at RCPT.
    refused: Vec<String>,
    /// Every RCPT address, accepted or not.
    attempts: Vec<String>,
    /// Recipients of accepted messages.
    delivered: Vec<String>,
}

#[derive(Clone)]
struct Recorder {
    state: Arc<Mutex<Mailbox>>,
    to: Vec<String>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        let mut state = self.state.lock().unwrap();
        state.attempts.push(to.to_owned());
        let refused = state.refused.iter().any(|domain| to.contains(domain.as_str()));
        if refused { NO_MAILBOX } else { OK }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        OK
    }

    fn data_end(&mut self) -> Response {
        self.state.lock().unwrap().delivered.append(&mut self.to);
        OK
    }
}

fn smtp_server() -> (u16, Arc<Mutex<Mailbox>>) {
    let state = Arc::new(Mutex::new(Mailbox::default()));
    let port = csfeed_testkit::serve_smtp(Recorder {
        state: Arc::clone(&state),
        to: Vec::new(),
    });
    (port, state)
}

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap() + chrono::Duration::days(n)
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    index: Arc<SearchIndex>,
    port: u16,
    mailbox: Arc<Mutex<Mailbox>>,
}

impl Setup {
    async fn run(&self, now: DateTime<Utc>) -> Summary {
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: self.port,
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
            now,
            lease: csfeed_digest::DeliveryLease {
                holder: "test".into(),
                ttl: Duration::from_secs(60),
            },
        };
        csfeed_digest::run_digest(&self.store, &self.index, &mailer, &links, &options, &|_, _| {})
            .await
            .unwrap()
    }

    fn attempts_to(&self, address: &str) -> usize {
        let mailbox = self.mailbox.lock().unwrap();
        mailbox.attempts.iter().filter(|to| to.contains(address)).count()
    }
}

fn setup(addresses: &[&str]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
    let index = SearchIndex::open(&dir.path().join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(&store).unwrap();
    for address in addresses {
        let id = store
            .subscribe(address, "daily", "fostering", "Fostering", day(-1))
            .unwrap()
            .subscriber
            .id;
        store.confirm_subscriber(id, day(-1), day(-1)).unwrap();
    }
    let (port, mailbox) = smtp_server();
    Setup {
        _dir: dir,
        store,
        index: Arc::new(index),
        port,
        mailbox,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_refused_three_days_running_is_suspended() {
    let setup = setup(&["ok@example.org", "gone@refused.example"]);
    setup
        .mailbox
        .lock()
        .unwrap()
        .refused
        .push("refused.example".into());

    for n in 0..2 {
        let summary = setup.run(day(n)).await;
        assert_eq!(
            (summary.sent, summary.failed, summary.suspended),
            (1, 1, 0),
            "day {n}: {summary:?}"
        );
    }
    let rerun = setup.run(day(1) + chrono::Duration::hours(2)).await;
    assert_eq!(
        (rerun.failed, rerun.suspended),
        (1, 0),
        "a rerun the same day counts once: {rerun:?}"
    );
    let third = setup.run(day(2)).await;
    assert_eq!(
        (third.sent, third.failed, third.suspended),
        (1, 1, 1),
        "{third:?}"
    );

    let gone = setup
        .store
        .subscriber_by_email("gone@refused.example")
        .unwrap()
        .unwrap();
    assert!(gone.suspended_at.is_some() && !gone.is_active(), "{gone:?}");
    let attempts = setup.attempts_to("gone@refused.example");
    let fourth = setup.run(day(3)).await;
    assert_eq!((fourth.sent, fourth.failed), (1, 0), "{fourth:?}");
    assert_eq!(
        setup.attempts_to("gone@refused.example"),
        attempts,
        "nothing more is sent to it"
    );
    let ok = setup
        .store
        .subscriber_by_email("ok@example.org")
        .unwrap()
        .unwrap();
    assert!(ok.is_active() && ok.refused_periods == 0, "{ok:?}");
    assert_eq!(
        setup.mailbox.lock().unwrap().delivered.len(),
        4,
        "one digest a day to ok@"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_refuses_everyone_suspends_no_one() {
    let setup = setup(&["one@example.org", "two@example.org"]);
    setup.mailbox.lock().unwrap().refused.push("example.org".into());
    for n in 0..4 {
        let summary = setup.run(day(n)).await;
        assert_eq!(
            (summary.sent, summary.failed, summary.suspended),
            (0, 2, 0),
            "day {n}: {summary:?}"
        );
    }
    for address in ["one@example.org", "two@example.org"] {
        let subscriber = setup.store.subscriber_by_email(address).unwrap().unwrap();
        assert!(
            subscriber.is_active() && subscriber.refused_periods == 0,
            "{subscriber:?}"
        );
    }
    setup.mailbox.lock().unwrap().refused.clear();
    let recovered = setup.run(day(4)).await;
    assert_eq!(recovered.sent, 2, "{recovered:?}");
}
