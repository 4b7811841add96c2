//! `kind = "ofsted"` sources: each followed council's provider page, the reports it lists,
//! their facts, and alerts when a council's overall grade changes.

use chrono::{DateTime, NaiveDate, Utc};
use csfeed_core::{Article, Gazetteer, Grade, InspectionRecord, LocalAuthority, SourceId, escape_html};
use csfeed_fetch::{FetchOutcome, Validators};
use csfeed_ingest::ArticleDraft;
use csfeed_ofsted::{Inspection, Publication};
use csfeed_store::{FetchResult, SourceRecord};
use tracing::{info, warn};
use url::Url;

use crate::pipeline::{Pipeline, SourceOutcome};

/// The topic every report and grade-change alert carries.
const OFSTED_TOPIC: &str = "ofsted-inspections";

impl Pipeline {
    /// Reads every followed council's provider page (conditionally) and every report on it
    /// not read before; stores the facts, a searchable article per report, and an alert
    /// article when a report changes the council's overall grade.
    pub(crate) async fn harvest_ofsted(
        &self,
        record: &SourceRecord,
        seen_at: DateTime<Utc>,
    ) -> Result<(SourceOutcome, FetchResult), String> {
        let source = &record.source;
        let template = record.url_to_fetch().to_string();
        let councils = followed_councils(&source.options.authorities);
        let (mut articles, mut inspections, mut problems) = (Vec::new(), Vec::new(), Vec::new());
        let mut pages_read = 0usize;
        for la in &councils {
            let page_url = Url::parse(&template.replace("%7Burn%7D", &la.urn).replace("{urn}", &la.urn))
                .map_err(|error| format!("provider page address for {}: {error}", la.name))?;
            let publications = match self.provider_page(&page_url).await {
                Ok(Some(publications)) => publications,
                Ok(None) => {
                    pages_read += 1;
                    continue;
                }
                Err(error) => {
                    problems.push(format!("{}: {error}", la.name));
                    continue;
                }
            };
            pages_read += 1;
            for publication in publications {
                let report = publication.url.to_string();
                let known = report.clone();
                if self
                    .store_blocking(move |store| store.has_read_report(&known))
                    .await
                    .unwrap_or(false)
                {
                    continue;
                }
                match self.read_report(&publication).await {
                    Ok((inspection, text)) => {
                        let facts = to_record(la, &publication, &inspection);
                        articles.push(report_article(
                            &source.id,
                            la,
                            &page_url,
                            &publication,
                            &inspection,
                            &facts,
                            text,
                        ));
                        inspections.push(facts);
                    }
                    Err(error) => problems.push(format!("{} report {report}: {error}", la.name)),
                }
            }
        }
        if pages_read == 0 && !problems.is_empty() {
            return Err(
                format!("{} (and {} more)", problems[0], problems.len() - 1).replace(" (and 0 more)", "")
            );
        }
        for problem in &problems {
            warn!(source = %source.id, problem = %problem, "ofsted report skipped");
        }
        let alerts = self.grade_change_alerts(&source.id, &inspections).await;
        articles.extend(alerts);
        let stored = inspections.clone();
        self.store_blocking(move |store| store.upsert_inspections(&stored))
            .await
            .map_err(|error| format!("could not store inspections: {error}"))?;
        let counts = self
            .store_blocking(move |store| store.upsert_articles(&articles, seen_at))
            .await
            .map_err(|error| format!("could not store reports: {error}"))?;
        info!(source = %source.id, councils = councils.len(), reports = inspections.len(), "read ofsted reports");
        let result = FetchResult::Changed {
            http_status: None,
            etag: None,
            last_modified: None,
            body_bytes: 0,
            moved_to: None,
        };
        Ok((SourceOutcome::Updated(counts), result))
    }

    /// The publications on a provider page; `None` when it has not changed since last read.
    async fn provider_page(&self, page_url: &Url) -> Result<Option<Vec<Publication>>, String> {
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
            Ok(FetchOutcome::NotModified { .. }) => return Ok(None),
            Ok(FetchOutcome::Fetched(page)) => page,
            Err(error) => return Err(error.to_string()),
        };
        let (key, validators) = (page_url.clone(), page.validators.clone());
        let _ = self
            .store_blocking(move |store| {
                store.set_http_validators(
                    &key,
                    validators.etag.as_deref(),
                    validators.last_modified.as_deref(),
                    Utc::now(),
                )
            })
            .await;
        let html = csfeed_fetch::decode_text(&page.body, page.content_type.as_deref()).into_owned();
        Ok(Some(csfeed_ofsted::parse_provider_page(&html, &page.final_url)))
    }

    /// Downloads one report and reads its facts off the async runtime.
    async fn read_report(&self, publication: &Publication) -> Result<(Inspection, String), String> {
        let fetched = match self.fetcher.fetch(&publication.url, &Validators::default()).await {
            Ok(FetchOutcome::Fetched(fetched)) => fetched,
            Ok(FetchOutcome::NotModified { .. }) => return Err("not modified".to_owned()),
            Err(error) => return Err(error.to_string()),
        };
        let listed = publication.published;
        tokio::task::spawn_blocking(move || {
            let text = csfeed_ofsted::extract_text(&fetched.body).map_err(|error| error.to_string())?;
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

    /// One alert article per new report that changes its council's overall grade.
    async fn grade_change_alerts(&self, source: &SourceId, new: &[InspectionRecord]) -> Vec<Article> {
        let mut alerts = Vec::new();
        for report in new {
            let (Some(gss), Some(grade), Some(published)) =
                (report.gss_code.clone(), report.overall(), report.published)
            else {
                continue;
            };
            let earlier = self
                .store_blocking(move |store| store.inspections_for(&gss))
                .await
                .unwrap_or_default();
            let previous = earlier
                .iter()
                .chain(new.iter().filter(|other| other.gss_code == report.gss_code))
                .filter(|other| other.published.is_some_and(|day| day < published))
                .filter(|other| other.overall().is_some())
                .max_by_key(|other| other.published);
            if let Some(previous) = previous
                && let Some(before) = previous.overall()
                && before != grade
            {
                alerts.push(alert_article(source, report, grade, before, previous.published));
            }
        }
        alerts
    }
}

fn followed_councils(slugs: &[String]) -> Vec<&'static LocalAuthority> {
    let gazetteer = Gazetteer::get();
    if slugs.is_empty() {
        return gazetteer
            .authorities()
            .iter()
            .filter(|la| la.abolished.is_none())
            .collect();
    }
    slugs.iter().filter_map(|slug| gazetteer.find(slug)).collect()
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
        urn: inspection.urn.clone().unwrap_or_else(|| la.urn.clone()),
        gss_code: inspection.gss_code.clone().or_else(|| Some(la.gss_code.clone())),
        kind: kind_key(inspection),
        visit_start: inspection.visit_start,
        visit_end: inspection.visit_end,
        published: inspection.published.or(publication.published),
        lead_inspector: inspection.lead_inspector.clone(),
        inspectors: inspection.inspectors.clone(),
        judgements: inspection.judgements.clone(),
        headline: inspection.headline.clone(),
        origin: "report".to_owned(),
    }
}

fn midnight(day: Option<NaiveDate>) -> Option<DateTime<Utc>> {
    day.map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The searchable article for a report: "Focused visit to St Helens children's services".
fn report_article(
    source: &SourceId,
    la: &LocalAuthority,
    provider_page: &Url,
    publication: &Publication,
    inspection: &Inspection,
    facts: &InspectionRecord,
    full_text: String,
) -> Article {
    let title = match facts.kind.as_str() {
        "focused_visit" => format!("Focused visit to {} children's services", la.name),
        "monitoring_visit" => format!("Monitoring visit to {} children's services", la.name),
        "jtai" => format!("Joint targeted area inspection in {}", la.name),
        _ => match facts.overall() {
            Some(grade) => format!(
                "Inspection of {} children's services: {}",
                la.name,
                grade.label().to_lowercase()
            ),
            None => format!("Inspection of {} children's services", la.name),
        },
    };
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
        "<p>{}</p>{}<p><a href=\"{}\">Read the report (PDF)</a> · <a href=\"{}\">{} on Ofsted's site</a></p>",
        escape_html(&headline),
        if judgements.is_empty() {
            String::new()
        } else {
            format!("<ul>{judgements}</ul>")
        },
        escape_html(publication.url.as_str()),
        escape_html(provider_page.as_str()),
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

fn alert_article(
    source: &SourceId,
    report: &InspectionRecord,
    now: Grade,
    before: Grade,
    since: Option<NaiveDate>,
) -> Article {
    let name = report
        .gss_code
        .as_deref()
        .and_then(|gss| Gazetteer::get().find(gss))
        .map_or_else(|| report.urn.clone(), |la| la.name.clone());
    let direction = if now < before { "improved to" } else { "now judged" };
    let title = format!(
        "{name} children's services {direction} {} (was {})",
        now.label().to_lowercase(),
        before.label().to_lowercase()
    );
    let since = since
        .map(|day| format!(" in the inspection published on {}", day.format("%-d %B %Y")))
        .unwrap_or_default();
    let summary = format!(
        "Ofsted's report published on {} judges the overall effectiveness of {name}'s children's services {}; it was {}{since}.",
        report
            .published
            .map(|day| day.format("%-d %B %Y").to_string())
            .unwrap_or_default(),
        now.label().to_lowercase(),
        before.label().to_lowercase(),
    );
    let mut article = ArticleDraft {
        source: source.clone(),
        key: format!("alert:{}", report.report_url),
        url: None,
        title,
        published: midnight(report.published),
        updated: None,
        authors: Vec::new(),
        summary: summary.clone(),
        content_html: format!(
            "<p>{}</p><p><a href=\"{}\">Read the report (PDF)</a></p>",
            escape_html(&summary),
            escape_html(&report.report_url)
        ),
        content_text: summary,
    }
    .finish();
    // Set, not guessed from the words: a follow of the council or of Ofsted inspections
    // must find every grade change, however it is worded.
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
                origin: "report".into(),
            };
            let alert = alert_article(&source, &report, now, before, day(2019, 11, 4));
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
}
