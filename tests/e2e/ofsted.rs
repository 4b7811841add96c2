//! `csfeed ofsted inspect` on real reports and on files that are not reports.

use crate::helpers::{repo_path, run_csfeed};

#[tokio::test(flavor = "multi_thread")]
async fn report_facts_match_the_ground_truth() {
    let folder = repo_path("tests/fixtures/ofsted");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("expected.json")).unwrap()).unwrap();
    for (file, truth) in expected.as_object().unwrap() {
        let path = folder.join(file).display().to_string();
        let published = truth["published"].as_str().unwrap().to_owned();
        let output = run_csfeed(&[
            "ofsted".into(),
            "inspect".into(),
            path,
            "--published".into(),
            published,
        ])
        .await;
        assert!(output.status.success(), "{file}: {output:?}");
        let facts: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
        for key in [
            "kind",
            "local_authority",
            "urn",
            "gss_code",
            "visit_start",
            "visit_end",
            "published",
            "lead_inspector",
            "inspectors",
            "judgements",
        ] {
            assert_eq!(facts[key], truth[key], "{file}: {key}");
        }
        if let Some(start) = truth["headline_starts_with"].as_str() {
            let headline = facts["headline"].as_str().unwrap_or_default();
            assert!(headline.starts_with(start), "{file}: {headline}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn files_that_are_not_reports_get_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "html.pdf",
            b"<!DOCTYPE html><html><body>Report not found</body></html>".to_vec(),
        ),
        ("empty.pdf", Vec::new()),
        (
            "garbage.pdf",
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
                .collect(),
        ),
        (
            "truncated.pdf",
            std::fs::read(repo_path(
                "tests/fixtures/ofsted/80432_bolton_ilacs_2018-06-12.pdf",
            ))
            .unwrap()[..2048]
                .to_vec(),
        ),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = run_csfeed(&["ofsted".into(), "inspect".into(), path.display().to_string()]).await;
        assert_eq!(output.status.code(), Some(1), "{name}: {output:?}");
        assert_eq!(
            output.stderr.trim_end().lines().count(),
            1,
            "{name}: one line, no panic: {}",
            output.stderr
        );
        assert!(output.stderr.starts_with("error: "), "{name}: {}", output.stderr);
        assert!(output.stdout.is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn provider_pages_become_council_records_news_and_alerts() {
    let template = format!(
        "file://{}/provider-{{urn}}.html",
        crate::helpers::repo_path("demo/ofsted").display()
    );
    let news = format!(
        "file://{}",
        crate::helpers::repo_path("demo/feeds/practice-news.rss").display()
    );
    let workspace = crate::helpers::Workspace::new(&[("practice-news", news)]);
    let config = std::fs::read_to_string(workspace.config()).unwrap()
        + &format!(
            "\n[[sources]]\nid = \"ofsted-reports\"\nname = \"Ofsted reports\"\nkind = \"ofsted\"\nurl = {template:?}\nauthorities = [\"st-helens\", \"dorset\"]\n"
        );
    std::fs::write(workspace.config(), config).unwrap();
    let fetch = workspace.run(&["fetch"]).await;
    assert!(fetch.status.success(), "{fetch:?}");

    let server = workspace.serve().await;
    let (status, council) = server.get_text("/la/st-helens").await;
    assert_eq!(status, 200);
    // The 2023 report, read by csfeed, corrects the history's grades and replaces its row.
    assert_eq!(
        council.matches(", published 4 September 2023").count(),
        1,
        "one row per publication"
    );
    let latest = council
        .split("Latest judgements")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .unwrap();
    assert!(
        latest.contains("Help and protection</th><td><span class=\"grade grade-requires_improvement\""),
        "{latest}"
    );
    assert!(
        latest.contains("Care leavers</th><td><span class=\"grade grade-outstanding\""),
        "{latest}"
    );
    assert!(council.contains("Focused visit"), "visits are on the timeline");
    let (status, feed) = server.get_text("/ofsted/changes.rss").await;
    assert_eq!(status, 200);
    let feed = feed_rs::parser::parse(feed.as_bytes()).expect("changes feed parses");
    let titles: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t == "St Helens children's services improved to good (was inadequate)"),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t == "Dorset children's services improved to outstanding (was good)"),
        "{titles:?}"
    );
    // The 2018 letter set three areas for priority action: an alert of its own.
    assert!(
        titles
            .iter()
            .any(|t| t == "St Helens children's services given 3 areas for priority action"),
        "{titles:?}"
    );
    let (_, results) = server.get_text("/search?q=%22focused+visit%22+St+Helens").await;
    assert!(
        results.contains(
            "<mark>Focused</mark> <mark>visit</mark> to <mark>St</mark> <mark>Helens</mark> children"
        ),
        "reports are searchable: {results}"
    );
    // A report's feed item is tagged with its council and grade by name.
    let (_, reports) = server
        .get_text("/search.rss?q=kind:inspection+grade:inadequate+la:st-helens")
        .await;
    assert!(
        reports.contains(">Inadequate</category>") && reports.contains(">St Helens</category>"),
        "{reports}"
    );
    // The report and the news about it link to each other.
    let found = workspace
        .run(&[
            "search",
            "visit",
            "--source",
            "ofsted-reports",
            "--from",
            "2024-07-12",
            "--to",
            "2024-07-12",
            "--json",
        ])
        .await;
    let found: serde_json::Value = serde_json::from_str(&found.stdout).unwrap();
    assert_eq!(
        found["results"][0]["title"], "Focused visit to St Helens children's services, July 2024",
        "{found}"
    );
    let report_id = found["results"][0]["id"].as_str().unwrap().to_owned();
    assert!(
        found["results"][0]["page"].as_u64().is_some_and(|page| page >= 1),
        "results say which page: {found}"
    );
    let deep = workspace
        .run(&[
            "search",
            "\"Yours sincerely\"",
            "--source",
            "ofsted-reports",
            "--json",
        ])
        .await;
    let deep: serde_json::Value = serde_json::from_str(&deep.stdout).unwrap();
    assert!(
        deep["results"][0]["page"].as_u64().is_some_and(|page| page > 1),
        "a letter's sign-off is not on page 1: {deep}"
    );
    let (_, report) = server.get_text(&format!("/articles/{report_id}")).await;
    assert!(report.contains("Coverage of this report"), "{report}");
    // A report's page: facts, findings, and the PDF csfeed stored (read from a file here).
    for expected in [
        "<a href=\"/la/st-helens\">St Helens</a>",
        "24 April 2024 to 25 April 2024",
        "Gareth Dakin, Alison Smale",
        "<th scope=\"row\">Previous grade</th><td><span class=\"grade grade-good\">Good</span>, published 4 September 2023",
        &format!("<a href=\"/reports/{report_id}.pdf\">Read the report (PDF)</a>"),
    ] {
        assert!(report.contains(expected), "missing {expected:?}: {report}");
    }
    let response = server.get(&format!("/reports/{report_id}.pdf")).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(
        response.bytes().await.unwrap().to_vec(),
        std::fs::read(crate::helpers::repo_path(
            "demo/ofsted/reports/80560_st-helens_focused-visit_2024-07-12.pdf"
        ))
        .unwrap(),
        "the very file csfeed read"
    );
    let letters = workspace
        .run(&[
            "search",
            "kind:focused-visit la:st-helens",
            "--source",
            "ofsted-reports",
            "--json",
        ])
        .await;
    let letters: serde_json::Value = serde_json::from_str(&letters.stdout).unwrap();
    let mut letter_titles: Vec<&str> = letters["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| hit["title"].as_str())
        .collect();
    letter_titles.sort_unstable();
    assert_eq!(
        letter_titles,
        [
            "Focused visit to St Helens children's services, August 2018",
            "Focused visit to St Helens children's services, July 2024"
        ],
        "the two letters never share a title"
    );
    let old_letter = letters["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hit| hit["title"].as_str().is_some_and(|title| title.ends_with("2018")))
        .and_then(|hit| hit["id"].as_str())
        .unwrap();
    let (_, old_letter) = server.get_text(&format!("/articles/{old_letter}")).await;
    assert!(
        old_letter.contains("<h2 id=\"priority-heading\">Areas for priority action</h2>")
            && old_letter.contains("<li>There are significant delays in"),
        "{old_letter}"
    );
    assert!(
        report.contains("Ofsted focused visit finds St Helens"),
        "{report}"
    );
    let news_id = report
        .split("Coverage of this report")
        .nth(1)
        .unwrap()
        .split("href=\"/articles/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let (_, news) = server.get_text(&format!("/articles/{news_id}")).await;
    assert!(
        news.contains("The Ofsted report") && news.contains(&format!("/articles/{report_id}")),
        "{news}"
    );
    // Findings are searchable: has:priority-actions is one search, and a feed.
    let (_, told) = server
        .get_text("/api/v1/search?q=has:priority-actions+la:st-helens&sort=newest")
        .await;
    let told: serde_json::Value = serde_json::from_str(&told).unwrap();
    let told: Vec<&str> = told["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|hit| hit["title"].as_str())
        .collect();
    assert_eq!(
        told,
        [
            "Focused visit to St Helens children's services, August 2018",
            "St Helens children's services inspection, January 2015: requires improvement to be good"
        ]
    );
    let (status, _) = server
        .get_text("/search.rss?q=has:priority-actions+findings:quality")
        .await;
    assert_eq!(status, 200);
    // Passages quote what inspectors found, never a letter's address block, and whole words.
    let (_, passages) = server
        .get_text("/api/v1/search?q=%22St+Helens%22+source:ofsted-reports")
        .await;
    let passages: serde_json::Value = serde_json::from_str(&passages).unwrap();
    for hit in passages["results"].as_array().unwrap() {
        let snippet = hit["snippet_html"].as_str().unwrap();
        for address in ["WA9 1LD", "Atlas House", "Piccadilly Gate", "quiries@"] {
            assert!(!snippet.contains(address), "{address:?} quoted: {snippet}");
        }
    }
    assert!(server.stop().await.success());

    // A second cycle reads no report again and adds nothing.
    let again = workspace.run(&["fetch", "--all"]).await;
    assert!(again.stdout.contains("0 new"), "{}", again.stdout);
}
