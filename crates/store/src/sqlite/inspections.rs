//! Ofsted inspections and visits of each council, one row per report.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use csfeed_core::{
    FactNote, Grade, InspectionRecord, merge_with_history, same_inspection, withhold_impossible,
};
use rusqlite::{Connection, Row, params};

use super::Sqlite;
use crate::StoreError;
use crate::inspections::InspectionOps;

const COLUMNS: &str = "report_url, urn, gss_code, kind, visit_start, visit_end, published, lead_inspector,
    inspectors, judgements, headline, origin, priority_actions, improvements";

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

    fn save_report_file(&self, report_url: &str, content_type: &str, body: &[u8]) -> Result<(), StoreError> {
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
        let (mut record, mut notes) = (record.clone(), Vec::new());
        if record.origin == "report" {
            // One inspection is one record: the report replaces the history's row for the
            // same inspection (matched by file, visit or nearby publication, never by a
            // date string), keeping what the history knew where the reader found less.
            if let Some(history) = stored
                .iter()
                .find(|row| row.origin == "history" && same_inspection(row, &record))
            {
                let fallback = history.published;
                (record, notes) = merge_with_history(history, &record);
                notes.extend(withhold_impossible(&mut record, fallback));
                if history.report_url != record.report_url {
                    superseded.execute([&history.report_url])?;
                }
            }
        } else if stored
            .iter()
            .any(|row| row.origin == "report" && same_inspection(row, &record))
        {
            // The history never brings back a row a report replaced.
            continue;
        }
        notes.extend(withhold_impossible(&mut record, None));
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
    use crate::Store;

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
            .filter(|r| r.is_judged() && r.published.is_some() && r.gss_code.is_some())
            .collect();
        expected.truncate(20);
        assert!(
            expected.iter().any(InspectionRecord::is_reformed),
            "2026-framework inspections count as judged"
        );
        assert_eq!(store.latest_judged_inspections(20).unwrap(), expected);
    }

    #[test]
    fn a_report_read_is_one_record_with_its_history_and_never_worse() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
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

    #[test]
    fn impossible_facts_are_withheld_and_noted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
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
