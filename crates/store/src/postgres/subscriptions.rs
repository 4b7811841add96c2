//! PostgreSQL: digest subscribers, what they follow, and deliveries.
//!
//! The same rules as on SQLite (see `crate::subscriptions`); where two processes may race
//! (two sign-ups of one address, two digest runs beginning one period), the unique keys
//! decide with `ON CONFLICT`, and the loser reads the winner's row.

use chrono::{DateTime, Utc};
use postgres::{GenericClient, Row};

use super::Postgres;
use crate::StoreError;
use crate::subscriptions::{
    Confirmed, DELIVERY_COLUMNS, Delivery, Follow, MAX_FOLLOWS, PENDING_FOLLOW_LIFETIME, SUBSCRIBER_COLUMNS,
    SignUp, Subscriber, SubscriberId, SubscriptionOps, new_delivery_window,
};
use crate::time::{from_db, from_db_opt, to_db};

impl SubscriptionOps for Postgres {
    fn subscribe(
        &self,
        email: &str,
        frequency: &str,
        query: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<SignUp, StoreError> {
        let (email, frequency, query, label) = (
            email.to_owned(),
            frequency.to_owned(),
            query.to_owned(),
            label.to_owned(),
        );
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            transaction.execute(
                "INSERT INTO subscribers (email, frequency, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (email) DO UPDATE SET requested_frequency = excluded.frequency",
                &[&email, &frequency, &to_db(now)],
            )?;
            let subscriber = subscriber_by_email(&mut transaction, &email)?.ok_or(StoreError::Corrupt {
                what: "subscriber",
                value: "missing after insert".into(),
            })?;
            transaction.execute(
                "DELETE FROM follows WHERE subscriber_id = $1 AND confirmed_at IS NULL AND created_at < $2",
                &[&subscriber.id, &to_db(now - PENDING_FOLLOW_LIFETIME)],
            )?;
            let existing: Option<Option<i64>> = transaction
                .query_opt(
                    "SELECT confirmed_at FROM follows WHERE subscriber_id = $1 AND query = $2",
                    &[&subscriber.id, &query],
                )?
                .map(|row| row.try_get(0))
                .transpose()?;
            let followed = count(
                &mut transaction,
                "SELECT COUNT(*) FROM follows WHERE subscriber_id = $1",
                &[&subscriber.id],
            )?;
            let awaiting = match existing {
                Some(confirmed_at) => confirmed_at.is_none(),
                None if followed >= MAX_FOLLOWS => false,
                None => {
                    transaction.execute(
                        "INSERT INTO follows (subscriber_id, query, label, created_at) VALUES ($1, $2, $3, $4)
                         ON CONFLICT (subscriber_id, query) DO NOTHING",
                        &[&subscriber.id, &query, &label, &to_db(now)],
                    )?;
                    true
                }
            };
            transaction.commit()?;
            Ok(SignUp::recorded(subscriber, awaiting, &frequency))
        })
    }

    fn claim_confirmation(
        &self,
        id: SubscriberId,
        now: DateTime<Utc>,
        not_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.execute(
            "UPDATE subscribers SET confirmation_sent_at = $2
             WHERE id = $1 AND (confirmation_sent_at IS NULL OR confirmation_sent_at <= $3)",
            vec![id, to_db(now), to_db(not_since)],
        )
        .map(|changed| changed > 0)
    }

    fn release_confirmation(&self, id: SubscriberId, claimed_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.execute(
            "UPDATE subscribers SET confirmation_sent_at = NULL WHERE id = $1 AND confirmation_sent_at = $2",
            vec![id, to_db(claimed_at)],
        )
        .map(drop)
    }

    fn confirm_subscriber(
        &self,
        id: SubscriberId,
        asked_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Confirmed>, StoreError> {
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            let changed = transaction.execute(
                "UPDATE subscribers SET confirmed_at = COALESCE(confirmed_at, $2), unsubscribed_at = NULL,
                     suspended_at = NULL, refused_periods = 0, last_refused_period = NULL,
                     frequency = COALESCE(requested_frequency, frequency), requested_frequency = NULL
                 WHERE id = $1",
                &[&id, &to_db(now)],
            )?;
            if changed == 0 {
                return Ok(None);
            }
            let followed = count(
                &mut transaction,
                "SELECT COUNT(*) FROM follows WHERE subscriber_id = $1 AND confirmed_at IS NOT NULL",
                &[&id],
            )?;
            let room = i64::try_from(MAX_FOLLOWS.saturating_sub(followed)).unwrap_or(0);
            let started = transaction.execute(
                "UPDATE follows SET confirmed_at = $2 WHERE id IN (
                     SELECT id FROM follows WHERE subscriber_id = $1 AND confirmed_at IS NULL AND created_at <= $3
                     ORDER BY id LIMIT $4)",
                &[&id, &to_db(now), &to_db(asked_by), &room],
            )?;
            let waiting = count(
                &mut transaction,
                "SELECT COUNT(*) FROM follows WHERE subscriber_id = $1 AND confirmed_at IS NULL AND created_at <= $2",
                &[&id, &to_db(asked_by)],
            )?;
            transaction.commit()?;
            Ok(Some(Confirmed {
                started: usize::try_from(started).unwrap_or(0),
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
        let period = period.to_owned();
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            transaction.execute(
                "UPDATE subscribers SET
                     refused_periods = refused_periods
                         + CASE WHEN last_refused_period IS DISTINCT FROM $2 THEN 1 ELSE 0 END,
                     last_refused_period = $2
                 WHERE id = $1",
                &[&id, &period],
            )?;
            let suspended = transaction.execute(
                "UPDATE subscribers SET suspended_at = $3
                 WHERE id = $1 AND suspended_at IS NULL AND refused_periods >= $2",
                &[&id, &i64::from(suspend_after), &to_db(now)],
            )?;
            transaction.commit()?;
            Ok(suspended > 0)
        })
    }

    fn clear_refusals(&self, id: SubscriberId) -> Result<(), StoreError> {
        self.execute(
            "UPDATE subscribers SET refused_periods = 0, last_refused_period = NULL
             WHERE id = $1 AND refused_periods > 0",
            vec![id],
        )
        .map(drop)
    }

    fn unsubscribe(&self, id: SubscriberId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.execute(
            "UPDATE subscribers SET unsubscribed_at = COALESCE(unsubscribed_at, $2) WHERE id = $1",
            vec![id, to_db(now)],
        )
        .map(|changed| changed > 0)
    }

    fn set_frequency(&self, id: SubscriberId, frequency: &str) -> Result<bool, StoreError> {
        let frequency = frequency.to_owned();
        self.workers.run(move |client| {
            let changed = client.execute(
                "UPDATE subscribers SET frequency = $2 WHERE id = $1",
                &[&id, &frequency],
            )?;
            Ok(changed > 0)
        })
    }

    fn remove_follow(&self, id: SubscriberId, follow_id: i64) -> Result<bool, StoreError> {
        self.execute(
            "DELETE FROM follows WHERE id = $2 AND subscriber_id = $1",
            vec![id, follow_id],
        )
        .map(|changed| changed > 0)
    }

    fn delete_subscriber(&self, id: SubscriberId) -> Result<bool, StoreError> {
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            transaction.execute("DELETE FROM deliveries WHERE subscriber_id = $1", &[&id])?;
            transaction.execute("DELETE FROM follows WHERE subscriber_id = $1", &[&id])?;
            let changed = transaction.execute("DELETE FROM subscribers WHERE id = $1", &[&id])?;
            transaction.commit()?;
            Ok(changed > 0)
        })
    }

    fn subscriber(&self, id: SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        self.workers.run(move |client| {
            client
                .query_opt(
                    &format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1"),
                    &[&id],
                )?
                .as_ref()
                .map(subscriber_from_row)
                .transpose()
        })
    }

    fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError> {
        let email = email.to_owned();
        self.workers
            .run(move |client| subscriber_by_email(client, &email))
    }

    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.workers.run(|client| {
            let rows = client.query(
                &format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers ORDER BY id"),
                &[],
            )?;
            rows.iter().map(subscriber_from_row).collect()
        })
    }

    fn subscribers_with_follows(&self) -> Result<Vec<(Subscriber, Vec<Follow>)>, StoreError> {
        let subscribers = self.subscribers()?;
        let mut follows = self.workers.run(|client| {
            let rows = client.query(
                "SELECT subscriber_id, id, query, label FROM follows WHERE confirmed_at IS NOT NULL ORDER BY id",
                &[],
            )?;
            let mut by_subscriber: std::collections::HashMap<SubscriberId, Vec<Follow>> = Default::default();
            for row in &rows {
                let subscriber: SubscriberId = row.try_get(0)?;
                by_subscriber.entry(subscriber).or_default().push(Follow {
                    id: row.try_get(1)?,
                    query: row.try_get(2)?,
                    label: row.try_get(3)?,
                });
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
        let frequency = frequency.to_owned();
        self.workers.run(move |client| {
            let rows = client.query(
                &format!(
                    "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers
                     WHERE frequency = $1 AND confirmed_at IS NOT NULL AND unsubscribed_at IS NULL
                         AND suspended_at IS NULL
                     ORDER BY id"
                ),
                &[&frequency],
            )?;
            rows.iter().map(subscriber_from_row).collect()
        })
    }

    fn pending_follows(&self, id: SubscriberId, asked_by: DateTime<Utc>) -> Result<Vec<Follow>, StoreError> {
        self.follows_where(
            "SELECT id, query, label FROM follows
             WHERE subscriber_id = $1 AND confirmed_at IS NULL AND created_at <= $2 ORDER BY id",
            vec![id, to_db(asked_by)],
        )
    }

    fn follows(&self, id: SubscriberId) -> Result<Vec<Follow>, StoreError> {
        self.follows_where(
            "SELECT id, query, label FROM follows WHERE subscriber_id = $1 AND confirmed_at IS NOT NULL
             ORDER BY id",
            vec![id],
        )
    }

    fn begin_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        let (subscriber, period) = (subscriber.clone(), period.to_owned());
        self.workers.run(move |client| {
            let mut transaction = client.transaction()?;
            if let Err((start, end)) = planned_delivery(&mut transaction, &subscriber, &period, now, first_lookback)? {
                // Another run may insert the same period first: its row (and window) wins.
                transaction.execute(
                    "INSERT INTO deliveries (subscriber_id, period, status, window_start, window_end, created_at)
                     VALUES ($1, $2, 'pending', $3, $4, $4)
                     ON CONFLICT (subscriber_id, period) DO NOTHING",
                    &[&subscriber.id, &period, &start, &end],
                )?;
            }
            let delivery = delivery_for(&mut transaction, subscriber.id, &period)?.ok_or(StoreError::Corrupt {
                what: "delivery",
                value: "missing after insert".into(),
            })?;
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
        let (subscriber, period) = (subscriber.clone(), period.to_owned());
        self.workers.run(move |client| {
            match planned_delivery(client, &subscriber, &period, now, first_lookback)? {
                Ok(existing) => Ok(existing),
                Err((start, end)) => Ok(Delivery {
                    first: !has_earlier_delivery(client, subscriber.id)?,
                    id: 0,
                    subscriber_id: subscriber.id,
                    period,
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
        let (status, error) = (status.to_owned(), error.map(str::to_owned));
        let items = i64::try_from(items).unwrap_or(i64::MAX);
        self.workers.run(move |client| {
            client.execute(
                "UPDATE deliveries SET status = $2, items = $3, error = $4, finished_at = $5 WHERE id = $1",
                &[&id, &status, &items, &error, &to_db(now)],
            )?;
            Ok(())
        })
    }

    fn deliveries(&self, id: SubscriberId) -> Result<Vec<Delivery>, StoreError> {
        self.workers.run(move |client| {
            let rows = client.query(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE subscriber_id = $1 ORDER BY window_end DESC, id DESC"
                ),
                &[&id],
            )?;
            rows.iter().map(delivery_from_row).collect()
        })
    }
}

impl Postgres {
    /// Runs one statement whose parameters are all numbers; answers the rows it changed.
    fn execute(&self, sql: &'static str, params: Vec<i64>) -> Result<u64, StoreError> {
        self.workers.run(move |client| {
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|param| param as &(dyn postgres::types::ToSql + Sync))
                .collect();
            Ok(client.execute(sql, &params)?)
        })
    }

    /// Follows that `sql` (id, query, label) finds with numeric `params`.
    fn follows_where(&self, sql: &'static str, params: Vec<i64>) -> Result<Vec<Follow>, StoreError> {
        self.workers.run(move |client| {
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = params
                .iter()
                .map(|param| param as &(dyn postgres::types::ToSql + Sync))
                .collect();
            let rows = client.query(sql, &params)?;
            rows.iter()
                .map(|row| {
                    Ok(Follow {
                        id: row.try_get(0)?,
                        query: row.try_get(1)?,
                        label: row.try_get(2)?,
                    })
                })
                .collect()
        })
    }
}

/// The subscriber's delivery for `period` if there is one, else the window (start, end as
/// stored) a new one would cover (see the SQLite backend's function of the same name).
fn planned_delivery(
    client: &mut impl GenericClient,
    subscriber: &Subscriber,
    period: &str,
    now: DateTime<Utc>,
    first_lookback: chrono::Duration,
) -> Result<Result<Delivery, (i64, i64)>, StoreError> {
    if let Some(existing) = delivery_for(client, subscriber.id, period)? {
        return Ok(Ok(existing));
    }
    let last_end: Option<i64> = client
        .query_one(
            "SELECT MAX(window_end) FROM deliveries WHERE subscriber_id = $1 AND status IN ('sent', 'empty')",
            &[&subscriber.id],
        )?
        .try_get(0)?;
    Ok(Err(new_delivery_window(
        subscriber,
        last_end,
        now,
        first_lookback,
    )))
}

/// Whether any digest was sent to (or found nothing for) the subscriber.
fn has_earlier_delivery(
    client: &mut impl GenericClient,
    subscriber: SubscriberId,
) -> Result<bool, StoreError> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM deliveries WHERE subscriber_id = $1 AND status IN ('sent', 'empty'))",
            &[&subscriber],
        )?
        .try_get(0)?)
}

/// The one number a `SELECT COUNT(*)` answers.
fn count(
    client: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
) -> Result<usize, StoreError> {
    let count: i64 = client.query_one(sql, params)?.try_get(0)?;
    Ok(usize::try_from(count).unwrap_or(0))
}

fn subscriber_by_email(
    client: &mut impl GenericClient,
    email: &str,
) -> Result<Option<Subscriber>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email = $1"),
            &[&email],
        )?
        .as_ref()
        .map(subscriber_from_row)
        .transpose()
}

fn delivery_for(
    client: &mut impl GenericClient,
    subscriber: SubscriberId,
    period: &str,
) -> Result<Option<Delivery>, StoreError> {
    client
        .query_opt(
            &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE subscriber_id = $1 AND period = $2"),
            &[&subscriber, &period],
        )?
        .as_ref()
        .map(delivery_from_row)
        .transpose()
}

fn subscriber_from_row(row: &Row) -> Result<Subscriber, StoreError> {
    let refused_periods: i64 = row.try_get(7)?;
    Ok(Subscriber {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        frequency: row.try_get(2)?,
        created_at: from_db(row.try_get(3)?)?,
        confirmed_at: from_db_opt(row.try_get(4)?)?,
        unsubscribed_at: from_db_opt(row.try_get(5)?)?,
        suspended_at: from_db_opt(row.try_get(6)?)?,
        refused_periods: u32::try_from(refused_periods.max(0)).unwrap_or(u32::MAX),
        requested_frequency: row.try_get(8)?,
    })
}

fn delivery_from_row(row: &Row) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        id: row.try_get(0)?,
        subscriber_id: row.try_get(1)?,
        period: row.try_get(2)?,
        status: row.try_get(3)?,
        window_start: from_db(row.try_get(4)?)?,
        window_end: from_db(row.try_get(5)?)?,
        items: row.try_get(6)?,
        error: row.try_get(7)?,
        first: row.try_get(8)?,
    })
}
