//! Ofsted's judgements on councils' children's services: grades, report kinds, and the
//! published history since 2013 that csfeed starts from.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::gazetteer::Gazetteer;

/// An Ofsted grade, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// Outstanding.
    Outstanding,
    /// Good.
    Good,
    /// Requires improvement to be good.
    RequiresImprovement,
    /// Inadequate.
    Inadequate,
}

impl Grade {
    /// Reads a grade as reports and data sets write it ("Requires improvement to be good",
    /// "requires improvement", "requires_improvement", "RI").
    pub fn parse(raw: &str) -> Option<Self> {
        let text = raw.trim().to_ascii_lowercase().replace(['_', '-'], " ");
        let text = text.trim_start_matches("to ").trim();
        match text {
            "outstanding" => Some(Grade::Outstanding),
            "good" => Some(Grade::Good),
            "inadequate" => Some(Grade::Inadequate),
            "ri" => Some(Grade::RequiresImprovement),
            _ if text.starts_with("requires improvement") || text.starts_with("require improvement") => {
                Some(Grade::RequiresImprovement)
            }
            _ => None,
        }
    }

    /// The key used in data and URLs ("requires_improvement").
    pub fn key(self) -> &'static str {
        match self {
            Grade::Outstanding => "outstanding",
            Grade::Good => "good",
            Grade::RequiresImprovement => "requires_improvement",
            Grade::Inadequate => "inadequate",
        }
    }

    /// The grade as Ofsted writes it.
    pub fn label(self) -> &'static str {
        match self {
            Grade::Outstanding => "Outstanding",
            Grade::Good => "Good",
            Grade::RequiresImprovement => "Requires improvement to be good",
            Grade::Inadequate => "Inadequate",
        }
    }

    /// Every grade, best first.
    pub const ALL: [Grade; 4] = [
        Grade::Outstanding,
        Grade::Good,
        Grade::RequiresImprovement,
        Grade::Inadequate,
    ];
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Judgement names, as keys, with how reports label them.
pub const JUDGEMENTS: &[(&str, &str)] = &[
    ("overall_effectiveness", "Overall effectiveness"),
    ("impact_of_leaders", "Impact of leaders"),
    ("help_and_protection", "Help and protection"),
    ("children_in_care", "Children in care"),
    ("care_leavers", "Care leavers"),
    (
        "children_in_care_and_care_leavers",
        "Children in care and care leavers",
    ),
    (
        "looked_after_and_permanence",
        "Children looked after and permanence",
    ),
    ("adoption", "Adoption performance"),
    (
        "leadership_management_governance",
        "Leadership, management and governance",
    ),
    ("lscb_review", "Local Safeguarding Children Board"),
];

/// The display label of a judgement key.
pub fn judgement_label(key: &str) -> &str {
    JUDGEMENTS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| label)
}

/// One inspection or visit of a council's children's services.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InspectionRecord {
    /// The report's address (the stable key: one record per report).
    pub report_url: String,
    /// Ofsted provider URN of the council.
    pub urn: String,
    /// GSS code of the council, when it is in the register.
    pub gss_code: Option<String>,
    /// `ilacs_standard`, `ilacs_short`, `focused_visit`, `monitoring_visit`, `jtai`, `sif`...
    pub kind: String,
    /// First day of the visit.
    pub visit_start: Option<NaiveDate>,
    /// Last day of the visit.
    pub visit_end: Option<NaiveDate>,
    /// When the report was published.
    pub published: Option<NaiveDate>,
    /// Lead inspector.
    pub lead_inspector: Option<String>,
    /// Every inspector named.
    pub inspectors: Vec<String>,
    /// Judgement key → grade.
    pub judgements: BTreeMap<String, Grade>,
    /// The headline findings, when read from the report.
    pub headline: Option<String>,
    /// The report's "Areas for priority action", one per item; empty when it has none.
    pub priority_actions: Vec<String>,
    /// What the report says must improve, one per item.
    pub improvements: Vec<String>,
    /// Where the record came from: `history` (the starting data set) or `report` (csfeed
    /// read the report itself, which wins).
    pub origin: String,
}

impl InspectionRecord {
    /// The overall effectiveness grade, when there is one (none from April 2026).
    pub fn overall(&self) -> Option<Grade> {
        self.judgements.get("overall_effectiveness").copied()
    }

    /// Whether the record carries judgements: a full inspection, not a letter or visit.
    pub fn is_judged(&self) -> bool {
        !self.judgements.is_empty()
    }

    /// Whether this is an inspection under the framework in force from April 2026, which
    /// judges the areas but gives no overall grade. An older inspection whose overall grade
    /// is simply unknown is not one.
    pub fn is_reformed(&self) -> bool {
        self.is_judged()
            && self.overall().is_none()
            && self
                .visit_start
                .or(self.published)
                .is_some_and(|day| day >= REFORMED_FRAMEWORK_FROM)
    }

    /// The month the report is known by, as Ofsted lists it: its publication's, else its
    /// visit's ("July 2024").
    pub fn month_label(&self) -> Option<String> {
        self.published
            .or(self.visit_end)
            .or(self.visit_start)
            .map(|day| day.format("%B %Y").to_string())
    }

    /// The title that says which report this is, so two letters to one council never
    /// share one: "Focused visit to St Helens children's services, July 2024", "St Helens
    /// children's services inspection, September 2023: good".
    pub fn title(&self, council: &str) -> String {
        let when = self
            .month_label()
            .map(|month| format!(", {month}"))
            .unwrap_or_default();
        match self.kind.as_str() {
            "focused_visit" => format!("Focused visit to {council} children's services{when}"),
            "monitoring_visit" => format!("Monitoring visit to {council} children's services{when}"),
            "jtai" => format!("Joint targeted area inspection in {council}{when}"),
            _ => {
                let grade = self
                    .overall()
                    .map(|grade| format!(": {}", grade.label().to_lowercase()))
                    .unwrap_or_default();
                format!("{council} children's services inspection{when}{grade}")
            }
        }
    }

    /// A short name for the kind ("Inspection", "Focused visit"...).
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "ilacs_standard" => "Inspection (standard)",
            "ilacs_short" => "Inspection (short)",
            "ilacs" => "Inspection",
            "sif" => "Single inspection",
            "focused_visit" => "Focused visit",
            "monitoring_visit" => "Monitoring visit",
            "jtai" => "Joint targeted area inspection",
            _ => "Report",
        }
    }
}

/// Key prefix of a grade-change alert: `alert:` and its report's address.
pub const ALERT_PREFIX: &str = "alert:";

/// Key prefix of a grade-change alert found while backfilling (its report published before
/// the current window): history, dated at its publication, never presented as news.
pub const HISTORY_ALERT_PREFIX: &str = "alert:history:";

/// The report address a grade-change alert's key names, or `None` for any other key.
pub fn alert_report_url(key: &str) -> Option<&str> {
    key.strip_prefix(HISTORY_ALERT_PREFIX)
        .or_else(|| key.strip_prefix(ALERT_PREFIX))
}

/// The first day of the reformed framework (no overall effectiveness grade).
pub const REFORMED_FRAMEWORK_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2026, 4, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// The first reports of the single inspection framework; the history's older rows are
/// not inspections.
const SINGLE_INSPECTION_FROM: NaiveDate = match NaiveDate::from_ymd_opt(2013, 11, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// A council's current position: its newest inspection that made judgements, whatever
/// scale that inspection used (a 2026 inspection without an overall grade supersedes an
/// older graded one). Focused visits and monitoring visits judge nothing, so they never
/// replace it.
pub fn current_inspection(records: &[InspectionRecord]) -> Option<&InspectionRecord> {
    records
        .iter()
        .filter(|record| record.is_judged())
        .max_by_key(|record| (record.published.or(record.visit_end), record.visit_start))
}

/// The published inspections since 2013 from the compiled-in history (Open Government
/// Licence; see `data/LICENCE.md`). Rows whose report link is not a report (2012's "report
/// not found" pages) are skipped, as are grades the source could not read.
pub fn inspection_history() -> Vec<InspectionRecord> {
    let mut reader = csv::Reader::from_reader(include_str!("../data/ofsted_ilacs_history.csv").as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Vec::new();
    };
    let column = |record: &csv::StringRecord, name: &str| -> String {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let mut history = Vec::new();
    for record in reader.records().filter_map(Result::ok) {
        let report_url = column(&record, "inspection_link");
        if !report_url.contains("/file/") {
            continue;
        }
        let urn = column(&record, "urn");
        let published = NaiveDate::parse_from_str(&column(&record, "publication_date"), "%d/%m/%y").ok();
        // The rows published before the single inspection framework (2012) link to Ofsted's
        // "report not found" page: they record no inspection.
        if published.is_some_and(|day| day < SINGLE_INSPECTION_FROM) {
            continue;
        }
        let visit_start =
            NaiveDate::parse_from_str(&column(&record, "inspection_start_date"), "%d/%m/%Y").ok();
        let visit_end = NaiveDate::parse_from_str(&column(&record, "inspection_end_date"), "%d/%m/%Y").ok();
        let kind = match column(&record, "inspection_framework").as_str() {
            "standard" => "ilacs_standard",
            "short" => "ilacs_short",
            "" if published
                .is_some_and(|date| date < NaiveDate::from_ymd_opt(2018, 1, 1).unwrap_or_default()) =>
            {
                "sif"
            }
            _ => "ilacs",
        };
        let care_leavers_combined = column(&record, "care_leavers_grade") == "inspection_pre_dates_judgement";
        let mut judgements = BTreeMap::new();
        for (key, field) in [
            ("overall_effectiveness", "overall_effectiveness_grade"),
            ("impact_of_leaders", "impact_of_leaders_grade"),
            ("help_and_protection", "help_and_protection_grade"),
            (
                if care_leavers_combined {
                    "children_in_care_and_care_leavers"
                } else {
                    "children_in_care"
                },
                "in_care_grade",
            ),
            ("care_leavers", "care_leavers_grade"),
        ] {
            if let Some(grade) = Grade::parse(&column(&record, field)) {
                judgements.insert(key.to_owned(), grade);
            }
        }
        let lead = column(&record, "inspector_name");
        history.push(InspectionRecord {
            gss_code: Gazetteer::get().find_by_urn(&urn).map(|la| la.gss_code.clone()),
            urn,
            report_url,
            kind: kind.to_owned(),
            visit_start,
            visit_end,
            published,
            lead_inspector: (!lead.is_empty()).then(|| lead.clone()),
            inspectors: if lead.is_empty() { Vec::new() } else { vec![lead] },
            judgements,
            headline: None,
            priority_actions: Vec::new(),
            improvements: Vec::new(),
            origin: "history".to_owned(),
        });
    }
    history
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn grades_as_written() {
        assert_eq!(
            Grade::parse("Requires improvement to be good"),
            Some(Grade::RequiresImprovement)
        );
        assert_eq!(
            Grade::parse("requires_improvement"),
            Some(Grade::RequiresImprovement)
        );
        assert_eq!(
            Grade::parse("to requires improvement"),
            Some(Grade::RequiresImprovement)
        );
        assert_eq!(Grade::parse("Outstanding"), Some(Grade::Outstanding));
        assert_eq!(Grade::parse("data_unreadable"), None);
        assert_eq!(Grade::parse("not_reported_post_reform"), None);
        assert!(Grade::Outstanding < Grade::Inadequate);
    }

    #[test]
    fn the_current_inspection_is_the_newest_judged_one_whatever_its_scale() {
        let history = inspection_history();
        let liverpool: Vec<InspectionRecord> = history
            .iter()
            .filter(|record| record.urn == "80485")
            .cloned()
            .collect();
        let current = current_inspection(&liverpool).unwrap();
        assert!(current.is_reformed(), "{current:?}");
        assert!(current.published.unwrap().year() >= 2026);
        assert!(current.judgements.contains_key("impact_of_leaders"));
        let graded_before = liverpool
            .iter()
            .find(|record| record.overall().is_some())
            .unwrap();
        assert!(!graded_before.is_reformed());
        let reformed = history.iter().filter(|record| record.is_reformed()).count();
        assert_eq!(reformed, 11, "the history's 2026-framework inspections");
    }

    #[test]
    fn titles_say_which_report_it_is() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let letter = |visit, published| InspectionRecord {
            kind: "focused_visit".into(),
            visit_start: visit,
            published,
            ..InspectionRecord::default()
        };
        let old = letter(day(2018, 7, 11), day(2018, 8, 8));
        let new = letter(day(2024, 4, 24), day(2024, 7, 12));
        assert_eq!(
            new.title("St Helens"),
            "Focused visit to St Helens children's services, July 2024"
        );
        assert_eq!(
            old.title("St Helens"),
            "Focused visit to St Helens children's services, August 2018"
        );
        let inspection = InspectionRecord {
            kind: "ilacs_standard".into(),
            visit_start: day(2023, 7, 10),
            published: day(2023, 9, 4),
            judgements: [("overall_effectiveness".to_owned(), Grade::Good)]
                .into_iter()
                .collect(),
            ..InspectionRecord::default()
        };
        assert_eq!(
            inspection.title("St Helens"),
            "St Helens children's services inspection, September 2023: good"
        );
        assert_eq!(
            letter(day(2024, 4, 24), None).title("Wigan"),
            "Focused visit to Wigan children's services, April 2024",
            "the visit's month when the publication date is unknown"
        );
    }

    #[test]
    fn the_history_loads_with_its_eras() {
        let history = inspection_history();
        assert!(history.len() >= 485, "{}", history.len());
        assert!(
            history
                .iter()
                .all(|record| record.published.is_none_or(|day| day.year() >= 2013)),
            "2012's 'report not found' rows are no inspections"
        );
        assert!(
            !history
                .iter()
                .any(|record| record.report_url.ends_with("/50004190")),
            "Birmingham 2012"
        );
        assert!(
            history.iter().all(|record| record.gss_code.is_some()),
            "every URN is in the register"
        );
        let dorset = history
            .iter()
            .find(|r| r.report_url.ends_with("/50276411"))
            .unwrap();
        assert_eq!(dorset.kind, "ilacs_short");
        assert_eq!(dorset.overall(), Some(Grade::Outstanding));
        assert_eq!(dorset.judgements.get("care_leavers"), Some(&Grade::Good));
        assert_eq!(dorset.visit_start, NaiveDate::from_ymd_opt(2025, 3, 17));
        let combined = history
            .iter()
            .find(|r| r.report_url.ends_with("/50172438"))
            .unwrap();
        assert!(
            combined
                .judgements
                .contains_key("children_in_care_and_care_leavers")
        );
        assert!(!combined.judgements.contains_key("care_leavers"));
    }
}
