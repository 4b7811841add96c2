//! Getting the text out of a report PDF, page by page.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use serde::Serialize;

use crate::OfstedError;

/// The PDF magic number; a PDF reader accepts it anywhere in the first kilobyte.
const PDF_MAGIC: &[u8] = b"%PDF-";
const MAGIC_WINDOW: usize = 1024;
/// How much of a non-PDF file to quote in the error.
const QUOTED_START: usize = 40;
/// Pages are joined with a form feed in [`ReportText::full`], as `pdftotext` does.
const PAGE_BREAK: char = '\u{c}';

/// The text of a report, one string per page, as the PDF reader gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportText {
    /// Text of each page, first page first.
    pub pages: Vec<String>,
}

impl ReportText {
    /// The whole text: the pages joined with a form feed (`\f`).
    pub fn full(&self) -> String {
        let mut full = String::with_capacity(self.pages.iter().map(|page| page.len() + 1).sum());
        for (index, page) in self.pages.iter().enumerate() {
            if index > 0 {
                full.push(PAGE_BREAK);
            }
            full.push_str(page);
        }
        full
    }

    /// The page (counting from 1) that holds the byte at `byte_offset` of [`ReportText::full`],
    /// so a search hit can say "page 3"; `None` past the end. The form feed after a page
    /// belongs to that page.
    pub fn page_of(&self, byte_offset: usize) -> Option<usize> {
        let mut start = 0;
        for (index, page) in self.pages.iter().enumerate() {
            let page_break = start + page.len();
            let last = index + 1 == self.pages.len();
            if byte_offset < page_break || byte_offset == page_break && !last {
                return Some(index + 1);
            }
            start = page_break + 1;
        }
        None
    }
}

thread_local! {
    /// True while this thread runs the PDF reader, whose panics are expected and caught.
    static READING: Cell<bool> = const { Cell::new(false) };
}

/// Keeps the PDF reader's caught panics off stderr: installs (once) a panic hook that stays
/// silent for panics raised while [`extract_text`] runs the reader on the same thread and
/// passes every other panic to the hook that was there before. Call it at start-up in
/// programs whose stderr people read (the CLI, the server's logs).
pub fn silence_reader_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !READING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Reads the text of a PDF, page by page.
///
/// Checks for the `%PDF-` magic first, so an HTML "report not found" page or an empty
/// download gets a clear error. The PDF reader runs under [`catch_unwind`]: a panic on a
/// malformed file becomes [`OfstedError::ReaderPanicked`] (its message goes through the
/// process's panic hook; see [`silence_reader_panics`]).
pub fn extract_text(pdf: &[u8]) -> Result<ReportText, OfstedError> {
    check_magic(pdf)?;
    READING.with(|reading| reading.set(true));
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        pdf_extract::extract_text_from_mem_by_pages(pdf)
    }));
    READING.with(|reading| reading.set(false));
    let pages = outcome
        .map_err(|panic| OfstedError::ReaderPanicked(one_line(&panic_message(panic.as_ref()))))?
        .map_err(|error| OfstedError::Unreadable(one_line(&error.to_string())))?;
    if pages.iter().all(|page| page.trim().is_empty()) {
        return Err(OfstedError::NoText);
    }
    Ok(ReportText { pages })
}

fn check_magic(bytes: &[u8]) -> Result<(), OfstedError> {
    if bytes.is_empty() {
        return Err(OfstedError::Empty);
    }
    let window = &bytes[..bytes.len().min(MAGIC_WINDOW)];
    if window
        .windows(PDF_MAGIC.len())
        .any(|candidate| candidate == PDF_MAGIC)
    {
        Ok(())
    } else {
        Err(OfstedError::NotPdf {
            start: describe_start(bytes),
        })
    }
}

/// "<!DOCTYPE html>" for an HTML page, else the first printable characters.
fn describe_start(bytes: &[u8]) -> String {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(QUOTED_START * 4)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with('<')
        && let Some(end) = head.find('>')
        && end < QUOTED_START
    {
        return one_line(&head[..=end]);
    }
    let printable: String = head
        .chars()
        .take(QUOTED_START)
        .map(|c| if c.is_control() || c == '\u{fffd}' { '.' } else { c })
        .collect();
    if printable.trim().is_empty() {
        "unprintable bytes".to_owned()
    } else {
        format!("\"{}\"", printable.trim_end())
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_offsets() {
        let text = ReportText {
            pages: vec!["one".into(), "two".into()],
        };
        assert_eq!(text.full(), "one\u{c}two");
        assert_eq!(text.page_of(0), Some(1));
        assert_eq!(text.page_of(3), Some(1));
        assert_eq!(text.page_of(4), Some(2));
        assert_eq!(text.page_of(6), Some(2));
        assert_eq!(text.page_of(7), None);
    }

    #[test]
    fn what_a_non_pdf_starts_with() {
        assert_eq!(describe_start(b"<!DOCTYPE html>\n<html>"), "<!DOCTYPE html>");
        assert_eq!(describe_start(b"\x00\x01\x02"), "\"...\"");
        assert_eq!(describe_start(b"   "), "unprintable bytes");
        assert_eq!(describe_start(b"Not found\nreally"), "\"Not found.really\"");
    }
}
