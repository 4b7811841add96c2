//! Errors as HTTP responses: every one is a page in the site's design.

use askama::Template;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::views::{Chrome, PageAddress};

/// Why a request could not be answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// No such page or article.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request's parameters are unusable; the message says which and how to fix it.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The request body is larger than the site accepts.
    #[error("too large: {0}")]
    TooLarge(String),
    /// A service we depend on (the mail server) failed; the message says what to do.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// Something on our side failed; details are logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<csfeed_store::StoreError> for AppError {
    fn from(error: csfeed_store::StoreError) -> Self {
        AppError::Internal(error.to_string())
    }
}

impl From<csfeed_search::SearchError> for AppError {
    fn from(error: csfeed_search::SearchError) -> Self {
        AppError::Internal(error.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    heading: &'a str,
    message: &'a str,
}

/// What an error page says. [`AppError`] puts it on its response, and [`error_pages`]
/// renders it, because only the router's middleware knows the site's settings.
#[derive(Debug, Clone)]
struct ErrorDetails {
    heading: &'static str,
    message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match self {
            AppError::NotFound(what) => (StatusCode::NOT_FOUND, "Page not found", what),
            AppError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "That request could not be understood",
                why,
            ),
            AppError::TooLarge(why) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "That was more than the form takes",
                why,
            ),
            AppError::Unavailable(why) => (StatusCode::SERVICE_UNAVAILABLE, "Please try again later", why),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "The problem has been logged. Please try again in a moment.".to_owned(),
                )
            }
        };
        // Messages are written as clauses ("there is no page…") for logs; a page shows a
        // sentence.
        let message = capitalised(&message);
        let mut response = (status, format!("{heading}: {message}\n")).into_response();
        response
            .extensions_mut()
            .insert(ErrorDetails { heading, message });
        response
    }
}

/// Middleware: turns an [`AppError`]'s response into a page in the site's design, with
/// the site's title and no feeds to follow.
pub(crate) async fn error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let page = PageAddress::of(&state, request.headers(), request.uri());
    let response = next.run(request).await;
    let Some(details) = response.extensions().get::<ErrorDetails>().cloned() else {
        return response;
    };
    let (mut head, body) = response.into_parts();
    let status = head.status.as_u16();
    let mut chrome = Chrome::new(&state.site, Some(&format!("{status} – {}", details.heading)))
        .at(&page)
        .described(details.message.clone());
    chrome.share_title = details.heading.to_owned();
    chrome.show_feeds = false;
    let rendered = ErrorPage {
        chrome,
        status,
        heading: details.heading,
        message: &details.message,
    }
    .render();
    match rendered {
        Ok(html) => {
            head.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            head.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(head, Body::from(html))
        }
        Err(error) => {
            tracing::error!(%error, "error page template failed");
            Response::from_parts(head, body)
        }
    }
}

/// `text` with its first letter a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
