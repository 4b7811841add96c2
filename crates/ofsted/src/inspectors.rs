//! Who inspected: the lead inspector and the team as the report names them.
//!
//! Reports say "Lead inspector: NAME" with the title after a comma (", His Majesty's
//! Inspector", ", Her Majesty's Inspector", ", HMI") or on the next line, and sometimes
//! "Deputy lead inspector: NAME". Letters say "His Majesty's Inspectors for this visit were
//! X and Y." or "The inspectors were X, Her Majesty's Inspector, and Y, …" and are signed
//! by the lead inspector after "Yours sincerely".

use crate::layout::Layout;

/// The inspectors of a report: the lead first, as the report names them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inspectors {
    /// The lead inspector (for letters, the signatory).
    pub lead: Option<String>,
    /// Everyone named as inspecting: lead, deputy and team inspectors, or a letter's team.
    pub all: Vec<String>,
}

/// Words that make a comma-separated piece a job title rather than a name.
const TITLE_WORDS: &[&str] = &[
    "inspector",
    "inspectors",
    "hmi",
    "ofsted",
    "regulatory",
    "majesty's",
];
/// Openings of the sentence naming a letter's inspectors; the names follow.
const TEAM_OPENINGS: &[&str] = &[
    "inspectors for this visit were ",
    "inspector for this visit was ",
    "inspectors (hmi) for this visit were ",
    "inspectors for the visit were ",
    "inspectors were ",
    "inspector was ",
    "visit was carried out by ",
    "visit was conducted by ",
    "which was carried out by ",
    "carried out by ",
];
/// Words of the titles that stand around names in a team sentence ("Her Majesty's
/// Inspector", "HMI", "three of Her Majesty's Inspectors", "Senior HMI").
const TEAM_TITLE_WORDS: &[&str] = &[
    "her",
    "his",
    "majesty's",
    "majesty",
    "inspector",
    "inspectors",
    "hmi",
    "hmis",
    "shmi",
    "oi",
    "senior",
    "ofsted",
    "regulatory",
    "two",
    "three",
    "four",
    "five",
    "six",
    "of",
    "the",
    "both",
    "lead",
    "team",
    "designate",
    "schools",
    "with",
];
/// Longest plausible name, in words.
const MAX_NAME_WORDS: usize = 5;

/// Finds the inspectors of a report (`letter`: read it as a letter).
pub(crate) fn find(layout: &Layout, letter: bool) -> Inspectors {
    if letter {
        let signatory = signatory(layout);
        let mut all = letter_team(layout);
        if let Some(lead) = &signatory
            && !all.contains(lead)
        {
            all.insert(0, lead.clone());
        }
        let lead = signatory.or_else(|| all.first().cloned());
        Inspectors { lead, all }
    } else {
        // "Lead inspector:", "Lead inspectors: A, …, and B", "Lead inspector on site:",
        // 2012–13 reports' "Reporting inspector NAME HMI".
        let lead = [
            "lead inspector",
            "lead inspectors",
            "lead inspector on site",
            "reporting inspector",
        ]
        .iter()
        .find_map(|label| labelled(layout, label));
        let deputy = labelled(layout, "deputy lead inspector");
        let mut all: Vec<String> = lead.iter().chain(deputy.iter()).cloned().collect();
        for name in labelled_list(layout, "lead inspectors")
            .into_iter()
            .chain(labelled_list(layout, "team inspectors"))
        {
            if !all.contains(&name) {
                all.push(name);
            }
        }
        Inspectors { lead, all }
    }
}

/// "Lead inspector: NAME, His Majesty's Inspector" → NAME; the name may be on the next line.
fn labelled(layout: &Layout, label: &str) -> Option<String> {
    let lines = layout.lines();
    let index = layout.find_line(|line| line.to_ascii_lowercase().starts_with(label))?;
    let value = lines[index].text.get(label.len()..)?;
    if value.starts_with(|c: char| c.is_alphanumeric()) {
        // "Lead inspectors" is not "Lead inspector" + "s".
        return None;
    }
    let value = value.trim_start_matches([':', ' ']);
    let value = if value.is_empty() {
        lines[index + 1..]
            .iter()
            .find(|line| !line.text.is_empty())
            .map_or("", |line| line.text.as_str())
    } else {
        value
    };
    clean_name(value.split(',').next().unwrap_or(value))
}

/// "Team inspectors: Brendan Parkinson, Judith Nelson, Susan Myers,\nShirley Bailey and
/// Deane Jennings" → each name; the list may wrap onto following lines until the next
/// label ("Quality assurance manager: …") or paragraph break.
fn labelled_list(layout: &Layout, label: &str) -> Vec<String> {
    let lines = layout.lines();
    let Some(index) = layout.find_line(|line| line.to_ascii_lowercase().starts_with(label)) else {
        return Vec::new();
    };
    let Some((_, first)) = lines[index].text.split_once(':') else {
        return Vec::new();
    };
    let mut list = first.trim().to_owned();
    for line in lines[index + 1..]
        .iter()
        .take_while(|line| !line.text.is_empty() && !line.text.contains(':'))
    {
        // "Barazetti-" / "Scott" is one name broken at its hyphen.
        if !list.ends_with('-') {
            list.push(' ');
        }
        list.push_str(&line.text);
    }
    list.split([',', ';'])
        .flat_map(|piece| piece.split(" and "))
        .filter_map(|piece| {
            // "Rachel Holden, HMI designate", "Marie McGuinness Senior HMI".
            let words: Vec<&str> = piece
                .split_whitespace()
                .filter(|word| *word != "and" && !TEAM_TITLE_WORDS.contains(&word.to_lowercase().as_str()))
                .collect();
            clean_name(&words.join(" "))
        })
        .collect()
}

/// The name under "Yours sincerely".
fn signatory(layout: &Layout) -> Option<String> {
    let lines = layout.lines();
    let index = layout.find_line(|line| line.to_ascii_lowercase().starts_with("yours sincerely"))?;
    lines[index + 1..]
        .iter()
        .filter(|line| !line.text.is_empty())
        .take(1)
        .find_map(|line| clean_name(line.text.split(',').next().unwrap_or(&line.text)))
}

/// The names in the letter's "Inspectors for this visit were …" sentence, in order.
fn letter_team(layout: &Layout) -> Vec<String> {
    // Paragraphs on separate lines: the sentence of names can end at its paragraph's end
    // without a full stop ("…were Kendra Bell and Teresa Godfrey" / "Inspectors looked at…").
    let text = layout
        .paragraphs_from(0)
        .take_while(|paragraph| paragraph.lines[0].page == 1)
        .map(|paragraph| paragraph.text())
        .collect::<Vec<_>>()
        .join("\n");
    let lower = text.to_ascii_lowercase();
    let Some(start) = TEAM_OPENINGS
        .iter()
        .filter_map(|opening| lower.find(opening).map(|at| at + opening.len()))
        .min()
    else {
        return Vec::new();
    };
    let sentence = &text[start..start + sentence_length(&text[start..])];
    let mut team: Vec<String> = Vec::new();
    for piece in sentence
        .split(',')
        .flat_map(|piece| piece.split(" and "))
        .flat_map(|piece| piece.split(" & "))
    {
        let words: Vec<&str> = piece
            .split_whitespace()
            .filter(|word| {
                !TEAM_TITLE_WORDS.contains(&word.to_lowercase().trim_matches(['(', ')', '.']).trim())
            })
            .filter(|word| *word != "and")
            .collect();
        // A name is capitalised: "remote means" and "who observed the visit" are not names.
        let capitalised = words.first().zip(words.last()).is_some_and(|(first, last)| {
            first.starts_with(char::is_uppercase) && last.starts_with(char::is_uppercase)
        });
        if let Some(name) = capitalised.then(|| clean_name(&words.join(" "))).flatten()
            && !team.contains(&name)
        {
            team.push(name);
        }
    }
    team
}

/// Bytes up to the full stop ending a sentence of names (initials like "J." do not end it)
/// or the end of its paragraph.
fn sentence_length(text: &str) -> usize {
    text.char_indices()
        .find(|&(at, c)| {
            let initial = text[..at]
                .rsplit(' ')
                .next()
                .is_some_and(|word| word.chars().count() == 1);
            c == '\n' || c == '.' && !initial
        })
        .map_or(text.len(), |(at, _)| at)
}

fn is_title(piece: &str) -> bool {
    piece
        .split_whitespace()
        .any(|word| TITLE_WORDS.contains(&word.to_ascii_lowercase().trim_matches(['(', ')']).trim()))
}

/// Trims a name and strips an "HMI" after it; `None` unless it looks like a name.
fn clean_name(raw: &str) -> Option<String> {
    let words: Vec<&str> = raw
        .split_whitespace()
        .filter(|word| {
            !matches!(
                word.trim_matches(['(', ')', '.', ',']).to_lowercase().as_str(),
                "hmi" | "oi" | "shmi" | "ai" | "scri" | "senior" | "designate" | "contracted" | "additional"
            )
        })
        .collect();
    // "Paula Thomson- Jones": a hyphenated name printed with a space after its hyphen.
    let name = words.join(" ").replace("- ", "-");
    let name = name.trim_matches(|c: char| !c.is_alphabetic());
    let plausible = (1..=MAX_NAME_WORDS).contains(&words.len())
        && name.starts_with(|c: char| c.is_alphabetic())
        && !is_title(name)
        && name
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
    plausible.then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ReportText;

    fn inspectors(text: &str, letter: bool) -> Inspectors {
        find(
            &Layout::new(&ReportText {
                pages: vec![text.to_owned()],
            }),
            letter,
        )
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn lead_inspector_shapes() {
        let cases = [
            "Lead inspector: Russel Breyer, His Majesty\u{2019}s Inspector",
            "Lead inspector: Russel Breyer, Her Majesty's Inspector",
            "Lead inspector: Russel Breyer, HMI",
            "Lead inspector: Russel Breyer HMI",
            "Lead inspector:   Russel Breyer\nHer Majesty\u{2019}s Inspector",
            "Lead inspector:\nRussel Breyer",
        ];
        for text in cases {
            let found = inspectors(text, false);
            assert_eq!(found.lead.as_deref(), Some("Russel Breyer"), "{text}");
            assert_eq!(found.all, names(&["Russel Breyer"]), "{text}");
        }
    }

    #[test]
    fn other_lead_inspector_labels() {
        for text in [
            "Inspection dates: 15-19 July 2013\nReporting inspector Sarah Urding HMI\nAge group: All",
            "Lead inspectors: Sarah Urding, His Majesty\u{2019}s Inspector, and Matthew Reed",
            "The inspection team\nLead inspector: Sarah Urding HMI.\nTeam inspectors: Tracey Metcalfe HMI",
            "The inspection team\nLead inspector on site: Sarah Urding\nReport author: Sean Tarpey",
        ] {
            assert_eq!(
                inspectors(text, false).lead.as_deref(),
                Some("Sarah Urding"),
                "{text}"
            );
        }
    }

    #[test]
    fn deputy_and_odd_names() {
        let found = inspectors(
            "Lead inspector: Jenny-ellen Scotland\nDeputy lead inspector: Sarah O\u{2019}Brien\n\
             Team inspectors: Brendan Parkinson, Judith Nelson",
            false,
        );
        assert_eq!(found.lead.as_deref(), Some("Jenny-ellen Scotland"));
        assert_eq!(
            found.all,
            names(&[
                "Jenny-ellen Scotland",
                "Sarah O'Brien",
                "Brendan Parkinson",
                "Judith Nelson"
            ])
        );
        let sif = inspectors(
            "Lead inspector: Tracey Metcalfe\nDeputy lead inspector: Sarah Urding\n\
             Team inspectors: Brendan Parkinson, Judith Nelson, Susan Myers; Carmen Rodney SCRI,\n\
             Shirley Bailey HMI designate and Deane Barazetti-\nJennings AI\nQuality assurance manager: Paul Armitage\n",
            false,
        );
        assert_eq!(
            sif.all,
            names(&[
                "Tracey Metcalfe",
                "Sarah Urding",
                "Brendan Parkinson",
                "Judith Nelson",
                "Susan Myers",
                "Carmen Rodney",
                "Shirley Bailey",
                "Deane Barazetti-Jennings"
            ])
        );
    }

    #[test]
    fn letter_team_shapes() {
        let cases = [
            (
                "His Majesty\u{2019}s inspectors for this visit were Gareth\nDakin and Alison Smale.",
                vec!["Gareth Dakin", "Alison Smale"],
            ),
            (
                "The inspectors were Stella Elliott, Her Majesty\u{2019}s\nInspector, and Caroline Walsh, Her Majesty\u{2019}s Inspector.",
                vec!["Stella Elliott", "Caroline Walsh"],
            ),
            (
                "Her Majesty's Inspectors for this visit were Ann Lee, Bob Ray and Cy Young.",
                vec!["Ann Lee", "Bob Ray", "Cy Young"],
            ),
            (
                "Her Majesty's Inspector for this visit was Ann Lee. Inspectors looked at",
                vec!["Ann Lee"],
            ),
            (
                "The inspectors were Paula Thomson-Jones HMI and Mandy Nightingale HMI.",
                vec!["Paula Thomson-Jones", "Mandy Nightingale"],
            ),
            (
                "The inspectors were Amanda Maxwell, Her Majesty\u{2019}s Inspector and Maire Atherton, Her Majesty\u{2019}s Inspector.",
                vec!["Amanda Maxwell", "Maire Atherton"],
            ),
            (
                "The inspectors were Neil Penswick, HMI, Louise Hollick, HMI and Chris Smith, HMI.",
                vec!["Neil Penswick", "Louise Hollick", "Chris Smith"],
            ),
            (
                "Inspectors were Tonwen Empson, Joy Howick, Nigel Parkes, Neil Penswick and John Roughton.",
                vec![
                    "Tonwen Empson",
                    "Joy Howick",
                    "Nigel Parkes",
                    "Neil Penswick",
                    "John Roughton",
                ],
            ),
            (
                "The visit was conducted by Donna Marriott, Maire Atherton and Caroline Walsh, three of Her Majesty\u{2019}s Inspectors.",
                vec!["Donna Marriott", "Maire Atherton", "Caroline Walsh"],
            ),
            (
                "a focused visit to Hull which was carried out by Her Majesty\u{2019}s Inspectors Alex Dignan and Andy Whippey. The",
                vec!["Alex Dignan", "Andy Whippey"],
            ),
            (
                "Inspectors for this visit were lead inspector Ceri Evans and team inspector Monique Lindsay.",
                vec!["Ceri Evans", "Monique Lindsay"],
            ),
            (
                "Inspectors (HMI) for this visit were Russel Breyer and Victoria Metheringham, with Teresa Godfrey, HMI designate.",
                vec!["Russel Breyer", "Victoria Metheringham", "Teresa Godfrey"],
            ),
            (
                "The inspectors were Ann Lee and Bob Ray, who observed the visit.",
                vec!["Ann Lee", "Bob Ray"],
            ),
            (
                "Her Majesty's Inspectors for this visit were Kendra\nBell and Teresa Godfrey\n\n\
                 Inspectors looked at the local authority's arrangements for the protection of children.",
                vec!["Kendra Bell", "Teresa Godfrey"],
            ),
        ];
        for (text, expected) in cases {
            let letter = format!(
                "{text}\n\nYours sincerely\n\n{}\nHer Majesty's Inspector",
                expected[0]
            );
            let found = inspectors(&letter, true);
            assert_eq!(found.all, names(&expected), "{text}");
            assert_eq!(found.lead.as_deref(), Some(expected[0]), "{text}");
        }
    }

    #[test]
    fn signatory_leads_even_when_listed_second() {
        let found = inspectors(
            "Inspectors for this visit were Ann Lee and Bob Ray.\n\nYours sincerely\n\nBob Ray\nHMI",
            true,
        );
        assert_eq!(found.lead.as_deref(), Some("Bob Ray"));
        assert_eq!(found.all, names(&["Ann Lee", "Bob Ray"]));
    }
}
