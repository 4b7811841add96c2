//! Why a document could not be read as a feed.

/// A document that is not a usable feed. `Display` is one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// Nothing but whitespace.
    #[error("the document is empty")]
    Empty,
    /// An HTML page where a feed was expected.
    #[error("this is an HTML page, not a feed{}", suggestion(.feed_link.as_deref()))]
    HtmlPage {
        /// The feed the page advertises with `<link rel="alternate">`, if any.
        feed_link: Option<String>,
    },
    /// A configured CSS selector does not parse.
    #[error("invalid CSS {0}")]
    BadSelector(String),
    /// A listing page where the item selector found nothing.
    #[error(
        "no stories found on the listing page: check the source's item selector (the site may have changed its layout)"
    )]
    NoItems,
    /// A feed whose items all lack anything to show or identify them by.
    #[error(
        "the {format} feed has {items} items but none could be read (each needs a link, id, title or text; an RSS 0.90/1.0 item needs a <link> or rdf:about)"
    )]
    NoReadableItems {
        /// How many items the document has.
        items: usize,
        /// The format it declares.
        format: String,
    },
    /// Bytes the feed parser could not make sense of.
    #[error("not a valid RSS, Atom or JSON feed: {0}")]
    NotAFeed(String),
}

fn suggestion(feed_link: Option<&str>) -> String {
    match feed_link {
        Some(link) => format!("; it advertises a feed at {link} (use that URL instead)"),
        None => "; point the source at the site's RSS or Atom feed".to_owned(),
    }
}
