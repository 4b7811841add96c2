//! PostgreSQL: subscriptions.

use chrono::{DateTime, Utc};

use super::Postgres;
use crate::StoreError;
use crate::subscriptions::{Confirmed, Delivery, Follow, SignUp, Subscriber, SubscriberId, SubscriptionOps};

impl SubscriptionOps for Postgres {
    fn subscribe(
        &self,
        _email: &str,
        _frequency: &str,
        _query: &str,
        _label: &str,
        _now: DateTime<Utc>,
    ) -> Result<SignUp, StoreError> {
        Err(StoreError::NotOnPostgresYet("subscribe"))
    }

    fn claim_confirmation(
        &self,
        _id: SubscriberId,
        _now: DateTime<Utc>,
        _not_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("claim_confirmation"))
    }

    fn release_confirmation(&self, _id: SubscriberId, _claimed_at: DateTime<Utc>) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("release_confirmation"))
    }

    fn confirm_subscriber(
        &self,
        _id: SubscriberId,
        _asked_by: DateTime<Utc>,
        _now: DateTime<Utc>,
    ) -> Result<Option<Confirmed>, StoreError> {
        Err(StoreError::NotOnPostgresYet("confirm_subscriber"))
    }

    fn record_refusal(
        &self,
        _id: SubscriberId,
        _period: &str,
        _suspend_after: u32,
        _now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("record_refusal"))
    }

    fn clear_refusals(&self, _id: SubscriberId) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("clear_refusals"))
    }

    fn unsubscribe(&self, _id: SubscriberId, _now: DateTime<Utc>) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("unsubscribe"))
    }

    fn set_frequency(&self, _id: SubscriberId, _frequency: &str) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("set_frequency"))
    }

    fn remove_follow(&self, _id: SubscriberId, _follow_id: i64) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("remove_follow"))
    }

    fn delete_subscriber(&self, _id: SubscriberId) -> Result<bool, StoreError> {
        Err(StoreError::NotOnPostgresYet("delete_subscriber"))
    }

    fn subscriber(&self, _id: SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        Err(StoreError::NotOnPostgresYet("subscriber"))
    }

    fn subscriber_by_email(&self, _email: &str) -> Result<Option<Subscriber>, StoreError> {
        Err(StoreError::NotOnPostgresYet("subscriber_by_email"))
    }

    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        Err(StoreError::NotOnPostgresYet("subscribers"))
    }

    fn subscribers_with_follows(&self) -> Result<Vec<(Subscriber, Vec<Follow>)>, StoreError> {
        Err(StoreError::NotOnPostgresYet("subscribers_with_follows"))
    }

    fn active_subscribers(&self, _frequency: &str) -> Result<Vec<Subscriber>, StoreError> {
        Err(StoreError::NotOnPostgresYet("active_subscribers"))
    }

    fn pending_follows(
        &self,
        _id: SubscriberId,
        _asked_by: DateTime<Utc>,
    ) -> Result<Vec<Follow>, StoreError> {
        Err(StoreError::NotOnPostgresYet("pending_follows"))
    }

    fn follows(&self, _id: SubscriberId) -> Result<Vec<Follow>, StoreError> {
        Err(StoreError::NotOnPostgresYet("follows"))
    }

    fn begin_delivery(
        &self,
        _subscriber: &Subscriber,
        _period: &str,
        _now: DateTime<Utc>,
        _first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        Err(StoreError::NotOnPostgresYet("begin_delivery"))
    }

    fn preview_delivery(
        &self,
        _subscriber: &Subscriber,
        _period: &str,
        _now: DateTime<Utc>,
        _first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        Err(StoreError::NotOnPostgresYet("preview_delivery"))
    }

    fn finish_delivery(
        &self,
        _id: i64,
        _status: &str,
        _items: usize,
        _error: Option<&str>,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Err(StoreError::NotOnPostgresYet("finish_delivery"))
    }

    fn deliveries(&self, _id: SubscriberId) -> Result<Vec<Delivery>, StoreError> {
        Err(StoreError::NotOnPostgresYet("deliveries"))
    }
}
