//! Dates as real sites write them.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Formats tried for a date without a time, in order (UK day-first order for numbers).
const DATE_FORMATS: &[&str] = &[
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d %B, %Y",
    "%B %d, %Y",
    "%b %d, %Y",
];
/// Formats tried for a date with a time.
const DATE_TIME_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d %B %Y %H:%M",
    "%d %b %Y %H:%M",
    "%d/%m/%Y %H:%M",
];

/// Reads a date as a site wrote it: `format` (a chrono format) when the source's config
/// gives one, else RFC 3339, RFC 822, "12 July 2024", "12th July 2024", "Friday 12 July
/// 2024", "July 12, 2024", "12/07/2024" (UK order), ISO dates, and relative dates
/// ("3 hours ago", "yesterday") measured from `now`. Dates without a time are taken as
/// midnight UTC. `None` when nothing fits: a date is never invented.
pub fn parse_date(raw: &str, format: Option<&str>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim().trim_start_matches(|c: char| !c.is_alphanumeric());
    if text.is_empty() {
        return None;
    }
    if let Some(format) = format
        && let Some(date) = with_format(text, format)
    {
        return Some(date);
    }
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    if let Ok(date) = DateTime::parse_from_rfc2822(text) {
        return Some(date.with_timezone(&Utc));
    }
    // ISO 8601 with an offset but no colon ("+0100"), as Drupal and PHP's date('c') variants write.
    for format in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(text, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    if let Some(date) = relative(text, now) {
        return Some(date);
    }
    let cleaned = clean_words(text);
    DATE_TIME_FORMATS
        .iter()
        .chain(DATE_FORMATS)
        .find_map(|format| with_format(&cleaned, format))
}

fn with_format(text: &str, format: &str) -> Option<DateTime<Utc>> {
    if let Ok(date_time) = NaiveDateTime::parse_from_str(text, format) {
        return Some(Utc.from_utc_datetime(&date_time));
    }
    NaiveDate::parse_from_str(text, format)
        .ok()
        .map(|date| Utc.from_utc_datetime(&date.and_time(chrono::NaiveTime::MIN)))
}

/// Drops weekday names, ordinal suffixes ("12th") and words like "Published:" / "Updated".
fn clean_words(text: &str) -> String {
    const NOISE: &[&str] = &[
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "published",
        "updated",
        "posted",
        "on",
        "date",
    ];
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .map(|word| word.trim_end_matches(':'))
        .filter(|word| !NOISE.contains(&word.to_ascii_lowercase().as_str()))
        .map(strip_ordinal)
        .collect::<Vec<_>>()
        .join(" ")
}

fn strip_ordinal(word: &str) -> &str {
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &word[digits.len()..];
    if !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && matches!(suffix, "st" | "nd" | "rd" | "th")
    {
        digits
    } else {
        word
    }
}

/// "today", "yesterday", "5 minutes ago", "an hour ago", "3 days ago", "2 weeks ago".
fn relative(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = text.to_ascii_lowercase();
    let midnight =
        |date: DateTime<Utc>| Utc.from_utc_datetime(&date.date_naive().and_time(chrono::NaiveTime::MIN));
    match lower.as_str() {
        "today" | "just now" => return Some(now),
        "yesterday" => return Some(midnight(now - Duration::days(1))),
        _ => {}
    }
    let rest = lower.strip_suffix(" ago")?;
    let (count, unit) = rest.split_once(' ')?;
    let count: i64 = match count {
        "a" | "an" | "one" => 1,
        number => number.parse().ok()?,
    };
    let unit = unit.trim_end_matches('s');
    let span = match unit {
        "second" | "sec" => Duration::seconds(count),
        "minute" | "min" => Duration::minutes(count),
        "hour" | "hr" => Duration::hours(count),
        "day" => Duration::days(count),
        "week" => Duration::weeks(count),
        "month" => Duration::days(30 * count),
        "year" => Duration::days(365 * count),
        _ => return None,
    };
    Some(now - span)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
    }

    fn day(raw: &str) -> String {
        parse_date(raw, None, now())
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn formats_real_sites_use() {
        let expected = "2024-07-12T00:00:00+00:00";
        for raw in [
            "12 July 2024",
            "12th July 2024",
            "Friday 12 July 2024",
            "July 12, 2024",
            "12/07/2024",
            "12 Jul 2024",
            "2024-07-12",
            "Published: 12 July 2024",
            "  12\u{a0}July 2024 ",
        ] {
            assert_eq!(day(raw), expected, "{raw:?}");
        }
        assert_eq!(day("2024-07-12T09:30:00+01:00"), "2024-07-12T08:30:00+00:00");
        assert_eq!(
            day("Fri, 12 Jul 2024 09:30:00 +0000"),
            "2024-07-12T09:30:00+00:00"
        );
        assert_eq!(day("2024-05-09T10:00:00+0100"), "2024-05-09T09:00:00+00:00");
        assert_eq!(day("3 hours ago"), "2026-11-24T09:00:00+00:00");
        assert_eq!(day("yesterday"), "2026-11-23T00:00:00+00:00");
        assert_eq!(day("an hour ago"), "2026-11-24T11:00:00+00:00");
        for nonsense in ["", "soon", "13/13/2024", "the other day", "32 July 2024"] {
            assert_eq!(day(nonsense), "none", "{nonsense:?}");
        }
        assert_eq!(
            parse_date("12.07.24", Some("%d.%m.%y"), now())
                .unwrap()
                .to_rfc3339(),
            "2024-07-12T00:00:00+00:00"
        );
    }
}
