//! The social-care topic taxonomy: what a story is about, with the synonyms and
//! abbreviations the sector uses, so that "CLA", "LAC", "looked-after children" and
//! "children in care" are one topic for tagging and for search.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use crate::text::{Token, phrase_tokens, tokenize};

/// One topic of the taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// URL-safe id ("children-in-care").
    pub slug: &'static str,
    /// Display name ("Children in care").
    pub name: &'static str,
    /// Phrases that mean it (matched case-insensitively, plurals included).
    #[serde(skip)]
    pub synonyms: &'static [&'static str],
    /// Abbreviations that mean it (matched only in capitals, as written: "CLA", "SGO").
    #[serde(skip)]
    pub abbreviations: &'static [&'static str],
}

/// The taxonomy, in display order.
pub const TOPICS: &[Topic] = &[
    topic(
        "children-in-care",
        "Children in care",
        &[
            "children in care",
            "child in care",
            "looked after children",
            "looked-after children",
            "looked after child",
            "looked-after child",
            "children looked after",
            "child looked after",
            "care system",
            "corporate parenting",
            "corporate parent",
        ],
        &["CLA", "LAC", "CiC"],
    ),
    topic(
        "child-in-need",
        "Children in need",
        &["child in need", "children in need", "child-in-need", "section 17"],
        &["CiN", "CIN"],
    ),
    topic(
        "child-protection",
        "Child protection",
        &[
            "child protection",
            "protection plan",
            "protection plans",
            "child protection plan",
            "section 47",
            "significant harm",
        ],
        &["CP"],
    ),
    topic(
        "care-leavers",
        "Care leavers",
        &[
            "care leaver",
            "care leavers",
            "leaving care",
            "care experienced",
            "care-experienced",
            "staying put",
            "staying close",
            "personal adviser",
            "local offer for care leavers",
        ],
        &[],
    ),
    topic(
        "uasc",
        "Unaccompanied asylum-seeking children",
        &[
            "unaccompanied asylum seeking children",
            "unaccompanied asylum-seeking children",
            "unaccompanied asylum seeking child",
            "unaccompanied children",
            "unaccompanied child",
            "national transfer scheme",
            "age assessment",
            "age assessments",
            "asylum-seeking children",
        ],
        &["UASC"],
    ),
    topic(
        "special-guardianship",
        "Special guardianship",
        &[
            "special guardianship",
            "special guardian",
            "special guardians",
            "special guardianship order",
            "special guardianship orders",
        ],
        &["SGO", "SGOs"],
    ),
    topic(
        "kinship-care",
        "Kinship care",
        &[
            "kinship care",
            "kinship carer",
            "kinship carers",
            "kinship",
            "family and friends care",
            "family and friends carers",
            "connected persons",
        ],
        &[],
    ),
    topic(
        "adoption",
        "Adoption",
        &[
            "adoption",
            "adoptions",
            "adopter",
            "adopters",
            "adopted children",
            "adopted child",
            "regional adoption agency",
            "adoption support fund",
        ],
        &["RAA", "ASF"],
    ),
    topic(
        "fostering",
        "Fostering",
        &[
            "foster care",
            "foster carer",
            "foster carers",
            "fostering",
            "foster families",
            "foster family",
            "foster placement",
            "foster placements",
            "independent fostering agency",
        ],
        &["IFA", "IFAs"],
    ),
    topic(
        "childrens-homes",
        "Children's homes",
        &[
            "children's home",
            "children's homes",
            "childrens homes",
            "residential care",
            "residential children's home",
            "residential homes",
        ],
        &[],
    ),
    topic(
        "youth-justice",
        "Youth justice",
        &[
            "youth justice",
            "youth offending",
            "youth offending team",
            "youth offending service",
            "young offender",
            "young offenders",
            "youth custody",
            "secure children's home",
            "secure children's homes",
        ],
        &["YOT", "YOS", "YJB"],
    ),
    topic(
        "send",
        "Special educational needs and disabilities",
        &[
            "special educational needs",
            "education health and care plan",
            "education, health and care plan",
            "high needs",
        ],
        &["SEND", "SEN", "EHCP", "EHCPs"],
    ),
    topic(
        "exploitation",
        "Exploitation",
        &[
            "child sexual exploitation",
            "criminal exploitation",
            "child criminal exploitation",
            "county lines",
            "grooming gangs",
            "grooming gang",
            "exploitation",
            "trafficking",
            "modern slavery",
        ],
        &["CSE", "CCE"],
    ),
    topic("neglect", "Neglect", &["neglect", "neglected", "neglectful"], &[]),
    topic(
        "domestic-abuse",
        "Domestic abuse",
        &["domestic abuse", "domestic violence", "coercive control"],
        &[],
    ),
    topic(
        "family-courts",
        "Family courts",
        &[
            "family court",
            "family courts",
            "care proceedings",
            "public law outline",
            "pre-proceedings",
            "pre proceedings",
            "care order",
            "care orders",
            "family justice",
            "cafcass",
            "court of protection",
            "supervision order",
        ],
        &["PLO"],
    ),
    topic(
        "workforce",
        "Social work workforce",
        &[
            "social worker",
            "social workers",
            "agency social worker",
            "agency social workers",
            "agency workers",
            "caseload",
            "caseloads",
            "recruitment and retention",
            "social work workforce",
            "workforce",
            "newly qualified social workers",
            "vacancy rate",
            "vacancy rates",
        ],
        &["NQSW", "NQSWs", "ASYE"],
    ),
    topic(
        "ofsted-inspections",
        "Ofsted inspections",
        &[
            "ofsted inspection",
            "ofsted inspections",
            "inspection of local authority children's services",
            "focused visit",
            "focused visits",
            "monitoring visit",
            "monitoring visits",
            "joint targeted area inspection",
            "judged inadequate",
            "judged good",
            "judged outstanding",
            "rated inadequate",
            "rated good",
            "rated outstanding",
            "requires improvement to be good",
            "requires improvement",
        ],
        &["ILACS", "JTAI", "SIF"],
    ),
    topic(
        "funding",
        "Funding",
        &[
            "funding",
            "budget",
            "budgets",
            "overspend",
            "overspends",
            "spending review",
            "grant",
            "grants",
            "cuts",
            "finances",
            "financial pressure",
            "financial pressures",
            "council tax",
        ],
        &[],
    ),
    topic(
        "reform",
        "Reform",
        &[
            "families first",
            "families first partnership",
            "children's social care reform",
            "care review",
            "independent review of children's social care",
            "children's wellbeing and schools bill",
            "stable homes built on love",
            "social care reform",
            "reforms",
        ],
        &[],
    ),
    topic(
        "mental-health",
        "Mental health",
        &[
            "mental health",
            "emotional wellbeing",
            "self-harm",
            "self harm",
            "eating disorder",
            "eating disorders",
        ],
        &["CAMHS", "CYPMHS"],
    ),
    topic(
        "missing-children",
        "Missing children",
        &[
            "missing children",
            "missing child",
            "missing from care",
            "missing from home",
            "went missing",
            "go missing",
            "going missing",
            "return home interview",
            "return home interviews",
        ],
        &[],
    ),
    topic(
        "virtual-school",
        "Virtual schools and education of children in care",
        &[
            "virtual school",
            "virtual schools",
            "virtual school head",
            "virtual school heads",
            "pupil premium plus",
            "personal education plan",
            "personal education plans",
            "education of children in care",
        ],
        &["VSH", "PEP", "PEPs"],
    ),
    topic(
        "early-help",
        "Early help and family help",
        &[
            "early help",
            "family help",
            "family hubs",
            "family hub",
            "family help hubs",
            "early intervention",
            "troubled families",
            "supporting families",
        ],
        &[],
    ),
    topic(
        "safeguarding-partnerships",
        "Safeguarding partnerships and reviews",
        &[
            "safeguarding partnership",
            "safeguarding partnerships",
            "safeguarding children partnership",
            "local safeguarding children board",
            "child safeguarding practice review",
            "child safeguarding practice reviews",
            "serious case review",
            "serious case reviews",
            "rapid review",
            "national panel",
            "child safeguarding practice review panel",
        ],
        &["LSCB", "LSCP", "CSPR"],
    ),
    topic(
        "disabled-children",
        "Disabled children",
        &[
            "disabled children",
            "disabled child",
            "short breaks",
            "children with disabilities",
            "learning disabilities",
            "learning disability",
            "autism",
            "autistic",
        ],
        &[],
    ),
    topic(
        "placements",
        "Placements and sufficiency",
        &[
            "placement sufficiency",
            "sufficiency",
            "out of area placements",
            "out-of-area placements",
            "out of area",
            "unregistered children's homes",
            "unregistered homes",
            "unregulated accommodation",
            "unregulated placements",
            "supported accommodation",
            "placement costs",
            "placement cost",
            "deprivation of liberty",
            "deprivation of liberty orders",
        ],
        &["DoLS", "DoL"],
    ),
];

const fn topic(
    slug: &'static str,
    name: &'static str,
    synonyms: &'static [&'static str],
    abbreviations: &'static [&'static str],
) -> Topic {
    Topic {
        slug,
        name,
        synonyms,
        abbreviations,
    }
}

impl Topic {
    /// The topic with this slug.
    pub fn find(slug: &str) -> Option<&'static Topic> {
        TOPICS.iter().find(|topic| topic.slug == slug)
    }

    /// Every phrase that means this topic: its name, synonyms and abbreviations.
    pub fn phrases(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.name)
            .chain(self.synonyms.iter().copied())
            .chain(self.abbreviations.iter().copied())
    }
}

struct TopicPhrase {
    tokens: Vec<String>,
    /// For abbreviations: the exact spelling required.
    exact: Option<&'static str>,
    topic: usize,
}

static TABLE: LazyLock<HashMap<String, Vec<TopicPhrase>>> = LazyLock::new(|| {
    let mut table: HashMap<String, Vec<TopicPhrase>> = HashMap::new();
    for (index, topic) in TOPICS.iter().enumerate() {
        let phrases = std::iter::once(topic.name).chain(topic.synonyms.iter().copied());
        for phrase in phrases {
            let tokens = phrase_tokens(phrase);
            if let Some(first) = tokens.first().cloned() {
                table.entry(first).or_default().push(TopicPhrase {
                    tokens,
                    exact: None,
                    topic: index,
                });
            }
        }
        for abbreviation in topic.abbreviations {
            let tokens = phrase_tokens(abbreviation);
            if let Some(first) = tokens.first().cloned() {
                table.entry(first).or_default().push(TopicPhrase {
                    tokens,
                    exact: Some(abbreviation),
                    topic: index,
                });
            }
        }
    }
    for phrases in table.values_mut() {
        phrases.sort_by_key(|phrase| std::cmp::Reverse(phrase.tokens.len()));
    }
    table
});

/// How often each topic is mentioned in `text` (longest phrase wins at each word).
pub fn topic_mentions(text: &str) -> Vec<(&'static Topic, usize)> {
    let tokens = tokenize(text);
    let mut counts = vec![0usize; TOPICS.len()];
    let mut order: Vec<usize> = Vec::new();
    let mut position = 0;
    while position < tokens.len() {
        match longest_at(&tokens, position) {
            Some((topic, length)) => {
                if counts[topic] == 0 {
                    order.push(topic);
                }
                counts[topic] += 1;
                position += length;
            }
            None => position += 1,
        }
    }
    order
        .into_iter()
        .map(|index| (&TOPICS[index], counts[index]))
        .collect()
}

fn longest_at(tokens: &[Token<'_>], position: usize) -> Option<(usize, usize)> {
    TABLE.get(&tokens[position].lower)?.iter().find_map(|phrase| {
        let length = phrase.tokens.len();
        if length > tokens.len() - position {
            return None;
        }
        let words = &tokens[position..position + length];
        let matches = match phrase.exact {
            Some(exact) => {
                length == 1 && words[0].original == exact
                    || words.iter().map(|t| t.original).collect::<Vec<_>>().join(" ") == exact
            }
            None => phrase
                .tokens
                .iter()
                .zip(words)
                .enumerate()
                .all(|(i, (want, got))| {
                    // The last word may be plural: "carer" also matches "carers".
                    *want == got.lower
                        || (i + 1 == length && got.lower.strip_suffix('s') == Some(want.as_str()))
                }),
        };
        matches.then_some((phrase.topic, length))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slugs(text: &str) -> Vec<&'static str> {
        topic_mentions(text)
            .into_iter()
            .map(|(topic, _)| topic.slug)
            .collect()
    }

    #[test]
    fn the_taxonomy_is_broad_and_unique() {
        assert!(TOPICS.len() >= 25);
        let mut seen: Vec<&str> = TOPICS.iter().map(|t| t.slug).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), TOPICS.len());
        assert_eq!(
            Topic::find("uasc").unwrap().name,
            "Unaccompanied asylum-seeking children"
        );
    }

    #[test]
    fn synonyms_and_abbreviations_mean_one_topic() {
        for text in [
            "CLA numbers rise",
            "looked-after children",
            "Children in care council",
            "LAC reviews",
        ] {
            assert_eq!(slugs(text), ["children-in-care"], "{text}");
        }
        assert_eq!(
            slugs("SGO support and kinship carers"),
            ["special-guardianship", "kinship-care"]
        );
        assert_eq!(slugs("PLO letters"), ["family-courts"]);
        assert!(slugs("lac of funding").contains(&"funding"));
        assert!(
            !slugs("lac of funding").contains(&"children-in-care"),
            "abbreviations need capitals"
        );
        assert!(slugs("please send us your views").is_empty());
        assert_eq!(slugs("SEND reforms"), ["send", "reform"]);
    }
}
