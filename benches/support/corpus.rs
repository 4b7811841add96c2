//! The synthetic corpus the scale benchmarks share: deterministic, news-like articles
//! (function words, a long Zipf-like tail, sector vocabulary) spread over 20 sources, every
//! English council, the topic taxonomy and six years.

#![allow(dead_code)]

use std::time::Duration;

use chrono::{TimeZone, Utc};
use csfeed_core::{Article, ArticleId, Gazetteer, Source, SourceId, SourceKind, TOPICS};

use url::Url;

/// Sources the corpus is spread over (`s0`…`s19`).
pub const SOURCES: usize = 20;

/// The corpus's sources (`s0`…), as stored: disabled, so nothing fetches them.
pub fn sources() -> Vec<Source> {
    (0..SOURCES)
        .map(|n| Source {
            id: SourceId::parse(&format!("s{n}")).expect("id"),
            name: format!("Source {n}"),
            url: Url::parse(&format!("https://news{n}.example/feed")).expect("url"),
            kind: SourceKind::Feed,
            interval: Duration::from_secs(3600),
            enabled: false,
            options: Default::default(),
        })
        .collect()
}

/// A small deterministic generator (xorshift64*), so every run indexes the same corpus.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards the start of the range, like word frequencies.
    pub fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
}

pub const WORDS: &[&str] = &[
    "children",
    "services",
    "council",
    "social",
    "workers",
    "families",
    "support",
    "young",
    "people",
    "care",
    "local",
    "authority",
    "report",
    "inspection",
    "practice",
    "leaders",
    "said",
    "plans",
    "safeguarding",
    "neglect",
    "fostering",
    "adoption",
    "placements",
    "residential",
    "homes",
    "kinship",
    "carers",
    "allowance",
    "funding",
    "budget",
    "pressures",
    "demand",
    "referrals",
    "assessment",
    "assessments",
    "early",
    "help",
    "family",
    "hubs",
    "court",
    "proceedings",
    "judges",
    "caseloads",
    "agency",
    "staff",
    "recruitment",
    "retention",
    "managers",
    "oversight",
    "quality",
    "improvement",
    "improved",
    "inadequate",
    "good",
    "outstanding",
    "requires",
    "ofsted",
    "inspectors",
    "visit",
    "visited",
    "focused",
    "monitoring",
    "leaving",
    "leavers",
    "housing",
    "accommodation",
    "education",
    "schools",
    "exclusions",
    "mental",
    "health",
    "camhs",
    "waiting",
    "lists",
    "police",
    "partnership",
    "multi-agency",
    "exploitation",
    "county",
    "lines",
    "missing",
    "episodes",
    "risk",
    "harm",
    "protection",
    "disabled",
    "send",
    "needs",
    "parents",
    "parenting",
    "advocacy",
    "voice",
    "participation",
    "government",
    "department",
    "minister",
    "consultation",
    "reform",
    "review",
    "independent",
    "data",
    "statistics",
    "figures",
    "rose",
    "fell",
    "increase",
    "decrease",
    "year",
    "national",
    "regional",
    "sufficiency",
    "costs",
    "providers",
    "private",
    "profit",
    "market",
    "unregulated",
    "supported",
    "asylum",
    "seeking",
    "unaccompanied",
    "trafficking",
    "domestic",
    "abuse",
    "violence",
    "substance",
    "misuse",
    "poverty",
    "deprivation",
    "youth",
    "justice",
    "custody",
    "mentoring",
    "volunteers",
    "charity",
    "research",
    "evidence",
    "study",
    "findings",
    "training",
    "apprenticeships",
    "supervision",
    "wellbeing",
    "burnout",
    "vacancies",
    "pay",
];

/// Everyday English function words.
pub const COMMON: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "is", "that", "for", "it", "was", "on", "with", "as", "be", "at",
    "by", "this", "had", "not", "are", "but", "from", "or", "have", "an", "they", "which", "one", "were",
    "her", "all", "she", "there", "would", "their", "we", "him", "been", "has", "when", "who", "will",
    "more", "no", "if", "out", "so", "up", "what", "about", "into", "than", "them", "can", "only", "other",
    "new", "some", "could", "time", "these", "two", "may", "then", "first", "any", "like", "now", "such",
    "make", "over", "our", "even", "most", "after", "also", "did", "many",
];

/// 15,625 made-up words (three syllables each), standing in for a newsroom's long tail.
pub fn tail_words() -> &'static [String] {
    static TAIL: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    TAIL.get_or_init(|| {
        const SYLLABLES: &[&str] = &[
            "ba", "ker", "lin", "tor", "mes", "ran", "dol", "vic", "pen", "sta", "gru", "hal", "fen", "wit",
            "cro", "mar", "sel", "nob", "tue", "lis", "bre", "quo", "zan", "pri", "vel",
        ];
        SYLLABLES
            .iter()
            .flat_map(|a| SYLLABLES.iter().map(move |b| (a, b)))
            .flat_map(|(a, b)| SYLLABLES.iter().map(move |c| format!("{a}{b}{c}")))
            .take(20_000)
            .collect()
    })
}

pub struct Corpus {
    councils: Vec<(String, String, String)>,
    rng: Rng,
}

impl Corpus {
    pub fn new() -> Self {
        let councils = Gazetteer::get()
            .authorities()
            .iter()
            .filter(|la| la.abolished.is_none())
            .map(|la| (la.gss_code.clone(), la.name.clone(), la.slug.clone()))
            .collect();
        Self {
            councils,
            rng: Rng(0x9E37_79B9_7F4A_7C15),
        }
    }

    /// Words as news text has them: half everyday function words, a third from a long
    /// Zipf-like tail (15,625 distinct words), the rest sector vocabulary.
    pub fn words(&mut self, count: usize) -> Vec<&'static str> {
        (0..count)
            .map(|_| match self.rng.below(100) {
                0..50 => COMMON[self.rng.skewed(COMMON.len())],
                50..85 => {
                    let tail = tail_words();
                    // The minimum of three draws: a steep head and a long tail.
                    let rank = self.rng.skewed(tail.len()).min(self.rng.below(tail.len()));
                    tail[rank].as_str()
                }
                _ => WORDS[self.rng.skewed(WORDS.len())],
            })
            .collect()
    }

    pub fn article(&mut self, n: usize) -> Article {
        let source = SourceId::parse(&format!("s{}", self.rng.skewed(SOURCES))).expect("source id");
        let (gss, council, _) = self.councils[self.rng.below(self.councils.len())].clone();
        let topic = &TOPICS[self.rng.skewed(TOPICS.len())];
        let phrase = topic.synonyms.first().copied().unwrap_or(topic.name);
        let mut title_words = self.words(6);
        title_words.insert(self.rng.below(3), phrase);
        let title = format!("{council} {}", title_words.join(" "));
        let summary = format!("{} in {council}: {}.", phrase, self.words(28).join(" "));
        let mut body = String::with_capacity(3_000);
        for sentence in 0..30 {
            let mut words = self.words(12);
            if sentence % 7 == 0 {
                words.push(phrase);
            }
            if sentence % 11 == 0 {
                words.push(&council);
            }
            body.push_str(&words.join(" "));
            body.push_str(". ");
        }
        let published = Utc.with_ymd_and_hms(2020, 1, 1, 8, 0, 0).single().expect("date")
            + chrono::Duration::minutes(
                (n as i64 * 6 * 365 * 24 * 60) / 100_000 + self.rng.below(600) as i64,
            );
        let guid = format!("https://news{}.example/story/{n}", source.as_str());
        Article {
            id: ArticleId::derive(&source, &guid),
            url: Url::parse(&guid).ok(),
            guid,
            source,
            title,
            published: Some(published),
            updated: None,
            authors: vec!["Staff reporter".into()],
            summary,
            content_html: format!("<p>{body}</p>"),
            content_text: body,
            local_authorities: vec![gss],
            topics: vec![topic.slug.to_owned()],
        }
    }
}

/// A process's memory figure from /proc (`VmRSS:`, `VmHWM:`), in KiB.
pub fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// The `p` quantile (0–1) of sorted latencies, in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1000.0
}
