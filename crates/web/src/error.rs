//! Errors as HTTP responses: every one is a page in the site's design.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::views::Chrome;

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

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match &self {
            AppError::NotFound(what) => (StatusCode::NOT_FOUND, "Page not found", what.as_str()),
            AppError::BadRequest(why) => (
                StatusCode::BAD_REQUEST,
                "That request could not be understood",
                why.as_str(),
            ),
            AppError::TooLarge(why) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "That was more than the form takes",
                why.as_str(),
            ),
            AppError::Unavailable(why) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Please try again later",
                why.as_str(),
            ),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "The problem has been logged. Please try again in a moment.",
                )
            }
        };
        let page = ErrorPage {
            chrome: Chrome::generic(&format!("{} – {heading}", status.as_u16())),
            status: status.as_u16(),
            heading,
            message,
        };
        match page.render() {
            Ok(body) => (status, Html(body)).into_response(),
            Err(_) => (status, message.to_owned()).into_response(),
        }
    }
}
