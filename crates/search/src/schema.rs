//! The index schema: what is indexed for each article, and how.

use csfeed_store::ArticleRecord;
use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING,
    Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

use crate::analysis::{ENGLISH, PLAIN};
use crate::facts::ArticleFacts;

/// Bumped whenever the schema or analysis changes; an index of another version is rebuilt.
pub(crate) const SCHEMA_VERSION: u32 = 7;

/// Handles to the fields of [`build_schema`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub source: Field,
    pub title: Field,
    pub summary: Field,
    pub body: Field,
    /// The date newest-first order uses ([`ArticleRecord::sort_date`]: undated articles
    /// sort below dated ones).
    pub date: Field,
    /// `1` on articles the source gave no date (matched by first-seen time instead).
    pub undated: Field,
    /// The story group (see `groups`): 0 when alone.
    pub group: Field,
    /// When csfeed first saw the article (what "new since the last digest" means).
    pub seen: Field,
    /// GSS codes of the councils an article is about.
    pub local_authority: Field,
    /// Region slugs of those councils.
    pub region: Field,
    /// Topic slugs.
    pub topic: Field,
    /// What the article is: `news`, `inspection`, `focused-visit`, `alert`… (see `facts`).
    pub kind: Field,
    /// The overall grade of the report an article is or announces (`inadequate`…).
    pub grade: Field,
    /// Inspectors named in a report.
    pub inspector: Field,
    /// A report's findings: its areas for priority action and what needs to improve
    /// (`findings:thresholds`).
    pub findings: Field,
    /// What a report has (`priority-actions`, `improvements`), for `has:`.
    pub has: Field,
    /// The year of the article's date ("2025"), for the year facet.
    pub year: Field,
    /// Headline and teaser words, unstemmed: the vocabulary for "did you mean".
    pub words: Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let english = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let plain_with_positions = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PLAIN)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let vocabulary = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(PLAIN)
            .set_index_option(IndexRecordOption::Basic),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        source: builder.add_text_field("source", STRING | FAST),
        title: builder.add_text_field("title", english.clone()),
        summary: builder.add_text_field("summary", english.clone()),
        body: builder.add_text_field("body", english.clone()),
        findings: builder.add_text_field("findings", english),
        has: builder.add_text_field("has", STRING),
        date: builder.add_date_field(
            "date",
            DateOptions::from(INDEXED)
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        undated: builder.add_text_field("undated", STRING),
        group: builder.add_u64_field(crate::groups::GROUP_FIELD, NumericOptions::default().set_fast()),
        seen: builder.add_date_field(
            "seen",
            DateOptions::from(INDEXED)
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        local_authority: builder.add_text_field("la", STRING | FAST),
        region: builder.add_text_field("region", STRING | FAST),
        topic: builder.add_text_field("topic", STRING | FAST),
        kind: builder.add_text_field("kind", STRING | FAST),
        grade: builder.add_text_field("grade", STRING | FAST),
        inspector: builder.add_text_field("inspector", plain_with_positions),
        year: builder.add_text_field("year", STRING | FAST),
        words: builder.add_text_field("words", vocabulary),
    };
    (builder.build(), fields)
}

pub(crate) fn to_document(fields: &Fields, record: &ArticleRecord, facts: &ArticleFacts) -> TantivyDocument {
    let article = &record.article;
    let mut document = TantivyDocument::default();
    document.add_text(fields.id, article.id.as_str());
    document.add_text(fields.source, article.source.as_str());
    document.add_text(fields.title, &article.title);
    document.add_text(fields.summary, &article.summary);
    document.add_text(fields.body, &article.content_text);
    document.add_text(fields.words, &article.title);
    document.add_text(fields.words, &article.summary);
    for gss in &article.local_authorities {
        document.add_text(fields.local_authority, gss);
    }
    for region in &facts.regions {
        document.add_text(fields.region, region);
    }
    for topic in &article.topics {
        document.add_text(fields.topic, topic);
    }
    document.add_text(fields.kind, facts.kind.slug());
    if let Some(grade) = facts.grade {
        document.add_text(fields.grade, crate::facts::grade_slug(grade));
    }
    for inspector in &facts.inspectors {
        document.add_text(fields.inspector, inspector);
    }
    for finding in &facts.findings {
        document.add_text(fields.findings, finding);
    }
    for flag in &facts.has {
        document.add_text(fields.has, flag.slug());
    }
    if record.is_dated() {
        let year = chrono::Datelike::year(&record.display_date());
        document.add_text(fields.year, year.to_string());
    } else {
        document.add_text(fields.undated, "1");
    }
    document.add_date(fields.date, index_date(record.sort_date()));
    document.add_u64(fields.group, crate::groups::group_number(record));
    document.add_date(fields.seen, index_date(record.first_seen_at));
    document
}

/// `date` as Tantivy stores it: nanoseconds in an i64, so dates outside 1678–2262 are held
/// at the nearest end of that range instead of overflowing.
pub(crate) fn index_date(date: chrono::DateTime<chrono::Utc>) -> DateTime {
    const LIMIT_SECONDS: i64 = i64::MAX / 1_000_000_000;
    DateTime::from_timestamp_secs(date.timestamp().clamp(-LIMIT_SECONDS, LIMIT_SECONDS))
}
