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

/// `POST /subscribe` (email, q, frequency): records an unconfirmed subscription and sends
/// the confirmation email.
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
    let label = fields
        .get("label")
        .map(|label| label.trim().chars().take(200).collect::<String>())
        .filter(|label| !label.is_empty())
        .unwrap_or_else(|| csfeed_digest::follow_label(&query));
    let now = Utc::now();
    let (address, label_for_store, query_for_store) =
        (email.as_str().to_owned(), label.clone(), query.clone());
    let subscriber = state
        .blocking(move |state| {
            Ok(state.store.subscribe(
                &address,
                frequency.as_str(),
                &query_for_store,
                &label_for_store,
                now,
            )?)
        })
        .await?;
    if subscriber.is_active() {
        tracing::info!(subscriber = subscriber.id, to = %email, "follow added to a confirmed subscription");
        return message(
            &state,
            "Added to your digest",
            vec![format!(
                "“{label}” is now in your {} digest. Every digest has a link to change what you follow.",
                frequency.as_str()
            )],
            Some(("Back to the latest news", "/".to_owned())),
        );
    }
    // One confirmation link per address per interval, however often the form is posted:
    // the link confirms every search the address has asked to follow.
    let claimed = state
        .blocking(move |state| {
            Ok(state
                .store
                .claim_confirmation(subscriber.id, now, now - CONFIRMATION_RESEND_INTERVAL)?)
        })
        .await?;
    if !claimed {
        tracing::info!(
            subscriber = subscriber.id,
            "confirmation recently sent; not sending another"
        );
        return message(
            &state,
            "Check your inbox",
            vec![
                format!(
                    "We sent a confirmation link to {email} a few minutes ago; it confirms this search too."
                ),
                "If it has not arrived, look in your spam folder, or ask again in ten minutes.".to_owned(),
            ],
            Some(("Back to the latest news", "/".to_owned())),
        );
    }
    let confirmation = csfeed_digest::confirmation_email(
        &subscriptions.links,
        &state.site.title,
        subscriptions.mailer.from(),
        Confirmation {
            to: email.as_str(),
            subscriber: subscriber.id,
            label: &label,
            frequency: frequency.as_str(),
        },
        now,
    )
    .map_err(|error| AppError::Internal(error.to_string()))?;
    if let Err(error) = subscriptions
        .mailer
        .send(
            &confirmation,
            &format!("confirm-{}-{}", subscriber.id, now.timestamp()),
        )
        .await
    {
        tracing::warn!(subscriber = subscriber.id, to = %email, %error, "confirmation email not sent");
        let id = subscriber.id;
        state
            .blocking(move |state| Ok(state.store.release_confirmation(id, now)?))
            .await?;
        return Err(AppError::Unavailable(
            "we could not send the confirmation email just now; please try again in a few minutes".to_owned(),
        ));
    }
    tracing::info!(subscriber = subscriber.id, to = %email, "confirmation email sent");
    message(
        &state,
        "Check your inbox",
        vec![
            format!("We have sent a confirmation link to {email}."),
            format!(
                "Your {} digest of “{label}” starts once you follow it. The link works for seven days.",
                frequency.as_str()
            ),
        ],
        Some(("Back to the latest news", "/".to_owned())),
    )
}

/// `GET /subscriptions/confirm?token=…`: the double opt-in.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let subscriptions = enabled(&state)?;
    let now = Utc::now();
    let id = verify(&subscriptions, Purpose::Confirm, &params)?;
    let confirmed = state
        .blocking(move |state| Ok(state.store.confirm_subscriber(id, now)?))
        .await?;
    if !confirmed {
        return Err(AppError::NotFound(
            "that subscription no longer exists; subscribe again".to_owned(),
        ));
    }
    let manage = subscriptions
        .links
        .signed("/subscriptions/manage", Purpose::Manage, id, now);
    message(
        &state,
        "You are subscribed",
        vec![
            "Your first digest comes with the next run. Every digest has links to change or stop it."
                .to_owned(),
        ],
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
        follows,
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
    let token = fields.get("token").ok_or_else(|| {
        AppError::BadRequest("this link is missing its token; use the link from your email".to_owned())
    })?;
    subscriptions
        .links
        .signer
        .verify(purpose, token, Utc::now())
        .map_err(|error| AppError::BadRequest(error.to_string()))
}
