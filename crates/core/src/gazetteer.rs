//! The 153 English local authorities with children's services (and the abolished ones old
//! reports still name), and finding them in text the way journalists and Ofsted write them.
//!
//! Data: `crates/core/data/*.csv` (Open Government Licence; see `data/LICENCE.md`),
//! compiled in. Matching is on word tokens, longest phrase first, so "North Northamptonshire"
//! beats "Northamptonshire" and "Newcastle-under-Lyme" never reads as Newcastle upon Tyne.
//! Names that are also ordinary words or surnames ("Reading", "Bury", "Sutton", "Hull")
//! count only with the capital letter and a place-like context: a following "Council",
//! "Borough" or "'s children's services", a preceding "in", "at", "from"..., or a list of
//! other councils. Known traps (football clubs, "Derby Day", "Kent State", "Sutton
//! Coldfield", "Richmond, North Yorkshire"...) are matched first and mapped to the right
//! authority or to none.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::Serialize;

use crate::text::{Token, phrase_tokens, starts_sentence, tokenize};

/// An English local authority responsible for children's services (or a predecessor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocalAuthority {
    /// Display name ("St Helens", "Bristol", "Kingston upon Hull").
    pub name: String,
    /// The name as ONS writes it ("St. Helens", "Bristol, City of").
    pub ons_name: String,
    /// URL-safe name ("st-helens").
    pub slug: String,
    /// ONS GSS code ("E08000013").
    pub gss_code: String,
    /// Ofsted provider URN of its children's services.
    pub urn: String,
    /// DfE three-digit code.
    pub dfe_code: String,
    /// County, Unitary Authority, Metropolitan District or London Borough.
    pub la_type: String,
    /// ONS region ("North West").
    pub region: String,
    /// For an abolished authority: when, and its successors; `None` for current ones.
    pub abolished: Option<Abolition>,
}

/// When an authority was abolished and who took over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Abolition {
    /// Date of abolition (YYYY-MM-DD).
    pub date: String,
    /// Names of the successor authorities.
    pub successors: Vec<String>,
}

/// A council as it stood on a given day (see [`Gazetteer::as_at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CouncilAt<'a> {
    /// Its name then ("Northamptonshire", "Bournemouth").
    pub name: String,
    /// The GSS code then in force ("E10000021").
    pub gss_code: String,
    /// The councils that have since taken over its children's services; empty when it is
    /// still the same council.
    pub successors: Vec<&'a LocalAuthority>,
}

/// A council that took over children's services under a new GSS code while keeping the
/// Ofsted provider page of the one before (so it has no row of its own in
/// `predecessor_authorities.csv`): its code before `until` (ONS; the Dorset row of the
/// data-to-insight provider lookup also records E10000009).
struct FormerCode {
    /// The current council's GSS code.
    successor: &'static str,
    /// The earlier council's name and code.
    name: &'static str,
    gss_code: &'static str,
    /// First day of the new council (YYYY-MM-DD).
    until: &'static str,
}

/// The 2019 Dorset reorganisation: Dorset County Council and Bournemouth Borough Council were
/// replaced by Dorset Council and Bournemouth, Christchurch and Poole (Poole has its own row).
const FORMER_CODES: &[FormerCode] = &[
    FormerCode {
        successor: "E06000059",
        name: "Dorset",
        gss_code: "E10000009",
        until: "2019-04-01",
    },
    FormerCode {
        successor: "E06000058",
        name: "Bournemouth",
        gss_code: "E06000028",
        until: "2019-04-01",
    },
];

/// Display names where the ONS form reads oddly in a headline.
const DISPLAY_NAMES: &[(&str, &str)] = &[
    ("Bristol, City of", "Bristol"),
    ("Kingston Upon Hull, City of", "Kingston upon Hull"),
    ("Herefordshire, County of", "Herefordshire"),
    ("St. Helens", "St Helens"),
    ("Durham", "County Durham"),
    ("Bedford Borough", "Bedford"),
];

/// Extra spellings people use, beyond the register's names.
const EXTRA_ALIASES: &[(&str, &[&str])] = &[
    ("E08000013", &["St Helens", "St Helen's", "Saint Helens"]),
    ("E06000047", &["County Durham", "Durham County Council"]),
    ("E06000010", &["Hull City Council"]),
    (
        "E06000058",
        &["BCP Council", "Bournemouth Christchurch and Poole"],
    ),
    ("E06000040", &["RBWM", "Windsor"]),
    ("E06000022", &["BANES", "B&NES", "Bath"]),
    ("E06000043", &["Brighton"]),
    ("E06000021", &["Stoke"]),
    ("E06000033", &["Southend"]),
    ("E06000004", &["Stockton"]),
    ("E06000008", &["Blackburn"]),
    ("E06000050", &["Cheshire West"]),
    ("E06000011", &["East Riding", "East Yorkshire"]),
    ("E08000021", &["Newcastle", "Newcastle City Council"]),
    ("E06000055", &["Bedford", "Bedford Borough Council"]),
    ("E06000019", &["County of Herefordshire"]),
    ("E06000046", &["the Isle of Wight"]),
    ("E09000027", &["Richmond council", "Richmond borough"]),
    ("E09000021", &["Kingston council", "Royal Borough of Kingston"]),
    ("E09000020", &["RBKC", "Royal Borough of Kensington and Chelsea"]),
    ("E09000001", &["City of London Corporation"]),
];

/// Names that are also everyday English words: they count only capitalised (or followed
/// by "council" and the like) and in a place-like context.
const COMMON_WORDS: &[&str] = &[
    "reading",
    "bury",
    "hull",
    "bath",
    "slough",
    "stoke",
    "brent",
    "westminster",
];

/// Names that are also people's names: they count unless a capitalised word (a first name
/// or title) comes just before, or a reporting verb just after ("Sutton said").
const PERSON_NAMES: &[&str] = &[
    "sutton",
    "wakefield",
    "derby",
    "poole",
    "windsor",
    "bedford",
    "blackburn",
    "stockton",
    "dudley",
    "merton",
    "bradford",
    "newcastle",
    "barnet",
    "bolton",
    "kent",
    "halton",
    "durham",
];

/// Words after a name that make it something other than a council.
const NOT_A_PLACE_AFTER: &[&[&str]] = &[
    &["university"],
    &["cricket"],
    &["county", "cricket"],
    &["county", "fc"],
    &["city", "fc"],
    &["fc"],
    &["rovers"],
    &["united"],
    &["athletic"],
    &["wanderers"],
    &["albion"],
];

/// Reporting verbs after a person's name.
const REPORTING_VERBS: &[&str] = &["said", "says", "told", "added", "explained", "wrote", "argued"];

/// Phrases matched before any authority: (phrase, GSS code it means, or "" for none).
const TRAPS: &[(&str, &str)] = &[
    ("Sutton Coldfield", "E08000025"),
    ("Newcastle-under-Lyme", ""),
    ("Newcastle under Lyme", ""),
    ("Richmond, North Yorkshire", "E06000065"),
    ("New York", ""),
    ("Kent State", ""),
    ("Derby Day", ""),
    ("Derby County", ""),
    ("Wigan Athletic", ""),
    ("Wigan Warriors", ""),
    ("Bolton Wanderers", ""),
    ("Plymouth Argyle", ""),
    ("Sheffield Wednesday", ""),
    ("Sheffield United", ""),
    ("Leeds United", ""),
    ("Manchester United", ""),
    ("Newcastle United", ""),
    ("West Ham United", ""),
    ("Bristol Rovers", ""),
    ("Blackburn Rovers", ""),
    ("Brighton and Hove Albion", ""),
    ("West Bromwich Albion", ""),
    ("Durham University", ""),
    ("University of Durham", ""),
    ("Duchess of Cornwall", ""),
    ("Duke of Cornwall", ""),
    ("Duke of York", ""),
    ("Brent crude", ""),
    ("Birmingham, Alabama", ""),
    ("New Hampshire", ""),
    ("Norfolk, Virginia", ""),
    ("Durham, North Carolina", ""),
    ("New England", ""),
    ("Greenwich Mean Time", ""),
    ("Rutland Water", "E06000017"),
    ("Hampshire cricket", ""),
    ("Surrey cricket", ""),
    ("Kent cricket", ""),
    ("Essex cricket", ""),
];

/// Words after a name that make it a council or area.
const PLACE_AFTER: &[&[&str]] = &[
    &["council"],
    &["borough"],
    &["county", "council"],
    &["city", "council"],
    &["metropolitan"],
    &["s", "children"],
    &["s", "council"],
    &["s", "social"],
    &["s", "care"],
    &["s", "looked"],
    &["s", "director"],
    &["s", "safeguarding"],
    &["s", "family"],
    &["s", "families"],
    &["s", "ofsted"],
    &["children", "s", "services"],
    &["children", "s", "social"],
    &["local", "authority"],
    &["safeguarding"],
    &["social", "care"],
    &["family", "help"],
    &["and"],
];

/// Words before a name that make it a place.
const PLACE_BEFORE: &[&str] = &[
    "in",
    "at",
    "from",
    "across",
    "for",
    "of",
    "near",
    "around",
    "including",
    "serving",
    "to",
    "by",
    "visited",
    "inspected",
    "judged",
    "rated",
];

/// A phrase in the match table: an authority's name, or a trap.
#[derive(Debug, Clone)]
struct Phrase {
    tokens: Vec<String>,
    meaning: Meaning,
}

#[derive(Debug, Clone, Copy)]
enum Meaning {
    Authority { index: usize, ambiguity: Ambiguity },
    Trap { index: Option<usize> },
}

/// Why a name might not mean the council.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ambiguity {
    /// Only a council (or a multi-word name): matches anywhere.
    None,
    /// Also an everyday word ("reading", "bury").
    CommonWord,
    /// Also a person's name ("Sutton", "Dudley").
    PersonName,
}

/// The register and its match table.
pub struct Gazetteer {
    authorities: Vec<LocalAuthority>,
    by_first_token: HashMap<String, Vec<Phrase>>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(Gazetteer::load);

impl Gazetteer {
    /// The compiled-in register.
    pub fn get() -> &'static Gazetteer {
        &GAZETTEER
    }

    /// Every authority, current ones first, in register order.
    pub fn authorities(&self) -> &[LocalAuthority] {
        &self.authorities
    }

    /// The authority with this GSS code, slug or (case-insensitive) name.
    pub fn find(&self, key: &str) -> Option<&LocalAuthority> {
        let key = key.trim();
        self.authorities.iter().find(|la| {
            la.gss_code.eq_ignore_ascii_case(key)
                || la.slug == key
                || la.name.eq_ignore_ascii_case(key)
                || la.ons_name.eq_ignore_ascii_case(key)
        })
    }

    /// The authority a person or a link means by `key`, however it is written: a slug, GSS
    /// code, Ofsted URN or DfE LA code, or a name in any case and spelling ("St Helen's",
    /// "St. Helens", "ST-HELENS", "Brighton & Hove", "Hull").
    pub fn lookup(&self, key: &str) -> Option<&LocalAuthority> {
        let key = key.trim();
        if key.is_empty() {
            return None;
        }
        let wanted = slugify(key);
        self.find(key)
            .or_else(|| {
                self.authorities
                    .iter()
                    .find(|la| la.urn == key || la.dfe_code == key)
            })
            .or_else(|| {
                self.authorities.iter().find(|la| {
                    la.slug == wanted || slugify(&la.name) == wanted || slugify(&la.ons_name) == wanted
                })
            })
            .or_else(|| self.named(&wanted))
    }

    /// The authority whose name or other name ("Hull") has exactly the words of `slug`.
    fn named(&self, slug: &str) -> Option<&LocalAuthority> {
        let words: Vec<&str> = slug.split('-').collect();
        self.by_first_token
            .get(*words.first()?)?
            .iter()
            .find_map(|phrase| match phrase.meaning {
                Meaning::Authority { index, .. }
                    if phrase.tokens.iter().map(String::as_str).eq(words.iter().copied()) =>
                {
                    self.authorities.get(index)
                }
                _ => None,
            })
    }

    /// The abolished authorities whose children's services `la` took over (Cumbria for
    /// Cumberland and for Westmorland and Furness), whose reports are part of its history.
    pub fn predecessors_of(&self, la: &LocalAuthority) -> Vec<&LocalAuthority> {
        self.authorities
            .iter()
            .filter(|old| {
                old.abolished.as_ref().is_some_and(|abolition| {
                    abolition.successors.iter().any(|successor| {
                        self.lookup(successor)
                            .is_some_and(|found| found.gss_code == la.gss_code)
                    })
                })
            })
            .collect()
    }

    /// The council `la` was on `day` (the day of a visit): its name and the GSS code then in
    /// force, and the councils that have since taken over its children's services.
    /// Northamptonshire in 2019 is E10000021, succeeded by North and West Northamptonshire;
    /// Dorset before April 2019 is the county council, E10000009, succeeded by today's Dorset;
    /// a council unchanged since is itself, with no successors.
    pub fn as_at(&self, la: &LocalAuthority, day: chrono::NaiveDate) -> CouncilAt<'_> {
        if let Some(abolition) = &la.abolished {
            return CouncilAt {
                name: la.name.clone(),
                gss_code: la.gss_code.clone(),
                successors: abolition
                    .successors
                    .iter()
                    .filter_map(|name| self.lookup(name))
                    .collect(),
            };
        }
        let day = day.format("%Y-%m-%d").to_string();
        let former = FORMER_CODES
            .iter()
            .find(|former| former.successor == la.gss_code && day.as_str() < former.until);
        match former.and_then(|former| Some((former, self.find(&la.gss_code)?))) {
            Some((former, successor)) => CouncilAt {
                name: former.name.to_owned(),
                gss_code: former.gss_code.to_owned(),
                successors: vec![successor],
            },
            None => CouncilAt {
                name: la.name.clone(),
                gss_code: la.gss_code.clone(),
                successors: Vec::new(),
            },
        }
    }

    /// The authority with this Ofsted provider URN.
    pub fn find_by_urn(&self, urn: &str) -> Option<&LocalAuthority> {
        self.authorities.iter().find(|la| la.urn == urn.trim())
    }

    /// The authorities `text` refers to, in order of first mention, each once.
    pub fn find_in(&self, text: &str) -> Vec<&LocalAuthority> {
        let tokens = tokenize(text);
        let mut found: Vec<usize> = Vec::new();
        let mut position = 0;
        while position < tokens.len() {
            let Some((phrase, length)) = self.longest_phrase_at(&tokens, position) else {
                position += 1;
                continue;
            };
            match phrase.meaning {
                Meaning::Trap { index } => {
                    found.extend(index);
                    position += length;
                }
                Meaning::Authority { index, ambiguity } => {
                    if self.reads_as_place(&tokens, position, length, ambiguity, &found) {
                        found.push(index);
                        position += length;
                    } else {
                        position += 1;
                    }
                }
            }
        }
        let mut seen = Vec::new();
        found.retain(|index| {
            let first = !seen.contains(index);
            seen.push(*index);
            first
        });
        found.into_iter().map(|index| &self.authorities[index]).collect()
    }

    fn longest_phrase_at<'p>(&'p self, tokens: &[Token<'_>], position: usize) -> Option<(&'p Phrase, usize)> {
        let candidates = self.by_first_token.get(&tokens[position].lower)?;
        candidates
            .iter()
            .filter(|phrase| {
                phrase.tokens.len() <= tokens.len() - position
                    && phrase
                        .tokens
                        .iter()
                        .zip(&tokens[position..])
                        .all(|(want, got)| *want == got.lower)
            })
            .map(|phrase| (phrase, phrase.tokens.len()))
            .max_by_key(|(_, length)| *length)
    }

    /// Whether the name at `tokens[position..position + length]` means the council.
    fn reads_as_place(
        &self,
        tokens: &[Token<'_>],
        position: usize,
        length: usize,
        ambiguity: Ambiguity,
        found_so_far: &[usize],
    ) -> bool {
        let after: Vec<&str> = tokens[position + length..]
            .iter()
            .take(3)
            .map(|t| t.lower.as_str())
            .collect();
        let starts_with = |words: &&[&str]| {
            words.len() <= after.len() && words.iter().zip(&after).all(|(want, got)| want == got)
        };
        let previous = position.checked_sub(1).map(|index| &tokens[index]);
        let after_university_of =
            position >= 2 && tokens[position - 2].lower == "university" && tokens[position - 1].lower == "of";
        if NOT_A_PLACE_AFTER.iter().any(starts_with) || after_university_of {
            return false;
        }
        let followed_by_place_word = PLACE_AFTER
            .iter()
            .filter(|words| words[0] != "and")
            .any(starts_with);
        let in_a_list = self.listed_with_other_councils(tokens, position, length, found_so_far);
        match ambiguity {
            Ambiguity::None => true,
            Ambiguity::PersonName => {
                let after_first_name =
                    previous.is_some_and(|word| word.is_capitalised()) && !starts_sentence(tokens, position);
                let reported = after.first().is_some_and(|word| REPORTING_VERBS.contains(word));
                followed_by_place_word
                    || in_a_list
                    || (!after_first_name && !reported && tokens[position].is_capitalised())
            }
            Ambiguity::CommonWord => {
                if followed_by_place_word || in_a_list {
                    return true;
                }
                if !tokens[position].is_capitalised() || starts_sentence(tokens, position) {
                    return false;
                }
                previous.is_some_and(|word| PLACE_BEFORE.contains(&word.lower.as_str()))
            }
        }
    }

    /// True when other councils stand next to this name in a list ("Croydon, Sutton and Merton").
    fn listed_with_other_councils(
        &self,
        tokens: &[Token<'_>],
        position: usize,
        length: usize,
        found_so_far: &[usize],
    ) -> bool {
        let next = position + length;
        let joined_to_next = tokens
            .get(next)
            .is_some_and(|token| token.punctuation_before.contains(','))
            && self.unambiguous_authority_at(tokens, next)
            || tokens.get(next).is_some_and(|token| token.lower == "and")
                && self.unambiguous_authority_at(tokens, next + 1);
        let joined_to_previous = !found_so_far.is_empty()
            && position > 0
            && (tokens[position].punctuation_before.contains(',') || tokens[position - 1].lower == "and");
        joined_to_next || joined_to_previous
    }

    fn unambiguous_authority_at(&self, tokens: &[Token<'_>], position: usize) -> bool {
        position < tokens.len()
            && self
                .longest_phrase_at(tokens, position)
                .is_some_and(|(phrase, _)| {
                    matches!(
                        phrase.meaning,
                        Meaning::Authority {
                            ambiguity: Ambiguity::None,
                            ..
                        }
                    )
                })
    }

    fn load() -> Self {
        let mut authorities = Vec::new();
        let mut aliases: Vec<(usize, String)> = Vec::new();
        for row in read_rows(include_str!("../data/local_authorities.csv")) {
            let index = authorities.len();
            aliases.push((index, row.get("name").clone()));
            for alias in row
                .get("also_known_as")
                .split(';')
                .filter(|a| !a.trim().is_empty())
            {
                aliases.push((index, alias.trim().to_owned()));
            }
            authorities.push(authority(&row, None));
        }
        for row in read_rows(include_str!("../data/predecessor_authorities.csv")) {
            let index = authorities.len();
            aliases.push((index, row.get("name").clone()));
            let abolition = Abolition {
                date: row.get("abolished").clone(),
                successors: row
                    .get("successors")
                    .split(';')
                    .map(|s| s.trim().to_owned())
                    .collect(),
            };
            authorities.push(authority(&row, Some(abolition)));
        }
        for (gss, extra) in EXTRA_ALIASES {
            if let Some(index) = authorities.iter().position(|la| la.gss_code == *gss) {
                aliases.extend(extra.iter().map(|alias| (index, (*alias).to_owned())));
            }
        }
        let mut by_first_token: HashMap<String, Vec<Phrase>> = HashMap::new();
        for (index, alias) in aliases {
            // "Bristol, City of" → "Bristol"; "Kingston Upon Hull, City of" → "Kingston Upon Hull".
            let alias = alias
                .split(", City of")
                .next()
                .unwrap_or(&alias)
                .replace(", County of", "");
            let tokens = phrase_tokens(&alias);
            let ambiguity = match tokens.as_slice() {
                [word] if COMMON_WORDS.contains(&word.as_str()) => Ambiguity::CommonWord,
                [word] if PERSON_NAMES.contains(&word.as_str()) => Ambiguity::PersonName,
                _ => Ambiguity::None,
            };
            add_phrase(
                &mut by_first_token,
                tokens,
                Meaning::Authority { index, ambiguity },
            );
        }
        for (trap, gss) in TRAPS {
            let index = authorities.iter().position(|la| la.gss_code == *gss);
            add_phrase(&mut by_first_token, phrase_tokens(trap), Meaning::Trap { index });
        }
        Self {
            authorities,
            by_first_token,
        }
    }
}

fn add_phrase(table: &mut HashMap<String, Vec<Phrase>>, tokens: Vec<String>, meaning: Meaning) {
    let Some(first) = tokens.first().cloned() else {
        return;
    };
    let phrases = table.entry(first).or_default();
    if !phrases.iter().any(|phrase| phrase.tokens == tokens) {
        phrases.push(Phrase { tokens, meaning });
    }
}

struct Row(HashMap<String, String>);

impl Row {
    fn get(&self, column: &str) -> &String {
        static EMPTY: String = String::new();
        self.0.get(column).unwrap_or(&EMPTY)
    }
}

/// The compiled-in CSVs are ours and tested; a malformed row is skipped, never a panic.
fn read_rows(csv_text: &str) -> Vec<Row> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let Ok(headers) = reader.headers().cloned() else {
        return Vec::new();
    };
    reader
        .records()
        .filter_map(Result::ok)
        .map(|record| {
            Row(headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect())
        })
        .collect()
}

fn authority(row: &Row, abolished: Option<Abolition>) -> LocalAuthority {
    let ons_name = row.get("name").clone();
    let name = DISPLAY_NAMES
        .iter()
        .find(|(ons, _)| *ons == ons_name)
        .map_or_else(|| ons_name.clone(), |(_, display)| (*display).to_owned());
    LocalAuthority {
        slug: slugify(&name),
        name,
        ons_name,
        gss_code: row.get("gss_code").clone(),
        urn: row.get("urn").clone(),
        dfe_code: row.get("dfe_code").clone(),
        la_type: row.get("la_type").clone(),
        region: row.get("region").clone(),
        abolished,
    }
}

/// "Kingston upon Hull" → "kingston-upon-hull"; "St Helens" → "st-helens".
pub fn slugify(name: &str) -> String {
    phrase_tokens(&name.replace(['\'', '\u{2019}'], "")).join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<String> {
        Gazetteer::get()
            .find_in(text)
            .into_iter()
            .map(|la| la.gss_code.clone())
            .collect()
    }

    #[test]
    fn lookup_takes_every_code_and_spelling_of_a_council() {
        let gazetteer = Gazetteer::get();
        for key in [
            "st-helens",
            "St-Helens",
            "E08000013",
            "e08000013",
            "80560",
            "342",
            "St Helens",
            "St. Helens",
            "St Helen's",
            "St Helen’s",
            " ST HELENS ",
        ] {
            assert_eq!(
                gazetteer.lookup(key).map(|la| la.slug.as_str()),
                Some("st-helens"),
                "{key}"
            );
        }
        for (key, slug) in [
            ("Brighton & Hove", "brighton-and-hove"),
            ("brighton and hove", "brighton-and-hove"),
            ("Hull", "kingston-upon-hull"),
            ("Bristol, City of", "bristol"),
        ] {
            let found = gazetteer.lookup(key).map(|la| la.slug.as_str());
            assert_eq!(
                found,
                Some(gazetteer.find(slug).map_or("?", |la| la.slug.as_str())),
                "{key}"
            );
        }
        for nothing in ["", "Atlantis", "99999", "Kent State"] {
            assert!(gazetteer.lookup(nothing).is_none(), "{nothing}");
        }
    }

    #[test]
    fn the_register_is_complete() {
        let gazetteer = Gazetteer::get();
        assert_eq!(
            gazetteer
                .authorities()
                .iter()
                .filter(|la| la.abolished.is_none())
                .count(),
            153
        );
        assert_eq!(gazetteer.authorities().len(), 156);
        let st_helens = gazetteer.find("st-helens").unwrap();
        assert_eq!(
            (st_helens.name.as_str(), st_helens.gss_code.as_str()),
            ("St Helens", "E08000013")
        );
        assert_eq!(gazetteer.find("E06000023").unwrap().name, "Bristol");
        assert_eq!(
            gazetteer
                .find("Cumbria")
                .unwrap()
                .abolished
                .as_ref()
                .unwrap()
                .successors
                .len(),
            2
        );
        let referenced = EXTRA_ALIASES
            .iter()
            .map(|(gss, _)| *gss)
            .chain(TRAPS.iter().map(|(_, gss)| *gss));
        for gss in referenced.filter(|gss| !gss.is_empty()) {
            assert!(gazetteer.find(gss).is_some(), "{gss} is not in the register");
        }
    }

    #[test]
    fn spellings_people_use() {
        for text in ["St Helens council", "St. Helens", "in St Helen's", "Saint Helens"] {
            assert_eq!(codes(text), ["E08000013"], "{text}");
        }
        assert_eq!(codes("Bristol City Council"), ["E06000023"]);
        assert_eq!(codes("Bristol, City of"), ["E06000023"]);
        assert_eq!(codes("services in Hull"), ["E06000010"]);
        assert_eq!(codes("Kingston upon Hull"), ["E06000010"]);
        assert_eq!(codes("County Durham"), ["E06000047"]);
        assert_eq!(codes("children in Durham"), ["E06000047"]);
        assert_eq!(
            codes("North Northamptonshire and Northamptonshire"),
            ["E06000061", "E10000021"]
        );
    }

    #[test]
    fn classic_traps() {
        assert!(codes("Reading between the lines of the care review").is_empty());
        assert_eq!(codes("Reading Borough Council was judged good"), ["E06000038"]);
        assert!(codes("Ministers bury the report").is_empty());
        assert!(codes("Bury the hatchet, says minister").is_empty());
        assert_eq!(codes("Bury Council's children's services"), ["E08000002"]);
        assert!(codes("Wigan Athletic fans raise money").is_empty());
        assert!(codes("Derby Day crowds").is_empty());
        assert!(codes("Kent State University study").is_empty());
        assert_eq!(codes("A children's home in Sutton Coldfield"), ["E08000025"]);
        assert!(codes("Newcastle-under-Lyme MP speaks").is_empty());
        assert_eq!(codes("Richmond, North Yorkshire"), ["E06000065"]);
        assert!(codes("Dr Anna Sutton said").is_empty());
        assert_eq!(
            codes("Ofsted judged Croydon, Sutton and Merton good"),
            ["E09000008", "E09000029", "E09000024"]
        );
    }

    #[test]
    fn councils_as_they_were_on_the_day_of_a_visit() {
        let gazetteer = Gazetteer::get();
        let day = |text: &str| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let at = |slug: &str, on: &str| {
            let council = gazetteer.as_at(gazetteer.find(slug).unwrap(), day(on));
            let successors: Vec<String> = council.successors.iter().map(|la| la.gss_code.clone()).collect();
            (council.name, council.gss_code, successors)
        };
        assert_eq!(
            at("northamptonshire", "2019-06-03"),
            (
                "Northamptonshire".into(),
                "E10000021".into(),
                vec!["E06000061".into(), "E06000062".into()]
            )
        );
        assert_eq!(
            at("cumbria", "2022-05-09"),
            (
                "Cumbria".into(),
                "E10000006".into(),
                vec!["E06000063".into(), "E06000064".into()]
            )
        );
        assert_eq!(
            at("poole", "2017-01-09"),
            ("Poole".into(), "E06000029".into(), vec!["E06000058".into()])
        );
        assert_eq!(
            at("dorset", "2018-11-05"),
            ("Dorset".into(), "E10000009".into(), vec!["E06000059".into()])
        );
        assert_eq!(
            at("bournemouth-christchurch-and-poole", "2017-10-02"),
            ("Bournemouth".into(), "E06000028".into(), vec!["E06000058".into()])
        );
        assert_eq!(
            at("dorset", "2019-09-16"),
            ("Dorset".into(), "E06000059".into(), vec![])
        );
        assert_eq!(
            at("st-helens", "2014-11-05"),
            ("St Helens".into(), "E08000013".into(), vec![])
        );
    }

    #[test]
    fn successors_know_their_predecessors() {
        let gazetteer = Gazetteer::get();
        let names = |slug: &str| -> Vec<String> {
            let la = gazetteer.find(slug).unwrap();
            gazetteer
                .predecessors_of(la)
                .iter()
                .map(|old| old.name.clone())
                .collect()
        };
        assert_eq!(names("cumberland"), ["Cumbria"]);
        assert_eq!(names("westmorland-and-furness"), ["Cumbria"]);
        assert_eq!(names("north-northamptonshire"), ["Northamptonshire"]);
        assert_eq!(names("bournemouth-christchurch-and-poole"), ["Poole"]);
        assert!(names("st-helens").is_empty());
    }
}
