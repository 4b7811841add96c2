//! The facts of one report, read from its text.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use csfeed_core::Gazetteer;

use crate::layout::Layout;
use crate::{
    Grade, ReportKind, ReportText, authority, dates, findings, headline, inspectors, judgements, kind,
};

/// The facts of an Ofsted children's services report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inspection {
    /// Kind of report.
    pub kind: ReportKind,
    /// The authority's display name ("St Helens").
    pub local_authority: Option<String>,
    /// Ofsted URN of the authority's children's services ("80560").
    pub urn: Option<String>,
    /// ONS GSS code of the authority in force at the visit ("E08000013"; Northamptonshire's
    /// E10000021 in 2019, Dorset County Council's E10000009 before April 2019).
    pub gss_code: Option<String>,
    /// The councils that have taken over the authority's children's services since the
    /// visit (North and West Northamptonshire for a 2019 Northamptonshire report); empty
    /// when it is still the same council.
    pub successors: Vec<Successor>,
    /// First day of the visit.
    pub visit_start: Option<NaiveDate>,
    /// Last day of the visit.
    pub visit_end: Option<NaiveDate>,
    /// Publication date: a letter's date, or "Report published:" in SIF reports. ILACS
    /// reports do not print it; see [`Inspection::with_listed_date`].
    pub published: Option<NaiveDate>,
    /// Inspectors named: the lead (or a letter's signatory) first, a deputy lead, a
    /// letter's team.
    pub inspectors: Vec<String>,
    /// The lead inspector; for letters, the signatory.
    pub lead_inspector: Option<String>,
    /// Grade by canonical judgement key (see [`crate::keys`]); empty for letters.
    pub judgements: BTreeMap<String, Grade>,
    /// The first paragraph of the headline findings, as one line (whitespace tidied,
    /// curly quotes made straight); `None` where the report has none (SIF reports, letters
    /// without a "Headline findings" section).
    pub headline: Option<String>,
    /// The "Areas for priority action" (and SIF reports' "Priority and immediate action"),
    /// one string per item; empty where the report has none.
    pub priority_actions: Vec<String>,
    /// What the council must improve ("What needs to improve…", "Areas for improvement",
    /// "Areas for development", "Recommendations"), one string per item.
    pub improvements: Vec<String>,
}

/// A council that took over the inspected authority's children's services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Successor {
    /// Its display name ("West Northamptonshire").
    pub name: String,
    /// Its GSS code ("E06000062").
    pub gss_code: String,
}

impl Inspection {
    /// Fills [`Inspection::published`] from the provider page listing when the report does
    /// not print its own (ILACS reports from 2018 never do). A printed date is kept.
    #[must_use]
    pub fn with_listed_date(mut self, listed: NaiveDate) -> Self {
        self.published.get_or_insert(listed);
        self
    }
}

/// Reads the facts of a report from its text. Never fails: facts the text does not give
/// are `None` or empty.
pub fn read_facts(text: &ReportText) -> Inspection {
    let layout = Layout::new(text);
    let family = kind::detect(&layout);
    let letter_date = family.is_letter().then(|| dates::letter_date(&layout)).flatten();
    let visit = dates::visit_dates(&layout, letter_date);
    let kind = kind::by_visit_span(family, visit);
    let published = letter_date.or_else(|| dates::printed_publication_date(&layout));
    let authority = authority::find(&layout, kind);
    let inspectors = inspectors::find(&layout, kind.is_letter());
    let judgements = judgements::find(&layout, kind);
    let headline = headline::find(&layout, kind, judgements.table_end);
    let findings = findings::find(&layout);
    // The council as it was when inspectors visited, not as it is today.
    let day = visit.map(|visit| visit.start).or(published);
    let at_visit = authority
        .zip(day)
        .map(|(la, day)| Gazetteer::get().as_at(la, day));
    Inspection {
        kind,
        local_authority: at_visit
            .as_ref()
            .map(|council| council.name.clone())
            .or_else(|| authority.map(|la| la.name.clone())),
        urn: authority.map(|la| la.urn.clone()),
        gss_code: at_visit
            .as_ref()
            .map(|council| council.gss_code.clone())
            .or_else(|| authority.map(|la| la.gss_code.clone())),
        successors: at_visit
            .map(|council| {
                council
                    .successors
                    .iter()
                    .map(|la| Successor {
                        name: la.name.clone(),
                        gss_code: la.gss_code.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        visit_start: visit.map(|visit| visit.start),
        visit_end: visit.map(|visit| visit.end),
        published,
        inspectors: inspectors.all,
        lead_inspector: inspectors.lead,
        judgements: judgements.grades,
        headline,
        priority_actions: findings.priority_actions,
        improvements: findings.improvements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
    }

    fn facts(text: &str) -> Inspection {
        read_facts(&ReportText {
            pages: vec![text.to_owned()],
        })
    }

    #[test]
    fn a_letter_about_a_december_visit_without_its_year() {
        let letter = facts(
            "7 January 2020\n\nJane Doe\nDirector of Children\u{2019}s Services\n\nDear Ms Doe\n\n\
             Focused visit to Wakefield children\u{2019}s services\n\n\
             This letter summarises the findings of the focused visit to Wakefield Council on 30 and 31\n\
             December. Her Majesty\u{2019}s Inspectors for this visit were Ann Lee and Bob Ray.\n\n\
             Headline findings\n\nChildren are safe.\n\nYours sincerely\n\nAnn Lee\nHer Majesty\u{2019}s Inspector\n",
        );
        assert_eq!(letter.kind, ReportKind::FocusedVisit);
        assert_eq!(letter.gss_code.as_deref(), Some("E08000036"));
        assert_eq!(
            (letter.visit_start, letter.visit_end),
            (date("2019-12-30"), date("2019-12-31"))
        );
        assert_eq!(letter.published, date("2020-01-07"));
        assert_eq!(letter.lead_inspector.as_deref(), Some("Ann Lee"));
        assert_eq!(letter.inspectors, ["Ann Lee", "Bob Ray"]);
        assert_eq!(letter.headline.as_deref(), Some("Children are safe."));
        assert!(letter.judgements.is_empty());
        let listed = date("2020-01-08").unwrap_or_default();
        assert_eq!(letter.with_listed_date(listed).published, date("2020-01-07"));
    }

    #[test]
    fn codes_in_force_at_the_visit_and_the_successors() {
        let northamptonshire = facts(
            "Northamptonshire County Council\nInspection of children's social care services\n\
             Inspection dates: 3 June 2019 to 14 June 2019\nLead inspector: Ann Lee\n",
        );
        assert_eq!(
            northamptonshire.local_authority.as_deref(),
            Some("Northamptonshire")
        );
        assert_eq!(northamptonshire.gss_code.as_deref(), Some("E10000021"));
        let successors: Vec<&str> = northamptonshire
            .successors
            .iter()
            .map(|la| la.gss_code.as_str())
            .collect();
        assert_eq!(successors, ["E06000061", "E06000062"]);
        let dorset = facts(
            "5 December 2018\n\nDear Ms Doe\n\nFocused visit to Dorset County Council children's services\n\n\
             This letter summarises the findings of the focused visit to Dorset County Council children's services \
             on 6 and 7 November 2018. Her Majesty's Inspectors for this visit were Ann Lee and Bob Ray.\n",
        );
        assert_eq!(dorset.gss_code.as_deref(), Some("E10000009"));
        assert_eq!(dorset.urn.as_deref(), Some("2532283"));
        assert_eq!(
            dorset.successors,
            [Successor {
                name: "Dorset".into(),
                gss_code: "E06000059".into()
            }]
        );
        let cumbria = facts(
            "Cumbria County Council\nInspection of children's social care services\n\
             Inspection dates: 9 May 2022 to 20 May 2022\nLead inspector: Ann Lee\n",
        );
        assert_eq!(cumbria.gss_code.as_deref(), Some("E10000006"));
        assert_eq!(cumbria.successors.len(), 2);
    }

    #[test]
    fn a_council_named_by_a_word_of_its_own_on_the_title_page() {
        let report = facts(
            "1\nBrent\nInspection of children's social care services\n\
             Inspection dates: 14 May 2018 to 25 May 2018\nLead inspector: Tracey Metcalfe\n",
        );
        assert_eq!(report.kind, ReportKind::IlacsStandard);
        assert_eq!(report.gss_code.as_deref(), Some("E09000005"));
    }

    #[test]
    fn a_2018_style_report_with_split_digits() {
        let report = facts(
            " 1 \n\nBristol City Council\n\nInspection of children\u{2019}s social care services\n\n\
             Inspection dates: 1 9 June 2019 \u{2013} 2 8 June 2019\n\n\
             Lead inspector:   Jenny-ellen Scotland\nHer Majesty\u{2019}s Inspector\n\n Judgement  Grade\n\n\
             The impact of leaders on social work practice with\nchildren and families  Good\n\n\
             Overall effectiveness  Good\n\n  Children in Bristol are well served.\n",
        );
        assert_eq!(report.kind, ReportKind::IlacsStandard);
        assert_eq!(report.local_authority.as_deref(), Some("Bristol"));
        assert_eq!(
            (report.visit_start, report.visit_end),
            (date("2019-06-19"), date("2019-06-28"))
        );
        assert_eq!(report.published, None);
        assert_eq!(report.lead_inspector.as_deref(), Some("Jenny-ellen Scotland"));
        assert_eq!(report.judgements.len(), 2);
        assert_eq!(
            report.headline.as_deref(),
            Some("Children in Bristol are well served.")
        );
        let listed = date("2019-08-01").unwrap_or_default();
        assert_eq!(report.with_listed_date(listed).published, date("2019-08-01"));
    }
}
