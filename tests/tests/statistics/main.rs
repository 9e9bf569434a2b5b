//! The indicators for the Provincia over HTTP, each test on SQLite and on PostgreSQL: counts as
//! their definitions say, small cells suppressed with the values that would give them away,
//! true totals, CSV, who may read them, and the audit record of every read.

mod imports;
mod personal_data;
mod retention;
mod siuss;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use socialcare_tests::http::{Staff, created, day, id_of};
use socialcare_tests::{TestApp, on_both_engines};

use crate::imports::{
    a_dry_run_judges_every_row_and_changes_nothing,
    a_large_file_goes_in_batches_and_an_interrupted_import_goes_on,
    an_idempotency_key_names_one_file,
    an_import_registers_the_rows_that_pass_and_the_same_file_nothing_more,
    bad_files_are_4xx_and_bad_rows_are_refused, only_the_office_manager_imports,
    the_same_file_at_once_on_two_servers_is_imported_once,
};
use crate::personal_data::{
    a_copy_holds_what_every_endpoint_gives_about_the_person_and_who_accessed_it,
    only_the_privacy_officer_makes_a_copy,
};
use crate::retention::{
    a_run_erases_what_is_due_and_nothing_else, one_run_at_a_time_and_only_the_privacy_officer,
};
use crate::siuss::{
    a_period_is_exported_with_its_refusals_and_given_again_identically,
    only_the_office_manager_and_clerks_export, without_the_body_code_no_file_is_made,
};

on_both_engines!(
    persons_in_charge_are_counted_once_and_small_cells_are_suppressed,
    an_indicator_is_given_as_csv_or_json_only,
    indicators_are_read_by_the_office_manager_and_coordinators_only,
    a_bad_period_or_indicator_is_a_4xx,
    every_indicator_counts_the_demo_data_as_its_definition_says,
    a_period_is_exported_with_its_refusals_and_given_again_identically,
    only_the_office_manager_and_clerks_export,
    without_the_body_code_no_file_is_made,
    a_dry_run_judges_every_row_and_changes_nothing,
    an_import_registers_the_rows_that_pass_and_the_same_file_nothing_more,
    an_idempotency_key_names_one_file,
    only_the_office_manager_imports,
    bad_files_are_4xx_and_bad_rows_are_refused,
    a_large_file_goes_in_batches_and_an_interrupted_import_goes_on,
    the_same_file_at_once_on_two_servers_is_imported_once,
    a_copy_holds_what_every_endpoint_gives_about_the_person_and_who_accessed_it,
    only_the_privacy_officer_makes_a_copy,
    a_run_erases_what_is_due_and_nothing_else,
    one_run_at_a_time_and_only_the_privacy_officer,
);

/// The office: the administrator, the office manager, a coordinator and a clerk of
/// `social_inclusion`, and a social worker of `social_inclusion` and one of `transversal`.
pub(crate) struct Office {
    pub(crate) manager: Staff,
    pub(crate) coordinator: Staff,
    pub(crate) clerk: Staff,
    pub(crate) anna: Staff,
    pub(crate) tina: Staff,
}

pub(crate) async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    Office {
        clerk: app
            .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
            .await,
        manager: app
            .staff(
                &admin,
                "manager",
                &["office_manager"],
                &["social_inclusion"],
            )
            .await,
        coordinator: app
            .staff(
                &admin,
                "coord",
                &["area_coordinator"],
                &["social_inclusion"],
            )
            .await,
        anna: app
            .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
            .await,
        tina: app
            .staff(&admin, "tina", &["social_worker"], &["transversal"])
            .await,
    }
}

/// Opens a file for `person` in `area` (managed by `worker`), 100 days ago, for `groups`.
pub(crate) async fn file(
    app: &TestApp,
    worker: &Staff,
    person: &str,
    area: &str,
    groups: &[&str],
) -> String {
    let (id, token) = worker;
    id_of(
        &created(
            app.post(
                token,
                "/case-files",
                &json!({"person_id": person, "area": area, "case_manager_id": id,
                    "opened_on": day(-100), "target_groups": groups}),
            )
            .await,
        )
        .await,
    )
}

/// A letter for a name (names hold no digits).
fn letter(n: u8) -> char {
    char::from(b'a' + n)
}

/// The year of the files' opening day, as a period.
fn period() -> String {
    day(-100)[..4].to_owned()
}

/// The published table of `indicator` as `token` reads it.
async fn table(app: &TestApp, token: &str, indicator: &str, period: &str) -> Value {
    app.get_ok(token, &format!("/indicators/{indicator}?period={period}"))
        .await
}

/// A row of a table by code: its cells and total.
fn row(table: &Value, code: &str) -> (Vec<Value>, Value) {
    let row = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code} in {table}"));
    (
        row["cells"].as_array().unwrap().clone(),
        row["total"].clone(),
    )
}

/// No row or column (with its total) of a published table has exactly one suppressed value.
fn assert_no_lone_suppression(table: &Value) {
    let mut grid: Vec<Vec<bool>> = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut line: Vec<bool> = r["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(Value::is_null)
                .collect();
            line.push(r["total"].is_null());
            line
        })
        .collect();
    let mut totals: Vec<bool> = table["column_totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(Value::is_null)
        .collect();
    totals.push(table["total"].is_null());
    grid.push(totals);
    for line in &grid {
        assert_ne!(line.iter().filter(|h| **h).count(), 1, "{table}");
    }
    for c in 0..grid[0].len() {
        assert_ne!(grid.iter().filter(|l| l[c]).count(), 1, "{table}");
    }
    let hidden = grid.iter().flatten().filter(|h| **h).count();
    assert_eq!(table["suppressed"], json!(hidden));
}

/// Persons P1-P6 in charge of `social_inclusion` as homeless (P1 also as Roma/Sinti), P1 and
/// P7-P11 of `transversal` as homeless: a person counts once per area and row, and once in
/// the totals; the single Roma/Sinti person is suppressed with what would give it away.
async fn persons_in_charge_are_counted_once_and_small_cells_are_suppressed(app: TestApp) {
    let o = office(&app).await;
    let mut persons = Vec::new();
    for n in 1..=11u8 {
        persons.push(
            app.register_person(&o.anna.1, &format!("P{}", letter(n)), "Conteggio")
                .await,
        );
    }
    for (n, person) in persons.iter().enumerate().take(6) {
        let groups: &[&str] = if n == 0 {
            &["homeless", "roma_sinti_caminanti"]
        } else {
            &["homeless"]
        };
        file(&app, &o.anna, person, "social_inclusion", groups).await;
    }
    for person in [&persons[0]].into_iter().chain(&persons[6..]) {
        file(&app, &o.tina, person, "transversal", &["homeless"]).await;
    }
    let t = table(&app, &o.manager.1, "persons_in_charge", &period()).await;
    assert_eq!(
        t["columns"],
        json!(["adults_disability", "social_inclusion", "transversal"])
    );
    assert_eq!(t["unit"], "person");
    assert_eq!(t["threshold"], 5);
    // True counts: homeless 0 / 6 / 6 with 11 distinct persons, Roma/Sinti 0 / 1 / 0.
    // The 1 is suppressed with its row's total; the homeless 6 of its column goes with it (the
    // column's total 6 would give it away), and the homeless row's total (the column of the
    // row totals would give the Roma/Sinti total away).
    assert_eq!(
        row(&t, "roma_sinti_caminanti"),
        (vec![json!(0), Value::Null, json!(0)], Value::Null)
    );
    assert_eq!(
        row(&t, "homeless"),
        (vec![json!(0), Value::Null, json!(6)], Value::Null)
    );
    assert_eq!(row(&t, "adult_in_need"), (vec![json!(0); 3], json!(0)));
    assert_eq!(t["column_totals"], json!([0, 6, 6]));
    assert_eq!(t["total"], 11, "P1 counts once");
    assert_eq!(t["suppressed"], 4);
    assert_no_lone_suppression(&t);

    // Case files are counted per file: 12, the Roma/Sinti file again suppressed.
    let files = table(&app, &o.coordinator.1, "case_files_opened", &period()).await;
    assert_eq!(files["unit"], "case_file");
    assert_eq!(files["total"], 12);
    assert_eq!(files["column_totals"], json!([0, 6, 6]));
    assert!(row(&files, "roma_sinti_caminanti").0[1].is_null());
    assert_no_lone_suppression(&files);

    // Every read is audited, with nobody in it.
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "indicator.read");
    assert_eq!(entry.row.resource_id.as_deref(), Some("case_files_opened"));
    assert!(entry.persons.is_empty());
    let details: Value = serde_json::from_str(entry.row.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["period"], json!(period()));

    // A period before anything: every cell zero, nothing suppressed.
    let empty = table(&app, &o.manager.1, "persons_in_charge", "2001-Q2").await;
    assert_eq!(
        (empty["from"].clone(), empty["until"].clone()),
        (json!("2001-04-01"), json!("2001-06-30"))
    );
    assert_eq!(
        (empty["total"].clone(), empty["suppressed"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(empty["complete"], true);
}

async fn an_indicator_is_given_as_csv_or_json_only(app: TestApp) {
    let o = office(&app).await;
    for n in 0..5u8 {
        let p = app
            .register_person(&o.anna.1, &format!("C{}", letter(n)), "Csv")
            .await;
        file(&app, &o.anna, &p, "social_inclusion", &["adult_in_need"]).await;
    }
    let p = app.register_person(&o.anna.1, "Cf", "Csv").await;
    file(&app, &o.anna, &p, "social_inclusion", &["prison_area"]).await;
    let path = format!("/indicators/persons_in_charge?period={}", period());
    let r = app
        .call(reqwest::Method::GET, &o.manager.1, &path)
        .header("accept", "text/csv")
        .send()
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!(
            "attachment; filename=\"persons_in_charge-{}.csv\"",
            period()
        )
    );
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "row,adults_disability,social_inclusion,transversal,total"
    );
    assert_eq!(
        lines[1], "adult_in_need,0,,0,",
        "5 and its total 5 shown? {text}"
    );
    assert!(lines.contains(&"prison_area,0,,0,"), "{text}");
    assert!(lines.contains(&"total,0,6,0,6"), "{text}");
    assert_eq!(lines.last(), Some(&""), "every line ends with CRLF");

    // JSON by default, for `*/*` and when JSON is preferred.
    for accept in [
        "*/*",
        "application/json",
        "text/csv;q=0.5, application/json",
    ] {
        let r = app
            .call(reqwest::Method::GET, &o.manager.1, &path)
            .header("accept", accept)
            .send()
            .await;
        assert_eq!(r.status(), 200, "{accept}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{accept}"
        );
    }
    let r = app
        .call(reqwest::Method::GET, &o.manager.1, &path)
        .header("accept", "application/xml")
        .send()
        .await;
    assert_eq!(r.status(), 406);
}

async fn indicators_are_read_by_the_office_manager_and_coordinators_only(app: TestApp) {
    let o = office(&app).await;
    // The definitions are public.
    let r = app
        .client
        .get(app.api("/indicators/definitions"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let defs: Value = r.json().await.unwrap();
    assert_eq!(defs["threshold"], 5);
    let items = defs["items"].as_array().unwrap();
    assert_eq!(items.len(), 12);
    let persons = items
        .iter()
        .find(|d| d["indicator"] == "persons_in_charge")
        .unwrap();
    assert_eq!(persons["rows"], "target_group");
    assert_eq!(persons["rows_overlap"], true);
    assert_eq!(persons["title_it"], "Persone in carico");
    assert!(
        persons["row_codes"]
            .as_array()
            .unwrap()
            .contains(&json!("not_recorded"))
    );

    let path = "/indicators/bed_nights";
    for (who, token, status) in [
        ("manager", &o.manager.1, 200),
        ("coordinator", &o.coordinator.1, 200),
        ("social worker", &o.anna.1, 403),
        ("other area", &o.tina.1, 403),
    ] {
        assert_eq!(app.get(token, path).await.status(), status, "{who}");
    }
    // Refused before the input is looked at: an unknown indicator is 403 too.
    assert_eq!(
        app.get(&o.anna.1, "/indicators/nothing").await.status(),
        403
    );
    let refused = app.audit_entries(1).remove(0);
    assert_eq!(refused.row.outcome, "denied");
    let r = app.client.get(app.api(path)).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Without a period: the current year.
    let t = app.get_ok(&o.manager.1, path).await;
    assert_eq!(t["period"], json!(day(0)[..4]));
}

async fn a_bad_period_or_indicator_is_a_4xx(app: TestApp) {
    let o = office(&app).await;
    for period in [
        "2026-13",
        "2026-Q5",
        "1999",
        "2101",
        "26",
        "2026-1",
        "2026%00",
        "%E2%80%8B2026",
        "",
    ] {
        let r = app
            .get(
                &o.manager.1,
                &format!("/indicators/persons_in_charge?period={period}"),
            )
            .await;
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 400, "{period}: {body}");
        assert_eq!(body["errors"][0]["parameter"], "period", "{period}: {body}");
    }
    let r = app.get(&o.manager.1, "/indicators/nothing").await;
    assert_eq!(r.status(), 404);
}

/// Counts the demo data independently (from the rows, in Rust) and compares with every value
/// the API shows: shown values are true, suppressed ones are small or protect a small one.
async fn every_indicator_counts_the_demo_data_as_its_definition_says(app: TestApp) {
    use diesel::prelude::*;
    use socialcare_persistence::schema::{
        applications, bed_nights, beds, benefits, case_files, employment_placements, facilities,
        place_allocations, resources,
    };
    use socialcare_persistence::sql_types::DbUuid;

    socialcare_api::demo::load(app.db(), 5, 80).unwrap();
    let o = office(&app).await;
    let year = day(0)[..4].to_owned();
    let (from, until) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let within = |d: &str| d >= from.as_str() && d <= until.as_str();
    type Counts = BTreeMap<(String, String), u64>;
    let (nights, outcomes, admissions, benefit_codes) = app
        .db()
        .read(|c| {
            let nights: Vec<(chrono::NaiveDate, String, String, String)> = bed_nights::table
                .inner_join(beds::table.on(beds::id.eq(bed_nights::bed_id)))
                .inner_join(facilities::table.on(facilities::id.eq(beds::facility_id)))
                .select((
                    bed_nights::night,
                    bed_nights::attendance,
                    facilities::kind,
                    facilities::area,
                ))
                .load(c)?;
            let outcomes: Vec<(Option<chrono::NaiveDate>, Option<String>, DbUuid)> =
                employment_placements::table
                    .select((
                        employment_placements::ended_on,
                        employment_placements::outcome,
                        employment_placements::case_file_id,
                    ))
                    .load(c)?;
            let areas: Vec<(DbUuid, String)> = case_files::table
                .select((case_files::id, case_files::area))
                .load(c)?;
            let areas: BTreeMap<String, String> = areas
                .into_iter()
                .map(|(id, area)| (id.0.to_string(), area))
                .collect();
            let outcomes: Vec<(Option<chrono::NaiveDate>, Option<String>, String)> = outcomes
                .into_iter()
                .map(|(d, o, f)| (d, o, areas[&f.0.to_string()].clone()))
                .collect();
            let admissions: Vec<(Option<chrono::NaiveDate>, String, String, chrono::NaiveDate)> =
                place_allocations::table
                    .inner_join(resources::table)
                    .inner_join(applications::table)
                    .select((
                        place_allocations::admitted_on,
                        resources::kind,
                        resources::area,
                        applications::submitted_on,
                    ))
                    .load(c)?;
            let benefit_codes: Vec<(chrono::NaiveDate, String, String)> = benefits::table
                .inner_join(case_files::table)
                .select((benefits::decision_on, benefits::code, case_files::area))
                .load(c)?;
            Ok((nights, outcomes, admissions, benefit_codes))
        })
        .unwrap();
    let mut expected: BTreeMap<&str, Counts> = BTreeMap::new();
    let mut add = |indicator: &'static str, row: &str, area: &str| {
        *expected
            .entry(indicator)
            .or_default()
            .entry((row.to_owned(), area.to_owned()))
            .or_default() += 1;
    };
    for (night, attendance, kind, area) in &nights {
        if within(&night.to_string()) && attendance != "absent" {
            add("bed_nights", kind, area);
        }
    }
    for (ended, outcome, area) in &outcomes {
        if ended.is_some_and(|d| within(&d.to_string())) {
            add(
                "employment_outcomes",
                outcome.as_deref().unwrap_or("not_recorded"),
                area,
            );
        }
    }
    for (admitted, kind, area, submitted) in &admissions {
        if let Some(admitted) = admitted.filter(|d| within(&d.to_string())) {
            add("admissions", kind, area);
            let waited = (admitted - *submitted).num_days();
            let band = match waited {
                ..30 => "days_0_29",
                30..90 => "days_30_89",
                90..180 => "days_90_179",
                180..365 => "days_180_364",
                _ => "days_365_or_more",
            };
            add("waiting_times", band, area);
        }
    }
    let areas_of_codes: BTreeMap<String, String> = socialcare_domain::benefits::catalogue()
        .iter()
        .map(|c| (c.code.clone(), c.area.clone()))
        .collect();
    for (decided, code, area) in &benefit_codes {
        if within(&decided.to_string()) {
            add("benefits_granted", &areas_of_codes[code], area);
        }
    }
    assert!(
        expected.len() == 5,
        "the demo data has something for every checked indicator: {expected:?}"
    );
    for (indicator, counts) in &expected {
        let t = table(&app, &o.manager.1, indicator, &year).await;
        let columns: Vec<String> = t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        let mut total = 0;
        for r in t["rows"].as_array().unwrap() {
            let code = r["code"].as_str().unwrap();
            for (c, cell) in r["cells"].as_array().unwrap().iter().enumerate() {
                let truth = counts
                    .get(&(code.to_owned(), columns[c].clone()))
                    .copied()
                    .unwrap_or(0);
                total += truth;
                match cell.as_u64() {
                    Some(shown) => assert_eq!(shown, truth, "{indicator} {code} {}", columns[c]),
                    None => assert!(truth > 0 || t["suppressed"].as_u64() > Some(0)),
                }
            }
        }
        assert_eq!(
            total,
            counts.values().sum::<u64>(),
            "{indicator}: rows cover it"
        );
        if let Some(shown) = t["total"].as_u64() {
            assert_eq!(shown, total, "{indicator}: the total is true");
        }
        assert_no_lone_suppression(&t);
    }
    // Every indicator answers on the demo data.
    for indicator in [
        "persons_in_charge",
        "case_files_opened",
        "case_files_closed",
        "pacts_by_status",
        "pacts_late",
        "employment_placements",
        "applications",
    ] {
        let t = table(&app, &o.manager.1, indicator, &year).await;
        assert_no_lone_suppression(&t);
    }
}
