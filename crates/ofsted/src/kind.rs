//! What kind of report a file is, from its first page or from its provider-page listing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::dates::VisitDates;
use crate::layout::Layout;

/// The kinds of children's services report Ofsted publishes for a local authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// ILACS standard inspection (2018–): two weeks on site.
    IlacsStandard,
    /// ILACS short inspection (2018–): one week on site (visit span ≤ 7 days).
    IlacsShort,
    /// ILACS focused visit: a letter, no grades.
    FocusedVisit,
    /// Monitoring visit to an authority judged inadequate: a letter, no grades.
    MonitoringVisit,
    /// Joint targeted area inspection (with CQC, HMICFRS and HMI Probation).
    Jtai,
    /// Single inspection framework (2013–2017), with the LSCB review.
    Sif,
    /// Inspection of safeguarding and looked after children services (2012–2013).
    LookedAfterSafeguarding,
    /// Anything else.
    Other,
}

/// On-site days up to which an ILACS inspection is a short one.
const SHORT_INSPECTION_DAYS: i64 = 7;
/// Provider listings say "children's services inspection" for every framework; listed
/// before these dates it is (most likely) an older framework.
const SIF_FIRST_LISTED: Option<NaiveDate> = NaiveDate::from_ymd_opt(2014, 1, 1);
const ILACS_FIRST_LISTED: Option<NaiveDate> = NaiveDate::from_ymd_opt(2018, 4, 1);

impl ReportKind {
    /// A letter (focused or monitoring visit, JTAI): dated, signed, no judgement table.
    pub fn is_letter(self) -> bool {
        matches!(self, Self::FocusedVisit | Self::MonitoringVisit | Self::Jtai)
    }

    /// An ILACS graded inspection, standard or short.
    pub fn is_ilacs(self) -> bool {
        matches!(self, Self::IlacsStandard | Self::IlacsShort)
    }
}

/// The kind of report, from the marks on its first page (ILACS reported as standard:
/// see [`by_visit_span`]).
pub(crate) fn detect(layout: &Layout) -> ReportKind {
    let first_page = layout.page_text(1).to_ascii_lowercase();
    let title_starts = |prefix: &str| {
        layout
            .page_lines(1)
            .any(|line| line.to_ascii_lowercase().starts_with(prefix))
    };
    let letter_about = |visit: &str| {
        title_starts(&format!("{visit} to "))
            || first_page.contains(&format!("findings of the {visit}"))
            || first_page.contains(&format!("findings of a {visit}"))
    };
    if let Some(kind) = by_title(layout, &first_page) {
        return kind;
    }
    if letter_about("focused visit") {
        ReportKind::FocusedVisit
    } else if letter_about("monitoring visit") {
        ReportKind::MonitoringVisit
    } else if title_starts("joint targeted area inspection") {
        ReportKind::Jtai
    } else if first_page.contains("inspection of services for children in need of help and protection") {
        ReportKind::Sif
    } else if first_page.contains("looked after children services")
        || first_page.contains("safeguarding and looked after children")
    {
        ReportKind::LookedAfterSafeguarding
    } else if first_page.contains("inspection of children's social care services")
        || first_page.contains("local authority children's services")
            && first_page.contains("inspection date")
    {
        ReportKind::IlacsStandard
    } else {
        ReportKind::Other
    }
}

/// Lines at the top of the first page that can hold a report's title (wrapped titles
/// included).
const TITLE_LINES: usize = 6;

/// The kind a report's own title gives ("Inspection of Kent County Council children's
/// services", "Inspection of services for children in need of help and protection…"),
/// before anything its text mentions: an inspection's first paragraph may well speak of
/// an earlier focused visit or a JTAI.
fn by_title(layout: &Layout, first_page: &str) -> Option<ReportKind> {
    let title = layout
        .page_lines(1)
        .take(TITLE_LINES)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    if title.contains("inspection of services for children in need of help and protection") {
        return Some(ReportKind::Sif);
    }
    let ilacs = title.contains("inspection of")
        && !title.contains("visit to")
        && [
            "children's social care",
            "children's services",
            "children and families",
        ]
        .iter()
        .any(|service| title.contains(service))
        && first_page.contains("inspection date");
    ilacs.then_some(ReportKind::IlacsStandard)
}

/// Standard or short ILACS inspection from the days on site (not printed on the report).
pub(crate) fn by_visit_span(kind: ReportKind, visit: Option<VisitDates>) -> ReportKind {
    match visit {
        Some(visit) if kind.is_ilacs() && (visit.end - visit.start).num_days() < SHORT_INSPECTION_DAYS => {
            ReportKind::IlacsShort
        }
        _ => kind,
    }
}

/// The kind of report a provider-page listing describes ("children's services focused
/// visit, pdf - 12 july 2024"). A listed "children's services inspection" cannot say
/// standard or short, so it is [`ReportKind::IlacsStandard`] from April 2018 (read the
/// report to tell), [`ReportKind::Sif`] from 2014, and the 2012–13 framework before.
pub(crate) fn from_listing(title: &str, published: Option<NaiveDate>) -> ReportKind {
    let title = title.to_lowercase();
    if title.contains("focused visit") {
        ReportKind::FocusedVisit
    } else if title.contains("monitoring visit") {
        ReportKind::MonitoringVisit
    } else if title.contains("joint targeted area") || title.contains("jtai") {
        ReportKind::Jtai
    } else if title.contains("single inspection") {
        ReportKind::Sif
    } else if title.contains("looked after") {
        ReportKind::LookedAfterSafeguarding
    } else if title.contains("children") && title.contains("inspection") {
        match published {
            Some(date) if Some(date) < SIF_FIRST_LISTED => ReportKind::LookedAfterSafeguarding,
            Some(date) if Some(date) < ILACS_FIRST_LISTED => ReportKind::Sif,
            _ => ReportKind::IlacsStandard,
        }
    } else {
        ReportKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }

    #[test]
    fn the_reports_own_title_decides_not_what_its_text_mentions() {
        let detect_in = |text: &str| {
            detect(&Layout::new(&crate::ReportText {
                pages: vec![text.to_owned()],
            }))
        };
        let inspection = "Lincolnshire County Council\nInspection of children\u{2019}s social care services\n\
            Inspection dates: 29 April to 3 May 2019\nLead inspector: Rachel Griffiths\nJudgement Grade\n\n\
            Since the findings of the focused visit in 2018 and the joint targeted area inspection, leaders have acted.\n";
        assert_eq!(detect_in(inspection), ReportKind::IlacsStandard);
        let kent = "Inspection of Kent County Council\nchildren\u{2019}s services\nInspection dates: 9 to 20 May 2022\n";
        assert_eq!(detect_in(kent), ReportKind::IlacsStandard);
        let trust =
            "Inspection of Bradford Children and\nFamilies Trust\nInspection dates: 12 to 23 January 2026\n";
        assert_eq!(detect_in(trust), ReportKind::IlacsStandard);
        let letter = "12 July 2024\n\nHilary Brooks\nDirector of Children\u{2019}s Services\n\nDear Ms Brooks\n\
            Focused visit to St Helens children\u{2019}s services\n\nThis letter summarises the findings of the focused visit.\n";
        assert_eq!(detect_in(letter), ReportKind::FocusedVisit);
    }

    #[test]
    fn listing_kinds() {
        let cases = [
            (
                "children's services focused visit, pdf - 12 july 2024",
                "2024-07-12",
                ReportKind::FocusedVisit,
            ),
            (
                "children's services monitoring visit, pdf - 1 may 2020",
                "2020-05-01",
                ReportKind::MonitoringVisit,
            ),
            (
                "joint targeted area inspection, pdf - 3 june 2019",
                "2019-06-03",
                ReportKind::Jtai,
            ),
            (
                "children's services inspection, pdf - 09 may 2025",
                "2025-05-09",
                ReportKind::IlacsStandard,
            ),
            (
                "children's services inspection, pdf - 20 january 2015",
                "2015-01-20",
                ReportKind::Sif,
            ),
            (
                "children's services inspection, pdf - 1 june 2012",
                "2012-06-01",
                ReportKind::LookedAfterSafeguarding,
            ),
            (
                "area SEND inspection letter, pdf - 1 june 2022",
                "2022-06-01",
                ReportKind::Other,
            ),
            (
                "annual conversation, pdf - 1 june 2022",
                "2022-06-01",
                ReportKind::Other,
            ),
        ];
        for (title, published, kind) in cases {
            assert_eq!(from_listing(title, date(published)), kind, "{title}");
        }
    }

    #[test]
    fn serialised_names_match_the_fixtures() {
        let names: Vec<String> = [
            ReportKind::IlacsStandard,
            ReportKind::IlacsShort,
            ReportKind::FocusedVisit,
            ReportKind::Sif,
        ]
        .iter()
        .filter_map(|kind| serde_json::to_value(kind).ok())
        .filter_map(|value| value.as_str().map(str::to_owned))
        .collect();
        assert_eq!(names, ["ilacs_standard", "ilacs_short", "focused_visit", "sif"]);
    }
}
