//! PostgreSQL: inspections.

use csfeed_core::{FactNote, InspectionRecord};

use super::Postgres;
use crate::StoreError;
use crate::inspections::InspectionOps;

impl InspectionOps for Postgres {
    fn upsert_inspections(&self, _records: &[InspectionRecord]) -> Result<usize, StoreError> {
        Err(StoreError::NotOnPostgresYet("upsert_inspections"))
    }

    fn inspections_for(&self, _gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("inspections_for"))
    }

    fn inspection_notes(&self) -> Result<Vec<FactNote>, StoreError> {
        Err(StoreError::NotOnPostgresYet("inspection_notes"))
    }

    fn note_inspection_facts(&self, _notes: &[FactNote]) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("note_inspection_facts"))
    }

    fn inspection(&self, _report_url: &str) -> Result<Option<InspectionRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("inspection"))
    }

    fn save_report_file(
        &self,
        _report_url: &str,
        _content_type: &str,
        _body: &[u8],
    ) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("save_report_file"))
    }

    fn report_file(&self, _report_url: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        Err(StoreError::NotOnPostgresYet("report_file"))
    }

    fn has_kept_report(&self, _report_url: &str) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("has_kept_report"))
    }

    fn has_read_report(&self, _report_url: &str) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("has_read_report"))
    }

    fn all_inspections(&self) -> Result<Vec<InspectionRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("all_inspections"))
    }

    fn latest_judged_inspections(&self, _limit: usize) -> Result<Vec<InspectionRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("latest_judged_inspections"))
    }
}

/// [`InspectionOps::upsert_inspections`] inside a caller's transaction, so a report's facts
/// are stored together with its article and ledger row.
pub(crate) fn upsert_inspections_in(
    _transaction: &mut postgres::Transaction<'_>,
    records: &[InspectionRecord],
) -> Result<usize, StoreError> {
    if records.is_empty() {
        return Ok(0);
    }
    Err(StoreError::NotOnPostgresYet("upsert_inspections"))
}
