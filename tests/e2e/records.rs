//! Ofsted records for the operator: `csfeed ofsted disagreements` lists every fact where a
//! report read and the bundled history disagreed, and what was kept.

use chrono::NaiveDate;

use crate::helpers::Workspace;

#[tokio::test]
async fn disagreements_list_what_a_report_and_the_history_said_and_what_was_kept() {
    let workspace = Workspace::new(&[]);
    let empty = workspace.run(&["ofsted", "disagreements"]).await;
    assert!(empty.status.success(), "{empty:?}");
    assert!(empty.stdout.contains("0 notes on 0 reports"), "{empty:?}");

    // The history is loaded; a report of Liverpool's 2018 inspection is read at another
    // address, its overall grade missed by the reader.
    assert!(workspace.run(&["sources", "list"]).await.status.success());
    let store = csfeed_store::Store::open(&workspace.dir.path().join("data/csfeed.sqlite3")).unwrap();
    let mut read = store
        .inspections_for("E08000012")
        .unwrap()
        .into_iter()
        .find(|record| record.published == NaiveDate::from_ymd_opt(2018, 7, 2))
        .unwrap();
    read.report_url = "https://files.example/liverpool-2018.pdf".into();
    read.origin = "report".into();
    read.judgements.remove("overall_effectiveness");
    store.upsert_inspections(&[read]).unwrap();
    drop(store);

    let listed = workspace.run(&["ofsted", "disagreements"]).await;
    assert!(listed.status.success(), "{listed:?}");
    assert!(
        listed.stdout.contains(
            "https://files.example/liverpool-2018.pdf overall_effectiveness: history requires_improvement, report nothing, kept requires_improvement"
        ),
        "{}",
        listed.stdout
    );
    assert!(
        listed.stdout.contains("1 notes on 1 reports"),
        "{}",
        listed.stdout
    );
    let json = workspace.run(&["ofsted", "disagreements", "--json"]).await;
    let notes: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(notes[0]["field"], "overall_effectiveness");
    assert_eq!(notes[0]["kept"], "requires_improvement");
}
