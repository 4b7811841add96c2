//! PostgreSQL: leases and host slots (one conditional upsert each, so racers on different
//! machines cannot both win).

use super::Postgres;
use crate::StoreError;
use crate::leases::LeaseOps;

impl LeaseOps for Postgres {
    fn try_lease(&self, name: &str, holder: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreError> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.workers.run(move |client| {
            let changed = client.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                 WHERE leases.holder = excluded.holder OR leases.expires_at <= $4",
                &[&name, &holder, &until_ms, &now_ms],
            )?;
            Ok(changed == 1)
        })
    }

    fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.workers.run(move |client| {
            let deleted = client.execute(
                "DELETE FROM leases WHERE name = $1 AND holder = $2",
                &[&name, &holder],
            )?;
            Ok(deleted == 1)
        })
    }

    fn lease_holder(&self, name: &str, now_ms: i64) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.workers.run(move |client| {
            let row = client.query_opt(
                "SELECT holder FROM leases WHERE name = $1 AND expires_at > $2",
                &[&name, &now_ms],
            )?;
            Ok(row.map(|row| row.try_get(0)).transpose()?)
        })
    }

    fn take_over_lease(&self, name: &str, from: &str, to: &str, until_ms: i64) -> Result<bool, StoreError> {
        let (name, from, to) = (name.to_owned(), from.to_owned(), to.to_owned());
        self.workers.run(move |client| {
            let changed = client.execute(
                "UPDATE leases SET holder = $3, expires_at = $4 WHERE name = $1 AND holder = $2",
                &[&name, &from, &to, &until_ms],
            )?;
            Ok(changed == 1)
        })
    }

    fn reserve_host_slot(&self, host: &str, now_ms: i64, gap_ms: i64) -> Result<i64, StoreError> {
        let host = host.to_owned();
        self.workers.run(move |client| {
            let row = client.query_one(
                "INSERT INTO host_slots (host, next_at) VALUES ($1, $2::BIGINT + $3::BIGINT)
                 ON CONFLICT (host) DO UPDATE SET next_at = GREATEST(host_slots.next_at, $2::BIGINT) + $3::BIGINT
                 RETURNING next_at - $3::BIGINT",
                &[&host, &now_ms, &gap_ms],
            )?;
            Ok(row.try_get(0)?)
        })
    }
}
