//! The record of truth in PostgreSQL (`storage.database_url`): what changes for the
//! operator, end to end.

use crate::helpers::Workspace;
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
