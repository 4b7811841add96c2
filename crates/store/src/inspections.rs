//! Ofsted inspections and visits of each council, one row per report.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use csfeed_core::{Grade, InspectionRecord};
use rusqlite::{Connection, Row, params};

use crate::{Store, StoreError};

const COLUMNS: &str = "report_url, urn, gss_code, kind, visit_start, visit_end, published, lead_inspector,
    inspectors, judgements, headline, origin, priority_actions, improvements";

impl Store {
    /// Stores inspection records, one per report URL. A record read from the report itself
    /// (`origin = "report"`) replaces whatever was stored; a `history` record never
    /// overwrites anything, so loading the history again is a no-op. Returns how many rows
    /// were added or replaced.
    pub fn upsert_inspections(&self, records: &[InspectionRecord]) -> Result<usize, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let changed = upsert_inspections_in(&transaction, records)?;
            transaction.commit()?;
            Ok(changed)
        })
    }

    /// Every inspection of the council with this GSS code, newest first.
    pub fn inspections_for(&self, gss_code: &str) -> Result<Vec<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections WHERE gss_code = ?1 ORDER BY published DESC, report_url"
            ))?;
            let rows = statement.query_map([gss_code], inspection_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    /// The inspection record of one report, by its address.
    pub fn inspection(&self, report_url: &str) -> Result<Option<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections WHERE report_url = ?1"
            ))?;
            let mut rows = statement.query_map([report_url], inspection_from_row)?;
            rows.next().transpose()?.transpose()
        })
    }

    /// Keeps the file a report was read from, replacing any earlier copy, so csfeed can
    /// serve the very PDF behind the facts it shows.
    pub fn save_report_file(
        &self,
        report_url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            connection.execute(
                "INSERT INTO report_files (report_url, content_type, body, stored_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(report_url) DO UPDATE SET content_type = excluded.content_type,
                     body = excluded.body, stored_at = excluded.stored_at",
                params![report_url, content_type, body, chrono::Utc::now().timestamp()],
            )?;
            Ok(())
        })
    }

    /// The stored file of a report, with its content type, when csfeed kept one.
    pub fn report_file(&self, report_url: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT content_type, body FROM report_files WHERE report_url = ?1")?;
            let mut rows = statement.query_map([report_url], |row| Ok((row.get(0)?, row.get(1)?)))?;
            Ok(rows.next().transpose()?)
        })
    }

    /// Whether a report has been read and its file kept, so it need not be fetched again
    /// (a report read before csfeed kept files is read once more).
    pub fn has_kept_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.connections.read(|connection| {
            Ok(connection
                .prepare_cached(
                    "SELECT 1 FROM inspections i JOIN report_files f ON f.report_url = i.report_url
                     WHERE i.report_url = ?1 AND i.origin = 'report'",
                )?
                .exists([report_url])?)
        })
    }

    /// Whether a report has been read already (so its PDF need not be fetched again).
    pub fn has_read_report(&self, report_url: &str) -> Result<bool, StoreError> {
        self.connections.read(|connection| {
            Ok(connection
                .prepare_cached("SELECT 1 FROM inspections WHERE report_url = ?1 AND origin = 'report'")?
                .exists([report_url])?)
        })
    }

    /// Every stored inspection, newest first.
    pub fn all_inspections(&self) -> Result<Vec<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections ORDER BY published DESC, report_url"
            ))?;
            let rows = statement.query_map([], inspection_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    /// The `limit` most recently published inspections of a known council that carry an
    /// overall effectiveness grade, newest first.
    pub fn latest_graded_inspections(&self, limit: usize) -> Result<Vec<InspectionRecord>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM inspections
                 WHERE published IS NOT NULL AND gss_code IS NOT NULL
                   AND json_extract(judgements, '$.overall_effectiveness') IS NOT NULL
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
    {
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
        let mut superseded = transaction.prepare_cached(
            "DELETE FROM inspections WHERE urn = ?1 AND origin = 'history' AND published = ?2 AND report_url != ?3",
        )?;
        let mut already_read = transaction.prepare_cached(
            "SELECT 1 FROM inspections WHERE urn = ?1 AND published = ?2 AND origin = 'report'",
        )?;
        for record in records {
            // A report read by csfeed replaces the history's row for the same publication,
            // which may carry another address for the same file; the history never
            // brings that row back.
            if let Some(published) = record.published.map(|day| day.to_string()) {
                if record.origin == "report" {
                    superseded.execute(params![record.urn, published, record.report_url])?;
                } else if already_read.exists(params![record.urn, published])? {
                    continue;
                }
            }
            changed += statement.execute(params![
                record.report_url,
                record.urn,
                record.gss_code,
                record.kind,
                record.visit_start.map(|d| d.to_string()),
                record.visit_end.map(|d| d.to_string()),
                record.published.map(|d| d.to_string()),
                record.lead_inspector,
                serde_json::to_string(&record.inspectors).unwrap_or_else(|_| "[]".into()),
                serde_json::to_string(&record.judgements).unwrap_or_else(|_| "{}".into()),
                record.headline,
                record.origin,
                json_list(&record.priority_actions),
                json_list(&record.improvements),
            ])?;
        }
    }
    Ok(changed)
}

/// A list of strings as its column keeps it.
fn json_list(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// A list column read back; a value that is not a list of strings is corruption.
fn list_from_json(what: &'static str, value: String) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(&value).map_err(|_| StoreError::Corrupt { what, value })
}

fn inspection_from_row(row: &Row<'_>) -> rusqlite::Result<Result<InspectionRecord, StoreError>> {
    let date = |index: usize| -> rusqlite::Result<Option<NaiveDate>> {
        Ok(row
            .get::<_, Option<String>>(index)?
            .and_then(|text| NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()))
    };
    let inspectors: String = row.get(8)?;
    let judgements: String = row.get(9)?;
    let priority_actions: String = row.get(12)?;
    let improvements: String = row.get(13)?;
    let record = InspectionRecord {
        report_url: row.get(0)?,
        urn: row.get(1)?,
        gss_code: row.get(2)?,
        kind: row.get(3)?,
        visit_start: date(4)?,
        visit_end: date(5)?,
        published: date(6)?,
        lead_inspector: row.get(7)?,
        inspectors: Vec::new(),
        judgements: BTreeMap::new(),
        headline: row.get(10)?,
        priority_actions: Vec::new(),
        improvements: Vec::new(),
        origin: row.get(11)?,
    };
    Ok((|| {
        let inspectors: Vec<String> = serde_json::from_str(&inspectors).map_err(|_| StoreError::Corrupt {
            what: "inspectors",
            value: inspectors.clone(),
        })?;
        let judgements: BTreeMap<String, Grade> =
            serde_json::from_str(&judgements).map_err(|_| StoreError::Corrupt {
                what: "judgements",
                value: judgements.clone(),
            })?;
        Ok(InspectionRecord {
            inspectors,
            judgements,
            priority_actions: list_from_json("priority_actions", priority_actions)?,
            improvements: list_from_json("improvements", improvements)?,
            ..record
        })
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_loads_once_and_reports_win() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
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
            .filter(|r| r.overall().is_some() && r.published.is_some() && r.gss_code.is_some())
            .collect();
        expected.truncate(6);
        assert_eq!(store.latest_graded_inspections(6).unwrap(), expected);
    }

    #[test]
    fn a_report_keeps_its_findings_and_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
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
    }
}
