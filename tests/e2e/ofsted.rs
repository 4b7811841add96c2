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
        let errors: Vec<&str> = output
            .stderr
            .lines()
            .filter(|line| line.starts_with("error: "))
            .collect();
        assert_eq!(errors.len(), 1, "{name}: {}", output.stderr);
        assert!(output.stdout.is_empty(), "{name}");
    }
}
