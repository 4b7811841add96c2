//! PostgreSQL: Ofsted inspections and visits of each council, one row per report, with
//! the operator's notes and the files reports were read from.

use std::io::Read;

use csfeed_core::{FactNote, InspectionRecord};
use postgres::{GenericClient, Row};

use super::Postgres;
use crate::StoreError;
use crate::inspections::{
    INSPECTION_COLUMNS as COLUMNS, InspectionOps, InspectionRow, PlannedUpsert, plan_upsert,
};

impl InspectionOps for Postgres {
    fn upsert_inspections(&self, records: &[InspectionRecord]) -> Result<usize, StoreError> {
        let records = records.to_vec();
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            let changed = upsert_inspections_in(&mut transaction, &records)?;
            transaction.commit()?;
            Ok(changed)
        })
    }

    fn inspections_for(&self, gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError> {
        let gss_code = gss_code.to_owned();
        self.workers.run(move |client| {
            let rows = client.query(
                &format!("SELECT {COLUMNS} FROM inspections WHERE gss_code = $1 ORDER BY published DESC NULLS LAST, report_url"),
                &[&gss_code],
            )?;
            rows.iter().map(inspection_from_row).collect()
        })
    }

    fn inspection_notes(&self) -> Result<Vec<FactNote>, StoreError> {
        self.workers.run(|client| {
            let rows = client.query(
                "SELECT report_url, field, history, report, kept, reason FROM inspection_notes
                 ORDER BY report_url, field",
                &[],
            )?;
            rows.iter()
                .map(|row| {
                    Ok(FactNote {
                        report_url: row.try_get(0)?,
                        field: row.try_get(1)?,
                        history: row.try_get(2)?,
                        report: row.try_get(3)?,
                        kept: row.try_get(4)?,
                        reason: row.try_get(5)?,
                    })
                })
                .collect()
        })
    }

    fn note_inspection_facts(&self, notes: &[FactNote]) -> Result<(), StoreError> {
        let notes = notes.to_vec();
        self.workers.run(move |client| note_in(client, &notes))
    }

    fn inspection(&self, report_url: &str) -> Result<Option<InspectionRecord>, StoreError> {
        let report_url = report_url.to_owned();
        self.workers.run(move |client| {
            let row = client.query_opt(
                &format!("SELECT {COLUMNS} FROM inspections WHERE report_url = $1"),
                &[&report_url],
            )?;
            row.as_ref().map(inspection_from_row).transpose()
        })
    }

    fn save_report_file_from(
        &self,
        report_url: &str,
        content_type: &str,
        body: &mut dyn std::io::Read,
        length: u64,
    ) -> Result<(), StoreError> {
        // BYTEA goes over the wire whole: read the file once, no further than it said, and
        // keep nothing when the reader ends early or runs on.
        let mut file = Vec::new();
        let copied = std::io::Read::take(body, length.saturating_add(1))
            .read_to_end(&mut file)
            .map_err(|error| StoreError::File(error.to_string()))?;
        if copied as u64 != length {
            return Err(StoreError::File(format!(
                "expected {length} bytes, read {copied}"
            )));
        }
        let (report_url, content_type) = (report_url.to_owned(), content_type.to_owned());
        self.workers.run(move |client| {
            client.execute(
                "INSERT INTO report_files (report_url, content_type, body, stored_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (report_url) DO UPDATE SET content_type = excluded.content_type,
                     body = excluded.body, stored_at = excluded.stored_at",
                &[&report_url, &content_type, &file, &chrono::Utc::now().timestamp()],
            )?;
            Ok(())
        })
    }

    fn report_file(&self, report_url: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let report_url = report_url.to_owned();
        self.workers.run(move |client| {
            let row = client.query_opt(
                "SELECT content_type, body FROM report_files WHERE report_url = $1",
                &[&report_url],
            )?;
            Ok(row
                .map(|row| Ok::<_, postgres::Error>((row.try_get(0)?, row.try_get(1)?)))
                .transpose()?)
        })
    }

    fn has_kept_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM inspections i JOIN report_files f ON f.report_url = i.report_url
             WHERE i.report_url = $1 AND i.origin = 'report'",
            report_url,
        )
    }

    fn has_read_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.exists(
            "SELECT 1 FROM inspections WHERE report_url = $1 AND origin = 'report'",
            report_url,
        )
    }

    fn all_inspections(&self) -> Result<Vec<InspectionRecord>, StoreError> {
        self.workers.run(|client| {
            let rows = client.query(
                &format!("SELECT {COLUMNS} FROM inspections ORDER BY published DESC NULLS LAST, report_url"),
                &[],
            )?;
            rows.iter().map(inspection_from_row).collect()
        })
    }

    fn latest_judged_inspections(&self, limit: usize) -> Result<Vec<InspectionRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.workers.run(move |client| {
            let rows = client.query(
                &format!(
                    "SELECT {COLUMNS} FROM inspections
                     WHERE published IS NOT NULL AND gss_code IS NOT NULL AND judgements != '{{}}'
                     ORDER BY published DESC, report_url LIMIT $1"
                ),
                &[&limit],
            )?;
            rows.iter().map(inspection_from_row).collect()
        })
    }
}

impl Postgres {
    /// Whether `sql` (with `$1` = `key`) finds a row.
    fn exists(&self, sql: &'static str, key: &str) -> Result<bool, StoreError> {
        let key = key.to_owned();
        self.workers
            .run(move |client| Ok(client.query_opt(sql, &[&key])?.is_some()))
    }
}

/// [`InspectionOps::upsert_inspections`] inside a caller's transaction, so a report's facts
/// are stored together with its article and ledger row.
pub(crate) fn upsert_inspections_in(
    transaction: &mut postgres::Transaction<'_>,
    records: &[InspectionRecord],
) -> Result<usize, StoreError> {
    let mut changed = 0;
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
            transaction.execute("DELETE FROM inspections WHERE report_url = $1", &[&history_url])?;
        }
        let row = InspectionRow::from_record(&record);
        let written = transaction.execute(
            &format!(
                "INSERT INTO inspections ({COLUMNS})
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                 ON CONFLICT (report_url) DO UPDATE SET urn = excluded.urn, gss_code = excluded.gss_code,
                     kind = excluded.kind, visit_start = excluded.visit_start, visit_end = excluded.visit_end,
                     published = excluded.published, lead_inspector = excluded.lead_inspector,
                     inspectors = excluded.inspectors, judgements = excluded.judgements,
                     headline = excluded.headline, origin = excluded.origin,
                     priority_actions = excluded.priority_actions, improvements = excluded.improvements
                 WHERE excluded.origin = 'report'"
            ),
            &[
                &row.report_url,
                &row.urn,
                &row.gss_code,
                &row.kind,
                &row.visit_start,
                &row.visit_end,
                &row.published,
                &row.lead_inspector,
                &row.inspectors,
                &row.judgements,
                &row.headline,
                &row.origin,
                &row.priority_actions,
                &row.improvements,
            ],
        )?;
        changed += usize::try_from(written).unwrap_or(0);
        note_in(transaction, &notes)?;
    }
    Ok(changed)
}

/// Every stored record of the council with this URN.
fn council_inspections(
    client: &mut impl GenericClient,
    urn: &str,
) -> Result<Vec<InspectionRecord>, StoreError> {
    let rows = client.query(
        &format!("SELECT {COLUMNS} FROM inspections WHERE urn = $1"),
        &[&urn],
    )?;
    rows.iter().map(inspection_from_row).collect()
}

/// Keeps notes for the operator; a later note on the same fact of a report replaces one.
fn note_in(client: &mut impl GenericClient, notes: &[FactNote]) -> Result<(), StoreError> {
    for note in notes {
        client.execute(
            "INSERT INTO inspection_notes (report_url, field, history, report, kept, reason)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (report_url, field) DO UPDATE SET history = excluded.history,
                 report = excluded.report, kept = excluded.kept, reason = excluded.reason",
            &[
                &note.report_url,
                &note.field,
                &note.history,
                &note.report,
                &note.kept,
                &note.reason,
            ],
        )?;
    }
    Ok(())
}

fn inspection_from_row(row: &Row) -> Result<InspectionRecord, StoreError> {
    InspectionRow {
        report_url: row.try_get(0)?,
        urn: row.try_get(1)?,
        gss_code: row.try_get(2)?,
        kind: row.try_get(3)?,
        visit_start: row.try_get(4)?,
        visit_end: row.try_get(5)?,
        published: row.try_get(6)?,
        lead_inspector: row.try_get(7)?,
        inspectors: row.try_get(8)?,
        judgements: row.try_get(9)?,
        headline: row.try_get(10)?,
        origin: row.try_get(11)?,
        priority_actions: row.try_get(12)?,
        improvements: row.try_get(13)?,
    }
    .into_record()
}
