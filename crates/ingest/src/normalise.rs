//! A pass over a feed document before feed-rs reads it, so that the dialects feed-rs does
//! not know reach it as the ones it does, and so that ingestion learns what feed-rs would
//! otherwise hide.
//!
//! feed-rs rejects `<rss>` without a `version` (or with 0.93, 0.94, 2.1), and reads RSS 0.90,
//! Atom 0.3 and RSS 2.0 in the Userland namespace as feeds with nothing in them. This pass
//! rewrites those to RSS 2.0, RSS 1.0 and Atom 1.0, gives RSS 1.0 items without a `<link>`
//! their `rdf:about`, maps Atom text types feed-rs refuses to one it accepts, and counts the
//! items so that a document with items can never become a silent empty success.
//!
//! It reads with quick-xml, the reader feed-rs itself uses, and writes every event back as it
//! came except the few it changes. A document quick-xml cannot read passes through untouched,
//! for feed-rs to report on.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesRef, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::{Reader, Writer, XmlVersion};

const ATOM_03: &str = "http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";
/// The link given to an RSS 0.90/1.0 item that has neither `<link>` nor `rdf:about`.
pub(crate) const NO_LINK: &str = "urn:csfeed:no-link";
const RSS_090: &str = "http://my.netscape.com/rdf/simple/0.9/";
const RSS_10: &str = "http://purl.org/rss/1.0/";
/// Userland's namespaces for RSS 0.92 and 2.0 (`…/rss`, `…/rss2`).
const USERLAND_RSS: &str = "http://backend.userland.com/rss";
const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";
/// Media RSS, whose `media:title` feedparser takes for an item without a title.
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss";

/// The RSS versions feed-rs dispatches on; any other `<rss>` is read as 2.0, as
/// feedparser does (0.93, 0.94 and 2.1 are upward compatible with it).
const RSS_VERSIONS_FEED_RS_KNOWS: [&str; 3] = ["0.91", "0.92", "2.0"];

/// The feed dialect a document's root element declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `<rss>`, with its `version` attribute as written (`None` when it has none).
    Rss(Option<String>),
    /// Microsoft's Channel Definition Format (`<CHANNEL>` of `<ITEM HREF=…>`), written
    /// back as RSS 2.0.
    Cdf,
    /// `<rdf:RDF>` in the RSS 0.90 namespace.
    Rss090,
    /// Any other `<rdf:RDF>`: RSS 1.0.
    Rss10,
    /// `<feed>` in the Atom 0.3 namespace, or with `version="0.3"`.
    Atom03,
    /// Any other `<feed>` (or a lone `<entry>`).
    Atom10,
    /// Some other root element, by name.
    Other(String),
}

impl Dialect {
    /// How `inspect-feed` and `sources check` name the format.
    pub(crate) fn describe(&self) -> String {
        match self {
            Dialect::Rss(Some(version)) if !version.trim().is_empty() => format!("RSS {}", version.trim()),
            Dialect::Rss(_) => "RSS (no version)".to_owned(),
            Dialect::Cdf => "CDF".to_owned(),
            Dialect::Rss090 => "RSS 0.90".to_owned(),
            Dialect::Rss10 => "RSS 1.0".to_owned(),
            Dialect::Atom03 => "Atom 0.3".to_owned(),
            Dialect::Atom10 => "Atom 1.0".to_owned(),
            Dialect::Other(name) => format!("<{name}>"),
        }
    }

    fn item_element(&self) -> Option<&'static str> {
        match self {
            Dialect::Rss(_) | Dialect::Cdf | Dialect::Rss090 | Dialect::Rss10 => Some("item"),
            Dialect::Atom03 | Dialect::Atom10 => Some("entry"),
            Dialect::Other(_) => None,
        }
    }

    fn is_rdf(&self) -> bool {
        matches!(self, Dialect::Rss090 | Dialect::Rss10)
    }

    fn is_atom(&self) -> bool {
        matches!(self, Dialect::Atom03 | Dialect::Atom10)
    }
}

/// A document ready for feed-rs, and what the pass learnt about it.
#[derive(Debug)]
pub(crate) struct Normalised {
    /// The document to hand to feed-rs.
    pub document: Vec<u8>,
    /// The root element's dialect, when the document is XML that quick-xml could read.
    pub dialect: Option<Dialect>,
    /// How many items (`<item>`, `<entry>`) the document has.
    pub items: usize,
    /// The channel's `dc:title`, for a channel that has no `<title>`.
    pub channel_dc_title: Option<String>,
}

/// Normalises a UTF-8 document (JSON and unreadable XML pass through unchanged).
pub(crate) fn normalise(document: Vec<u8>) -> Normalised {
    let rewritten = std::str::from_utf8(&document)
        .ok()
        .filter(|text| text.trim_start().starts_with('<'))
        .and_then(|text| {
            let first = rewrite(text, false)?;
            // An `<rss>` whose items sit directly under it (no `<channel>`) is common in the
            // wild and read by feedparser; feed-rs needs the channel, so a second pass adds it.
            if matches!(first.1.dialect, Some(Dialect::Rss(_))) && !first.1.has_channel {
                rewrite(text, true)
            } else {
                Some(first)
            }
        });
    match rewritten {
        Some((rewritten, facts)) => Normalised {
            document: rewritten,
            dialect: facts.dialect,
            items: facts.items,
            channel_dc_title: facts.channel_dc_title,
        },
        None => Normalised {
            document,
            dialect: None,
            items: 0,
            channel_dc_title: None,
        },
    }
}

/// What one pass learns about the document.
#[derive(Debug, Default)]
struct Facts {
    dialect: Option<Dialect>,
    items: usize,
    has_channel: bool,
    channel_dc_title: Option<String>,
}

/// One element still open, as written out (after any renaming).
#[derive(Debug)]
struct Open {
    qualified_name: String,
    local_name: String,
    /// For an RSS 1.0 item: whether it has a `<link>`, and its `rdf:about`.
    has_link: bool,
    about: Option<String>,
    /// Text being collected for the channel's `dc:title`, or for an item's `dc:title` or
    /// `media:title`.
    captured: Option<String>,
    /// For an RSS item: whether it has a `<title>`, and the first `dc:title` or
    /// `media:title` met, which stands in for one.
    has_title: bool,
    fallback_title: Option<String>,
    /// Base64 text of an Atom text construct, held back to be written decoded.
    base64: Option<String>,
}

#[derive(Debug, Default)]
struct Pass {
    wrap_in_channel: bool,
    facts: Facts,
    open: Vec<Open>,
    /// Prefixes bound to Dublin Core, Media RSS and Atom 0.3 anywhere in the document.
    dublin_core_prefixes: Vec<String>,
    media_prefixes: Vec<String>,
    atom03_prefixes: Vec<String>,
    /// Elements to write just inside the element last opened (a CDF item's `HREF` as its
    /// `<link>`).
    pending: Vec<Event<'static>>,
}

/// Reads `text` event by event and writes it back with the rewrites applied; `None` when
/// quick-xml cannot read it.
fn rewrite(text: &str, wrap_in_channel: bool) -> Option<(Vec<u8>, Facts)> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_markup_names_in_closing_tags = true;
    let mut writer = Writer::new(Vec::with_capacity(text.len() + 64));
    let mut pass = Pass {
        wrap_in_channel,
        ..Pass::default()
    };
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            // A document cut off inside the root's end tag (`</rss`) is otherwise whole:
            // feedparser reads it, so the root is closed. One cut off anywhere else (a
            // partial download) stays an error rather than stored half-read.
            Err(_) if pass.open.len() == 1 && is_cut_off_end_tag(text, reader.error_position()) => {
                for event in pass.close()? {
                    writer.write_event(event).ok()?;
                }
                break;
            }
            Err(_) => return None,
        };
        match event {
            Event::Eof => break,
            Event::Start(start) => {
                let start = pass.open(&start, false)?;
                writer.write_event(Event::Start(start)).ok()?;
                if pass.wrapping_root() {
                    writer
                        .write_event(Event::Start(BytesStart::new("channel")))
                        .ok()?;
                }
                for event in std::mem::take(&mut pass.pending) {
                    writer.write_event(event).ok()?;
                }
            }
            Event::Empty(start) => {
                let start = pass.open(&start, true)?;
                if pass.pending.is_empty() {
                    writer.write_event(Event::Empty(start)).ok()?;
                    continue;
                }
                // An empty element with attributes turned into children is opened and closed.
                writer.write_event(Event::Start(start)).ok()?;
                for event in std::mem::take(&mut pass.pending) {
                    writer.write_event(event).ok()?;
                }
                for event in pass.close()? {
                    writer.write_event(event).ok()?;
                }
            }
            Event::End(_) => {
                for event in pass.close()? {
                    writer.write_event(event).ok()?;
                }
            }
            Event::Text(content) => {
                if !pass.hold_back(&content.xml10_content()) {
                    pass.capture(&content.xml10_content());
                    writer.write_event(Event::Text(content)).ok()?;
                }
            }
            Event::CData(content) => {
                if !pass.hold_back(&content.xml10_content()) {
                    pass.capture(&content.xml10_content());
                    writer.write_event(Event::CData(content)).ok()?;
                }
            }
            Event::GeneralRef(reference) => {
                let legacy = html4_entity(&reference);
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => Some(character.to_string()),
                    _ => legacy
                        .map(String::from)
                        .or_else(|| resolve_predefined_entity(&reference).map(str::to_owned)),
                };
                if let Some(resolved) = &resolved {
                    if pass.hold_back(resolved) {
                        continue;
                    }
                    pass.capture(resolved);
                }
                let reference = match legacy {
                    Some(character) => BytesRef::new(format!("#{}", u32::from(character))),
                    None => reference,
                };
                writer.write_event(Event::GeneralRef(reference)).ok()?;
            }
            other => writer.write_event(other).ok()?,
        }
    }
    Some((writer.into_inner(), pass.facts))
}

impl Pass {
    fn wrapping_root(&self) -> bool {
        self.wrap_in_channel && self.open.len() == 1 && matches!(self.facts.dialect, Some(Dialect::Rss(_)))
    }

    /// Records an element opening and returns it as it should be written.
    fn open<'a>(&mut self, start: &'a BytesStart<'a>, empty: bool) -> Option<BytesStart<'a>> {
        let attributes = start
            .attributes()
            .with_checks(false)
            .collect::<Result<Vec<_>, _>>()
            .ok()?;
        self.learn_prefixes(&attributes);
        let (local_name, prefix) = start.name().decompose();
        let local_name = local_name.as_ref().to_owned();
        let prefix = prefix.map(|prefix| prefix.as_ref().to_owned());
        if self.open.is_empty() && self.facts.dialect.is_none() {
            self.facts.dialect = Some(root_dialect(&local_name, &attributes));
        }
        let dialect = self.facts.dialect.clone()?;
        let in_feed_namespace = prefix
            .as_ref()
            .is_none_or(|prefix| self.atom03_prefixes.contains(prefix));
        let renamed = self.renamed(&dialect, &local_name, prefix.is_none(), in_feed_namespace);
        let local_name = renamed.map_or(local_name, str::to_owned);
        let qualified_name = match &prefix {
            Some(prefix) => format!("{prefix}:{local_name}"),
            None => local_name.clone(),
        };
        self.note_structure(&dialect, &local_name, prefix.as_deref());
        if dialect == Dialect::Cdf && (self.open.is_empty() || local_name == "item") {
            self.pending = cdf_children(self.open.is_empty(), &attributes);
        }
        let new_attributes = rewrite_attributes(
            &dialect,
            self.open.is_empty(),
            &local_name,
            in_feed_namespace,
            &attributes,
        );
        if !empty || !self.pending.is_empty() {
            let captured = (self.is_channel_dc_title(prefix.as_deref(), &local_name)
                || self.is_item_title_stand_in(&dialect, prefix.as_deref(), &local_name))
            .then(String::new);
            let base64 = (dialect.is_atom()
                && in_feed_namespace
                && is_base64_text(&dialect, &local_name, &attributes))
            .then(String::new);
            self.open.push(Open {
                base64,
                qualified_name: qualified_name.clone(),
                about: rdf_about(&dialect, &local_name, &attributes),
                local_name,
                has_link: false,
                captured,
                has_title: false,
                fallback_title: None,
            });
        }
        if renamed.is_none() && new_attributes.is_none() {
            return Some(start.borrow());
        }
        Some(BytesStart::new(qualified_name).with_attributes(new_attributes.unwrap_or(attributes)))
    }

    /// The name feed-rs knows an element by, when it is written otherwise: Atom 0.3's
    /// names, an Atom `<item>` (feedparser reads it as an entry) and RSS elements in
    /// another case (`<TiTlE>`), which feedparser and iTunes read case-insensitively.
    fn renamed(
        &self,
        dialect: &Dialect,
        local_name: &str,
        unprefixed: bool,
        in_feed_namespace: bool,
    ) -> Option<&'static str> {
        match dialect {
            _ if dialect.is_atom() && in_feed_namespace && local_name == "item" && self.open.len() == 1 => {
                Some("entry")
            }
            Dialect::Atom03 if in_feed_namespace => atom03_name(local_name),
            Dialect::Rss(_) if unprefixed => rss_name(local_name),
            Dialect::Cdf if unprefixed => cdf_name(local_name, self.open.is_empty()),
            _ => None,
        }
    }

    /// Whether this element is the channel's `dc:title`, the first one met.
    fn is_channel_dc_title(&self, prefix: Option<&str>, local_name: &str) -> bool {
        local_name == "title"
            && prefix.is_some_and(|prefix| self.dublin_core_prefixes.iter().any(|dc| dc == prefix))
            && self.parent_is("channel")
            && self.facts.channel_dc_title.is_none()
    }

    /// Whether this element is a `dc:title` or `media:title` of an RSS item, the first one
    /// met: feedparser takes it for the title of an item that has none.
    fn is_item_title_stand_in(&self, dialect: &Dialect, prefix: Option<&str>, local_name: &str) -> bool {
        local_name == "title"
            && matches!(dialect, Dialect::Rss(_) | Dialect::Rss090 | Dialect::Rss10)
            && prefix.is_some_and(|prefix| self.is_title_stand_in_prefix(prefix))
            && self
                .open
                .last()
                .is_some_and(|parent| parent.local_name == "item" && parent.fallback_title.is_none())
    }

    fn is_title_stand_in_prefix(&self, prefix: &str) -> bool {
        self.dublin_core_prefixes.iter().any(|dc| dc == prefix)
            || self.media_prefixes.iter().any(|media| media == prefix)
    }

    /// Counts items, notes a channel, and RSS items' links and titles.
    fn note_structure(&mut self, dialect: &Dialect, local_name: &str, prefix: Option<&str>) {
        if dialect.item_element() == Some(local_name)
            && prefix.is_none_or(|prefix| !self.dublin_core_prefixes.iter().any(|dc| dc == prefix))
        {
            self.facts.items += 1;
        }
        if local_name == "channel" && self.open.len() == 1 {
            self.facts.has_channel = true;
        }
        let own_title =
            local_name == "title" && prefix.is_none_or(|prefix| !self.is_title_stand_in_prefix(prefix));
        if let Some(parent) = self.open.last_mut()
            && parent.local_name == "item"
        {
            parent.has_link |= local_name == "link";
            parent.has_title |= own_title;
        }
    }

    fn parent_is(&self, local_name: &str) -> bool {
        self.open
            .last()
            .is_some_and(|parent| parent.local_name == local_name)
    }

    fn learn_prefixes(&mut self, attributes: &[Attribute]) {
        for attribute in attributes {
            let Some(prefix) = attribute.key.as_ref().strip_prefix("xmlns:") else {
                continue;
            };
            match attribute.value.trim() {
                DUBLIN_CORE => self.dublin_core_prefixes.push(prefix.to_owned()),
                namespace if namespace.trim_end_matches('/') == MEDIA_RSS => {
                    self.media_prefixes.push(prefix.to_owned());
                }
                ATOM_03 => self.atom03_prefixes.push(prefix.to_owned()),
                _ => {}
            }
        }
    }

    /// Holds text back when it is the base64 content of the innermost element; says whether
    /// it did.
    fn hold_back(&mut self, text: &str) -> bool {
        match self.open.last_mut().and_then(|open| open.base64.as_mut()) {
            Some(held) => {
                held.push_str(text);
                true
            }
            None => false,
        }
    }

    fn capture(&mut self, text: &str) {
        if let Some(captured) = self.open.last_mut().and_then(|open| open.captured.as_mut()) {
            captured.push_str(text);
        }
    }

    /// Records an element closing and returns the events to write: its end tag, preceded
    /// by a `<link>` for an RSS 1.0 item that has only an `rdf:about`, and by a `<title>`
    /// for an RSS item whose only title is a `dc:title` or `media:title`.
    fn close(&mut self) -> Option<Vec<Event<'static>>> {
        let closed = self.open.pop()?;
        let mut events = Vec::with_capacity(7);
        if let Some(title) = closed.captured {
            match self.open.last_mut() {
                Some(parent) if parent.local_name == "item" => parent.fallback_title = Some(title),
                _ => self.facts.channel_dc_title = Some(title),
            }
        }
        let prefixed = |name: &str| match closed.qualified_name.split_once(':') {
            Some((prefix, _)) => format!("{prefix}:{name}"),
            None => name.to_owned(),
        };
        if let Some(title) = closed
            .fallback_title
            .filter(|title| !closed.has_title && !title.trim().is_empty())
        {
            let element = prefixed("title");
            events.push(Event::Start(BytesStart::new(element.clone())));
            events.push(Event::Text(BytesText::new(&title).into_owned()));
            events.push(Event::End(BytesEnd::new(element)));
        }
        if let Some(encoded) = closed.base64 {
            events.push(Event::Text(BytesText::new(&decode_base64(&encoded)).into_owned()));
        }
        let is_rdf_item =
            closed.local_name == "item" && self.facts.dialect.as_ref().is_some_and(Dialect::is_rdf);
        if is_rdf_item && !closed.has_link {
            // feed-rs drops RSS 0.90/1.0 items without a link; the placeholder keeps them,
            // and `feed` never uses it as a link or key.
            let about = closed.about.unwrap_or_else(|| NO_LINK.to_owned());
            let link = prefixed("link");
            events.push(Event::Start(BytesStart::new(link.clone())));
            events.push(Event::Text(BytesText::new(&about).into_owned()));
            events.push(Event::End(BytesEnd::new(link)));
        }
        let wrapped = match self.facts.dialect {
            Some(Dialect::Rss(_)) => self.wrap_in_channel,
            Some(Dialect::Cdf) => true,
            _ => false,
        };
        if wrapped && self.open.is_empty() {
            events.push(Event::End(BytesEnd::new("channel")));
        }
        events.push(Event::End(BytesEnd::new(closed.qualified_name)));
        Some(events)
    }
}

/// Whether reading stopped at an end tag that the document ends inside (`</rss`).
fn is_cut_off_end_tag(text: &str, error_position: u64) -> bool {
    usize::try_from(error_position)
        .ok()
        .and_then(|position| text.get(position..))
        .is_some_and(|rest| rest.trim_start().starts_with("</") && !rest.contains('>'))
}

/// A reference written back as a numeric one: the HTML 4 entities that HTML5 redefined
/// (feeds use HTML 4's table, as feedparser does, and a later HTML5 reading of the text
/// would give another character), and `&#X41;`, which XML does not allow (only `&#x41;`)
/// and would otherwise reject the whole document.
fn html4_entity(reference: &BytesRef) -> Option<char> {
    match &**reference {
        "lang" => Some('\u{2329}'),
        "rang" => Some('\u{232a}'),
        name => name
            .strip_prefix("#X")
            .and_then(|hex| u32::from_str_radix(hex, 16).ok())
            .and_then(char::from_u32),
    }
}

fn root_dialect(local_name: &str, attributes: &[Attribute]) -> Dialect {
    let declares = |namespace: &str| {
        attributes
            .iter()
            .any(|attribute| is_namespace_declaration(attribute) && attribute.value.trim() == namespace)
    };
    match local_name {
        name if name.eq_ignore_ascii_case("rss") => Dialect::Rss(attribute_value(attributes, "version")),
        "RDF" if declares(RSS_090) => Dialect::Rss090,
        "RDF" => Dialect::Rss10,
        "feed" if declares(ATOM_03) => Dialect::Atom03,
        "feed"
            if attribute_value(attributes, "version")
                .is_some_and(|version| version.trim().starts_with("0.")) =>
        {
            Dialect::Atom03
        }
        "feed" | "entry" => Dialect::Atom10,
        name if name.eq_ignore_ascii_case("channel") => Dialect::Cdf,
        other => Dialect::Other(other.to_owned()),
    }
}

/// RSS 2.0's element names as the spec writes them, for elements written in another case.
const RSS_ELEMENTS: [&str; 30] = [
    "rss",
    "channel",
    "item",
    "title",
    "link",
    "description",
    "language",
    "copyright",
    "managingEditor",
    "webMaster",
    "pubDate",
    "lastBuildDate",
    "category",
    "generator",
    "docs",
    "cloud",
    "ttl",
    "image",
    "url",
    "width",
    "height",
    "rating",
    "textInput",
    "skipHours",
    "skipDays",
    "author",
    "comments",
    "enclosure",
    "guid",
    "source",
];

/// The spec's spelling of an RSS element written in another case, when it differs.
fn rss_name(local_name: &str) -> Option<&'static str> {
    RSS_ELEMENTS
        .iter()
        .find(|name| name.eq_ignore_ascii_case(local_name))
        .filter(|name| **name != local_name)
        .copied()
}

/// The RSS 2.0 name of a CDF element: the root `<CHANNEL>` becomes `<rss>` (its
/// `<channel>` is written inside it), `<ITEM>`, `<TITLE>` and `<ABSTRACT>` become `<item>`,
/// `<title>` and `<description>`.
fn cdf_name(local_name: &str, is_root: bool) -> Option<&'static str> {
    let name = local_name.to_ascii_lowercase();
    match name.as_str() {
        "channel" if is_root => Some("rss"),
        "item" => Some("item"),
        "title" => Some("title"),
        "abstract" => Some("description"),
        _ => None,
    }
}

/// What CDF says in attributes and RSS in elements, to write inside the element: the
/// channel itself (for the root), `HREF` as `<link>` and `LASTMOD` as `<pubDate>`.
fn cdf_children(is_root: bool, attributes: &[Attribute]) -> Vec<Event<'static>> {
    let mut children = Vec::new();
    if is_root {
        children.push(Event::Start(BytesStart::new("channel")));
    }
    for (attribute, element) in [("href", "link"), ("lastmod", "pubDate")] {
        let value = attributes
            .iter()
            .find(|candidate| candidate.key.as_ref().eq_ignore_ascii_case(attribute))
            .and_then(|found| found.normalized_value(XmlVersion::Implicit1_0).ok())
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty());
        if let Some(value) = value {
            children.push(Event::Start(BytesStart::new(element)));
            children.push(Event::Text(BytesText::new(&value).into_owned()));
            children.push(Event::End(BytesEnd::new(element)));
        }
    }
    children
}

/// Atom 0.3 element names that Atom 1.0 renamed.
fn atom03_name(local_name: &str) -> Option<&'static str> {
    match local_name {
        "modified" => Some("updated"),
        "issued" => Some("published"),
        "tagline" => Some("subtitle"),
        "copyright" => Some("rights"),
        _ => None,
    }
}

/// The rewritten attributes of an element, or `None` when they stay as written.
fn rewrite_attributes<'a>(
    dialect: &Dialect,
    is_root: bool,
    local_name: &str,
    in_feed_namespace: bool,
    attributes: &[Attribute<'a>],
) -> Option<Vec<Attribute<'a>>> {
    let mut rewritten: Vec<Attribute<'a>> = attributes.to_vec();
    let mut changed = false;
    for attribute in &mut rewritten {
        if let Some(value) = rewritten_namespace(dialect, is_root, attribute) {
            *attribute = value;
            changed = true;
        }
    }
    if *dialect == Dialect::Cdf && (is_root || local_name == "item") {
        // Its attributes are written as children (`cdf_children`).
        let root = is_root.then(|| Attribute::from(("version", "2.0")));
        return Some(root.into_iter().collect());
    }
    if is_root && let Dialect::Rss(version) = dialect {
        let known = version
            .as_deref()
            .is_some_and(|version| RSS_VERSIONS_FEED_RS_KNOWS.contains(&version.trim()));
        if !known {
            rewritten.retain(|attribute| attribute.key.as_ref() != "version");
            rewritten.push(Attribute::from(("version", "2.0")));
            changed = true;
        }
    }
    if dialect.is_atom()
        && in_feed_namespace
        && let Some(kind) = atom_text_type(dialect, local_name, attributes)
    {
        rewritten.retain(|attribute| attribute.key.as_ref() != "type");
        rewritten.push(Attribute {
            key: QName("type"),
            value: Cow::Borrowed(kind),
        });
        changed = true;
    }
    changed.then_some(rewritten)
}

/// A namespace declaration rewritten for feed-rs, which knows RSS elements only with no
/// namespace or RSS 1.0's, and Atom's only in Atom 1.0's: RSS 0.90's namespace, Userland's
/// RSS 2.0 namespaces (`http://backend.userland.com/rss2`, default or prefixed) and any
/// default namespace on `<rss>` become RSS 1.0's; Atom 0.3's, and any default namespace
/// on a `<feed version="0.3">`, become Atom 1.0's. The dialects share their element names.
fn rewritten_namespace<'a>(
    dialect: &Dialect,
    is_root: bool,
    attribute: &Attribute<'a>,
) -> Option<Attribute<'a>> {
    if !is_namespace_declaration(attribute) {
        return None;
    }
    let is_default = attribute.key.as_ref() == "xmlns";
    let namespace = attribute.value.trim();
    let successor = match dialect {
        Dialect::Rss090 if namespace == RSS_090 => RSS_10,
        Dialect::Rss(_) if namespace.starts_with(USERLAND_RSS) => RSS_10,
        Dialect::Rss(_) if is_root && is_default && namespace != RSS_10 => RSS_10,
        Dialect::Atom03 if namespace == ATOM_03 => ATOM_10,
        Dialect::Atom03 if is_root && is_default && namespace != ATOM_10 => ATOM_10,
        _ => return None,
    };
    Some(Attribute {
        key: attribute.key,
        value: Cow::Borrowed(successor),
    })
}

fn is_namespace_declaration(attribute: &Attribute) -> bool {
    let key = attribute.key.as_ref();
    key == "xmlns" || key.starts_with("xmlns:")
}

/// The `type` an Atom text construct should carry for feed-rs, which accepts only `text`,
/// `html` and `xhtml` on titles and rejects the whole feed for any other; `None` when the
/// element is fine as it is. Atom 0.3 wrote MIME types with a `mode`.
fn atom_text_type(dialect: &Dialect, local_name: &str, attributes: &[Attribute]) -> Option<&'static str> {
    let is_text_construct = matches!(local_name, "title" | "subtitle" | "summary" | "rights");
    let is_atom03_content = *dialect == Dialect::Atom03 && local_name == "content";
    if !is_text_construct && !is_atom03_content {
        return None;
    }
    if is_base64_text(dialect, local_name, attributes) {
        // Written back decoded; the text is usually HTML, and HTML-typed text is read
        // safely whatever it holds.
        return Some("html");
    }
    let kind = attribute_value(attributes, "type").map(|kind| kind.trim().to_ascii_lowercase());
    if *dialect == Dialect::Atom03 {
        let mode = attribute_value(attributes, "mode").map(|mode| mode.trim().to_ascii_lowercase());
        let kind = kind.unwrap_or_else(|| "text/plain".to_owned());
        let mapped = match (mode.as_deref(), kind.as_str()) {
            (Some("escaped"), kind) if kind.contains("html") => "html",
            (Some("escaped"), _) => "text",
            (_, kind) if kind.contains("html") => "xhtml",
            // Atom 0.3's default mode, "xml", makes any child elements (`Example
            // <b>Atom</b>`) part of the text; read as "text", feed-rs would drop them.
            (None | Some("xml"), "text/plain" | "text") => "xhtml",
            (_, "text/plain" | "text") => "text",
            // Other MIME types are valid Atom 1.0 content; titles take them as text.
            _ if is_atom03_content => return None,
            _ => "text",
        };
        return Some(mapped);
    }
    match kind.as_deref() {
        None | Some("text" | "html" | "xhtml") => None,
        Some(kind) if kind.contains("xhtml") => Some("xhtml"),
        Some(kind) if kind.contains("html") => Some("html"),
        Some(_) => Some("text"),
    }
}

/// Whether an Atom text construct holds base64: Atom 0.3's `mode="base64"` on text, or a
/// title, subtitle, summary or rights typed with a MIME type that is neither text nor XML
/// (`application/octet-stream`), which feedparser decodes. Base64 `<content>` of other types
/// (images) is left to feed-rs.
fn is_base64_text(dialect: &Dialect, local_name: &str, attributes: &[Attribute]) -> bool {
    let is_text_construct = matches!(local_name, "title" | "subtitle" | "summary" | "rights");
    let kind = attribute_value(attributes, "type")
        .map(|kind| kind.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let textual =
        kind.is_empty() || kind.starts_with("text") || kind.contains("html") || kind.contains("xml");
    match dialect {
        Dialect::Atom03 => {
            let mode = attribute_value(attributes, "mode").map(|mode| mode.trim().to_ascii_lowercase());
            mode.as_deref() == Some("base64") && (is_text_construct || (local_name == "content" && textual))
        }
        Dialect::Atom10 => is_text_construct && !textual && kind.contains('/'),
        _ => false,
    }
}

/// Base64 text decoded to UTF-8, or the text as it was when it is not that.
fn decode_base64(encoded: &str) -> String {
    use base64::Engine as _;
    let compact: String = encoded.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| encoded.to_owned())
}

/// An RSS 1.0 item's `rdf:about`, which is its link when it has no `<link>`.
fn rdf_about(dialect: &Dialect, local_name: &str, attributes: &[Attribute]) -> Option<String> {
    if !dialect.is_rdf() || local_name != "item" {
        return None;
    }
    attributes
        .iter()
        .find(|attribute| attribute.key.local_name().as_ref() == "about")
        .and_then(|attribute| attribute.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|about| about.trim().to_owned())
        .filter(|about| !about.is_empty())
}

fn attribute_value(attributes: &[Attribute], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|attribute| attribute.key.as_ref() == name)
        .map(|attribute| {
            attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_or_else(|_| attribute.value.to_string(), Cow::into_owned)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalised(document: &str) -> (String, Normalised) {
        let result = normalise(document.as_bytes().to_vec());
        (String::from_utf8_lossy(&result.document).into_owned(), result)
    }

    #[test]
    fn unknown_rss_versions_become_2_0() {
        let (document, result) = normalised(r#"<rss version="0.94"><channel><item/></channel></rss>"#);
        assert_eq!(document, r#"<rss version="2.0"><channel><item/></channel></rss>"#);
        assert_eq!(result.dialect, Some(Dialect::Rss(Some("0.94".into()))));
        assert_eq!(result.items, 1);
    }

    #[test]
    fn everything_else_is_written_back_as_it_came() {
        let original = "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY e \"x\">]>\n<rss version=\"2.0\"><!-- c --><channel a='1'  b=\"&amp;\"><title>A &amp; B &#233; &e;</title><description><![CDATA[<p>x</p>]]></description></channel></rss>";
        let (document, _) = normalised(original);
        assert_eq!(document, original);
    }

    #[test]
    fn an_rss_1_item_with_only_rdf_about_gets_it_as_its_link_escaped() {
        let (document, result) = normalised(
            r#"<rdf:RDF xmlns:rdf="r" xmlns:rss="http://purl.org/rss/1.0/"><rss:item rdf:about="https://news.example/?a=1&amp;b=&lt;2"><rss:title>T</rss:title></rss:item></rdf:RDF>"#,
        );
        assert!(
            document.contains("<rss:title>T</rss:title><rss:link>https://news.example/?a=1&amp;b=&lt;2</rss:link></rss:item>"),
            "{document}"
        );
        assert_eq!(result.dialect, Some(Dialect::Rss10));
    }

    #[test]
    fn an_rss_0_90_item_without_a_link_keeps_a_placeholder() {
        let (document, _) = normalised(
            r#"<rdf:RDF xmlns:rdf="r" xmlns="http://my.netscape.com/rdf/simple/0.9/"><item><title>T</title></item></rdf:RDF>"#,
        );
        assert!(
            document.contains(&format!("<item><title>T</title><link>{NO_LINK}</link></item>")),
            "{document}"
        );
        assert!(
            document.contains(r#"xmlns="http://purl.org/rss/1.0/""#),
            "{document}"
        );
    }

    #[test]
    fn base64_titles_are_written_back_decoded_and_escaped() {
        // "<b>A & B</b>" in base64.
        let (document, _) = normalised(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="application/octet-stream"> PGI+QSAmIEI8L2I+ </title></feed>"#,
        );
        assert!(
            document.contains(r#"<title type="html">&lt;b&gt;A &amp; B&lt;/b&gt;</title>"#),
            "{document}"
        );
    }

    #[test]
    fn only_a_cut_in_the_root_end_tag_is_mended() {
        let (document, _) = normalised("<rss><channel><title>T</title></channel></rss");
        assert_eq!(
            document,
            r#"<rss version="2.0"><channel><title>T</title></channel></rss>"#
        );
        for partial in [
            "<rss><channel><title>T</title></chann",
            "<rss><channel><item><title>cut",
        ] {
            let (document, _) = normalised(partial);
            assert!(
                !document.ends_with("</rss>"),
                "a partial download is not closed: {document}"
            );
        }
    }

    #[test]
    fn an_rss_item_without_a_title_takes_its_dc_or_media_title() {
        let (document, _) = normalised(
            r#"<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><dc:title>A &amp; B</dc:title></item><item><media:title>M</media:title><title>Own</title></item></channel></rss>"#,
        );
        assert!(
            document.contains("<dc:title>A &amp; B</dc:title><title>A &amp; B</title></item>"),
            "{document}"
        );
        assert!(
            document.contains("<title>Own</title></item>"),
            "an item's own title wins: {document}"
        );
    }

    #[test]
    fn cdf_is_written_back_as_rss_2_0() {
        let (document, result) = normalised(
            r#"<CHANNEL HREF="https://news.example/"><TITLE>T</TITLE><ITEM HREF="https://news.example/1" LASTMOD="2004-04-06T23:05:43-05:00"><ABSTRACT>A</ABSTRACT></ITEM><ITEM HREF="https://news.example/2"/></CHANNEL>"#,
        );
        assert_eq!(
            document,
            concat!(
                r#"<rss version="2.0"><channel><link>https://news.example/</link><title>T</title>"#,
                "<item><link>https://news.example/1</link><pubDate>2004-04-06T23:05:43-05:00</pubDate><description>A</description></item>",
                "<item><link>https://news.example/2</link></item></channel></rss>"
            )
        );
        assert_eq!((result.dialect, result.items), (Some(Dialect::Cdf), 2));
    }

    #[test]
    fn an_uppercase_hex_reference_is_written_as_xml_allows() {
        let (document, _) = normalised("<rss><channel><title>&#X41;</title></channel></rss>");
        assert!(document.contains("<title>&#65;</title>"), "{document}");
    }

    #[test]
    fn unreadable_xml_and_json_pass_through() {
        for original in [
            "<rss><channel></item></rss>",
            "{\"items\":[]}",
            "<rss a=\"1\" a=\"2\"><",
        ] {
            let (document, result) = normalised(original);
            assert_eq!(document, original);
            assert_eq!(result.items, 0);
        }
    }
}
