//! Digest subscribers, what they follow, and deliveries.
//!
//! A delivery row is written (status `pending`) before a digest is sent and finished
//! (`sent`, `empty` or `failed`) after, one row per subscriber and period (`UNIQUE`), so a
//! second run in the same period finds the row and sends nothing, and a run after a crash
//! finds a `pending` or `failed` row and sends exactly that window again. The next window
//! starts where the last `sent` or `empty` one ended, so no item is ever skipped.

use chrono::{DateTime, Utc};

use crate::time::to_db;

use crate::{Store, StoreError};

/// A subscriber's row id.
pub type SubscriberId = i64;

/// A subscriber as stored. The address is stored once, here, and never logged in full.
#[derive(Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// Row id (what signed links carry).
    pub id: SubscriberId,
    /// The address, as parsed by the caller.
    pub email: String,
    /// `daily` or `weekly`.
    pub frequency: String,
    /// When they signed up.
    pub created_at: DateTime<Utc>,
    /// When they confirmed (nothing is sent before).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When they unsubscribed (nothing is sent after).
    pub unsubscribed_at: Option<DateTime<Utc>>,
    /// When sending stopped because the mail server kept refusing the address (nothing is
    /// sent until they confirm again).
    pub suspended_at: Option<DateTime<Utc>>,
    /// Periods in a row whose digest the mail server refused.
    pub refused_periods: u32,
    /// A frequency asked for on the site, waiting for the owner's confirmation.
    pub requested_frequency: Option<String>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("id", &self.id)
            .field("email", &"[redacted]")
            .field("frequency", &self.frequency)
            .field("confirmed", &self.confirmed_at.is_some())
            .field("unsubscribed", &self.unsubscribed_at.is_some())
            .field("suspended", &self.suspended_at.is_some())
            .finish()
    }
}

impl Subscriber {
    /// Confirmed, not unsubscribed and not suspended.
    pub fn is_active(&self) -> bool {
        self.confirmed_at.is_some() && self.unsubscribed_at.is_none() && self.suspended_at.is_none()
    }
}

/// A search a subscriber follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    /// Row id.
    pub id: i64,
    /// The search, in the site's query language.
    pub query: String,
    /// How the digest names it ("St Helens", "Search: kinship carers").
    pub label: String,
}

/// The most searches one subscriber may follow, confirmed and waiting together (a digest
/// of more is unreadable, and the cap bounds what anyone can pile onto an address).
pub const MAX_FOLLOWS: usize = 25;

/// How long a follow asked for on the site waits for its owner's confirmation (as long as
/// the confirmation link works).
pub const PENDING_FOLLOW_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// What [`Store::subscribe`] recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignUp {
    /// The subscriber (new, or as it was).
    pub subscriber: Subscriber,
    /// Something waits for the owner's confirmation (a new address, or a search not yet
    /// followed); false when the search is already followed or the cap is reached.
    pub awaiting: bool,
}

impl SignUp {
    /// What a sign-up asking for `frequency` recorded for `subscriber`, given whether its
    /// follow waits for confirmation: the address and a new frequency wait too.
    pub(crate) fn recorded(subscriber: Subscriber, follow_awaits: bool, frequency: &str) -> Self {
        Self {
            awaiting: follow_awaits || !subscriber.is_active() || subscriber.frequency != frequency,
            subscriber,
        }
    }
}

/// The window (start, end, as stored) a subscriber's new delivery covers: from the end of
/// the last one sent (or found empty), else one period back. A first digest covers one
/// period, not everything since confirmation: a subscriber confirmed weeks before the first
/// run gets last week's news, not a month's.
pub(crate) fn new_delivery_window(
    subscriber: &Subscriber,
    last_end: Option<i64>,
    now: DateTime<Utc>,
    first_lookback: chrono::Duration,
) -> (i64, i64) {
    let joined = subscriber.confirmed_at.unwrap_or(subscriber.created_at);
    let start = last_end.unwrap_or_else(|| to_db(joined.max(now) - first_lookback));
    (start, to_db(now).max(start))
}

/// What [`Store::confirm_subscriber`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmed {
    /// Follows that started with this confirmation.
    pub started: usize,
    /// Follows asked for that did not start because the subscriber follows [`MAX_FOLLOWS`].
    pub over_limit: usize,
}

/// Where a subscriber's delivery for a period stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Row id (also the digest's Message-ID, so a resend after a crash is the same message).
    pub id: i64,
    /// The subscriber.
    pub subscriber_id: SubscriberId,
    /// `2026-11-25` (daily) or `2026-W48` (weekly).
    pub period: String,
    /// `pending`, `sent`, `empty` (nothing new) or `failed`.
    pub status: String,
    /// Items first seen at or after this…
    pub window_start: DateTime<Utc>,
    /// …and before this are in it (if they are news: see [`Delivery::news_from`]).
    pub window_end: DateTime<Utc>,
    /// No earlier digest was sent (or found nothing) before this one's window.
    pub first: bool,
    /// Items in it (once built).
    pub items: i64,
    /// Why sending failed.
    pub error: Option<String>,
}

pub(crate) const SUBSCRIBER_COLUMNS: &str = "id, email, frequency, created_at, confirmed_at, unsubscribed_at, suspended_at, refused_periods, requested_frequency";
pub(crate) const DELIVERY_COLUMNS: &str =
    "id, subscriber_id, period, status, window_start, window_end, items, error,
    NOT EXISTS (SELECT 1 FROM deliveries earlier WHERE earlier.subscriber_id = deliveries.subscriber_id
        AND earlier.id != deliveries.id AND earlier.status IN ('sent', 'empty')
        AND earlier.window_end <= deliveries.window_start)";

impl Delivery {
    /// Items dated before this are history, not news, even when first seen in the window
    /// (a first ingest stores years of reports with `first_seen = now`): the window's
    /// start, less one period (`lookback`) after the first digest, for items that reached
    /// csfeed late (a date without a time is midnight, hours before it is fetched). So a
    /// first digest reaches one period back at most (from the start of that day: many
    /// sources give a day, not a time). Undated items go by first-seen time.
    pub fn news_from(&self, lookback: chrono::Duration) -> DateTime<Utc> {
        if self.first {
            self.window_start
                .date_naive()
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
        } else {
            self.window_start - lookback
        }
    }
}

/// The subscriptions operations behind [`Store`]'s methods of the same names, one implementation per
/// backend.
pub(crate) trait SubscriptionOps {
    fn subscribe(
        &self,
        email: &str,
        frequency: &str,
        query: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<SignUp, StoreError>;
    fn claim_confirmation(
        &self,
        id: SubscriberId,
        now: DateTime<Utc>,
        not_since: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    fn release_confirmation(&self, id: SubscriberId, claimed_at: DateTime<Utc>) -> Result<(), StoreError>;
    fn confirm_subscriber(
        &self,
        id: SubscriberId,
        asked_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Confirmed>, StoreError>;
    fn record_refusal(
        &self,
        id: SubscriberId,
        period: &str,
        suspend_after: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    fn clear_refusals(&self, id: SubscriberId) -> Result<(), StoreError>;
    fn unsubscribe(&self, id: SubscriberId, now: DateTime<Utc>) -> Result<bool, StoreError>;
    fn set_frequency(&self, id: SubscriberId, frequency: &str) -> Result<bool, StoreError>;
    fn remove_follow(&self, id: SubscriberId, follow_id: i64) -> Result<bool, StoreError>;
    fn delete_subscriber(&self, id: SubscriberId) -> Result<bool, StoreError>;
    fn subscriber(&self, id: SubscriberId) -> Result<Option<Subscriber>, StoreError>;
    fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError>;
    fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError>;
    fn subscribers_with_follows(&self) -> Result<Vec<(Subscriber, Vec<Follow>)>, StoreError>;
    fn active_subscribers(&self, frequency: &str) -> Result<Vec<Subscriber>, StoreError>;
    fn pending_follows(&self, id: SubscriberId, asked_by: DateTime<Utc>) -> Result<Vec<Follow>, StoreError>;
    fn follows(&self, id: SubscriberId) -> Result<Vec<Follow>, StoreError>;
    fn begin_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError>;
    fn preview_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError>;
    fn finish_delivery(
        &self,
        id: i64,
        status: &str,
        items: usize,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    fn deliveries(&self, id: SubscriberId) -> Result<Vec<Delivery>, StoreError>;
}

impl Store {
    /// Records a sign-up for `email` following `query`, which takes effect only when the
    /// address's owner confirms (see [`Store::confirm_subscriber`]): a new subscriber is
    /// unconfirmed, and for a known one the search waits as a pending follow and a new
    /// frequency waits as a request. Nothing an anonymous sign-up does changes what a
    /// confirmed subscriber receives. Pending follows older than
    /// [`PENDING_FOLLOW_LIFETIME`] are forgotten; none is added past [`MAX_FOLLOWS`].
    pub fn subscribe(
        &self,
        email: &str,
        frequency: &str,
        query: &str,
        label: &str,
        now: DateTime<Utc>,
    ) -> Result<SignUp, StoreError> {
        self.backend.subscribe(email, frequency, query, label, now)
    }

    /// Claims the right to send `id` a confirmation link now: true (and recorded) unless one
    /// was sent after `not_since`. Atomic, so two posts at once send one email.
    pub fn claim_confirmation(
        &self,
        id: SubscriberId,
        now: DateTime<Utc>,
        not_since: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.backend.claim_confirmation(id, now, not_since)
    }

    /// Gives back a claim from [`Store::claim_confirmation`] whose email could not be sent,
    /// so that trying again straight away works.
    pub fn release_confirmation(
        &self,
        id: SubscriberId,
        claimed_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.backend.release_confirmation(id, claimed_at)
    }

    /// The owner's confirmation, from a link issued at `asked_by`: the subscriber is
    /// confirmed (ending any unsubscription or suspension for refused mail), a requested
    /// frequency takes effect, and the follows asked for up to `asked_by` start, oldest
    /// first, up to [`MAX_FOLLOWS`] in all. Idempotent. `None` when there is no such
    /// subscriber.
    pub fn confirm_subscriber(
        &self,
        id: SubscriberId,
        asked_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<Confirmed>, StoreError> {
        self.backend.confirm_subscriber(id, asked_by, now)
    }

    /// Counts a permanent refusal of the subscriber's digest for `period` (several in one
    /// period count once) and suspends the address at `now` once `suspend_after` periods in
    /// a row were refused. True when this refusal suspended it.
    pub fn record_refusal(
        &self,
        id: SubscriberId,
        period: &str,
        suspend_after: u32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.backend.record_refusal(id, period, suspend_after, now)
    }

    /// Forgets past refusals after a digest to the subscriber went through.
    pub fn clear_refusals(&self, id: SubscriberId) -> Result<(), StoreError> {
        self.backend.clear_refusals(id)
    }

    /// Stops all mail to the subscriber (idempotent). False when there is no such subscriber.
    pub fn unsubscribe(&self, id: SubscriberId, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.backend.unsubscribe(id, now)
    }

    /// Changes how often the subscriber gets the digest.
    pub fn set_frequency(&self, id: SubscriberId, frequency: &str) -> Result<bool, StoreError> {
        self.backend.set_frequency(id, frequency)
    }

    /// Stops following one search.
    pub fn remove_follow(&self, id: SubscriberId, follow_id: i64) -> Result<bool, StoreError> {
        self.backend.remove_follow(id, follow_id)
    }

    /// Deletes the subscriber, their follows and their delivery record.
    pub fn delete_subscriber(&self, id: SubscriberId) -> Result<bool, StoreError> {
        self.backend.delete_subscriber(id)
    }

    /// One subscriber.
    pub fn subscriber(&self, id: SubscriberId) -> Result<Option<Subscriber>, StoreError> {
        self.backend.subscriber(id)
    }

    /// One subscriber, by address.
    pub fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>, StoreError> {
        self.backend.subscriber_by_email(email)
    }

    /// Every subscriber, oldest first.
    pub fn subscribers(&self) -> Result<Vec<Subscriber>, StoreError> {
        self.backend.subscribers()
    }

    /// Every subscriber (by id) with the searches they follow (confirmed): two statements however many
    /// there are (the operator's listings and exports).
    pub fn subscribers_with_follows(&self) -> Result<Vec<(Subscriber, Vec<Follow>)>, StoreError> {
        self.backend.subscribers_with_follows()
    }

    /// Confirmed, subscribed, unsuspended subscribers with this frequency, by id.
    pub fn active_subscribers(&self, frequency: &str) -> Result<Vec<Subscriber>, StoreError> {
        self.backend.active_subscribers(frequency)
    }

    /// The searches asked for `id` up to `asked_by` that wait for the owner's confirmation,
    /// oldest first (what a confirmation link would start).
    pub fn pending_follows(
        &self,
        id: SubscriberId,
        asked_by: DateTime<Utc>,
    ) -> Result<Vec<Follow>, StoreError> {
        self.backend.pending_follows(id, asked_by)
    }

    /// The searches a subscriber follows (confirmed by the owner), oldest first.
    pub fn follows(&self, id: SubscriberId) -> Result<Vec<Follow>, StoreError> {
        self.backend.follows(id)
    }

    /// The subscriber's delivery for `period`, begun now if there is none: its window runs
    /// from where the last `sent` or `empty` delivery ended (for a first digest, one period,
    /// `first_lookback`, before `now` or confirmation, whichever is later) to `now`. An existing row is
    /// returned as it is, so a `sent` one means "done" and a `pending` or `failed` one is
    /// sent again with its original window.
    pub fn begin_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        self.backend
            .begin_delivery(subscriber, period, now, first_lookback)
    }

    /// What [`Store::begin_delivery`] would return, without recording anything (for dry
    /// runs): an existing row as it is, else a `preview` delivery (id 0) with the window a
    /// new one would cover.
    pub fn preview_delivery(
        &self,
        subscriber: &Subscriber,
        period: &str,
        now: DateTime<Utc>,
        first_lookback: chrono::Duration,
    ) -> Result<Delivery, StoreError> {
        self.backend
            .preview_delivery(subscriber, period, now, first_lookback)
    }

    /// Records how a delivery ended: `sent`, `empty` or `failed` (with the reason).
    pub fn finish_delivery(
        &self,
        id: i64,
        status: &str,
        items: usize,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.backend.finish_delivery(id, status, items, error, now)
    }

    /// Every delivery of a subscriber, newest first.
    pub fn deliveries(&self, id: SubscriberId) -> Result<Vec<Delivery>, StoreError> {
        self.backend.deliveries(id)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};

    use super::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap() + chrono::Duration::hours(i64::from(hour))
    }

    backend_tests! {
        fn digest_runs_beginning_one_period_at_once_share_one_delivery(store) {
            let id = store
                .subscribe("a@example.org", "daily", "fostering", "Fostering", at(0))
                .unwrap()
                .subscriber
                .id;
            store.confirm_subscriber(id, at(0), at(0)).unwrap();
            let subscriber = store.subscriber(id).unwrap().unwrap();
            let begun: Vec<Delivery> = std::thread::scope(|scope| {
                let runs: Vec<_> = (0..8)
                    .map(|run| {
                        let (store, subscriber) = (store.clone(), subscriber.clone());
                        scope.spawn(move || {
                            store
                                .begin_delivery(&subscriber, "2026-11-25", at(8 + run), chrono::Duration::hours(1))
                                .unwrap()
                        })
                    })
                    .collect();
                runs.into_iter().map(|run| run.join().unwrap()).collect()
            });
            assert!(begun.iter().all(|delivery| *delivery == begun[0]), "{begun:#?}");
            assert_eq!(store.deliveries(id).unwrap().len(), 1);
        }

    fn an_address_refused_in_three_periods_is_suspended_until_confirmed_again(store) {
        let id = store
            .subscribe("gone@example.org", "daily", "fostering", "Fostering", at(0))
            .unwrap()
            .subscriber
            .id;
        store.confirm_subscriber(id, at(0), at(0)).unwrap();
        let refused = |period: &str| store.record_refusal(id, period, 3, at(5)).unwrap();
        assert!(!refused("2026-11-25"));
        assert!(!refused("2026-11-25"), "a rerun in the same period counts once");
        assert!(!refused("2026-11-26"));
        store.clear_refusals(id).unwrap();
        assert_eq!(
            store.subscriber(id).unwrap().unwrap().refused_periods,
            0,
            "a delivery resets"
        );
        assert!(!refused("2026-11-27"));
        assert!(!refused("2026-11-28"));
        assert!(refused("2026-11-29"), "the third period in a row suspends");
        assert!(!refused("2026-11-30"), "already suspended");
        let suspended = store.subscriber(id).unwrap().unwrap();
        assert_eq!(suspended.suspended_at, Some(at(5)));
        assert!(!suspended.is_active());
        assert!(store.active_subscribers("daily").unwrap().is_empty());

        // Signing up again is not enough: only the owner's confirmation ends the suspension.
        store
            .subscribe("gone@example.org", "daily", "adoption", "Adoption", at(6))
            .unwrap();
        let again = store.subscriber(id).unwrap().unwrap();
        assert!(again.suspended_at.is_some() && !again.is_active(), "{again:?}");
        store.confirm_subscriber(id, at(6), at(7)).unwrap();
        let again = store.subscriber(id).unwrap().unwrap();
        assert!(again.is_active() && again.refused_periods == 0, "{again:?}");
    }

    fn windows_follow_each_other_and_periods_are_idempotent(store) {
        let subscriber = store
            .subscribe("a@example.org", "daily", "la:st-helens", "St Helens", at(1))
            .unwrap()
            .subscriber;
        store
            .subscribe(
                "a@example.org",
                "daily",
                "topic:kinship-care",
                "Kinship care",
                at(1),
            )
            .unwrap();
        assert!(
            store.follows(subscriber.id).unwrap().is_empty(),
            "nothing starts unconfirmed"
        );
        assert_eq!(store.pending_follows(subscriber.id, at(1)).unwrap().len(), 2);
        assert!(
            store.active_subscribers("daily").unwrap().is_empty(),
            "unconfirmed"
        );
        store.confirm_subscriber(subscriber.id, at(1), at(2)).unwrap();
        assert_eq!(store.follows(subscriber.id).unwrap().len(), 2);
        let listed = store.subscribers_with_follows().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1, store.follows(subscriber.id).unwrap());
        let subscriber = store.subscriber(subscriber.id).unwrap().unwrap();
        assert!(subscriber.is_active());
        assert!(
            !format!("{subscriber:?}").contains("a@example.org"),
            "addresses stay out of Debug"
        );

        let preview = store
            .preview_delivery(&subscriber, "2026-11-25", at(8), chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(
            (preview.status.as_str(), preview.window_start, preview.window_end),
            ("preview", at(7), at(8)),
            "a first digest reaches one period back from now, not to confirmation"
        );
        assert!(preview.first);
        assert_eq!(
            preview.news_from(chrono::Duration::hours(1)),
            at(0),
            "news dated from the start of the window's first day"
        );
        assert!(
            store.deliveries(subscriber.id).unwrap().is_empty(),
            "a preview records nothing"
        );
        let first = store
            .begin_delivery(&subscriber, "2026-11-25", at(8), chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(
            (
                first.status.as_str(),
                first.window_start,
                first.window_end,
                first.first
            ),
            ("pending", at(7), at(8), true)
        );
        // A crash before finishing: the same window again, not a new one.
        assert_eq!(
            store
                .begin_delivery(&subscriber, "2026-11-25", at(9), chrono::Duration::hours(1))
                .unwrap(),
            first
        );
        store.finish_delivery(first.id, "sent", 3, None, at(9)).unwrap();
        assert_eq!(
            store
                .begin_delivery(&subscriber, "2026-11-25", at(10), chrono::Duration::hours(1))
                .unwrap()
                .status,
            "sent"
        );
        let next = store
            .begin_delivery(&subscriber, "2026-11-26", at(32), chrono::Duration::hours(1))
            .unwrap();
        assert_eq!(
            (next.window_start, next.window_end, next.first),
            (at(8), at(32), false)
        );
        assert_eq!(
            next.news_from(chrono::Duration::hours(1)),
            at(7),
            "later digests also take what was dated one period before the window but reached csfeed in it"
        );
        assert_eq!(
            store
                .deliveries(subscriber.id)
                .unwrap()
                .iter()
                .map(|delivery| delivery.first)
                .collect::<Vec<_>>(),
            [false, true],
            "read back, each delivery knows whether it was the first"
        );

        store.unsubscribe(subscriber.id, at(33)).unwrap();
        assert!(store.active_subscribers("daily").unwrap().is_empty());
        let again = store
            .subscribe("a@example.org", "weekly", "la:st-helens", "St Helens", at(34))
            .unwrap()
            .subscriber;
        assert_eq!(again.id, subscriber.id);
        assert!(
            !again.is_active() && store.active_subscribers("weekly").unwrap().is_empty(),
            "coming back after unsubscribing needs a new confirmation"
        );
        assert!(store.delete_subscriber(again.id).unwrap());
        assert!(store.subscribers().unwrap().is_empty());
    }
    fn a_sign_up_changes_a_confirmed_subscription_only_through_its_owner(store) {
        let id = store
            .subscribe("owner@example.org", "daily", "la:st-helens", "St Helens", at(0))
            .unwrap()
            .subscriber
            .id;
        store.confirm_subscriber(id, at(0), at(1)).unwrap();
        assert_eq!(store.follows(id).unwrap().len(), 1);

        // A stranger posts the form with the owner's address, again and again.
        for n in 0..45 {
            let sign_up = store
                .subscribe("owner@example.org", "daily", &format!("stranger {n}"), "x", at(2))
                .unwrap();
            assert_eq!(sign_up.awaiting, n < MAX_FOLLOWS - 1, "post {n}");
        }
        let weekly = store
            .subscribe("owner@example.org", "weekly", "la:st-helens", "St Helens", at(2))
            .unwrap();
        assert!(weekly.awaiting, "a new frequency waits for the owner too");
        let owner = store.subscriber(id).unwrap().unwrap();
        assert_eq!(owner.frequency, "daily", "the frequency waits for the owner");
        assert_eq!(
            store.follows(id).unwrap().len(),
            1,
            "no follow starts unconfirmed"
        );
        assert_eq!(
            store.pending_follows(id, at(2)).unwrap().len(),
            MAX_FOLLOWS - 1,
            "at most {MAX_FOLLOWS} follows in all"
        );

        // A link issued before those posts starts none of them.
        assert_eq!(
            store.confirm_subscriber(id, at(1), at(3)).unwrap(),
            Some(Confirmed {
                started: 0,
                over_limit: 0
            })
        );
        assert_eq!(store.follows(id).unwrap().len(), 1);
        // A link issued after them (the owner read what it lists) starts them.
        assert_eq!(
            store.confirm_subscriber(id, at(2), at(3)).unwrap(),
            Some(Confirmed {
                started: MAX_FOLLOWS - 1,
                over_limit: 0
            })
        );
        assert_eq!(store.follows(id).unwrap().len(), MAX_FOLLOWS);
        assert_eq!(store.subscriber(id).unwrap().unwrap().frequency, "weekly");

        // Waiting follows are forgotten once no link could start them.
        store.remove_follow(id, store.follows(id).unwrap()[1].id).unwrap();
        store
            .subscribe("owner@example.org", "daily", "late", "Late", at(4))
            .unwrap();
        store
            .subscribe(
                "owner@example.org",
                "daily",
                "later",
                "Later",
                at(4) + PENDING_FOLLOW_LIFETIME + chrono::Duration::hours(1),
            )
            .unwrap();
        let waiting = store.pending_follows(id, at(400)).unwrap();
        assert_eq!(
            waiting.iter().map(|f| f.query.as_str()).collect::<Vec<_>>(),
            ["later"]
        );
        assert_eq!(store.confirm_subscriber(999, at(0), at(0)).unwrap(), None);
    }
    }
}
