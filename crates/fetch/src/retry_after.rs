//! `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.

use std::time::{Duration, SystemTime};

/// How long to wait, from a `Retry-After` value received at `now`, capped at `cap`.
/// `None` when the value is neither form.
pub(crate) fn parse(value: &str, now: SystemTime, cap: Duration) -> Option<Duration> {
    let value = value.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let date = httpdate::parse_http_date(value).ok()?;
            date.duration_since(now).unwrap_or(Duration::ZERO)
        }
    };
    Some(wait.min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAP: Duration = Duration::from_secs(3600);

    #[test]
    fn both_forms_are_read_and_capped() {
        let now = httpdate::parse_http_date("Fri, 12 Jul 2024 09:00:00 GMT").unwrap();
        assert_eq!(parse("120", now, CAP), Some(Duration::from_secs(120)));
        assert_eq!(parse(" 99999 ", now, CAP), Some(CAP));
        assert_eq!(
            parse("Fri, 12 Jul 2024 09:02:30 GMT", now, CAP),
            Some(Duration::from_secs(150))
        );
        assert_eq!(
            parse("Fri, 12 Jul 2024 08:00:00 GMT", now, CAP),
            Some(Duration::ZERO)
        );
        assert_eq!(parse("soon", now, CAP), None);
        assert_eq!(parse("-5", now, CAP), None);
    }
}
