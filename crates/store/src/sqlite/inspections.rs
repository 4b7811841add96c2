//! Ofsted inspections and visits of each council, one row per report.

use csfeed_core::{FactNote, InspectionRecord};
use rusqlite::{Connection, Row, params};

use super::Sqlite;
use crate::StoreError;
use crate::inspections::{
    INSPECTION_COLUMNS as COLUMNS, InspectionOps, InspectionRow, PlannedUpsert, plan_upsert,
};

impl InspectionOps for Sqlite {
    fn upsert_inspections(&self, records: &[InspectionRecord]) -> Result<usize, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let changed = upsert_inspections_in(&transaction, records)?;
            transaction.commit()?;
            Ok(changed)
        })
    }

    fn inspections_for(&self, gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections WHERE gss_code = ?1 ORDER BY published DESC, report_url"
            ))?;
            let rows = statement.query_map([gss_code], inspection_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn inspection_notes(&self) -> Result<Vec<FactNote>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT report_url, field, history, report, kept, reason FROM inspection_notes
                 ORDER BY report_url, field",
            )?;
            let rows = statement.query_map([], |row| {
                Ok(FactNote {
                    report_url: row.get(0)?,
                    field: row.get(1)?,
                    history: row.get(2)?,
                    report: row.get(3)?,
                    kept: row.get(4)?,
                    reason: row.get(5)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn note_inspection_facts(&self, notes: &[FactNote]) -> Result<(), StoreError> {
        self.connections.write(|connection| note_in(connection, notes))
    }

    fn inspection(&self, report_url: &str) -> Result<Option<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections WHERE report_url = ?1"
            ))?;
            let mut rows = statement.query_map([report_url], inspection_from_row)?;
            rows.next().transpose()?.transpose()
        })
    }

    fn save_report_file_from(
        &self,
        report_url: &str,
        content_type: &str,
        body: &mut dyn std::io::Read,
        length: u64,
    ) -> Result<(), StoreError> {
        let too_large = || StoreError::Corrupt {
            what: "report file length",
            value: length.to_string(),
        };
        let length = i64::try_from(length).map_err(|_| too_large())?;
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let row: i64 = transaction.query_row(
                "INSERT INTO report_files (report_url, content_type, body, stored_at) VALUES (?1, ?2, zeroblob(?3), ?4)
                 ON CONFLICT(report_url) DO UPDATE SET content_type = excluded.content_type,
                     body = excluded.body, stored_at = excluded.stored_at
                 RETURNING rowid",
                params![report_url, content_type, length, chrono::Utc::now().timestamp()],
                |row| row.get(0),
            )?;
            let mut blob = transaction.blob_open(rusqlite::MAIN_DB, "report_files", "body", row, false)?;
            let copied = std::io::copy(body, &mut blob).map_err(|error| StoreError::File(error.to_string()))?;
            drop(blob);
            // A reader that ends early or runs on would store a damaged file: nothing is kept.
            if copied != length as u64 {
                return Err(StoreError::File(format!("expected {length} bytes, read {copied}")));
            }
            transaction.commit()?;
            Ok(())
        })
    }

    fn report_file(&self, report_url: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT content_type, body FROM report_files WHERE report_url = ?1")?;
            let mut rows = statement.query_map([report_url], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.next().transpose()?)
        })
    }

    fn has_kept_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.connections.read(|connection| {
            Ok(connection
                .prepare_cached(
                    "SELECT 1 FROM inspections i JOIN report_files f ON f.report_url = i.report_url
                     WHERE i.report_url = ?1 AND i.origin = 'report'",
                )?
                .exists([report_url])?)
        })
    }

    fn has_read_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.connections.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT 1 FROM inspections WHERE report_url = ?1 AND origin = 'report'")?
                .exists([report_url])?)
        })
    }

    fn all_inspections(&self) -> Result<Vec<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections ORDER BY published DESC, report_url"
            ))?;
            let rows = statement.query_map([], inspection_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn latest_judged_inspections(&self, limit: usize) -> Result<Vec<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections
                 WHERE published IS NOT NULL AND gss_code IS NOT NULL AND judgements != '{{}}'
                 ORDER BY published DESC, report_url LIMIT ?1"
            ))?;
            let rows = statement.query_map([limit as i64], inspection_from_row)?;
            rows.map(|row| row?).collect()
        })
    }
}

/// [`Store::upsert_inspections`] inside a caller's transaction, so a report's facts can be
/// stored together with its article and ledger row.
pub(crate) fn upsert_inspections_in(
    transaction: &Connection,
    records: &[InspectionRecord],
) -> Result<usize, StoreError> {
    let mut changed = 0;
    let mut statement = transaction.prepare_cached(&format!(
        "INSERT INTO inspections ({COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT(report_url) DO UPDATE SET urn = excluded.urn, gss_code = excluded.gss_code,
             kind = excluded.kind, visit_start = excluded.visit_start, visit_end = excluded.visit_end,
             published = excluded.published, lead_inspector = excluded.lead_inspector,
             inspectors = excluded.inspectors, judgements = excluded.judgements,
             headline = excluded.headline, origin = excluded.origin,
             priority_actions = excluded.priority_actions, improvements = excluded.improvements
         WHERE excluded.origin = 'report'"
    ))?;
    let mut superseded = transaction.prepare_cached("DELETE FROM inspections WHERE report_url = ?1")?;
    for record in records {
        let stored = council_inspections(transaction, &record.urn)?;
        let PlannedUpsert::Write {
            record,
            notes,
            supersedes,
        } = plan_upsert(record, &stored)
        else {
            continue;
        };
        if let Some(history_url) = supersedes {
            superseded.execute([&history_url])?;
        }
        let row = InspectionRow::from_record(&record);
        changed += statement.execute(params![
            row.report_url,
            row.urn,
            row.gss_code,
            row.kind,
            row.visit_start,
            row.visit_end,
            row.published,
            row.lead_inspector,
            row.inspectors,
            row.judgements,
            row.headline,
            row.origin,
            row.priority_actions,
            row.improvements,
        ])?;
        note_in(transaction, &notes)?;
    }
    Ok(changed)
}

/// Every stored record of the council with this URN.
fn council_inspections(connection: &Connection, urn: &str) -> Result<Vec<InspectionRecord>, StoreError> {
    let mut statement =
        connection.prepare_cached(&format!("SELECT {COLUMNS} FROM inspections WHERE urn = ?1"))?;
    let rows = statement.query_map([urn], inspection_from_row)?;
    rows.map(|row| row?).collect()
}

/// Keeps notes for the operator; a later note on the same fact of a report replaces one.
fn note_in(connection: &Connection, notes: &[FactNote]) -> Result<(), StoreError> {
    let mut statement = connection.prepare_cached(
        "INSERT OR REPLACE INTO inspection_notes (report_url, field, history, report, kept, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for note in notes {
        statement.execute(params![
            note.report_url,
            note.field,
            note.history,
            note.report,
            note.kept,
            note.reason
        ])?;
    }
    Ok(())
}

fn inspection_from_row(row: &Row<'_>) -> rusqlite::Result<Result<InspectionRecord, StoreError>> {
    let columns = InspectionRow {
        report_url: row.get(0)?,
        urn: row.get(1)?,
        gss_code: row.get(2)?,
        kind: row.get(3)?,
        visit_start: row.get(4)?,
        visit_end: row.get(5)?,
        published: row.get(6)?,
        lead_inspector: row.get(7)?,
        inspectors: row.get(8)?,
        judgements: row.get(9)?,
        headline: row.get(10)?,
        origin: row.get(11)?,
        priority_actions: row.get(12)?,
        improvements: row.get(13)?,
    };
    Ok(columns.into_record())
}
