//! Property tests of URL canonicalisation and tagging: total, stable, and idempotent.

use csfeed_core::{canonical_url, tag_text};
use proptest::prelude::*;
use url::Url;

fn urls() -> impl Strategy<Value = Url> {
    (
        prop::sample::select(vec!["http", "https"]),
        "[a-z]{1,10}(\\.[a-z]{2,5}){1,2}",
        prop::collection::vec("[a-zA-Z0-9%._~-]{0,8}", 0..4),
        prop::collection::vec(
            (
                prop::sample::select(vec![
                    "utm_source",
                    "utm_medium",
                    "fbclid",
                    "gclid",
                    "id",
                    "page",
                    "q",
                    "mc_cid",
                ]),
                "[a-zA-Z0-9]{0,6}",
            ),
            0..5,
        ),
        prop::option::of("[a-z]{0,6}"),
    )
        .prop_filter_map("a valid URL", |(scheme, host, path, query, fragment)| {
            let mut raw = format!("{scheme}://{host}/{}", path.join("/"));
            if !query.is_empty() {
                let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                raw.push('?');
                raw.push_str(&pairs.join("&"));
            }
            if let Some(fragment) = fragment {
                raw.push('#');
                raw.push_str(&fragment);
            }
            Url::parse(&raw).ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(500), ..ProptestConfig::default() })]

    #[test]
    fn canonical_urls_are_idempotent_and_lose_only_tracking(url in urls()) {
        let canonical = canonical_url(&url);
        prop_assert_eq!(canonical_url(&canonical), canonical.clone());
        prop_assert_eq!(canonical.host_str(), url.host_str());
        prop_assert_eq!(canonical.path(), url.path());
        prop_assert!(canonical.fragment().is_none());
        let query = canonical.query().unwrap_or_default();
        prop_assert!(!query.contains("utm_") && !query.contains("fbclid") && !query.contains("gclid"), "{query}");
    }

    #[test]
    fn tagging_any_text_is_total(text in "\\PC{0,300}") {
        let tags = tag_text(&text);
        let again = tag_text(&text);
        prop_assert_eq!(tags, again);
    }
}
