//! Court judgments (Find Case Law's Atom feed of a court) to articles tagged with the
//! councils that are parties to them.
//!
//! A judgment's title names its parties ("Lancashire County Council v A & Ors [2026] EWFC
//! 12"). Ordinary tagging would also file it under any council a summary merely mentions (the
//! court's town, another authority's assessment), so here only the parties count: the
//! councils in the title when it names both sides (`v`), and otherwise, for a title such as
//! "Re X (Care Proceedings)", those named in its summary. An authority anonymised as "A Local
//! Authority" is no council, so such a judgment keeps its topics and no council.

use csfeed_core::{Article, Gazetteer, SourceId};
use url::Url;

use crate::{IngestError, ParsedFeed, parse_feed};

/// Parses a court's feed of judgments; each judgment's councils are its parties.
pub fn parse_judgments(
    source: &SourceId,
    bytes: &[u8],
    content_type: Option<&str>,
    location: Option<&Url>,
) -> Result<ParsedFeed, IngestError> {
    let mut feed = parse_feed(source, bytes, content_type, location)?;
    for article in &mut feed.articles {
        article.local_authorities = council_parties(article);
    }
    Ok(feed)
}

/// GSS codes of the councils named as parties to the judgment, in order of mention.
fn council_parties(judgment: &Article) -> Vec<String> {
    let parties = parties_text(&judgment.title);
    let named_in = match parties {
        Some(parties) => parties.to_owned(),
        None => format!("{}.\n{}", judgment.title, judgment.summary),
    };
    Gazetteer::get()
        .find_in(&named_in)
        .into_iter()
        .map(|la| la.gss_code.clone())
        .collect()
}

/// The parties part of a title that names both sides ("X v Y", "X -v- Y"), without its
/// neutral citation ("[2026] EWFC 12") or bracketed notes; `None` when the title names no
/// sides ("Re X (A Child)").
fn parties_text(title: &str) -> Option<&str> {
    let parties = title.split(['[', '(']).next().unwrap_or(title);
    let lowered = parties.to_ascii_lowercase();
    [" v ", " -v- ", " v. ", " vs "]
        .iter()
        .any(|separator| lowered.contains(separator))
        .then_some(parties)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgments(entries: &[(&str, &str)]) -> ParsedFeed {
        let entries: String = entries
            .iter()
            .enumerate()
            .map(|(index, (title, summary))| {
                format!(
                    "<entry><title>{title}</title><link href=\"https://caselaw.example/ewfc/2026/{index}\"/><id>https://caselaw.example/ewfc/2026/{index}</id><summary type=\"html\">{summary}</summary><published>2026-11-0{}T00:00:00+00:00</published></entry>",
                    index + 1
                )
            })
            .collect();
        let document = format!(
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Latest judgments for ewfc</title>{entries}</feed>"
        );
        parse_judgments(
            &SourceId::parse("caselaw").unwrap(),
            document.as_bytes(),
            None,
            None,
        )
        .unwrap()
    }

    #[test]
    fn the_councils_named_as_parties_are_the_tags() {
        let feed = judgments(&[
            ("Lancashire County Council v A &amp; Ors [2026] EWFC 12 (B)", ""),
            (
                "A Local Authority v B (Sitting at Leeds) [2026] EWFC 13",
                "The hearing was in Leeds.",
            ),
            (
                "Re X (Care Proceedings) [2026] EWFC 14",
                "An application by St Helens Council for a care order.",
            ),
            (
                "Re Y (A Child) [2026] EWFC 15",
                "Proceedings brought by Kent County Council. Surrey's assessment was considered.",
            ),
        ]);
        let tags: Vec<Vec<String>> = feed
            .articles
            .iter()
            .map(|article| article.local_authorities.clone())
            .collect();
        assert_eq!(tags[0], vec!["E10000017".to_owned()], "Lancashire, the applicant");
        assert!(
            tags[1].is_empty(),
            "an anonymised authority is no council, and the court's town is no party: {:?}",
            tags[1]
        );
        assert_eq!(
            tags[2],
            vec!["E08000013".to_owned()],
            "St Helens, from the summary"
        );
        assert_eq!(tags[3].first().map(String::as_str), Some("E10000016"), "Kent");
    }

    #[test]
    fn a_title_naming_both_sides_ignores_councils_only_mentioned_in_the_summary() {
        let feed = judgments(&[(
            "Kent County Council v The Mother [2026] EWHC 99 (Fam)",
            "The child had lived in Leeds before moving to Kent.",
        )]);
        assert_eq!(feed.articles[0].local_authorities, vec!["E10000016".to_owned()]);
    }
}
