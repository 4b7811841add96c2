//! Several csfeed processes on one record of truth, on SQLite (one machine) and PostgreSQL
//! (skipped without a test server, like the store's tests): a `serve --web-only` replica
//! with an empty data directory serves every story and follows the writer; two writers
//! fetch each source once; a writer killed mid-fetch loses nothing and its sources are
//! taken over once its lease runs out; two digest runs at once send each email once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use csfeed_store::{DatabaseUrl, Store};
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{COMMAND_TIMEOUT, DEMO_FEEDS, DEMO_ITEMS, Workspace, demo_feed, serve_config};
use crate::web::demo_sources;

/// Where a test's shared record of truth lives.
enum Shared {
    Sqlite,
    Postgres(csfeed_testkit::TestDatabase),
}

impl Shared {
    /// SQLite, or a fresh PostgreSQL database (`None`: no test server, the test skips).
    fn new(postgres: bool, test: &str) -> Option<Self> {
        if postgres {
            csfeed_testkit::TestDatabase::create(test).map(Self::Postgres)
        } else {
            Some(Self::Sqlite)
        }
    }

    /// Points the workspace's config at this store.
    fn configure(&self, workspace: &Workspace) {
        if let Self::Postgres(database) = self {
            edit_config(&workspace.config(), |config| {
                config.replacen(
                    "[storage]\n",
                    &format!("[storage]\ndatabase_url = {:?}\n", database.url()),
                    1,
                )
            });
        }
    }

    /// The store, opened as csfeed opens it, for reading what the processes stored.
    fn open(&self, workspace: &Workspace) -> Store {
        match self {
            Self::Sqlite => Store::open(&workspace.dir.path().join("data/csfeed.sqlite3")).unwrap(),
            Self::Postgres(database) => {
                Store::open_url(&DatabaseUrl::parse(database.url()).unwrap()).unwrap()
            }
        }
    }
}

fn edit_config(config: &Path, edit: impl FnOnce(String) -> String) {
    let text = std::fs::read_to_string(config).unwrap();
    std::fs::write(config, edit(text)).unwrap();
}

/// A replica's config: the writer's, with its own data directory and (on SQLite) the
/// writer's database file.
fn replica_config(workspace: &Workspace, shared: &Shared, replica_dir: &Path) -> PathBuf {
    let writer_data = workspace.dir.path().join("data");
    let mut config = std::fs::read_to_string(workspace.config()).unwrap().replacen(
        &format!("data_dir = {:?}", writer_data.display().to_string()),
        &format!("data_dir = {:?}", replica_dir.display().to_string()),
        1,
    );
    if let Shared::Sqlite = shared {
        let file = writer_data.join("csfeed.sqlite3").display().to_string();
        config = config.replacen(
            "[storage]\n",
            &format!("[storage]\ndatabase_file = {file:?}\n"),
            1,
        );
    }
    let path = workspace.dir.path().join("replica.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// A one-item RSS feed whose only story mentions `word`.
fn one_story_feed(word: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Late</title><link>https://late.example/</link><description>Late news</description><item><guid>https://late.example/{word}</guid><link>https://late.example/{word}</link><title>Council reports {word} progress</title><description>The council said {word} work with care leavers is improving.</description><pubDate>Fri, 04 Dec 2026 09:00:00 GMT</pubDate></item></channel></rss>"
    )
}

async fn a_web_only_replica_serves_every_story_and_follows_the_writer(postgres: bool) {
    let Some(shared) = Shared::new(postgres, "replica_follows_the_writer") else {
        return;
    };
    let server = slow_demo_server(Duration::ZERO).await;
    let workspace = Workspace::new(&http_sources(&server));
    shared.configure(&workspace);
    let fetched = workspace.run(&["fetch"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    // Due again at once: a scheduler would fetch them as it starts; a replica never does.
    for (id, _) in http_sources(&server) {
        let refreshed = workspace.run(&["sources", "refresh", id]).await;
        assert!(refreshed.status.success(), "{refreshed:?}");
    }
    let requests_by_the_writer = server.received_requests().await.unwrap_or_default().len();

    let replica_dir = tempfile::tempdir().unwrap();
    let config = replica_config(&workspace, &shared, replica_dir.path());
    let config_arg = config.display().to_string();
    let refused = crate::helpers::run_csfeed(&[
        "serve".into(),
        "--web-only".into(),
        "--config".into(),
        config_arg.clone(),
    ])
    .await;
    assert!(
        !refused.status.success() && refused.stderr.contains("email.secret"),
        "links must verify on every replica: {refused:?}"
    );
    edit_config(&config, |text| {
        format!("{text}\n[email]\nsecret = \"one secret for every process\"\n")
    });
    let replica = serve_config(
        &config,
        &replica_dir.path().join("serve.log"),
        &["--web-only"],
        &[],
    )
    .await;
    replica
        .wait_for("the replica to index the shared store", |health| {
            health["articles"] == DEMO_ITEMS && health["indexed"] == DEMO_ITEMS
        })
        .await;
    let stored = shared.open(&workspace).articles_changed_after(0, 1_000).unwrap();
    assert_eq!(stored.len(), DEMO_ITEMS);
    for record in &stored {
        let (status, page) = replica
            .get_text(&format!("/articles/{}", record.article.id.as_str()))
            .await;
        assert_eq!(status, 200, "{}: {page}", record.article.id.as_str());
    }
    assert!(
        !replica_dir.path().join("csfeed.sqlite3").exists(),
        "a replica keeps only its index"
    );

    // A story the writer stores later is searchable on the replica, without a restart.
    let late = workspace.dir.path().join("late.rss");
    std::fs::write(&late, one_story_feed("zanzibarian")).unwrap();
    edit_config(&workspace.config(), |text| {
        format!(
            "{text}\n[[sources]]\nid = \"late-news\"\nname = \"Late News\"\nurl = {:?}\n",
            format!("file://{}", late.display())
        )
    });
    let fetched = workspace.run(&["fetch", "--source", "late-news"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    loop {
        let (status, body) = replica.get_text("/api/v1/search?q=zanzibarian").await;
        assert_eq!(status, 200);
        let found: serde_json::Value = serde_json::from_str(&body).unwrap();
        if found["total"].as_u64() == Some(1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the replica never indexed the late story: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    replica.stop().await;
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        requests_by_the_writer,
        "the replica fetched nothing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_a_web_only_replica_serves_every_story_and_follows_the_writer() {
    a_web_only_replica_serves_every_story_and_follows_the_writer(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_a_web_only_replica_serves_every_story_and_follows_the_writer() {
    a_web_only_replica_serves_every_story_and_follows_the_writer(true).await;
}

/// The demo feeds over HTTP, each answer delayed so that two writers overlap.
async fn slow_demo_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    for (name, content_type, _) in DEMO_FEEDS {
        Mock::given(method("GET"))
            .and(path(format!("/{name}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(demo_feed(name), content_type)
                    .set_delay(delay),
            )
            .mount(&server)
            .await;
    }
    server
}

fn http_sources(server: &MockServer) -> Vec<(&'static str, String)> {
    [
        ("practice-news", "practice-news.rss"),
        ("ofsted-news", "ofsted-news.atom"),
        ("research-digest", "research-digest.json"),
    ]
    .into_iter()
    .map(|(id, file)| (id, format!("{}/{file}", server.uri())))
    .collect()
}

async fn feed_requests(server: &MockServer, file: &str) -> usize {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .iter()
        .filter(|request| request.url.path() == format!("/{file}"))
        .count()
}

async fn two_writers_started_together_fetch_each_source_once(postgres: bool) {
    let Some(shared) = Shared::new(postgres, "two_writers_fetch_each_source_once") else {
        return;
    };
    let server = slow_demo_server(Duration::from_millis(300)).await;
    let workspace = Workspace::new(&http_sources(&server));
    shared.configure(&workspace);
    // Create the schema first, so the two writers race for sources, not for migrations.
    let listed = workspace.run(&["sources", "list"]).await;
    assert!(listed.status.success(), "{listed:?}");

    let (first, second) = tokio::join!(workspace.run(&["fetch"]), workspace.run(&["fetch"]));
    assert!(
        first.status.success() && second.status.success(),
        "{first:?}\n{second:?}"
    );
    for (file, _, _) in DEMO_FEEDS {
        assert_eq!(
            feed_requests(&server, file).await,
            1,
            "{file}: {first:?}\n{second:?}"
        );
    }
    assert_eq!(
        shared.open(&workspace).article_count().unwrap(),
        DEMO_ITEMS as u64
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_two_writers_started_together_fetch_each_source_once() {
    two_writers_started_together_fetch_each_source_once(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_two_writers_started_together_fetch_each_source_once() {
    two_writers_started_together_fetch_each_source_once(true).await;
}

async fn a_killed_writers_source_is_taken_over_when_its_lease_runs_out(postgres: bool) {
    let Some(shared) = Shared::new(postgres, "a_killed_writers_source_is_taken_over") else {
        return;
    };
    // The first answer for the research digest never comes: the writer is killed while
    // fetching it, holding its lease (the other feeds, fetched beside it, are stored).
    let server = slow_demo_server(Duration::ZERO).await;
    Mock::given(method("GET"))
        .and(path("/research-digest.json"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(600)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let workspace = Workspace::with_fetch_settings(
        &http_sources(&server),
        "request_timeout = \"900s\"\nstall_timeout = \"900s\"\nconnect_timeout = \"5s\"\nper_host_concurrency = 3\nlease_ttl = \"15s\"\n",
    );
    shared.configure(&workspace);
    // Two machines: a dead process on another machine cannot be seen to be dead, so its
    // lease is waited out.
    let writer = serve_config(
        &workspace.config(),
        &workspace.dir.path().join("serve.log"),
        &[],
        &[("HOSTNAME", "machine-a")],
    )
    .await;
    let stalled_count = DEMO_FEEDS[2].2;
    writer
        .wait_for("the other feeds to be stored", |health| {
            health["articles"] == DEMO_ITEMS - stalled_count
        })
        .await;
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    while feed_requests(&server, "research-digest.json").await == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the writer never asked for the stalled feed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    writer.kill().await;

    // Another writer takes the source over once the dead one's lease has run out.
    // Renewed every 5 s, the dead writer's lease has 10 s at least to run.
    let refused = fetch_on(&workspace, "machine-b", "research-digest").await;
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("1 source skipped"),
        "{refused:?}\nthe killed writer's log:\n{}",
        std::fs::read_to_string(workspace.dir.path().join("serve.log")).unwrap_or_default()
    );
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    loop {
        let fetched = fetch_on(&workspace, "machine-b", "research-digest").await;
        assert!(fetched.status.success(), "{fetched:?}");
        if shared.open(&workspace).article_count().unwrap() == DEMO_ITEMS as u64 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never taken over: {fetched:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        feed_requests(&server, "research-digest.json").await,
        2,
        "fetched once by each writer, never twice at once"
    );
}

/// `csfeed fetch --source ID` as a process of machine `host`.
async fn fetch_on(workspace: &Workspace, host: &str, source: &str) -> std::process::Output {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["fetch", "--source", source, "--config"])
        .arg(workspace.config())
        .env("HOSTNAME", host)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .expect("csfeed fetch finished in time")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_a_killed_writers_source_is_taken_over_when_its_lease_runs_out() {
    a_killed_writers_source_is_taken_over_when_its_lease_runs_out(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_a_killed_writers_source_is_taken_over_when_its_lease_runs_out() {
    a_killed_writers_source_is_taken_over_when_its_lease_runs_out(true).await;
}

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
        // A slow server keeps each run busy, so the two runs meet each other's claims.
        std::thread::sleep(Duration::from_millis(100));
        self.delivered.lock().unwrap().append(&mut self.to);
        OK
    }
}

async fn two_digest_runs_at_once_send_each_email_once(postgres: bool) {
    let Some(shared) = Shared::new(postgres, "two_digest_runs_send_each_email_once") else {
        return;
    };
    let recorder = Recorder::default();
    let delivered = Arc::clone(&recorder.delivered);
    let port = csfeed_testkit::serve_smtp(recorder);
    let workspace = Workspace::new(&demo_sources());
    shared.configure(&workspace);
    edit_config(&workspace.config(), |text| {
        format!(
            "{text}\n[server]\npublic_url = \"http://csfeed.test/\"\n\n[email]\nfrom = \"Digest <digest@csfeed.test>\"\nsend_empty = true\n\n[email.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\nmax_per_second = 0\n"
        )
    });
    let fetched = workspace.run(&["fetch"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    let readers: Vec<String> = (0..6).map(|n| format!("reader{n}@example.org")).collect();
    for reader in &readers {
        let added = workspace
            .run(&[
                "subscribers",
                "add",
                reader,
                "--follow",
                "fostering",
                "--confirmed",
            ])
            .await;
        assert!(added.status.success(), "{added:?}");
    }

    let (first, second) = tokio::join!(
        workspace.run(&["digest", "--frequency", "daily"]),
        workspace.run(&["digest", "--frequency", "daily"])
    );
    assert!(
        first.status.success() && second.status.success(),
        "{first:?}\n{second:?}"
    );
    let mut delivered: Vec<String> = delivered
        .lock()
        .unwrap()
        .iter()
        .map(|to| to.trim_matches(['<', '>']).to_owned())
        .collect();
    delivered.sort();
    assert_eq!(delivered, readers, "{first:?}\n{second:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_two_digest_runs_at_once_send_each_email_once() {
    two_digest_runs_at_once_send_each_email_once(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_two_digest_runs_at_once_send_each_email_once() {
    two_digest_runs_at_once_send_each_email_once(true).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_store_copies_a_sqlite_store_into_postgres_and_refuses_a_filled_one() {
    let Some(database) = csfeed_testkit::TestDatabase::create("migrate_store") else {
        return;
    };
    let workspace = Workspace::new(&demo_sources());
    let fetched = workspace.run(&["fetch"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    let added = workspace
        .run(&[
            "subscribers",
            "add",
            "reader@example.org",
            "--follow",
            "fostering",
            "--confirmed",
        ])
        .await;
    assert!(added.status.success(), "{added:?}");

    let migrated = workspace.run(&["migrate-store", "--to", database.url()]).await;
    assert!(migrated.status.success(), "{migrated:?}");
    let articles_line = format!("{DEMO_ITEMS:>10} {DEMO_ITEMS:>10}");
    assert!(
        migrated
            .stdout
            .lines()
            .any(|line| line.starts_with("articles") && line.ends_with(&articles_line)),
        "{migrated:?}"
    );
    let again = workspace.run(&["migrate-store", "--to", database.url()]).await;
    assert!(
        !again.status.success() && again.stderr.contains("not empty"),
        "{again:?}"
    );
    let replaced = workspace
        .run(&["migrate-store", "--to", database.url(), "--replace"])
        .await;
    assert!(replaced.status.success(), "{replaced:?}");

    // The copy is a store csfeed runs on: sources keep their fetch state.
    let shared = Shared::Postgres(database);
    shared.configure(&workspace);
    let store = shared.open(&workspace);
    assert_eq!(store.article_count().unwrap(), DEMO_ITEMS as u64);
    assert_eq!(store.subscribers().unwrap().len(), 1);
    let sources = workspace.sources().await;
    assert!(
        sources["practice-news"]["last_success_at"].is_string(),
        "{:?}",
        sources["practice-news"]
    );
}
