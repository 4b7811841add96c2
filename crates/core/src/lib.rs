//! Domain types shared by every csfeed crate.
//!
//! `csfeed-core` sits at the bottom of the pipeline (fetch → ingest → store → index → web):
//! it names the things that flow through it — a [`Source`] that is polled and the
//! [`Article`]s it yields — and how they are identified. It does no IO and runs no async
//! code, so every other crate can depend on it freely.
#![deny(missing_docs)]

mod article;
mod source;

pub use article::{Article, ArticleId};
pub use source::{Source, SourceId, SourceIdError, SourceKind};
