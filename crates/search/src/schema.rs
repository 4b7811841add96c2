//! The index schema: what is indexed for each article, and how.

use csfeed_store::ArticleRecord;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, TantivyDocument};

/// Bumped whenever the schema or analysis changes; an index of another version is rebuilt.
pub(crate) const SCHEMA_VERSION: u32 = 2;

/// Tantivy's built-in English analyzer: simple tokenizer, lower-casing, Porter stemming.
const ENGLISH: &str = "en_stem";

/// Handles to the fields of [`build_schema`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub source: Field,
    pub title: Field,
    pub summary: Field,
    pub body: Field,
    pub date: Field,
    /// GSS codes of the councils an article is about.
    pub local_authority: Field,
    /// Topic slugs.
    pub topic: Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let english = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        source: builder.add_text_field("source", STRING),
        title: builder.add_text_field("title", english.clone()),
        summary: builder.add_text_field("summary", english.clone()),
        body: builder.add_text_field("body", english),
        date: builder.add_date_field(
            "date",
            DateOptions::from(INDEXED)
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        local_authority: builder.add_text_field("la", STRING),
        topic: builder.add_text_field("topic", STRING),
    };
    (builder.build(), fields)
}

pub(crate) fn to_document(fields: &Fields, record: &ArticleRecord) -> TantivyDocument {
    let article = &record.article;
    let mut document = TantivyDocument::default();
    document.add_text(fields.id, article.id.as_str());
    document.add_text(fields.source, article.source.as_str());
    document.add_text(fields.title, &article.title);
    document.add_text(fields.summary, &article.summary);
    document.add_text(fields.body, &article.content_text);
    for gss in &article.local_authorities {
        document.add_text(fields.local_authority, gss);
    }
    for topic in &article.topics {
        document.add_text(fields.topic, topic);
    }
    document.add_date(
        fields.date,
        DateTime::from_timestamp_secs(record.display_date().timestamp()),
    );
    document
}
