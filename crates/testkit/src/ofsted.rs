//! [`OfstedMirror`]: a local copy of Ofsted's report site at any scale, with provider pages
//! built like the real ones and small generated report PDFs, that can hold requests (so a
//! test can kill a client at an exact point) and fail a file's first downloads.

use std::collections::{BTreeSet, HashMap};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::{read_request, respond};

/// Longest a held request waits before the mirror gives up on it.
const HOLD_LIMIT: Duration = Duration::from_secs(120);

/// One council on the mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MirrorCouncil {
    /// Its Ofsted provider URN.
    pub urn: String,
    /// Its name, as the provider page's heading shows it.
    pub name: String,
}

/// A loopback server for Ofsted provider pages and reports:
///
/// | path | answer |
/// |---|---|
/// | `/provider/44/URN` | the council's provider page (the real page's structure), listing `reports_per_council` publications newest first, with `ETag "URN-v1"`; 304 to a matching `If-None-Match` |
/// | `/files/URN-K.pdf` | report K of that council: a small valid PDF with the report's text |
/// | anything else | 404 |
///
/// Provider page and file requests are numbered in the order they arrive; see
/// [`OfstedMirror::hold_after`].
#[derive(Debug, Clone)]
pub struct OfstedMirror {
    address: SocketAddr,
    state: Arc<MirrorState>,
}

#[derive(Debug)]
struct MirrorState {
    councils: Vec<MirrorCouncil>,
    reports_per_council: usize,
    /// Numbered requests so far.
    requests: Mutex<usize>,
    /// Requests numbered from this one on wait until it changes.
    hold_from: watch::Sender<Option<usize>>,
    /// Numbers of the requests waiting now.
    waiting: Mutex<BTreeSet<usize>>,
    /// Failures still to give, by path.
    failures: Mutex<HashMap<String, (Fault, usize)>>,
    hits: Mutex<HashMap<String, usize>>,
    /// Bytes each report is padded with (see [`padded_pdf`]).
    padding: std::sync::atomic::AtomicUsize,
    /// Real report files served instead of generated ones, in turn.
    files: Mutex<Vec<Arc<Vec<u8>>>>,
}

impl OfstedMirror {
    /// Starts a mirror of `councils`, each listing `reports_per_council` reports, on
    /// 127.0.0.1 and a free port.
    pub async fn start(councils: Vec<MirrorCouncil>, reports_per_council: usize) -> std::io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0)).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(MirrorState {
            councils,
            reports_per_council,
            requests: Mutex::new(0),
            hold_from: watch::Sender::new(None),
            waiting: Mutex::new(BTreeSet::new()),
            failures: Mutex::new(HashMap::new()),
            hits: Mutex::new(HashMap::new()),
            padding: std::sync::atomic::AtomicUsize::new(0),
            files: Mutex::new(Vec::new()),
        });
        let serving = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = serving.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(HOLD_LIMIT, serve(stream, state)).await;
                });
            }
        });
        Ok(Self { address, state })
    }

    /// `http://127.0.0.1:port/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The provider-page URL template, with `{urn}` where the URN goes.
    pub fn provider_template(&self) -> String {
        self.url("/provider/44/{urn}")
    }

    /// Pads every report served from now on to about `bytes` (a real report is 1–3 MB).
    pub fn pad_reports(&self, bytes: usize) {
        self.state
            .padding
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Serves these files (real reports) as the reports from now on, council by council in
    /// turn, instead of generated ones.
    pub fn serve_files(&self, files: Vec<Vec<u8>>) {
        *lock(&self.state.files) = files.into_iter().map(Arc::new).collect();
    }

    /// The path of a council's report `k` (0 is the newest).
    pub fn report_path(urn: &str, k: usize) -> String {
        format!("/files/{urn}-{k}.pdf")
    }

    /// Every report the provider pages list, as absolute URLs.
    pub fn report_urls(&self) -> BTreeSet<String> {
        self.state
            .councils
            .iter()
            .flat_map(|council| {
                (0..self.state.reports_per_council).map(|k| self.url(&Self::report_path(&council.urn, k)))
            })
            .collect()
    }

    /// Holds every page or file request after the next `requests` of them, until
    /// [`OfstedMirror::release`] or another `hold_after`: a client waiting on a held request
    /// has finished with everything before it.
    pub fn hold_after(&self, requests: usize) {
        let next = *lock(&self.state.requests) + 1;
        self.state.hold_from.send_replace(Some(next + requests));
    }

    /// Lets held requests through and holds no more.
    pub fn release(&self) {
        self.state.hold_from.send_replace(None);
    }

    /// Requests held now since the latest [`OfstedMirror::hold_after`].
    pub fn waiting(&self) -> usize {
        let from = self.state.hold_from.borrow().unwrap_or(usize::MAX);
        lock(&self.state.waiting).range(from..).count()
    }

    /// Answers the first `times` requests for `path` with HTTP 500.
    pub fn fail_first(&self, path: &str, times: usize) {
        lock(&self.state.failures).insert(path.to_owned(), (Fault::ServerError, times));
    }

    /// Answers the first `times` requests for `path` with an HTML page labelled as a PDF
    /// (what a file server's error page looks like to a report reader).
    pub fn break_first(&self, path: &str, times: usize) {
        lock(&self.state.failures).insert(path.to_owned(), (Fault::NotAPdf, times));
    }

    /// Requests received for exactly `path`.
    pub fn hits(&self, path: &str) -> usize {
        lock(&self.state.hits).get(path).copied().unwrap_or(0)
    }
}

/// How a request the test wants to fail fails.
#[derive(Debug, Clone, Copy)]
enum Fault {
    ServerError,
    NotAPdf,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn serve(mut stream: TcpStream, state: Arc<MirrorState>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    *lock(&state.hits).entry(request.path.clone()).or_default() += 1;
    let path = request.path.as_str();
    let numbered = path.starts_with("/provider/44/") || path.starts_with("/files/");
    if numbered {
        wait_if_held(&state).await;
    }
    let fault = {
        let mut failures = lock(&state.failures);
        match failures.get_mut(path) {
            Some((fault, left)) if *left > 0 => {
                *left -= 1;
                Some(*fault)
            }
            _ => None,
        }
    };
    let _ = if let Some(fault) = fault {
        match fault {
            Fault::ServerError => respond(&mut stream, 500, "text/plain", &[], b"error").await,
            Fault::NotAPdf => {
                let page = b"<!DOCTYPE html><html><body>Report not found</body></html>";
                respond(&mut stream, 200, "application/pdf", &[], page).await
            }
        }
    } else if let Some(urn) = path.strip_prefix("/provider/44/") {
        provider_page(&mut stream, &state, urn, request.if_none_match.as_deref()).await
    } else if let Some(file) = path.strip_prefix("/files/").and_then(|f| f.strip_suffix(".pdf")) {
        report(&mut stream, &state, file).await
    } else {
        respond(&mut stream, 404, "text/plain", &[], b"not found").await
    };
    let _ = stream.shutdown().await;
}

/// Numbers the request and, when it is held, waits until the hold moves past it.
async fn wait_if_held(state: &MirrorState) {
    let number = {
        let mut requests = lock(&state.requests);
        *requests += 1;
        *requests
    };
    let mut hold = state.hold_from.subscribe();
    loop {
        let held = hold.borrow_and_update().is_some_and(|from| number >= from);
        if !held {
            break;
        }
        lock(&state.waiting).insert(number);
        let changed = hold.changed().await;
        lock(&state.waiting).remove(&number);
        if changed.is_err() {
            break;
        }
    }
}

fn find<'a>(state: &'a MirrorState, urn: &str) -> Option<&'a MirrorCouncil> {
    state.councils.iter().find(|council| council.urn == urn)
}

async fn provider_page(
    stream: &mut TcpStream,
    state: &MirrorState,
    urn: &str,
    if_none_match: Option<&str>,
) -> std::io::Result<()> {
    let Some(council) = find(state, urn) else {
        return respond(stream, 404, "text/html", &[], b"<h1>Not found</h1>").await;
    };
    let etag = format!("\"{urn}-v1\"");
    if if_none_match == Some(etag.as_str()) {
        let head = format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nConnection: close\r\n\r\n");
        return stream.write_all(head.as_bytes()).await;
    }
    let page = provider_html(council, state.reports_per_council);
    respond(
        stream,
        200,
        "text/html; charset=utf-8",
        &[("ETag", etag)],
        page.as_bytes(),
    )
    .await
}

async fn report(stream: &mut TcpStream, state: &MirrorState, file: &str) -> std::io::Result<()> {
    let found = file.rsplit_once('-').and_then(|(urn, k)| {
        let k: usize = k.parse().ok()?;
        let council = find(state, urn)?;
        (k < state.reports_per_council).then_some((council, k))
    });
    let Some((council, k)) = found else {
        return respond(stream, 404, "text/plain", &[], b"not found").await;
    };
    let listing = listing(k);
    let real = {
        let files = lock(&state.files);
        let turn = state
            .councils
            .iter()
            .position(|c| c.urn == council.urn)
            .unwrap_or(0)
            + k;
        (!files.is_empty()).then(|| files[turn % files.len()].clone())
    };
    if let Some(file) = real {
        return respond(stream, 200, "application/pdf", &[], &file).await;
    }
    let padding = state.padding.load(std::sync::atomic::Ordering::Relaxed);
    let pdf = padded_pdf(
        &[
            &format!("{} of {}", listing.title, council.name),
            &format!("Local authority children's services, URN {}", council.urn),
            &format!("Published {}", listing.date),
            "This is a generated report for csfeed's tests.",
        ],
        padding,
    );
    respond(stream, 200, "application/pdf", &[], &pdf).await
}

/// How report `k` is listed: its kind and publication date (newest first).
struct Listed {
    title: &'static str,
    date: String,
}

fn listing(k: usize) -> Listed {
    const KINDS: [&str; 3] = [
        "Children's services focused visit",
        "Children's services inspection",
        "Children's services monitoring visit",
    ];
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    Listed {
        title: KINDS[k % KINDS.len()],
        date: format!("{:02} {} {}", 1 + k % 28, MONTHS[k % 12], 2025 - k),
    }
}

/// A provider page with the structure of `https://reports.ofsted.gov.uk/provider/44/URN`.
fn provider_html(council: &MirrorCouncil, reports: usize) -> String {
    let items: String = (0..reports)
        .map(|k| {
            let listed = listing(k);
            format!(
                "<li class=\"timeline__day\"><div class=\"event\"><p class=\"event__title\">\
                 <a class=\"publication-link\" href=\"{}\" target=\"_blank\" rel=\"noopener\">{}\
                 <span class=\"nonvisual\">{}, pdf - {}</span></a></p></div></li>\n",
                OfstedMirror::report_path(&council.urn, k),
                listed.title,
                listed.title.to_lowercase(),
                listed.date
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} - Find an Ofsted inspection report</title></head>\
         <body><main id=\"main-content\" class=\"main\"><div class=\"provider-header\"><h1 class=\"heading--title\">{name}</h1>\
         <p>URN: {urn}</p><p>Local authority children's services</p></div>\
         <section class=\"reports-and-publications\"><h2 class=\"heading--sub\">Reports and other publications</h2>\
         <ul class=\"timeline\">\n{items}</ul></section></main></body></html>",
        name = council.name,
        urn = council.urn,
    )
}

/// A one-page PDF (Helvetica) showing `lines`, with a correct cross-reference table.
pub fn minimal_pdf(lines: &[&str]) -> Vec<u8> {
    padded_pdf(lines, 0)
}

/// [`minimal_pdf`] with an unreferenced stream of `padding` bytes, so the file is as large
/// as a real report (whose size is mostly images and fonts) while its text stays small.
pub fn padded_pdf(lines: &[&str], padding: usize) -> Vec<u8> {
    let text: String = lines
        .iter()
        .map(|line| {
            let escaped = line.replace('\\', "\\\\").replace('(', "\\(").replace(')', "\\)");
            format!("({escaped}) Tj T*\n")
        })
        .collect();
    let content = format!("BT /F1 11 Tf 14 TL 72 760 Td\n{text}ET");
    let filler: String = (0..padding).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
        format!("<< /Length {padding} >>\nstream\n{filler}\nendstream"),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        table.push_str(&format!("{offset:010} 00000 n \n"));
    }
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.extend_from_slice(table.as_bytes());
    pdf
}
