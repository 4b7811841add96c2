//! What an operator runs: `config check`, `backup` while data is live, and a restore
//! followed by `reindex`.

use crate::helpers::DEMO_ITEMS;
use crate::web::demo_workspace;

#[tokio::test(flavor = "multi_thread")]
async fn config_check_backup_and_restore_with_reindex() {
    let workspace = demo_workspace();
    let check = workspace.run(&["config", "check"]).await;
    assert!(check.status.success(), "{check:?}");
    assert!(
        check.stdout.contains("is valid") && check.stdout.contains("practice-news"),
        "{check:?}"
    );
    let bad = workspace.dir.path().join("bad.toml");
    std::fs::write(&bad, "[fetch]\nconcurency = 3\n").unwrap();
    let rejected = crate::helpers::run_csfeed(&[
        "config".into(),
        "check".into(),
        "--config".into(),
        bad.display().to_string(),
    ])
    .await;
    assert!(!rejected.status.success());
    assert!(
        rejected.stderr.contains("concurency") && rejected.stderr.contains("bad.toml"),
        "{rejected:?}"
    );

    let fetched = workspace.run(&["fetch"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    let backup = workspace.dir.path().join("backup.sqlite3");
    let backed_up = workspace.run(&["backup", &backup.display().to_string()]).await;
    assert!(backed_up.status.success(), "{backed_up:?}");
    let again = workspace.run(&["backup", &backup.display().to_string()]).await;
    assert!(
        !again.status.success() && again.stderr.contains("--force"),
        "never overwrites silently"
    );

    // Restore into an empty data directory: the database, then the index rebuilt from it.
    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(&backup, restored.path().join("csfeed.sqlite3")).unwrap();
    let data_dir = restored.path().display().to_string();
    let reindex = workspace.run(&["reindex", "--data-dir", &data_dir]).await;
    assert!(reindex.status.success(), "{reindex:?}");
    assert!(
        reindex
            .stdout
            .contains(&format!("the index holds {DEMO_ITEMS} documents")),
        "{reindex:?}"
    );
    let search = workspace
        .run(&[
            "search",
            "St Helens focused visit",
            "--json",
            "--data-dir",
            &data_dir,
        ])
        .await;
    let results: serde_json::Value = serde_json::from_str(&search.stdout).unwrap();
    assert_eq!(results["total"], 1, "{results}");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_endpoints_need_the_token() {
    let workspace = demo_workspace();
    let plain = workspace.serve().await;
    assert_eq!(
        plain.get_text("/admin/sources.json").await.0,
        404,
        "no token configured, no endpoint"
    );
    assert!(plain.stop().await.success());

    let mut config = std::fs::read_to_string(workspace.config()).unwrap();
    config.push_str("\n[server]\nadmin_token = \"s3cret-admin-token\"\n");
    std::fs::write(workspace.config(), config).unwrap();
    let subscribed = workspace
        .run(&[
            "subscribers",
            "add",
            "dana@example.org",
            "--follow",
            "la:kent",
            "--confirmed",
        ])
        .await;
    assert!(subscribed.status.success(), "{subscribed:?}");
    let site = workspace.serve().await;
    let client = reqwest::Client::new();
    for token in [None, Some("wrong"), Some("s3cret-admin-tokeX")] {
        let mut request = client.get(format!("{}/admin/subscribers.csv", site.url));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        assert_eq!(request.send().await.unwrap().status(), 401, "{token:?}");
    }
    let csv = client
        .get(format!("{}/admin/subscribers.csv", site.url))
        .header("authorization", "Bearer s3cret-admin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.text()
            .await
            .unwrap()
            .contains("dana@example.org,daily,confirmed,la:kent")
    );
    let sources = client
        .get(format!("{}/admin/sources.json", site.url))
        .header("authorization", "Bearer s3cret-admin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(sources.status(), 200);
    // Prometheus metrics are the operator's too.
    let metrics_url = format!("{}/metrics", site.url);
    assert_eq!(client.get(&metrics_url).send().await.unwrap().status(), 401);
    let metrics = client
        .get(&metrics_url)
        .header("authorization", "Bearer s3cret-admin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);
    assert!(metrics.text().await.unwrap().contains("csfeed_index_documents"));

    // Source management: pause one source, hurry two, and only the unpaused one is fetched
    // by the running scheduler; resume, and the paused one is fetched too.
    site.wait_for("the first fetch of every source", |health| {
        health["articles"] == DEMO_ITEMS
    })
    .await;
    let admin = |method: reqwest::Method, path: &str| {
        client
            .request(method, format!("{}{path}", site.url))
            .header("authorization", "Bearer s3cret-admin-token")
    };
    let source = |id: &'static str| {
        let request = admin(reqwest::Method::GET, "/admin/sources.json");
        async move {
            let all: serde_json::Value =
                serde_json::from_str(&request.send().await.unwrap().text().await.unwrap()).unwrap();
            all.as_array()
                .unwrap()
                .iter()
                .find(|source| source["id"] == id)
                .cloned()
                .unwrap()
        }
    };
    // The first round has recorded every fetch (not only stored the articles), so no
    // source is due again for half an hour: any later fetch is one this test caused.
    let deadline = tokio::time::Instant::now() + crate::helpers::COMMAND_TIMEOUT;
    for id in ["practice-news", "ofsted-news", "research-digest"] {
        while source(id).await["fetches"].as_u64().unwrap() == 0 {
            assert!(tokio::time::Instant::now() < deadline, "{id} was never fetched");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let unauthorised = client
        .post(format!("{}/admin/sources/practice-news/pause", site.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorised.status(), 401);
    let paused = admin(reqwest::Method::POST, "/admin/sources/practice-news/pause")
        .send()
        .await
        .unwrap();
    assert_eq!(paused.status(), 200);
    let paused: serde_json::Value = serde_json::from_str(&paused.text().await.unwrap()).unwrap();
    assert_eq!(paused["status"], "paused", "{paused}");
    assert!(paused["paused_at"].is_string(), "{paused}");
    for (path, why) in [
        ("/admin/sources/no-such-source/pause", "unknown source"),
        ("/admin/sources/practice-news/explode", "unknown action"),
        ("/admin/sources/..%2F/pause", "not a source id"),
    ] {
        let refused = admin(reqwest::Method::POST, path).send().await.unwrap();
        assert_eq!(refused.status(), 404, "{why}");
        let body: serde_json::Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("there is no"),
            "{why}: {body}"
        );
    }
    let listed = workspace.run(&["sources", "list"]).await;
    assert!(
        listed
            .stdout
            .lines()
            .any(|line| line.starts_with("practice-news") && line.contains("paused")),
        "{listed:?}"
    );
    let (practice_before, ofsted_before) = (
        source("practice-news").await["fetches"].as_u64().unwrap(),
        source("ofsted-news").await["fetches"].as_u64().unwrap(),
    );
    for id in ["practice-news", "ofsted-news"] {
        let hurried = admin(reqwest::Method::POST, &format!("/admin/sources/{id}/refresh"))
            .send()
            .await
            .unwrap();
        assert_eq!(hurried.status(), 200);
    }
    let deadline = tokio::time::Instant::now() + crate::helpers::COMMAND_TIMEOUT;
    while source("ofsted-news").await["fetches"].as_u64().unwrap() == ofsted_before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "ofsted-news was never refetched"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The scheduler fetches every due source in one round, so the round that fetched
    // ofsted-news would have fetched practice-news too, had it not been paused.
    assert_eq!(
        source("practice-news").await["fetches"].as_u64().unwrap(),
        practice_before,
        "a paused source is not fetched"
    );
    let fetched_all = workspace.run(&["fetch", "--all"]).await;
    assert!(fetched_all.status.success(), "{fetched_all:?}");
    assert_eq!(
        source("practice-news").await["fetches"].as_u64().unwrap(),
        practice_before,
        "`fetch --all` skips a paused source too"
    );
    let resumed = workspace.run(&["sources", "resume", "practice-news"]).await;
    assert!(
        resumed.status.success() && resumed.stdout.contains("resumed"),
        "{resumed:?}"
    );
    while source("practice-news").await["fetches"].as_u64().unwrap() == practice_before {
        assert!(
            tokio::time::Instant::now() < deadline,
            "practice-news was never fetched after resuming"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(source("practice-news").await["status"], "ok");
    let unknown = workspace.run(&["sources", "pause", "no-such-source"]).await;
    assert!(
        !unknown.status.success() && unknown.stderr.contains("csfeed sources list"),
        "{unknown:?}"
    );

    let log = std::fs::read_to_string(workspace.dir.path().join("serve.log")).unwrap_or_default();
    assert!(
        !log.contains("s3cret-admin-token"),
        "the token never reaches the logs"
    );
    assert!(site.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn config_check_and_digest_refuse_settings_that_would_mislead() {
    let workspace = demo_workspace();
    let fetched = workspace.run(&["fetch"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    // Without a public address the digest's links would point at server.bind.
    let digest = workspace.run(&["digest", "--frequency", "daily"]).await;
    assert!(
        !digest.status.success() && digest.stderr.contains("server.public_url"),
        "{digest:?}"
    );
    let dry_run = workspace
        .run(&["digest", "--frequency", "daily", "--dry-run"])
        .await;
    assert!(dry_run.status.success(), "a dry run sends nothing: {dry_run:?}");
    let given = workspace
        .run(&[
            "digest",
            "--frequency",
            "daily",
            "--public-url",
            "https://news.example.org/",
        ])
        .await;
    assert!(given.status.success(), "{given:?}");

    // A file: source that does not exist, and a local From address with SMTP configured.
    let mut config = std::fs::read_to_string(workspace.config()).unwrap();
    config.push_str(
        "\n[[sources]]\nid = \"gone\"\nname = \"Gone\"\nurl = \"file:///nonexistent/csfeed/feed.rss\"\n",
    );
    std::fs::write(workspace.config(), &config).unwrap();
    let check = workspace.run(&["config", "check"]).await;
    assert!(
        !check.status.success()
            && check.stderr.contains("source gone")
            && check.stderr.contains("does not exist"),
        "{check:?}"
    );
    assert!(
        check.stdout.contains("email.from"),
        "a local From is noted: {check:?}"
    );
    config.push_str("\n[email]\nfrom = \"digest@localhost\"\n\n[email.smtp]\nhost = \"127.0.0.1\"\nport = 2525\ntls = \"none\"\n");
    std::fs::write(workspace.config(), &config).unwrap();
    let check = workspace.run(&["config", "check"]).await;
    assert!(
        !check.status.success() && check.stderr.contains("email.from <digest@localhost>"),
        "{check:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_on_a_busy_port_exits_with_one_clear_line_and_touches_nothing() {
    let workspace = demo_workspace();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = busy.local_addr().unwrap().to_string();
    let served = workspace.run(&["serve", "--bind", &address]).await;
    assert!(!served.status.success(), "{served:?}");
    let lines: Vec<&str> = served
        .stderr
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line, no cascade: {served:?}");
    assert!(
        lines[0].contains("cannot listen on") && lines[0].contains("--bind"),
        "{served:?}"
    );
    assert!(
        !workspace.dir.path().join("data").exists(),
        "nothing was opened or fetched before the port was known to be free"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_source_list_covers_the_sector_and_checks_clean() {
    let config = crate::helpers::repo_path("config/default.toml");
    let check = crate::helpers::run_csfeed(&[
        "config".into(),
        "check".into(),
        "--config".into(),
        config.display().to_string(),
    ])
    .await;
    assert!(check.status.success(), "{check:?}");
    let listed = check
        .stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("sources: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|count| count.parse::<usize>().ok())
        .unwrap_or_default();
    assert!(listed >= 40, "at least 40 sources out of the box: {check:?}");
    let documented = std::fs::read_to_string(crate::helpers::repo_path("docs/sources.md")).unwrap();
    let shipped = std::fs::read_to_string(&config).unwrap();
    for id in shipped
        .lines()
        .filter_map(|line| line.strip_prefix("id = \""))
        .map(|id| id.trim_end_matches('"'))
    {
        assert!(
            documented.contains(&format!("`{id}`")),
            "{id} has its evidence in docs/sources.md"
        );
    }
}
