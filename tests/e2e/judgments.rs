//! Family court judgments as a source kind: a court's Find Case Law feed, fetched by
//! `csfeed fetch`, lists each judgment on the pages (and in the feeds) of the councils that
//! are parties to it.

use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{Workspace, repo_path};

async fn find_case_law() -> MockServer {
    let server = MockServer::start().await;
    let feed = std::fs::read(repo_path("tests/fixtures/judgments/find-case-law-ewfc.atom"))
        .expect("the feed fixture is in the repo");
    Mock::given(method("GET"))
        .and(path("/atom.xml"))
        .and(query_param("court", "ewfc"))
        // Find Case Law serves its feed as application/xml, not application/atom+xml.
        .respond_with(ResponseTemplate::new(200).set_body_raw(feed, "application/xml; charset=utf-8"))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn a_council_page_lists_the_judgments_that_name_it_as_a_party() {
    let court = find_case_law().await;
    let workspace = Workspace::new(&[]);
    let config = std::fs::read_to_string(workspace.config()).unwrap()
        + &format!(
            "\n[[sources]]\nid = \"caselaw-family-court\"\nname = \"Family Court judgments\"\nkind = \"judgments\"\nurl = \"{}/atom.xml?court=ewfc\"\n",
            court.uri()
        );
    std::fs::write(workspace.config(), config).unwrap();

    let fetch = workspace.run(&["fetch"]).await;
    assert!(fetch.status.success(), "{fetch:?}");
    assert!(fetch.stdout.contains("5 new"), "{}", fetch.stdout);

    let server = workspace.serve().await;
    server
        .wait_for("the judgments to be indexed", |health| health["indexed"] == 5)
        .await;
    let (status, lancashire) = server.get_text("/la/lancashire").await;
    assert_eq!(status, 200);
    let section = lancashire
        .split("Published judgments")
        .nth(1)
        .expect("Lancashire's page has a judgments section");
    assert!(
        section.contains("Lancashire County Council v A &amp; Ors"),
        "{section}"
    );
    assert!(
        section.contains(r#"href="https://caselaw.example/ewfc/2026/301""#),
        "{section}"
    );
    assert!(!section.contains("Kent County Council"), "{section}");

    let (_, st_helens) = server.get_text("/la/st-helens").await;
    assert!(
        st_helens.contains("Published judgments") && st_helens.contains("Re D (Children: Care Proceedings)"),
        "a Re title's council comes from its summary"
    );
    let (_, leeds) = server.get_text("/la/leeds").await;
    assert!(
        !leeds.contains("Published judgments"),
        "an anonymised authority sitting at Leeds is no judgment of Leeds City Council"
    );

    let (_, successor) = server.get_text("/la/north-northamptonshire").await;
    assert!(
        successor
            .split("Published judgments")
            .nth(1)
            .is_some_and(|section| section.contains("Northamptonshire County Council v E (Placement Order)")),
        "a predecessor's judgments are on its successors' pages"
    );

    let (status, feed) = server.get_text("/la/lancashire/feed.rss").await;
    assert_eq!(status, 200);
    assert!(feed.contains("Lancashire County Council v A &amp; Ors"), "{feed}");
    assert!(!feed.contains("Kent County Council"), "{feed}");
    server.stop().await;
}
