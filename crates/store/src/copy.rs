//! Moving a SQLite store into PostgreSQL (`csfeed migrate-store`): every table of the record
//! of truth, in batches, in an order that satisfies the foreign keys, then verified by
//! counting each table on both sides.
//!
//! Columns are copied by name and converted by the PostgreSQL column's type (SQLite keeps
//! booleans as integers), so the two schemas may differ in types but not in meaning. Leases
//! and host slots are not copied: they describe running processes, not the record.

use std::path::Path;

use postgres::types::ToSql;
use rusqlite::types::Value;

use crate::{DatabaseUrl, Store, StoreError};

/// The tables copied, parents before children.
const TABLES: &[&str] = &[
    "sources",
    "fetch_state",
    "http_cache",
    "articles",
    "article_sources",
    "publications",
    "inspections",
    "report_files",
    "inspection_notes",
    "subscribers",
    "follows",
    "deliveries",
];

/// Rows read and written per transaction.
const BATCH: usize = 500;

/// How one table's copy came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCopy {
    /// The table.
    pub table: &'static str,
    /// Rows in the SQLite store.
    pub source_rows: u64,
    /// Rows in PostgreSQL after the copy (equal when the copy is complete).
    pub target_rows: u64,
}

/// A PostgreSQL value, typed as its column wants it (NULLs too).
type PgValue = Box<dyn ToSql + Sync + Send>;

/// Copies the SQLite store at `sqlite_file` into the PostgreSQL database at `url`,
/// bringing both schemas up to date first. A target that holds any row already is refused
/// ([`StoreError::TargetNotEmpty`]) unless `replace`, which empties it first.
/// `progress(table, rows copied, rows in the table)` is called after every batch.
pub fn copy_sqlite_to_postgres(
    sqlite_file: &Path,
    url: &DatabaseUrl,
    replace: bool,
    progress: &mut dyn FnMut(&'static str, u64, u64),
) -> Result<Vec<TableCopy>, StoreError> {
    // Opening migrates: both sides then have every table and column this build knows.
    drop(Store::open(sqlite_file)?);
    let source =
        rusqlite::Connection::open_with_flags(sqlite_file, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let target = crate::postgres::Postgres::open(url)?;
    prepare_target(&target, replace)?;
    let mut copies = Vec::with_capacity(TABLES.len());
    for &table in TABLES {
        let source_rows = copy_table(&source, &target, table, progress)?;
        let target_rows = target.run(move |client| count(client, table))?;
        copies.push(TableCopy {
            table,
            source_rows,
            target_rows,
        });
    }
    Ok(copies)
}

/// Refuses a target with rows unless `replace`, which empties every copied table.
fn prepare_target(target: &crate::postgres::Postgres, replace: bool) -> Result<(), StoreError> {
    target.run(move |client| {
        if replace {
            client.batch_execute(&format!(
                "TRUNCATE {} RESTART IDENTITY CASCADE",
                TABLES.join(", ")
            ))?;
            return Ok(());
        }
        for &table in TABLES {
            let rows = count(client, table)?;
            if rows > 0 {
                return Err(StoreError::TargetNotEmpty { table, rows });
            }
        }
        Ok(())
    })
}

/// Copies one table in rowid order (which keeps the order SQLite listed rows in); answers
/// how many rows the source has.
fn copy_table(
    source: &rusqlite::Connection,
    target: &crate::postgres::Postgres,
    table: &'static str,
    progress: &mut dyn FnMut(&'static str, u64, u64),
) -> Result<u64, StoreError> {
    let target_columns = target.run(move |client| column_types(client, table))?;
    let columns: Vec<(String, String)> = sqlite_columns(source, table)?
        .into_iter()
        .filter_map(|name| {
            let kind = target_columns
                .iter()
                .find(|(target, _)| *target == name)?
                .1
                .clone();
            Some((name, kind))
        })
        .collect();
    let total: i64 = source.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0))?;
    let total = u64::try_from(total).unwrap_or(0);
    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let select = format!(
        "SELECT rowid, {} FROM {table} WHERE rowid > ?1 ORDER BY rowid LIMIT {BATCH}",
        names.join(", ")
    );
    let placeholders: Vec<String> = (1..=names.len()).map(|n| format!("${n}")).collect();
    let insert = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        names.join(", "),
        placeholders.join(", ")
    );
    let (mut after, mut copied) = (i64::MIN, 0u64);
    loop {
        let (batch, last) = read_batch(source, &select, after, &columns)?;
        let Some(last) = last else { break };
        after = last;
        copied += batch.len() as u64;
        let insert = insert.clone();
        target.run(move |client| {
            let mut transaction = client.transaction()?;
            let statement = transaction.prepare(&insert)?;
            for row in &batch {
                let params: Vec<&(dyn ToSql + Sync)> = row
                    .iter()
                    .map(|value| value.as_ref() as &(dyn ToSql + Sync))
                    .collect();
                transaction.execute(&statement, &params)?;
            }
            transaction.commit()?;
            Ok(())
        })?;
        progress(table, copied, total);
    }
    target.run(move |client| reset_sequences(client, table))?;
    Ok(total)
}

/// The next batch after rowid `after`, converted for PostgreSQL, and the batch's last rowid
/// (`None` when there are no more rows).
fn read_batch(
    source: &rusqlite::Connection,
    select: &str,
    after: i64,
    columns: &[(String, String)],
) -> Result<(Vec<Vec<PgValue>>, Option<i64>), StoreError> {
    let mut statement = source.prepare_cached(select)?;
    let mut rows = statement.query([after])?;
    let (mut batch, mut last) = (Vec::new(), None);
    while let Some(row) = rows.next()? {
        last = Some(row.get::<_, i64>(0)?);
        let mut values = Vec::with_capacity(columns.len());
        for (index, (name, kind)) in columns.iter().enumerate() {
            values.push(convert(row.get::<_, Value>(index + 1)?, kind, name)?);
        }
        batch.push(values);
    }
    Ok((batch, last))
}

/// A SQLite value as the PostgreSQL column of type `kind` takes it.
fn convert(value: Value, kind: &str, column: &str) -> Result<PgValue, StoreError> {
    let mismatch = |value: &Value| StoreError::Corrupt {
        what: "value for PostgreSQL",
        value: format!("{column} ({kind}): {value:?}"),
    };
    Ok(match (kind, value) {
        ("bigint", Value::Integer(n)) => Box::new(Some(n)),
        ("bigint", Value::Null) => Box::new(None::<i64>),
        ("integer", Value::Integer(n)) => {
            Box::new(Some(i32::try_from(n).map_err(|_| mismatch(&Value::Integer(n)))?))
        }
        ("integer", Value::Null) => Box::new(None::<i32>),
        ("boolean", Value::Integer(n)) => Box::new(Some(n != 0)),
        ("boolean", Value::Null) => Box::new(None::<bool>),
        ("double precision", Value::Real(x)) => Box::new(Some(x)),
        ("double precision", Value::Integer(n)) => Box::new(Some(n as f64)),
        ("double precision", Value::Null) => Box::new(None::<f64>),
        ("text", Value::Text(text)) => Box::new(Some(text)),
        ("text", Value::Null) => Box::new(None::<String>),
        ("bytea", Value::Blob(bytes)) => Box::new(Some(bytes)),
        ("bytea", Value::Null) => Box::new(None::<Vec<u8>>),
        (_, value) => return Err(mismatch(&value)),
    })
}

fn sqlite_columns(source: &rusqlite::Connection, table: &str) -> Result<Vec<String>, StoreError> {
    let mut statement = source.prepare(&format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    ))?;
    let names = statement.query_map([], |row| row.get(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

/// Each column of `table` in PostgreSQL with its type (`bigint`, `text`, `boolean`…).
fn column_types(client: &mut postgres::Client, table: &str) -> Result<Vec<(String, String)>, StoreError> {
    let rows = client.query(
        "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        &[&table],
    )?;
    rows.iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect()
}

/// Moves every serial column's sequence past the ids copied in, so new rows get new ids.
fn reset_sequences(client: &mut postgres::Client, table: &str) -> Result<(), StoreError> {
    let serials = client.query(
        "SELECT column_name::TEXT FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 AND column_default LIKE 'nextval(%'",
        &[&table],
    )?;
    for serial in serials {
        let column: String = serial.try_get(0)?;
        client.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ),
            &[&table, &column],
        )?;
    }
    Ok(())
}

fn count(client: &mut postgres::Client, table: &str) -> Result<u64, StoreError> {
    let rows: i64 = client
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
        .try_get(0)?;
    Ok(u64::try_from(rows).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::testing::PostgresFixture;

    #[test]
    fn a_sqlite_store_is_copied_whole_and_a_filled_target_is_refused() {
        let Some(fixture) = PostgresFixture::create("a_sqlite_store_is_copied_whole") else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("db.sqlite3");
        let sqlite = Store::open(&file).unwrap();
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let history = csfeed_core::inspection_history();
        sqlite.upsert_inspections(&history).unwrap();
        let id = sqlite
            .subscribe("a@example.org", "daily", "fostering", "Fostering", now)
            .unwrap()
            .subscriber
            .id;
        sqlite.confirm_subscriber(id, now, now).unwrap();
        let subscriber = sqlite.subscriber(id).unwrap().unwrap();
        let delivery = sqlite
            .begin_delivery(&subscriber, "2026-12-01", now, chrono::Duration::days(1))
            .unwrap();
        sqlite.finish_delivery(delivery.id, "sent", 2, None, now).unwrap();
        drop(sqlite);

        let url = DatabaseUrl::parse(fixture.url()).unwrap();
        let mut calls = 0;
        let copies = copy_sqlite_to_postgres(&file, &url, false, &mut |_, _, _| calls += 1).unwrap();
        assert!(
            copies.iter().all(|copy| copy.source_rows == copy.target_rows),
            "{copies:#?}"
        );
        let inspections = copies.iter().find(|copy| copy.table == "inspections").unwrap();
        assert_eq!(inspections.target_rows, history.len() as u64);
        assert!(calls >= 3, "progress after each batch");

        let copied = &fixture.store;
        assert_eq!(copied.all_inspections().unwrap().len(), history.len());
        let subscriber = copied.subscriber_by_email("a@example.org").unwrap().unwrap();
        assert!(subscriber.is_active());
        assert_eq!(copied.deliveries(subscriber.id).unwrap()[0].status, "sent");
        let another = copied
            .subscribe("b@example.org", "daily", "adoption", "Adoption", now)
            .unwrap()
            .subscriber;
        assert!(another.id > subscriber.id, "new ids follow the copied ones");

        let refused = copy_sqlite_to_postgres(&file, &url, false, &mut |_, _, _| {}).unwrap_err();
        assert!(matches!(refused, StoreError::TargetNotEmpty { .. }), "{refused}");
        let replaced = copy_sqlite_to_postgres(&file, &url, true, &mut |_, _, _| {}).unwrap();
        assert!(replaced.iter().all(|copy| copy.source_rows == copy.target_rows));
        assert_eq!(
            fixture.store.subscribers().unwrap().len(),
            1,
            "replaced, not added to"
        );
    }
}
