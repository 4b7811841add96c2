//! Fetching what csfeed sources point at, over HTTP(S) or from local files.
//!
//! `csfeed-fetch` is the only crate that talks to the outside world. It hands the ingest
//! stage raw bytes plus what it needs to interpret them (content type, final URL), and hands
//! the store the cache validators (ETag, Last-Modified) for the next conditional request.
//! Every limit is enforced here: connection, whole-request and stall timeouts, a redirect
//! limit and a body-size cap counted on decompressed bytes while streaming.
#![deny(missing_docs)]

mod error;
mod fetcher;
mod local;

pub use error::FetchError;
pub use fetcher::{FetchConfig, FetchOutcome, Fetched, Fetcher, Validators};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use url::Url;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    fn fetcher(max_body_bytes: u64) -> Fetcher {
        Fetcher::new(FetchConfig {
            max_body_bytes,
            request_timeout: Duration::from_secs(10),
            ..FetchConfig::default()
        })
        .unwrap()
    }

    fn url(server: &MockServer, route: &str) -> Url {
        Url::parse(&format!("{}{route}", server.uri())).unwrap()
    }

    #[tokio::test]
    async fn conditional_get_turns_a_repeat_into_not_modified() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/feed"))
            .and(header("if-none-match", "\"v1\""))
            .respond_with(ResponseTemplate::new(304))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/feed"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("etag", "\"v1\"")
                    .insert_header("last-modified", "Fri, 12 Jul 2024 09:30:00 GMT")
                    .set_body_raw("<rss/>", "application/rss+xml"),
            )
            .mount(&server)
            .await;
        let fetcher = fetcher(1024);
        let first = fetcher
            .fetch(&url(&server, "/feed"), &Validators::default())
            .await
            .unwrap();
        let FetchOutcome::Fetched(fetched) = first else {
            panic!("expected a body")
        };
        assert_eq!(&fetched.body[..], b"<rss/>");
        assert_eq!(fetched.status, Some(200));
        assert_eq!(fetched.content_type.as_deref(), Some("application/rss+xml"));
        assert_eq!(fetched.validators.etag.as_deref(), Some("\"v1\""));
        let second = fetcher
            .fetch(&url(&server, "/feed"), &fetched.validators)
            .await
            .unwrap();
        let FetchOutcome::NotModified { validators } = second else {
            panic!("expected 304")
        };
        assert_eq!(
            validators, fetched.validators,
            "a 304 without validators keeps the old ones"
        );
    }

    #[tokio::test]
    async fn error_statuses_are_errors_with_the_status() {
        let server = MockServer::start().await;
        Mock::given(path("/gone"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let error = fetcher(1024)
            .fetch(&url(&server, "/gone"), &Validators::default())
            .await
            .unwrap_err();
        assert_eq!(error.http_status(), Some(404));
        assert_eq!(error.to_string(), "HTTP 404 Not Found");
    }

    #[tokio::test]
    async fn bodies_over_the_cap_are_refused() {
        let server = MockServer::start().await;
        Mock::given(path("/big"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 5000]))
            .mount(&server)
            .await;
        let error = fetcher(1000)
            .fetch(&url(&server, "/big"), &Validators::default())
            .await
            .unwrap_err();
        assert!(
            matches!(error, FetchError::TooLarge { limit_bytes: 1000 }),
            "{error}"
        );
    }

    #[tokio::test]
    async fn refused_connections_say_so() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        let target = Url::parse(&format!("http://{address}/feed")).unwrap();
        let error = fetcher(1000)
            .fetch(&target, &Validators::default())
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::Connect(_)), "{error:?}");
        assert!(error.to_string().to_lowercase().contains("refused"), "{error}");
    }

    #[tokio::test]
    async fn files_are_read_and_unchanged_files_are_not_modified() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("feed.xml");
        std::fs::write(&file, "<rss/>").unwrap();
        let target = Url::from_file_path(&file).unwrap();
        let fetcher = fetcher(1000);
        let FetchOutcome::Fetched(fetched) = fetcher.fetch(&target, &Validators::default()).await.unwrap()
        else {
            panic!("expected a body")
        };
        assert_eq!(&fetched.body[..], b"<rss/>");
        let again = fetcher.fetch(&target, &fetched.validators).await.unwrap();
        assert!(matches!(again, FetchOutcome::NotModified { .. }));
        let missing = Url::from_file_path(dir.path().join("missing.xml")).unwrap();
        let error = fetcher.fetch(&missing, &Validators::default()).await.unwrap_err();
        assert!(error.to_string().starts_with("cannot read "), "{error}");
        let unsupported = Url::parse("ftp://example.org/feed").unwrap();
        assert!(matches!(
            fetcher.fetch(&unsupported, &Validators::default()).await,
            Err(FetchError::UnsupportedScheme(_))
        ));
    }
}
