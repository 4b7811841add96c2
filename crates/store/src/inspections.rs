//! Ofsted inspections and visits of each council, one row per report.

use csfeed_core::{FactNote, InspectionRecord};

use crate::{Store, StoreError};

/// The inspections operations behind [`Store`]'s methods of the same names, one implementation per
/// backend.
pub(crate) trait InspectionOps {
    fn upsert_inspections(&self, records: &[InspectionRecord]) -> Result<usize, StoreError>;
    fn inspections_for(&self, gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError>;
    fn inspection_notes(&self) -> Result<Vec<FactNote>, StoreError>;
    fn note_inspection_facts(&self, notes: &[FactNote]) -> Result<(), StoreError>;
    fn inspection(&self, report_url: &str) -> Result<Option<InspectionRecord>, StoreError>;
    fn save_report_file(&self, report_url: &str, content_type: &str, body: &[u8]) -> Result<(), StoreError>;
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
        self.backend.save_report_file(report_url, content_type, body)
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
