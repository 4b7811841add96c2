//! Ofsted ingestion at scale against a generated mirror: whatever stops `csfeed fetch`,
//! every report the provider pages list ends up stored exactly once, and a report that
//! fails to download or to read is tried again until it is stored.

use std::collections::BTreeSet;

use csfeed_core::Gazetteer;
use csfeed_testkit::{MirrorCouncil, OfstedMirror};

use crate::helpers::{Output, Workspace, wait_until};

/// The first `count` current councils, for the source's `authorities`, and the councils
/// whose provider pages csfeed reads for them (with the predecessors of any that succeeded
/// an abolished council), for the mirror.
fn councils(count: usize) -> Vec<(String, MirrorCouncil)> {
    let gazetteer = Gazetteer::get();
    let followed: Vec<_> = gazetteer
        .authorities()
        .iter()
        .filter(|la| la.abolished.is_none())
        .take(count)
        .collect();
    let mut pages = followed.clone();
    for la in &followed {
        for old in gazetteer.predecessors_of(la) {
            if !pages.iter().any(|known| known.gss_code == old.gss_code) {
                pages.push(old);
            }
        }
    }
    pages
        .into_iter()
        .map(|la| {
            let council = MirrorCouncil {
                urn: la.urn.clone(),
                name: la.name.clone(),
            };
            let slug = if la.abolished.is_none() {
                la.slug.clone()
            } else {
                String::new()
            };
            (slug, council)
        })
        .collect()
}

async fn mirror(councils: &[(String, MirrorCouncil)], reports_per_council: usize) -> OfstedMirror {
    let listed = councils.iter().map(|(_, council)| council.clone()).collect();
    OfstedMirror::start(listed, reports_per_council)
        .await
        .expect("start the mirror")
}

/// A workspace with one Ofsted source, `ofsted`, following `councils` on `mirror`.
fn workspace(mirror: &OfstedMirror, councils: &[(String, MirrorCouncil)]) -> Workspace {
    let workspace = Workspace::new(&[]);
    // Predecessors are read for their successors without being followed.
    let slugs: Vec<&str> = councils
        .iter()
        .map(|(slug, _)| slug.as_str())
        .filter(|slug| !slug.is_empty())
        .collect();
    // No gap between requests to the mirror's one host: the test is about what is stored.
    let config = std::fs::read_to_string(workspace.config())
        .unwrap()
        .replace("min_host_interval = \"10ms\"", "min_host_interval = \"0s\"")
        + &format!(
            "\n[[sources]]\nid = \"ofsted\"\nname = \"Ofsted reports\"\nkind = \"ofsted\"\nurl = {:?}\ninterval = \"1m\"\nauthorities = {slugs:?}\n",
            mirror.provider_template()
        );
    std::fs::write(workspace.config(), config).unwrap();
    workspace
}

/// Report URLs stored from reports csfeed read.
fn stored_reports(workspace: &Workspace) -> BTreeSet<String> {
    let database = workspace.database();
    let mut statement = database
        .prepare("SELECT report_url FROM inspections WHERE origin = 'report'")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Ids of the stored articles.
fn article_ids(workspace: &Workspace) -> BTreeSet<String> {
    let database = workspace.database();
    let mut statement = database.prepare("SELECT id FROM articles").unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Files left in the data directory's download folder.
fn spooled(workspace: &Workspace) -> Vec<String> {
    let folder = workspace.data_dir().join("spool");
    std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("{}: {error}", folder.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

async fn fetch(workspace: &Workspace) -> Output {
    let output = workspace.run(&["fetch", "--all"]).await;
    assert!(output.status.success(), "{output:?}");
    output
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fetch_killed_at_any_point_then_finished_stores_what_an_uninterrupted_one_does() {
    // England's scale: 150 councils and the predecessors read for them, 3 reports each.
    let councils = councils(150);
    let (pages, reports) = (councils.len(), councils.len() * 3);
    let mirror = mirror(&councils, 3).await;
    let reference = workspace(&mirror, &councils);
    let uninterrupted = fetch(&reference).await;
    assert!(
        uninterrupted.stdout.contains(&format!(
            "Ofsted reports: {reports} listed, {reports} downloaded, {reports} read, 0 skipped, 0 pending"
        )),
        "{}",
        uninterrupted.stdout
    );
    assert_eq!(stored_reports(&reference), mirror.report_urls());

    let workspace = workspace(&mirror, &councils);
    // SIGKILL while reading provider pages (after a third of them), then twice while
    // reading reports. Each run asks for every page again (304 for those read before), then
    // for the reports. Reports are read a few at a time but stored in order, so once a
    // request is held, every report before it is stored and none after it.
    let first_pages = pages / 3;
    let kills = [
        (first_pages, 0, first_pages * 3),
        (pages + 10, 10, reports - 10),
        (pages + 30, 40, reports - 40),
    ];
    for (requests, stored, pending) in kills {
        mirror.hold_after(requests);
        let mut child = workspace.spawn(&["fetch", "--all"]);
        wait_until(
            "csfeed to reach the held request and store what came before",
            || mirror.waiting() > 0 && stored_reports(&workspace).len() == stored,
        )
        .await;
        child.kill().await.expect("SIGKILL csfeed fetch");
        assert_eq!(
            stored_reports(&workspace).len(),
            stored,
            "after {requests} requests"
        );
        let sources = workspace.sources().await;
        assert_eq!(
            sources["ofsted"]["publications_pending"], pending,
            "{}",
            sources["ofsted"]
        );
    }
    mirror.release();
    let rest = fetch(&workspace).await;
    let left = reports - 40;
    assert!(
        rest.stdout.contains(&format!("{pages} not modified"))
            && rest.stdout.contains(&format!(
                "Ofsted reports: 0 listed, {left} downloaded, {left} read, 0 skipped, 0 pending"
            )),
        "pages already read answer 304, and their unread reports are read: {}",
        rest.stdout
    );
    assert_eq!(stored_reports(&workspace), stored_reports(&reference));
    assert_eq!(article_ids(&workspace), article_ids(&reference));

    let again = fetch(&workspace).await;
    assert!(
        again.stdout.contains("0 new")
            && again.stdout.contains(&format!("{pages} not modified"))
            && again
                .stdout
                .contains("Ofsted reports: 0 listed, 0 downloaded, 0 read, 0 skipped, 0 pending"),
        "{}",
        again.stdout
    );
    let sources = workspace.sources().await;
    let ofsted = &sources["ofsted"];
    // The first third again in the second run, every page in the third and the last two.
    assert_eq!(
        ofsted["not_modified"],
        first_pages + 3 * pages,
        "every 304 of a provider page counts: {ofsted}"
    );
    assert!(
        ofsted["bytes_saved"].as_u64().unwrap() > 2 * pages as u64 * 1000,
        "{ofsted}"
    );
    assert_eq!(
        (&ofsted["publications_pending"], &ofsted["publications_failing"]),
        (&0.into(), &0.into())
    );
    assert_eq!(ofsted["url"], mirror.provider_template(), "shown with {{urn}}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_that_fail_to_download_or_to_read_are_retried_until_stored() {
    let councils = councils(3);
    let mirror = mirror(&councils, 2).await;
    let workspace = workspace(&mirror, &councils);
    let flaky = OfstedMirror::report_path(&councils[1].1.urn, 1);
    mirror.fail_first(&flaky, 2);
    let broken = OfstedMirror::report_path(&councils[2].1.urn, 0);
    mirror.break_first(&broken, 1);

    let first = fetch(&workspace).await;
    assert!(
        first.stdout.contains(
            "Ofsted reports: 6 listed, 5 downloaded, 4 read, 2 skipped (1 download failed, 1 unreadable), 2 pending"
        ),
        "{}",
        first.stdout
    );
    let sources = workspace.sources().await;
    assert_eq!(
        sources["ofsted"]["publications_failing"], 2,
        "{}",
        sources["ofsted"]
    );
    assert_eq!(
        spooled(&workspace),
        Vec::<String>::new(),
        "no download is left on disk, failed or not"
    );

    let early = fetch(&workspace).await;
    assert_eq!(
        (mirror.hits(&flaky), mirror.hits(&broken)),
        (1, 1),
        "not tried again before their wait is over"
    );
    assert!(
        early
            .stdout
            .contains("Ofsted reports: 0 listed, 0 downloaded, 0 read, 0 skipped, 2 pending"),
        "{}",
        early.stdout
    );

    for (attempt, expected) in [
        (
            2,
            "1 downloaded, 1 read, 1 skipped (1 download failed), 1 pending",
        ),
        (3, "1 downloaded, 1 read, 0 skipped, 0 pending"),
    ] {
        let refresh = workspace.run(&["sources", "refresh", "ofsted"]).await;
        assert!(refresh.status.success(), "{refresh:?}");
        let retry = fetch(&workspace).await;
        assert_eq!(mirror.hits(&flaky), attempt);
        assert!(retry.stdout.contains(expected), "{}", retry.stdout);
    }
    assert_eq!(stored_reports(&workspace), mirror.report_urls());
    assert_eq!(spooled(&workspace), Vec::<String>::new());
    let sources = workspace.sources().await;
    assert_eq!(sources["ofsted"]["publications_failing"], 0);

    let again = fetch(&workspace).await;
    assert!(again.stdout.contains("0 new"), "{}", again.stdout);
    assert_eq!(
        (mirror.hits(&flaky), mirror.hits(&broken)),
        (3, 2),
        "a stored report is not downloaded again"
    );
    let check = workspace.run(&["config", "check"]).await;
    assert!(
        check.stdout.contains(&mirror.provider_template()),
        "the template is shown with {{urn}}: {}",
        check.stdout
    );
    let listed = workspace.sources().await;
    assert_eq!(
        listed["ofsted"]["url"].as_str(),
        Some(mirror.provider_template().as_str()),
        "the operator sees the template with {{urn}}"
    );
    let server = workspace.serve().await;
    let (status, page) = server.get_text("/sources").await;
    assert_eq!(status, 200);
    assert!(
        !page.contains(&mirror.provider_template()),
        "readers see no fetch address: {page}"
    );
    assert!(server.stop().await.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_read_before_serve_is_stopped_are_kept_and_the_rest_read_next_time() {
    let councils = councils(10);
    let mirror = mirror(&councils, 3).await;
    let workspace = workspace(&mirror, &councils);
    let config =
        std::fs::read_to_string(workspace.config()).unwrap() + "\n[server]\nshutdown_timeout = \"1s\"\n";
    std::fs::write(workspace.config(), config).unwrap();
    // All 10 pages and 12 reports, then SIGTERM while the 13th report is on its way.
    mirror.hold_after(22);
    let server = workspace.serve().await;
    wait_until(
        "csfeed serve to reach the held request and store the 12 reports",
        || mirror.waiting() > 0 && stored_reports(&workspace).len() == 12,
    )
    .await;
    assert!(server.stop().await.success());
    assert_eq!(stored_reports(&workspace).len(), 12);
    assert_eq!(workspace.sources().await["ofsted"]["publications_pending"], 18);

    mirror.release();
    let rest = fetch(&workspace).await;
    assert!(
        rest.stdout.contains("10 not modified")
            && rest
                .stdout
                .contains("Ofsted reports: 0 listed, 18 downloaded, 18 read, 0 skipped, 0 pending"),
        "{}",
        rest.stdout
    );
    assert_eq!(stored_reports(&workspace), mirror.report_urls());
}
