//! Councils and their Ofsted record: `/la`, `/la/{slug}`, `/la/{slug}/feed.rss`, `/ofsted`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate, Utc};
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
    /// Month and year of that publication ("Nov 2023"), for the national table.
    pub graded_month: String,
    /// When the newest inspection was published (for sorting).
    pub published: Option<NaiveDate>,
    /// The overall grade of the graded inspection before the newest one.
    pub previous: Option<GradeChip>,
    /// `improved`, `declined`, `same`, or empty.
    pub direction: &'static str,
    /// The newest inspection's grades by judgement key (for filtering by area).
    pub grades: std::collections::BTreeMap<String, Grade>,
    /// The national table's grade columns: overall, leaders, help and protection, children
    /// in care, care leavers (see [`compact_cells`]).
    pub cells: Vec<CompactCell>,
    /// The previous overall grade as a national-table cell.
    pub previous_cell: CompactCell,
}

/// One grade in the national table, abbreviated ("RI") with a key on the page, so every
/// council's judgements fit a phone's width and the page stays small.
pub(crate) struct CompactCell {
    /// The grade's key (its colour), or `none`.
    pub key: &'static str,
    /// "O", "G", "RI", "I", or "–" when that judgement was not made.
    pub text: &'static str,
    /// Columns it spans: 2 for children in care and care leavers judged together.
    pub span: u8,
}

impl CompactCell {
    fn of(grade: Option<Grade>, span: u8) -> Self {
        let (key, text) = match grade {
            Some(Grade::Outstanding) => ("outstanding", "O"),
            Some(Grade::Good) => ("good", "G"),
            Some(Grade::RequiresImprovement) => ("requires_improvement", "RI"),
            Some(Grade::Inadequate) => ("inadequate", "I"),
            None => ("none", "–"),
        };
        Self { key, text, span }
    }
}

/// The national table's grade cells of an inspection's judgements, in its columns: overall
/// effectiveness, leaders, help and protection, children in care, care leavers. Each era's
/// judgement goes under the column it answers to (a SIF report's leadership under leaders,
/// its children looked after under children in care); children in care and care leavers
/// judged together (2018–2023) take both columns.
pub(crate) fn compact_cells(grades: &std::collections::BTreeMap<String, Grade>) -> Vec<CompactCell> {
    let grade = |keys: &[&str]| keys.iter().find_map(|key| grades.get(*key).copied());
    let mut cells = vec![
        CompactCell::of(grade(&["overall_effectiveness"]), 1),
        CompactCell::of(
            grade(&["impact_of_leaders", "leadership_management_governance"]),
            1,
        ),
        CompactCell::of(grade(&["help_and_protection"]), 1),
    ];
    match grade(&["children_in_care_and_care_leavers"]) {
        Some(together) => cells.push(CompactCell::of(Some(together), 2)),
        None => cells.extend([
            CompactCell::of(grade(&["children_in_care", "looked_after_and_permanence"]), 1),
            CompactCell::of(grade(&["care_leavers"]), 1),
        ]),
    }
    cells
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
        cells: compact_cells(
            &current
                .map(|record| record.judgements.clone())
                .unwrap_or_default(),
        ),
        previous_cell: CompactCell::of(previous, 1),
        slug: la.slug.clone(),
        name: la.name.clone(),
        region: la.region.clone(),
        la_type: la.la_type.clone(),
        grade: current.and_then(InspectionRecord::overall).map(GradeChip::from),
        reformed: current.is_some_and(InspectionRecord::is_reformed),
        graded_month: current
            .and_then(|record| record.published)
            .map(|day| day.format("%b %Y").to_string())
            .unwrap_or_default(),
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

/// The chart's drawing units. It is drawn narrow (a phone's width) and scaled up on wider
/// screens, so its labels stay readable on a phone: 15 units are about 13 px at 390 px.
const CHART_WIDTH: f64 = 420.0;
const CHART_LEFT: f64 = 104.0;
const CHART_TOP: f64 = 16.0;
const CHART_ROW: f64 = 38.0;
/// Least room between two year labels on the axis.
const CHART_YEAR_GAP: f64 = 40.0;

/// An inline SVG of overall grades over time (best at the top) with the years on its axis,
/// and a text alternative.
fn grade_chart(records: &[InspectionRecord]) -> String {
    let points: Vec<(NaiveDate, Grade)> = records
        .iter()
        .filter_map(|record| Some((record.published?, record.overall()?)))
        .rev()
        .collect();
    let (Some((first, _)), Some((last, _))) = (points.first().copied(), points.last().copied()) else {
        return String::new();
    };
    // The axis runs from the start of the first year to the end of the last.
    let axis_start = NaiveDate::from_ymd_opt(first.year(), 1, 1).unwrap_or(first);
    let axis_end = NaiveDate::from_ymd_opt(last.year() + 1, 1, 1).unwrap_or(last);
    let span = (axis_end - axis_start).num_days().max(1) as f64;
    let plot_width = CHART_WIDTH - CHART_LEFT - 12.0;
    let x = |day: NaiveDate| CHART_LEFT + (day - axis_start).num_days() as f64 / span * plot_width;
    let y = |grade: Grade| {
        CHART_TOP + Grade::ALL.iter().position(|g| *g == grade).unwrap_or(0) as f64 * CHART_ROW
    };
    let axis_y = y(Grade::Inadequate) + 18.0;
    let height = axis_y + 22.0;
    let mut svg = format!(
        r#"<svg class="grade-chart" viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-labelledby="chart-title"><title id="chart-title">Overall effectiveness grades, {} to {}</title>"#,
        first.format("%Y"),
        last.format("%Y")
    );
    for grade in Grade::ALL {
        let label = match grade {
            Grade::RequiresImprovement => {
                r#"<tspan x="0" dy="-4">Requires</tspan><tspan x="0" dy="16">improvement</tspan>"#
            }
            other => other.label(),
        };
        svg.push_str(&format!(
            r#"<text x="0" y="{:.0}" class="chart-label">{label}</text><line x1="{CHART_LEFT}" x2="{:.0}" y1="{:.0}" y2="{:.0}" class="chart-rule"/>"#,
            y(grade) + 4.0,
            CHART_WIDTH - 8.0,
            y(grade),
            y(grade)
        ));
    }
    svg.push_str(&year_axis(axis_start, axis_end, axis_y, &x));
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

/// The years under the chart, a tick at the start of each labelled one; every second or
/// third year when there are too many to read.
fn year_axis(start: NaiveDate, end: NaiveDate, axis_y: f64, x: &impl Fn(NaiveDate) -> f64) -> String {
    let years: Vec<i32> = (start.year()..end.year()).collect();
    let per_year = (x(end) - x(start)) / years.len().max(1) as f64;
    let step = (CHART_YEAR_GAP / per_year).ceil().max(1.0) as usize;
    let mut axis = format!(
        r#"<line x1="{CHART_LEFT}" x2="{:.0}" y1="{axis_y:.0}" y2="{axis_y:.0}" class="chart-axis"/>"#,
        x(end)
    );
    for year in years.iter().step_by(step) {
        let Some(january) = NaiveDate::from_ymd_opt(*year, 1, 1) else {
            continue;
        };
        let at = x(january);
        axis.push_str(&format!(
            r#"<line x1="{at:.1}" x2="{at:.1}" y1="{axis_y:.0}" y2="{:.0}" class="chart-axis"/><text x="{at:.1}" y="{:.0}" class="chart-label chart-year">{year}</text>"#,
            axis_y + 5.0,
            axis_y + 18.0
        ));
    }
    axis
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

/// The grade of judgement `area`; for children in care or care leavers, the grade they
/// were given together when the inspection judged them as one.
fn judged(grades: &std::collections::BTreeMap<String, Grade>, area: &str) -> Option<Grade> {
    let together = ["children_in_care", "care_leavers"]
        .contains(&area)
        .then(|| grades.get("children_in_care_and_care_leavers"))
        .flatten();
    grades.get(area).or(together).copied()
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
                    // "care leavers inadequate": the grade of that judgement, not the overall
                    // (or of children in care and care leavers judged together, 2018–2023).
                    Some(area) => judged(&row.grades, area) == Some(grade),
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

#[cfg(test)]
mod chart_tests {
    use super::*;

    fn graded(published: (i32, u32, u32), grade: Grade) -> InspectionRecord {
        InspectionRecord {
            report_url: format!("https://files.example/{}.pdf", published.0),
            published: NaiveDate::from_ymd_opt(published.0, published.1, published.2),
            judgements: [("overall_effectiveness".to_owned(), grade)]
                .into_iter()
                .collect(),
            ..InspectionRecord::default()
        }
    }

    /// The x positions of the year labels and their text.
    fn years(svg: &str) -> Vec<(f64, String)> {
        svg.split("<text x=\"")
            .skip(1)
            .filter(|piece| piece.contains("chart-year\">"))
            .filter_map(|piece| {
                let x = piece.split('"').next()?.parse().ok()?;
                let year = piece.split("chart-year\">").nth(1)?.split('<').next()?.to_owned();
                Some((x, year))
            })
            .collect()
    }

    #[test]
    fn the_grade_chart_has_the_years_on_its_axis_spaced_to_be_read_on_a_phone() {
        // Newest first, as the store gives them.
        let records = [
            graded((2023, 9, 4), Grade::Good),
            graded((2019, 11, 4), Grade::Inadequate),
            graded((2015, 1, 20), Grade::RequiresImprovement),
        ];
        let svg = grade_chart(&records);
        assert!(
            svg.contains("viewBox=\"0 0 420 "),
            "drawn at about a phone's width: {svg}"
        );
        let labels = years(&svg);
        let texts: Vec<&str> = labels.iter().map(|(_, year)| year.as_str()).collect();
        assert_eq!(texts.first(), Some(&"2015"), "{svg}");
        assert!(texts.len() >= 3, "{texts:?}");
        for pair in labels.windows(2) {
            assert!(
                pair[1].0 - pair[0].0 >= CHART_YEAR_GAP,
                "labels overlap: {labels:?}"
            );
        }
        assert!(svg.contains("<tspan x=\"0\" dy=\"-4\">Requires</tspan>"), "{svg}");
        assert_eq!(grade_chart(&[]), "");
        let one = grade_chart(&[graded((2024, 7, 12), Grade::Outstanding)]);
        assert_eq!(years(&one).len(), 1, "{one}");
    }
}
