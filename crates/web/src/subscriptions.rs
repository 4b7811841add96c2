//! Email subscriptions on the site: the subscribe form's target, the double opt-in
//! confirmation, the manage page reached from every email, and one-click unsubscribe
//! (RFC 8058: a POST to the `List-Unsubscribe` address).
//!
//! Forms are read from the raw body so that any malformed post gets the site's 400 page.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use csfeed_digest::{Confirmation, Frequency, Purpose, SubscriberEmail};
use csfeed_store::Follow;

use crate::pages::render;
use crate::views::Chrome;
use crate::{AppError, AppState, Subscriptions};

/// Largest form accepted, in bytes.
const MAX_FORM_BYTES: usize = 8 * 1024;
/// Longest followed search accepted.
const MAX_QUERY_BYTES: usize = 1_000;
/// Least time between two confirmation emails to one address (posting the form again
/// before then records the search but sends nothing).
const CONFIRMATION_RESEND_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: String,
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "manage.html")]
struct ManagePage {
    chrome: Chrome,
    token: String,
    email: String,
    frequency: String,
    follows: Vec<Follow>,
    active: bool,
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    chrome: Chrome,
    token: String,
    email: String,
    frequency: String,
    labels: Vec<String>,
    new_subscriber: bool,
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    chrome: Chrome,
    token: String,
}

fn enabled(state: &AppState) -> Result<std::sync::Arc<Subscriptions>, AppError> {
    state
        .subscriptions
        .clone()
        .ok_or_else(|| AppError::NotFound("email subscriptions are not offered on this site".to_owned()))
}

/// The posted form's fields. A body over the site's limits gets the site's 413 page.
fn form(body: Result<Bytes, BytesRejection>) -> Result<HashMap<String, String>, AppError> {
    let too_large = || AppError::TooLarge("the form sent was too large; go back and shorten it".to_owned());
    let body = body.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => AppError::BadRequest(rejection.body_text()),
    })?;
    if body.len() > MAX_FORM_BYTES {
        return Err(too_large());
    }
    Ok(url::form_urlencoded::parse(&body).into_owned().collect())
}

fn message(
    state: &AppState,
    heading: &str,
    paragraphs: Vec<String>,
    link: Option<(&str, String)>,
) -> Result<Response, AppError> {
    render(MessagePage {
        chrome: Chrome::new(&state.site, Some(heading)),
        heading: heading.to_owned(),
        paragraphs,
        link: link.map(|(text, href)| (text.to_owned(), href)),
    })
}

/// `POST /subscribe` (email, q, frequency): records the request and emails the address a
/// link to confirm it. Nothing changes for a confirmed subscriber until its owner uses that
/// link, and the page says the same words whatever the address, so the form reveals
/// nothing about who subscribes.
pub(crate) async fn subscribe(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let fields = form(body)?;
    let email = SubscriberEmail::parse(fields.get("email").map_or("", String::as_str))
        .map_err(|error| AppError::BadRequest(format!("{error}; go back and correct it")))?;
    let frequency = Frequency::parse(fields.get("frequency").map_or("daily", String::as_str))
        .ok_or_else(|| AppError::BadRequest("choose daily or weekly".to_owned()))?;
    let query = fields.get("q").map_or("", |q| q.trim()).to_owned();
    if query.len() > MAX_QUERY_BYTES {
        return Err(AppError::BadRequest(
            "that search is too long to follow".to_owned(),
        ));
    }
    let followed = csfeed_search::check_follow(&query)
        .map_err(|error| AppError::BadRequest(format!("{error}; change the search and try again")))?;
    let now = Utc::now();
    let address = email.as_str().to_owned();
    let sign_up = state
        .blocking(move |state| {
            Ok(state.store.subscribe(
                &address,
                frequency.as_str(),
                &followed.query,
                &followed.label,
                now,
            )?)
        })
        .await?;
    let subscriber = sign_up.subscriber.id;
    if sign_up.awaiting {
        send_confirmation(&state, &subscriptions, &email, subscriber, frequency, now).await?;
    } else {
        tracing::info!(subscriber, "nothing new to confirm; no email sent");
    }
    message(
        &state,
        "Check your inbox",
        vec![
            format!("If {email} can receive our email, a link to confirm is on its way (or was sent in the last ten minutes)."),
            "Nothing starts or changes until the link is opened and confirmed. The link works for seven days; if nothing arrives, look in your spam folder.".to_owned(),
        ],
        Some(("Back to the latest news", "/".to_owned())),
    )
}

/// Emails `subscriber` a link that confirms what it has asked for, at most once per
/// [`CONFIRMATION_RESEND_INTERVAL`] however often the form is posted.
async fn send_confirmation(
    state: &AppState,
    subscriptions: &Subscriptions,
    email: &SubscriberEmail,
    subscriber: i64,
    frequency: Frequency,
    now: chrono::DateTime<Utc>,
) -> Result<(), AppError> {
    let (claimed, pending) = state
        .blocking(move |state| {
            let claimed =
                state
                    .store
                    .claim_confirmation(subscriber, now, now - CONFIRMATION_RESEND_INTERVAL)?;
            Ok((claimed, state.store.pending_follows(subscriber, now)?))
        })
        .await?;
    if !claimed {
        tracing::info!(subscriber, "confirmation recently sent; not sending another");
        return Ok(());
    }
    let labels: Vec<String> = pending.into_iter().map(|follow| follow.label).collect();
    let confirmation = csfeed_digest::confirmation_email(
        &subscriptions.links,
        &state.site.title,
        subscriptions.mailer.from(),
        Confirmation {
            to: email.as_str(),
            subscriber,
            labels: &labels,
            frequency: frequency.as_str(),
        },
        now,
    )
    .map_err(|error| AppError::Internal(error.to_string()))?;
    if let Err(error) = subscriptions
        .mailer
        .send(
            &confirmation,
            &format!("confirm-{subscriber}-{}", now.timestamp()),
        )
        .await
    {
        tracing::warn!(subscriber, to = %email, %error, "confirmation email not sent");
        state
            .blocking(move |state| Ok(state.store.release_confirmation(subscriber, now)?))
            .await?;
        return Err(AppError::Unavailable(
            "we could not send the confirmation email just now; please try again in a few minutes".to_owned(),
        ));
    }
    tracing::info!(subscriber, to = %email, "confirmation email sent");
    Ok(())
}

/// `GET /subscriptions/confirm?token=…`: what the link would confirm, and a button. Mail
/// scanners open every link in an email, so only the button's POST changes anything.
pub(crate) async fn confirm_page(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let (id, issued) = verify_issued(&subscriptions, Purpose::Confirm, &params)?;
    let (subscriber, pending) = state
        .blocking(move |state| {
            Ok((
                state.store.subscriber(id)?,
                state.store.pending_follows(id, issued)?,
            ))
        })
        .await?;
    let subscriber = subscriber.ok_or_else(|| {
        AppError::NotFound("that subscription no longer exists; subscribe again".to_owned())
    })?;
    let frequency = subscriber
        .requested_frequency
        .clone()
        .unwrap_or_else(|| subscriber.frequency.clone());
    if subscriber.is_active() && pending.is_empty() && subscriber.requested_frequency.is_none() {
        let manage = subscriptions
            .links
            .signed("/subscriptions/manage", Purpose::Manage, id, Utc::now());
        return message(
            &state,
            "Nothing to confirm",
            vec!["Everything this link asked for is already in your digest.".to_owned()],
            Some(("Manage your subscription", manage)),
        );
    }
    render(ConfirmPage {
        chrome: Chrome::new(&state.site, Some("Confirm your digest")),
        token: params.get("token").cloned().unwrap_or_default(),
        email: csfeed_digest::mask(&subscriber.email),
        frequency,
        labels: pending.into_iter().map(|follow| follow.label).collect(),
        new_subscriber: !subscriber.is_active(),
    })
}

/// `POST /subscriptions/confirm` (token): the owner's confirmation. Starts the searches
/// asked for up to when the link was sent, and a requested frequency.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let fields = form(body)?;
    let (id, issued) = verify_issued(&subscriptions, Purpose::Confirm, &fields)?;
    let now = Utc::now();
    let confirmed = state
        .blocking(move |state| Ok(state.store.confirm_subscriber(id, issued, now)?))
        .await?
        .ok_or_else(|| {
            AppError::NotFound("that subscription no longer exists; subscribe again".to_owned())
        })?;
    tracing::info!(
        subscriber = id,
        started = confirmed.started,
        "subscription confirmed"
    );
    let manage = subscriptions
        .links
        .signed("/subscriptions/manage", Purpose::Manage, id, now);
    let mut paragraphs =
        vec!["Your next digest includes it. Every digest has links to change or stop it.".to_owned()];
    if confirmed.over_limit > 0 {
        paragraphs.push(format!(
            "{} of the searches asked for were not added: a digest follows at most {} searches. Remove one on the manage page, then subscribe to it again.",
            confirmed.over_limit,
            csfeed_store::MAX_FOLLOWS
        ));
    }
    message(
        &state,
        "You are subscribed",
        paragraphs,
        Some(("Manage your subscription", manage)),
    )
}

/// `GET /subscriptions/manage?token=…`: what the subscriber follows, how often, and a way out.
pub(crate) async fn manage(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let id = verify(&subscriptions, Purpose::Manage, &params)?;
    let token = params.get("token").cloned().unwrap_or_default();
    manage_page(&state, id, token, params.get("done").map(|done| notice(done))).await
}

fn notice(done: &str) -> String {
    match done {
        "frequency" => "Saved: how often you get the digest.".to_owned(),
        "removed" => "Removed that search from your digest.".to_owned(),
        "unsubscribed" => "You are unsubscribed: no more digests will be sent.".to_owned(),
        _ => "Saved.".to_owned(),
    }
}

async fn manage_page(
    state: &AppState,
    id: i64,
    token: String,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let (subscriber, follows) = state
        .blocking(move |state| Ok((state.store.subscriber(id)?, state.store.follows(id)?)))
        .await?;
    let subscriber =
        subscriber.ok_or_else(|| AppError::NotFound("that subscription no longer exists".to_owned()))?;
    render(ManagePage {
        chrome: Chrome::new(&state.site, Some("Your digest")),
        token,
        email: csfeed_digest::mask(&subscriber.email),
        frequency: subscriber.frequency.clone(),
        active: subscriber.is_active(),
        // Named afresh: follows stored before labels were made from the search itself
        // carry query syntax.
        follows: follows
            .into_iter()
            .map(|mut follow| {
                if let Ok(followed) = csfeed_search::check_follow(&follow.query) {
                    follow.label = followed.label;
                }
                follow
            })
            .collect(),
        notice,
    })
}

/// `POST /subscriptions/manage` (token, action = frequency | remove | unsubscribe).
pub(crate) async fn change(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let fields = form(body)?;
    let id = verify(&subscriptions, Purpose::Manage, &fields)?;
    let token = fields.get("token").cloned().unwrap_or_default();
    let now = Utc::now();
    let done = match fields.get("action").map(String::as_str) {
        Some("frequency") => {
            let frequency = Frequency::parse(fields.get("frequency").map_or("", String::as_str))
                .ok_or_else(|| AppError::BadRequest("choose daily or weekly".to_owned()))?;
            state
                .blocking(move |state| Ok(state.store.set_frequency(id, frequency.as_str())?))
                .await?;
            "frequency"
        }
        Some("remove") => {
            let follow: i64 = fields
                .get("follow")
                .and_then(|follow| follow.parse().ok())
                .ok_or_else(|| AppError::BadRequest("which search should be removed?".to_owned()))?;
            state
                .blocking(move |state| Ok(state.store.remove_follow(id, follow)?))
                .await?;
            "removed"
        }
        Some("unsubscribe") => {
            state
                .blocking(move |state| Ok(state.store.unsubscribe(id, now)?))
                .await?;
            "unsubscribed"
        }
        _ => return Err(AppError::BadRequest("unknown action".to_owned())),
    };
    let encoded: String = url::form_urlencoded::byte_serialize(token.as_bytes()).collect();
    Ok((
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("/subscriptions/manage?token={encoded}&done={done}"),
        )],
    )
        .into_response())
}

/// `GET /unsubscribe?token=…`: a page with one button (link checkers that follow every
/// URL in an email must not unsubscribe anyone).
pub(crate) async fn unsubscribe_page(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    verify(&subscriptions, Purpose::Unsubscribe, &params)?;
    render(UnsubscribePage {
        chrome: Chrome::new(&state.site, Some("Unsubscribe")),
        token: params.get("token").cloned().unwrap_or_default(),
    })
}

/// `POST /unsubscribe?token=…`: one-click unsubscribe (RFC 8058), from a mail client or
/// the unsubscribe page's button.
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let mut fields = form(body)?;
    fields.extend(params);
    let id = verify(&subscriptions, Purpose::Unsubscribe, &fields)?;
    let now = Utc::now();
    state
        .blocking(move |state| Ok(state.store.unsubscribe(id, now)?))
        .await?;
    tracing::info!(
        subscriber = id,
        one_click = fields.contains_key("List-Unsubscribe"),
        "unsubscribed"
    );
    let _ = headers;
    message(
        &state,
        "You are unsubscribed",
        vec!["No more digests will be sent to you. You can subscribe again from any search.".to_owned()],
        Some(("Back to the latest news", "/".to_owned())),
    )
}

fn verify(
    subscriptions: &Subscriptions,
    purpose: Purpose,
    fields: &HashMap<String, String>,
) -> Result<i64, AppError> {
    verify_issued(subscriptions, purpose, fields).map(|(id, _)| id)
}

/// The subscriber a form's or link's token names, and when the token was issued.
fn verify_issued(
    subscriptions: &Subscriptions,
    purpose: Purpose,
    fields: &HashMap<String, String>,
) -> Result<(i64, chrono::DateTime<Utc>), AppError> {
    let token = fields.get("token").ok_or_else(|| {
        AppError::BadRequest("this link is missing its token; use the link from your email".to_owned())
    })?;
    subscriptions
        .links
        .signer
        .verify_issued(purpose, token, Utc::now())
        .map_err(|error| AppError::BadRequest(error.to_string()))
}
