//! Canonical URLs: one spelling per story, so the same story reached through two links
//! (or two sources) is recognised as one.

use url::Url;

/// Query parameters that only track clicks: dropped from canonical URLs.
const TRACKING_PARAMETERS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "igshid",
    "mkt_tok",
    "ref_src",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "vero_conv",
    "__s",
    "_hsenc",
    "_hsmi",
    "hsctatracking",
    "s_cid",
    "cmpid",
    "ito",
    "at_medium",
    "at_campaign",
    "ncid",
    "sr_share",
];

/// The canonical form of `url`: no fragment, no tracking parameters (`utm_*` and the
/// click ids in [`TRACKING_PARAMETERS`]), no empty query. Scheme and host are already
/// lower-cased by the URL parser; the path is kept as the site wrote it.
pub fn canonical_url(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            !name.starts_with("utm_") && !TRACKING_PARAMETERS.contains(&name.as_str())
        })
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        canonical.set_query(None);
    } else if kept.len() != url.query_pairs().count() {
        canonical.query_pairs_mut().clear().extend_pairs(kept);
    }
    canonical
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(raw: &str) -> String {
        canonical_url(&Url::parse(raw).unwrap()).to_string()
    }

    #[test]
    fn tracking_and_fragments_go_and_real_parameters_stay() {
        assert_eq!(
            canonical(
                "HTTPS://News.Example/2024/07/story/?utm_source=x&utm_medium=email&fbclid=abc#comments"
            ),
            "https://news.example/2024/07/story/"
        );
        assert_eq!(
            canonical("https://news.example/?p=123&utm_campaign=a&gclid=z"),
            "https://news.example/?p=123"
        );
        assert_eq!(
            canonical("https://news.example/search?q=kinship+care&page=2"),
            "https://news.example/search?q=kinship+care&page=2"
        );
        assert_eq!(
            canonical("https://news.example/a?mc_cid=1&mc_eid=2"),
            "https://news.example/a"
        );
        assert_eq!(canonical("https://news.example:443/a"), "https://news.example/a");
    }
}
