//! Measures `parse_feed` on public feed conformance suites, as issue 16 measures it.
//!
//! ```sh
//! cargo run -p csfeed-ingest --example measure_suites -- [--list] DIR...
//! ```
//!
//! Each DIR is read recursively (for feedparser's suite give its `tests/` folder, for
//! feed-rs's its `fixtures/`, for the W3C feed validator its `testcases/`; `.py`, `.md` and
//! other non-feed files are skipped). For every input it prints nothing unless something is
//! wrong, and at the end:
//! - **titles**: of the files whose feedparser `Expect:` line states the feed's title
//!   (`feed['title'] == '…'`, `feed['title_detail']['value'] == '…'`), how many csfeed gives that title (compared as plain text, the
//!   way csfeed stores titles), and how many it gives any title for;
//! - **silent empty successes**: documents that parse with no articles although their text
//!   has items (`<item>`, `<entry>`, a JSON `"items"` array with something in it);
//! - **panics** and **hangs** (over 10 s), which must be none.
//!
//! `--list` prints every file behind the title and empty-success misses. Not run by CI:
//! the suites are not in this repository.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use csfeed_core::SourceId;
use csfeed_ingest::{ParsedFeed, html_to_text, parse_feed};

/// How long one input may take before it counts as a hang.
const HANG_AFTER: Duration = Duration::from_secs(10);

/// File name endings that are never feed inputs.
const NOT_INPUTS: [&str; 10] = [
    ".py", ".md", ".rst", ".txt", ".cfg", ".toml", ".ini", ".rs", ".js", ".css",
];

fn main() {
    let mut list = false;
    let mut folders = Vec::new();
    for argument in std::env::args().skip(1) {
        match argument.as_str() {
            "--list" => list = true,
            folder => folders.push(PathBuf::from(folder)),
        }
    }
    if folders.is_empty() {
        eprintln!("usage: measure_suites [--list] DIR...");
        std::process::exit(2);
    }
    let mut tally = Tally::default();
    for folder in &folders {
        let mut files = Vec::new();
        collect(folder, &mut files);
        files.sort();
        for file in files {
            tally.measure(&file, list);
        }
    }
    tally.report();
    if tally.panics + tally.hangs > 0 {
        std::process::exit(1);
    }
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            let name = path.to_string_lossy().to_ascii_lowercase();
            if !NOT_INPUTS.iter().any(|ending| name.ends_with(ending)) {
                files.push(path);
            }
        }
    }
}

#[derive(Default)]
struct Tally {
    inputs: usize,
    parsed: usize,
    failed: usize,
    panics: usize,
    hangs: usize,
    titles_stated: usize,
    titles_equal: usize,
    titles_any: usize,
    titles_without_text: usize,
    entry_titles_stated: usize,
    entry_titles_equal: usize,
    with_items: usize,
    empty_successes: usize,
}

impl Tally {
    fn measure(&mut self, file: &Path, list: bool) {
        let Ok(bytes) = std::fs::read(file) else {
            return;
        };
        self.inputs += 1;
        let text = csfeed_fetch::decode_text(&bytes, None).into_owned();
        let content_type = header(&text, "content-type");
        let outcome = parse_guarded(bytes, content_type);
        let parsed = match outcome {
            Guarded::Panicked => {
                self.panics += 1;
                println!("PANIC {}", file.display());
                return;
            }
            Guarded::Hung => {
                self.hangs += 1;
                println!("HANG {}", file.display());
                return;
            }
            Guarded::Done(parsed) => parsed,
        };
        match &parsed {
            Ok(_) => self.parsed += 1,
            Err(_) => self.failed += 1,
        }
        if let Some(expected) = stated_feed_title(&text) {
            self.titles_stated += 1;
            let got = parsed.as_ref().ok().and_then(|feed| feed.title.clone());
            if got.is_some() {
                self.titles_any += 1;
            }
            // A title with no text at all (only an image) has no plain-text form: csfeed
            // rightly gives none, and that is counted apart.
            let no_text = collapse(&html_to_text(&expected)).is_empty();
            if no_text && got.is_none() {
                self.titles_without_text += 1;
            }
            if got.as_deref().is_some_and(|got| same_title(got, &expected)) || (no_text && got.is_none()) {
                self.titles_equal += 1;
            } else if list {
                let got = match &parsed {
                    Ok(feed) => format!("{:?} ({})", feed.title, feed.format),
                    Err(error) => format!("error: {error}"),
                };
                println!("TITLE {}\twant {expected:?}\tgot {got}", file.display());
            }
        }
        if let Some(expected) = stated_title(&text, &["entries[0]['title'] =="]) {
            self.entry_titles_stated += 1;
            let got = parsed
                .as_ref()
                .ok()
                .and_then(|feed| feed.articles.first())
                .map(|article| article.title.clone());
            let no_text = collapse(&html_to_text(&expected)).is_empty();
            if got.as_deref().is_some_and(|got| same_title(got, &expected)) || no_text {
                self.entry_titles_equal += 1;
            } else if list {
                println!("ENTRY {}\twant {expected:?}\tgot {got:?}", file.display());
            }
        }
        if has_items(&text) {
            self.with_items += 1;
            if let Ok(feed) = &parsed
                && feed.articles.is_empty()
            {
                self.empty_successes += 1;
                println!("EMPTY {} ({})", file.display(), feed.format);
            }
        }
    }

    fn report(&self) {
        println!(
            "inputs {}: parsed {}, failed with a reason {}, panics {}, hangs {}",
            self.inputs, self.parsed, self.failed, self.panics, self.hangs
        );
        println!(
            "feed titles stated by feedparser's suite {}: read as stated {} (of which {} are titles with no text, only markup such as an image, which csfeed reads as no title), any title {}",
            self.titles_stated, self.titles_equal, self.titles_without_text, self.titles_any
        );
        println!(
            "first entry titles stated {}: read as stated {}",
            self.entry_titles_stated, self.entry_titles_equal
        );
        println!(
            "documents with items {}: silent empty successes {}",
            self.with_items, self.empty_successes
        );
    }
}

enum Guarded {
    Done(Result<ParsedFeed, csfeed_ingest::IngestError>),
    Panicked,
    Hung,
}

/// Parses on a thread of its own, so a panic or a hang is counted rather than fatal.
fn parse_guarded(bytes: Vec<u8>, content_type: Option<String>) -> Guarded {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let source = SourceId::parse("suite").expect("a valid source id");
        let outcome = std::panic::catch_unwind(|| parse_feed(&source, &bytes, content_type.as_deref(), None));
        // The receiver is gone only after a hang was already counted.
        let _ = sender.send(outcome);
    });
    match receiver.recv_timeout(HANG_AFTER) {
        Ok(Ok(parsed)) => Guarded::Done(parsed),
        Ok(Err(_)) => Guarded::Panicked,
        Err(_) => Guarded::Hung,
    }
}

/// A `Header: Name: value` line of a feedparser test file.
fn header(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("Header:")?.trim();
        let (key, value) = rest.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// The feed title a feedparser test file's `Expect:` line states, as a string.
fn stated_feed_title(text: &str) -> Option<String> {
    stated_title(
        text,
        &[
            "feed['title'] ==",
            "feed[\"title\"] ==",
            "feed.title ==",
            "feed['title_detail']['value'] ==",
        ],
    )
}

/// The string a feedparser test file's `Expect:` line compares with one of `patterns`.
fn stated_title(text: &str, patterns: &[&str]) -> Option<String> {
    let expect = &text[text.find("Expect:")?..];
    let expect = &expect[..expect.find("-->").unwrap_or(expect.len())];
    patterns
        .iter()
        .find_map(|pattern| expect.find(pattern).map(|at| &expect[at + pattern.len()..]))
        .and_then(python_string)
}

/// Reads a Python string literal (`'…'`, `"…"`, `u'…'`) at the start of `text`.
fn python_string(text: &str) -> Option<String> {
    let text = text.trim_start();
    let text = text.strip_prefix('u').unwrap_or(text);
    let quote = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let mut chars = text[1..].chars();
    let mut value = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if c == quote => return Some(value),
            '\\' => match chars.next()? {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                'r' => value.push('\r'),
                'x' => value.push(hex_char(&mut chars, 2)?),
                'u' => value.push(hex_char(&mut chars, 4)?),
                'U' => value.push(hex_char(&mut chars, 8)?),
                other => value.push(other),
            },
            c => value.push(c),
        }
    }
    None
}

fn hex_char(chars: &mut std::str::Chars, digits: usize) -> Option<char> {
    let hex: String = chars.take(digits).collect();
    char::from_u32(u32::from_str_radix(&hex, 16).ok()?)
}

/// csfeed keeps titles as plain text with collapsed whitespace; feedparser keeps an HTML
/// title's markup, so the stated title counts when either form matches.
fn same_title(got: &str, expected: &str) -> bool {
    collapse(got) == collapse(expected) || collapse(got) == collapse(&html_to_text(expected))
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the document's text has items: an `<item>` or `<entry>` element (any prefix)
/// outside comments, or a JSON Feed `"items"` array that is not empty.
fn has_items(text: &str) -> bool {
    let without_comments = strip_comments(text);
    let lower = without_comments.to_ascii_lowercase();
    if lower.trim_start().starts_with('{') {
        return lower
            .find("\"items\"")
            .and_then(|at| lower[at..].find('[').map(|open| &lower[at + open + 1..]))
            .is_some_and(|rest| !rest.trim_start().starts_with(']'));
    }
    ["item", "entry"].iter().any(|name| {
        lower.match_indices(name).any(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + name.len()..].chars().next();
            matches!(before, Some('<' | ':'))
                && lower[..at]
                    .rfind('<')
                    .is_some_and(|open| !lower[open..at].contains(['/', ' ', '>']))
                && matches!(after, Some('>' | ' ' | '/' | '\n' | '\t' | '\r'))
        })
    })
}

fn strip_comments(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<!--") {
        kept.push_str(&rest[..open]);
        match rest[open..].find("-->") {
            Some(close) => rest = &rest[open + close + 3..],
            None => return kept,
        }
    }
    kept.push_str(rest);
    kept
}
