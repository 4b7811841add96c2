//! Tagging: which councils and topics a piece of text is about.

use serde::Serialize;

use crate::gazetteer::{Gazetteer, LocalAuthority};
use crate::topics::{Topic, topic_mentions};

/// Characters at the start of a story's body that count as its lead.
const LEAD_CHARS: usize = 600;

/// The councils and topics a text is about, each in order of first mention.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tags {
    /// Local authorities.
    pub local_authorities: Vec<&'static LocalAuthority>,
    /// Topics.
    pub topics: Vec<&'static Topic>,
}

impl Tags {
    /// GSS codes of the local authorities.
    pub fn gss_codes(&self) -> Vec<String> {
        self.local_authorities
            .iter()
            .map(|la| la.gss_code.clone())
            .collect()
    }

    /// Slugs of the topics.
    pub fn topic_slugs(&self) -> Vec<String> {
        self.topics.iter().map(|topic| topic.slug.to_owned()).collect()
    }
}

/// Tags a short text (a headline, a sentence): every mention counts.
pub fn tag_text(text: &str) -> Tags {
    Tags {
        local_authorities: Gazetteer::get().find_in(text),
        topics: topic_mentions(text).into_iter().map(|(topic, _)| topic).collect(),
    }
}

/// Tags a story. Everything named in the headline, teaser or lead counts; further down the
/// body, a council or topic must come up at least twice, so a passing comparison ("as
/// Kent did last year") does not make a story about Kent.
pub fn tag_article(title: &str, summary: &str, body: &str) -> Tags {
    let lead_end = body
        .char_indices()
        .nth(LEAD_CHARS)
        .map_or(body.len(), |(index, _)| index);
    let mut tags = tag_text(&format!("{title}.\n{summary}.\n{}", &body[..lead_end]));
    let gazetteer = Gazetteer::get();
    let body_authorities = gazetteer.find_in(body);
    for la in body_authorities {
        if !tags.local_authorities.contains(&la) && mentions(body, &la.gss_code) >= 2 {
            tags.local_authorities.push(la);
        }
    }
    for (topic, count) in topic_mentions(body) {
        if count >= 2 && !tags.topics.contains(&topic) {
            tags.topics.push(topic);
        }
    }
    tags
}

/// How many separate sentences of `body` name the authority.
fn mentions(body: &str, gss_code: &str) -> usize {
    body.split(['.', '\n', '!', '?'])
        .filter(|sentence| {
            Gazetteer::get()
                .find_in(sentence)
                .iter()
                .any(|la| la.gss_code == gss_code)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_and_bodies() {
        let tags = tag_text("Ofsted focused visit finds St Helens children in need well served");
        assert_eq!(tags.gss_codes(), ["E08000013"]);
        assert_eq!(tags.topic_slugs(), ["ofsted-inspections", "child-in-need"]);
        let article = tag_article(
            "Council rated good",
            "Inspectors praised leaders.",
            &format!(
                "{} Unlike Kent, which was inspected last year, the council kept its social workers.",
                "Filler text. ".repeat(60)
            ),
        );
        assert!(
            article.local_authorities.is_empty(),
            "a passing mention deep in the body does not count"
        );
        assert_eq!(article.topic_slugs(), ["ofsted-inspections"]);
    }
}
