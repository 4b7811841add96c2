//! `/ofsted/findings`: what councils were told to do, by topic, in the last 12 or 24
//! months. The real router over a real store.

mod common;

use chrono::{Months, Utc};
use csfeed_core::{ArticleId, InspectionRecord, SourceId};

const RECENT: &str = "https://files.ofsted.example/st-helens-recent.pdf";
const OLDER: &str = "https://files.ofsted.example/wigan-older.pdf";

fn stocked(dir: &std::path::Path) -> (axum::Router, ArticleId) {
    let state = common::state(dir);
    let source = SourceId::parse("news").unwrap();
    let report = common::article(
        &source,
        RECENT,
        "Focused visit to St Helens",
        "Letter",
        1,
        &["E08000013"],
    );
    let id = report.id.clone();
    state.store.upsert_articles(&[report], Utc::now()).unwrap();
    let today = Utc::now().date_naive();
    state
        .store
        .upsert_inspections(&[
            InspectionRecord {
                report_url: RECENT.into(),
                urn: "80560".into(),
                gss_code: Some("E08000013".into()),
                kind: "focused_visit".into(),
                published: today.checked_sub_months(Months::new(2)),
                priority_actions: vec![
                    "The response to neglect, and to chronic neglect above all, is too slow.".into(),
                ],
                improvements: vec!["The quality of <b>supervision</b>.".into()],
                origin: "report".into(),
                ..InspectionRecord::default()
            },
            InspectionRecord {
                report_url: OLDER.into(),
                urn: "80579".into(),
                gss_code: Some("E08000010".into()),
                kind: "focused_visit".into(),
                published: today.checked_sub_months(Months::new(18)),
                improvements: vec!["Pathway plans for care leavers.".into()],
                origin: "report".into(),
                ..InspectionRecord::default()
            },
        ])
        .unwrap();
    (csfeed_web::app(state), id)
}

#[tokio::test]
async fn findings_are_grouped_by_topic_linked_to_their_reports_and_windowed() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = stocked(dir.path());
    let (status, _, page) = common::get(&app, "/ofsted/findings").await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("The response to neglect, and to chronic neglect"),
        "{page}"
    );
    assert!(
        page.contains(&format!("href=\"/articles/{id}\"")),
        "the finding links to its report: {page}"
    );
    assert!(page.contains("href=\"/la/st-helens\""), "{page}");
    assert!(
        page.contains("href=\"/topics/neglect\""),
        "grouped by topic: {page}"
    );
    assert!(
        page.contains("&#60;b&#62;supervision") && !page.contains("<b>supervision"),
        "report text is escaped: {page}"
    );
    assert!(
        !page.contains("Pathway plans for care leavers"),
        "older than 12 months: {page}"
    );

    let (status, _, page) = common::get(&app, "/ofsted/findings?months=24").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Pathway plans for care leavers") && page.contains("href=\"/la/wigan\""),
        "{page}"
    );
    assert!(
        page.contains(OLDER),
        "a report csfeed has no page for links to its PDF: {page}"
    );

    let (status, _, _) = common::get(&app, "/ofsted/findings?months=7").await;
    assert_eq!(status, 400);

    let (_, _, national) = common::get(&app, "/ofsted").await;
    assert!(
        national.contains("href=\"/ofsted/findings\""),
        "the national page leads to it"
    );
}
