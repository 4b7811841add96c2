//! `/ofsted.csv` and `/ofsted.json`: every council's current Ofsted position as data for
//! researchers and journalists — the newest judged inspection with every judgement on its
//! own scale, the previous overall grade and the direction of travel.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use csfeed_core::{Grade, InspectionRecord, LocalAuthority, current_inspection};
use serde::Serialize;

use crate::councils::{current_councils, inspections_by_council};
use crate::spreadsheet::{csv_error, finish, inert};
use crate::{AppError, AppState};

/// Judgement keys, in column order (the areas changed over the eras; empty where the current
/// inspection did not judge one).
pub(crate) const AREAS: [&str; 6] = [
    "impact_of_leaders",
    "help_and_protection",
    "children_in_care_and_care_leavers",
    "children_in_care",
    "care_leavers",
    "leadership_management_governance",
];

/// One council's current position.
#[derive(Debug, Serialize)]
pub(crate) struct CouncilPosition {
    council: String,
    slug: String,
    gss_code: String,
    region: String,
    /// The current inspection's kind (`ilacs_standard`, `ilacs_short`, `sif`…); empty when
    /// the council has none on record.
    kind: String,
    /// When the current inspection's report was published.
    published: Option<NaiveDate>,
    /// `2026` for the reformed framework (no overall grade), else empty.
    framework: String,
    /// The current inspection's overall effectiveness; `None` under the 2026 framework.
    overall: Option<Grade>,
    /// Every other judgement of the current inspection, by key.
    judgements: std::collections::BTreeMap<String, Grade>,
    /// The overall grade of the graded inspection before the current one.
    previous_overall: Option<Grade>,
    previous_published: Option<NaiveDate>,
    /// `improved`, `declined`, `same`, or empty when either grade is missing.
    direction: String,
    /// The current inspection's report.
    report_url: String,
}

/// Every current council's position, A–Z.
async fn positions(state: &AppState) -> Result<Vec<CouncilPosition>, AppError> {
    let inspections = inspections_by_council(state).await?;
    let empty = Vec::new();
    let mut rows: Vec<CouncilPosition> = current_councils()
        .map(|la| position(la, inspections.get(&la.gss_code).unwrap_or(&empty)))
        .collect();
    rows.sort_by(|a, b| a.council.cmp(&b.council));
    Ok(rows)
}

/// The graded inspection before `current` (its overall grade is the one to compare with).
pub(crate) fn previous_graded<'a>(
    records: &'a [InspectionRecord],
    current: &InspectionRecord,
) -> Option<&'a InspectionRecord> {
    let before = current.published.or(current.visit_end);
    records
        .iter()
        .filter(|record| record.report_url != current.report_url && record.overall().is_some())
        .filter(|record| record.published.or(record.visit_end) < before)
        .max_by_key(|record| record.published.or(record.visit_end))
}

/// Which way a council went from its previous overall grade to its current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Travel {
    Improved,
    Declined,
    Same,
}

impl Travel {
    /// The direction between two grades; `None` when either is missing.
    pub(crate) fn between(now: Option<Grade>, before: Option<Grade>) -> Option<Self> {
        // Grades are ordered best first, so a smaller grade is a better one.
        Some(match now?.cmp(&before?) {
            std::cmp::Ordering::Less => Travel::Improved,
            std::cmp::Ordering::Greater => Travel::Declined,
            std::cmp::Ordering::Equal => Travel::Same,
        })
    }

    /// As data and CSS classes: `improved`, `declined`, `same`.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Travel::Improved => "improved",
            Travel::Declined => "declined",
            Travel::Same => "same",
        }
    }

    /// As a report page says it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Travel::Improved => "Improved",
            Travel::Declined => "Declined",
            Travel::Same => "No change",
        }
    }
}

/// [`Travel::key`] of the direction between two grades; empty when either is missing.
pub(crate) fn direction(now: Option<Grade>, before: Option<Grade>) -> &'static str {
    Travel::between(now, before).map_or("", Travel::key)
}

fn position(la: &LocalAuthority, records: &[InspectionRecord]) -> CouncilPosition {
    let current = current_inspection(records);
    let previous = current.and_then(|current| previous_graded(records, current));
    let overall = current.and_then(InspectionRecord::overall);
    let previous_overall = previous.and_then(InspectionRecord::overall);
    let direction = direction(overall, previous_overall);
    CouncilPosition {
        council: la.name.clone(),
        slug: la.slug.clone(),
        gss_code: la.gss_code.clone(),
        region: la.region.clone(),
        kind: current.map(|record| record.kind.clone()).unwrap_or_default(),
        published: current.and_then(|record| record.published),
        framework: if current.is_some_and(InspectionRecord::is_reformed) {
            "2026".into()
        } else {
            String::new()
        },
        overall,
        judgements: current
            .map(|record| {
                record
                    .judgements
                    .iter()
                    .filter(|(key, _)| key.as_str() != "overall_effectiveness")
                    .map(|(key, grade)| (key.clone(), *grade))
                    .collect()
            })
            .unwrap_or_default(),
        previous_overall,
        previous_published: previous.and_then(|record| record.published),
        direction: direction.to_owned(),
        report_url: current
            .map(|record| record.report_url.clone())
            .unwrap_or_default(),
    }
}

/// `GET /ofsted.json`.
pub(crate) async fn json(State(state): State<AppState>) -> Result<Response, AppError> {
    let councils = positions(&state).await?;
    Ok(Json(serde_json::json!({
        "as_of": chrono::Utc::now().date_naive(),
        "scale": "overall and judgements: outstanding, good, requires_improvement, inadequate; the 2026 framework gives no overall grade",
        "councils": councils,
    }))
    .into_response())
}

/// `GET /ofsted.csv`: the same rows as a spreadsheet.
pub(crate) async fn csv(State(state): State<AppState>) -> Result<Response, AppError> {
    let councils = positions(&state).await?;
    let body = state
        .blocking(move |_| {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let mut header_row = vec![
                "council",
                "slug",
                "gss_code",
                "region",
                "kind",
                "published",
                "framework",
                "overall",
            ];
            header_row.extend(AREAS);
            header_row.extend([
                "previous_overall",
                "previous_published",
                "direction",
                "report_url",
            ]);
            writer.write_record(&header_row).map_err(csv_error)?;
            for row in &councils {
                writer.write_record(cells(row)).map_err(csv_error)?;
            }
            finish(writer)
        })
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"ofsted.csv\""),
        ],
        body,
    )
        .into_response())
}

fn cells(row: &CouncilPosition) -> Vec<String> {
    let grade = |grade: Option<Grade>| grade.map(|grade| grade.key().to_owned()).unwrap_or_default();
    let day = |day: Option<NaiveDate>| day.map(|day| day.to_string()).unwrap_or_default();
    let judgements: HashMap<&str, Grade> = row
        .judgements
        .iter()
        .map(|(key, grade)| (key.as_str(), *grade))
        .collect();
    let mut cells = vec![
        inert(&row.council),
        row.slug.clone(),
        row.gss_code.clone(),
        inert(&row.region),
        row.kind.clone(),
        day(row.published),
        row.framework.clone(),
        grade(row.overall),
    ];
    cells.extend(AREAS.iter().map(|area| grade(judgements.get(area).copied())));
    cells.extend([
        grade(row.previous_overall),
        day(row.previous_published),
        row.direction.clone(),
        inert(&row.report_url),
    ]);
    cells
}
