//! Starting csfeed processes against temporary workspaces and local feed servers.

use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Longest any single csfeed command may take in a test before it counts as hung.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// The three bundled demo feeds: (file name, content type, item count).
pub const DEMO_FEEDS: [(&str, &str, usize); 3] = [
    ("practice-news.rss", "application/rss+xml", 30),
    ("ofsted-news.atom", "application/atom+xml", 22),
    ("research-digest.json", "application/feed+json", 22),
];
/// Items in all demo feeds together.
pub const DEMO_ITEMS: usize = 74;
/// The demo item every pipeline test looks for.
pub const ST_HELENS_TITLE: &str = "Ofsted focused visit finds St Helens children\u{2019}s services consistent and effective for children in need and on protection plans";

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn demo_feed(name: &str) -> Vec<u8> {
    std::fs::read(repo_path(&format!("demo/feeds/{name}"))).expect("demo feed is in the repo")
}

/// A local HTTP server that serves the demo feeds at `/<file name>`.
pub async fn demo_feed_server() -> MockServer {
    let server = MockServer::start().await;
    for (name, content_type, _) in DEMO_FEEDS {
        Mock::given(method("GET"))
            .and(path(format!("/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(demo_feed(name), content_type))
            .mount(&server)
            .await;
    }
    server
}

/// A port on 127.0.0.1 where nothing listens.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// A temporary folder with a config file and a data directory.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// A workspace whose config lists `sources` as (id, url) pairs.
    pub fn new(sources: &[(&str, String)]) -> Self {
        Self::with_fetch_settings(sources, "request_timeout = \"10s\"\nconnect_timeout = \"5s\"\n")
    }

    /// A workspace with extra `[fetch]` settings (TOML lines).
    pub fn with_fetch_settings(sources: &[(&str, String)], fetch: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = format!(
            "[site]\ntitle = \"Test Digest\"\ntagline = \"End-to-end tests\"\n\n[storage]\ndata_dir = {:?}\n\n[fetch]\nscheduler_tick = \"1s\"\nmin_host_interval = \"10ms\"\n{fetch}",
            dir.path().join("data").display().to_string()
        );
        for (id, url) in sources {
            config.push_str(&format!(
                "\n[[sources]]\nid = {id:?}\nname = \"Source {id}\"\nurl = {url:?}\n"
            ));
        }
        std::fs::write(dir.path().join("csfeed.toml"), config).expect("write config");
        Self { dir }
    }

    /// `csfeed sources list --json`, as JSON objects keyed by source id.
    pub async fn sources(&self) -> std::collections::HashMap<String, serde_json::Value> {
        let output = self.run(&["sources", "list", "--json"]).await;
        assert!(output.status.success(), "{output:?}");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&output.stdout).expect("sources list --json");
        rows.into_iter()
            .map(|row| (row["id"].as_str().unwrap_or_default().to_owned(), row))
            .collect()
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("csfeed.toml")
    }

    /// `csfeed <args> --config <this workspace's config>`, run to completion.
    pub async fn run(&self, args: &[&str]) -> Output {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push("--config".into());
        all.push(self.config().display().to_string());
        run_csfeed(&all).await
    }

    /// Starts `csfeed <args>` without waiting for it (killed if dropped).
    pub fn spawn(&self, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_csfeed"))
            .args(args)
            .arg("--config")
            .arg(self.config())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start csfeed")
    }

    /// The workspace's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The workspace's database (for reading what csfeed stored).
    pub fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("data/csfeed.sqlite3")).expect("open the database")
    }

    /// Starts `csfeed serve` on a free port and waits until it says where it serves.
    pub async fn serve(&self) -> Server {
        serve_config(&self.config(), &self.dir.path().join("serve.log"), &[], &[]).await
    }
}

/// Starts `csfeed serve <extra> --config <config>` with environment variables `envs` on a
/// free port, logging to `log`, and waits until it says where it serves.
pub async fn serve_config(config: &Path, log: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Server {
    let log = std::fs::File::create(log).expect("log file");
    let mut child = Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .arg("--config")
        .arg(config)
        .envs(envs.iter().copied())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("start csfeed serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(COMMAND_TIMEOUT, lines.next_line())
        .await
        .expect("csfeed serve announced its address in time")
        .expect("read stdout")
        .expect("csfeed serve printed a line");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    Server {
        url,
        child,
        client: reqwest::Client::new(),
    }
}

/// Polls `ready` (an observation, not a clock) until it holds, failing the test after
/// [`COMMAND_TIMEOUT`].
pub async fn wait_until(what: &str, ready: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
    while !ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A finished command's exit status and output.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the csfeed binary with `args`, failing the test if it does not finish in time.
pub async fn run_csfeed(args: &[String]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_csfeed"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start csfeed");
    let output = tokio::time::timeout(COMMAND_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("csfeed {args:?} did not finish in {COMMAND_TIMEOUT:?}"))
        .expect("csfeed ran");
    Output {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A running `csfeed serve`.
pub struct Server {
    pub url: String,
    child: Child,
    client: reqwest::Client,
}

impl Server {
    pub async fn get(&self, path_and_query: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path_and_query}", self.url))
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .expect("request answered")
    }

    pub async fn get_text(&self, path_and_query: &str) -> (u16, String) {
        let response = self.get(path_and_query).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn health(&self) -> serde_json::Value {
        let body = self.get("/healthz").await.text().await.expect("healthz body");
        serde_json::from_str(&body).expect("healthz is JSON")
    }

    /// Waits until the scheduler has stored and indexed every demo item.
    pub async fn wait_for_demo(&self) {
        self.wait_for("the scheduler to fetch and index the demo", |health| {
            health["articles"] == DEMO_ITEMS && health["indexed"] == DEMO_ITEMS
        })
        .await;
    }

    /// Polls `/healthz` until `ready` holds, failing the test after a minute.
    pub async fn wait_for(
        &self,
        what: &str,
        ready: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = tokio::time::Instant::now() + COMMAND_TIMEOUT;
        loop {
            let health = self.health().await;
            if ready(&health) {
                return health;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {what}: {health}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends SIGKILL (a crash) and waits for the process to end.
    pub async fn kill(mut self) -> ExitStatus {
        self.child.kill().await.expect("kill csfeed serve");
        self.child.wait().await.expect("wait for csfeed serve")
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub async fn stop(mut self) -> ExitStatus {
        let pid = self.child.id().expect("still running");
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        assert!(killed.expect("kill runs").success());
        tokio::time::timeout(COMMAND_TIMEOUT, self.child.wait())
            .await
            .expect("csfeed serve stopped after SIGTERM")
            .expect("wait for csfeed serve")
    }
}
