//! `/ofsted.csv` and `/ofsted.json`: every council's current position as data, over the
//! bundled inspection history in a real store.

mod common;

use common::{get, state};
use csfeed_core::inspection_history;

#[tokio::test]
async fn every_councils_current_position_as_csv_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.store.upsert_inspections(&inspection_history()).unwrap();
    let app = csfeed_web::app(state);

    let (status, _, body) = get(&app, "/ofsted.json").await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let councils = json["councils"].as_array().unwrap();
    assert_eq!(councils.len(), 153, "every current council, none abolished");
    let council = |slug: &str| {
        councils
            .iter()
            .find(|row| row["slug"] == slug)
            .unwrap_or_else(|| panic!("no {slug}"))
    };
    // Liverpool's newest inspection is under the 2026 framework: no overall grade, its own
    // judgements, never its 2023 "inadequate" as current.
    let liverpool = council("liverpool");
    assert_eq!(liverpool["framework"], "2026", "{liverpool}");
    assert!(liverpool["overall"].is_null(), "{liverpool}");
    assert_eq!(
        liverpool["judgements"]["impact_of_leaders"], "good",
        "{liverpool}"
    );
    assert_eq!(
        liverpool["direction"], "",
        "no overall grade to compare: {liverpool}"
    );
    // St Helens: good in 2023 after inadequate in 2019.
    let st_helens = council("st-helens");
    assert_eq!(st_helens["previous_overall"], "inadequate", "{st_helens}");
    assert_eq!(st_helens["direction"], "improved", "{st_helens}");
    assert!(json["as_of"].as_str().is_some_and(|day| day.len() == 10));

    let (status, _, csv) = get(&app, "/ofsted.csv").await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "council");
    assert!(headers.iter().any(|h| h == "care_leavers") && headers.iter().any(|h| h == "direction"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 153);
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let liverpool = rows
        .iter()
        .find(|row| &row[column("slug")] == "liverpool")
        .unwrap();
    assert_eq!(&liverpool[column("overall")], "");
    assert_eq!(&liverpool[column("framework")], "2026");
}

#[tokio::test]
async fn the_national_table_filters_by_any_judgement_sorts_and_shows_the_direction_of_travel() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.store.upsert_inspections(&inspection_history()).unwrap();
    let app = csfeed_web::app(state);

    let (status, _, page) = get(&app, "/ofsted?area=care_leavers&grade=inadequate").await;
    assert_eq!(status, 200);
    let (_, _, json) = get(&app, "/ofsted.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let expected: Vec<&str> = json["councils"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| {
            // Judged together with children in care (2018–2023) counts too.
            row["judgements"]["care_leavers"] == "inadequate"
                || row["judgements"]["children_in_care_and_care_leavers"] == "inadequate"
        })
        .map(|row| row["slug"].as_str().unwrap())
        .collect();
    assert!(
        !expected.is_empty(),
        "the history has councils whose care leavers were judged inadequate"
    );
    let listed = page.matches("<th scope=\"row\">").count();
    assert_eq!(
        listed,
        expected.len(),
        "exactly the councils whose care leavers are inadequate now"
    );
    for slug in &expected {
        assert!(page.contains(&format!("href=\"/la/{slug}\"")), "{slug}");
    }

    let (_, _, by_grade) = get(&app, "/ofsted?sort=grade").await;
    let first_row = by_grade.split("<th scope=\"row\">").nth(1).unwrap();
    assert!(
        first_row.contains("<td class=\"c-outstanding\">O</td>"),
        "best grade first: {first_row}"
    );
    let (_, _, by_name) = get(&app, "/ofsted").await;
    let st_helens = by_name
        .split("<th scope=\"row\"><a href=\"/la/st-helens\">")
        .nth(1)
        .unwrap();
    let st_helens = &st_helens[..st_helens.find("</tr>").unwrap()];
    assert!(
        st_helens
            .contains("<td class=\"c-inadequate\">I ↑<span class=\"visually-hidden\"> improved</span></td>"),
        "the previous grade and the direction: {st_helens}"
    );
    assert!(by_name.contains("As of "), "the table says when it was drawn");

    for bad in ["/ofsted?area=astrology&grade=good", "/ofsted?sort=vibes"] {
        assert_eq!(get(&app, bad).await.0, 400, "{bad}");
    }
}

#[tokio::test]
async fn the_national_table_gives_every_judgement_a_compact_cell_under_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.store.upsert_inspections(&inspection_history()).unwrap();
    let app = csfeed_web::app(state);
    let (status, _, page) = get(&app, "/ofsted").await;
    assert_eq!(status, 200);
    // Every council with five judgement columns fits the browser test's page budget.
    assert!(page.len() < 90 * 1024, "/ofsted is {} bytes", page.len());
    assert!(page.contains("id=\"grade-key\"") && page.contains("aria-describedby=\"grade-key\""));
    let row = |slug: &str| {
        let start = page
            .find(&format!("<th scope=\"row\"><a href=\"/la/{slug}\">"))
            .unwrap_or_else(|| panic!("no row for {slug}"));
        let end = page[start..].find("</tr>").unwrap() + start;
        page[start..end].to_owned()
    };
    // St Helens 2023: overall, leaders, help and protection, children in care and care
    // leavers each in a column of its own, then the previous grade.
    let st_helens = row("st-helens");
    assert!(
        st_helens.starts_with(
            "<th scope=\"row\"><a href=\"/la/st-helens\">St Helens</a></th><td class=\"c-good\">G</td>"
        ),
        "{st_helens}"
    );
    assert_eq!(st_helens.matches("<td class=\"c-").count(), 6, "{st_helens}");
    assert!(!st_helens.contains("colspan"), "{st_helens}");
    // A council last inspected when children in care and care leavers were judged
    // together has one grade across both columns.
    let (_, _, json) = get(&app, "/ofsted.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let together = json["councils"]
        .as_array()
        .unwrap()
        .iter()
        .find(|council| !council["judgements"]["children_in_care_and_care_leavers"].is_null())
        .expect("some council's newest inspection judged them together");
    let slug = together["slug"].as_str().unwrap();
    assert!(row(slug).contains(" colspan=\"2\">"), "{}", row(slug));
    assert_eq!(row(slug).matches("<td").count(), 7, "{}", row(slug));
}
