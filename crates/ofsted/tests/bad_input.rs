//! Whatever the bytes, reading gives text or a one-line error: never a panic.

mod common;

use csfeed_ofsted::{OfstedError, extract_text, read_facts};

fn one_line_error(bytes: &[u8]) -> OfstedError {
    let error = extract_text(bytes).expect_err("not a readable PDF");
    let message = error.to_string();
    assert!(!message.is_empty() && !message.contains('\n'), "{message:?}");
    error
}

#[test]
fn an_html_error_page() {
    let page =
        b"<!DOCTYPE html>\n<html><head><title>Report not found</title></head><body>Not found</body></html>";
    let error = one_line_error(page);
    assert!(matches!(error, OfstedError::NotPdf { .. }));
    assert_eq!(
        error.to_string(),
        "not a PDF (it starts with <!DOCTYPE html>): Ofsted sometimes serves an error page for a missing report"
    );
}

#[test]
fn an_empty_file() {
    assert_eq!(one_line_error(b""), OfstedError::Empty);
}

#[test]
fn a_truncated_pdf() {
    let pdf = common::read("80560_st-helens_focused-visit_2024-07-12.pdf");
    let error = one_line_error(&pdf[..2048]);
    assert!(
        matches!(
            error,
            OfstedError::Unreadable(_) | OfstedError::ReaderPanicked(_) | OfstedError::NoText
        ),
        "{error:?}"
    );
}

#[test]
fn random_bytes() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = |length: usize| -> Vec<u8> {
        (0..length)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect()
    };
    for length in [1, 7, 100, 4096] {
        assert!(matches!(
            one_line_error(&random(length)),
            OfstedError::NotPdf { .. }
        ));
        let mut with_magic = b"%PDF-1.7\n".to_vec();
        with_magic.extend(random(length));
        one_line_error(&with_magic);
    }
}

#[test]
fn facts_of_odd_text_are_empty_not_a_panic() {
    for pages in [
        vec![],
        vec![String::new()],
        vec!["Inspection dates: 31 to 1\nLead inspector:".to_owned()],
    ] {
        let facts = read_facts(&csfeed_ofsted::ReportText { pages });
        assert_eq!(facts.visit_start, None);
        assert!(facts.judgements.is_empty());
    }
}
