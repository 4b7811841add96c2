//! The email digest against a real SMTP server (mailin-embedded, in this process): the
//! double opt-in flow on the site, a daily digest with the right items and headers (parsed
//! back with mail-parser), a crash between two subscribers, idempotent re-runs, a refused
//! recipient, and unsubscribe.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::response::{INTERNAL_ERROR, NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response};

use crate::helpers::{COMMAND_TIMEOUT, DEMO_ITEMS, Workspace};

/// Stories in today's feed ([`todays_feed`]).
const TODAYS_ITEMS: usize = 3;

/// An RSS feed of today's news (dated two hours ago): the demo's stories are weeks old,
/// and a digest carries news, not history first seen today.
fn todays_feed(dir: &std::path::Path) -> std::path::PathBuf {
    let date = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc2822();
    let item = |guid: &str, title: &str, text: &str| {
        format!(
            "<item><guid>https://today.example/{guid}</guid><link>https://today.example/{guid}</link><title>{title}</title><description>{text}</description><pubDate>{date}</pubDate></item>"
        )
    };
    let feed = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Today</title><link>https://today.example/</link><description>Today's news</description>{}{}{}</channel></rss>",
        item(
            "st-helens",
            "Ofsted focused visit finds St Helens consistent today",
            "Inspectors found St Helens children's services consistent in a focused visit."
        ),
        item(
            "kinship",
            "Kinship carers win a new allowance",
            "Kinship carers will get a weekly allowance, the government said."
        ),
        item(
            "fostering",
            "Fostering households rise for the first time in years",
            "The number of fostering households rose this year."
        ),
    );
    let path = dir.join("today.rss");
    std::fs::write(&path, feed).unwrap();
    path
}

/// The demo's sources and today's feed.
fn news_workspace(feeds: &std::path::Path) -> Workspace {
    let mut sources = crate::web::demo_sources();
    sources.push(("today-news", format!("file://{}", todays_feed(feeds).display())));
    Workspace::new(&sources)
}

/// One message as the SMTP server received it.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    raw: Vec<u8>,
}

#[derive(Default)]
struct MailboxState {
    received: Vec<Received>,
    /// Recipients refused at RCPT (550).
    refused: Vec<String>,
    /// A recipient whose message hangs at the end of DATA until released (a stuck send).
    stall: Option<String>,
    stalled: bool,
}

#[derive(Clone)]
struct Recorder {
    state: Arc<Mutex<MailboxState>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Recorder {
    fn rcpt(&mut self, to: &str) -> Response {
        let refused = self
            .state
            .lock()
            .unwrap()
            .refused
            .iter()
            .any(|r| to.contains(r.as_str()));
        if refused { NO_MAILBOX } else { OK }
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let stall = {
            let mut state = self.state.lock().unwrap();
            let stall = state
                .stall
                .as_ref()
                .is_some_and(|stalled| self.to.iter().any(|to| to.contains(stalled.as_str())));
            if stall {
                state.stalled = true;
            }
            stall
        };
        if stall {
            // Hang like a server that never answers, until the test lets go; the message
            // is then refused, so only a later, complete send counts.
            while self.state.lock().unwrap().stall.is_some() {
                std::thread::sleep(Duration::from_millis(20));
            }
            return INTERNAL_ERROR;
        }
        self.state.lock().unwrap().received.push(Received {
            to: self.to.clone(),
            raw: std::mem::take(&mut self.data),
        });
        OK
    }
}

/// Starts the SMTP server on a free port; returns the port and its state.
fn start_smtp() -> (u16, Arc<Mutex<MailboxState>>) {
    let state = Arc::new(Mutex::new(MailboxState::default()));
    let port = csfeed_testkit::serve_smtp(Recorder {
        state: Arc::clone(&state),
        to: Vec::new(),
        data: Vec::new(),
    });
    (port, state)
}

fn messages_to(state: &Arc<Mutex<MailboxState>>, address: &str) -> Vec<Received> {
    state
        .lock()
        .unwrap()
        .received
        .iter()
        .filter(|message| message.to.iter().any(|to| to.contains(address)))
        .cloned()
        .collect()
}

/// Posts a URL-encoded form, as a browser submits one.
async fn post_form(
    client: &reqwest::Client,
    url: impl reqwest::IntoUrl,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    client
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable message")
}

/// The first link in the plain-text body that contains `path`.
fn link(raw: &[u8], path: &str) -> String {
    let message = parse(raw);
    let body = message.body_text(0).expect("a text part").into_owned();
    body.split_whitespace()
        .find(|word| word.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in {body}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn digests_are_confirmed_sent_once_resumed_after_a_crash_and_stopped_by_unsubscribe() {
    let (port, mailbox) = start_smtp();
    let feeds = tempfile::tempdir().unwrap();
    let workspace = news_workspace(feeds.path());
    let mut config = std::fs::read_to_string(workspace.config()).unwrap();
    config.push_str(&format!(
        "\n[server]\npublic_url = \"http://csfeed.test/\"\n\n[email]\nfrom = \"Test Digest <digest@csfeed.test>\"\n\n[email.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nmax_per_second = 0\ntimeout = \"60s\"\n"
    ));
    std::fs::write(workspace.config(), config).unwrap();

    // Sign up on the site: a confirmation email, and nothing else until it is followed.
    let server = workspace.serve().await;
    server
        .wait_for("the demo to be indexed", |health| {
            health["indexed"] == DEMO_ITEMS + TODAYS_ITEMS
        })
        .await;
    let (status, page) = server.get_text("/search?la=st-helens").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("action=\"/subscribe\"") && page.contains("value=\"la:st-helens\""),
        "{page}"
    );
    let client = reqwest::Client::new();
    let bad = post_form(
        &client,
        format!("{}/subscribe", server.url),
        "email=not-an-address&q=la%3Ast-helens",
    )
    .await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("not an email address"));
    let nowhere = post_form(
        &client,
        format!("{}/subscribe", server.url),
        "email=alice%40example.org&q=la%3A%22Nowhere%22",
    )
    .await;
    assert_eq!(nowhere.status(), 400, "a filter that names nothing is refused");
    assert!(
        nowhere
            .text()
            .await
            .unwrap()
            .contains("no English council called")
    );
    let signed_up = post_form(
        &client,
        format!("{}/subscribe", server.url),
        "email=alice%40example.org&q=la%3Ast-helens&frequency=daily",
    )
    .await;
    assert_eq!(signed_up.status(), 200);
    let answer = signed_up.text().await.unwrap();
    assert!(answer.contains("Check your inbox"), "{answer}");
    // Posting the form again (hammered, or by a bot) sends no second email for ten
    // minutes, and the page says the same words every time.
    for _ in 0..3 {
        let again = post_form(
            &client,
            format!("{}/subscribe", server.url),
            "email=alice%40example.org&q=la%3Ast-helens&frequency=daily",
        )
        .await;
        assert_eq!(again.status(), 200);
        assert_eq!(again.text().await.unwrap(), answer);
    }
    let confirmations = messages_to(&mailbox, "alice@example.org");
    assert_eq!(confirmations.len(), 1);
    let digest = workspace.run(&["digest", "--frequency", "daily"]).await;
    assert!(
        digest.stdout.contains("sent 0"),
        "nothing before confirmation: {digest:?}"
    );
    assert_eq!(messages_to(&mailbox, "alice@example.org").len(), 1);
    let confirmation_text = parse(&confirmations[0].raw).body_text(0).unwrap().into_owned();
    assert!(
        confirmation_text.contains("- St Helens") && !confirmation_text.contains("la:"),
        "follows are named in words: {confirmation_text}"
    );
    let confirm = link(&confirmations[0].raw, "/subscriptions/confirm?token=")
        .replace("http://csfeed.test", &server.url);
    // A mail scanner opening the link confirms nothing: the page only offers a button.
    let (status, review) = server.get_text(confirm.trim_start_matches(&server.url)).await;
    assert_eq!(status, 200);
    assert!(
        review.contains("method=\"post\" action=\"/subscriptions/confirm\"") && review.contains("St Helens"),
        "{review}"
    );
    let list = workspace.run(&["subscribers", "list", "--json"]).await;
    assert!(
        list.stdout.contains("awaiting confirmation"),
        "a GET confirms nothing: {list:?}"
    );
    let token = confirm.split("token=").nth(1).unwrap().to_owned();
    let confirmed = post_form(
        &client,
        format!("{}/subscriptions/confirm", server.url),
        format!("token={token}"),
    )
    .await;
    assert_eq!(confirmed.status(), 200);
    let confirmed = confirmed.text().await.unwrap();
    assert!(confirmed.contains("You are subscribed"), "{confirmed}");
    let (status, _) = server
        .get_text("/subscriptions/confirm?token=c.1.99999999999.forged")
        .await;
    assert_eq!(status, 400);

    // A stranger posting the form with Alice's address changes nothing she receives, and
    // is told exactly what a new address is told.
    for n in 0..30 {
        let stranger = post_form(
            &client,
            format!("{}/subscribe", server.url),
            format!("email=alice%40example.org&q=stranger+{n}&frequency=weekly"),
        )
        .await;
        assert_eq!(stranger.status(), 200);
        assert_eq!(stranger.text().await.unwrap(), answer);
    }
    let newcomer = post_form(
        &client,
        format!("{}/subscribe", server.url),
        "email=dave%40example.org&q=fostering&frequency=daily",
    )
    .await;
    let newcomer = newcomer.text().await.unwrap();
    let expected = answer.replace("a***@example.org", "d***@example.org");
    let differs = newcomer
        .lines()
        .zip(expected.lines())
        .find(|(got, want)| got != want);
    assert_eq!(differs, None, "the page does not tell who subscribes");
    let list = workspace.run(&["subscribers", "list", "--json"]).await;
    let rows: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let alice = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["email"].as_str().unwrap().starts_with('a'))
        .unwrap();
    assert_eq!(alice["frequency"], "daily", "{alice}");
    assert_eq!(alice["follows"], serde_json::json!(["la:st-helens"]), "{alice}");
    assert_eq!(messages_to(&mailbox, "alice@example.org").len(), 1);

    let refused = workspace
        .run(&[
            "subscribers",
            "add",
            "erin@example.org",
            "--follow",
            "la:\"Nowhere\"",
        ])
        .await;
    assert!(
        !refused.status.success() && refused.stderr.contains("no English council"),
        "{refused:?}"
    );

    // Two more subscribers added by the operator; the third's server refuses them.
    for (address, follow) in [
        ("bob@example.org", "topic:kinship-care"),
        ("carol@refused.example.org", "fostering"),
    ] {
        let added = workspace
            .run(&["subscribers", "add", address, "--follow", follow, "--confirmed"])
            .await;
        assert!(added.status.success(), "{added:?}");
    }
    mailbox.lock().unwrap().refused.push("refused.example.org".into());

    // Windows end just before the run's second (an item stored later in that same second
    // must fall in the next window, not be lost), so let this second pass.
    tokio::time::sleep(Duration::from_millis(1_100)).await;

    // A run that dies while sending Bob's digest (after Alice's went).
    mailbox.lock().unwrap().stall = Some("bob@example.org".into());
    let log = workspace.dir.path().join("digest.log");
    let mut crashed = tokio::process::Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["digest", "--frequency", "daily", "--config"])
        .arg(workspace.config())
        .env("RUST_LOG", "debug")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Digests go out several at a time: Bob's can stall before Alice's, already accepted by
    // the server, is recorded as sent. The crash this test stages comes after that record
    // (a crash between the two would send Alice's again, which no mailer can rule out).
    let alice_recorded = || {
        workspace
            .database()
            .query_row(
                "SELECT COUNT(*) FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
                 WHERE s.email = 'alice@example.org' AND d.status = 'sent'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .is_ok_and(|sent| sent == 1)
    };
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    while !(mailbox.lock().unwrap().stalled && alice_recorded()) {
        if let Ok(Some(status)) = crashed.try_wait() {
            panic!(
                "the digest run ended ({status}) before reaching Bob:\n{}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default(),
                std::fs::read_to_string(log.with_extension("err")).unwrap_or_default()
            );
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for the run to reach Bob"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    crashed.kill().await.unwrap();
    let _ = crashed.wait().await;
    mailbox.lock().unwrap().stall = None;
    assert_eq!(
        messages_to(&mailbox, "alice@example.org").len(),
        2,
        "confirmation + digest"
    );
    assert!(messages_to(&mailbox, "bob@example.org").is_empty());

    // Alice's digest: the right items, headers and structure.
    let alice = messages_to(&mailbox, "alice@example.org").pop().unwrap();
    let message = parse(&alice.raw);
    assert_eq!(
        message.from().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("digest@csfeed.test")
    );
    assert_eq!(
        message.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("alice@example.org")
    );
    assert!(
        message.subject().unwrap().contains(" new stor"),
        "{:?}",
        message.subject()
    );
    assert!(message.date().is_some());
    assert!(message.message_id().unwrap().starts_with("digest-"));
    assert!(
        message
            .header_raw("Content-Type")
            .unwrap()
            .contains("multipart/alternative")
    );
    assert_eq!((message.text_body_count(), message.html_body_count()), (1, 1));
    let unsubscribe = message.header_raw("List-Unsubscribe").unwrap().trim().to_owned();
    assert!(
        unsubscribe.starts_with("<http://csfeed.test/unsubscribe?token=u."),
        "{unsubscribe}"
    );
    assert_eq!(
        message.header_raw("List-Unsubscribe-Post").unwrap().trim(),
        "List-Unsubscribe=One-Click"
    );
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains("Ofsted focused visit finds St Helens consistent today"),
        "{text}"
    );
    assert!(!text.contains("Kent"), "only St Helens stories: {text}");
    assert!(
        !text.contains("2025") && !text.contains("November 2026"),
        "the demo's stories, first seen today but weeks old, are not news: {text}"
    );
    let html = message.body_html(0).unwrap();
    assert!(
        !html.contains("<img") && !html.contains("<link"),
        "no remote resources"
    );
    assert!(html.contains("/subscriptions/manage?token=m.") && html.contains("/unsubscribe?token=u."));

    // The re-run sends Bob's digest (once), not Alice's again; Carol's is refused.
    let rerun = workspace.run(&["digest", "--frequency", "daily"]).await;
    assert!(
        !rerun.status.success(),
        "a failed send makes the run fail: {rerun:?}"
    );
    assert!(
        rerun.stdout.contains("sent 1")
            && rerun.stdout.contains("already sent 1")
            && rerun.stdout.contains("failed 1"),
        "{rerun:?}"
    );
    assert_eq!(messages_to(&mailbox, "alice@example.org").len(), 2);
    assert_eq!(messages_to(&mailbox, "bob@example.org").len(), 1);
    let bob = messages_to(&mailbox, "bob@example.org").pop().unwrap();
    assert!(
        parse(&bob.raw)
            .body_text(0)
            .unwrap()
            .to_lowercase()
            .contains("kinship")
    );
    let again = workspace.run(&["digest", "--frequency", "daily"]).await;
    assert!(
        again.stdout.contains("sent 0") && again.stdout.contains("already sent 2"),
        "{again:?}"
    );
    assert_eq!(messages_to(&mailbox, "bob@example.org").len(), 1, "idempotent");

    // The manage page from Bob's email: change how often, then stop following a search.
    let manage = link(&bob.raw, "/subscriptions/manage?token=").replace("http://csfeed.test", &server.url);
    let (status, page) = server.get_text(manage.trim_start_matches(&server.url)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Searches you follow") && page.contains("Kinship care") && !page.contains("topic:"),
        "{page}"
    );
    let token = manage.split("token=").nth(1).unwrap().to_owned();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let changed = post_form(
        &no_redirects,
        format!("{}/subscriptions/manage", server.url),
        format!("token={token}&action=frequency&frequency=weekly"),
    )
    .await;
    assert_eq!(changed.status(), 303);
    let list = workspace.run(&["subscribers", "list", "--json"]).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).unwrap();
    let bob = rows
        .iter()
        .find(|row| row["email"] == "b***@example.org")
        .unwrap();
    assert_eq!(bob["frequency"], "weekly", "{rows:?}");
    let forged = post_form(
        &no_redirects,
        format!("{}/subscriptions/manage", server.url),
        "token=m.2.99999999999.AAAA&action=unsubscribe",
    )
    .await;
    assert_eq!(forged.status(), 400, "a forged link changes nothing");

    // One-click unsubscribe (RFC 8058) stops Alice's mail.
    let one_click = unsubscribe
        .trim_matches(['<', '>'])
        .replace("http://csfeed.test", &server.url);
    let response = post_form(&client, one_click, "List-Unsubscribe=One-Click").await;
    assert_eq!(response.status(), 200);
    let list = workspace.run(&["subscribers", "list", "--json"]).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(rows[0]["state"], "unsubscribed", "{rows:?}");
    assert_eq!(
        rows[0]["email"], "a***@example.org",
        "addresses are masked by default"
    );
    let after = workspace.run(&["digest", "--frequency", "daily"]).await;
    assert!(
        after.stdout.contains("sent 0")
            && after.stdout.contains("already sent 0")
            && after.stdout.contains("failed 1"),
        "Alice is unsubscribed and Bob is weekly now; only Carol is due (and refused): {after:?}"
    );
    assert!(server.stop().await.success());
}
