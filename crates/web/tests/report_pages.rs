//! Ofsted reports as first-class pages: the facts panel, findings and the stored PDF. The
//! real router over a real store and index.

mod common;

use chrono::NaiveDate;
use csfeed_core::{ArticleId, Grade, InspectionRecord, SourceId};

const REPORT: &str = "file:///srv/demo/ofsted/st-helens-2023.pdf";
const PDF: &[u8] = b"%PDF-1.4 the report itself";

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// A site with St Helens' 2019 inspection (inadequate) and its 2023 report read by csfeed
/// (good, with findings and its file); returns the site and the report's story id.
fn site(dir: &std::path::Path) -> (axum::Router, ArticleId) {
    let (state, id) = stocked(dir);
    (csfeed_web::app(state), id)
}

/// The state behind [`site`].
fn stocked(dir: &std::path::Path) -> (csfeed_web::AppState, ArticleId) {
    let state = common::state(dir);
    let source = SourceId::parse("news").unwrap();
    let mut report = common::article(
        &source,
        REPORT,
        "St Helens children's services inspection, September 2023: good",
        "Report text",
        6,
        &["E08000013"],
    );
    report.url = Some(url::Url::parse(REPORT).unwrap());
    report.content_html = "<p>the stored report html</p>".into();
    state
        .store
        .upsert_articles(&[report], chrono::Utc::now())
        .unwrap();
    let graded = |grade| {
        [("overall_effectiveness".to_owned(), grade)]
            .into_iter()
            .collect()
    };
    state
        .store
        .upsert_inspections(&[
            InspectionRecord {
                report_url: "https://files.ofsted.example/2019.pdf".into(),
                urn: "80560".into(),
                gss_code: Some("E08000013".into()),
                kind: "ilacs_standard".into(),
                published: day(2019, 11, 4),
                judgements: graded(Grade::Inadequate),
                origin: "history".into(),
                ..InspectionRecord::default()
            },
            InspectionRecord {
                report_url: REPORT.into(),
                urn: "80560".into(),
                gss_code: Some("E08000013".into()),
                kind: "ilacs_standard".into(),
                visit_start: day(2023, 9, 11),
                visit_end: day(2023, 9, 22),
                published: day(2023, 11, 1),
                lead_inspector: Some("Jane Inspector".into()),
                inspectors: vec!["Jane Inspector".into(), "Sam Deputy".into()],
                judgements: graded(Grade::Good),
                headline: Some("Children in St Helens now get good help.".into()),
                priority_actions: vec!["Thresholds <em>for</em> child protection.".into()],
                improvements: vec!["The timeliness of assessments.".into()],
                origin: "report".into(),
            },
        ])
        .unwrap();
    state
        .store
        .save_report_file(REPORT, "application/pdf", PDF)
        .unwrap();
    state.index.catch_up(&state.store).unwrap();
    (state, ArticleId::derive(&source, REPORT))
}

#[tokio::test]
async fn a_report_page_shows_its_facts_findings_and_the_stored_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = site(dir.path());
    let (status, _, page) = common::get(&app, &format!("/articles/{id}")).await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "<a href=\"/la/st-helens\">St Helens</a>",
        "current grade <span class=\"grade grade-good\">Good</span>",
        "11 September 2023 to 22 September 2023",
        "1 November 2023",
        "Jane Inspector, Sam Deputy",
        "<th scope=\"row\">GSS code at the visit</th><td>E08000013</td>",
        "<th scope=\"row\">Previous grade</th><td><span class=\"grade grade-inadequate\">Inadequate</span>, published 4 November 2019",
        "<td class=\"travel\">Improved</td>",
        "Children in St Helens now get good help.",
        "<h2 id=\"priority-heading\">Areas for priority action</h2>",
        "<li>Thresholds &#60;em&#62;for&#60;/em&#62; child protection.</li>",
        "What needs to improve</h2><ul><li>The timeliness of assessments.</li>",
        &format!("<a href=\"/reports/{id}.pdf\">Read the report (PDF)</a>"),
    ] {
        assert!(page.contains(expected), "missing {expected:?} in {page}");
    }
    assert!(
        !page.contains("the stored report html"),
        "the panel replaces the raw body"
    );
    assert!(
        !page.contains("Ofsted's site"),
        "a file: report has no Ofsted link"
    );
}

#[tokio::test]
async fn a_report_on_the_web_links_to_ofsted_and_a_letter_has_no_direction_of_travel() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = stocked(dir.path());
    let source = SourceId::parse("news").unwrap();
    let letter_url = "https://files.ofsted.example/2024-letter.pdf";
    let mut letter = common::article(
        &source,
        letter_url,
        "Focused visit to St Helens",
        "Letter",
        7,
        &["E08000013"],
    );
    letter.url = Some(url::Url::parse(letter_url).unwrap());
    state
        .store
        .upsert_articles(&[letter], chrono::Utc::now())
        .unwrap();
    state
        .store
        .upsert_inspections(&[InspectionRecord {
            report_url: letter_url.into(),
            urn: "80560".into(),
            gss_code: Some("E08000013".into()),
            kind: "focused_visit".into(),
            published: day(2024, 7, 12),
            origin: "report".into(),
            ..InspectionRecord::default()
        }])
        .unwrap();
    let app = csfeed_web::app(state);
    let id = ArticleId::derive(&source, letter_url);
    let (status, _, page) = common::get(&app, &format!("/articles/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(&format!(
            "<a href=\"{letter_url}\" rel=\"noopener noreferrer\">The report on Ofsted's site</a>"
        )),
        "{page}"
    );
    assert!(
        !page.contains("/reports/"),
        "no file kept, no link to one: {page}"
    );
    assert!(
        page.contains(
            "Previous grade</th><td><span class=\"grade grade-good\">Good</span>, published 1 November 2023"
        ),
        "{page}"
    );
    assert!(
        !page.contains("Direction of travel"),
        "a letter has no grade to compare"
    );
    assert!(!page.contains("priority-heading"), "no empty priority box");
}

#[tokio::test]
async fn the_stored_pdf_is_served_and_unknown_ones_are_404() {
    let dir = tempfile::tempdir().unwrap();
    let (app, id) = site(dir.path());
    use tower::ServiceExt as _;
    let request = axum::http::Request::get(format!("/reports/{id}.pdf"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[axum::http::header::CONTENT_TYPE],
        "application/pdf"
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&body[..], PDF);

    let news = ArticleId::derive(&SourceId::parse("news").unwrap(), "a");
    for path in [
        format!("/reports/{news}.pdf"),
        format!("/reports/{id}"),
        "/reports/..%2Fetc%2Fpasswd.pdf".to_owned(),
    ] {
        let (status, _, _) = common::get(&app, &path).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn a_report_from_before_a_reorganisation_gives_the_code_then_and_the_successors() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = stocked(dir.path());
    let source = SourceId::parse("news").unwrap();
    let reports = [
        // Northamptonshire's own provider page, 2019: abolished in 2021.
        (
            "https://files.ofsted.example/northants-2019.pdf",
            "121939",
            "E10000021",
            day(2019, 6, 3),
        ),
        // Listed on today's Dorset's page, but the visit was to Dorset County Council.
        (
            "https://files.ofsted.example/dorset-2018.pdf",
            "2532283",
            "E06000059",
            day(2018, 11, 6),
        ),
    ];
    for (url, urn, gss, visit) in reports {
        let mut article = common::article(&source, url, "An Ofsted report", "Report", 8, &[gss]);
        article.url = Some(url::Url::parse(url).unwrap());
        state
            .store
            .upsert_articles(&[article], chrono::Utc::now())
            .unwrap();
        state
            .store
            .upsert_inspections(&[InspectionRecord {
                report_url: url.into(),
                urn: urn.into(),
                gss_code: Some(gss.into()),
                kind: "focused_visit".into(),
                visit_start: visit,
                visit_end: visit,
                published: visit.and_then(|day| day.checked_add_days(chrono::Days::new(30))),
                origin: "report".into(),
                ..InspectionRecord::default()
            }])
            .unwrap();
    }
    let app = csfeed_web::app(state);
    let page_of = |url: &str| format!("/articles/{}", ArticleId::derive(&source, url));
    let (status, _, page) = common::get(&app, &page_of(reports[0].0)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains(
            "<td>E10000021 (Northamptonshire; succeeded by <a href=\"/la/north-northamptonshire\">North Northamptonshire</a> and <a href=\"/la/west-northamptonshire\">West Northamptonshire</a>)</td>"
        ),
        "{page}"
    );
    let (status, _, page) = common::get(&app, &page_of(reports[1].0)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("<td>E10000009 (Dorset; succeeded by <a href=\"/la/dorset\">Dorset</a>)</td>"),
        "{page}"
    );
}
