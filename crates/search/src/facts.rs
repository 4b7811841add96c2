//! What the index records about an article beyond its words: what kind of item it is, the
//! grade and inspectors of the Ofsted report it is (or announces), and its regions.

use std::collections::HashMap;

use csfeed_core::{Gazetteer, Grade, InspectionRecord};
use csfeed_store::ArticleRecord;

/// What an indexed item is, for the `kind:` operator and the kind facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleKind {
    /// A news story (anything that is not an Ofsted report or alert).
    News,
    /// A full or short inspection report (ILACS, SIF).
    Inspection,
    /// A focused visit letter.
    FocusedVisit,
    /// A monitoring visit letter.
    MonitoringVisit,
    /// A joint targeted area inspection.
    Jtai,
    /// csfeed's own alert that a council's overall grade changed.
    Alert,
}

impl ArticleKind {
    /// Every kind, in display order.
    pub const ALL: [ArticleKind; 6] = [
        ArticleKind::News,
        ArticleKind::Inspection,
        ArticleKind::FocusedVisit,
        ArticleKind::MonitoringVisit,
        ArticleKind::Jtai,
        ArticleKind::Alert,
    ];

    /// The value used in queries and URLs (`focused-visit`).
    pub fn slug(self) -> &'static str {
        match self {
            ArticleKind::News => "news",
            ArticleKind::Inspection => "inspection",
            ArticleKind::FocusedVisit => "focused-visit",
            ArticleKind::MonitoringVisit => "monitoring-visit",
            ArticleKind::Jtai => "jtai",
            ArticleKind::Alert => "alert",
        }
    }

    /// How the site names it.
    pub fn label(self) -> &'static str {
        match self {
            ArticleKind::News => "News",
            ArticleKind::Inspection => "Inspection report",
            ArticleKind::FocusedVisit => "Focused visit",
            ArticleKind::MonitoringVisit => "Monitoring visit",
            ArticleKind::Jtai => "Joint targeted area inspection",
            ArticleKind::Alert => "Grade change alert",
        }
    }

    /// Reads a kind as people type it: slugs, labels, plurals and a few short forms
    /// ("fv", "report", "alerts").
    pub fn parse(raw: &str) -> Option<Self> {
        let text = csfeed_core::gazetteer::slugify(raw);
        let text = text.strip_suffix('s').filter(|t| t.len() > 3).unwrap_or(&text);
        Some(match text {
            "news" | "new" | "story" | "storie" | "article" => ArticleKind::News,
            "inspection" | "report" | "ilac" | "ilacs" | "sif" | "inspection-report" => {
                ArticleKind::Inspection
            }
            "focused-visit" | "fv" | "focused" => ArticleKind::FocusedVisit,
            "monitoring-visit" | "mv" | "monitoring" => ArticleKind::MonitoringVisit,
            "jtai" | "joint-targeted-area-inspection" | "joint-inspection" => ArticleKind::Jtai,
            "alert" | "grade-change" | "grade-change-alert" | "change" => ArticleKind::Alert,
            _ => return None,
        })
    }

    /// The kind of an Ofsted record (`focused_visit`, `ilacs_standard`…).
    fn of_inspection(kind: &str) -> Self {
        match kind {
            "focused_visit" => ArticleKind::FocusedVisit,
            "monitoring_visit" => ArticleKind::MonitoringVisit,
            "jtai" => ArticleKind::Jtai,
            _ => ArticleKind::Inspection,
        }
    }
}

/// The grade as queries and URLs write it (`requires-improvement`).
pub fn grade_slug(grade: Grade) -> &'static str {
    match grade {
        Grade::Outstanding => "outstanding",
        Grade::Good => "good",
        Grade::RequiresImprovement => "requires-improvement",
        Grade::Inadequate => "inadequate",
    }
}

/// What a report can have, for the `has:` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportHas {
    /// Areas for priority action.
    PriorityActions,
    /// A list of what needs to improve.
    Improvements,
}

impl ReportHas {
    /// The value used in queries (`has:priority-actions`).
    pub fn slug(self) -> &'static str {
        match self {
            ReportHas::PriorityActions => "priority-actions",
            ReportHas::Improvements => "improvements",
        }
    }

    /// Reads a value as people type it ("priority-actions", "priority action", "PA",
    /// "improvements").
    pub fn parse(raw: &str) -> Option<Self> {
        let text = csfeed_core::gazetteer::slugify(raw);
        match text.strip_suffix('s').unwrap_or(&text) {
            "priority-action" | "priority" | "pa" | "area-for-priority-action" => {
                Some(ReportHas::PriorityActions)
            }
            "improvement" | "what-needs-to-improve" | "recommendation" => Some(ReportHas::Improvements),
            _ => None,
        }
    }
}

/// The index's facts about one article.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArticleFacts {
    pub kind: ArticleKind,
    pub grade: Option<Grade>,
    pub inspectors: Vec<String>,
    /// A report's findings (priority actions, then what needs to improve).
    pub findings: Vec<String>,
    /// What the report has, for `has:`.
    pub has: Vec<ReportHas>,
    /// Slugs of the regions of the article's councils, each once.
    pub regions: Vec<String>,
}

/// The facts of `record`, given the stored inspections by report address.
pub(crate) fn facts_for(
    record: &ArticleRecord,
    inspections: &HashMap<String, InspectionRecord>,
) -> ArticleFacts {
    let article = &record.article;
    let gazetteer = Gazetteer::get();
    let mut regions: Vec<String> = Vec::new();
    for gss in &article.local_authorities {
        if let Some(la) = gazetteer.find(gss) {
            let region = csfeed_core::gazetteer::slugify(&la.region);
            if !region.is_empty() && !regions.contains(&region) {
                regions.push(region);
            }
        }
    }
    let report_of = |key: &str| inspections.get(key);
    let (kind, report) = if let Some(report_url) = csfeed_core::alert_report_url(&article.guid) {
        (ArticleKind::Alert, report_of(report_url))
    } else {
        let report =
            report_of(&article.guid).or_else(|| article.url.as_ref().and_then(|url| report_of(url.as_str())));
        match report {
            Some(report) => (ArticleKind::of_inspection(&report.kind), Some(report)),
            None => (ArticleKind::News, None),
        }
    };
    // An alert shares its report's grade but not its contents, so a search for findings
    // finds the report once, not the report and its alert.
    let contents = report.filter(|_| kind != ArticleKind::Alert);
    ArticleFacts {
        kind,
        grade: report.and_then(InspectionRecord::overall),
        inspectors: contents
            .map(|report| report.inspectors.clone())
            .unwrap_or_default(),
        findings: contents
            .map(|report| [report.priority_actions.clone(), report.improvements.clone()].concat())
            .unwrap_or_default(),
        has: contents.map(report_has).unwrap_or_default(),
        regions,
    }
}

/// What `report` has, for `has:`.
fn report_has(report: &InspectionRecord) -> Vec<ReportHas> {
    let mut has = Vec::new();
    if !report.priority_actions.is_empty() {
        has.push(ReportHas::PriorityActions);
    }
    if !report.improvements.is_empty() {
        has.push(ReportHas::Improvements);
    }
    has
}

/// Stored inspections keyed by report address, for [`facts_for`].
pub(crate) fn by_report(records: Vec<InspectionRecord>) -> HashMap<String, InspectionRecord> {
    records
        .into_iter()
        .map(|record| (record.report_url.clone(), record))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_as_people_type_them() {
        for (raw, kind) in [
            ("focused-visit", ArticleKind::FocusedVisit),
            ("Focused visits", ArticleKind::FocusedVisit),
            ("FV", ArticleKind::FocusedVisit),
            ("inspections", ArticleKind::Inspection),
            ("alerts", ArticleKind::Alert),
            ("news", ArticleKind::News),
            ("JTAI", ArticleKind::Jtai),
        ] {
            assert_eq!(ArticleKind::parse(raw), Some(kind), "{raw}");
        }
        assert_eq!(ArticleKind::parse("podcast"), None);
        for kind in ArticleKind::ALL {
            assert_eq!(ArticleKind::parse(kind.slug()), Some(kind));
        }
    }
}
