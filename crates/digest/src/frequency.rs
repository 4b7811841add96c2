//! How often a subscriber gets the digest, and which period a run belongs to.

use chrono::{DateTime, Datelike, Utc};

/// Daily or weekly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// One email a day.
    Daily,
    /// One email a week.
    Weekly,
}

impl Frequency {
    /// Reads `daily` or `weekly`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "daily" | "day" => Some(Frequency::Daily),
            "weekly" | "week" => Some(Frequency::Weekly),
            _ => None,
        }
    }

    /// `daily` or `weekly`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
        }
    }

    /// One period: how far back a first digest reaches, and how late (after a window) an
    /// item dated before it may reach csfeed and still be news in the next digest.
    pub fn lookback(self) -> chrono::Duration {
        match self {
            Frequency::Daily => chrono::Duration::days(1),
            Frequency::Weekly => chrono::Duration::days(7),
        }
    }

    /// The period a run at `now` delivers for: `2026-11-25` or `2026-W48` (ISO week). One
    /// digest per subscriber per period, however often cron runs the command.
    pub fn period(self, now: DateTime<Utc>) -> String {
        match self {
            Frequency::Daily => now.format("%Y-%m-%d").to_string(),
            Frequency::Weekly => {
                let week = now.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn periods_name_the_day_or_iso_week() {
        let monday = Utc.with_ymd_and_hms(2024, 12, 30, 7, 0, 0).unwrap();
        assert_eq!(Frequency::Daily.period(monday), "2024-12-30");
        assert_eq!(Frequency::Weekly.period(monday), "2025-W01");
        assert_eq!(Frequency::parse(" Weekly "), Some(Frequency::Weekly));
        assert_eq!(Frequency::parse("hourly"), None);
    }
}
