//! Digest subscribers, what they follow, and deliveries.
//!
//! A delivery row is written (status `pending`) before a digest is sent and finished
//! (`sent`, `empty` or `failed`) after, one row per subscriber and period (`UNIQUE`), so a
//! second run in the same period finds the row and sends nothing, and a run after a crash
//! finds a `pending` or `failed` row and sends exactly that window again. The next window
//! starts where the last `sent` or `empty` one ended, so no item is ever skipped.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Sqlite;
use crate::StoreError;
use crate::subscriptions::{
    Confirmed, DELIVERY_COLUMNS, Delivery, Follow, MAX_FOLLOWS, PENDING_FOLLOW_LIFETIME, SUBSCRIBER_COLUMNS,
    SignUp, Subscriber, SubscriberId, SubscriptionOps, new_delivery_window,
};
use crate::time::{from_db, from_db_opt, to_db};

impl SubscriptionOps for Sqlite {
    fn subscribe(
        &self,
        email: &str,
        frequency: &str,
        query: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<SignUp, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            transaction.execute(
                "INSERT INTO subscribers (email, frequency, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(email) DO UPDATE SET requested_frequency = excluded.frequency",
                params![email, frequency, to_db(now)],
            )?;
            let subscriber = subscriber_by_email(&transaction, email)?.ok_or(StoreError::Corrupt {
                what: "subscriber",
                value: "missing after insert".into(),
            })?;
            transaction.execute(
                "DELETE FROM follows WHERE subscriber_id = ?1 AND confirmed_at IS NULL AND created_at < ?2",
                params![subscriber.id, to_db(now - PENDING_FOLLOW_LIFETIME)],
            )?;
            let existing: Option<Option<i64>> = transaction
                .query_row(
                    "SELECT confirmed_at FROM follows WHERE subscriber_id = ?1 AND query = ?2",
                    params![subscriber.id, query],
                    |row| row.get(0),
                )
                .optional()?;
            let followed = count(
                &transaction,
                "SELECT COUNT(*) FROM follows WHERE subscriber_id = ?1",
                params![subscriber.id],
            )?;
            let awaiting = match existing {
                Some(confirmed_at) => confirmed_at.is_none(),
                None if followed >= MAX_FOLLOWS => false,
                None => {
                    transaction.execute(
                        "INSERT INTO follows (subscriber_id, query, label, created_at) VALUES (?1, ?2, ?3, ?4)",
                        params![subscriber.id, query, label, to_db(now)],
                    )?;
                    true
                }
            };
            transaction.commit()?;
            Ok(SignUp::recorded(subscriber, awaiting, frequency))
        })
    }

    fn claim_confirmation(
        &self,
        id: SubscriberId,
        now: DateTime<Utc>,
        not_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let claimed = connection.execute(
                "UPDATE subscribers SET confirmation_sent_at = ?2
                 WHERE id = ?1 AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= ?3)",
                params![id, to_db(now), to_db(not_since)],
            )?;
            Ok(claimed > 0)
        })
    }

    fn release_confirmation(&self, id: SubscriberId, claimed_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            connection.execute(
                "UPDATE subscribers SET confirmation_sent_at = NULL
                 WHERE id = ?1 AND confirmation_sent_at = ?2",
                params![id, to_db(claimed_at)],
            )?;
            Ok(())
        })
    }

    fn confirm_subscriber(
        &self,
        id: SubscriberId,
        asked_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Confirmed>, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let changed = transaction.execute(
                "UPDATE subscribers SET confirmed_at = COALESCE(confirmed_at, ?2), unsubscribed_at = NULL,
                     suspended_at = NULL, refused_periods = 0, last_refused_period = NULL,
                     frequency = COALESCE(requested_frequency, frequency), requested_frequency = NULL
                 WHERE id = ?1",
                params![id, to_db(now)],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            let followed = count(
                &transaction,
                "SELECT COUNT(*) FROM follows WHERE subscriber_id = ?1 AND confirmed_at IS NOT NULL",
                params![id],
            )?;
            let started = transaction.execute(
                "UPDATE follows SET confirmed_at = ?2 WHERE id IN (
                     SELECT id FROM follows WHERE subscriber_id = ?1 AND confirmed_at IS NULL AND created_at <= ?3
                     ORDER BY id LIMIT ?4)",
                params![id, to_db(now), to_db(asked_by), MAX_FOLLOWS.saturating_sub(followed) as i64],
            )?;
            let waiting = count(
                &transaction,
                "SELECT COUNT(*) FROM follows WHERE subscriber_id = ?1 AND confirmed_at IS NULL AND created_at <= ?2",
                params![id, to_db(asked_by)],
            )?;
            transaction.commit()?;
            Ok(Some(Confirmed {
                started,
                over_limit: waiting,
            }))
        })
    }

    fn record_refusal(
        &self,
        id: SubscriberId,
        period: &str,
        suspend_after: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            transaction.execute(
                "UPDATE subscribers SET
                     refused_periods = refused_periods + (last_refused_period IS NOT ?2),
                     last_refused_period = ?2
                 WHERE id = ?1",
                params![id, period],
            )?;
            let suspended = transaction.execute(
                "UPDATE subscribers SET suspended_at = ?3
                 WHERE id = ?1 AND suspended_at IS NULL AND refused_periods >= ?2",
                params![id, suspend_after, to_db(now)],
            )?;
            transaction.commit()?;
            Ok(suspended > 0)
        })
    }

    fn clear_refusals(&self, id: SubscriberId) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            connection.execute(
                "UPDATE subscribers SET refused_periods = 0, last_refused_period = NULL
                 WHERE id = ?1 AND refused_periods > 0",
                [id],
            )?;
            Ok(())
        })
    }

    fn unsubscribe(&self, id: SubscriberId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let changed = connection.execute(
                "UPDATE subscribers SET unsubscribed_at = COALESCE(unsubscribed_at, ?2) WHERE id = ?1",
                params![id, to_db(now)],
            )?;
            Ok(changed > 0)
        })
    }

    fn set_frequency(&self, id: SubscriberId, frequency: &str) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let changed = connection.execute(
                "UPDATE subscribers SET frequency = ?2 WHERE id = ?1",
                params![id, frequency],
            )?;
            Ok(changed > 0)
        })
    }

    fn remove_follow(&self, id: SubscriberId, follow_id: i64) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let changed = connection.execute(
                "DELETE FROM follows WHERE id = ?2 AND subscriber_id = ?1",
                params![id, follow_id],
            )?;
            Ok(changed > 0)
        })
    }

    fn delete_subscriber(&self, id: SubscriberId) -> Result<bool, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            transaction.execute("DELETE FROM deliveries WHERE subscriber_id = ?1", [id])?;
            transaction.execute("DELETE FROM follows WHERE subscriber_id = ?1", [id])?;
            let changed = transaction.execute("DELETE FROM subscribers WHERE id = ?1", [id])?;
            transaction.commit()?;
            Ok(changed > 0)
        })
    }

    fn subscriber(&self, id: SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = ?1"
            ))?;
            statement
                .query_row([id], subscriber_from_row)
                .optional()?
                .transpose()
        })
    }

    fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError> {
        self.connections
            .read(|connection| subscriber_by_email(connection, email))
    }

    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers ORDER BY id"
            ))?;
            let rows = statement.query_map([], subscriber_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn subscribers_with_follows(&self) -> Result<Vec<(Subscriber, Vec<Follow>)>, StoreError> {
        let subscribers = self.subscribers()?;
        let mut follows: std::collections::HashMap<SubscriberId, Vec<Follow>> =
            self.connections.read(|connection| {
                let mut statement = connection
                    .prepare_cached(
                    "SELECT subscriber_id, id, query, label FROM follows WHERE confirmed_at IS NOT NULL ORDER BY id",
                )?;
                let rows = statement.query_map([], |row| {
                    Ok((
                        row.get::<_, SubscriberId>(0)?,
                        Follow {
                            id: row.get(1)?,
                            query: row.get(2)?,
                            label: row.get(3)?,
                        },
                    ))
                })?;
                let mut by_subscriber: std::collections::HashMap<SubscriberId, Vec<Follow>> =
                    Default::default();
                for row in rows {
                    let (subscriber, follow) = row?;
                    by_subscriber.entry(subscriber).or_default().push(follow);
                }
                Ok(by_subscriber)
            })?;
        Ok(subscribers
            .into_iter()
            .map(|subscriber| {
                let theirs = follows.remove(&subscriber.id).unwrap_or_default();
                (subscriber, theirs)
            })
            .collect())
    }

    fn active_subscribers(&self, frequency: &str) -> Result<Vec<Subscriber>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers
                 WHERE frequency = ?1 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL
                     AND suspended_at IS NULL
                 ORDER BY id"
            ))?;
            let rows = statement.query_map([frequency], subscriber_from_row)?;
            rows.map(|row| row?).collect()
        })
    }

    fn pending_follows(&self, id: SubscriberId, asked_by: DateTime<Utc>) -> Result<Vec<Follow>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, query, label FROM follows
                 WHERE subscriber_id = ?1 AND confirmed_at IS NULL AND created_at <= ?2 ORDER BY id",
            )?;
            let rows = statement.query_map(params![id, to_db(asked_by)], |row| {
                Ok(Follow {
                    id: row.get(0)?,
                    query: row.get(1)?,
                    label: row.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn follows(&self, id: SubscriberId) -> Result<Vec<Follow>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT id, query, label FROM follows WHERE subscriber_id = ?1 AND confirmed_at IS NOT NULL
                 ORDER BY id",
            )?;
            let rows = statement.query_map([id], |row| {
                Ok(Follow {
                    id: row.get(0)?,
                    query: row.get(1)?,
                    label: row.get(2)?,
                })
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn begin_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        self.connections.write(|connection| {
            let transaction = connection.transaction()?;
            let delivery = match planned_delivery(&transaction, subscriber, period, now, first_lookback)? {
                Ok(existing) => existing,
                Err((start, end)) => {
                    transaction.execute(
                        "INSERT INTO deliveries (subscriber_id, period, status, window_start, window_end, created_at)
                         VALUES (?1, ?2, 'pending', ?3, ?4, ?4)",
                        params![subscriber.id, period, start, end],
                    )?;
                    delivery_for(&transaction, subscriber.id, period)?.ok_or(StoreError::Corrupt {
                        what: "delivery",
                        value: "missing after insert".into(),
                    })?
                }
            };
            transaction.commit()?;
            Ok(delivery)
        })
    }

    fn preview_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        self.connections.read(|connection| {
            match planned_delivery(connection, subscriber, period, now, first_lookback)? {
                Ok(existing) => Ok(existing),
                Err((start, end)) => Ok(Delivery {
                    first: !has_earlier_delivery(connection, subscriber.id)?,
                    id: 0,
                    subscriber_id: subscriber.id,
                    period: period.to_owned(),
                    status: "preview".to_owned(),
                    window_start: from_db(start)?,
                    window_end: from_db(end)?,
                    items: 0,
                    error: None,
                }),
            }
        })
    }

    fn finish_delivery(
        &self,
        id: i64,
        status: &str,
        items: usize,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.connections.write(|connection| {
            connection.execute(
                "UPDATE deliveries SET status = ?2, items = ?3, error = ?4, finished_at = ?5 WHERE id = ?1",
                params![id, status, items as i64, error, to_db(now)],
            )?;
            Ok(())
        })
    }

    fn deliveries(&self, id: SubscriberId) -> Result<Vec<Delivery>, StoreError> {
        self.connections.read(|connection| {
            let mut statement = connection.prepare_cached(&format!(
                "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE subscriber_id = ?1 ORDER BY window_end DESC, id DESC"
            ))?;
            let rows = statement.query_map([id], delivery_from_row)?;
            rows.map(|row| row?).collect()
        })
    }
}

/// The subscriber's delivery for `period` if there is one, else the window (start, end as
/// stored) a new one would cover: from the end of the last `sent` or `empty` window, or
/// `first_lookback` before `now` (or confirmation, if later), up to `now`.
fn planned_delivery(
    connection: &Connection,
    subscriber: &Subscriber,
    period: &str,
    now: DateTime<Utc>,
    first_lookback: chrono::Duration,
) -> Result<Result<Delivery, (i64, i64)>, StoreError> {
    if let Some(existing) = delivery_for(connection, subscriber.id, period)? {
        return Ok(Ok(existing));
    }
    let last_end: Option<i64> = connection
        .query_row(
            "SELECT MAX(window_end) FROM deliveries WHERE subscriber_id = ?1 AND status IN ('sent', 'empty')",
            [subscriber.id],
            |row| row.get(0),
        )
        .optional()?
        .flatten();
    Ok(Err(new_delivery_window(
        subscriber,
        last_end,
        now,
        first_lookback,
    )))
}

/// Whether any digest was sent to (or found nothing for) the subscriber.
fn has_earlier_delivery(connection: &Connection, subscriber: SubscriberId) -> Result<bool, StoreError> {
    Ok(connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM deliveries WHERE subscriber_id = ?1 AND status IN ('sent', 'empty'))",
        [subscriber],
        |row| row.get(0),
    )?)
}

/// The one number a `SELECT COUNT(*)` answers.
fn count(connection: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<usize, StoreError> {
    let count: i64 = connection.query_row(sql, params, |row| row.get(0))?;
    Ok(usize::try_from(count).unwrap_or(0))
}

fn subscriber_by_email(connection: &Connection, email: &str) -> Result<Option<Subscriber>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email = ?1"
    ))?;
    statement
        .query_row([email], subscriber_from_row)
        .optional()?
        .transpose()
}

fn delivery_for(
    connection: &Connection,
    subscriber: SubscriberId,
    period: &str,
) -> Result<Option<Delivery>, StoreError> {
    let mut statement = connection.prepare_cached(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE subscriber_id = ?1 AND period = ?2"
    ))?;
    statement
        .query_row(params![subscriber, period], delivery_from_row)
        .optional()?
        .transpose()
}

fn subscriber_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Subscriber, StoreError>> {
    let created: i64 = row.get(3)?;
    let confirmed: Option<i64> = row.get(4)?;
    let unsubscribed: Option<i64> = row.get(5)?;
    let suspended: Option<i64> = row.get(6)?;
    let refused_periods: i64 = row.get(7)?;
    let requested_frequency = row.get(8)?;
    let id = row.get(0)?;
    let email = row.get(1)?;
    let frequency = row.get(2)?;
    Ok((|| {
        Ok(Subscriber {
            id,
            email,
            frequency,
            created_at: from_db(created)?,
            confirmed_at: from_db_opt(confirmed)?,
            unsubscribed_at: from_db_opt(unsubscribed)?,
            suspended_at: from_db_opt(suspended)?,
            refused_periods: u32::try_from(refused_periods.max(0)).unwrap_or(u32::MAX),
            requested_frequency,
        })
    })())
}

fn delivery_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Delivery, StoreError>> {
    let start: i64 = row.get(4)?;
    let end: i64 = row.get(5)?;
    let id = row.get(0)?;
    let subscriber_id = row.get(1)?;
    let period = row.get(2)?;
    let status = row.get(3)?;
    let items = row.get(6)?;
    let error = row.get(7)?;
    let first = row.get(8)?;
    Ok((|| {
        Ok(Delivery {
            first,
            id,
            subscriber_id,
            period,
            status,
            window_start: from_db(start)?,
            window_end: from_db(end)?,
            items,
            error,
        })
    })())
}
