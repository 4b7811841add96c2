//! `kind = "ofsted"` sources: each followed council's provider page, the reports it lists,
//! their facts, and alerts when a council's overall grade changes.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use csfeed_core::{
    Article, Gazetteer, Grade, InspectionRecord, LocalAuthority, SourceId, escape_html, merge_with_history,
    same_inspection,
};
use csfeed_fetch::{FetchOutcome, Validators};
use csfeed_ingest::ArticleDraft;
use csfeed_ofsted::{Inspection, Publication};
use csfeed_store::{
    FetchResult, ListedPublication, PageValidators, PublicationRecord, Settlement, SourceRecord, UpsertCounts,
};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use tracing::{info, warn};
use url::Url;

use crate::pipeline::{Pipeline, ReportTally, SourceOutcome, Tally, add_counts};

/// What the ledger keeps of a listed report, to read it in a later cycle even when its
/// provider page answers "not modified" by then.
#[derive(Serialize, Deserialize)]
struct ListedReport {
    /// The council's slug.
    council: String,
    publication: Publication,
}

/// What became of one provider page.
enum PageRead {
    /// Read, and its reports recorded in the ledger.
    Listed { reports: usize, bytes: u64 },
    /// Not modified since last read.
    NotModified { bytes_saved: u64 },
}

/// The topic every report and grade-change alert carries.
const OFSTED_TOPIC: &str = "ofsted-inspections";

impl Pipeline {
    /// Reads every followed council's provider page (conditionally) and records the reports
    /// each lists in the ledger; then reads every report of the ledger that is due (never
    /// read, or failed and due again), storing each report's facts, its searchable article
    /// and any alert of a changed overall grade as soon as it is read.
    pub(crate) async fn harvest_ofsted(
        &self,
        record: &SourceRecord,
        seen_at: DateTime<Utc>,
    ) -> Result<(SourceOutcome, FetchResult, Tally), String> {
        let source = &record.source;
        let councils = followed_councils(&source.options.authorities);
        let (mut tally, mut reports) = (Tally::default(), ReportTally::default());
        let (mut problems, mut pages_read, mut page_bytes) = (Vec::new(), 0usize, 0u64);
        for la in &councils {
            let page_url = csfeed_core::url_for_urn(record.url_to_fetch(), &la.urn)
                .map_err(|error| format!("provider page address for {}: {error}", la.name))?;
            match self.list_provider_page(&source.id, la, &page_url).await {
                Ok(PageRead::Listed {
                    reports: listed,
                    bytes,
                }) => {
                    reports.listed += listed;
                    page_bytes += bytes;
                }
                Ok(PageRead::NotModified { bytes_saved }) => {
                    tally.not_modified += 1;
                    tally.bytes_saved += bytes_saved;
                }
                Err(error) => {
                    problems.push(format!("{}: {error}", la.name));
                    continue;
                }
            }
            pages_read += 1;
        }
        if pages_read == 0 && !problems.is_empty() {
            return Err(
                format!("{} (and {} more)", problems[0], problems.len() - 1).replace(" (and 0 more)", "")
            );
        }
        for problem in &problems {
            warn!(source = %source.id, problem = %problem, "ofsted provider page skipped");
        }
        let counts = self.take_in_reports(&source.id, seen_at, &mut reports).await;
        let id = source.id.clone();
        let (pending, failing) = self
            .store_blocking(move |store| store.publication_backlog(&id))
            .await
            .unwrap_or_default();
        reports.pending = pending + failing;
        info!(source = %source.id, councils = councils.len(), listed = reports.listed, read = reports.read, pending = reports.pending, "read ofsted reports");
        tally.reports = Some(reports);
        let result = FetchResult::Changed {
            http_status: None,
            etag: None,
            last_modified: None,
            body_bytes: page_bytes,
            moved_to: None,
        };
        Ok((SourceOutcome::Updated(counts), result, tally))
    }

    /// Fetches a provider page conditionally; when it has changed, records its reports in
    /// the ledger together with its validators, so they are never saved without them.
    async fn list_provider_page(
        &self,
        source: &SourceId,
        la: &LocalAuthority,
        page_url: &Url,
    ) -> Result<PageRead, String> {
        let key = page_url.clone();
        let (etag, last_modified) = self
            .store_blocking(move |store| store.http_validators(&key))
            .await
            .unwrap_or_default();
        let page = match self
            .fetcher
            .fetch(page_url, &Validators { etag, last_modified })
            .await
        {
            Ok(FetchOutcome::NotModified { .. }) => {
                let (id, key) = (source.clone(), page_url.clone());
                let bytes_saved = self
                    .store_blocking(move |store| store.record_page_not_modified(&id, &key))
                    .await
                    .unwrap_or(0);
                return Ok(PageRead::NotModified { bytes_saved });
            }
            Ok(FetchOutcome::Fetched(page)) => page,
            Err(error) => return Err(error.to_string()),
        };
        let html = csfeed_fetch::decode_text(&page.body, page.content_type.as_deref()).into_owned();
        let listed = csfeed_ofsted::parse_provider_page(&html, &page.final_url)
            .into_iter()
            .map(|publication| ledger_entry(la, publication))
            .collect::<Result<Vec<_>, _>>()?;
        let (reports, bytes) = (listed.len(), page.body.len() as u64);
        let validators = PageValidators {
            etag: page.validators.etag,
            last_modified: page.validators.last_modified,
            body_bytes: bytes,
        };
        let (id, key) = (source.clone(), page_url.clone());
        self.store_blocking(move |store| {
            store.record_listing(&id, &key, &listed, Some(&validators), Utc::now())
        })
        .await
        .map_err(|error| format!("could not record the page's reports: {error}"))?;
        Ok(PageRead::Listed { reports, bytes })
    }

    /// Reads the source's due reports, oldest publication first (so each grade-change
    /// alert compares a report with the ones before it), storing each as it is read. Up to
    /// one report per core is downloaded and read at a time; they are stored in order.
    async fn take_in_reports(
        &self,
        source: &SourceId,
        seen_at: DateTime<Utc>,
        tally: &mut ReportTally,
    ) -> UpsertCounts {
        let mut due: Vec<(PublicationRecord, Option<ListedReport>)> = self
            .due_publications(source)
            .await
            .into_iter()
            .map(|row| {
                let listed = serde_json::from_str(&row.details).ok();
                (row, listed)
            })
            .collect();
        due.sort_by_key(|(_, listed)| {
            listed
                .as_ref()
                .map(|listed: &ListedReport| listed.publication.published)
        });
        let spool = self.report_spool().await;
        let readers = std::thread::available_parallelism().map_or(1, usize::from);
        let mut taken = futures::stream::iter(due)
            .map(|(row, listed)| {
                let spool = spool.clone();
                async move {
                    let fetched = self.fetch_report(&row, listed, spool).await;
                    (row, fetched)
                }
            })
            .buffered(readers);
        let mut totals = UpsertCounts::default();
        while let Some((row, fetched)) = taken.next().await {
            let (settlement, articles, facts) = self.keep_report(source, &row, fetched, tally, seen_at).await;
            let counts = self
                .settle(source, &row.url, settlement, articles, facts, seen_at)
                .await;
            add_counts(&mut totals, counts);
        }
        totals
    }

    /// The folder reports are downloaded to (under the data directory), made if missing,
    /// with files a killed run left behind over a day ago removed.
    async fn report_spool(&self) -> Result<PathBuf, String> {
        let folder = self.data_dir.join(SPOOL_FOLDER);
        let made = folder.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&made)?;
            for entry in std::fs::read_dir(&made)?.flatten() {
                let stale = entry
                    .metadata()
                    .and_then(|metadata| metadata.modified())
                    .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > SPOOL_STALE_AFTER));
                if stale {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
            Ok::<_, std::io::Error>(())
        })
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| format!("report download folder {}: {error}", folder.display()))?;
        Ok(folder)
    }

    /// Downloads one listed report to a spool file and reads it, off the async runtime.
    async fn fetch_report(
        &self,
        row: &PublicationRecord,
        listed: Option<ListedReport>,
        spool: Result<PathBuf, String>,
    ) -> FetchedReport {
        let Some((la, listed)) =
            listed.and_then(|listed| Gazetteer::get().find(&listed.council).map(|la| (la, listed)))
        else {
            return FetchedReport::Skipped(
                "unreadable ledger entry",
                Some("unreadable ledger entry".to_owned()),
            );
        };
        let known = row.url.clone();
        if self
            .store_blocking(move |store| store.has_kept_report(&known))
            .await
            .unwrap_or(false)
        {
            return FetchedReport::Skipped("already stored", None);
        }
        let file = match spool {
            Ok(folder) => SpoolFile::new(&folder),
            Err(error) => return FetchedReport::Skipped("download failed", Some(error)),
        };
        if let Err(error) = self.fetcher.download(&listed.publication.url, file.path()).await {
            return FetchedReport::Skipped("download failed", Some(error.to_string()));
        }
        match read_report(file.path().to_owned(), listed.publication.published).await {
            Ok((inspection, text)) => FetchedReport::Read(Box::new(ReadReport {
                la,
                listed,
                inspection,
                text,
                file,
            })),
            Err(error) => FetchedReport::Unreadable(error),
        }
    }

    /// Keeps a report that was read (its file, facts and alert), or records why it was
    /// not: how it ended, with the articles and facts to store.
    async fn keep_report(
        &self,
        source: &SourceId,
        row: &PublicationRecord,
        fetched: FetchedReport,
        tally: &mut ReportTally,
        seen_at: DateTime<Utc>,
    ) -> (Settlement, Vec<Article>, Vec<InspectionRecord>) {
        let ReadReport {
            la,
            listed,
            inspection,
            text,
            file,
        } = match fetched {
            FetchedReport::Skipped(reason, None) => {
                tally.skip(reason);
                return (Settlement::Stored, Vec::new(), Vec::new());
            }
            FetchedReport::Skipped(reason, Some(error)) => {
                tally.skip(reason);
                return (self.failed(row, error), Vec::new(), Vec::new());
            }
            FetchedReport::Unreadable(error) => {
                tally.downloaded += 1;
                tally.skip("unreadable");
                return (self.failed(row, error), Vec::new(), Vec::new());
            }
            FetchedReport::Read(read) => *read,
        };
        tally.downloaded += 1;
        tally.read += 1;
        let mut facts = to_record(la, &listed.publication, &inspection);
        // A date the report prints that cannot be true (a letter dated before its
        // visit) gives way to the provider page's, and the operator is told.
        let notes = csfeed_core::withhold_impossible(&mut facts, listed.publication.published);
        if !notes.is_empty()
            && let Err(error) = self
                .store_blocking(move |store| store.note_inspection_facts(&notes))
                .await
        {
            warn!(report = %row.url, error = %error, "could not note an impossible fact");
        }
        // Kept before the facts are settled, so a stored report always has its file.
        if let Err(error) = self.keep_report_file(&facts.report_url, file).await {
            tally.skip("file not stored");
            return (self.failed(row, error), Vec::new(), Vec::new());
        }
        let mut articles = vec![report_article(
            source,
            la,
            &row.listing_url,
            &listed.publication,
            &inspection,
            &facts,
            text,
        )];
        articles.extend(self.report_alert(source, &facts, seen_at).await);
        (Settlement::Stored, articles, vec![facts])
    }

    /// Copies a spooled report file into the store, then removes it.
    async fn keep_report_file(&self, report_url: &str, file: SpoolFile) -> Result<(), String> {
        let key = report_url.to_owned();
        self.store_blocking(move |store| {
            let opened = std::fs::File::open(file.path())
                .and_then(|opened| Ok((opened.metadata()?.len(), opened)))
                .map_err(|error| csfeed_store::StoreError::File(error.to_string()))?;
            let (length, reader) = opened;
            store.save_report_file_from(&key, "application/pdf", std::io::BufReader::new(reader), length)
        })
        .await
        .map_err(|error| error.to_string())
    }

    /// The alert a new report deserves: when it changes its council's overall grade, or
    /// sets areas for priority action (or both, in one alert). One found while backfilling
    /// (published before the news window) is history, not news.
    async fn report_alert(
        &self,
        source: &SourceId,
        read: &InspectionRecord,
        seen_at: DateTime<Utc>,
    ) -> Option<Article> {
        let gss = read.gss_code.clone()?;
        let earlier = self
            .store_blocking(move |store| store.inspections_for(&gss))
            .await
            .unwrap_or_default();
        let (report, change) = grade_change(read, &earlier);
        let history = is_backfill(report.published, seen_at);
        (change.is_some() || !report.priority_actions.is_empty())
            .then(|| alert_article(source, &report, change, history))
    }
}

/// A council's overall grade changed by a report.
struct GradeChange {
    now: Grade,
    before: Grade,
    /// When the report with the earlier grade was published.
    since: Option<NaiveDate>,
}

/// The report `read` as it will be stored, and the change of its council's overall grade
/// it makes, given the council's stored records: a grade the reader missed but the history
/// knew still makes a change, and the history's row of this same inspection (whose date may
/// differ from the printed one) is never its "previous" one.
fn grade_change(
    read: &InspectionRecord,
    earlier: &[InspectionRecord],
) -> (InspectionRecord, Option<GradeChange>) {
    let report = earlier
        .iter()
        .find(|row| row.origin == "history" && same_inspection(row, read))
        .map_or_else(|| read.clone(), |history| merge_with_history(history, read).0);
    let change = (|| {
        let (now, published) = (report.overall()?, report.published?);
        let previous = earlier
            .iter()
            .filter(|other| !same_inspection(other, &report))
            .filter(|other| other.published.is_some_and(|day| day < published))
            .filter(|other| other.overall().is_some())
            .max_by_key(|other| other.published)?;
        let before = previous.overall()?;
        (before != now).then_some(GradeChange {
            now,
            before,
            since: previous.published,
        })
    })();
    (report, change)
}

/// Reads a spooled report's facts and text off the async runtime.
async fn read_report(file: PathBuf, listed: Option<NaiveDate>) -> Result<(Inspection, String), String> {
    tokio::task::spawn_blocking(move || {
        let body = std::fs::read(&file).map_err(|error| format!("downloaded report unreadable: {error}"))?;
        let text = csfeed_ofsted::extract_text(&body).map_err(|error| error.to_string())?;
        drop(body);
        let facts = csfeed_ofsted::read_facts(&text);
        let facts = match listed {
            Some(date) => facts.with_listed_date(date),
            None => facts,
        };
        Ok((facts, text.full()))
    })
    .await
    .map_err(|error| format!("report reader crashed: {error}"))?
}

/// What downloading and reading a listed report came to, before it is stored.
enum FetchedReport {
    /// Not read, with the tally's reason and the error to retry after (none: nothing to
    /// do, the report is stored already).
    Skipped(&'static str, Option<String>),
    /// Downloaded but not readable as a report.
    Unreadable(String),
    /// Read, its file still spooled.
    Read(Box<ReadReport>),
}

/// A report read, its file still spooled.
struct ReadReport {
    la: &'static LocalAuthority,
    listed: ListedReport,
    inspection: Inspection,
    text: String,
    file: SpoolFile,
}

/// The data directory's folder for reports being downloaded and read.
const SPOOL_FOLDER: &str = "spool";

/// How old a spool file left by a killed run is before it is removed.
const SPOOL_STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// A report's file on disk while it is read and stored: removed when dropped, whatever
/// became of the report.
struct SpoolFile {
    path: PathBuf,
}

impl SpoolFile {
    /// A new file name in `folder`, unique to this process and call.
    fn new(folder: &Path) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let number = NEXT.fetch_add(1, Ordering::Relaxed);
        Self {
            path: folder.join(format!("report-{}-{number}.pdf", std::process::id())),
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SpoolFile {
    fn drop(&mut self) {
        // Missing when the download never started.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The ledger entry of a listed report.
fn ledger_entry(la: &LocalAuthority, publication: Publication) -> Result<ListedPublication, String> {
    let url = publication.url.to_string();
    let listed = ListedReport {
        council: la.slug.clone(),
        publication,
    };
    let details =
        serde_json::to_string(&listed).map_err(|error| format!("ledger entry for {url}: {error}"))?;
    Ok(ListedPublication { url, details })
}

/// The councils whose provider pages are read: those followed (every current one when the
/// source names none), and the abolished councils they succeeded, whose reports are on the
/// predecessor's own provider page and are part of the successor's history.
fn followed_councils(slugs: &[String]) -> Vec<&'static LocalAuthority> {
    let gazetteer = Gazetteer::get();
    let followed: Vec<&'static LocalAuthority> = if slugs.is_empty() {
        gazetteer
            .authorities()
            .iter()
            .filter(|la| la.abolished.is_none())
            .collect()
    } else {
        slugs.iter().filter_map(|slug| gazetteer.find(slug)).collect()
    };
    let mut councils = followed.clone();
    for la in followed {
        for old in gazetteer.predecessors_of(la) {
            if !councils.iter().any(|known| known.gss_code == old.gss_code) {
                councils.push(old);
            }
        }
    }
    councils
}

fn kind_key(inspection: &Inspection) -> String {
    serde_json::to_value(inspection.kind)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned())
}

fn to_record(la: &LocalAuthority, publication: &Publication, inspection: &Inspection) -> InspectionRecord {
    InspectionRecord {
        report_url: publication.url.to_string(),
        // The provider page a report is listed on names its council for certain; the text
        // may name a neighbour first (Cumberland's report mentions Westmorland and Furness).
        urn: la.urn.clone(),
        gss_code: Some(la.gss_code.clone()),
        kind: kind_key(inspection),
        visit_start: inspection.visit_start,
        visit_end: inspection.visit_end,
        published: inspection.published.or(publication.published),
        lead_inspector: inspection.lead_inspector.clone(),
        inspectors: inspection.inspectors.clone(),
        judgements: inspection.judgements.clone(),
        headline: inspection.headline.clone(),
        priority_actions: inspection.priority_actions.clone(),
        improvements: inspection.improvements.clone(),
        origin: "report".to_owned(),
    }
}

fn midnight(day: Option<NaiveDate>) -> Option<DateTime<Utc>> {
    day.map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The searchable article for a report: "Focused visit to St Helens children's services,
/// July 2024".
fn report_article(
    source: &SourceId,
    la: &LocalAuthority,
    provider_page: &str,
    publication: &Publication,
    inspection: &Inspection,
    facts: &InspectionRecord,
    full_text: String,
) -> Article {
    let title = facts.title(&la.name);
    let judgements: String = facts
        .judgements
        .iter()
        .map(|(key, grade)| {
            format!(
                "<li>{}: {}</li>",
                escape_html(csfeed_core::judgement_label(key)),
                grade.label()
            )
        })
        .collect();
    let headline = inspection.headline.clone().unwrap_or_default();
    let content_html = format!(
        "<p>{}</p>{}{}{}<p><a href=\"{}\">Read the report (PDF)</a> · <a href=\"{}\">{} on Ofsted's site</a></p>",
        escape_html(&headline),
        if judgements.is_empty() {
            String::new()
        } else {
            format!("<ul>{judgements}</ul>")
        },
        html_list("Areas for priority action", &facts.priority_actions),
        html_list("What needs to improve", &facts.improvements),
        escape_html(publication.url.as_str()),
        escape_html(provider_page),
        escape_html(&la.name),
    );
    let mut article = ArticleDraft {
        source: source.clone(),
        key: publication.url.to_string(),
        url: Some(publication.url.clone()),
        title,
        published: midnight(facts.published),
        updated: None,
        authors: inspection.inspectors.clone(),
        summary: headline,
        content_html,
        content_text: String::new(),
    }
    .finish();
    // The report's full text is what people search; its council is certain.
    // Pages stay apart (form feeds) so search results can say which page matched.
    article.content_text = full_text
        .split(csfeed_search::PAGE_BREAK)
        .map(|page| page.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(&csfeed_search::PAGE_BREAK.to_string());
    if !article.local_authorities.contains(&la.gss_code) {
        article.local_authorities.insert(0, la.gss_code.clone());
    }
    if !article.topics.iter().any(|topic| topic == OFSTED_TOPIC) {
        article.topics.insert(0, OFSTED_TOPIC.to_owned());
    }
    article
}

/// How far back a report's publication is still news when csfeed first reads it: the
/// longest digest period. A change published before that was found while backfilling.
const NEWS_WINDOW_DAYS: i64 = 7;

/// Whether a report published on `published` and read at `seen_at` is history (found while
/// backfilling), not news. An undated report is history: nothing says it is new.
fn is_backfill(published: Option<NaiveDate>, seen_at: DateTime<Utc>) -> bool {
    published.is_none_or(|day| day < seen_at.date_naive() - chrono::Duration::days(NEWS_WINDOW_DAYS))
}

/// The alert of a report that changes its council's grade or sets areas for priority action:
/// news a follower of the council must act on, dated at the report's publication. One found
/// while backfilling (`history`) is keyed as history, so it is in the changes feed and on the
/// council's page but never presented as news.
fn alert_article(
    source: &SourceId,
    report: &InspectionRecord,
    change: Option<GradeChange>,
    history: bool,
) -> Article {
    let name = report
        .gss_code
        .as_deref()
        .and_then(|gss| Gazetteer::get().find(gss))
        .map_or_else(|| report.urn.clone(), |la| la.name.clone());
    let published = report
        .published
        .map(|day| day.format("%-d %B %Y").to_string())
        .unwrap_or_default();
    let actions = report.priority_actions.len();
    let areas = if actions == 1 { "area" } else { "areas" };
    let (title, mut summary) = match &change {
        Some(change) => grade_change_words(&name, &published, change),
        None => (
            format!("{name} children's services given {actions} {areas} for priority action"),
            format!(
                "Ofsted's {} published on {published} sets {name}'s children's services {actions} {areas} for priority action.",
                report.kind_label().to_lowercase()
            ),
        ),
    };
    if change.is_some() && actions > 0 {
        summary.push_str(&format!(" It sets {actions} {areas} for priority action."));
    }
    let content_html = format!(
        "<p>{}</p>{}<p><a href=\"{}\">Read the report (PDF)</a></p>",
        escape_html(&summary),
        html_list("Areas for priority action", &report.priority_actions),
        escape_html(&report.report_url)
    );
    let content_text = [summary.clone(), report.priority_actions.join(" ")].join(" ");
    let mut article = ArticleDraft {
        source: source.clone(),
        key: format!(
            "{}{}",
            if history {
                csfeed_core::HISTORY_ALERT_PREFIX
            } else {
                csfeed_core::ALERT_PREFIX
            },
            report.report_url
        ),
        url: None,
        title,
        published: midnight(report.published),
        updated: None,
        authors: Vec::new(),
        summary,
        content_html,
        content_text,
    }
    .finish();
    // Set, not guessed from the words: a follow of the council or of Ofsted inspections
    // must find every alert, however it is worded.
    if let Some(gss) = &report.gss_code
        && !article.local_authorities.contains(gss)
    {
        article.local_authorities.insert(0, gss.clone());
    }
    if !article.topics.iter().any(|topic| topic == OFSTED_TOPIC) {
        article.topics.insert(0, OFSTED_TOPIC.to_owned());
    }
    article
}

/// A headed list of findings for feed readers; nothing when there are none.
fn html_list(heading: &str, items: &[String]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let items: String = items
        .iter()
        .map(|item| format!("<li>{}</li>", escape_html(item)))
        .collect();
    format!("<h2>{heading}</h2><ul>{items}</ul>")
}

/// The title and summary of a grade change.
fn grade_change_words(name: &str, published: &str, change: &GradeChange) -> (String, String) {
    let (now, before) = (
        change.now.label().to_lowercase(),
        change.before.label().to_lowercase(),
    );
    let direction = if change.now < change.before {
        "improved to"
    } else {
        "now judged"
    };
    let since = change
        .since
        .map(|day| format!(" in the inspection published on {}", day.format("%-d %B %Y")))
        .unwrap_or_default();
    (
        format!("{name} children's services {direction} {now} (was {before})"),
        format!(
            "Ofsted's report published on {published} judges the overall effectiveness of {name}'s children's services {now}; it was {before}{since}."
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_change_alerts_always_carry_their_council_and_the_ofsted_topic() {
        let source = SourceId::parse("ofsted").unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        for (now, before) in [(Grade::Good, Grade::Inadequate), (Grade::Inadequate, Grade::Good)] {
            let report = InspectionRecord {
                report_url: "https://reports.ofsted.example/st-helens.pdf".into(),
                urn: "80001".into(),
                gss_code: Some("E08000013".into()),
                kind: "ilacs_standard".into(),
                visit_start: None,
                visit_end: None,
                published: day(2023, 3, 2),
                lead_inspector: None,
                inspectors: vec![],
                judgements: [("overall_effectiveness".to_owned(), now)].into_iter().collect(),
                headline: None,
                priority_actions: Vec::new(),
                improvements: Vec::new(),
                origin: "report".into(),
            };
            let change = GradeChange {
                now,
                before,
                since: day(2019, 11, 4),
            };
            let alert = alert_article(&source, &report, Some(change), false);
            assert_eq!(
                alert.local_authorities.first().map(String::as_str),
                Some("E08000013")
            );
            assert!(
                alert.topics.iter().any(|topic| topic == OFSTED_TOPIC),
                "{now:?}: {:?}",
                alert.topics
            );
        }
    }

    #[test]
    fn a_grade_change_is_never_missed_for_a_grade_the_reader_missed_or_a_date_that_differs() {
        let liverpool: Vec<InspectionRecord> = csfeed_core::inspection_history()
            .into_iter()
            .filter(|record| record.urn == "80485")
            .collect();
        let in_2023 = liverpool
            .iter()
            .find(|record| record.published == NaiveDate::from_ymd_opt(2023, 5, 25))
            .unwrap();
        // Read at another address, the overall grade missed by the reader.
        let mut missed = in_2023.clone();
        missed.report_url = "https://files.example/liverpool-2023.pdf".into();
        missed.origin = "report".into();
        missed.judgements.remove("overall_effectiveness");
        let (stored, change) = grade_change(&missed, &liverpool);
        let change = change.unwrap();
        assert_eq!(stored.overall(), Some(Grade::Inadequate), "as it will be stored");
        assert_eq!(
            (change.now, change.before),
            (Grade::Inadequate, Grade::RequiresImprovement)
        );
        assert_eq!(change.since, NaiveDate::from_ymd_opt(2018, 7, 2));
        // Printed three days after the history's date: the history's row of the same
        // inspection is not the one before it.
        let mut printed = in_2023.clone();
        printed.report_url = missed.report_url.clone();
        printed.origin = "report".into();
        printed.published = NaiveDate::from_ymd_opt(2023, 5, 28);
        let change = grade_change(&printed, &liverpool).1.unwrap();
        assert_eq!(
            (change.now, change.before),
            (Grade::Inadequate, Grade::RequiresImprovement)
        );
    }

    #[test]
    fn changes_published_before_the_window_are_history_keyed_as_such_and_dated_at_publication() {
        use chrono::TimeZone as _;
        let seen_at = Utc.with_ymd_and_hms(2026, 12, 6, 0, 30, 0).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert!(is_backfill(day(2023, 5, 25), seen_at));
        assert!(is_backfill(None, seen_at));
        assert!(!is_backfill(day(2026, 12, 2), seen_at));
        let report = csfeed_core::inspection_history()
            .into_iter()
            .find(|record| record.urn == "80485" && record.published == day(2023, 5, 25))
            .unwrap();
        let source = SourceId::parse("ofsted").unwrap();
        let change = || GradeChange {
            now: Grade::Inadequate,
            before: Grade::RequiresImprovement,
            since: day(2018, 7, 2),
        };
        let alert = alert_article(&source, &report, Some(change()), true);
        assert_eq!(alert.guid, format!("alert:history:{}", report.report_url));
        assert_eq!(
            csfeed_core::alert_report_url(&alert.guid),
            Some(report.report_url.as_str())
        );
        assert_eq!(alert.published, midnight(day(2023, 5, 25)));
        let news = alert_article(&source, &report, Some(change()), false);
        assert_eq!(news.guid, format!("alert:{}", report.report_url));
    }

    #[test]
    fn predecessors_are_fetched_and_a_report_belongs_to_the_council_whose_page_lists_it() {
        let names = |slugs: &[&str]| -> Vec<String> {
            let slugs: Vec<String> = slugs.iter().map(|slug| (*slug).to_owned()).collect();
            followed_councils(&slugs)
                .iter()
                .map(|la| la.name.clone())
                .collect()
        };
        assert_eq!(
            names(&["cumberland", "westmorland-and-furness"]),
            ["Cumberland", "Westmorland and Furness", "Cumbria"]
        );
        let england = names(&[]);
        assert_eq!(england.len(), 156, "153 councils and 3 predecessors");
        assert!(england.contains(&"Northamptonshire".to_owned()));

        let gazetteer = Gazetteer::get();
        let cumberland = gazetteer.find("cumberland").unwrap();
        let neighbour = gazetteer.find("westmorland-and-furness").unwrap();
        let publication = Publication {
            kind: csfeed_ofsted::ReportKind::IlacsStandard,
            title: "children's services inspection, pdf - 26 november 2024".into(),
            published: NaiveDate::from_ymd_opt(2024, 11, 26),
            url: Url::parse("https://files.example/cumberland.pdf").unwrap(),
        };
        let read = Inspection {
            kind: csfeed_ofsted::ReportKind::IlacsStandard,
            local_authority: Some(neighbour.name.clone()),
            urn: Some(neighbour.urn.clone()),
            gss_code: Some(neighbour.gss_code.clone()),
            successors: Vec::new(),
            visit_start: None,
            visit_end: None,
            published: None,
            inspectors: Vec::new(),
            lead_inspector: None,
            judgements: Default::default(),
            headline: None,
            priority_actions: Vec::new(),
            improvements: Vec::new(),
        };
        let record = to_record(cumberland, &publication, &read);
        assert_eq!(record.gss_code.as_deref(), Some(cumberland.gss_code.as_str()));
        assert_eq!(record.urn, cumberland.urn);
    }

    #[test]
    fn a_report_with_priority_actions_is_an_alert_that_lists_them() {
        let source = SourceId::parse("ofsted").unwrap();
        let report = InspectionRecord {
            report_url: "https://reports.ofsted.example/wigan.pdf".into(),
            urn: "80001".into(),
            gss_code: Some("E08000010".into()),
            kind: "focused_visit".into(),
            published: NaiveDate::from_ymd_opt(2025, 2, 3),
            priority_actions: vec!["Thresholds <for> help are applied inconsistently.".into()],
            origin: "report".into(),
            ..InspectionRecord::default()
        };
        let alert = alert_article(&source, &report, None, false);
        assert_eq!(alert.guid, "alert:https://reports.ofsted.example/wigan.pdf");
        assert_eq!(
            alert.title,
            "Wigan children's services given 1 area for priority action"
        );
        assert!(
            alert
                .content_html
                .contains("<li>Thresholds &lt;for&gt; help are applied inconsistently.</li>"),
            "{}",
            alert.content_html
        );
        assert!(alert.content_text.contains("Thresholds"));
        assert_eq!(
            alert.local_authorities.first().map(String::as_str),
            Some("E08000010")
        );
    }
}
