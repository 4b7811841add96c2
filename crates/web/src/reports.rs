//! Ofsted reports as first-class pages: the facts panel of a report's story page and the
//! report file csfeed read (`/reports/{id}.pdf`), served from the store.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use csfeed_core::{ArticleId, Gazetteer, InspectionRecord};
use csfeed_store::{ArticleRecord, Store};

use crate::councils::{GradeChip, date, judgement_chips, visit_dates};
use crate::national_data::Travel;
use crate::{AppError, AppState};

/// Browsers show the file inline; `object-src 'self'` lets their PDF viewer run under our
/// otherwise script-free policy.
const PDF_SECURITY_POLICY: &str = "default-src 'none'; object-src 'self'; frame-ancestors 'none'";

/// What a report's page shows beside its text.
pub(crate) struct ReportFacts {
    pub council_slug: String,
    pub council_name: String,
    /// The council's GSS code in force at the visit (Northamptonshire's E10000021 in 2019).
    pub code_at_visit: String,
    /// The council's name at the visit, when others have taken over since.
    pub council_then: String,
    /// (slug, name) of the councils that have taken over since the visit.
    pub successors: Vec<(String, String)>,
    /// The council's grade today: its newest inspection's, none under the 2026 framework.
    pub current_grade: Option<GradeChip>,
    pub kind: &'static str,
    pub visit: String,
    pub published: String,
    pub inspectors: String,
    pub judgements: Vec<(String, GradeChip)>,
    /// The council's overall grade before this report, with when it was published.
    pub previous: Option<(GradeChip, String)>,
    /// "Improved", "Declined" or "No change", when this report has a grade to compare.
    pub travel: Option<&'static str>,
    pub summary: String,
    pub priority_actions: Vec<String>,
    pub improvements: Vec<String>,
    /// csfeed's copy of the file, when it kept one.
    pub pdf_href: Option<String>,
    /// The report on Ofsted's site, when it is on the web.
    pub ofsted_href: Option<String>,
}

/// The facts of the report `record` is, when csfeed read it; `None` for any other story.
pub(crate) fn report_facts(store: &Store, record: &ArticleRecord) -> Result<Option<ReportFacts>, AppError> {
    let article = &record.article;
    let Some(report) = store
        .inspection(&article.guid)?
        .filter(|report| report.origin == "report")
    else {
        return Ok(None);
    };
    let Some(la) = report
        .gss_code
        .as_deref()
        .and_then(|gss| Gazetteer::get().find(gss))
    else {
        return Ok(None);
    };
    let at_visit = report
        .visit_start
        .or(report.published)
        .map(|day| Gazetteer::get().as_at(la, day));
    let history = store.inspections_for(&la.gss_code)?;
    let previous = crate::national_data::previous_graded(&history, &report);
    let previous_grade = previous.and_then(InspectionRecord::overall);
    let has_file = store.has_kept_report(&report.report_url)?;
    Ok(Some(ReportFacts {
        council_slug: la.slug.clone(),
        council_name: la.name.clone(),
        code_at_visit: at_visit
            .as_ref()
            .map_or_else(|| la.gss_code.clone(), |council| council.gss_code.clone()),
        council_then: at_visit
            .as_ref()
            .map_or_else(|| la.name.clone(), |council| council.name.clone()),
        successors: at_visit
            .map(|council| {
                council
                    .successors
                    .iter()
                    .map(|successor| (successor.slug.clone(), successor.name.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        current_grade: csfeed_core::current_inspection(&history)
            .and_then(InspectionRecord::overall)
            .map(GradeChip::from),
        kind: report.kind_label(),
        visit: visit_dates(&report),
        published: date(report.published),
        inspectors: report.inspectors.join(", "),
        judgements: judgement_chips(&report),
        previous: previous
            .zip(previous_grade)
            .map(|(earlier, grade)| (GradeChip::from(grade), date(earlier.published))),
        travel: Travel::between(report.overall(), previous_grade).map(Travel::label),
        summary: report.headline.clone().unwrap_or_default(),
        pdf_href: has_file.then(|| format!("/reports/{}.pdf", article.id)),
        ofsted_href: crate::views::on_the_web(&report.report_url).then(|| report.report_url.clone()),
        priority_actions: report.priority_actions,
        improvements: report.improvements,
    }))
}

/// `/reports/{id}.pdf`: the report file csfeed read for the story `id`, from the store.
pub(crate) async fn report_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::NotFound(format!("there is no report file /reports/{file}"));
    let id = file
        .strip_suffix(".pdf")
        .and_then(ArticleId::parse)
        .ok_or_else(not_found)?;
    let name = id.to_string();
    let stored = state
        .blocking(move |state| {
            let Some(record) = state.store.article(&id)? else {
                return Ok(None);
            };
            Ok(state.store.report_file(&record.article.guid)?)
        })
        .await?;
    let (content_type, body) = stored.ok_or_else(not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"report-{name}.pdf\""),
            ),
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            (header::CONTENT_SECURITY_POLICY, PDF_SECURITY_POLICY.to_owned()),
        ],
        body,
    )
        .into_response())
}
