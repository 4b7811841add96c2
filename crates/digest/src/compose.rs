//! Building the emails: the digest (text and HTML, inline CSS, no remote images) and the
//! confirmation email, with the headers mail clients and RFC 8058 expect.

use askama::Template;
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use url::Url;

use csfeed_store::{ArticleRecord, SubscriberId};

use crate::DigestError;
use crate::token::{Purpose, Signer};

/// What links in emails point at: the public site and the signer for personal links.
#[derive(Debug, Clone)]
pub struct Links {
    /// The site's public root (`https://news.example.org/`).
    pub site: Url,
    /// Signs confirm, manage and unsubscribe links.
    pub signer: Signer,
}

impl Links {
    /// An absolute link to a path on the site.
    pub fn page(&self, path_and_query: &str) -> String {
        self.site
            .join(path_and_query.trim_start_matches('/'))
            .map_or_else(|_| path_and_query.to_owned(), |url| url.to_string())
    }

    /// A signed personal link.
    pub fn signed(
        &self,
        path: &str,
        purpose: Purpose,
        subscriber: SubscriberId,
        now: DateTime<Utc>,
    ) -> String {
        let token = self.signer.sign(purpose, subscriber, now);
        self.page(&format!("{path}?token={token}"))
    }

    fn search(&self, query: &str) -> String {
        let encoded: String = url::form_urlencoded::byte_serialize(query.as_bytes()).collect();
        self.page(&format!("/search?q={encoded}&sort=newest"))
    }
}

/// One story in a digest.
#[derive(Debug, Clone)]
pub(crate) struct DigestItem {
    pub title: String,
    pub href: String,
    pub source_name: String,
    pub date: String,
    pub summary: String,
    /// For Ofsted reports: the council, to group them by.
    pub council: Option<String>,
    /// Other outlets' reports of the same story as (outlet, absolute link).
    pub also: Vec<(String, String)>,
    /// A line of context (for alerts: the council's current grade).
    pub note: Option<String>,
}

impl DigestItem {
    pub(crate) fn new(links: &Links, record: &ArticleRecord, council: Option<String>) -> Self {
        let article = &record.article;
        let summary: String = article.summary.chars().take(280).collect();
        Self {
            title: article.title.clone(),
            href: links.page(&format!("/articles/{}", article.id)),
            source_name: record.source_name.clone(),
            date: if record.is_dated() {
                record.display_date().format("%-d %B %Y").to_string()
            } else {
                // A first-seen time is not a publication date: say which it is.
                format!(
                    "Undated · first seen {}",
                    record.first_seen_at.format("%-d %B %Y")
                )
            },
            summary: if article.summary.chars().count() > 280 {
                format!("{}…", summary.trim_end())
            } else {
                summary
            },
            council,
            also: record
                .also_reported_by
                .iter()
                .filter_map(|report| {
                    let href = match (&report.article_id, &report.url) {
                        (Some(id), _) => links.page(&format!("/articles/{id}")),
                        (None, Some(url)) => url.to_string(),
                        (None, None) => return None,
                    };
                    Some((report.source_name.clone(), href))
                })
                .collect(),
            note: None,
        }
    }
}

/// One part of a digest: a followed search (or the Ofsted alerts) and its new items.
pub(crate) struct DigestSection {
    pub label: String,
    pub href: String,
    /// News items, newest first.
    pub news: Vec<DigestItem>,
    /// Ofsted reports, by council.
    pub reports: Vec<(String, Vec<DigestItem>)>,
    /// New items not shown (the section's link lists them all).
    pub more: usize,
}

impl DigestSection {
    pub(crate) fn new(links: &Links, label: &str, query: &str, items: Vec<DigestItem>, more: usize) -> Self {
        let mut news = Vec::new();
        let mut reports: Vec<(String, Vec<DigestItem>)> = Vec::new();
        for item in items {
            match item.council.clone() {
                Some(council) => match reports.iter_mut().find(|(name, _)| *name == council) {
                    Some((_, group)) => group.push(item),
                    None => reports.push((council, vec![item])),
                },
                None => news.push(item),
            }
        }
        reports.sort_by(|a, b| a.0.cmp(&b.0));
        Self {
            label: label.to_owned(),
            href: links.search(query),
            news,
            reports,
            more,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.news.len() + self.reports.iter().map(|(_, items)| items.len()).sum::<usize>()
    }
}

#[derive(Template)]
#[template(path = "digest.html")]
struct DigestHtml<'a> {
    site_title: &'a str,
    heading: &'a str,
    alerts: &'a [DigestItem],
    sections: &'a [DigestSection],
    manage_href: &'a str,
    unsubscribe_href: &'a str,
    site_href: &'a str,
}

#[derive(Template)]
#[template(path = "digest.txt")]
struct DigestText<'a> {
    site_title: &'a str,
    heading: &'a str,
    alerts: &'a [DigestItem],
    sections: &'a [DigestSection],
    manage_href: &'a str,
    unsubscribe_href: &'a str,
}

/// Everything needed to address and sign one digest.
pub(crate) struct Envelope<'a> {
    pub from: &'a Mailbox,
    pub to: &'a str,
    pub subscriber: SubscriberId,
    /// Names the message: `<digest-{id}@{host}>`, the same on a resend.
    pub delivery_id: i64,
    pub now: DateTime<Utc>,
}

/// The digest email.
pub(crate) fn digest_email(
    links: &Links,
    site_title: &str,
    envelope: &Envelope<'_>,
    heading: &str,
    alerts: &[DigestItem],
    sections: &[DigestSection],
) -> Result<Message, DigestError> {
    let manage_href = links.signed(
        "/subscriptions/manage",
        Purpose::Manage,
        envelope.subscriber,
        envelope.now,
    );
    let unsubscribe_href = links.signed(
        "/unsubscribe",
        Purpose::Unsubscribe,
        envelope.subscriber,
        envelope.now,
    );
    let site_href = links.page("/");
    let render_error = |error: askama::Error| DigestError::Message(format!("template failed: {error}"));
    let html = DigestHtml {
        site_title,
        heading,
        alerts,
        sections,
        manage_href: &manage_href,
        unsubscribe_href: &unsubscribe_href,
        site_href: &site_href,
    }
    .render()
    .map_err(render_error)?;
    let text = DigestText {
        site_title,
        heading,
        alerts,
        sections,
        manage_href: &manage_href,
        unsubscribe_href: &unsubscribe_href,
    }
    .render()
    .map_err(render_error)?;
    let items = alerts.len() + sections.iter().map(DigestSection::len).sum::<usize>();
    let subject = format!(
        "{site_title}: {items} new {} – {heading}",
        if items == 1 { "story" } else { "stories" }
    );
    let message_id = format!(
        "<digest-{}@{}>",
        envelope.delivery_id,
        links.site.host_str().unwrap_or("csfeed")
    );
    build(
        envelope,
        &subject,
        message_id,
        Some(&unsubscribe_href),
        text,
        html,
    )
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmHtml<'a> {
    site_title: &'a str,
    labels: &'a [String],
    frequency: &'a str,
    confirm_href: &'a str,
}

#[derive(Template)]
#[template(path = "confirm.txt")]
struct ConfirmText<'a> {
    site_title: &'a str,
    labels: &'a [String],
    frequency: &'a str,
    confirm_href: &'a str,
}

/// Who a confirmation email goes to, and for what.
#[derive(Debug, Clone, Copy)]
pub struct Confirmation<'a> {
    /// The address to confirm.
    pub to: &'a str,
    /// Its subscriber row.
    pub subscriber: SubscriberId,
    /// What the link starts: the searches asked for, in words (none when it only
    /// confirms a change of frequency).
    pub labels: &'a [String],
    /// `daily` or `weekly`.
    pub frequency: &'a str,
}

/// The double opt-in email: one link to a page whose button confirms what was asked for
/// (a new subscription, or searches and a frequency added to an existing one).
pub fn confirmation_email(
    links: &Links,
    site_title: &str,
    from: &Mailbox,
    confirmation: Confirmation<'_>,
    now: DateTime<Utc>,
) -> Result<Message, DigestError> {
    let Confirmation {
        to,
        subscriber,
        labels,
        frequency,
    } = confirmation;
    let confirm_href = links.signed("/subscriptions/confirm", Purpose::Confirm, subscriber, now);
    let render_error = |error: askama::Error| DigestError::Message(format!("template failed: {error}"));
    let html = ConfirmHtml {
        site_title,
        labels,
        frequency,
        confirm_href: &confirm_href,
    }
    .render()
    .map_err(render_error)?;
    let text = ConfirmText {
        site_title,
        labels,
        frequency,
        confirm_href: &confirm_href,
    }
    .render()
    .map_err(render_error)?;
    let envelope = Envelope {
        from,
        to,
        subscriber,
        delivery_id: 0,
        now,
    };
    let message_id = format!(
        "<confirm-{subscriber}-{}@{}>",
        now.timestamp(),
        links.site.host_str().unwrap_or("csfeed")
    );
    build(
        &envelope,
        &format!("Confirm your email digest from {site_title}"),
        message_id,
        None,
        text,
        html,
    )
}

fn build(
    envelope: &Envelope<'_>,
    subject: &str,
    message_id: String,
    unsubscribe_href: Option<&str>,
    text: String,
    html: String,
) -> Result<Message, DigestError> {
    let to: Mailbox = envelope
        .to
        .parse()
        .map_err(|error| DigestError::Message(format!("bad recipient: {error}")))?;
    let mut builder = Message::builder()
        .from(envelope.from.clone())
        .to(to)
        .subject(subject)
        .date(std::time::SystemTime::from(envelope.now))
        .message_id(Some(message_id));
    if let Some(href) = unsubscribe_href {
        builder = builder
            .header(ListUnsubscribe(format!("<{href}>")))
            .header(ListUnsubscribePost);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html)),
        )
        .map_err(|error| DigestError::Message(error.to_string()))
}

/// `List-Unsubscribe: <https://…/unsubscribe?token=…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(raw: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(raw.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}
