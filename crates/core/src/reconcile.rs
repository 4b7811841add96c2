//! Reconciling what a report says with what the bundled history knew, and catching facts
//! that cannot be true. A report read by csfeed is the better witness for what it states,
//! but the reader can miss things (an overall grade worded "The overall judgement is …",
//! an inspection taken for a focused visit), so a reading never makes a record worse, and
//! every disagreement is kept for the operator instead of being resolved silently.

use chrono::NaiveDate;
use serde::Serialize;

use crate::InspectionRecord;

/// Longest plausible visit: a standard inspection is two weeks, a single-framework one
/// four, and a split visit a few weeks more. A longer span is a misread date.
pub const MAX_VISIT_DAYS: i64 = 60;

/// How far apart the history's and a report's publication dates may be for one
/// inspection when neither visit is known (the history has no visit dates before 2018, and
/// its dates and the printed ones differ by days). Inspections of one council are years
/// apart, and no monitoring visit is published this soon after an inspection.
const SAME_PUBLICATION_DAYS: i64 = 45;

/// One note for the operator about one fact of one stored inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactNote {
    /// The stored record's report address.
    pub report_url: String,
    /// The fact: a judgement key, `kind`, `visit`, `published`.
    pub field: String,
    /// What the history said, when it said anything.
    pub history: Option<String>,
    /// What the report (as read) said, when it said anything.
    pub report: Option<String>,
    /// What is stored and shown.
    pub kept: Option<String>,
    /// Why the note exists, in words.
    pub reason: String,
}

/// The file number of an Ofsted file address (`…/v1/file/50218078` → `50218078`).
fn file_id(url: &str) -> Option<&str> {
    let (_, tail) = url.split_once("/file/")?;
    let id = tail.trim_end_matches('/');
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// Whether two records of the same council describe one inspection: the same file, or
/// overlapping visits, or (when a visit is unknown) publications a few days apart. Never by
/// a date string alone, which the history and the printed report often disagree on.
pub fn same_inspection(a: &InspectionRecord, b: &InspectionRecord) -> bool {
    if a.urn != b.urn {
        return false;
    }
    if a.report_url == b.report_url
        || file_id(&a.report_url).is_some_and(|id| file_id(&b.report_url) == Some(id))
    {
        return true;
    }
    let visit = |r: &InspectionRecord| Some((r.visit_start?, r.visit_end.or(r.visit_start)?));
    if let (Some((a_start, a_end)), Some((b_start, b_end))) = (visit(a), visit(b)) {
        return a_start <= b_end && b_start <= a_end;
    }
    match (a.published, b.published) {
        (Some(one), Some(other)) => (one - other).num_days().abs() <= SAME_PUBLICATION_DAYS,
        _ => false,
    }
}

/// Whether a kind is a full inspection (as every history row is), not a visit or letter.
fn is_inspection_kind(kind: &str) -> bool {
    matches!(kind, "ilacs_standard" | "ilacs_short" | "ilacs" | "sif")
}

/// Judgement keys that stand for the same area in another era: one of them present means
/// the other is not missing.
fn covered(judgements: &std::collections::BTreeMap<String, crate::Grade>, key: &str) -> bool {
    let alternatives: &[&str] = match key {
        "children_in_care_and_care_leavers" => &["children_in_care", "care_leavers"],
        "children_in_care" | "care_leavers" => &["children_in_care_and_care_leavers"],
        _ => &[],
    };
    judgements.contains_key(key) || alternatives.iter().any(|other| judgements.contains_key(*other))
}

/// A note with the history's, the report's and the kept value.
fn note(
    report_url: &str,
    field: &str,
    history: Option<String>,
    report: Option<String>,
    kept: Option<String>,
    reason: &str,
) -> FactNote {
    FactNote {
        report_url: report_url.to_owned(),
        field: field.to_owned(),
        history,
        report,
        kept,
        reason: reason.to_owned(),
    }
}

/// The record to store for a report that describes the same inspection as a history row:
/// the report's facts, except that nothing the history knew is lost where the reader found
/// less (a missing grade, a visit taken for a letter), with a note for every disagreement.
pub fn merge_with_history(
    history: &InspectionRecord,
    report: &InspectionRecord,
) -> (InspectionRecord, Vec<FactNote>) {
    let mut merged = report.clone();
    let mut notes = Vec::new();
    let url = report.report_url.as_str();
    for (key, grade) in &history.judgements {
        match report.judgements.get(key) {
            None if !covered(&report.judgements, key) => {
                merged.judgements.insert(key.clone(), *grade);
                notes.push(note(
                    url,
                    key,
                    Some(grade.key().into()),
                    None,
                    Some(grade.key().into()),
                    "the report reader found no grade; the history's is kept",
                ));
            }
            Some(read) if read != grade => notes.push(note(
                url,
                key,
                Some(grade.key().into()),
                Some(read.key().into()),
                Some(read.key().into()),
                "the report and the history disagree; the grade read from the report is kept",
            )),
            _ => {}
        }
    }
    if is_inspection_kind(&history.kind) && !is_inspection_kind(&report.kind) {
        merged.kind = history.kind.clone();
        notes.push(note(
            url,
            "kind",
            Some(history.kind.clone()),
            Some(report.kind.clone()),
            Some(history.kind.clone()),
            "the reader took an inspection for another kind of report; the history's kind is kept",
        ));
    } else if report.kind == "ilacs" && history.kind.starts_with("ilacs_") {
        // Standard or short is not printed; the history knows it from the visit's length.
        merged.kind = history.kind.clone();
    }
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string());
    let span = |r: &InspectionRecord| match (r.visit_start, r.visit_end) {
        (None, None) => None,
        (start, end) => Some(format!(
            "{} to {}",
            day(start).unwrap_or_default(),
            day(end).unwrap_or_default()
        )),
    };
    if report.visit_start.is_none() && history.visit_start.is_some() {
        (merged.visit_start, merged.visit_end) = (history.visit_start, history.visit_end);
        notes.push(note(
            url,
            "visit",
            span(history),
            None,
            span(history),
            "the report reader found no visit dates; the history's are kept",
        ));
    } else if history.visit_start.is_some() && span(history) != span(report) {
        notes.push(note(
            url,
            "visit",
            span(history),
            span(report),
            span(report),
            "the report and the history disagree; the dates read from the report are kept",
        ));
    }
    match (history.published, report.published) {
        (Some(known), None) => {
            merged.published = Some(known);
            notes.push(note(
                url,
                "published",
                day(Some(known)),
                None,
                day(Some(known)),
                "the report reader found no publication date; the history's is kept",
            ));
        }
        (Some(known), Some(read)) if known != read => notes.push(note(
            url,
            "published",
            day(Some(known)),
            day(Some(read)),
            day(Some(read)),
            "the report and the history disagree; the date read from the report is kept",
        )),
        _ => {}
    }
    if merged.lead_inspector.is_none() {
        merged.lead_inspector.clone_from(&history.lead_inspector);
    }
    (merged, notes)
}

/// Withholds facts that cannot be true, with a note for each: a publication before the
/// visit began (a letter's own typo) gives way to `fallback` when that is possible, or to
/// no date; a visit longer than [`MAX_VISIT_DAYS`] or ending before it starts is dropped.
pub fn withhold_impossible(record: &mut InspectionRecord, fallback: Option<NaiveDate>) -> Vec<FactNote> {
    let mut notes = Vec::new();
    let url = record.report_url.clone();
    if let (Some(start), Some(end)) = (record.visit_start, record.visit_end) {
        let days = (end - start).num_days() + 1;
        if !(1..=MAX_VISIT_DAYS).contains(&days) {
            notes.push(note(
                &url,
                "visit",
                None,
                Some(format!("{start} to {end}")),
                None,
                &format!("a visit of {days} days is impossible; the visit dates are withheld"),
            ));
            (record.visit_start, record.visit_end) = (None, None);
        }
    }
    if let (Some(published), Some(start)) = (record.published, record.visit_start)
        && published < start
    {
        let replacement = fallback.filter(|day| *day >= start);
        notes.push(note(
            &url,
            "published",
            None,
            Some(published.to_string()),
            replacement.map(|day| day.to_string()),
            "published before the visit began: impossible; the listed date is used where it is possible, else none",
        ));
        record.published = replacement;
    }
    notes
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::Grade;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn record(
        url: &str,
        kind: &str,
        visit: (Option<NaiveDate>, Option<NaiveDate>),
        published: Option<NaiveDate>,
    ) -> InspectionRecord {
        InspectionRecord {
            report_url: url.into(),
            urn: "80485".into(),
            gss_code: Some("E08000012".into()),
            kind: kind.into(),
            visit_start: visit.0,
            visit_end: visit.1,
            published,
            origin: "report".into(),
            ..InspectionRecord::default()
        }
    }

    #[test]
    fn one_inspection_is_matched_by_file_visit_or_nearby_publication_not_a_date_string() {
        let history = record(
            "https://files.ofsted.gov.uk/v1/file/2755162",
            "sif",
            (None, None),
            day(2015, 1, 20),
        );
        // The printed date differs from the history's by days; another address for it.
        let printed = record(
            "https://mirror.example/2755162.pdf",
            "sif",
            (day(2014, 11, 3), day(2014, 11, 27)),
            day(2015, 1, 23),
        );
        assert!(same_inspection(&history, &printed));
        let same_file = record(
            "https://files.ofsted.gov.uk/v1/file/2755162/",
            "jtai",
            (None, None),
            day(2016, 1, 1),
        );
        assert!(same_inspection(&history, &same_file));
        let next = record(
            "https://files.ofsted.gov.uk/v1/file/9",
            "sif",
            (None, None),
            day(2017, 6, 1),
        );
        assert!(!same_inspection(&history, &next));
        let visited = record(
            "a",
            "ilacs_standard",
            (day(2023, 3, 13), day(2023, 3, 24)),
            day(2023, 5, 25),
        );
        let misread = record(
            "b",
            "focused_visit",
            (day(2023, 3, 13), day(2023, 3, 14)),
            day(2023, 5, 26),
        );
        let later_visit = record(
            "c",
            "focused_visit",
            (day(2024, 3, 13), day(2024, 3, 14)),
            day(2023, 5, 26),
        );
        assert!(same_inspection(&visited, &misread));
        assert!(
            !same_inspection(&visited, &later_visit),
            "visits decide when both are known"
        );
    }

    #[test]
    fn a_reading_never_loses_what_the_history_knew_and_notes_each_disagreement() {
        let mut history = record(
            "h",
            "ilacs_standard",
            (day(2019, 9, 23), day(2019, 10, 4)),
            day(2019, 11, 4),
        );
        history.origin = "history".into();
        history.judgements = [
            ("overall_effectiveness".to_owned(), Grade::RequiresImprovement),
            ("help_and_protection".to_owned(), Grade::Good),
            ("children_in_care_and_care_leavers".to_owned(), Grade::Good),
        ]
        .into();
        let mut read = record("r", "focused_visit", (None, None), day(2019, 11, 4));
        read.judgements = [
            ("help_and_protection".to_owned(), Grade::RequiresImprovement),
            ("children_in_care".to_owned(), Grade::Good),
        ]
        .into();
        let (merged, notes) = merge_with_history(&history, &read);
        assert_eq!(
            merged.overall(),
            Some(Grade::RequiresImprovement),
            "kept from the history"
        );
        assert_eq!(
            merged.judgements.get("help_and_protection"),
            Some(&Grade::RequiresImprovement),
            "the report's reading wins a disagreement"
        );
        assert!(
            !merged
                .judgements
                .contains_key("children_in_care_and_care_leavers"),
            "an era's other key is not missing"
        );
        assert_eq!(merged.kind, "ilacs_standard");
        assert_eq!(merged.visit_start, day(2019, 9, 23));
        assert_eq!(merged.report_url, "r");
        let fields: Vec<&str> = notes.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(
            fields,
            ["help_and_protection", "overall_effectiveness", "kind", "visit"]
        );
    }

    #[test]
    fn impossible_dates_are_withheld_with_a_note() {
        // Dudley: the letter says 21 January 2019 for a December 2019 visit.
        let mut dudley = record(
            "d",
            "focused_visit",
            (day(2019, 12, 3), day(2019, 12, 4)),
            day(2019, 1, 21),
        );
        let notes = withhold_impossible(&mut dudley, day(2020, 1, 21));
        assert_eq!(dudley.published, day(2020, 1, 21));
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].report.as_deref(), Some("2019-01-21"));
        let mut no_fallback = record(
            "d",
            "focused_visit",
            (day(2019, 12, 3), day(2019, 12, 4)),
            day(2019, 1, 21),
        );
        withhold_impossible(&mut no_fallback, None);
        assert_eq!(no_fallback.published, None);
        let mut year_long = record(
            "y",
            "ilacs_standard",
            (day(2018, 5, 14), day(2019, 5, 14)),
            day(2019, 7, 2),
        );
        let notes = withhold_impossible(&mut year_long, None);
        assert_eq!((year_long.visit_start, year_long.visit_end), (None, None));
        assert!(notes[0].reason.contains("366 days"), "{notes:?}");
        let mut fine = record(
            "f",
            "ilacs_standard",
            (day(2019, 9, 23), day(2019, 10, 4)),
            day(2019, 11, 4),
        );
        assert!(withhold_impossible(&mut fine, None).is_empty());
    }
}
