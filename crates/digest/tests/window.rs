//! What a digest carries: news of its window only (never history first seen in it), each
//! story once with its other outlets, undated items said to be undated, and grade-change
//! alerts with the council's current grade. A real store, index and SMTP server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Grade, InspectionRecord, Source, SourceId, SourceKind};
use csfeed_digest::{DigestOptions, Frequency, Links, Mailer, Signer, SmtpSettings, TlsMode};
use csfeed_search::{OpenMode, SearchIndex};
use csfeed_store::Store;
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response};
use url::Url;

const ST_HELENS: &str = "E08000013";

#[derive(Clone, Default)]
struct Recorder {
    messages: Arc<Mutex<Vec<Vec<u8>>>>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, _to: &[String]) -> Response {
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.messages.lock().unwrap().push(std::mem::take(&mut self.data));
        OK
    }
}

/// The digest run's clock: 08:00 on 5 December 2026.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap()
}

fn hours_ago(hours: i64) -> DateTime<Utc> {
    now() - chrono::Duration::hours(hours)
}

fn source(id: &str) -> Source {
    Source {
        id: SourceId::parse(id).unwrap(),
        name: format!("{} News", id.to_uppercase()),
        url: Url::parse(&format!("https://{id}.example/feed")).unwrap(),
        kind: SourceKind::Feed,
        interval: Duration::from_secs(1800),
        enabled: true,
        options: Default::default(),
    }
}

fn story(source: &str, guid: &str, title: &str, text: &str, published: Option<DateTime<Utc>>) -> Article {
    let url = format!("https://{source}.example/{}", guid.replace(':', "-"));
    let source = SourceId::parse(source).unwrap();
    Article {
        id: ArticleId::derive(&source, guid),
        source,
        guid: guid.into(),
        url: Some(Url::parse(&url).unwrap()),
        title: title.into(),
        published,
        updated: None,
        authors: vec![],
        summary: text.chars().take(120).collect(),
        content_html: format!("<p>{text}</p>"),
        content_text: text.into(),
        local_authorities: vec![ST_HELENS.into()],
        topics: vec!["ofsted-inspections".into()],
    }
}

fn inspection(url: &str, published: NaiveDate, grade: Grade) -> InspectionRecord {
    InspectionRecord {
        report_url: url.into(),
        urn: "80001".into(),
        gss_code: Some(ST_HELENS.into()),
        kind: "ilacs_standard".into(),
        visit_start: None,
        visit_end: None,
        published: Some(published),
        lead_inspector: None,
        inspectors: vec![],
        judgements: [("overall_effectiveness".to_owned(), grade)]
            .into_iter()
            .collect(),
        headline: None,
        priority_actions: Vec::new(),
        improvements: Vec::new(),
        origin: "report".into(),
    }
}

fn midnight(year: i32, month: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, 0, 0, 0).unwrap()
}

const LETTER: &str = "Ofsted inspectors found St Helens gives a consistent and effective service to children in need and those on protection plans, in a focused visit letter.";

/// St Helens' whole history, first seen in the last hour (a first ingest), and the day's news.
fn stocked_store(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("db.sqlite3")).unwrap();
    store
        .sync_sources(&[source("ofsted"), source("one"), source("two"), source("three")])
        .unwrap();
    store
        .upsert_inspections(&[
            inspection(
                "https://ofsted.example/2019",
                NaiveDate::from_ymd_opt(2019, 11, 4).unwrap(),
                Grade::Inadequate,
            ),
            inspection(
                "https://ofsted.example/2023",
                NaiveDate::from_ymd_opt(2023, 3, 2).unwrap(),
                Grade::Good,
            ),
        ])
        .unwrap();
    let history = [
        story(
            "ofsted",
            "https://ofsted.example/2019",
            "Inspection of St Helens children's services: inadequate",
            "Services are inadequate.",
            Some(midnight(2019, 11, 4)),
        ),
        story(
            "ofsted",
            "alert:https://ofsted.example/2019",
            "St Helens children's services now judged inadequate (was requires improvement to be good)",
            "Now inadequate.",
            Some(midnight(2019, 11, 4)),
        ),
        story(
            "ofsted",
            "https://ofsted.example/2023",
            "Inspection of St Helens children's services: good",
            "Services are good.",
            Some(midnight(2023, 3, 2)),
        ),
        story(
            "ofsted",
            "alert:https://ofsted.example/2023",
            "St Helens children's services improved to good (was inadequate)",
            "Now good.",
            Some(midnight(2023, 3, 2)),
        ),
        story(
            "one",
            "2015",
            "St Helens budget pressures in 2015",
            "An old story about St Helens.",
            Some(midnight(2015, 6, 1)),
        ),
    ];
    store.upsert_articles(&history, hours_ago(1)).unwrap();
    // Today's news: one letter reported by two outlets, and an undated explainer.
    store
        .upsert_articles(
            &[story(
                "one",
                "letter",
                "Ofsted letter praises St Helens",
                LETTER,
                Some(hours_ago(10)),
            )],
            hours_ago(9),
        )
        .unwrap();
    store
        .upsert_articles(
            &[story(
                "two",
                "letter",
                "St Helens keeps up strong practice, Ofsted letter says",
                LETTER,
                Some(hours_ago(8)),
            )],
            hours_ago(7),
        )
        .unwrap();
    store
        .upsert_articles(
            &[story(
                "three",
                "plo",
                "Explainer: what the Public Law Outline means for St Helens families",
                "The PLO explained.",
                None,
            )],
            hours_ago(6),
        )
        .unwrap();
    store
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_digest_carries_the_windows_news_once_and_no_history() {
    let dir = tempfile::tempdir().unwrap();
    let store = stocked_store(dir.path());
    let index = SearchIndex::open(&dir.path().join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(&store).unwrap();
    let id = store
        .subscribe(
            "sw@example.org",
            "daily",
            "la:\"St Helens\"",
            "St Helens",
            hours_ago(2),
        )
        .unwrap()
        .subscriber
        .id;
    store.confirm_subscriber(id, hours_ago(2), hours_ago(2)).unwrap();

    let recorder = Recorder::default();
    let messages = Arc::clone(&recorder.messages);
    let port = csfeed_testkit::serve_smtp(recorder);
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
        site: Url::parse("http://csfeed.test/").unwrap(),
        signer: Signer::new(b"test key"),
    };
    let options = DigestOptions {
        frequency: Frequency::Daily,
        dry_run: false,
        limit: None,
        send_empty: false,
        site_title: "Test Digest".into(),
        now: now(),
        lease: csfeed_digest::DeliveryLease {
            holder: "test".into(),
            ttl: Duration::from_secs(60),
        },
    };
    let summary = csfeed_digest::run_digest(&store, &Arc::new(index), &mailer, &links, &options, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.sent, 1, "{summary:?}");

    let raw = messages.lock().unwrap()[0].clone();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let subject = message.subject().unwrap_or_default().to_owned();
    let text = message.body_text(0).unwrap().into_owned();
    let html = message.body_html(0).unwrap().into_owned();
    assert!(
        subject.contains("2 new stories"),
        "the letter once and the explainer: {subject}\n{text}"
    );
    for history in ["inadequate", "improved to good", "2015", "2019", "2023"] {
        assert!(
            !text.contains(history),
            "history first seen today is not news: {history:?} in\n{text}"
        );
    }
    assert_eq!(text.matches("letter").count(), 1, "one story, one entry:\n{text}");
    assert!(text.contains("Also reported by"), "{text}");
    assert!(
        html.contains("Also reported by <a href=\"http://csfeed.test/articles/"),
        "the other outlet's report is a link: {html}"
    );
    assert!(text.contains("Undated · first seen 5 December 2026"), "{text}");
    let (letter, explainer) = (text.find("letter").unwrap(), text.find("Explainer").unwrap());
    assert!(letter < explainer, "undated items come after dated news:\n{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grade_change_in_the_window_is_shown_with_the_councils_current_grade() {
    let dir = tempfile::tempdir().unwrap();
    let store = stocked_store(dir.path());
    store
        .upsert_inspections(&[inspection(
            "https://ofsted.example/2026",
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            Grade::Outstanding,
        )])
        .unwrap();
    store_alert(
        &store,
        "St Helens children's services improved to outstanding (was good)",
        "Now outstanding.",
    );
    let text = ofsted_follower_digest(&store, dir.path()).await;
    assert!(text.contains("improved to outstanding"), "{text}");
    assert!(
        text.contains("Current overall grade: Outstanding (report published 4 December 2026)"),
        "{text}"
    );
    assert!(
        !text.contains("improved to good"),
        "the 2023 change is history:\n{text}"
    );
}

/// Stores the alert for the 2026 St Helens report, published on 4 December 2026 and seen
/// three hours ago.
fn store_alert(store: &Store, title: &str, summary: &str) {
    store
        .upsert_articles(
            &[story(
                "ofsted",
                "alert:https://ofsted.example/2026",
                title,
                summary,
                Some(midnight(2026, 12, 4)),
            )],
            hours_ago(3),
        )
        .unwrap();
}

/// Runs the daily digest for one follower of the Ofsted topic over `store` and returns the
/// text of the email it sent.
async fn ofsted_follower_digest(store: &Store, dir: &std::path::Path) -> String {
    let index = SearchIndex::open(&dir.join("index"), OpenMode::ReadWrite).unwrap();
    index.catch_up(store).unwrap();
    let id = store
        .subscribe(
            "sw@example.org",
            "daily",
            "topic:ofsted-inspections",
            "Ofsted",
            hours_ago(2),
        )
        .unwrap()
        .subscriber
        .id;
    store.confirm_subscriber(id, hours_ago(2), hours_ago(2)).unwrap();
    let summary = csfeed_digest::run_digest(
        store,
        &Arc::new(index),
        &Mailer::outbox("csfeed <digest@csfeed.test>", dir.join("outbox")).unwrap(),
        &Links {
            site: Url::parse("http://csfeed.test/").unwrap(),
            signer: Signer::new(b"test key"),
        },
        &DigestOptions {
            frequency: Frequency::Daily,
            dry_run: false,
            limit: None,
            send_empty: false,
            site_title: "Test Digest".into(),
            now: now(),
            lease: csfeed_digest::DeliveryLease {
                holder: "test".into(),
                ttl: Duration::from_secs(60),
            },
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(summary.sent, 1, "{summary:?}");
    let sent = std::fs::read_dir(dir.join("outbox"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let raw = std::fs::read(sent).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    message.body_text(0).unwrap().into_owned()
}

#[tokio::test]
async fn a_council_under_the_2026_framework_is_shown_with_its_judgements_not_an_older_grade() {
    let dir = tempfile::tempdir().unwrap();
    let store = stocked_store(dir.path());
    let reformed = InspectionRecord {
        judgements: [
            ("impact_of_leaders".to_owned(), Grade::Good),
            ("help_and_protection".to_owned(), Grade::Good),
        ]
        .into_iter()
        .collect(),
        ..inspection(
            "https://ofsted.example/2026",
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            Grade::Good,
        )
    };
    store
        .upsert_inspections(&[
            inspection(
                "https://ofsted.example/2023",
                NaiveDate::from_ymd_opt(2023, 5, 25).unwrap(),
                Grade::Inadequate,
            ),
            reformed,
        ])
        .unwrap();
    store_alert(
        &store,
        "St Helens children's services given 1 area for priority action",
        "Priority action.",
    );
    let text = ofsted_follower_digest(&store, dir.path()).await;
    assert!(text.contains("no overall grade (2026 framework)"), "{text}");
    assert!(!text.contains("Current overall grade: Inadequate"), "{text}");
}
