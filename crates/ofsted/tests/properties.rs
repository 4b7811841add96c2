//! Property tests of report-fact extraction: any text, however mangled, gives facts or
//! gaps, never a panic; dates and grades found are plausible.

use csfeed_ofsted::{ReportText, read_facts};
use proptest::prelude::*;

/// Report-like pages: phrases Ofsted writes, mixed with noise.
fn report_pages() -> impl Strategy<Value = Vec<String>> {
    let phrases = prop::sample::select(vec![
        "Inspection of St Helens local authority children's services",
        "Focused visit to Dorset Council children's services",
        "Inspection dates: 12 to 16 June 2023",
        "Lead inspector: Jane Smith, His Majesty's Inspector",
        "Judgement Grade Overall effectiveness Good",
        "The experiences and progress of children in care Requires improvement to be good",
        "Inadequate",
        "Outstanding",
        "Date: 4 September 2023",
        "Ofsted",
        "URN: 80001",
        "12 July 2024",
        "31 February 2023",
        "Yours sincerely",
        "\u{c}",
        "\n",
    ]);
    prop::collection::vec(
        prop::collection::vec(prop_oneof![phrases.prop_map(str::to_owned), "\\PC{0,30}"], 0..30)
            .prop_map(|parts| parts.join(" ")),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]

    #[test]
    fn any_text_gives_facts_or_gaps(pages in report_pages()) {
        let facts = read_facts(&ReportText { pages });
        if let (Some(start), Some(end)) = (facts.visit_start, facts.visit_end) {
            prop_assert!(start <= end, "{start} after {end}");
        }
    }
}
