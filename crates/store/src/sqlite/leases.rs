//! SQLite: leases and host slots (one conditional upsert each, so racers cannot both win).

use rusqlite::{OptionalExtension, params};

use super::Sqlite;
use crate::StoreError;
use crate::leases::LeaseOps;

impl LeaseOps for Sqlite {
    fn try_lease(&self, name: &str, holder: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let changed = connection.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE leases.holder = excluded.holder OR leases.expires_at <= ?4",
                params![name, holder, until_ms, now_ms],
            )?;
            Ok(changed == 1)
        })
    }

    fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let deleted = connection.execute(
                "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
                params![name, holder],
            )?;
            Ok(deleted == 1)
        })
    }

    fn lease_holder(&self, name: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
        self.connections.read(|connection| {
            Ok(connection
                .query_row(
                    "SELECT holder FROM leases WHERE name = ?1 AND expires_at > ?2",
                    params![name, now_ms],
                    |row| row.get(0),
                )
                .optional()?)
        })
    }

    fn take_over_lease(&self, name: &str, from: &str, to: &str, until_ms: i64) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let changed = connection.execute(
                "UPDATE leases SET holder = ?3, expires_at = ?4 WHERE name = ?1 AND holder = ?2",
                params![name, from, to, until_ms],
            )?;
            Ok(changed == 1)
        })
    }

    fn reserve_host_slot(&self, host: &str, now_ms: i64, gap_ms: i64) -> Result<i64, StoreError> {
        self.connections.write(|connection| {
            Ok(connection.query_row(
                "INSERT INTO host_slots (host, next_at) VALUES (?1, ?2 + ?3)
                 ON CONFLICT (host) DO UPDATE SET next_at = MAX(host_slots.next_at, ?2) + ?3
                 RETURNING next_at - ?3",
                params![host, now_ms, gap_ms],
                |row| row.get(0),
            )?)
        })
    }
}
