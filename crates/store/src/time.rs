//! Timestamps are stored as whole Unix seconds (UTC).

use chrono::{DateTime, Utc};

use crate::StoreError;

pub(crate) fn to_db(time: DateTime<Utc>) -> i64 {
    time.timestamp()
}

pub(crate) fn from_db(seconds: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(seconds, 0).ok_or(StoreError::Corrupt {
        what: "timestamp",
        value: seconds.to_string(),
    })
}

pub(crate) fn from_db_opt(seconds: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    seconds.map(from_db).transpose()
}
