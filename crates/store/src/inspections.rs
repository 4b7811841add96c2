//! Ofsted inspections and visits of each council, one row per report.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use csfeed_core::{
    FactNote, Grade, InspectionRecord, merge_with_history, same_inspection, withhold_impossible,
};

use crate::{Store, StoreError};

/// The inspections table's columns, in the order [`InspectionRow`] holds them.
pub(crate) const INSPECTION_COLUMNS: &str =
    "report_url, urn, gss_code, kind, visit_start, visit_end, published, lead_inspector,
    inspectors, judgements, headline, origin, priority_actions, improvements";

/// An inspection as both backends store it: dates as ISO text, lists and grades as JSON.
#[derive(Debug)]
pub(crate) struct InspectionRow {
    pub(crate) report_url: String,
    pub(crate) urn: String,
    pub(crate) gss_code: Option<String>,
    pub(crate) kind: String,
    pub(crate) visit_start: Option<String>,
    pub(crate) visit_end: Option<String>,
    pub(crate) published: Option<String>,
    pub(crate) lead_inspector: Option<String>,
    pub(crate) inspectors: String,
    pub(crate) judgements: String,
    pub(crate) headline: Option<String>,
    pub(crate) origin: String,
    pub(crate) priority_actions: String,
    pub(crate) improvements: String,
}

impl InspectionRow {
    /// The columns of `record`.
    pub(crate) fn from_record(record: &InspectionRecord) -> Self {
        Self {
            report_url: record.report_url.clone(),
            urn: record.urn.clone(),
            gss_code: record.gss_code.clone(),
            kind: record.kind.clone(),
            visit_start: record.visit_start.map(|d| d.to_string()),
            visit_end: record.visit_end.map(|d| d.to_string()),
            published: record.published.map(|d| d.to_string()),
            lead_inspector: record.lead_inspector.clone(),
            inspectors: json_list(&record.inspectors),
            judgements: serde_json::to_string(&record.judgements).unwrap_or_else(|_| "{}".into()),
            headline: record.headline.clone(),
            origin: record.origin.clone(),
            priority_actions: json_list(&record.priority_actions),
            improvements: json_list(&record.improvements),
        }
    }

    /// The record these columns keep; JSON that does not read back is corruption.
    pub(crate) fn into_record(self) -> Result<InspectionRecord, StoreError> {
        let date =
            |text: Option<String>| text.and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok());
        let judgements: BTreeMap<String, Grade> =
            serde_json::from_str(&self.judgements).map_err(|_| StoreError::Corrupt {
                what: "judgements",
                value: self.judgements.clone(),
            })?;
        Ok(InspectionRecord {
            report_url: self.report_url,
            urn: self.urn,
            gss_code: self.gss_code,
            kind: self.kind,
            visit_start: date(self.visit_start),
            visit_end: date(self.visit_end),
            published: date(self.published),
            lead_inspector: self.lead_inspector,
            inspectors: list_from_json("inspectors", self.inspectors)?,
            judgements,
            headline: self.headline,
            priority_actions: list_from_json("priority_actions", self.priority_actions)?,
            improvements: list_from_json("improvements", self.improvements)?,
            origin: self.origin,
        })
    }
}

/// What upserting one record does, given every stored record of its council.
#[derive(Debug)]
pub(crate) enum PlannedUpsert {
    /// Nothing: a history row for an inspection a report already replaced.
    Skip,
    /// Write `record` (when the row is new, or `record` is a report), keep `notes`, and
    /// delete the history row at `supersedes` that the report replaces.
    Write {
        record: Box<InspectionRecord>,
        notes: Vec<FactNote>,
        supersedes: Option<String>,
    },
}

/// One inspection is one record: a report replaces the history's row for the same
/// inspection (matched by file, visit or nearby publication, never by a date string),
/// keeping what the history knew where the reader found less; the history never brings
/// back a row a report replaced. Impossible facts are withheld with a note.
pub(crate) fn plan_upsert(record: &InspectionRecord, stored: &[InspectionRecord]) -> PlannedUpsert {
    let (mut record, mut notes, mut supersedes) = (record.clone(), Vec::new(), None);
    if record.origin == "report" {
        if let Some(history) = stored
            .iter()
            .find(|row| row.origin == "history" && same_inspection(row, &record))
        {
            let fallback = history.published;
            (record, notes) = merge_with_history(history, &record);
            notes.extend(withhold_impossible(&mut record, fallback));
            if history.report_url != record.report_url {
                supersedes = Some(history.report_url.clone());
            }
        }
    } else if stored
        .iter()
        .any(|row| row.origin == "report" && same_inspection(row, &record))
    {
        return PlannedUpsert::Skip;
    }
    notes.extend(withhold_impossible(&mut record, None));
    PlannedUpsert::Write {
        record: Box::new(record),
        notes,
        supersedes,
    }
}

/// A list of strings as its column keeps it.
fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A list column read back; a value that is not a list of strings is corruption.
fn list_from_json(what: &'static str, value: String) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(&value).map_err(|_| StoreError::Corrupt { what, value })
}

/// The inspections operations behind [`Store`]'s methods of the same names, one implementation per
/// backend.
pub(crate) trait InspectionOps {
    fn upsert_inspections(&self, records: &[InspectionRecord]) -> Result<usize, StoreError>;
    fn inspections_for(&self, gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError>;
    fn inspection_notes(&self) -> Result<Vec<FactNote>, StoreError>;
    fn note_inspection_facts(&self, notes: &[FactNote]) -> Result<(), StoreError>;
    fn inspection(&self, report_url: &str) -> Result<Option<InspectionRecord>, StoreError>;
    fn save_report_file_from(
        &self,
        report_url: &str,
        content_type: &str,
        body: &mut dyn std::io::Read,
        length: u64,
    ) -> Result<(), StoreError>;
    fn report_file(&self, report_url: &str) -> Result<Option<(String, Vec<u8>)>, StoreError>;
    fn has_kept_report(&self, report_url: &str) -> Result<bool, StoreError>;
    fn has_read_report(&self, report_url: &str) -> Result<bool, StoreError>;
    fn all_inspections(&self) -> Result<Vec<InspectionRecord>, StoreError>;
    fn latest_judged_inspections(&self, limit: usize) -> Result<Vec<InspectionRecord>, StoreError>;
}

impl Store {
    /// Stores inspection records, one per report URL. A record read from the report itself
    /// (`origin = "report"`) replaces whatever was stored; a `history` record never
    /// overwrites anything, so loading the history again is a no-op. Returns how many rows
    /// were added or replaced.
    pub fn upsert_inspections(&self, records: &[InspectionRecord]) -> Result<usize, StoreError> {
        self.backend.upsert_inspections(records)
    }

    /// Every inspection of the council with this GSS code, newest first.
    pub fn inspections_for(&self, gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError> {
        self.backend.inspections_for(gss_code)
    }

    /// Every note for the operator: where a report and the history disagreed (and which
    /// value was kept), and every impossible fact withheld, by report.
    pub fn inspection_notes(&self) -> Result<Vec<FactNote>, StoreError> {
        self.backend.inspection_notes()
    }

    /// Keeps notes for the operator made outside the store (an impossible date the reader
    /// replaced with the provider page's listed date).
    pub fn note_inspection_facts(&self, notes: &[FactNote]) -> Result<(), StoreError> {
        self.backend.note_inspection_facts(notes)
    }

    /// The inspection record of one report, by its address.
    pub fn inspection(&self, report_url: &str) -> Result<Option<InspectionRecord>, StoreError> {
        self.backend.inspection(report_url)
    }

    /// Keeps the file a report was read from, replacing any earlier copy, so csfeed can
    /// serve the very PDF behind the facts it shows.
    pub fn save_report_file(
        &self,
        report_url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        self.save_report_file_from(report_url, content_type, body, body.len() as u64)
    }

    /// [`Store::save_report_file`] from a reader of `length` bytes (a report spooled to
    /// disk). SQLite copies it into the database a chunk at a time, so a file of any size is
    /// never held in memory whole; PostgreSQL holds it once while sending it. A reader that
    /// ends early or runs on keeps nothing ([`StoreError::File`]).
    pub fn save_report_file_from(
        &self,
        report_url: &str,
        content_type: &str,
        mut body: impl std::io::Read,
        length: u64,
    ) -> Result<(), StoreError> {
        self.backend
            .save_report_file_from(report_url, content_type, &mut body, length)
    }

    /// The stored file of a report, with its content type, when csfeed kept one.
    pub fn report_file(&self, report_url: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.backend.report_file(report_url)
    }

    /// Whether a report has been read and its file kept, so it need not be fetched again
    /// (a report read before csfeed kept files is read once more).
    pub fn has_kept_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.backend.has_kept_report(report_url)
    }

    /// Whether a report has been read already (so its PDF need not be fetched again).
    pub fn has_read_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.backend.has_read_report(report_url)
    }

    /// Every stored inspection, newest first.
    pub fn all_inspections(&self) -> Result<Vec<InspectionRecord>, StoreError> {
        self.backend.all_inspections()
    }

    /// The `limit` most recently published inspections of a known council that made
    /// judgements (with or without an overall grade: none is given from April 2026),
    /// newest first.
    pub fn latest_judged_inspections(&self, limit: usize) -> Result<Vec<InspectionRecord>, StoreError> {
        self.backend.latest_judged_inspections(limit)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use csfeed_core::{Grade, InspectionRecord};

    backend_tests! {

    fn history_loads_once_and_reports_win(store) {
        let history = csfeed_core::inspection_history();
        assert_eq!(store.upsert_inspections(&history).unwrap(), history.len());
        assert_eq!(
            store.upsert_inspections(&history).unwrap(),
            0,
            "loading the history again changes nothing"
        );
        let st_helens = store.inspections_for("E08000013").unwrap();
        assert!(st_helens.len() >= 3);
        assert!(
            st_helens
                .windows(2)
                .all(|pair| pair[0].published >= pair[1].published),
            "newest first"
        );
        let mut corrected = st_helens[0].clone();
        corrected.origin = "report".into();
        corrected
            .judgements
            .insert("help_and_protection".into(), Grade::RequiresImprovement);
        assert_eq!(
            store
                .upsert_inspections(std::slice::from_ref(&corrected))
                .unwrap(),
            1
        );
        assert_eq!(store.inspections_for("E08000013").unwrap()[0], corrected);
        assert_eq!(
            store.upsert_inspections(&history).unwrap(),
            0,
            "the history never overwrites a report"
        );
        assert_eq!(store.all_inspections().unwrap().len(), history.len());

        // The query agrees with filtering everything in memory.
        let mut expected: Vec<InspectionRecord> = store
            .all_inspections()
            .unwrap()
            .into_iter()
            .filter(|r| r.is_judged() && r.published.is_some() && r.gss_code.is_some())
            .collect();
        expected.truncate(20);
        assert!(
            expected.iter().any(InspectionRecord::is_reformed),
            "2026-framework inspections count as judged"
        );
        assert_eq!(store.latest_judged_inspections(20).unwrap(), expected);
    }

    fn a_report_read_is_one_record_with_its_history_and_never_worse(store) {
        let history = csfeed_core::inspection_history();
        store.upsert_inspections(&history).unwrap();
        let liverpool = "E08000012";
        let before = store.inspections_for(liverpool).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let in_2018 = before
            .iter()
            .find(|r| r.published == day(2018, 7, 2))
            .unwrap()
            .clone();
        assert_eq!(in_2018.overall(), Some(Grade::RequiresImprovement));
        // Read at another address, printed three days later, taken for a focused visit and
        // its overall grade missed.
        let mut read = in_2018.clone();
        read.report_url = "https://mirror.example/liverpool-2018.pdf".into();
        read.origin = "report".into();
        read.kind = "focused_visit".into();
        read.published = day(2018, 7, 5);
        read.judgements.remove("overall_effectiveness");
        // The 2014 single inspection: the history knows no visit, the report prints one
        // and a publication date that differs from the history's.
        let mut sif = before
            .iter()
            .find(|r| r.published == day(2014, 7, 18))
            .unwrap()
            .clone();
        sif.report_url = "https://mirror.example/liverpool-2014.pdf".into();
        sif.origin = "report".into();
        (sif.visit_start, sif.visit_end, sif.published) =
            (day(2014, 5, 6), day(2014, 5, 29), day(2014, 7, 21));
        store.upsert_inspections(&[read.clone(), sif]).unwrap();
        store.upsert_inspections(&history).unwrap();

        let after = store.inspections_for(liverpool).unwrap();
        assert_eq!(
            after.len(),
            before.len(),
            "one inspection, one record: {after:#?}"
        );
        let stored = after.iter().find(|r| r.report_url == read.report_url).unwrap();
        assert_eq!(
            stored.overall(),
            Some(Grade::RequiresImprovement),
            "never made worse"
        );
        assert_eq!(stored.kind, in_2018.kind);
        assert_eq!(stored.published, day(2018, 7, 5));
        let notes = store.inspection_notes().unwrap();
        let about = |url: &str, field: &str| {
            notes
                .iter()
                .find(|n| n.report_url == url && n.field == field)
                .unwrap_or_else(|| panic!("no note on {field} of {url}: {notes:#?}"))
        };
        assert_eq!(
            about(&read.report_url, "overall_effectiveness")
                .history
                .as_deref(),
            Some("requires_improvement")
        );
        assert_eq!(
            about(&read.report_url, "kind").report.as_deref(),
            Some("focused_visit")
        );
        assert_eq!(
            about("https://mirror.example/liverpool-2014.pdf", "published")
                .history
                .as_deref(),
            Some("2014-07-18")
        );
    }

    fn impossible_facts_are_withheld_and_noted(store) {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        let letter = InspectionRecord {
            report_url: "https://files.example/dudley".into(),
            urn: "80464".into(),
            gss_code: Some("E08000027".into()),
            kind: "focused_visit".into(),
            visit_start: day(2019, 12, 3),
            visit_end: day(2019, 12, 4),
            published: day(2019, 1, 21),
            origin: "report".into(),
            ..InspectionRecord::default()
        };
        store.upsert_inspections(std::slice::from_ref(&letter)).unwrap();
        let stored = store.inspections_for("E08000027").unwrap();
        assert_eq!(stored[0].published, None, "not published as it is");
        let notes = store.inspection_notes().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].report.as_deref(), Some("2019-01-21"));
    }

    fn a_report_keeps_its_findings_and_its_file(store) {
        let url = "https://files.ofsted.example/st-helens-2024.pdf";
        let report = InspectionRecord {
            report_url: url.into(),
            urn: "80560".into(),
            gss_code: Some("E08000013".into()),
            kind: "focused_visit".into(),
            priority_actions: vec!["The quality of management oversight of thresholds.".into()],
            improvements: vec!["Timeliness of assessments.".into(), "Supervision.".into()],
            origin: "report".into(),
            ..InspectionRecord::default()
        };
        store.upsert_inspections(std::slice::from_ref(&report)).unwrap();
        assert_eq!(store.inspection(url).unwrap(), Some(report));
        assert_eq!(store.inspection("https://elsewhere.example/x.pdf").unwrap(), None);

        assert_eq!(store.report_file(url).unwrap(), None);
        assert!(store.has_read_report(url).unwrap());
        assert!(
            !store.has_kept_report(url).unwrap(),
            "read, but its file was not kept"
        );
        store
            .save_report_file(url, "application/pdf", b"%PDF-1.4 first")
            .unwrap();
        assert!(store.has_kept_report(url).unwrap());
        store
            .save_report_file(url, "application/pdf", b"%PDF-1.4 again")
            .unwrap();
        assert_eq!(
            store.report_file(url).unwrap(),
            Some(("application/pdf".to_owned(), b"%PDF-1.4 again".to_vec()))
        );
        // From a reader, longer than before; a reader shorter than it said keeps nothing new.
        let longer = b"%PDF-1.4 a longer file".repeat(1000);
        store
            .save_report_file_from(url, "application/pdf", &longer[..], longer.len() as u64)
            .unwrap();
        assert_eq!(store.report_file(url).unwrap().unwrap().1, longer);
        let short = store.save_report_file_from(url, "application/pdf", &b"%PDF"[..], 10);
        assert!(matches!(short, Err(crate::StoreError::File(_))), "{short:?}");
        assert_eq!(store.report_file(url).unwrap().unwrap().1, longer);
    }
    }
}
