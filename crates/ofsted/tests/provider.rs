//! Provider-page listings, on hand-written pages in the structure of reports.ofsted.gov.uk.

mod common;

use chrono::NaiveDate;
use csfeed_ofsted::{ReportKind, parse_provider_page};
use url::Url;

fn page(urn: &str) -> Vec<csfeed_ofsted::Publication> {
    let html = String::from_utf8(common::read(&format!("provider-{urn}.html"))).expect("UTF-8");
    let url = Url::parse(&format!("https://reports.ofsted.gov.uk/provider/44/{urn}")).expect("a URL");
    parse_provider_page(&html, &url)
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[test]
fn st_helens_lists_every_kind_newest_first() {
    let publications = page("80560");
    let summary: Vec<(ReportKind, Option<NaiveDate>)> =
        publications.iter().map(|p| (p.kind, p.published)).collect();
    assert_eq!(
        summary,
        [
            (ReportKind::FocusedVisit, date("2024-07-12")),
            (ReportKind::IlacsStandard, date("2023-09-04")),
            (ReportKind::MonitoringVisit, date("2022-03-23")),
            (ReportKind::IlacsStandard, date("2019-11-04")),
            (ReportKind::FocusedVisit, date("2018-08-08")),
            (ReportKind::Sif, date("2015-01-20")),
        ]
    );
    assert_eq!(
        publications[0].title,
        "children's services focused visit, pdf - 12 july 2024"
    );
    assert_eq!(
        publications[0].url.as_str(),
        "https://files.ofsted.gov.uk/v1/file/50253495"
    );
}

#[test]
fn dorset_resolves_relative_links_and_skips_links_without_files() {
    let publications = page("2532283");
    assert_eq!(publications.len(), 4, "the withdrawn entry has no href");
    assert_eq!(
        publications[0].title,
        "children's services inspection, pdf - 09 may 2025"
    );
    assert_eq!(publications[0].published, date("2025-05-09"));
    assert_eq!(publications[2].kind, ReportKind::Jtai);
    assert_eq!(
        publications[2].url.as_str(),
        "https://reports.ofsted.gov.uk/v1/file/50176150"
    );
}

#[test]
fn pages_without_publications() {
    let url = Url::parse("https://reports.ofsted.gov.uk/provider/44/1").expect("a URL");
    assert!(parse_provider_page("", &url).is_empty());
    assert!(parse_provider_page("<html><body><a href='/x'>x</a></body></html>", &url).is_empty());
}
