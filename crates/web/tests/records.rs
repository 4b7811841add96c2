//! Ofsted records as the site shows them: a council's current position is its newest
//! inspection, on whatever scale that inspection judged.

mod common;

use common::{get, state};
use csfeed_core::{InspectionRecord, inspection_history};

/// The history's inspections of the council with this Ofsted URN.
fn history_of(urn: &str) -> Vec<InspectionRecord> {
    inspection_history()
        .into_iter()
        .filter(|record| record.urn == urn)
        .collect()
}

/// The table row of the council linked as `/la/{slug}` on `/ofsted`.
fn table_row<'a>(body: &'a str, slug: &str) -> &'a str {
    let start = body
        .find(&format!("<th scope=\"row\"><a href=\"/la/{slug}\">"))
        .unwrap_or_else(|| panic!("no row for {slug}"));
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

/// The grade cells of a national-table row, each as its opening tag and text.
fn cells(row: &str) -> Vec<&str> {
    row.split("</td>")
        .filter_map(|piece| piece.find("<td").map(|at| &piece[at..]))
        .collect()
}

/// The part of a page between two markers.
fn between<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body.find(from).unwrap_or_else(|| panic!("no {from:?}"));
    let end = body[start..].find(to).unwrap_or(body.len() - start) + start;
    &body[start..end]
}

#[tokio::test]
async fn the_national_table_shows_each_councils_newest_inspection_never_an_older_grade() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.store.upsert_inspections(&inspection_history()).unwrap();
    let app = csfeed_web::app(state);

    let (status, _, body) = get(&app, "/ofsted").await;
    assert_eq!(status, 200);
    // Liverpool: inadequate in 2023; its 2026 inspection judged leaders, help and
    // protection and children in care good, with no overall grade. Cells: overall,
    // leaders, help and protection, children in care, care leavers, previous, published.
    let liverpool = cells(table_row(&body, "liverpool"));
    assert_eq!(liverpool[0], "<td class=\"c-none\">–", "{liverpool:?}");
    assert_eq!(liverpool[1], "<td class=\"c-good\">G", "{liverpool:?}");
    assert_eq!(liverpool[6], "<td class=\"when\">Jul 2026", "{liverpool:?}");
    // The 2023 grade is shown only as the previous grade.
    assert_eq!(liverpool[5], "<td class=\"c-inadequate\">I", "{liverpool:?}");
    assert!(
        liverpool[..5].iter().all(|cell| !cell.contains("c-inadequate")),
        "{liverpool:?}"
    );
    // Trafford: requires improvement before; its 2026 inspection judged leaders inadequate.
    let trafford = cells(table_row(&body, "trafford"));
    assert_eq!(trafford[1], "<td class=\"c-inadequate\">I", "{trafford:?}");
    assert_eq!(
        trafford[0], "<td class=\"c-none\">–",
        "the older 'requires improvement' is not shown as current: {trafford:?}"
    );
    // The counts say how many councils are in each case: 11 have no overall grade.
    assert!(
        body.contains("No overall grade (2026 framework)</span> <strong>11</strong>"),
        "{}",
        between(&body, "grade-counts", "</ul>")
    );
    // Filtering by a grade never lists a council whose newest inspection has none.
    let (_, _, inadequate) = get(&app, "/ofsted?grade=inadequate").await;
    assert!(!inadequate.contains("href=\"/la/liverpool\""));

    // The index of councils agrees.
    let (_, _, index) = get(&app, "/la").await;
    let liverpool = between(&index, "<a href=\"/la/liverpool\">", "</li>");
    assert!(
        liverpool.contains("No overall grade (2026 framework)"),
        "{liverpool}"
    );
}

#[tokio::test]
async fn a_councils_page_and_the_home_sidebar_show_the_2026_inspection_as_current() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.store.upsert_inspections(&history_of("80485")).unwrap();
    let app = csfeed_web::app(state);

    let (status, _, page) = get(&app, "/la/liverpool").await;
    assert_eq!(status, 200);
    let latest = between(&page, "id=\"latest-heading\"", "</section>");
    assert!(latest.contains("7 July 2026"), "{latest}");
    assert!(latest.contains("no overall grade"), "{latest}");
    assert!(latest.contains("grade-good"), "{latest}");
    assert!(!latest.contains("grade-inadequate"), "{latest}");
    // The timeline still keeps every inspection, the 2023 grade included.
    assert!(page.contains("25 May 2023"));

    let (_, _, home) = get(&app, "/").await;
    let sidebar = between(&home, "id=\"judgements-heading\"", "</ul>");
    assert!(sidebar.contains("Liverpool"), "{sidebar}");
    assert!(sidebar.contains("No overall grade (2026 framework)"), "{sidebar}");
    assert!(!sidebar.contains("Inadequate"), "{sidebar}");
    assert!(!sidebar.contains("25 May 2023"), "{sidebar}");
}

#[tokio::test]
async fn a_successors_page_shows_its_predecessors_inspections_as_history() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let mut cumbria = history_of("2733690").remove(0);
    cumbria.report_url = "https://files.example/cumbria-2022.pdf".into();
    cumbria.urn = "135513".into();
    cumbria.gss_code = Some("E10000006".into());
    cumbria.published = chrono::NaiveDate::from_ymd_opt(2022, 3, 1);
    (cumbria.visit_start, cumbria.visit_end) = (None, None);
    cumbria.judgements = [(
        "overall_effectiveness".to_owned(),
        csfeed_core::Grade::Outstanding,
    )]
    .into();
    let mut records = history_of("2733690");
    records.extend(history_of("2733698"));
    records.push(cumbria);
    state.store.upsert_inspections(&records).unwrap();
    let app = csfeed_web::app(state);

    for (slug, own) in [
        ("cumberland", "26 November 2024"),
        ("westmorland-and-furness", "12 July 2024"),
    ] {
        let (status, _, page) = get(&app, &format!("/la/{slug}")).await;
        assert_eq!(status, 200);
        let timeline = between(&page, "id=\"timeline-heading\"", "</section>");
        assert!(
            timeline.contains("of Cumbria (predecessor), published 1 March 2022"),
            "{slug}: {timeline}"
        );
        assert_eq!(
            timeline.matches("class=\"timeline-title\"").count(),
            2,
            "{slug}: its own and Cumbria's, not its neighbour's"
        );
        let latest = between(&page, "id=\"latest-heading\"", "</section>");
        assert!(
            latest.contains(own),
            "{slug}: the council's own inspection is current: {latest}"
        );
        assert!(!latest.contains("grade-outstanding"), "{slug}: {latest}");
    }
}

#[tokio::test]
async fn a_report_page_never_calls_an_older_grade_current() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let source = csfeed_core::SourceId::parse("news").unwrap();
    let in_2023 = history_of("80485")
        .into_iter()
        .find(|record| record.published == chrono::NaiveDate::from_ymd_opt(2023, 5, 25))
        .unwrap();
    let mut story = common::article(
        &source,
        &in_2023.report_url,
        "Liverpool children's services inspection, May 2023: inadequate",
        "Report text",
        6,
        &["E08000012"],
    );
    story.url = Some(url::Url::parse(&in_2023.report_url).unwrap());
    state.store.upsert_articles(&[story], chrono::Utc::now()).unwrap();
    state.store.upsert_inspections(&history_of("80485")).unwrap();
    let mut read = in_2023.clone();
    read.origin = "report".into();
    state.store.upsert_inspections(&[read]).unwrap();
    let id = csfeed_core::ArticleId::derive(&source, &in_2023.report_url);
    let app = csfeed_web::app(state);

    let (status, _, page) = get(&app, &format!("/articles/{id}")).await;
    assert_eq!(status, 200);
    let council = between(&page, "<th scope=\"row\">Council</th>", "</tr>");
    assert!(council.contains("Liverpool"), "{council}");
    assert!(
        !council.contains("current grade"),
        "the 2026 inspection, with no overall grade, is current: {council}"
    );
}
