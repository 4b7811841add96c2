//! `/ofsted/findings`: what Ofsted told councils to do across England — the areas for
//! priority action and the improvements of the reports published in the last 12 or 24
//! months, grouped by the topic taxonomy, each linked to the report that says it.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Months, Utc};
use csfeed_core::{Gazetteer, InspectionRecord};

use crate::pages::render;
use crate::views::{Chrome, PageAddress};
use crate::{AppError, AppState};

/// The windows offered, in months.
const WINDOWS: [u32; 2] = [12, 24];
/// Findings listed under one topic before the rest are counted only.
const SHOWN_PER_TOPIC: usize = 40;
/// What a finding that names no topic is filed under.
const NO_TOPIC: &str = "Other findings";

/// One thing a report told a council to do.
pub(crate) struct Finding {
    pub text: String,
    pub council: String,
    pub council_slug: String,
    pub month: String,
    pub href: String,
}

/// The findings about one topic.
pub(crate) struct TopicFindings {
    pub name: String,
    pub slug: Option<&'static str>,
    pub priority_actions: Vec<Finding>,
    pub improvements: Vec<Finding>,
    /// Findings beyond [`SHOWN_PER_TOPIC`].
    pub more: usize,
    /// The councils told, by name with their slug.
    pub councils: Vec<(String, String)>,
}

impl TopicFindings {
    fn total(&self) -> usize {
        self.priority_actions.len() + self.improvements.len() + self.more
    }
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    chrome: Chrome,
    months: u32,
    windows: [u32; 2],
    since: String,
    reports: usize,
    priority_total: usize,
    improvement_total: usize,
    topics: Vec<TopicFindings>,
}

/// `GET /ofsted/findings?months=12|24`.
pub(crate) async fn findings(
    State(state): State<AppState>,
    page: PageAddress,
    Query(raw): Query<HashMap<String, String>>,
) -> Result<Response, AppError> {
    let months = match raw.get("months").map(|m| m.trim()).filter(|m| !m.is_empty()) {
        None => WINDOWS[0],
        Some(asked) => asked
            .parse::<u32>()
            .ok()
            .filter(|months| WINDOWS.contains(months))
            .ok_or_else(|| {
                AppError::BadRequest(format!("months={asked:?}: choose months=12 or months=24"))
            })?,
    };
    let today = Utc::now().date_naive();
    let since = today.checked_sub_months(Months::new(months)).unwrap_or(today);
    let (records, links) = state
        .blocking(move |state| {
            let records: Vec<InspectionRecord> = state
                .store
                .all_inspections()?
                .into_iter()
                .filter(|record| record.published.is_some_and(|published| published >= since))
                .filter(|record| !record.priority_actions.is_empty() || !record.improvements.is_empty())
                .collect();
            let mut links = HashMap::new();
            for record in &records {
                links.insert(record.report_url.clone(), report_href(state, &record.report_url)?);
            }
            Ok((records, links))
        })
        .await?;
    let reports = records.len();
    let topics = group_by_topic(&records, &links);
    let priority_total = records.iter().map(|record| record.priority_actions.len()).sum();
    let improvement_total = records.iter().map(|record| record.improvements.len()).sum();
    render(FindingsPage {
        chrome: Chrome::new(&state.site, Some("Findings across councils")).at(&page).described(format!(
            "What Ofsted told councils to do in the last {months} months: areas for priority action and improvements, by topic, each linked to its report."
        )),
        months,
        windows: WINDOWS,
        since: crate::councils::date(Some(since)),
        reports,
        priority_total,
        improvement_total,
        topics,
    })
}

/// Where a report is read: its page here when csfeed stored it, else the PDF on the web.
fn report_href(state: &AppState, report_url: &str) -> Result<String, AppError> {
    Ok(match state.store.article_id_by_guid(report_url)? {
        Some(id) => format!("/articles/{id}"),
        None if crate::views::on_the_web(report_url) => report_url.to_owned(),
        None => String::new(),
    })
}

/// Files every finding under the topic it is most about, most told topics first.
fn group_by_topic(records: &[InspectionRecord], links: &HashMap<String, String>) -> Vec<TopicFindings> {
    let gazetteer = Gazetteer::get();
    let mut groups: BTreeMap<&str, TopicFindings> = BTreeMap::new();
    let mut newest_first: Vec<&InspectionRecord> = records.iter().collect();
    newest_first.sort_by_key(|record| std::cmp::Reverse(record.published));
    for record in newest_first {
        let la = record
            .gss_code
            .as_deref()
            .and_then(|code| gazetteer.find(code))
            .or_else(|| gazetteer.find_by_urn(&record.urn));
        let (council, council_slug) = la.map_or_else(
            || (record.urn.clone(), String::new()),
            |la| (la.name.clone(), la.slug.clone()),
        );
        let lists = [(&record.priority_actions, true), (&record.improvements, false)];
        for (items, priority) in lists {
            for text in items {
                let topic = csfeed_core::topic_mentions(text)
                    .into_iter()
                    .max_by_key(|(_, count)| *count)
                    .map(|(topic, _)| topic);
                let key = topic.map_or(NO_TOPIC, |topic| topic.name);
                let group = groups.entry(key).or_insert_with(|| TopicFindings {
                    name: key.to_owned(),
                    slug: topic.map(|topic| topic.slug),
                    priority_actions: Vec::new(),
                    improvements: Vec::new(),
                    more: 0,
                    councils: Vec::new(),
                });
                if !council_slug.is_empty() && !group.councils.iter().any(|(_, slug)| *slug == council_slug) {
                    group.councils.push((council.clone(), council_slug.clone()));
                }
                if group.priority_actions.len() + group.improvements.len() >= SHOWN_PER_TOPIC {
                    group.more += 1;
                    continue;
                }
                let finding = Finding {
                    text: text.clone(),
                    council: council.clone(),
                    council_slug: council_slug.clone(),
                    month: record
                        .published
                        .map(|day| day.format("%B %Y").to_string())
                        .unwrap_or_default(),
                    href: links.get(&record.report_url).cloned().unwrap_or_default(),
                };
                if priority {
                    group.priority_actions.push(finding);
                } else {
                    group.improvements.push(finding);
                }
            }
        }
    }
    let mut topics: Vec<TopicFindings> = groups.into_values().collect();
    for topic in &mut topics {
        topic.councils.sort();
    }
    topics.sort_by(|a, b| {
        (b.name != NO_TOPIC)
            .cmp(&(a.name != NO_TOPIC))
            .then(b.priority_actions.len().cmp(&a.priority_actions.len()))
            .then(b.total().cmp(&a.total()))
            .then(a.name.cmp(&b.name))
    });
    topics
}
