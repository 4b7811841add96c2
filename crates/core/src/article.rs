//! Articles: one story from one source, as stored and indexed.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

use crate::SourceId;

/// The stable identity of an article: a hash of its source and its key within that source
/// (the feed's guid, or failing that its link).
///
/// The same item fetched again always gets the same id, so re-fetching updates instead of
/// duplicating. Rendered as 16 lowercase hex digits, which is what `/articles/{id}` takes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(String);

impl ArticleId {
    /// Derives the id of the item with `key` (guid or link) in `source`.
    pub fn derive(source: &SourceId, key: &str) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(source.as_str().as_bytes());
        hasher.update([0u8]);
        hasher.update(key.as_bytes());
        let digest = hasher.finalize();
        Self(digest[..8].iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// Accepts an id from outside (a URL path, the database) if it has the right shape.
    pub fn parse(raw: &str) -> Option<Self> {
        let well_formed = raw.len() == 16
            && raw
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Self(raw.to_owned()))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One normalised story, as produced by ingestion: sanitized, with a plain-text body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    /// Stable identity, derived from `source` and `guid`.
    pub id: ArticleId,
    /// The source it came from.
    pub source: SourceId,
    /// The key the source gave it (guid or Atom id; the link when there is none).
    pub guid: String,
    /// Link to the original story, when the source gave one.
    pub url: Option<Url>,
    /// Headline, plain text with entities decoded and whitespace collapsed.
    pub title: String,
    /// When the source says it was first published. Never invented.
    pub published: Option<DateTime<Utc>>,
    /// When the source says it was last updated.
    pub updated: Option<DateTime<Utc>>,
    /// Author names as the source gives them.
    pub authors: Vec<String>,
    /// A short plain-text teaser.
    pub summary: String,
    /// The full story as sanitized HTML (safe to render as is); may be empty.
    pub content_html: String,
    /// The full story as plain text, for indexing and excerpts.
    pub content_text: String,
    /// GSS codes of the local authorities it is about.
    pub local_authorities: Vec<String>,
    /// Slugs of the topics it is about.
    pub topics: Vec<String>,
}

impl Article {
    /// A digest of everything a reader can see, so that a re-fetch that changes nothing can
    /// be recognised and skipped.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        let fields = [
            self.url.as_ref().map(Url::as_str).unwrap_or_default().to_owned(),
            self.title.clone(),
            self.published.map(|t| t.to_rfc3339()).unwrap_or_default(),
            self.updated.map(|t| t.to_rfc3339()).unwrap_or_default(),
            self.authors.join("\u{1f}"),
            self.summary.clone(),
            self.content_html.clone(),
            self.local_authorities.join(","),
            self.topics.join(","),
        ];
        for field in fields {
            hasher.update(field.as_bytes());
            hasher.update([0u8]);
        }
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(id: &str) -> SourceId {
        SourceId::parse(id).unwrap()
    }

    #[test]
    fn ids_are_stable_and_depend_on_source_and_key() {
        let a = ArticleId::derive(&source("one"), "guid-1");
        assert_eq!(a, ArticleId::derive(&source("one"), "guid-1"));
        assert_ne!(a, ArticleId::derive(&source("two"), "guid-1"));
        assert_ne!(a, ArticleId::derive(&source("one"), "guid-2"));
        assert_eq!(ArticleId::parse(a.as_str()), Some(a));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "xyz",
            "0123456789abcdeF",
            "0123456789abcdef0",
            "../../etc/passwd",
        ] {
            assert!(ArticleId::parse(bad).is_none(), "{bad:?}");
        }
    }
}
