//! Full-text search over csfeed's articles, with Tantivy.
//!
//! The index is derived data: `csfeed-store` is the record of truth and this crate follows
//! its change sequence. Every commit records, as its payload, the last change-sequence
//! number it covers (the watermark), so after a crash or an external `csfeed fetch` the
//! index catches up by indexing everything newer — and `rebuild` recreates it from scratch.
//!
//! One process holds the `IndexWriter` (Tantivy enforces this with a lock file); any number
//! may read. Search results are hydrated from the store, so the index stores only ids.
#![deny(missing_docs)]

mod analysis;
mod error;
mod facets;
mod facts;
mod follow;
mod groups;
mod index;
mod lenient;
mod phrases;
mod query;
mod report_text;
mod schema;
mod synonyms;
mod syntax;

pub use error::SearchError;
pub use facets::{FacetCount, FacetCounts, FacetField};
pub use facts::{ArticleKind, ReportHas, grade_slug};
pub use follow::{FollowedSearch, UnfollowableSearch, check_follow};
pub use index::{CatchUp, OpenMode, SearchIndex};
pub use query::{
    MAX_PAGE_SIZE, PAGE_BREAK, SearchHit, SearchRequest, SearchResults, SortOrder, recency_boost,
};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, TimeZone, Utc};
    use csfeed_core::{Article, ArticleId, Source, SourceId, SourceKind};
    use csfeed_store::Store;
    use url::Url;

    use super::*;

    fn day(n: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 1, 1, 9, 0, 0).unwrap() + chrono::Duration::days(n)
    }

    fn article(source: &str, guid: &str, title: &str, body: &str, published: DateTime<Utc>) -> Article {
        let source = SourceId::parse(source).unwrap();
        Article {
            id: ArticleId::derive(&source, guid),
            source,
            guid: guid.into(),
            url: Some(Url::parse(&format!("https://news.example/{guid}")).unwrap()),
            title: title.into(),
            published: Some(published),
            updated: None,
            authors: vec![],
            summary: body.chars().take(60).collect(),
            content_html: format!("<p>{body}</p>"),
            content_text: body.into(),
            local_authorities: vec![],
            topics: vec![],
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        index_dir: std::path::PathBuf,
        store: Store,
        index: SearchIndex,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
        let sources: Vec<Source> = ["news", "ofsted"]
            .iter()
            .map(|id| Source {
                id: SourceId::parse(id).unwrap(),
                name: id.to_uppercase(),
                url: Url::parse("https://news.example/feed").unwrap(),
                kind: SourceKind::Feed,
                interval: Duration::from_secs(60),
                enabled: true,
                options: Default::default(),
            })
            .collect();
        store.sync_sources(&sources).unwrap();
        store
            .upsert_articles(
                &[
                    article("news", "sth", "Focused visit to St Helens children's services", "Inspectors visited St Helens and found children in need were well supported.", day(10)),
                    article("news", "kin", "Kinship carers need more support", "Kinship carers say financial support is patchy across councils.", day(20)),
                    article("ofsted", "inad", "Council judged inadequate", "Ofsted judged the council's children's services inadequate after inspectors found children left at risk.", day(30)),
                    article("ofsted", "foster", "Fostering statistics published", "Fostering households fell again; inspectors noted recruitment problems.", day(40)),
                ],
                day(50),
            )
            .unwrap();
        let index_dir = dir.path().join("index");
        let index = SearchIndex::open(&index_dir, OpenMode::ReadWrite).unwrap();
        index.catch_up(&store).unwrap();
        Fixture {
            _dir: dir,
            index_dir,
            store,
            index,
        }
    }

    fn search(fixture: &Fixture, request: SearchRequest) -> std::sync::Arc<SearchResults> {
        fixture.index.search(&fixture.store, &request).unwrap()
    }

    fn titles(results: &SearchResults) -> Vec<String> {
        results
            .hits
            .iter()
            .map(|hit| hit.record.article.title.clone())
            .collect()
    }

    fn query(text: &str) -> SearchRequest {
        SearchRequest {
            query: text.into(),
            limit: 10,
            ..SearchRequest::default()
        }
    }

    #[test]
    fn words_are_stemmed_required_and_highlighted() {
        let fixture = fixture();
        let results = search(&fixture, query("St Helens visits"));
        assert_eq!(
            titles(&results),
            vec!["Focused visit to St Helens children's services"]
        );
        let hit = &results.hits[0];
        assert!(
            hit.title_html.contains("<mark>Helens</mark>"),
            "{}",
            hit.title_html
        );
        assert!(
            hit.snippet_html.contains("<mark>visited</mark>"),
            "{}",
            hit.snippet_html
        );
        assert_eq!(search(&fixture, query("\"kinship carers\"")).total, 1);
        assert_eq!(search(&fixture, query("inspectors -fostering")).total, 2);
        assert_eq!(search(&fixture, query("kinship OR fostering")).total, 2);
        assert_eq!(search(&fixture, query("title:inadequate")).total, 1);
    }

    #[test]
    fn highlighted_headlines_keep_their_first_and_last_characters() {
        let fixture = fixture();
        let headlines = [
            ("improved", "St Helens improved to good (was inadequate)"),
            ("quoted", "‘Urgent action’ on kinship allowances"),
        ];
        let articles: Vec<Article> = headlines
            .iter()
            .map(|(guid, title)| article("news", guid, title, title, day(60)))
            .collect();
        fixture.store.upsert_articles(&articles, day(61)).unwrap();
        fixture.index.catch_up(&fixture.store).unwrap();
        let improved = search(&fixture, query("improved inadequate"));
        assert_eq!(
            improved.hits[0].title_html,
            "St Helens <mark>improved</mark> to good (was <mark>inadequate</mark>)"
        );
        assert_eq!(
            improved.hits[0].snippet_html,
            "St Helens <mark>improved</mark> to good (was <mark>inadequate</mark>)",
            "passages keep their brackets too"
        );
        let urgent = search(&fixture, query("urgent kinship"));
        assert_eq!(
            urgent.hits[0].title_html,
            "‘<mark>Urgent</mark> action’ on <mark>kinship</mark> allowances"
        );
        let passage = search(&fixture, query("urgent action"));
        assert_eq!(
            passage.hits[0].snippet_html,
            "‘<mark>Urgent</mark> <mark>action</mark>’ on kinship allowances"
        );
    }

    #[test]
    fn headline_matches_rank_above_body_matches() {
        let fixture = fixture();
        let results = search(&fixture, query("inspectors inadequate"));
        assert_eq!(titles(&results)[0], "Council judged inadequate");
        let results = search(&fixture, query("fostering"));
        assert_eq!(titles(&results)[0], "Fostering statistics published");
    }

    #[test]
    fn filters_by_source_and_date_and_sorts_by_date() {
        let fixture = fixture();
        let by_source = search(
            &fixture,
            SearchRequest {
                source: Some(SourceId::parse("ofsted").unwrap()),
                ..query("")
            },
        );
        assert_eq!(
            titles(&by_source),
            vec!["Fostering statistics published", "Council judged inadequate"]
        );
        let by_date = search(
            &fixture,
            SearchRequest {
                from: Some(day(15)),
                to: Some(day(35)),
                ..query("")
            },
        );
        assert_eq!(
            titles(&by_date),
            vec!["Council judged inadequate", "Kinship carers need more support"]
        );
        let newest = search(
            &fixture,
            SearchRequest {
                sort: SortOrder::Newest,
                ..query("inspectors")
            },
        );
        assert_eq!(titles(&newest)[0], "Fostering statistics published");
        let second_page = search(
            &fixture,
            SearchRequest {
                offset: 3,
                ..query("")
            },
        );
        assert_eq!(second_page.total, 4);
        assert_eq!(
            titles(&second_page),
            vec!["Focused visit to St Helens children's services"]
        );
    }

    #[test]
    fn hostile_queries_never_fail() {
        let fixture = fixture();
        for raw in [
            "title:(((",
            "\"unclosed",
            "foo:bar kinship",
            "AND OR NOT",
            "*",
            "-",
            "((a) OR",
            "date:[x TO",
            "\u{0}\u{ffff}",
            "a\"b\"c:d",
            &"(".repeat(500),
            &"NOT ".repeat(300),
            &"a OR ".repeat(300),
            &"-".repeat(300),
            &"+(-".repeat(200),
            &"\"".repeat(301),
            &"title:".repeat(200),
            &"x^".repeat(200),
            // Found by the property test: "any value" of a field that does not exist.
            "\"\" \":\"a:*(",
            "inspector:*\"",
        ] {
            let results = search(&fixture, query(raw));
            assert!(results.total <= 4, "{raw:?}");
            assert_no_plumbing(raw, &results);
        }
        assert_eq!(search(&fixture, query("((((((((kinship))))))))")).total, 1);
        let results = search(&fixture, query("support:carers kinship"));
        assert_eq!(results.total, 1, "an unknown field's words are searched as words");
        assert!(
            results
                .warnings
                .iter()
                .any(|w| w.contains("\"support:\" is not a search field")),
            "{:?}",
            results.warnings
        );
    }

    /// Text of the query parser's own messages, which must never reach a person.
    const PARSER_PLUMBING: &[&str] = &[
        "Syntax Error",
        "position",
        "Field does not exist",
        "Range query",
        "Unsupported query",
        "Invalid query",
        "Expected",
        "tokenizer",
        "not declared",
        "QueryParserError",
    ];

    fn assert_no_plumbing(query: &str, results: &SearchResults) {
        for warning in &results.warnings {
            for plumbing in PARSER_PLUMBING {
                assert!(
                    !warning.contains(plumbing),
                    "{query:?} gave the parser's message {warning:?}"
                );
            }
        }
    }

    #[test]
    fn slips_and_pasted_headlines_search_the_words_with_a_human_note() {
        let fixture = fixture();
        for (raw, found, note) in [
            (
                "Focused visit: St Helens children's services",
                1,
                "Searched the words: Focused visit St Helens children’s services (\"visit:\" is not a search field)",
            ),
            (
                "\"St Helens children",
                1,
                "Searched the words: St Helens children (the quote was not closed)",
            ),
            (
                "(kinship carers",
                1,
                "Searched the words: kinship carers (a bracket was not closed)",
            ),
            ("kinship carers)", 1, "a bracket was closed that was not opened"),
            (
                "[kinship TO carers]",
                1,
                "ranges such as [a TO b] are not supported",
            ),
            ("services: Helens", 1, "\"services:\" is not a search field"),
        ] {
            let results = search(&fixture, query(raw));
            assert_no_plumbing(raw, &results);
            assert_eq!(results.total, found, "{raw}: {:?}", results.warnings);
            assert!(
                results.warnings.iter().any(|warning| warning.contains(note)),
                "{raw}: {:?}",
                results.warnings
            );
        }
        let only_excluded = search(&fixture, query("-fostering"));
        assert_eq!(only_excluded.total, 3, "everything but the excluded word");
        assert!(only_excluded.warnings.is_empty(), "{:?}", only_excluded.warnings);
        let plain = search(
            &fixture,
            query("title:(kinship OR fostering) \"children in need\""),
        );
        assert!(plain.warnings.is_empty(), "{:?}", plain.warnings);
    }

    #[test]
    fn council_names_are_found_however_they_are_written() {
        let fixture = fixture();
        let spellings = [
            ("apostrophe", "Ofsted praises St Helen's social workers"),
            ("curly", "St Helen’s care leavers offer improves"),
            ("stop", "St. Helens foster carers recruited"),
            ("plain", "St Helens opens a family hub"),
            ("brighton-and", "Brighton and Hove adoption figures"),
            ("brighton-amp", "Brighton & Hove adoption figures"),
        ];
        let articles: Vec<Article> = spellings
            .iter()
            .map(|(guid, title)| {
                let mut story = article("news", guid, title, title, day(60));
                if guid.contains("brighton") {
                    story.local_authorities = vec!["E06000043".into()];
                } else {
                    story.local_authorities = vec!["E08000013".into()];
                }
                story
            })
            .collect();
        fixture.store.upsert_articles(&articles, day(61)).unwrap();
        fixture.index.catch_up(&fixture.store).unwrap();
        // Four new stories and the fixture's "Focused visit to St Helens children's services".
        for written in ["St Helens", "St Helen's", "St Helen’s", "St. Helens", "st helens"] {
            let results = search(&fixture, query(written));
            assert_eq!(results.total, 5, "{written}: {:?}", titles(&results));
            assert!(results.warnings.is_empty(), "{written}: {:?}", results.warnings);
        }
        for written in ["\"St Helen's\"", "\"St. Helens\""] {
            assert_eq!(search(&fixture, query(written)).total, 5, "{written}");
        }
        for written in [
            "Brighton & Hove",
            "Brighton and Hove",
            "\"Brighton & Hove\"",
            "\"brighton and hove\"",
        ] {
            assert_eq!(search(&fixture, query(written)).total, 2, "{written}");
        }
        for written in [
            "la:\"St Helen's\"",
            "la:\"St Helen’s\"",
            "la:\"St. Helens\"",
            "la:St.Helens",
        ] {
            let results = search(&fixture, query(written));
            assert_eq!(results.total, 4, "{written}: {:?}", results.warnings);
        }
        for written in ["la:\"Brighton & Hove\"", "la:\"brighton and hove\""] {
            let results = search(&fixture, query(written));
            assert_eq!(results.total, 2, "{written}: {:?}", results.warnings);
        }
        let marked = search(&fixture, query("St Helens Ofsted praises"));
        assert_eq!(
            marked.hits[0].title_html,
            "<mark>Ofsted</mark> <mark>praises</mark> <mark>St</mark> <mark>Helen's</mark> social workers",
            "the word is marked whole, apostrophe and all"
        );
    }

    #[test]
    fn updates_replace_documents_and_the_watermark_survives_reopening() {
        let fixture = fixture();
        let watermark = fixture.index.watermark().unwrap();
        assert_eq!(watermark, fixture.store.last_change_seq().unwrap());
        let mut changed = article(
            "news",
            "kin",
            "Kinship carers win new allowance",
            "A new allowance for kinship carers.",
            day(20),
        );
        changed.summary = "allowance".into();
        fixture.store.upsert_articles(&[changed], day(60)).unwrap();
        assert_eq!(fixture.index.catch_up(&fixture.store).unwrap().indexed, 1);
        assert_eq!(
            fixture.index.num_docs(),
            4,
            "an update replaces, never duplicates"
        );
        assert_eq!(
            titles(&search(&fixture, query("allowance"))),
            vec!["Kinship carers win new allowance"]
        );
        assert_eq!(search(&fixture, query("patchy")).total, 0, "the old text is gone");
        assert_eq!(fixture.index.catch_up(&fixture.store).unwrap().indexed, 0);

        let Fixture {
            index,
            store,
            index_dir,
            _dir,
        } = fixture;
        drop(index);
        let reopened = SearchIndex::open(&index_dir, OpenMode::ReadWrite).unwrap();
        assert_eq!(reopened.watermark().unwrap(), store.last_change_seq().unwrap());
        assert_eq!(reopened.catch_up(&store).unwrap().indexed, 0);
        assert_eq!(reopened.rebuild(&store).unwrap().indexed, 4);
        assert_eq!(reopened.num_docs(), 4);
    }

    #[test]
    fn a_catch_up_over_several_batches_indexes_every_article_once() {
        let fixture = fixture();
        let many = crate::index::CATCH_UP_BATCH * 2 + 7;
        let articles: Vec<Article> = (0..many)
            .map(|k| {
                article(
                    "ofsted",
                    &format!("report-{k}"),
                    &format!("Report {k}"),
                    "Inspectors visited.",
                    day(5),
                )
            })
            .collect();
        fixture.store.upsert_articles(&articles, day(60)).unwrap();
        let caught_up = fixture.index.catch_up(&fixture.store).unwrap();
        assert_eq!(caught_up.indexed, many);
        assert_eq!(caught_up.watermark, fixture.store.last_change_seq().unwrap());
        assert_eq!(fixture.index.num_docs(), 4 + many as u64);
        assert_eq!(fixture.index.catch_up(&fixture.store).unwrap().indexed, 0);
    }

    /// A fixture with Ofsted reports and an alert among the news, tagged with councils.
    fn ofsted_fixture() -> Fixture {
        let fixture = fixture();
        let report = |url: &str, kind: &str, grade: Option<csfeed_core::Grade>, inspector: &str| {
            csfeed_core::InspectionRecord {
                report_url: url.into(),
                urn: "80001".into(),
                gss_code: Some("E08000013".into()),
                kind: kind.into(),
                visit_start: None,
                visit_end: None,
                published: None,
                lead_inspector: Some(inspector.into()),
                inspectors: vec![inspector.into(), "Ann Other".into()],
                judgements: grade
                    .map(|grade| {
                        [("overall_effectiveness".to_owned(), grade)]
                            .into_iter()
                            .collect()
                    })
                    .unwrap_or_default(),
                headline: None,
                priority_actions: Vec::new(),
                improvements: Vec::new(),
                origin: "report".into(),
            }
        };
        let visit_report = csfeed_core::InspectionRecord {
            improvements: vec!["Oversight of pathway plans.".into()],
            ..report("https://news.example/fv", "focused_visit", None, "Jane Smith")
        };
        let full_report = csfeed_core::InspectionRecord {
            priority_actions: vec!["The application of thresholds for child protection.".into()],
            improvements: vec!["The quality of supervision.".into()],
            ..report(
                "https://news.example/ilacs",
                "ilacs_standard",
                Some(csfeed_core::Grade::Inadequate),
                "Paul Jones",
            )
        };
        fixture
            .store
            .upsert_inspections(&[visit_report, full_report])
            .unwrap();
        let mut visit = article(
            "ofsted",
            "https://news.example/fv",
            "Focused visit to St Helens",
            "Inspectors looked at care leavers in St Helens.",
            day(45),
        );
        visit.local_authorities = vec!["E08000013".into()];
        visit.topics = vec!["care-leavers".into()];
        let mut inspection = article(
            "ofsted",
            "https://news.example/ilacs",
            "Inspection of Dorset children's services",
            "Services for children in care were inadequate.",
            day(46),
        );
        inspection.local_authorities = vec!["E06000059".into()];
        inspection.topics = vec!["children-in-care".into()];
        let alert = article(
            "ofsted",
            "alert:https://news.example/ilacs",
            "Dorset now judged inadequate",
            "The overall effectiveness is now inadequate.",
            day(47),
        );
        let mut cla = article(
            "news",
            "cla",
            "CLA numbers rise again",
            "The number of CLA rose in Knowsley.",
            day(48),
        );
        cla.local_authorities = vec!["E08000011".into()];
        fixture
            .store
            .upsert_articles(&[visit, inspection, alert, cla], day(50))
            .unwrap();
        fixture.index.catch_up(&fixture.store).unwrap();
        fixture
    }

    #[test]
    fn kind_grade_inspector_and_year_operators() {
        let fixture = ofsted_fixture();
        assert_eq!(
            titles(&search(&fixture, query("kind:focused-visit"))),
            ["Focused visit to St Helens"]
        );
        assert_eq!(search(&fixture, query("kind:inspection,fv")).total, 2);
        assert_eq!(search(&fixture, query("kind:alert")).total, 1);
        assert_eq!(search(&fixture, query("kind:news")).total, 5);
        let inadequate = search(&fixture, query("grade:inadequate"));
        assert_eq!(inadequate.total, 2, "the report and its alert");
        let mut kinds: Vec<(ArticleKind, Option<csfeed_core::Grade>)> =
            inadequate.hits.iter().map(|hit| (hit.kind, hit.grade)).collect();
        kinds.sort_by_key(|(kind, _)| kind.slug());
        assert_eq!(
            kinds,
            [
                (ArticleKind::Alert, Some(csfeed_core::Grade::Inadequate)),
                (ArticleKind::Inspection, Some(csfeed_core::Grade::Inadequate)),
            ],
            "each hit says what it is and its grade"
        );
        let news = search(&fixture, query("kind:news"));
        assert!(
            news.hits
                .iter()
                .all(|hit| hit.kind == ArticleKind::News && hit.grade.is_none())
        );
        assert_eq!(
            titles(&search(&fixture, query("inspector:smith"))),
            ["Focused visit to St Helens"]
        );
        assert_eq!(search(&fixture, query("inspector:\"ann other\"")).total, 2);
        assert_eq!(search(&fixture, query("year:2024")).total, 8);
        assert_eq!(search(&fixture, query("year:2023")).total, 0);
        assert_eq!(search(&fixture, query("region:south-west")).total, 1);
        assert_eq!(search(&fixture, query("region:north-west")).total, 2);
        assert_eq!(search(&fixture, query("source:ofsted kind:news")).total, 2);
    }

    #[test]
    fn has_priority_actions_and_findings_find_reports_by_what_they_found() {
        let fixture = ofsted_fixture();
        assert_eq!(
            titles(&search(&fixture, query("has:priority-actions"))),
            ["Inspection of Dorset children's services"],
            "the report, not its alert"
        );
        assert_eq!(search(&fixture, query("has:improvements")).total, 2);
        assert_eq!(
            titles(&search(
                &fixture,
                query("has:\"priority actions\" findings:threshold")
            )),
            ["Inspection of Dorset children's services"],
            "findings are a field of their own, stemmed"
        );
        assert_eq!(search(&fixture, query("findings:supervision kind:fv")).total, 0);
        assert_eq!(
            titles(&search(&fixture, query("findings:\"pathway plans\""))),
            ["Focused visit to St Helens"]
        );
        let unknown = search(&fixture, query("has:cake"));
        assert!(
            unknown
                .warnings
                .iter()
                .any(|warning| warning.contains("has:priority-actions")),
            "{:?}",
            unknown.warnings
        );
    }

    #[test]
    fn synonyms_find_every_name_for_the_same_thing() {
        let fixture = ofsted_fixture();
        let results = search(&fixture, query("looked after children"));
        let found = titles(&results);
        assert!(found.contains(&"CLA numbers rise again".to_owned()), "{found:?}");
        assert!(
            found.contains(&"Inspection of Dorset children's services".to_owned()),
            "{found:?}"
        );
        assert_eq!(
            results.synonyms,
            vec![("looked after children".to_owned(), "Children in care".to_owned())]
        );
        let snippet_of = |results: &SearchResults, title: &str| {
            let hit = results.hits.iter().find(|hit| hit.record.article.title == title);
            hit.map(|hit| hit.snippet_html.clone()).unwrap_or_default()
        };
        assert_eq!(
            snippet_of(&results, "Inspection of Dorset children's services"),
            "Services for <mark>children in care</mark> were inadequate",
            "the name the story uses is marked whole, not just the word it shares"
        );
        let results = search(&fixture, query("care experienced"));
        assert_eq!(
            snippet_of(&results, "Focused visit to St Helens"),
            "Inspectors looked at <mark>care leavers</mark> in St Helens",
            "a shared word inside the story's name for it: the name is marked whole"
        );
        let results = search(&fixture, query("staying put"));
        assert_eq!(
            snippet_of(&results, "Focused visit to St Helens"),
            "Inspectors looked at <mark>care leavers</mark> in St Helens.",
            "found through the topic tag alone: the name the story uses is marked"
        );
        assert_eq!(
            search(&fixture, query("\"looked after children\"")).total,
            0,
            "quotes mean exactly"
        );
    }

    #[test]
    fn facet_counts_equal_the_counts_of_the_filtered_searches() {
        let fixture = ofsted_fixture();
        for text in ["", "inspectors", "children OR carers"] {
            let results = search(
                &fixture,
                SearchRequest {
                    facets: true,
                    ..query(text)
                },
            );
            assert_eq!(results.facets.len(), FacetField::ALL.len());
            for counts in &results.facets {
                assert!(
                    !counts.values.is_empty() || counts.field == FacetField::Grade,
                    "{counts:?}"
                );
                for value in &counts.values {
                    let refined = format!("{text} {}:{}", counts.field.operator(), value.value);
                    assert_eq!(
                        search(&fixture, query(&refined)).total as u64,
                        value.count,
                        "{refined}"
                    );
                }
            }
        }
        let results = search(
            &fixture,
            SearchRequest {
                facets: true,
                ..query("")
            },
        );
        let kinds = &results
            .facets
            .iter()
            .find(|f| f.field == FacetField::Kind)
            .unwrap()
            .values;
        assert_eq!(
            kinds[0],
            FacetCount {
                value: "news".into(),
                count: 5
            }
        );
    }

    #[test]
    fn did_you_mean_respells_a_query_that_finds_nothing() {
        let fixture = fixture();
        let results = search(&fixture, query("kinshp carers source:news"));
        assert_eq!(results.total, 0);
        assert_eq!(
            results.did_you_mean.as_deref(),
            Some("kinship carers source:news")
        );
        assert_eq!(search(&fixture, query("inspectors")).did_you_mean, None);
        assert_eq!(search(&fixture, query("zzzzqqq")).did_you_mean, None);
    }

    #[test]
    fn more_like_this_finds_related_stories_but_not_itself() {
        let fixture = ofsted_fixture();
        let id = fixture
            .store
            .article_id_by_guid("https://news.example/ilacs")
            .unwrap()
            .unwrap();
        let similar = fixture.index.more_like_this(&fixture.store, &id, 5).unwrap();
        assert!(!similar.is_empty());
        assert!(similar.iter().all(|record| record.article.id != id));
        assert!(
            similar
                .iter()
                .any(|record| record.article.title == "Dorset now judged inadequate"),
            "{:?}",
            similar
                .iter()
                .map(|record| &record.article.title)
                .collect::<Vec<_>>()
        );
    }

    /// The fixture plus two outlets' reports of one St Helens letter (one story group).
    fn grouped_fixture() -> (Fixture, ArticleId, ArticleId) {
        let fixture = fixture();
        let letter = "Ofsted inspectors found St Helens gives a consistent and effective service to children in need and those on protection plans, in a focused visit letter.";
        let mut first = article(
            "news",
            "sth-letter",
            "Ofsted letter praises St Helens",
            letter,
            day(60),
        );
        first.local_authorities = vec!["E08000013".into()];
        let mut second = article(
            "ofsted",
            "sth-letter-2",
            "St Helens keeps up strong practice, Ofsted letter says",
            letter,
            day(61),
        );
        second.local_authorities = vec!["E08000013".into()];
        fixture
            .store
            .upsert_articles(std::slice::from_ref(&first), day(60))
            .unwrap();
        fixture.index.catch_up(&fixture.store).unwrap();
        fixture
            .store
            .upsert_articles(std::slice::from_ref(&second), day(61))
            .unwrap();
        fixture.index.catch_up(&fixture.store).unwrap();
        (fixture, first.id, second.id)
    }

    #[test]
    fn reports_of_one_story_are_listed_and_counted_once() {
        let (fixture, _, second) = grouped_fixture();
        for sort in [SortOrder::Relevance, SortOrder::Newest] {
            let results = search(
                &fixture,
                SearchRequest {
                    sort,
                    ..query("St Helens letter")
                },
            );
            assert_eq!(results.total, 1, "{sort:?}: one story");
            assert_eq!(results.hits.len(), 1, "{sort:?}");
            let hit = &results.hits[0];
            assert_eq!(
                hit.record.also_reported_by.len(),
                1,
                "the other outlet rides along"
            );
        }
        let everything = search(
            &fixture,
            SearchRequest {
                sort: SortOrder::Newest,
                ..query("")
            },
        );
        assert_eq!(everything.total, 5, "four stories and the letter, once");
        assert_eq!(
            everything.hits[0].record.article.id, second,
            "the newest report stands for the story"
        );
        // Pages fold the same way: page two does not repeat the story page one showed.
        let pages: Vec<ArticleId> = (0..5)
            .flat_map(|offset| {
                search(
                    &fixture,
                    SearchRequest {
                        offset,
                        limit: 1,
                        sort: SortOrder::Newest,
                        ..query("")
                    },
                )
                .hits
                .iter()
                .map(|hit| hit.record.article.id.clone())
                .collect::<Vec<_>>()
            })
            .collect();
        let ids: Vec<ArticleId> = everything
            .hits
            .iter()
            .map(|hit| hit.record.article.id.clone())
            .collect();
        assert_eq!(pages, ids);
        // Facet counts count stories too, as the searches they refine to do.
        let faceted = search(
            &fixture,
            SearchRequest {
                facets: true,
                ..query("St Helens")
            },
        );
        for counts in &faceted.facets {
            for value in &counts.values {
                let refined = format!("St Helens {}:{}", counts.field.operator(), value.value);
                assert_eq!(
                    search(&fixture, query(&refined)).total as u64,
                    value.count,
                    "{refined}"
                );
            }
        }
        let councils = faceted
            .facets
            .iter()
            .find(|f| f.field == FacetField::LocalAuthority)
            .unwrap();
        assert_eq!(councils.values[0].count, 1, "the letter, once: {councils:?}");
        // A rebuild from the store folds the same way.
        fixture.index.rebuild(&fixture.store).unwrap();
        assert_eq!(search(&fixture, query("St Helens letter")).total, 1);
    }

    #[test]
    fn undated_articles_sort_last_and_fresh_windows_leave_out_history() {
        let fixture = fixture();
        let mut explainer = article(
            "news",
            "plo",
            "Explainer: what the Public Law Outline means",
            "The PLO explained.",
            day(0),
        );
        explainer.published = None;
        fixture.store.upsert_articles(&[explainer], day(70)).unwrap();
        fixture.index.catch_up(&fixture.store).unwrap();
        let newest = search(
            &fixture,
            SearchRequest {
                sort: SortOrder::Newest,
                ..query("")
            },
        );
        assert_eq!(
            titles(&newest).last().map(String::as_str),
            Some("Explainer: what the Public Law Outline means"),
            "first seen last, but undated: after every dated story"
        );
        assert_eq!(
            search(&fixture, query("year:2024")).total,
            4,
            "no year is invented for it"
        );
        // A digest window: everything was first seen in it, but only the undated explainer
        // and what is dated since `fresh_from` is news.
        let window = SearchRequest {
            seen_from: Some(day(0)),
            seen_to: Some(day(80)),
            fresh_from: Some(day(25)),
            sort: SortOrder::Newest,
            ..query("")
        };
        assert_eq!(
            titles(&search(&fixture, window)),
            [
                "Fostering statistics published",
                "Council judged inadequate",
                "Explainer: what the Public Law Outline means"
            ]
        );
    }

    #[test]
    fn recency_boost_is_gentle_and_decays() {
        assert!((recency_boost(Some(0.0)) - 1.25).abs() < 1e-6);
        assert!((recency_boost(Some(180.0)) - 1.125).abs() < 1e-6);
        assert!(recency_boost(Some(-5.0)) <= 1.25);
        assert!(recency_boost(Some(3650.0)) < 1.001);
        assert_eq!(recency_boost(None), 1.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(300), ..Default::default() })]
        #[test]
        fn any_query_gives_results_or_warnings_never_an_error(
            raw in proptest::string::string_regex("[a-zA-Z \"'’()\\[\\]{}*:^~+!\\\\-]{0,60}|[a-z ]{0,10}(TO|OR|AND|NOT)[a-z :\\]\\[]{0,20}|[^\\x00]{0,40}").unwrap(),
            operator in proptest::sample::select(vec!["", "la:", "region:", "topic:", "kind:", "grade:", "year:", "after:", "before:", "title:", "source:", "inspector:"]),
        ) {
            let fixture = shared_fixture();
            let text = format!("{operator}{raw}");
            let results = fixture.index.search(&fixture.store, &SearchRequest { facets: true, ..query(&text) });
            proptest::prop_assert!(results.is_ok(), "{text:?}: {:?}", results.as_ref().err());
            if let Ok(results) = results {
                for warning in &results.warnings {
                    for plumbing in PARSER_PLUMBING {
                        proptest::prop_assert!(!warning.contains(plumbing), "{text:?} gave the parser's message {warning:?}");
                    }
                }
            }
        }
    }

    /// One fixture for all property-test cases (building one per case would dominate).
    fn shared_fixture() -> &'static Fixture {
        static SHARED: std::sync::OnceLock<Fixture> = std::sync::OnceLock::new();
        SHARED.get_or_init(ofsted_fixture)
    }

    #[test]
    fn a_second_writer_is_refused_but_readers_are_welcome() {
        let fixture = fixture();
        let error = SearchIndex::open(&fixture.index_dir, OpenMode::ReadWrite).unwrap_err();
        assert!(matches!(error, SearchError::Locked), "{error}");
        let reader = SearchIndex::open(&fixture.index_dir, OpenMode::ReadOnly).unwrap();
        assert_eq!(reader.search(&fixture.store, &query("kinship")).unwrap().total, 1);
        let missing = SearchIndex::open(&fixture.index_dir.join("nope"), OpenMode::ReadOnly).unwrap_err();
        assert!(missing.to_string().contains("csfeed reindex"), "{missing}");
    }
}
