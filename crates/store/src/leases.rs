//! Leases and per-host request slots: how several writer processes sharing one store split
//! the work without a coordinator.
//!
//! A lease names a piece of work (`source:ofsted`, `delivery:42`) and who holds it until
//! when. Taking one is a single conditional upsert, so of two processes asking at once
//! exactly one wins; a holder renews it while it works, and a holder that crashed simply
//! stops renewing, so its lease runs out and someone else takes the work over. A host slot
//! is the earliest time the next request to a host may start; reserving one moves it on by
//! the politeness gap in the same statement, so processes queue for a host as one would.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::warn;

use crate::{Store, StoreError};

/// The lease operations each backend implements (see [`Store`]'s methods of the same names).
pub(crate) trait LeaseOps {
    fn try_lease(&self, name: &str, holder: &str, now_ms: i64, until_ms: i64) -> Result<bool, StoreError>;
    fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError>;
    fn lease_holder(&self, name: &str, now_ms: i64) -> Result<Option<String>, StoreError>;
    /// Hands the lease from `from` to `to` until `until_ms`, if `from` still holds it.
    fn take_over_lease(&self, name: &str, from: &str, to: &str, until_ms: i64) -> Result<bool, StoreError>;
    /// Moves `host`'s slot to `max(slot, now_ms) + gap_ms` and answers where it was.
    fn reserve_host_slot(&self, host: &str, now_ms: i64, gap_ms: i64) -> Result<i64, StoreError>;
}

impl Store {
    /// Takes (or renews, when `holder` has it already) the lease `name` until `now + ttl`.
    /// `false` when someone else holds it and it has not run out.
    pub fn try_lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = millis(now);
        self.backend
            .try_lease(name, holder, now, now.saturating_add(duration_millis(ttl)))
    }

    /// Gives the lease up, if `holder` still has it, so the work can be taken at once.
    /// `false` when it had run out and someone else took it (or nobody held it).
    pub fn release_lease(&self, name: &str, holder: &str) -> Result<bool, StoreError> {
        self.backend.release_lease(name, holder)
    }

    /// Who holds the lease `name` at `now`, if anyone.
    pub fn lease_holder(&self, name: &str, now: DateTime<Utc>) -> Result<Option<String>, StoreError> {
        self.backend.lease_holder(name, millis(now))
    }

    /// Reserves the next request slot for `host`: the later of `now` and the slot the last
    /// reservation left, which moves on by `gap`. The caller waits until the time returned.
    pub fn reserve_host_slot(
        &self,
        host: &str,
        now: DateTime<Utc>,
        gap: Duration,
    ) -> Result<DateTime<Utc>, StoreError> {
        from_millis(
            self.backend
                .reserve_host_slot(host, millis(now), duration_millis(gap))?,
        )
    }
}

/// A lease held by [`Store::hold_lease`]: a background thread renews it every third of its
/// time to live until the guard is dropped or released, then gives it up. A process that
/// dies renews nothing, so its lease runs out.
#[derive(Debug)]
pub struct LeaseGuard {
    stop: Option<mpsc::Sender<()>>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

impl LeaseGuard {
    /// Gives the lease up now and waits until it is (blocking); dropping the guard does the
    /// same in the background.
    pub fn release(mut self) {
        self.stop.take();
        if let Some(renewer) = self.renewer.take() {
            let _ = renewer.join();
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        // Closing the channel wakes the renewer, which releases the lease and ends.
        self.stop.take();
    }
}

impl Store {
    /// Takes the lease `name` for `holder` (see [`Store::try_lease`]) and keeps it renewed
    /// until the guard goes; `None` when someone else holds it.
    ///
    /// A holder that was a process on this machine which has since died (killed, crashed)
    /// is not waited for: its lease is taken over at once.
    pub fn hold_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<Option<LeaseGuard>, StoreError> {
        if !self.try_lease(name, holder, Utc::now(), ttl)?
            && !self.take_over_from_the_dead(name, holder, ttl)?
        {
            return Ok(None);
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let (store, name, holder) = (self.clone(), name.to_owned(), holder.to_owned());
        let every = (ttl / 3).max(Duration::from_millis(50));
        let renewer = std::thread::Builder::new()
            .name("csfeed-lease".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    match store.try_lease(&name, &holder, Utc::now(), ttl) {
                        Ok(true) => {}
                        Ok(false) => warn!(lease = %name, "lost a lease while working: it ran out before it was renewed"),
                        Err(error) => warn!(lease = %name, %error, "cannot renew a lease"),
                    }
                }
                if let Err(error) = store.release_lease(&name, &holder) {
                    warn!(lease = %name, %error, "cannot give a lease up; it runs out by itself");
                }
            })
            .map_err(|error| StoreError::Thread(error.to_string()))?;
        Ok(Some(LeaseGuard {
            stop: Some(stop),
            renewer: Some(renewer),
        }))
    }
}

impl Store {
    fn take_over_from_the_dead(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool, StoreError> {
        let now = Utc::now();
        match self.lease_holder(name, now)? {
            Some(current) if gone_from_this_host(&current) => {
                let until = millis(now).saturating_add(duration_millis(ttl));
                let taken = self.backend.take_over_lease(name, &current, holder, until)?;
                if taken {
                    warn!(lease = %name, from = %current, "took over a lease from a process of this machine that has died");
                }
                Ok(taken)
            }
            _ => Ok(false),
        }
    }
}

/// A lease holder's name for this process: `host:pid:start`, so a process on the same
/// machine can tell when the holder has died, and a restarted process (same pid, new
/// life) is not taken for its predecessor.
pub fn process_holder() -> String {
    format!(
        "{}:{}:{}",
        host_name(),
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

/// `HOSTNAME` when set (containers set it to their own name), else `/etc/hostname`.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned())
}

/// Whether `holder` (a [`process_holder`] name) was a process of this machine that is no
/// longer running. Anything else (another machine, a name of another form, a system
/// without `/proc`) counts as alive: its lease is waited out.
fn gone_from_this_host(holder: &str) -> bool {
    let mut parts = holder.rsplitn(3, ':');
    let (Some(_start), Some(pid), Some(host)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    host == host_name()
        && pid.parse::<u32>().is_ok()
        && Path::new("/proc/self").exists()
        && !Path::new("/proc").join(pid).exists()
}

/// Leases and slots need sub-second precision (politeness gaps are often under a second).
pub(crate) fn millis(time: DateTime<Utc>) -> i64 {
    time.timestamp_millis()
}

pub(crate) fn duration_millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn from_millis(millis: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(millis).ok_or(StoreError::Corrupt {
        what: "lease time",
        value: millis.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(millis: i64) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(1_760_000_000_000 + millis).unwrap()
    }

    backend_tests! {
        fn one_holder_at_a_time_until_it_releases_or_its_lease_runs_out(store) {
            let ttl = Duration::from_secs(10);
            assert!(store.try_lease("source:a", "one", at(0), ttl).unwrap());
            assert!(!store.try_lease("source:a", "two", at(5_000), ttl).unwrap());
            assert!(store.try_lease("source:b", "two", at(5_000), ttl).unwrap(), "other work is free");
            assert!(store.try_lease("source:a", "one", at(9_000), ttl).unwrap(), "the holder renews");
            assert!(!store.try_lease("source:a", "two", at(15_000), ttl).unwrap(), "renewed until 19 s");
            assert_eq!(store.lease_holder("source:a", at(15_000)).unwrap().as_deref(), Some("one"));
            assert!(store.try_lease("source:a", "two", at(19_000), ttl).unwrap(), "ran out: taken over");
            assert!(!store.release_lease("source:a", "one").unwrap(), "no longer the holder's to give");
            assert!(store.release_lease("source:a", "two").unwrap());
            assert_eq!(store.lease_holder("source:a", at(19_001)).unwrap(), None);
            assert!(store.try_lease("source:a", "one", at(19_001), ttl).unwrap(), "free once released");
        }

        fn racers_for_a_lease_give_it_to_exactly_one(store) {
            let winners: usize = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..8)
                    .map(|racer| {
                        let store = store.clone();
                        scope.spawn(move || {
                            let holder = format!("racer-{racer}");
                            store.try_lease("source:a", &holder, at(0), Duration::from_secs(60)).unwrap()
                        })
                    })
                    .collect();
                racers.into_iter().map(|racer| usize::from(racer.join().unwrap())).sum()
            });
            assert_eq!(winners, 1);
        }

        fn a_held_lease_is_renewed_while_held_and_given_up_when_released(store) {
            // Renewed every 500 ms: a second of slack for a busy machine.
            let ttl = Duration::from_millis(1_500);
            let guard = store.hold_lease("delivery:1", "one", ttl).unwrap().unwrap();
            assert!(store.hold_lease("delivery:1", "two", ttl).unwrap().is_none());
            let until = std::time::Instant::now() + Duration::from_secs(3);
            while std::time::Instant::now() < until {
                assert_eq!(store.lease_holder("delivery:1", Utc::now()).unwrap().as_deref(), Some("one"));
                std::thread::sleep(Duration::from_millis(100));
            }
            guard.release();
            assert_eq!(store.lease_holder("delivery:1", Utc::now()).unwrap(), None);
            assert!(store.hold_lease("delivery:1", "two", ttl).unwrap().is_some());
        }

        fn a_lease_of_a_dead_process_on_this_machine_is_taken_over_at_once(store) {
            let ttl = Duration::from_secs(600);
            let dead = format!("{}:999999999:1", host_name());
            let elsewhere = "another-machine:1:1";
            assert!(store.try_lease("source:a", &dead, Utc::now(), ttl).unwrap());
            assert!(store.try_lease("source:b", elsewhere, Utc::now(), ttl).unwrap());
            let me = process_holder();
            let alive = format!("{}:{}:1", host_name(), std::process::id());
            assert!(store.try_lease("source:c", &alive, Utc::now(), ttl).unwrap());
            let taken = store.hold_lease("source:a", &me, ttl).unwrap();
            assert!(taken.is_some(), "the holder's process is gone");
            assert_eq!(store.lease_holder("source:a", Utc::now()).unwrap(), Some(me.clone()));
            assert!(store.hold_lease("source:b", &me, ttl).unwrap().is_none(), "another machine's is waited out");
            assert!(store.hold_lease("source:c", &me, ttl).unwrap().is_none(), "a live process's is waited out");
        }

        fn host_slots_queue_requests_a_gap_apart_whoever_asks(store) {
            let gap = Duration::from_millis(250);
            assert_eq!(store.reserve_host_slot("a.example", at(0), gap).unwrap(), at(0));
            assert_eq!(store.reserve_host_slot("a.example", at(10), gap).unwrap(), at(250));
            assert_eq!(store.reserve_host_slot("a.example", at(20), gap).unwrap(), at(500));
            assert_eq!(store.reserve_host_slot("b.example", at(20), gap).unwrap(), at(20), "hosts are independent");
            assert_eq!(
                store.reserve_host_slot("a.example", at(5_000), gap).unwrap(),
                at(5_000),
                "an idle host's slot is now"
            );
        }
    }
}
