//! Test-only helpers for csfeed: [`FaultServer`], a local HTTP/1.1 server written on raw
//! TCP so that it can misbehave in ways a well-behaved server framework never would —
//! stalling before headers, trickling a body, never ending one, sending a gzip bomb,
//! redirecting in circles — and count every request it receives.
//!
//! It binds to a loopback address only and every misbehaviour is bounded in time.
//!
//! Also [`serve_smtp`]: a real SMTP server for email tests; and [`OfstedMirror`]: Ofsted's
//! provider pages and reports at any scale, able to hold requests and fail downloads; and
//! [`TestDatabase`]: a fresh PostgreSQL database per test, or a skip when there is no server.
#![deny(missing_docs)]

mod ofsted;
mod postgres;
mod smtp;

pub use ofsted::{MirrorCouncil, OfstedMirror, minimal_pdf};
pub use postgres::{POSTGRES_URL_VARIABLE, REQUIRE_POSTGRES_VARIABLE, TestDatabase};
pub use smtp::serve_smtp;

use std::collections::HashMap;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Longest any misbehaving response keeps a connection busy.
const MISBEHAVIOUR_LIMIT: Duration = Duration::from_secs(30);

/// Routes (each answers every path that starts with it):
///
/// | path | answer |
/// |---|---|
/// | `/robots.txt` | the configured robots.txt, else 404 |
/// | `/feed/N` | a valid RSS 2.0 feed of 3 items named after N, with `ETag "N-v1"`; 304 to a matching `If-None-Match` |
/// | `/private/N` | the same feed (for robots.txt tests) |
/// | `/delayed/N` | the `/feed/N` feed, after a 2-second pause |
/// | `/slow-headers` | nothing at all for 30 s |
/// | `/slow-body` | headers, then one byte per second |
/// | `/endless` | a body that never ends (64 KiB writes until the client leaves) |
/// | `/huge` | `Content-Length: 200 MB`, then zeros |
/// | `/gzip-bomb` | `Content-Encoding: gzip`: about 50 KB that inflates to 50 MB |
/// | `/loop/a`, `/loop/b` | 302 to each other |
/// | `/chain/N` | 301 to `/chain/N-1`; `/chain/0` is a feed |
/// | `/temporary/N` | 302 to `/feed/N` |
/// | `/slow-redirect/N` | after a 2-second pause, 302 to `/slow-redirect/N-1`; `/slow-redirect/0` to `/feed/slow` |
/// | `/status/CODE` | that status; 429 adds `Retry-After: 120`, 503 an HTTP-date an hour ahead |
/// | `/html` | an HTML page advertising `/feed/html` |
/// | `/latin1` | a feed in Latin-1 bytes labelled `charset=utf-8` |
/// | `/control-chars` | a feed with C0 control characters in its text |
/// | `/entities` | a feed with a billion-laughs DTD and an external entity |
#[derive(Debug, Clone)]
pub struct FaultServer {
    address: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl FaultServer {
    /// Starts a server on `ip` (a loopback address) and a free port. `robots` is served
    /// at `/robots.txt` when given.
    pub async fn start(ip: IpAddr, robots: Option<String>) -> std::io::Result<Self> {
        // Build the bomb before accepting, so serving it never stalls.
        let _ = tokio::task::spawn_blocking(gzip_bomb).await;
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await?;
        let address = listener.local_addr()?;
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let robots = Arc::new(robots);
        let counter = hits.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (counter, robots) = (counter.clone(), robots.clone());
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(MISBEHAVIOUR_LIMIT, serve(stream, counter, robots)).await;
                });
            }
        });
        Ok(Self { address, hits })
    }

    /// `http://ip:port/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The address it listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Requests received for exactly `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests received in all.
    pub fn total_hits(&self) -> usize {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }
}

/// A valid RSS 2.0 feed of three items whose titles start with `name`.
pub fn rss_feed(name: &str) -> String {
    let items: String = (1..=3)
        .map(|n| {
            format!(
                "<item><title>{name} story {n}</title><link>https://{name}.example/{n}</link>\
                 <guid>{name}-{n}</guid><pubDate>Mon, 0{n} Jul 2024 09:00:00 +0000</pubDate>\
                 <description>Children's services news item {n} from {name}.</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{name}</title>\
         <link>https://{name}.example/</link><description>Test feed</description>{items}</channel></rss>"
    )
}

struct Request {
    path: String,
    if_none_match: Option<String>,
}

async fn serve(mut stream: TcpStream, hits: Arc<Mutex<HashMap<String, usize>>>, robots: Arc<Option<String>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    *hits
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(request.path.clone())
        .or_default() += 1;
    let path = request.path.as_str();
    let _ = match path {
        "/robots.txt" => match robots.as_ref() {
            Some(body) => respond(&mut stream, 200, "text/plain", &[], body.as_bytes()).await,
            None => respond(&mut stream, 404, "text/plain", &[], b"not found").await,
        },
        _ if path.starts_with("/feed/") || path.starts_with("/private/") || path.starts_with("/chain/0") => {
            feed(&mut stream, path, request.if_none_match.as_deref()).await
        }
        _ if path.starts_with("/delayed/") => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            feed(
                &mut stream,
                &path.replacen("/delayed/", "/feed/", 1),
                request.if_none_match.as_deref(),
            )
            .await
        }
        _ if path.starts_with("/slow-headers") => {
            tokio::time::sleep(MISBEHAVIOUR_LIMIT).await;
            Ok(())
        }
        _ if path.starts_with("/slow-body") => slow_body(&mut stream).await,
        _ if path.starts_with("/endless") => endless(&mut stream, None).await,
        _ if path.starts_with("/huge") => endless(&mut stream, Some(200_000_000)).await,
        _ if path.starts_with("/gzip-bomb") => {
            respond(
                &mut stream,
                200,
                "application/rss+xml",
                &[("Content-Encoding", "gzip".into())],
                gzip_bomb(),
            )
            .await
        }
        "/loop/a" => redirect(&mut stream, 302, "/loop/b").await,
        "/loop/b" => redirect(&mut stream, 302, "/loop/a").await,
        _ if path.starts_with("/chain/") => {
            let n: u32 = path["/chain/".len()..].parse().unwrap_or(0);
            redirect(&mut stream, 301, &format!("/chain/{}", n.saturating_sub(1))).await
        }
        _ if path.starts_with("/slow-redirect/") => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let n: u32 = path["/slow-redirect/".len()..].parse().unwrap_or(0);
            let next = match n {
                0 => "/feed/slow".to_owned(),
                n => format!("/slow-redirect/{}", n - 1),
            };
            redirect(&mut stream, 302, &next).await
        }
        _ if path.starts_with("/temporary/") => {
            redirect(
                &mut stream,
                302,
                &format!("/feed/{}", &path["/temporary/".len()..]),
            )
            .await
        }
        _ if path.starts_with("/status/") => status(&mut stream, &path["/status/".len()..]).await,
        "/html" => {
            let page = "<!DOCTYPE html><html><head><title>News</title><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/feed/html\"></head><body><h1>News</h1></body></html>";
            respond(&mut stream, 200, "text/html; charset=utf-8", &[], page.as_bytes()).await
        }
        "/latin1" => {
            let body = b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Latin</title><item><title>Placements cost \xA35,800 a week in Cr\xE9ditville</title><guid>latin-1</guid></item></channel></rss>";
            respond(&mut stream, 200, "application/rss+xml; charset=utf-8", &[], body).await
        }
        "/control-chars" => {
            let body = rss_feed("control").replace("story 1", "story\u{1}\u{b} 1\u{1f}");
            respond(&mut stream, 200, "application/rss+xml", &[], body.as_bytes()).await
        }
        "/entities" => {
            let body = format!(
                "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\"><!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\"><!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>{}",
                rss_feed("entities")
                    .replace("entities story 1", "&lol3; &xxe;")
                    .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            );
            respond(&mut stream, 200, "application/rss+xml", &[], body.as_bytes()).await
        }
        _ => respond(&mut stream, 404, "text/plain", &[], b"not found").await,
    };
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buffer.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 || buffer.len() > 64 * 1024 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let head = String::from_utf8_lossy(&buffer);
    let mut lines = head.lines();
    let path = lines.next()?.split_whitespace().nth(1)?.to_owned();
    let if_none_match = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("if-none-match")
            .then(|| value.trim().to_owned())
    });
    Some(Request { path, if_none_match })
}

async fn respond(
    stream: &mut TcpStream,
    status: u16,
    content_type: &str,
    extra: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    for (name, value) in extra {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.flush().await
}

async fn feed(stream: &mut TcpStream, path: &str, if_none_match: Option<&str>) -> std::io::Result<()> {
    let name: String = path.trim_start_matches('/').replace('/', "-");
    let etag = format!("\"{name}-v1\"");
    if if_none_match == Some(etag.as_str()) {
        let head = format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n");
        return stream.write_all(head.as_bytes()).await;
    }
    respond(
        stream,
        200,
        "application/rss+xml; charset=utf-8",
        &[("ETag", etag)],
        rss_feed(&name).as_bytes(),
    )
    .await
}

async fn slow_body(stream: &mut TcpStream) -> std::io::Result<()> {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await?;
    for _ in 0..1000 {
        stream.write_all(b" ").await?;
        stream.flush().await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}

async fn endless(stream: &mut TcpStream, declared_length: Option<u64>) -> std::io::Result<()> {
    let length = declared_length
        .map(|n| format!("Content-Length: {n}\r\n"))
        .unwrap_or_default();
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{length}Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await?;
    let block = vec![b' '; 64 * 1024];
    loop {
        stream.write_all(&block).await?;
    }
}

async fn redirect(stream: &mut TcpStream, status: u16, location: &str) -> std::io::Result<()> {
    respond(
        stream,
        status,
        "text/plain",
        &[("Location", location.to_owned())],
        b"moved",
    )
    .await
}

async fn status(stream: &mut TcpStream, code: &str) -> std::io::Result<()> {
    let status: u16 = code.parse().unwrap_or(500);
    let extra = match status {
        429 => vec![("Retry-After", "120".to_owned())],
        503 => vec![(
            "Retry-After",
            httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600)),
        )],
        _ => Vec::new(),
    };
    respond(stream, status, "text/plain", &extra, b"error").await
}

/// About 50 KB of gzip that inflates to 50 MB of spaces (made once per process).
fn gzip_bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let block = vec![b' '; 1024 * 1024];
        for _ in 0..50 {
            let _ = encoder.write_all(&block);
        }
        encoder.finish().unwrap_or_default()
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
