//! The fetcher against local servers: wiremock for well-formed exchanges, the testkit's
//! fault server for misbehaviour. Every test is bounded by small timeouts.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use csfeed_testkit::FaultServer;
use url::Url;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn config() -> FetchConfig {
    FetchConfig {
        max_body_bytes: 1024 * 1024,
        request_timeout: Duration::from_secs(4),
        stall_timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(2),
        min_host_interval: Duration::ZERO,
        ..FetchConfig::default()
    }
}

fn fetcher() -> Fetcher {
    Fetcher::new(config()).unwrap()
}

fn url(raw: &str) -> Url {
    Url::parse(raw).unwrap()
}

async fn fault(robots: Option<&str>) -> FaultServer {
    FaultServer::start(LOOPBACK, robots.map(str::to_owned))
        .await
        .unwrap()
}

async fn fetch_error(server: &FaultServer, route: &str) -> FetchError {
    match fetcher()
        .fetch(&url(&server.url(route)), &Validators::default())
        .await
    {
        Err(error) => error,
        Ok(outcome) => panic!("{route} should fail, got {outcome:?}"),
    }
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
    let fetcher = fetcher();
    let target = url(&format!("{}/feed", server.uri()));
    let FetchOutcome::Fetched(fetched) = fetcher.fetch(&target, &Validators::default()).await.unwrap() else {
        panic!("expected a body")
    };
    assert_eq!(&fetched.body[..], b"<rss/>");
    assert_eq!(fetched.status, Some(200));
    assert_eq!(fetched.content_type.as_deref(), Some("application/rss+xml"));
    assert_eq!(fetched.validators.etag.as_deref(), Some("\"v1\""));
    let FetchOutcome::NotModified { validators, .. } =
        fetcher.fetch(&target, &fetched.validators).await.unwrap()
    else {
        panic!("expected 304")
    };
    assert_eq!(
        validators, fetched.validators,
        "a 304 without validators keeps the old ones"
    );
}

#[tokio::test]
async fn error_statuses_are_errors_with_the_status() {
    let server = fault(None).await;
    let error = fetch_error(&server, "/status/500").await;
    assert_eq!(error.http_status(), Some(500));
    assert_eq!(error.to_string(), "HTTP 500 Internal Server Error");
    assert_eq!(error.retry_after(), None);
    assert_eq!(
        fetch_error(&server, "/nothing-here").await.to_string(),
        "HTTP 404 Not Found"
    );
}

#[tokio::test]
async fn retry_after_is_read_in_both_forms() {
    let server = fault(None).await;
    let error = fetch_error(&server, "/status/429").await;
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(
        error.to_string(),
        "HTTP 429 Too Many Requests (retry after 120 s)"
    );
    let error = fetch_error(&server, "/status/503").await;
    let wait = error.retry_after().expect("an HTTP-date Retry-After");
    assert!(
        wait > Duration::from_secs(3500) && wait <= Duration::from_secs(3600),
        "{wait:?}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = fault(None).await;
    let error = fetch_error(&server, "/slow-headers").await;
    assert!(matches!(error, FetchError::Timeout(_)), "{error:?}");
}

#[tokio::test]
async fn a_trickling_body_hits_the_request_timeout() {
    let server = fault(None).await;
    let error = fetch_error(&server, "/slow-body").await;
    assert!(matches!(error, FetchError::Timeout(_)), "{error:?}");
}

/// One byte a second never trips the stall timeout, so only a deadline over the whole body
/// read ends it: it must end with the timeout error, well before the body would finish
/// (1,000 s) and, here, well inside the 60 s of the default configuration.
#[tokio::test]
async fn a_body_at_one_byte_a_second_ends_at_the_whole_request_deadline() {
    let server = fault(None).await;
    let patient_reader = Fetcher::new(FetchConfig {
        request_timeout: Duration::from_secs(3),
        stall_timeout: Duration::from_secs(30),
        ..config()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let result = patient_reader
        .fetch(&url(&server.url("/slow-body")), &Validators::default())
        .await;
    let elapsed = started.elapsed();
    assert!(matches!(result, Err(FetchError::Timeout(_))), "{result:?}");
    assert!(elapsed < Duration::from_secs(30), "ended after {elapsed:?}");
}

/// reqwest's own timeout starts again at every redirect hop; the request timeout is for the
/// whole fetch. Four hops of 2 s each are each well inside 5 s, but not all together.
#[tokio::test]
async fn slow_redirect_hops_share_one_request_deadline() {
    let server = fault(None).await;
    let fetcher = Fetcher::new(FetchConfig {
        request_timeout: Duration::from_secs(5),
        stall_timeout: Duration::from_secs(30),
        ..config()
    })
    .unwrap();
    let result = fetcher
        .fetch(&url(&server.url("/slow-redirect/3")), &Validators::default())
        .await;
    let Err(FetchError::Timeout(detail)) = result else {
        panic!("should time out, got {result:?}");
    };
    assert!(detail.contains("fetch.request_timeout"), "{detail}");
}

#[tokio::test]
async fn waiting_for_the_host_between_redirect_hops_is_not_counted_against_the_deadline() {
    let server = fault(None).await;
    // Each hop waits 2 s for the host (politeness) but is answered at once: the loop is
    // found, where a deadline that counted the waiting would have timed out after 1 s.
    let fetcher = Fetcher::new(FetchConfig {
        request_timeout: Duration::from_secs(1),
        min_host_interval: Duration::from_secs(2),
        ..config()
    })
    .unwrap();
    let result = fetcher
        .fetch(&url(&server.url("/loop/a")), &Validators::default())
        .await;
    let Err(FetchError::Redirect(detail)) = result else {
        panic!("should be a redirect loop, got {result:?}");
    };
    assert!(detail.contains("redirect loop"), "{detail}");
}

#[tokio::test]
async fn endless_huge_and_bomb_bodies_stop_at_the_cap() {
    let server = fault(None).await;
    for route in ["/endless", "/huge", "/gzip-bomb"] {
        let error = fetch_error(&server, route).await;
        assert!(
            matches!(
                error,
                FetchError::TooLarge {
                    limit_bytes: 1_048_576
                }
            ),
            "{route}: {error:?}"
        );
    }
}

#[tokio::test]
async fn redirect_loops_and_long_chains_are_refused() {
    let server = fault(None).await;
    let error = fetch_error(&server, "/loop/a").await;
    assert!(error.to_string().contains("redirect loop"), "{error}");
    let error = fetch_error(&server, "/chain/9").await;
    assert!(error.to_string().contains("more than 5 redirects"), "{error}");
}

#[tokio::test]
async fn redirect_chains_are_followed_and_permanent_moves_reported() {
    let server = fault(None).await;
    let fetcher = fetcher();
    let FetchOutcome::Fetched(moved) = fetcher
        .fetch(&url(&server.url("/chain/3")), &Validators::default())
        .await
        .unwrap()
    else {
        panic!("expected a body")
    };
    assert_eq!(moved.final_url.as_str(), server.url("/chain/0"));
    assert_eq!(
        moved.permanent_redirect.as_ref().map(Url::as_str),
        Some(server.url("/chain/0").as_str())
    );
    let FetchOutcome::Fetched(temporary) = fetcher
        .fetch(&url(&server.url("/temporary/7")), &Validators::default())
        .await
        .unwrap()
    else {
        panic!("expected a body")
    };
    assert_eq!(temporary.final_url.as_str(), server.url("/feed/7"));
    assert_eq!(temporary.permanent_redirect, None, "a 302 is not a move");
}

#[tokio::test]
async fn robots_disallowed_urls_are_never_requested() {
    let server = fault(Some("User-agent: *\nDisallow: /private/\n")).await;
    let fetcher = fetcher();
    let error = fetcher
        .fetch(&url(&server.url("/private/1")), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::BlockedByRobots(_)), "{error:?}");
    assert!(error.to_string().starts_with("blocked by robots.txt"), "{error}");
    assert_eq!(server.hits("/private/1"), 0, "the disallowed URL was requested");
    assert!(
        fetcher
            .fetch(&url(&server.url("/feed/1")), &Validators::default())
            .await
            .is_ok()
    );
    assert!(
        fetcher
            .fetch(&url(&server.url("/feed/2")), &Validators::default())
            .await
            .is_ok()
    );
    assert_eq!(server.hits("/robots.txt"), 1, "robots.txt is cached");
}

#[tokio::test]
async fn redirects_into_disallowed_paths_are_not_followed() {
    let server = fault(Some("User-agent: csfeed\nDisallow: /feed/\n")).await;
    let error = fetch_error(&server, "/temporary/3").await;
    assert!(matches!(error, FetchError::BlockedByRobots(_)), "{error:?}");
    assert_eq!(server.hits("/feed/3"), 0);
}

#[tokio::test]
async fn an_unreachable_robots_txt_blocks_the_site() {
    let server = MockServer::start().await;
    Mock::given(path("/robots.txt"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<rss/>"))
        .mount(&server)
        .await;
    let error = fetcher()
        .fetch(&url(&format!("{}/feed", server.uri())), &Validators::default())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("robots.txt answered HTTP 503"),
        "{error}"
    );
    let feed_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/feed")
        .count();
    assert_eq!(feed_requests, 0);
}

#[tokio::test]
async fn refused_connections_say_so() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = fetcher()
        .fetch(&url(&format!("http://{address}/feed")), &Validators::default())
        .await
        .unwrap_err();
    assert!(matches!(error, FetchError::Connect(_)), "{error:?}");
    assert!(
        error.to_string().contains("(while fetching robots.txt)"),
        "robots first: {error}"
    );
    let unguarded = Fetcher::new(FetchConfig {
        obey_robots: false,
        ..config()
    })
    .unwrap();
    let error = unguarded
        .fetch(&url(&format!("http://{address}/feed")), &Validators::default())
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
    let fetcher = fetcher();
    let FetchOutcome::Fetched(fetched) = fetcher.fetch(&target, &Validators::default()).await.unwrap() else {
        panic!("expected a body")
    };
    assert_eq!(&fetched.body[..], b"<rss/>");
    let again = fetcher.fetch(&target, &fetched.validators).await.unwrap();
    assert!(matches!(again, FetchOutcome::NotModified { .. }));
    let missing = Url::from_file_path(dir.path().join("missing.xml")).unwrap();
    let error = fetcher.fetch(&missing, &Validators::default()).await.unwrap_err();
    assert!(error.to_string().starts_with("cannot read "), "{error}");
    let unsupported = url("ftp://example.org/feed");
    assert!(matches!(
        fetcher.fetch(&unsupported, &Validators::default()).await,
        Err(FetchError::UnsupportedScheme(_))
    ));
}

#[tokio::test]
async fn downloads_go_to_a_file_through_redirects_and_stop_at_the_cap() {
    let server = MockServer::start().await;
    let report = b"%PDF-1.4 a report".repeat(4096);
    Mock::given(method("GET"))
        .and(path("/old.pdf"))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/report.pdf"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/report.pdf"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/pdf")
                .set_body_bytes(report.clone()),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    let downloaded = fetcher()
        .download(&url(&format!("{}/old.pdf", server.uri())), &file)
        .await
        .unwrap();
    assert_eq!(downloaded.bytes, report.len() as u64);
    assert_eq!(downloaded.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(downloaded.final_url.path(), "/report.pdf");
    assert_eq!(std::fs::read(&file).unwrap(), report);

    let faults = fault(None).await;
    for route in ["/endless", "/huge", "/gzip-bomb"] {
        let error = fetcher()
            .download(&url(&faults.url(route)), &file)
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::TooLarge { .. }), "{route}: {error:?}");
        assert!(std::fs::metadata(&file).unwrap().len() <= 1024 * 1024, "{route}");
    }
    let error = fetcher()
        .download(&url(&format!("{}/missing.pdf", server.uri())), &file)
        .await
        .unwrap_err();
    assert_eq!(error.http_status(), Some(404));
}
