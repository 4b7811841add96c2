//! One writer connection and a few pooled readers over the same WAL database.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

use crate::StoreError;

/// How much of the database file each connection maps into memory.
const MMAP_BYTES: i64 = 1 << 30;

/// Readers kept open for reuse; more may be opened under load and are then closed.
const IDLE_READERS: usize = 8;

pub(crate) struct Connections {
    path: PathBuf,
    writer: Mutex<Connection>,
    idle_readers: Mutex<Vec<Connection>>,
}

impl Connections {
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let mut writer = open_connection(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // The writer reads the pages it is about to change, and its changes go through the
        // log: mapped, every page a long ingest touched stayed in this process's resident set
        // (39 MiB after a full-England Ofsted ingest) for no gain.
        writer.pragma_update(None, "mmap_size", 0)?;
        // Write transactions take the write lock when they begin, not at their first write:
        // a transaction that read first and then found another process had written since
        // would fail at once with "database is locked" (the busy timeout cannot help a
        // stale snapshot), and several csfeed processes may write one file.
        writer.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            idle_readers: Mutex::new(Vec::new()),
        })
    }

    pub(crate) fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Runs `work` with exclusive use of the writer connection.
    pub(crate) fn write<T>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        // A panic while holding the lock leaves no half-done transaction behind (rusqlite
        // rolls back on drop), so the connection is still usable.
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut writer)
    }

    /// Runs `work` on a reader connection, which sees the last committed state.
    pub(crate) fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let reader = match self.idle().pop() {
            Some(reader) => reader,
            None => open_connection(&self.path)?,
        };
        let result = work(&reader);
        let mut idle = self.idle();
        if idle.len() < IDLE_READERS {
            idle.push(reader);
        }
        result
    }

    /// Runs `work` on a reader that reads pages with read() instead of through the memory
    /// map, for a scan that reads much of the database once (the search index's catch-up
    /// reads every report's full text). Through the map, every page it touched would stay
    /// in this process's resident set: 115 MiB more at the end of a full-England ingest.
    pub(crate) fn scan<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.read(|reader| {
            // Shrinking the map unmaps it, pages this reader touched before included.
            reader.pragma_update(None, "mmap_size", 0)?;
            let result = work(reader);
            reader.pragma_update(None, "mmap_size", MMAP_BYTES)?;
            result
        })
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle_readers.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let connection = Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(10))?;
    connection.pragma_update(None, "foreign_keys", "ON")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    // Read pages through a memory map rather than a read() call each: loading a page of
    // search results (bodies run over several pages) was spending most of its time copying
    // pages out of the kernel. SQLite keeps using read() past this size, and with WAL
    // writes still go through the log.
    connection.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    // Plan each statement once. Without this, SQLite (built with STAT4) re-prepares a cached
    // statement whenever a parameter used in an indexed equality gets a new value, which
    // was a fifth of the time of a search's reads; csfeed keeps no planner statistics that
    // those re-plans could use anyway.
    connection.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(connection)
}
