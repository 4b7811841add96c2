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

mod error;
mod index;
mod query;
mod schema;
mod syntax;

pub use error::SearchError;
pub use index::{CatchUp, OpenMode, SearchIndex};
pub use query::{PAGE_BREAK, SearchHit, SearchRequest, SearchResults, SortOrder};

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

    fn search(fixture: &Fixture, request: SearchRequest) -> SearchResults {
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
        ] {
            let results = search(&fixture, query(raw));
            assert!(results.total <= 4, "{raw:?}");
        }
        assert_eq!(search(&fixture, query("((((((((kinship))))))))")).total, 1);
        let results = search(&fixture, query("foo:bar kinship"));
        assert_eq!(results.total, 1, "the understood part still searches");
        assert!(
            results.warnings.iter().any(|w| w.contains("foo")),
            "{:?}",
            results.warnings
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
