//! PostgreSQL: articles.

use chrono::{DateTime, Utc};
use csfeed_core::{Article, ArticleId, SourceId};

use super::Postgres;
use crate::StoreError;
use crate::articles::{ArticleOps, ArticleRecord, UpsertCounts};

impl ArticleOps for Postgres {
    fn upsert_articles(
        &self,
        _articles: &[Article],
        _seen_at: DateTime<Utc>,
    ) -> Result<UpsertCounts, StoreError> {
        Err(StoreError::NotOnPostgresYet("upsert_articles"))
    }

    fn article(&self, _id: &ArticleId) -> Result<Option<ArticleRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("article"))
    }

    fn articles_by_ids(&self, _ids: &[ArticleId]) -> Result<Vec<ArticleRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("articles_by_ids"))
    }

    fn latest_articles(
        &self,
        _source: Option<&SourceId>,
        _limit: usize,
        _offset: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("latest_articles"))
    }

    fn article_id_by_guid(&self, _guid: &str) -> Result<Option<ArticleId>, StoreError> {
        Err(StoreError::NotOnPostgresYet("article_id_by_guid"))
    }

    fn grade_change_alerts(&self, _limit: usize) -> Result<Vec<ArticleRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("grade_change_alerts"))
    }

    fn articles_changed_after(
        &self,
        _after_seq: i64,
        _limit: usize,
    ) -> Result<Vec<ArticleRecord>, StoreError> {
        Err(StoreError::NotOnPostgresYet("articles_changed_after"))
    }

    fn last_change_seq(&self) -> Result<i64, StoreError> {
        self.workers.run(|client| {
            let row = client.query_one("SELECT COALESCE(MAX(change_seq), 0)::BIGINT FROM articles", &[])?;
            Ok(row.try_get(0)?)
        })
    }

    fn article_count(&self) -> Result<u64, StoreError> {
        self.workers.run(|client| {
            let count: i64 = client
                .query_one("SELECT COUNT(*) FROM articles", &[])?
                .try_get(0)?;
            Ok(count.max(0) as u64)
        })
    }
}
