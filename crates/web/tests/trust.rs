//! What the site tells a professional is right and plain: no query-parser messages, one
//! address per council, one spelling of a region, help that says what search does.

mod common;

use common::{get, state};

/// Text of the query parser's own messages.
const PARSER_PLUMBING: &[&str] = &["Syntax Error", "position", "Field does not exist", "Range query"];

fn encoded(query: &str) -> String {
    url::form_urlencoded::byte_serialize(query.as_bytes()).collect()
}

#[tokio::test]
async fn slips_get_a_human_note_on_the_site_and_in_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let app = csfeed_web::app(state(dir.path()));
    for (query, note) in [
        (
            "Focused visit: St Helens",
            "Searched the words: Focused visit St Helens",
        ),
        ("\"St Helens focused", "the quote was not closed"),
        ("[a TO b] kinship", "[a TO b]"),
        ("(kinship carers", "a bracket was not closed"),
    ] {
        for route in [
            "/search?q=",
            "/api/v1/search?q=",
            "/search.rss?q=",
            "/search.json?q=",
        ] {
            let (status, _, body) = get(&app, &format!("{route}{}", encoded(query))).await;
            assert_eq!(status, 200, "{route}{query}: {body}");
            for plumbing in PARSER_PLUMBING {
                assert!(
                    !body.contains(plumbing),
                    "{route}{query} showed {plumbing:?}: {body}"
                );
            }
            if !route.contains(".rss") && !route.contains(".json") {
                assert!(body.contains(note), "{route}{query} should say {note:?}: {body}");
            }
        }
    }
    let (_, _, api) = get(&app, "/api/v1/search?q=Focused+visit%3A+St+Helens").await;
    assert!(api.contains("\"total\":1"), "the words find the story: {api}");
}

#[tokio::test]
async fn every_way_of_naming_a_council_leads_to_its_one_address() {
    let dir = tempfile::tempdir().unwrap();
    let app = csfeed_web::app(state(dir.path()));
    for key in [
        "St-Helens",
        "E08000013",
        "80560",
        "342",
        "St%20Helen's",
        "St.%20Helens",
        "ST%20HELENS",
    ] {
        let (status, location, _) = get(&app, &format!("/la/{key}")).await;
        assert_eq!(status, 308, "/la/{key}");
        assert_eq!(location.as_deref(), Some("/la/st-helens"), "/la/{key}");
        let (status, location, _) = get(&app, &format!("/la/{key}/feed.rss")).await;
        assert_eq!(status, 308, "/la/{key}/feed.rss");
        assert_eq!(
            location.as_deref(),
            Some("/la/st-helens/feed.rss"),
            "/la/{key}/feed.rss"
        );
    }
    let (status, _, page) = get(&app, "/la/st-helens").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("St. Helens") || page.contains("St Helens"),
        "{page}"
    );
    let (status, _, feed) = get(&app, "/la/st-helens/feed.rss").await;
    assert_eq!(status, 200);
    assert!(feed.contains("St Helens focused visit"), "{feed}");
    for nowhere in ["/la/atlantis", "/la/atlantis/feed.rss", "/la/99999"] {
        assert_eq!(get(&app, nowhere).await.0, 404, "{nowhere}");
    }
}

#[tokio::test]
async fn a_region_is_its_slug_everywhere_and_its_name_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let app = csfeed_web::app(state(dir.path()));
    for region in ["north-west", "North+West", "North%20West", "NORTH-WEST"] {
        let (status, _, page) = get(&app, &format!("/ofsted?region={region}")).await;
        assert_eq!(status, 200, "region={region}: {page}");
        assert!(
            page.contains("/la/knowsley"),
            "region={region} lists the North West"
        );
        assert!(
            !page.contains("/la/kent"),
            "region={region} lists only the North West"
        );
        assert!(
            page.contains("<option value=\"north-west\" selected>North West</option>"),
            "region={region}: the form offers slugs and keeps the choice"
        );
    }
    let (status, _, page) = get(&app, "/ofsted?region=mars").await;
    assert_eq!(status, 400);
    assert!(page.contains("region=north-west"), "{page}");
    let (_, _, search) = get(&app, "/api/v1/search?q=region%3Anorth-west").await;
    assert!(
        search.contains("\"total\":1"),
        "region:north-west searches the same region: {search}"
    );
}

#[tokio::test]
async fn help_says_every_word_is_required_as_search_does() {
    let dir = tempfile::tempdir().unwrap();
    let app = csfeed_web::app(state(dir.path()));
    let (_, _, help) = get(&app, "/help/search").await;
    assert!(
        help.contains("only stories with every one of them are found"),
        "{help}"
    );
    assert!(!help.contains("come first"), "{help}");
    for one in ["patchy", "visited"] {
        let (_, _, found) = get(&app, &format!("/api/v1/search?q={one}")).await;
        assert!(found.contains("\"total\":1"), "{one}: {found}");
    }
    let (_, _, both) = get(&app, "/api/v1/search?q=patchy+visited").await;
    assert!(both.contains("\"total\":0"), "no story has both words: {both}");
}
