//! The record of truth in PostgreSQL (`storage.database_url`): what changes for the
//! operator, end to end.

use crate::helpers::{DEMO_ITEMS, Workspace};
use crate::web::demo_workspace;

/// Points the workspace's config at a PostgreSQL database.
fn use_database(workspace: &Workspace, url: &str) {
    let config = std::fs::read_to_string(workspace.config()).unwrap();
    let config = config.replacen("[storage]\n", &format!("[storage]\ndatabase_url = {url:?}\n"), 1);
    std::fs::write(workspace.config(), config).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_points_to_the_database_tools_and_writes_nothing() {
    // No server is needed: backup refuses before connecting, and never shows the password.
    let workspace = demo_workspace();
    use_database(&workspace, "postgres://csfeed:hunter2@127.0.0.1:9/news");
    let backup = workspace.dir.path().join("backup.sqlite3");
    let refused = workspace.run(&["backup", &backup.display().to_string()]).await;
    assert!(!refused.status.success(), "{refused:?}");
    assert!(refused.stderr.contains("pg_dump"), "{refused:?}");
    assert!(!refused.stderr.contains("hunter2"), "{refused:?}");
    assert!(!backup.exists() && !backup.with_extension("partial").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_fetched_into_postgres_is_found_by_search() {
    let Some(database) = csfeed_testkit::TestDatabase::create("the_demo_fetched_into_postgres") else {
        return;
    };
    let workspace = demo_workspace();
    use_database(&workspace, database.url());
    let fetched = workspace.run(&["fetch"]).await;
    assert!(fetched.status.success(), "{fetched:?}");
    assert!(
        !workspace.dir.path().join("data/csfeed.sqlite3").exists(),
        "the record of truth is in PostgreSQL, not in the data directory"
    );
    let search = workspace
        .run(&["search", "St Helens focused visit", "--json"])
        .await;
    assert!(search.status.success(), "{search:?}");
    let results: serde_json::Value = serde_json::from_str(&search.stdout).unwrap();
    assert_eq!(results["total"], 1, "{results}");

    // Another machine's data directory, empty: its index is rebuilt from the shared store.
    let elsewhere = tempfile::tempdir().unwrap();
    let data_dir = elsewhere.path().display().to_string();
    let reindex = workspace.run(&["reindex", "--data-dir", &data_dir]).await;
    assert!(
        reindex
            .stdout
            .contains(&format!("the index holds {DEMO_ITEMS} documents")),
        "{reindex:?}"
    );
    let search = workspace
        .run(&["search", "\"care leavers\"", "--json", "--data-dir", &data_dir])
        .await;
    let results: serde_json::Value = serde_json::from_str(&search.stdout).unwrap();
    assert!(results["total"].as_u64().unwrap_or(0) >= 1, "{results}");
}

#[tokio::test(flavor = "multi_thread")]
async fn config_check_names_the_database_without_its_password_and_refuses_a_bad_address() {
    let workspace = demo_workspace();
    use_database(&workspace, "postgres://csfeed:hunter2@db.internal:5432/news");
    let check = workspace.run(&["config", "check"]).await;
    assert!(check.status.success(), "{check:?}");
    assert!(
        check
            .stdout
            .contains("database: PostgreSQL at postgres://csfeed:redacted@db.internal:5432/news"),
        "{check:?}"
    );
    assert!(!check.stdout.contains("hunter2") && !check.stderr.contains("hunter2"));

    let workspace = demo_workspace();
    use_database(&workspace, "mysql://csfeed:hunter2@db.internal/news");
    let check = workspace.run(&["config", "check"]).await;
    assert!(!check.status.success(), "{check:?}");
    assert!(check.stderr.contains("storage.database_url"), "{check:?}");
    assert!(!check.stderr.contains("hunter2"), "{check:?}");
}
