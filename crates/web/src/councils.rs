//! Councils and their Ofsted record: `/la`, `/la/{slug}`, `/la/{slug}/feed.rss`, `/ofsted`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use csfeed_core::gazetteer::slugify;
use csfeed_core::{Gazetteer, Grade, InspectionRecord, LocalAuthority, current_inspection, judgement_label};
use csfeed_search::{SearchRequest, SortOrder};

use crate::feeds::FeedFormat;
use crate::pages::render;
use crate::views::{Chrome, PageAddress, StoryCard};
use crate::{AppError, AppState};

/// Stories listed on a council's page.
const COUNCIL_STORIES: usize = 10;
/// Judgments listed on a council's page (the rest are in its search and feed).
const COUNCIL_JUDGMENTS: usize = 10;
/// How far back "recent changes" on `/ofsted` look.
const RECENT_CHANGE_DAYS: i64 = 90;

/// A grade as a chip: its text is always shown, so colour is never the only cue.
pub(crate) struct GradeChip {
    pub key: &'static str,
    pub label: &'static str,
}

impl From<Grade> for GradeChip {
    fn from(grade: Grade) -> Self {
        Self {
            key: grade.key(),
            label: grade.label(),
        }
    }
}

/// A council in a list, with its current position: its newest inspection's judgements.
pub(crate) struct CouncilRow {
    pub slug: String,
    pub name: String,
    pub region: String,
    pub la_type: String,
    /// The newest inspection's overall grade, when it gave one.
    pub grade: Option<GradeChip>,
    /// The newest inspection was under the 2026 framework, which gives no overall grade.
    pub reformed: bool,
    /// The newest inspection's judgements other than the overall grade.
    pub judgements: Vec<(String, GradeChip)>,
    pub graded_on: String,
    /// When the newest inspection was published (for sorting).
    pub published: Option<NaiveDate>,
    /// The overall grade of the graded inspection before the newest one.
    pub previous: Option<GradeChip>,
    /// `improved`, `declined`, `same`, or empty.
    pub direction: &'static str,
    /// The newest inspection's grades by judgement key (for filtering by area).
    pub grades: std::collections::BTreeMap<String, Grade>,
}

/// One inspection in a council's timeline.
pub(crate) struct TimelineEntry {
    pub kind: &'static str,
    pub published: String,
    /// Under the 2026 framework: judged, but no overall grade to show.
    pub reformed: bool,
    /// The abolished predecessor inspected, when it was not this council.
    pub predecessor: Option<String>,
    pub visit: String,
    pub overall: Option<GradeChip>,
    pub judgements: Vec<(String, GradeChip)>,
    pub lead_inspector: String,
    /// Where to read the report, as (link, text): the PDF on the web, or its page here
    /// when csfeed read it from a file.
    pub report_link: Option<(String, &'static str)>,
    pub headline: String,
}

pub(crate) fn current_councils() -> impl Iterator<Item = &'static LocalAuthority> {
    Gazetteer::get()
        .authorities()
        .iter()
        .filter(|la| la.abolished.is_none())
}

/// A day as the site writes it ("2 July 2024"); empty when unknown.
pub(crate) fn date(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_default()
}

fn row(la: &LocalAuthority, records: &[InspectionRecord]) -> CouncilRow {
    let current = current_inspection(records);
    let previous = current
        .and_then(|current| crate::national_data::previous_graded(records, current))
        .and_then(InspectionRecord::overall);
    CouncilRow {
        published: current.and_then(|record| record.published),
        previous: previous.map(GradeChip::from),
        direction: crate::national_data::direction(current.and_then(InspectionRecord::overall), previous),
        grades: current
            .map(|record| record.judgements.clone())
            .unwrap_or_default(),
        slug: la.slug.clone(),
        name: la.name.clone(),
        region: la.region.clone(),
        la_type: la.la_type.clone(),
        grade: current.and_then(InspectionRecord::overall).map(GradeChip::from),
        reformed: current.is_some_and(InspectionRecord::is_reformed),
        judgements: current.map(area_chips).unwrap_or_default(),
        graded_on: current.map(|record| date(record.published)).unwrap_or_default(),
    }
}

/// Inspections grouped by council GSS code, each newest first.
pub(crate) async fn inspections_by_council(
    state: &AppState,
) -> Result<HashMap<String, Vec<InspectionRecord>>, AppError> {
    let all = state.blocking(|state| Ok(state.store.all_inspections()?)).await?;
    let mut grouped: HashMap<String, Vec<InspectionRecord>> = HashMap::new();
    for record in all {
        if let Some(gss) = record.gss_code.clone() {
            grouped.entry(gss).or_default().push(record);
        }
    }
    Ok(grouped)
}

#[derive(Template)]
#[template(path = "la_index.html")]
struct CouncilsPage {
    chrome: Chrome,
    regions: Vec<(String, Vec<CouncilRow>)>,
    alphabetical: Vec<CouncilRow>,
}

/// `/la`: every council, A–Z and by region, with its current grade.
pub(crate) async fn index(State(state): State<AppState>, page: PageAddress) -> Result<Response, AppError> {
    let inspections = inspections_by_council(&state).await?;
    let empty = Vec::new();
    let mut alphabetical: Vec<CouncilRow> = current_councils()
        .map(|la| row(la, inspections.get(&la.gss_code).unwrap_or(&empty)))
        .collect();
    alphabetical.sort_by(|a, b| a.name.cmp(&b.name));
    let mut regions: Vec<(String, Vec<CouncilRow>)> = Vec::new();
    for la in current_councils() {
        let entry = row(la, inspections.get(&la.gss_code).unwrap_or(&empty));
        match regions.iter_mut().find(|(region, _)| *region == la.region) {
            Some((_, rows)) => rows.push(entry),
            None => regions.push((la.region.clone(), vec![entry])),
        }
    }
    regions.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, rows) in &mut regions {
        rows.sort_by(|a, b| a.name.cmp(&b.name));
    }
    render(CouncilsPage {
        chrome: Chrome::new(&state.site, Some("Councils")).at(&page).described(
            "The 153 English local authorities with children's services, by region and A–Z, with their latest Ofsted grade.",
        ),
        regions,
        alphabetical,
    })
}

#[derive(Template)]
#[template(path = "la.html")]
struct CouncilPage {
    chrome: Chrome,
    council: CouncilRow,
    latest_judgements: Vec<(String, GradeChip)>,
    latest_date: String,
    /// The newest inspection used the 2026 framework (no overall grade).
    latest_reformed: bool,
    timeline: Vec<TimelineEntry>,
    chart_svg: String,
    stories: Vec<StoryCard>,
    stories_total: usize,
    /// Published judgments that name the council as a party, newest first.
    judgments: Vec<StoryCard>,
    slug: String,
    predecessor_note: Option<String>,
}

/// Where `/la/{key}` leads.
enum CouncilAddress {
    /// `key` is the council's slug: this is its page.
    Here(&'static LocalAuthority),
    /// Another way of naming a council: its one address.
    Moved(String),
}

/// Links and people write a council by name in any spelling, GSS code, Ofsted URN or DfE
/// code; each is sent, permanently, to the one address (`/la/st-helens{tail}`).
fn council_at(key: &str, tail: &str) -> Result<CouncilAddress, AppError> {
    match Gazetteer::get().lookup(key) {
        Some(la) if la.slug == key => Ok(CouncilAddress::Here(la)),
        Some(la) => Ok(CouncilAddress::Moved(format!("/la/{}{tail}", la.slug))),
        None => Err(AppError::NotFound(format!(
            "there is no council at /la/{key}; see /la for the list"
        ))),
    }
}

/// `/la/{slug}`: a council's Ofsted record and its news.
pub(crate) async fn council(
    State(state): State<AppState>,
    page: PageAddress,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let la = match council_at(&slug, "")? {
        CouncilAddress::Here(la) => la,
        CouncilAddress::Moved(to) => return Ok(Redirect::permanent(&to).into_response()),
    };
    let gss = la.gss_code.clone();
    let predecessors: Vec<(String, String)> = Gazetteer::get()
        .predecessors_of(la)
        .iter()
        .map(|old| (old.gss_code.clone(), old.name.clone()))
        .collect();
    let request = SearchRequest {
        local_authority: Some(gss.clone()),
        sort: SortOrder::Newest,
        limit: COUNCIL_STORIES,
        ..SearchRequest::default()
    };
    let (records, inherited, report_links, results, judgments) = state
        .blocking(move |state| {
            let records = state.store.inspections_for(&gss)?;
            // A predecessor's judgments (Northamptonshire's, for its successors) are the
            // council's history, as its inspections are.
            let parties: Vec<String> = std::iter::once(gss.clone())
                .chain(predecessors.iter().map(|(old_gss, _)| old_gss.clone()))
                .collect();
            let judgments = state.store.judgments_for(&parties, COUNCIL_JUDGMENTS)?;
            let mut inherited = Vec::new();
            for (old_gss, name) in &predecessors {
                for record in state.store.inspections_for(old_gss)? {
                    inherited.push((record, name.clone()));
                }
            }
            let links = records
                .iter()
                .chain(inherited.iter().map(|(record, _)| record))
                .map(|record| report_link(&state.store, &record.report_url))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((
                records,
                inherited,
                links,
                state.index.search(&state.store, &request)?,
                judgments,
            ))
        })
        .await?;
    // The council's own inspections say where it stands; a predecessor's are its history.
    let latest = current_inspection(&records);
    let mut timeline: Vec<(Option<NaiveDate>, TimelineEntry)> = records
        .iter()
        .map(|record| (record, None))
        .chain(
            inherited
                .iter()
                .map(|(record, name)| (record, Some(name.clone()))),
        )
        .zip(report_links)
        .map(|((record, predecessor), link)| {
            let mut entry = timeline_entry(record, link);
            entry.predecessor = predecessor;
            (record.published, entry)
        })
        .collect();
    timeline.sort_by_key(|(published, _)| std::cmp::Reverse(*published));
    let timeline = timeline.into_iter().map(|(_, entry)| entry).collect();
    let mut chrome = Chrome::new(&state.site, Some(&format!("{} children's services", la.name)))
        .at(&page)
        .described(format!(
            "{} children's services: the latest Ofsted judgements, every inspection and visit, and the news.",
            la.name
        ));
    chrome.set_feeds(&format!("la={}", la.slug), format!("{} – news", la.name));
    chrome.feed_href = format!("/la/{}/feed.rss", la.slug);
    if state.subscriptions.is_some() {
        chrome.subscribe = Some(crate::views::SubscribeForm {
            query: format!("la:{}", la.slug),
            label: la.name.clone(),
        });
    }
    render(CouncilPage {
        chrome,
        council: row(la, &records),
        latest_judgements: latest.map(judgement_chips).unwrap_or_default(),
        latest_date: latest.map(|record| date(record.published)).unwrap_or_default(),
        latest_reformed: latest.is_some_and(InspectionRecord::is_reformed),
        timeline,
        chart_svg: grade_chart(&records),
        stories: results.hits.iter().map(StoryCard::from_hit).collect(),
        stories_total: results.total,
        judgments: judgments.iter().map(StoryCard::from_record).collect(),
        slug: la.slug.clone(),
        predecessor_note: la.abolished.as_ref().map(|abolition| {
            format!(
                "Abolished on {}; succeeded by {}.",
                abolition.date,
                abolition.successors.join(" and ")
            )
        }),
    })
}

/// `/la/{slug}/feed.rss`: the council's news as RSS.
pub(crate) async fn council_feed(
    state: State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    if let CouncilAddress::Moved(to) = council_at(&slug, "/feed.rss")? {
        return Ok(Redirect::permanent(&to).into_response());
    }
    let home = crate::feeds::FeedHome {
        page_path: format!("/la/{slug}"),
        feed_path: format!("/la/{slug}/feed.rss"),
    };
    let raw = HashMap::from([("la".to_owned(), slug)]);
    crate::feeds::search_feed(state, headers, Query(raw), FeedFormat::Rss, Some(home)).await
}

/// A report's judgements as chips, in the order reports list them.
pub(crate) fn judgement_chips(record: &InspectionRecord) -> Vec<(String, GradeChip)> {
    let order = |key: &str| {
        csfeed_core::JUDGEMENTS
            .iter()
            .position(|(k, _)| *k == key)
            .unwrap_or(usize::MAX)
    };
    let mut chips: Vec<(String, GradeChip)> = record
        .judgements
        .iter()
        .map(|(key, grade)| (judgement_label(key).to_owned(), GradeChip::from(*grade)))
        .collect();
    chips.sort_by_key(|(label, _)| {
        order(
            csfeed_core::JUDGEMENTS
                .iter()
                .find(|(_, l)| l == label)
                .map_or("", |(k, _)| k),
        )
    });
    chips
}

/// The judgements other than the overall grade, in Ofsted's order.
fn area_chips(record: &InspectionRecord) -> Vec<(String, GradeChip)> {
    judgement_chips(record)
        .into_iter()
        .filter(|(label, _)| label != judgement_label("overall_effectiveness"))
        .collect()
}

/// Where to read the report at `report_url`: the PDF when it is on the web, else its page
/// here when csfeed stored it (a report read from a file), else nowhere.
fn report_link(
    store: &csfeed_store::Store,
    report_url: &str,
) -> Result<Option<(String, &'static str)>, AppError> {
    if crate::views::on_the_web(report_url) {
        return Ok(Some((report_url.to_owned(), "Read the report (PDF)")));
    }
    Ok(store
        .article_id_by_guid(report_url)?
        .map(|id| (format!("/articles/{id}"), "Read the report")))
}

/// When the inspectors visited ("2 July 2024 to 4 July 2024"); empty when unknown.
pub(crate) fn visit_dates(record: &InspectionRecord) -> String {
    match (record.visit_start, record.visit_end) {
        (Some(start), Some(end)) if start != end => format!("{} to {}", date(Some(start)), date(Some(end))),
        (Some(day), _) | (None, Some(day)) => date(Some(day)),
        (None, None) => String::new(),
    }
}

fn timeline_entry(record: &InspectionRecord, report_link: Option<(String, &'static str)>) -> TimelineEntry {
    TimelineEntry {
        kind: record.kind_label(),
        published: date(record.published),
        visit: visit_dates(record),
        overall: record.overall().map(GradeChip::from),
        reformed: record.is_reformed(),
        predecessor: None,
        judgements: area_chips(record),
        lead_inspector: record.lead_inspector.clone().unwrap_or_default(),
        report_link,
        headline: record.headline.clone().unwrap_or_default(),
    }
}

/// An inline SVG of overall grades over time (best at the top), with a text alternative.
fn grade_chart(records: &[InspectionRecord]) -> String {
    let points: Vec<(NaiveDate, Grade)> = records
        .iter()
        .filter_map(|record| Some((record.published?, record.overall()?)))
        .rev()
        .collect();
    if points.is_empty() {
        return String::new();
    }
    let (width, height, left, top, row_height) = (640.0, 170.0, 150.0, 20.0, 40.0);
    let first = points.first().map(|(d, _)| *d).unwrap_or_default();
    let last = points.last().map(|(d, _)| *d).unwrap_or_default();
    let span = (last - first).num_days().max(1) as f64;
    let x = |day: NaiveDate| left + (day - first).num_days() as f64 / span * (width - left - 30.0);
    let y = |grade: Grade| top + Grade::ALL.iter().position(|g| *g == grade).unwrap_or(0) as f64 * row_height;
    let mut svg = format!(
        r#"<svg class="grade-chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title"><title id="chart-title">Overall effectiveness grades, {} to {}</title>"#,
        first.format("%Y"),
        last.format("%Y")
    );
    for grade in Grade::ALL {
        svg.push_str(&format!(
            r#"<text x="0" y="{:.0}" class="chart-label">{}</text><line x1="{left}" x2="{}" y1="{:.0}" y2="{:.0}" class="chart-rule"/>"#,
            y(grade) + 4.0,
            if grade == Grade::RequiresImprovement { "Requires improvement" } else { grade.label() },
            width - 20.0,
            y(grade),
            y(grade)
        ));
    }
    let path: Vec<String> = points
        .iter()
        .map(|(day, grade)| format!("{:.1},{:.1}", x(*day), y(*grade)))
        .collect();
    svg.push_str(&format!(
        r#"<polyline points="{}" class="chart-line"/>"#,
        path.join(" ")
    ));
    for (day, grade) in &points {
        svg.push_str(&format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="6" class="chart-point grade-{}"><title>{}: {}</title></circle>"#,
            x(*day),
            y(*grade),
            grade.key(),
            day.format("%-d %B %Y"),
            grade.label()
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[derive(Template)]
#[template(path = "ofsted.html")]
struct NationalPage {
    chrome: Chrome,
    rows: Vec<CouncilRow>,
    counts: Vec<(GradeChip, usize)>,
    /// Councils whose newest inspection gave no overall grade (2026 framework).
    reformed: usize,
    /// Councils with no judged inspection on record.
    ungraded: usize,
    /// (slug, name) of each region.
    regions: Vec<(String, String)>,
    /// The chosen region's slug.
    region: String,
    grade: String,
    grades: Vec<GradeChip>,
    changes: Vec<(CouncilRow, GradeChip, GradeChip, String)>,
    /// The judgement the grade filter applies to (empty: overall effectiveness).
    area: String,
    /// (key, label) of each judgement that can be filtered on.
    areas: Vec<(String, String)>,
    /// `name`, `grade`, `published` or `region`.
    sort: String,
    /// Today: when the table was drawn from the records.
    as_of: String,
    /// The newest report on record.
    newest_report: String,
}

/// Orders the national table: A–Z, best overall grade first (ungraded last), newest report
/// first, or by region then name.
fn sort_rows(rows: &mut [CouncilRow], sort: &str) {
    let grade_rank = |row: &CouncilRow| {
        row.grades
            .get("overall_effectiveness")
            .map_or(Grade::ALL.len(), |grade| *grade as usize)
    };
    match sort {
        "grade" => rows.sort_by(|a, b| grade_rank(a).cmp(&grade_rank(b)).then(a.name.cmp(&b.name))),
        "published" => rows.sort_by(|a, b| b.published.cmp(&a.published).then(a.name.cmp(&b.name))),
        "region" => rows.sort_by(|a, b| a.region.cmp(&b.region).then(a.name.cmp(&b.name))),
        _ => rows.sort_by(|a, b| a.name.cmp(&b.name)),
    }
}

/// `/ofsted?region=&grade=`: every council's current grade, counts, and recent changes.
pub(crate) async fn national(
    State(state): State<AppState>,
    page: PageAddress,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    // The slug (`north-west`, as in `region:north-west`) or the name ("North West").
    let region_asked = raw.get("region").map(|r| r.trim()).unwrap_or_default();
    let grade_filter = match raw.get("grade").map(|g| g.trim()).filter(|g| !g.is_empty()) {
        None => None,
        Some(key) => Some(Grade::parse(key).ok_or_else(|| {
            AppError::BadRequest(format!(
                "grade={key:?} is not a grade: use outstanding, good, requires_improvement or inadequate"
            ))
        })?),
    };
    let area = match raw.get("area").map(|a| a.trim()).filter(|a| !a.is_empty()) {
        None => None,
        Some(asked) => Some(
            crate::national_data::AREAS
                .into_iter()
                .chain(["overall_effectiveness"])
                .find(|key| *key == asked)
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "area={asked:?} is not a judgement: use one of {} (with grade=)",
                        crate::national_data::AREAS.join(", ")
                    ))
                })?,
        )
        .filter(|key| *key != "overall_effectiveness"),
    };
    let sort = match raw.get("sort").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => "name",
        Some(asked) => ["name", "grade", "published", "region"]
            .into_iter()
            .find(|key| *key == asked)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "sort={asked:?}: sort by name, grade, published or region"
                ))
            })?,
    };
    let mut regions: Vec<(String, String)> = current_councils()
        .map(|la| (slugify(&la.region), la.region.clone()))
        .collect();
    regions.sort();
    regions.dedup();
    let region = match regions.iter().find(|(slug, _)| *slug == slugify(region_asked)) {
        _ if region_asked.is_empty() => String::new(),
        Some((slug, _)) => slug.clone(),
        None => {
            return Err(AppError::BadRequest(format!(
                "region={region_asked:?} is not an English region: use a slug such as region=north-west, or pick one from the list on /ofsted"
            )));
        }
    };
    let inspections = inspections_by_council(&state).await?;
    let empty = Vec::new();
    let all: Vec<(&LocalAuthority, CouncilRow)> = current_councils()
        .map(|la| (la, row(la, inspections.get(&la.gss_code).unwrap_or(&empty))))
        .collect();
    let in_region: Vec<&CouncilRow> = all
        .iter()
        .filter(|(la, _)| region.is_empty() || slugify(&la.region) == region)
        .map(|(_, row)| row)
        .collect();
    let counts = Grade::ALL
        .iter()
        .map(|grade| {
            (
                GradeChip::from(*grade),
                in_region
                    .iter()
                    .filter(|row| row.grade.as_ref().is_some_and(|g| g.key == grade.key()))
                    .count(),
            )
        })
        .collect();
    let reformed = in_region.iter().filter(|row| row.reformed).count();
    let ungraded = in_region
        .iter()
        .filter(|row| row.grade.is_none() && !row.reformed)
        .count();
    let mut rows: Vec<CouncilRow> = all
        .iter()
        .filter(|(la, row)| {
            (region.is_empty() || slugify(&la.region) == region)
                && grade_filter.is_none_or(|grade| match area {
                    // "care leavers inadequate": the grade of that judgement, not the overall.
                    Some(area) => row.grades.get(area) == Some(&grade),
                    None => row.grade.as_ref().is_some_and(|g| g.key == grade.key()),
                })
        })
        .map(|(la, _)| row(la, inspections.get(&la.gss_code).unwrap_or(&empty)))
        .collect();
    sort_rows(&mut rows, sort);
    let since = Utc::now().date_naive() - chrono::Duration::days(RECENT_CHANGE_DAYS);
    let mut changes = Vec::new();
    for (la, _) in &all {
        let records = inspections.get(&la.gss_code).unwrap_or(&empty);
        // A change is news only while the graded inspection is the council's current one.
        let current = current_inspection(records).map(|record| &record.report_url);
        let graded: Vec<&InspectionRecord> = records.iter().filter(|r| r.overall().is_some()).collect();
        if let [latest, previous, ..] = graded.as_slice()
            && current == Some(&latest.report_url)
            && latest.published.is_some_and(|day| day >= since)
            && let (Some(now), Some(before)) = (latest.overall(), previous.overall())
            && now != before
        {
            changes.push((
                row(la, &[(*latest).clone()]),
                GradeChip::from(before),
                GradeChip::from(now),
                date(latest.published),
            ));
        }
    }
    render(NationalPage {
        chrome: Chrome::new(&state.site, Some("Ofsted judgements")).at(&page).described(
            "Every English council's current Ofsted grade for children's services, with the changes of the last 90 days.",
        ),
        rows,
        counts,
        reformed,
        ungraded,
        regions,
        region,
        grade: grade_filter.map(|g| g.key().to_owned()).unwrap_or_default(),
        area: area.unwrap_or_default().to_owned(),
        areas: crate::national_data::AREAS
            .iter()
            .map(|key| ((*key).to_owned(), judgement_label(key).to_owned()))
            .collect(),
        sort: sort.to_owned(),
        as_of: date(Some(Utc::now().date_naive())),
        newest_report: all
            .iter()
            .filter_map(|(_, row)| row.published)
            .max()
            .map_or_else(String::new, |day| date(Some(day))),
        grades: Grade::ALL.iter().map(|g| GradeChip::from(*g)).collect(),
        changes,
    })
}

/// A recent judged Ofsted inspection, for the home page's sidebar.
pub(crate) struct RecentJudgement {
    pub council: String,
    pub slug: String,
    pub published: String,
    /// The overall grade; `None` under the 2026 framework, which gives none.
    pub grade: Option<GradeChip>,
}

/// The newest judged inspections, newest first, one per council: each is that council's
/// current position, so an older grade never shows beside a newer inspection.
pub(crate) fn recent_judgements(
    store: &csfeed_store::Store,
    limit: usize,
) -> Result<Vec<RecentJudgement>, AppError> {
    // A few spare rows, since a council inspected twice lately is listed once.
    let records = store.latest_judged_inspections(limit * 2)?;
    let mut seen = std::collections::HashSet::new();
    Ok(records
        .iter()
        .filter(|record| seen.insert(record.gss_code.clone()))
        .filter_map(|record| {
            let la = Gazetteer::get().find(record.gss_code.as_deref()?)?;
            Some(RecentJudgement {
                council: la.name.clone(),
                slug: la.slug.clone(),
                published: date(record.published),
                grade: record.overall().map(GradeChip::from),
            })
        })
        .take(limit)
        .collect())
}
