//! Dates as Ofsted writes them: single dates ("12 July 2024", "12/07/2024") and visit
//! ranges in every shape the reports use ("10 to 21 July 2023", "17 March to 21 March 2025",
//! "5 November 2014 – 25 November 2014", "19–30 November 2018", "11 and 12 July",
//! "the 4 and 5 of June 2019", split visits "8 to 12 July 2019 and 7 to 8 August 2019"),
//! with digits split by a space ("1 9 June 2019") and the year possibly left out.

use chrono::{Datelike, NaiveDate};

use crate::layout::Layout;

/// First and last day of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VisitDates {
    /// First day on site.
    pub start: NaiveDate,
    /// Last day on site.
    pub end: NaiveDate,
}

/// A piece of a date expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    /// Digits, with how many there were.
    Number { value: u32, digits: usize },
    /// A month name or abbreviation (1–12).
    Month(u32),
    /// `/` between numbers.
    Slash,
    /// Anything else: a word, a dash, "to", "and", a comma.
    Other,
}

/// A date as written, parts possibly left to be filled from the rest of the range.
#[derive(Debug, Clone, Copy, Default)]
struct Partial {
    day: u32,
    month: Option<u32>,
    year: Option<i32>,
    year_inferred: bool,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Parses a visit range from a date expression. `default_year` fills a year the text
/// leaves out (focused-visit letters: the letter's year); a range that would then run
/// backwards starts in the year before.
pub(crate) fn parse_range(text: &str, default_year: Option<i32>) -> Option<VisitDates> {
    let mut partials = partials(&tokens(text));
    let (mut month, mut year) = (None, None);
    for partial in partials.iter_mut().rev() {
        match partial.month {
            Some(own) => month = Some(own),
            None => partial.month = month,
        }
        match partial.year {
            Some(own) => year = Some(own),
            None => {
                partial.year = year.or(default_year);
                partial.year_inferred = true;
            }
        }
    }
    let first = partials.first()?;
    let mut start = to_date(first)?;
    let end = to_date(partials.last()?)?;
    if start > end && first.year_inferred && start.month() > end.month() {
        start = start.with_year(start.year() - 1)?;
    }
    (start <= end).then_some(VisitDates { start, end })
}

/// Parses a text that is exactly one date: "12 July 2024", "12th July 2024", "12/07/2024",
/// "09 may 2025" (any letter case).
pub(crate) fn parse_single(text: &str) -> Option<NaiveDate> {
    let tokens = tokens(text);
    let meaningful: Vec<&Token> = tokens.iter().filter(|t| **t != Token::Other).collect();
    let shape_ok = matches!(
        meaningful.as_slice(),
        [
            Token::Number { .. },
            Token::Month(_),
            Token::Number { digits: 4, .. }
        ] | [
            Token::Number { .. },
            Token::Slash,
            Token::Number { .. },
            Token::Slash,
            Token::Number { .. }
        ]
    );
    let word_count = text.split_whitespace().count();
    if !shape_ok || word_count > 4 {
        return None;
    }
    match partials(&tokens).as_slice() {
        [only] => to_date(only),
        _ => None,
    }
}

/// The visit dates of a report: the "Inspection dates:" (or "Inspection date:") line, or
/// for a letter the dates in "This letter summarises the findings of the … visit to …
/// on DATES.", its year (if left out) taken from the letter date.
pub(crate) fn visit_dates(layout: &Layout, letter_date: Option<NaiveDate>) -> Option<VisitDates> {
    labelled_range(layout).or_else(|| letter_range(layout, letter_date))
}

/// The first line starting "Inspection dates:" (or "Inspection date:"); the next line too
/// if the dates wrap.
fn labelled_range(layout: &Layout) -> Option<VisitDates> {
    let lines = layout.lines();
    let index = layout.find_line(|line| line.to_ascii_lowercase().starts_with("inspection date"))?;
    let line = &lines[index].text;
    let value = line
        .split_once(':')
        .map_or(&line["inspection date".len()..], |(_, rest)| rest);
    let value = value.trim_start_matches(['s', 'S']);
    let with_next = || {
        let next = lines.get(index + 1)?;
        parse_range(&format!("{value} {}", next.text), None)
    };
    // "8 July 2019 to 12 July 2019 and 7 August 2019 to" ends mid-range: its end is on
    // the next line, and the first line alone would end the visit a day early.
    if ends_mid_range(value) {
        return with_next().or_else(|| parse_range(value, None));
    }
    parse_range(value, None).or_else(with_next)
}

/// Whether a line of dates stops on a word or dash that joins it to more dates.
fn ends_mid_range(value: &str) -> bool {
    let last = value.trim_end().rsplit(' ').next().unwrap_or_default();
    matches!(last.to_ascii_lowercase().as_str(), "to" | "and" | "–" | "-" | ",")
        || value.trim_end().ends_with([',', '–', '-'])
}

/// The visit dates in a letter's opening sentence.
fn letter_range(layout: &Layout, letter_date: Option<NaiveDate>) -> Option<VisitDates> {
    let text = layout.page_text(1);
    let lower = text.to_ascii_lowercase();
    let anchor = [
        "summarises the findings of",
        "focused visit to",
        "monitoring visit to",
    ]
    .iter()
    .find_map(|anchor| lower.find(anchor))?;
    let after = &lower[anchor..];
    let on = [" on ", " between "]
        .iter()
        .filter_map(|word| after.find(word).map(|at| at + word.len()))
        .min()?;
    let dates = &text[anchor + on..];
    let expression = &dates[..sentence_end(dates)];
    let year = letter_date.map(|date| date.year());
    let dates = parse_range(expression, year)?;
    // A year left out of a December visit in a January letter is the year before.
    match letter_date {
        Some(letter) if dates.end > letter => parse_range(expression, year.map(|year| year - 1))
            .filter(|earlier| earlier.end <= letter)
            .or(Some(dates)),
        _ => Some(dates),
    }
}

/// Byte offset of the full stop that ends the sentence starting `text`, or its end.
fn sentence_end(text: &str) -> usize {
    text.char_indices()
        .find(|&(at, c)| c == '.' && matches!(text[at + 1..].chars().next(), None | Some(' ')))
        .map_or(text.len(), |(at, _)| at)
}

/// "Report published: 20 January 2015" (SIF) or "Published: …" (2012–13 inspections).
pub(crate) fn printed_publication_date(layout: &Layout) -> Option<NaiveDate> {
    let line = layout.lines().iter().take(80).find_map(|line| {
        let lower = line.text.to_ascii_lowercase();
        (lower.starts_with("report published") || lower.starts_with("published:")).then_some(&line.text)
    })?;
    parse_single(line.split_once(':')?.1)
}

/// The date at the head of a letter: the first line of page 1 that is only a date, or a
/// day alone on its line followed by its month and year ("22" over "February 2018":
/// the reader drops a superscript ordinal and breaks the line there).
pub(crate) fn letter_date(layout: &Layout) -> Option<NaiveDate> {
    let lines: Vec<&str> = layout.page_lines(1).take(40).collect();
    lines.iter().enumerate().find_map(|(index, line)| {
        parse_single(line).or_else(|| {
            let next = lines.get(index + 1).filter(|next| is_rest_of_date(line, next))?;
            parse_single(&format!("{line} {next}"))
        })
    })
}

/// Whether `next` ("February 2018") completes the date whose day alone is `day` ("22"):
/// not when `next` is a whole date already ("3 April 2018" under a page number).
pub(crate) fn is_rest_of_date(day: &str, next: &str) -> bool {
    let day_alone = (1..=2).contains(&day.len()) && day.bytes().all(|b| b.is_ascii_digit());
    day_alone && parse_single(next).is_none() && parse_single(&format!("{day} {next}")).is_some()
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii_digit() {
            let mut end = start + 1;
            while let Some(&(at, next)) = chars.peek() {
                if !next.is_ascii_digit() {
                    break;
                }
                end = at + 1;
                chars.next();
            }
            let digits = &text[start..end];
            let value = digits.parse().unwrap_or(u32::MAX);
            tokens.push(Token::Number {
                value,
                digits: digits.len(),
            });
        } else if c.is_alphabetic() {
            let mut end = start + c.len_utf8();
            while let Some(&(at, next)) = chars.peek() {
                if !next.is_alphabetic() {
                    break;
                }
                end = at + next.len_utf8();
                chars.next();
            }
            tokens.push(month(&text[start..end]).map_or(Token::Other, Token::Month));
        } else if c == '/' {
            tokens.push(Token::Slash);
        } else if !c.is_whitespace() {
            tokens.push(Token::Other);
        }
    }
    join_split_digits(tokens)
}

/// "1 9 June" → 19 June; "20 19" after a month → 2019.
fn join_split_digits(tokens: Vec<Token>) -> Vec<Token> {
    let mut joined: Vec<Token> = Vec::with_capacity(tokens.len());
    for token in tokens {
        if let (
            Some(Token::Number {
                value: left,
                digits: left_digits,
            }),
            Token::Number {
                value: right,
                digits: right_digits,
            },
        ) = (joined.last().copied(), token)
        {
            let value = left
                .saturating_mul(10u32.saturating_pow(right_digits as u32))
                .saturating_add(right);
            let split_day = left_digits == 1 && right_digits == 1 && (1..=31).contains(&value);
            let after_month = joined.len() >= 2 && matches!(joined[joined.len() - 2], Token::Month(_));
            let split_year = left_digits + right_digits == 4 && (1990..=2099).contains(&value) && after_month;
            if split_day || split_year {
                joined.pop();
                joined.push(Token::Number {
                    value,
                    digits: left_digits + right_digits,
                });
                continue;
            }
        }
        joined.push(token);
    }
    joined
}

fn month(word: &str) -> Option<u32> {
    let lower = word.to_lowercase();
    if lower.len() < 3 {
        return None;
    }
    let lower = if lower == "sept" { "sep".to_owned() } else { lower };
    MONTHS
        .iter()
        .position(|name| *name == lower || (lower.len() == 3 && name.starts_with(lower.as_str())))
        .and_then(|index| u32::try_from(index + 1).ok())
}

/// Groups tokens into dates: a day number starts one, a month and a year complete it;
/// `d/m/yyyy` is one whole date.
fn partials(tokens: &[Token]) -> Vec<Partial> {
    let mut partials: Vec<Partial> = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        match tokens[index..] {
            [
                Token::Number { value: day, .. },
                Token::Slash,
                Token::Number { value: month, .. },
                Token::Slash,
                Token::Number { value: year, digits },
                ..,
            ] => {
                let year = if digits == 2 { 2000 + year } else { year };
                partials.push(Partial {
                    day,
                    month: Some(month),
                    year: i32::try_from(year).ok(),
                    year_inferred: false,
                });
                index += 5;
                continue;
            }
            [Token::Number { value, digits: 4 }, ..] => {
                if let Some(last) = partials
                    .last_mut()
                    .filter(|p| p.year.is_none() && p.month.is_some())
                {
                    last.year = i32::try_from(value).ok();
                }
            }
            [Token::Number { value, digits }, ..] if digits <= 2 && (1..=31).contains(&value) => {
                partials.push(Partial {
                    day: value,
                    ..Partial::default()
                });
            }
            [Token::Month(month), ..] => {
                if let Some(last) = partials.last_mut().filter(|p| p.month.is_none()) {
                    last.month = Some(month);
                }
            }
            _ => {}
        }
        index += 1;
    }
    partials
}

fn to_date(partial: &Partial) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(partial.year?, partial.month?, partial.day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn range(text: &str) -> Option<(NaiveDate, NaiveDate)> {
        parse_range(text, None).map(|dates| (dates.start, dates.end))
    }

    #[test]
    fn every_inspection_date_shape() {
        let cases = [
            // N to N MON YYYY
            ("10 to 21 July 2023", "2023-07-10", "2023-07-21"),
            // N MON YYYY to N MON YYYY
            ("23 April 2018 to 04 May 2018", "2018-04-23", "2018-05-04"),
            // N MON to N MON YYYY
            ("17 March to 21 March 2025", "2025-03-17", "2025-03-21"),
            ("9 October to 2 November 2017", "2017-10-09", "2017-11-02"),
            // N MON YYYY – N MON YYYY, with en dash, unspaced, hyphen and box-drawing dash
            ("3 March 2015 – 25 March 2015", "2015-03-03", "2015-03-25"),
            ("3 March 2015–25 March 2015", "2015-03-03", "2015-03-25"),
            ("5 November 2014 - 25 November 2014", "2014-11-05", "2014-11-25"),
            ("5 November 2014 ─ 25 November 2014", "2014-11-05", "2014-11-25"),
            // N MON – N MON YYYY
            ("19 November – 30 November 2018", "2018-11-19", "2018-11-30"),
            ("19 November–30 November 2018", "2018-11-19", "2018-11-30"),
            // N – N MON YYYY, N–N MON YYYY
            ("4 – 15 February 2019", "2019-02-04", "2019-02-15"),
            ("4–15 February 2019", "2019-02-04", "2019-02-15"),
            // N/N/YYYY – N/N/YYYY
            ("04/02/2019 – 15/02/2019", "2019-02-04", "2019-02-15"),
            // abbreviated months
            ("4 Feb 2019 to 15 Feb 2019", "2019-02-04", "2019-02-15"),
            ("30 Sept to 4 Oct 2019", "2019-09-30", "2019-10-04"),
            // a single date
            ("12 March 2019", "2019-03-12", "2019-03-12"),
            // split visits: first start, last end
            (
                "8 July 2019 to 12 July 2019 and 7 August 2019 to 8 August 2019",
                "2019-07-08",
                "2019-08-08",
            ),
            (
                "8 to 12 July 2019 and 7 to 8 August 2019",
                "2019-07-08",
                "2019-08-08",
            ),
            // digits split by a space, a non-breaking space
            ("1 9 June 2019 to 2 8 June 2019", "2019-06-19", "2019-06-28"),
            ("19 June 20 19", "2019-06-19", "2019-06-19"),
            ("10\u{a0}to 21\u{a0}July 2023", "2023-07-10", "2023-07-21"),
            // across a new year
            ("30 December 2019 to 10 January 2020", "2019-12-30", "2020-01-10"),
            ("30 December to 10 January 2020", "2019-12-30", "2020-01-10"),
            // ordinals
            ("1st to 12th July 2019", "2019-07-01", "2019-07-12"),
        ];
        for (text, start, end) in cases {
            assert_eq!(range(text), Some((date(start), date(end))), "{text}");
        }
    }

    #[test]
    fn every_focused_visit_date_shape() {
        let cases = [
            ("11 and 12 July 2018", "2018-07-11", "2018-07-12"),
            ("24 April 2024", "2024-04-24", "2024-04-24"),
            ("10 to 12 July 2018", "2018-07-10", "2018-07-12"),
            ("31 October and 1 November 2019", "2019-10-31", "2019-11-01"),
            ("the 4 and 5 of June 2019", "2019-06-04", "2019-06-05"),
            ("4, 5 and 6 June 2019", "2019-06-04", "2019-06-06"),
            ("30 and 31 May, and 6 June 2019", "2019-05-30", "2019-06-06"),
            ("30 May to 6 June 2019", "2019-05-30", "2019-06-06"),
        ];
        for (text, start, end) in cases {
            assert_eq!(range(text), Some((date(start), date(end))), "{text}");
        }
        // Year left out: the letter's year, or the one before for a December visit
        // in a January letter.
        let dates = parse_range("17 and 18 May", Some(2023)).unwrap();
        assert_eq!((dates.start, dates.end), (date("2023-05-17"), date("2023-05-18")));
        assert_eq!(parse_range("17 and 18 May", None), None);
    }

    fn layout(text: &str) -> Layout {
        Layout::new(&crate::ReportText {
            pages: vec![text.to_owned()],
        })
    }

    #[test]
    fn a_letter_date_whose_ordinal_broke_the_line() {
        let letter = layout(
            "22\n February 2018\nGail Quinton\n\nDear Ms Quinton\n\nFocused visit to Coventry City Council children's \
             services\n\nThis letter summarises the findings of a focused visit to Coventry City Council\n\
             children's services on 30\n and 31\n January. The inspectors were Alison Smale, HMI.\n",
        );
        let dated = letter_date(&letter);
        assert_eq!(dated, Some(date("2018-02-22")));
        let visit = visit_dates(&letter, dated).map(|dates| (dates.start, dates.end));
        assert_eq!(visit, Some((date("2018-01-30"), date("2018-01-31"))));
        let page_number_above = layout(" 1 \n\n3 April 2018\n\nMs Linzi Roberts-Egan\n");
        assert_eq!(letter_date(&page_number_above), Some(date("2018-04-03")));
    }

    #[test]
    fn inspection_dates_wrapped_mid_range() {
        let report = layout(
            "Derbyshire County Council\nInspection of children's social care services\n\
             Inspection dates: 8 July 2019 to 12 July 2019 and 7 August 2019 to\n8 August 2019\n\
             Lead inspector: Julie Knight\n",
        );
        let visit = visit_dates(&report, None).map(|dates| (dates.start, dates.end));
        assert_eq!(visit, Some((date("2019-07-08"), date("2019-08-08"))));
        let wrapped_after_start = layout("Inspection dates: 4 March 2019 –\n15 March 2019\n");
        let visit = visit_dates(&wrapped_after_start, None).map(|dates| (dates.start, dates.end));
        assert_eq!(visit, Some((date("2019-03-04"), date("2019-03-15"))));
    }

    #[test]
    fn rejects_what_is_not_a_range() {
        for text in [
            "",
            "to be confirmed",
            "32 July 2019",
            "31 February 2019",
            "July 2019",
            "12 to 10 July 2019",
        ] {
            assert_eq!(range(text), None, "{text}");
        }
    }

    #[test]
    fn single_dates() {
        assert_eq!(parse_single("12 July 2024"), Some(date("2024-07-12")));
        assert_eq!(parse_single("09 may 2025"), Some(date("2025-05-09")));
        assert_eq!(parse_single("8th August 2018"), Some(date("2018-08-08")));
        assert_eq!(parse_single("12/07/2024"), Some(date("2024-07-12")));
        assert_eq!(parse_single("Dear Ms Brooks"), None);
        assert_eq!(parse_single("on 24 and 25 April 2024"), None);
        assert_eq!(parse_single("12 to 21 July 2023 2"), None);
    }
}
