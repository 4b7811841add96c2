//! Domain types shared by every csfeed crate.
//!
//! `csfeed-core` sits at the bottom of the pipeline (fetch → ingest → store → index → web):
//! it names the things that flow through it — a [`Source`] that is polled and the
//! [`Article`]s it yields — and how they are identified. It does no IO and runs no async
//! code, so every other crate can depend on it freely.
#![deny(missing_docs)]

mod article;
mod canonical;
pub mod gazetteer;
mod inspection;
pub mod similarity;
mod source;
mod tags;
mod text;
pub use text::escape_html;
pub mod reconcile;
pub mod topics;

pub use article::{Article, ArticleId};
pub use canonical::canonical_url;
pub use gazetteer::{CouncilAt, Gazetteer, LocalAuthority};
pub use inspection::{
    ALERT_PREFIX, Grade, HISTORY_ALERT_PREFIX, InspectionRecord, JUDGEMENTS, REFORMED_FRAMEWORK_FROM,
    alert_report_url, current_inspection, inspection_history, judgement_label,
};
pub use reconcile::{FactNote, merge_with_history, same_inspection, withhold_impossible};
pub use source::{
    HtmlSelectors, Source, SourceId, SourceIdError, SourceKind, SourceOptions, URN_PLACEHOLDER, display_url,
    url_for_urn,
};
pub use tags::{Tags, tag_article, tag_text};
pub use topics::{TOPICS, Topic, topic_mentions};
