//! Admin endpoints, for the operator's scripts: every source with its full state, and the
//! subscriber list with full addresses. They exist only when `server.admin_token` is set
//! and answer only to `Authorization: Bearer <token>`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

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

/// `/admin/sources.json`: every source with its configuration and fetch state.
pub(crate) async fn sources(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&state, &headers) {
        return refused;
    }
    let rows = state
        .blocking(|state| {
            Ok(state
                .store
                .sources()?
                .iter()
                .map(|record| {
                    serde_json::json!({
                        "id": record.source.id,
                        "name": record.source.name,
                        "url": record.source.url,
                        "kind": record.source.kind.as_str(),
                        "enabled": record.source.enabled,
                        "in_config": record.in_config,
                        "status": record.status(),
                        "articles": record.article_count,
                        "last_error": record.state.last_error,
                        "consecutive_failures": record.state.consecutive_failures,
                        "last_success_at": record.state.last_success_at,
                        "next_due_at": record.state.next_due_at,
                    })
                })
                .collect::<Vec<_>>())
        })
        .await;
    match rows {
        Ok(rows) => axum::Json(rows).into_response(),
        Err(error) => error.into_response(),
    }
}

/// `/admin/subscribers.csv`: email, frequency, state, followed searches.
pub(crate) async fn subscribers(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(refused) = refusal(&state, &headers) {
        return refused;
    }
    let csv = state.blocking(|state| Ok(subscribers_csv(&state.store)?)).await;
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
pub fn subscribers_csv(store: &csfeed_store::Store) -> Result<String, csfeed_store::StoreError> {
    let mut out = String::from("email,frequency,state,follows\n");
    for (subscriber, follows) in store.subscribers_with_follows()? {
        let follows: Vec<String> = follows.into_iter().map(|follow| follow.query).collect();
        out.push_str(&format!(
            "{},{},{},{}\n",
            csv_field(&subscriber.email),
            subscriber.frequency,
            subscriber_state(&subscriber),
            csv_field(&follows.join(" | "))
        ));
    }
    Ok(out)
}

/// "confirmed", "awaiting confirmation" or "unsubscribed".
pub fn subscriber_state(subscriber: &csfeed_store::Subscriber) -> &'static str {
    match (subscriber.confirmed_at, subscriber.unsubscribed_at) {
        (_, Some(_)) => "unsubscribed",
        (Some(_), None) => "confirmed",
        (None, None) => "awaiting confirmation",
    }
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}
