//! Admin endpoints, for the operator's scripts: every source with its full state, pausing,
//! resuming and hurrying a source, the subscriber list with full addresses, and Prometheus
//! metrics. They exist only when `server.admin_token` is set and answer only to
//! `Authorization: Bearer <token>`: fetch addresses, file paths and error details are the
//! operator's business, not the public's.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use csfeed_core::SourceId;
use csfeed_store::{SourceChange, SourceRecord};

use crate::spreadsheet::inert;
use crate::{AppError, AppState};

/// `None` when the request carries the admin token, else the refusal to send.
fn refusal(state: &AppState, headers: &HeaderMap) -> Option<Response> {
    let Some(token) = &state.admin_token else {
        return Some(AppError::NotFound("there is no page at this address".to_owned()).into_response());
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if token.accepts(presented.trim()) {
        return None;
    }
    tracing::warn!("admin request refused: missing or wrong token");
    Some(
        (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "an admin token is required: send Authorization: Bearer <server.admin_token>\n",
        )
            .into_response(),
    )
}

/// `/metrics`: Prometheus text format.
pub(crate) async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&state, &headers) {
        return refused;
    }
    match &state.metrics {
        Some(handle) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            handle.render(),
        )
            .into_response(),
        None => AppError::NotFound("metrics are not enabled in this process".to_owned()).into_response(),
    }
}

/// `/admin/sources.json`: every source with its configuration and fetch state.
pub(crate) async fn sources(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&state, &headers) {
        return refused;
    }
    let rows = state
        .blocking(|state| Ok(state.store.sources()?.iter().map(source_json).collect::<Vec<_>>()))
        .await;
    match rows {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `POST /admin/sources/{id}/{action}`: `pause` (the scheduler skips it until resumed; the
/// config is not touched), `resume`, or `refresh` (due now: the scheduler's next round
/// fetches it, cutting any backoff short). Answers the source as it now stands.
pub(crate) async fn source_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(refused) = refusal(&state, &headers) {
        return refused;
    }
    let not_found = |message: String| {
        (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "error": message })),
        )
    };
    let Some(change) = SourceChange::parse(&action) else {
        return not_found(format!(
            "there is no action {action:?}: use pause, resume or refresh"
        ))
        .into_response();
    };
    let Ok(source_id) = SourceId::parse(&id) else {
        return not_found(format!("there is no source {id:?}: see /admin/sources.json")).into_response();
    };
    let done = state
        .blocking(move |state| {
            let store = &state.store;
            let found = store.change_source(&source_id, change, chrono::Utc::now())?;
            if found {
                tracing::info!(source = %source_id, action = change.as_str(), "admin changed a source");
            }
            Ok(store.source(&source_id)?.filter(|_| found))
        })
        .await;
    match done {
        Ok(Some(record)) => axum::Json(source_json(&record)).into_response(),
        Ok(None) => not_found(format!("there is no source {id:?}: see /admin/sources.json")).into_response(),
        Err(error) => error.into_response(),
    }
}

/// One source with its configuration and fetch state, as `/admin/sources.json` and
/// `csfeed sources list --json` give it.
pub fn source_json(record: &SourceRecord) -> serde_json::Value {
    let state = &record.state;
    serde_json::json!({
        "id": record.source.id,
        "name": record.source.name,
        "url": record.source.display_url(),
        "fetch_url": csfeed_core::display_url(record.url_to_fetch()),
        "kind": record.source.kind.as_str(),
        "status": record.status(),
        "in_config": record.in_config,
        "enabled": record.source.enabled,
        "paused_at": record.paused_at,
        "articles": record.article_count,
        "last_attempt_at": state.last_attempt_at,
        "last_success_at": state.last_success_at,
        "last_error": state.last_error,
        "last_status": state.last_status,
        "consecutive_failures": state.consecutive_failures,
        "next_due_at": state.next_due_at,
        "fetches": state.fetches,
        "not_modified": state.not_modified,
        "bytes_saved": state.bytes_saved,
        "redirect_to": state.redirect_to,
        "publications_pending": record.publications_pending,
        "publications_failing": record.publications_failing,
    })
}

/// `/admin/subscribers.csv`: email, frequency, state, followed searches.
pub(crate) async fn subscribers(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&state, &headers) {
        return refused;
    }
    let csv = state.blocking(|state| subscribers_csv(&state.store)).await;
    match csv {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            csv,
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}

/// Every subscriber as CSV with full addresses: `email,frequency,state,follows` (the
/// followed searches joined with " | "). Shared by this endpoint and `csfeed subscribers
/// export`.
pub fn subscribers_csv(store: &csfeed_store::Store) -> Result<String, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["email", "frequency", "state", "follows"])
        .map_err(crate::spreadsheet::csv_error)?;
    for (subscriber, follows) in store.subscribers_with_follows()? {
        let follows: Vec<String> = follows.into_iter().map(|follow| follow.query).collect();
        writer
            .write_record([
                inert(&subscriber.email).as_str(),
                subscriber.frequency.as_str(),
                subscriber_state(&subscriber),
                inert(&follows.join(" | ")).as_str(),
            ])
            .map_err(crate::spreadsheet::csv_error)?;
    }
    let bytes = crate::spreadsheet::finish(writer)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// "confirmed", "awaiting confirmation", "suspended: mail refused" or "unsubscribed".
pub fn subscriber_state(subscriber: &csfeed_store::Subscriber) -> &'static str {
    match (
        subscriber.confirmed_at,
        subscriber.unsubscribed_at,
        subscriber.suspended_at,
    ) {
        (_, Some(_), _) => "unsubscribed",
        (_, None, Some(_)) => "suspended: mail refused",
        (Some(_), None, None) => "confirmed",
        (None, None, None) => "awaiting confirmation",
    }
}
