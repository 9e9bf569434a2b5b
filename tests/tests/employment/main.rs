//! Employment over HTTP, each test on SQLite and on PostgreSQL: the employers register kept by
//! the administrative staff (partita IVA with its check digit, one employer per partita IVA
//! among those not annulled, a social cooperative's registration), read by case workers,
//! annulled and never deleted.

use serde_json::{Value, json};
use socialcare_tests::http::{created, day, etag_of, id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines};

on_both_engines!(
    the_administrative_staff_keep_the_employers_register,
    an_annulled_employer_stays_and_frees_its_partita_iva,
    demo_data_has_employers_of_every_kind,
    contracts_bind_their_clause_to_the_employer_and_keep_their_amendments,
    employment_placements_follow_their_lifecycle_with_their_hours,
    compliance_counts_the_placements_under_each_contract,
    the_planned_end_of_an_employment_placement_is_on_the_agenda,
    a_puc_fulfils_its_pact_commitment_and_a_referral_leads_to_a_placement,
    tutor_reviews_plan_the_next_one_and_show_on_the_agenda,
);

fn cooperative() -> Value {
    json!({"kind": "social_cooperative_b", "name": "Cooperativa sociale Il Ponte",
        "vat_number": "IT 00355870221", "street": "Via Brennero 14", "municipality": "Trento",
        "postcode": "38121", "contact_name": "Laura Bianchi",
        "cooperative_register_number": "A157890", "cooperative_registered_on": "2004-03-15"})
}

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn the_administrative_staff_keep_the_employers_register(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await
        .1;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await
        .1;
    // A case worker reads the register but does not keep it: 403 before the body is judged.
    let (status, _) = problem(app.post(&anna, "/employers", &json!({})).await).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit(1)[0].action, "employment.manage_employers");
    // Invalid fields, each with its pointer.
    let mut bad = cooperative();
    bad["vat_number"] = json!("00355870222");
    bad["cooperative_register_number"] = Value::Null;
    bad["postcode"] = json!("3812");
    let (status, p) = problem(app.post(&clerk, "/employers", &bad).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/vat_number", "/postcode"]);
    let mut bad = cooperative();
    bad["cooperative_register_number"] = Value::Null;
    let (status, p) = problem(app.post(&clerk, "/employers", &bad).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/cooperative_register_number"]);
    let company_with_register = json!({"kind": "company", "name": "Officina Rossi",
        "tax_code": "RSSMRA85T10A562S", "street": "Via Roma 1", "municipality": "Trento",
        "cooperative_register_number": "A1", "cooperative_registered_on": "2004-03-15"});
    let (status, p) = problem(app.post(&clerk, "/employers", &company_with_register).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        pointers(&p),
        ["/cooperative_register_number", "/cooperative_registered_on"]
    );
    // Control characters, absurd dates: 422 with the pointer; invisible characters go.
    let mut bad = cooperative();
    bad["name"] = json!("Il Ponte\u{0}");
    let (status, p) = problem(app.post(&clerk, "/employers", &bad).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/name"]);
    let mut bad = cooperative();
    bad["cooperative_registered_on"] = json!("0000-01-01");
    let (status, p) = problem(app.post(&clerk, "/employers", &bad).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/cooperative_registered_on"]);
    // Recorded, with the partita IVA normalised.
    let r = app.post(&clerk, "/employers", &cooperative()).await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let coop: Value = r.json().await.unwrap();
    assert_eq!(coop["vat_number"], "00355870221");
    assert_eq!(coop["sole_trader"], false);
    assert_eq!(
        location,
        format!("/api/v1/employers/{}", coop["id"].as_str().unwrap())
    );
    assert_eq!(app.audit(1)[0].action, "employer.create");
    // One employer per partita IVA.
    let mut twin = cooperative();
    twin["name"] = json!("Il Ponte (doppione)");
    let (status, p) = problem(app.post(&clerk, "/employers", &twin).await).await;
    assert_eq!(status, 409, "{p}");
    // A sole trader: a personal tax code, personal data.
    let mut sole = company_with_register.clone();
    sole["name"] = json!("Officina\u{200B} Rossi");
    sole["cooperative_register_number"] = Value::Null;
    sole["cooperative_registered_on"] = Value::Null;
    let trader = created(app.post(&clerk, "/employers", &sole).await).await;
    assert_eq!(trader["sole_trader"], true);
    // Read and listed by whoever works cases: by name, by partita IVA, by kind, by pages.
    let id = id_of(&coop);
    let r = app.get(&anna, &format!("/employers/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"1\"");
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = app.get_ok(&anna, "/employers?name=PONTE").await;
    assert_eq!(names(&page), ["Cooperativa sociale Il Ponte"]);
    let page = app.get_ok(&anna, "/employers?vat_number=00355870221").await;
    assert_eq!(names(&page), ["Cooperativa sociale Il Ponte"]);
    let page = app.get_ok(&anna, "/employers?kind=company").await;
    assert_eq!(names(&page), ["Officina Rossi"]);
    let first = app.get_ok(&anna, "/employers?limit=1").await;
    assert_eq!(names(&first), ["Cooperativa sociale Il Ponte"]);
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1");
    let second = app.get_ok(&anna, next).await;
    assert_eq!(names(&second), ["Officina Rossi"]);
    assert_eq!(second["next"], Value::Null);
    assert_eq!(
        app.get(&anna, "/employers?vat_number=0035587022x")
            .await
            .status(),
        400
    );
    assert_eq!(
        app.get(&anna, &format!("/employers/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
    // Replaced with If-Match.
    let path = format!("/employers/{id}");
    let mut changed = cooperative();
    changed["contact_name"] = json!("Paolo Verdi");
    assert_eq!(
        app.put_if(&clerk, &path, None, &changed).await.status(),
        428
    );
    assert_eq!(
        app.put_if(&clerk, &path, Some("\"7\""), &changed)
            .await
            .status(),
        412
    );
    let r = app.put_if(&clerk, &path, Some("\"1\""), &changed).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let replaced: Value = r.json().await.unwrap();
    assert_eq!(replaced["contact_name"], "Paolo Verdi");
    assert_eq!(app.audit(1)[0].action, "employer.update");
    assert_eq!(
        app.put_if(&anna, &path, Some("\"2\""), &changed)
            .await
            .status(),
        403
    );
}

async fn an_annulled_employer_stays_and_frees_its_partita_iva(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await
        .1;
    let coop = created(app.post(&clerk, "/employers", &cooperative()).await).await;
    let id = id_of(&coop);
    let path = format!("/employers/{id}/annulment");
    let reason = json!({"reason": "Recorded twice"});
    assert_eq!(app.post(&clerk, &path, &reason).await.status(), 428);
    let (status, p) = problem(
        app.post_if(&clerk, &path, "\"1\"", &json!({"reason": " "}))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/reason"]);
    let r = app.post_if(&clerk, &path, "\"1\"", &reason).await;
    assert_eq!(r.status(), 200);
    let annulled: Value = r.json().await.unwrap();
    assert_eq!(annulled["annulment_reason"], "Recorded twice");
    assert!(annulled["annulled_at"].is_string());
    assert_eq!(app.audit(1)[0].action, "employer.annul");
    // Still there, not listed unless asked, changed no more.
    assert_eq!(
        app.get(&clerk, &format!("/employers/{id}")).await.status(),
        200
    );
    let page = app.get_ok(&clerk, "/employers").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let page = app.get_ok(&clerk, "/employers?include_annulled=true").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (status, p) = problem(app.post_if(&clerk, &path, "\"2\"", &reason).await).await;
    assert_eq!(status, 409, "{p}");
    let (status, p) = problem(
        app.put_if(
            &clerk,
            &format!("/employers/{id}"),
            Some("\"2\""),
            &cooperative(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    // Its partita IVA may be recorded again.
    let again = created(app.post(&clerk, "/employers", &cooperative()).await).await;
    assert_ne!(id_of(&again), id);
}

async fn demo_data_has_employers_of_every_kind(app: TestApp) {
    let summary = socialcare_api::demo::load(app.db(), 5, 40).unwrap();
    assert_eq!(summary.employers, 7);
    assert_eq!(summary.contracts, 2);
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await
        .1;
    let page = app
        .get_ok(&clerk, "/employers?include_annulled=true&limit=100")
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    for kind in [
        "company",
        "social_cooperative_b",
        "social_cooperative_a",
        "public_body",
        "association",
    ] {
        assert!(items.iter().any(|e| e["kind"] == kind), "no {kind}");
    }
    assert_eq!(
        items
            .iter()
            .filter(|e| e["annulled_at"].is_string())
            .count(),
        1
    );
    assert_eq!(items.iter().filter(|e| e["sole_trader"] == true).count(), 1);
    let contracts = app.get_ok(&clerk, "/contracts").await;
    let mut clauses: Vec<&str> = contracts["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["clause"].as_str().unwrap())
        .collect();
    clauses.sort_unstable();
    assert_eq!(clauses, ["disadvantaged_hiring", "type_b_agreement"]);
    // Placements in every state; the type-B agreement's clause (three workers) is not met by
    // its one active placement, the hours share (30 % of 1 200 hours) by nobody's hours.
    assert_eq!(summary.work_placements, 8);
    let states: Vec<(String, String)> = app
        .db()
        .read(|c| {
            use diesel::prelude::*;
            use socialcare_persistence::schema::employment_placements as p;
            p::table
                .select((p::status, p::kind))
                .load::<(String, String)>(c)
                .map_err(Into::into)
        })
        .unwrap();
    for status in ["proposed", "active", "completed", "interrupted"] {
        assert!(states.iter().any(|(s, _)| s == status), "no {status}");
    }
    assert!(states.iter().any(|(_, k)| k == "social_clause_hiring"));
    let compliance = app.get_ok(&clerk, "/contract-compliance").await;
    let items = compliance["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["state"], "not_compliant", "{item}");
    }
    let agreement = items.iter().find(|i| i["unit"] == "workers").unwrap();
    assert_eq!(
        (agreement["required"].as_u64(), agreement["actual"].as_u64()),
        (Some(3), Some(1))
    );
}

async fn contracts_bind_their_clause_to_the_employer_and_keep_their_amendments(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await
        .1;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await
        .1;
    let coop = id_of(&created(app.post(&clerk, "/employers", &cooperative()).await).await);
    let company = id_of(
        &created(
            app.post(
                &clerk,
                "/employers",
                &json!({"kind": "company", "name": "Manutenzioni Trentine",
                    "vat_number": "06363391001", "street": "Via Roma 1",
                    "municipality": "Trento"}),
            )
            .await,
        )
        .await,
    );
    let body = |employer: &str, clause: &str| {
        json!({"contracting_authority": "Comune di Trento", "cig": "8512345a3f",
            "subject": "Manutenzione del verde pubblico", "from_on": "2026-01-01",
            "until_on": "2027-12-31", "employer_id": employer, "clause": clause,
            "required_workers": 3})
    };
    // Only the administrative staff record contracts.
    assert_eq!(
        app.post(&anna, "/contracts", &json!({})).await.status(),
        403
    );
    // The fields, then the clause against the employer.
    let mut bad = body(&coop, "type_b_agreement");
    bad["cig"] = json!("123456ABCD");
    bad["until_on"] = json!("2025-12-31");
    bad["required_hours_share"] = json!(30);
    bad["amendment_reason"] = json!("No");
    let (status, p) = problem(app.post(&clerk, "/contracts", &bad).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(
        pointers(&p),
        ["/cig", "/required_workers", "/amendment_reason"]
    );
    let (status, p) = problem(
        app.post(&clerk, "/contracts", &body(&company, "type_b_agreement"))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/employer_id"]);
    let mut unknown = body(&company, "disadvantaged_hiring");
    unknown["employer_id"] = json!(uuid::Uuid::now_v7());
    let (status, p) = problem(app.post(&clerk, "/contracts", &unknown).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/employer_id"]);
    // Recorded, the CIG upper-cased; a CIG is one contract.
    let r = app
        .post(&clerk, "/contracts", &body(&coop, "type_b_agreement"))
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let contract: Value = r.json().await.unwrap();
    assert_eq!(contract["cig"], "8512345A3F");
    assert_eq!(contract["required_workers"], 3);
    assert_eq!(contract["required_hours_share"], Value::Null);
    assert_eq!(app.audit(1)[0].action, "contract.create");
    let (status, p) = problem(
        app.post(
            &clerk,
            "/contracts",
            &body(&company, "disadvantaged_hiring"),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    // Read and listed by case workers: by employer, by CIG, running on a day.
    let id = id_of(&contract);
    let r = app.get(&anna, &format!("/contracts/{id}")).await;
    assert_eq!(r.status(), 200);
    let count = |page: Value| page["items"].as_array().unwrap().len();
    assert_eq!(
        count(
            app.get_ok(&anna, &format!("/contracts?employer_id={coop}"))
                .await
        ),
        1
    );
    assert_eq!(
        count(
            app.get_ok(&anna, &format!("/contracts?employer_id={company}"))
                .await
        ),
        0
    );
    assert_eq!(
        count(app.get_ok(&anna, "/contracts?cig=8512345A3F").await),
        1
    );
    assert_eq!(
        count(app.get_ok(&anna, "/contracts?running_on=2028-01-01").await),
        0
    );
    assert_eq!(
        count(app.get_ok(&anna, "/contracts?running_on=2027-12-31").await),
        1
    );
    assert_eq!(
        app.get(&anna, "/contracts?cig=12345678ZZ").await.status(),
        400
    );
    // An amendment needs its reason and If-Match; the history keeps what it replaced.
    let path = format!("/contracts/{id}");
    let mut amended = body(&coop, "type_b_agreement");
    amended["until_on"] = json!("2028-06-30");
    amended["required_workers"] = Value::Null;
    amended["required_hours_share"] = json!(30);
    let (status, p) = problem(app.put_if(&clerk, &path, Some("\"1\""), &amended).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/amendment_reason"]);
    amended["amendment_reason"] = json!("Extension granted by the contracting authority");
    assert_eq!(
        app.put_if(&clerk, &path, None, &amended).await.status(),
        428
    );
    assert_eq!(
        app.put_if(&clerk, &path, Some("\"7\""), &amended)
            .await
            .status(),
        412
    );
    let r = app.put_if(&clerk, &path, Some("\"1\""), &amended).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let now: Value = r.json().await.unwrap();
    assert_eq!(now["until_on"], "2028-06-30");
    assert_eq!(now["required_hours_share"], 30);
    assert_eq!(app.audit(1)[0].action, "contract.amend");
    let history = app
        .get_ok(&anna, &format!("/contracts/{id}/amendments"))
        .await;
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["version"], 2);
    assert_eq!(
        items[0]["reason"],
        "Extension granted by the contracting authority"
    );
    assert_eq!(items[0]["previous"]["until_on"], "2027-12-31");
    assert_eq!(items[0]["previous"]["required_workers"], 3);
    assert_eq!(items[0]["previous"]["version"], 1);
    // An annulled employer is awarded no new contract.
    let version = app.get(&clerk, &format!("/employers/{company}")).await;
    let etag = etag_of(&version);
    assert_eq!(
        app.post_if(
            &clerk,
            &format!("/employers/{company}/annulment"),
            &etag,
            &json!({"reason": "Closed down"}),
        )
        .await
        .status(),
        200
    );
    let mut other = body(&company, "disadvantaged_hiring");
    other["cig"] = json!("Z0A1B2C3D4");
    let (status, p) = problem(app.post(&clerk, "/contracts", &other).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/employer_id"]);
}

/// A company of the register (recorded by `clerk`), with a partita IVA built from `n`.
async fn company(app: &TestApp, clerk: &str, name: &str, vat: &str) -> String {
    let body = json!({"kind": "company", "name": name, "vat_number": vat,
        "street": "Via Roma 1", "municipality": "Trento"});
    id_of(&created(app.post(clerk, "/employers", &body).await).await)
}

/// A person taken in charge by `worker` (id, token) in the social-inclusion area; the file.
async fn case_of(app: &TestApp, worker: &(String, String), given: &str) -> (String, String) {
    let person = app.register_person(&worker.1, given, "Lavoro").await;
    let file = app
        .open_case_file(&worker.1, &person, "social_inclusion", &worker.0, None)
        .await;
    (person, id_of(&file))
}

async fn employment_placements_follow_their_lifecycle_with_their_hours(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let bruno = app
        .staff(&admin, "bruno", &["social_worker"], &["adults_disability"])
        .await;
    let firm = company(&app, &clerk.1, "Officina Rossi", "00355870221").await;
    let (person, file) = case_of(&app, &anna, "Marta").await;
    let path = format!("/case-files/{file}/employment-placements");
    // Another area's social worker is refused before the body is judged.
    let (status, _) = problem(app.post(&bruno.1, &path, &json!({})).await).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit(1)[0].action, "employment.place");
    // The rules of each kind, each with its pointer.
    let base = json!({"kind": "work_grant", "employer_id": firm, "weekly_hours": 20,
        "from_on": day(-5), "until_on": day(90)});
    let with = |changes: Value| {
        let mut b = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (body, pointer) in [
        (with(json!({"until_on": null})), "/until_on"),
        (
            with(json!({"kind": "provincial_programme", "programme": "intervento_99"})),
            "/programme",
        ),
        (with(json!({"programme": "intervento_19"})), "/programme"),
        (
            with(json!({"kind": "social_clause_hiring"})),
            "/contract_id",
        ),
        (
            with(json!({"kind": "community_utility_project"})),
            "/employer_id",
        ),
        (
            with(json!({"office_tutor_id": clerk.0})),
            "/office_tutor_id",
        ),
        (with(json!({"weekly_hours": 49})), "/weekly_hours"),
        (
            with(json!({"company_tutor": "Giulia\u{0}"})),
            "/company_tutor",
        ),
        (with(json!({"from_on": "0000-01-01"})), "/from_on"),
    ] {
        let (status, p) = problem(app.post(&anna.1, &path, &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    let programme = with(json!({"kind": "provincial_programme", "programme": "intervento_19"}));
    assert_eq!(app.post(&anna.1, &path, &programme).await.status(), 201);
    // Proposed, with its tutors.
    let r = app
        .post(
            &anna.1,
            &path,
            &with(json!({"office_tutor_id": anna.0, "company_tutor": "Giulia Ferrari"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let placement: Value = r.json().await.unwrap();
    let id = id_of(&placement);
    assert_eq!(location, format!("/api/v1/employment-placements/{id}"));
    assert_eq!(placement["status"], "proposed");
    assert_eq!(placement["person_id"], person.as_str());
    assert_eq!(
        placement["allowed_transitions"],
        json!(["start", "interrupt"])
    );
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "employment_placement.create");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    // Hours only once it started.
    let month = &day(0)[..7];
    let hours = format!("/employment-placements/{id}/hours/{month}");
    let (status, p) = problem(
        app.put_if(&anna.1, &hours, Some("\"1\""), &json!({"hours": 80}))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/month"]);
    // The lifecycle: If-Match, the allowed transitions, the days.
    let transitions = format!("/employment-placements/{id}/transitions");
    let start = json!({"transition": "start", "occurred_on": day(-5)});
    assert_eq!(app.post(&anna.1, &transitions, &start).await.status(), 428);
    assert_eq!(
        app.post_if(&anna.1, &transitions, "\"9\"", &start)
            .await
            .status(),
        412
    );
    let (status, p) = problem(
        app.post_if(
            &anna.1,
            &transitions,
            "\"1\"",
            &json!({"transition": "complete", "outcome": "none"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    let (status, p) = problem(
        app.post_if(
            &anna.1,
            &transitions,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(1)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/occurred_on"]);
    let r = app.post_if(&anna.1, &transitions, "\"1\"", &start).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let started: Value = r.json().await.unwrap();
    assert_eq!(started["status"], "active");
    assert_eq!(started["started_on"], day(-5));
    assert_eq!(app.audit(1)[0].action, "employment_placement.start");
    // Hours of this month, corrected once; a month that is not one is 400.
    assert_eq!(
        app.put_if(
            &anna.1,
            &format!("/employment-placements/{id}/hours/2026-13"),
            Some("\"2\""),
            &json!({"hours": 1})
        )
        .await
        .status(),
        400
    );
    let r = app
        .put_if(&anna.1, &hours, Some("\"2\""), &json!({"hours": 70}))
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .put_if(&anna.1, &hours, Some("\"3\""), &json!({"hours": 80}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"4\"");
    let with_hours: Value = r.json().await.unwrap();
    assert_eq!(
        with_hours["monthly_hours"],
        json!([{"month": month, "hours": 80}])
    );
    let (status, p) = problem(
        app.put_if(&anna.1, &hours, Some("\"4\""), &json!({"hours": 301}))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/hours"]);
    // Completed with its outcome.
    let (status, p) = problem(
        app.post_if(
            &anna.1,
            &transitions,
            "\"4\"",
            &json!({"transition": "complete"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/outcome"]);
    let done = created(
        app.post_if(
            &anna.1,
            &transitions,
            "\"4\"",
            &json!({"transition": "complete", "outcome": "hired_fixed_term"}),
        )
        .await,
    )
    .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["ended_on"], day(0));
    assert_eq!(done["outcome_on"], day(0));
    assert_eq!(done["allowed_transitions"], json!([]));
    // Read and listed by the team, audited with the person; not by another area.
    let r = app
        .get(&anna.1, &format!("/employment-placements/{id}"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"5\"");
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "employment_placement.read");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    let list = app.get_ok(&anna.1, &path).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        app.get(&bruno.1, &format!("/employment-placements/{id}"))
            .await
            .status(),
        403
    );
    // A proposal that does not go ahead is interrupted with its reason.
    let other = id_of(&created(app.post(&anna.1, &path, &base).await).await);
    let interrupted = created(
        app.post_if(
            &anna.1,
            &format!("/employment-placements/{other}/transitions"),
            "\"1\"",
            &json!({"transition": "interrupt", "reason": "The person found a job"}),
        )
        .await,
    )
    .await;
    assert_eq!(interrupted["status"], "interrupted");
    assert_eq!(interrupted["started_on"], Value::Null);
    assert_eq!(interrupted["interruption_reason"], "The person found a job");
}

async fn compliance_counts_the_placements_under_each_contract(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let firm = company(&app, &clerk.1, "Officina Rossi", "00355870221").await;
    let green = company(&app, &clerk.1, "Verde Pubblico", "01234567897").await;
    let workers = created(
        app.post(
            &clerk.1,
            "/contracts",
            &json!({"contracting_authority": "Comune di Trento", "cig": "8512345A3F",
                "subject": "Pulizie", "from_on": day(-60), "until_on": day(300),
                "employer_id": firm, "clause": "disadvantaged_hiring", "required_workers": 2}),
        )
        .await,
    )
    .await;
    let hours = created(
        app.post(
            &clerk.1,
            "/contracts",
            &json!({"contracting_authority": "Comune di Trento", "cig": "8512345A40",
                "subject": "Verde", "from_on": day(-3), "until_on": day(300),
                "employer_id": green, "clause": "disadvantaged_hiring",
                "required_hours_share": 30, "monthly_hours": 100}),
        )
        .await,
    )
    .await;
    assert_eq!(hours["monthly_hours"], 100);
    let (workers_id, hours_id) = (id_of(&workers), id_of(&hours));
    // Three persons placed: two under the workers' clause, one under the hours' share.
    let mut placed = Vec::new();
    for (given, employer, contract, from) in [
        ("Aldo", &firm, &workers_id, -30),
        ("Bice", &firm, &workers_id, -10),
        ("Carla", &green, &hours_id, -3),
    ] {
        let (_, file) = case_of(&app, &anna, given).await;
        let p = created(
            app.post(
                &anna.1,
                &format!("/case-files/{file}/employment-placements"),
                &json!({"kind": "social_clause_hiring", "employer_id": employer,
                    "contract_id": contract, "weekly_hours": 30, "from_on": day(from)}),
            )
            .await,
        )
        .await;
        let id = id_of(&p);
        created(
            app.post_if(
                &anna.1,
                &format!("/employment-placements/{id}/transitions"),
                "\"1\"",
                &json!({"transition": "start", "occurred_on": day(from)}),
            )
            .await,
        )
        .await;
        placed.push(id);
    }
    // A contract of another employer is refused, and one not running on the first day.
    let (_, file) = case_of(&app, &anna, "Dino").await;
    let (status, p) = problem(
        app.post(
            &anna.1,
            &format!("/case-files/{file}/employment-placements"),
            &json!({"kind": "social_clause_hiring", "employer_id": green,
                "contract_id": workers_id, "weekly_hours": 30, "from_on": day(0)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/contract_id"]);
    // Not readable by a social worker; the coordinator and the clerks read it.
    let coordinator = app
        .staff(
            &admin,
            "carlo",
            &["area_coordinator"],
            &["social_inclusion"],
        )
        .await;
    let path = format!("/contracts/{workers_id}/compliance");
    assert_eq!(app.get(&anna.1, &path).await.status(), 403);
    assert_eq!(app.audit(1)[0].action, "employment.read_compliance");
    let today = app.get_ok(&coordinator.1, &path).await;
    assert_eq!(today["unit"], "workers");
    assert_eq!(
        today["day"],
        json!({"on": day(0), "state": "compliant", "required": 2, "actual": 2})
    );
    assert_eq!(
        today["period"],
        json!({"from": day(-60), "until": day(0), "required": 122, "actual": 31 + 11,
            "periods": 61, "periods_met": 11, "first_shortfall": day(-60)})
    );
    assert_eq!(app.audit(1)[0].action, "contract.compliance");
    let earlier = app
        .get_ok(&clerk.1, &format!("{path}?on={}", day(-20)))
        .await;
    assert_eq!(earlier["day"]["state"], "not_compliant");
    assert_eq!(earlier["day"]["actual"], 1);
    assert_eq!(
        app.get(&clerk.1, &format!("{path}?on=0000-01-01"))
            .await
            .status(),
        400
    );
    // The hours' share: 30 % of 100 hours a month.
    let hours_path = format!("/contracts/{hours_id}/compliance");
    let before = app.get_ok(&clerk.1, &hours_path).await;
    assert_eq!(before["unit"], "hours");
    assert_eq!(
        before["day"],
        json!({"on": day(0), "state": "not_compliant", "required": 30, "actual": 0})
    );
    let month = &day(0)[..7];
    created(
        app.put_if(
            &anna.1,
            &format!("/employment-placements/{}/hours/{month}", placed[2]),
            Some("\"2\""),
            &json!({"hours": 40}),
        )
        .await,
    )
    .await;
    let after = app.get_ok(&clerk.1, &hours_path).await;
    assert_eq!(after["day"]["state"], "compliant");
    assert_eq!(after["day"]["actual"], 40);
    // The list of the day: every running contract, or those not compliant.
    let states = |page: &Value| -> Vec<(String, String)> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["cig"].as_str().unwrap().to_owned(),
                    i["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let all = app.get_ok(&coordinator.1, "/contract-compliance").await;
    assert_eq!(
        states(&all),
        [
            ("8512345A3F".to_owned(), "compliant".to_owned()),
            ("8512345A40".to_owned(), "compliant".to_owned())
        ]
    );
    let late = app
        .get_ok(
            &coordinator.1,
            &format!("/contract-compliance?on={}&state=not_compliant", day(-20)),
        )
        .await;
    assert_eq!(
        states(&late),
        [("8512345A3F".to_owned(), "not_compliant".to_owned())]
    );
    let first = app
        .get_ok(&coordinator.1, "/contract-compliance?limit=1")
        .await;
    assert_eq!(states(&first).len(), 1);
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1");
    let second = app.get_ok(&coordinator.1, next).await;
    assert_eq!(
        states(&second),
        [("8512345A40".to_owned(), "compliant".to_owned())]
    );
    assert_eq!(
        app.get(&coordinator.1, "/contract-compliance?state=late")
            .await
            .status(),
        400
    );
}

async fn the_planned_end_of_an_employment_placement_is_on_the_agenda(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let firm = company(&app, &clerk.1, "Officina Rossi", "00355870221").await;
    let (person, file) = case_of(&app, &anna, "Marta").await;
    let path = format!("/case-files/{file}/employment-placements");
    let mut ids = Vec::new();
    for until in [10, 3] {
        let p = created(
            app.post(
                &anna.1,
                &path,
                &json!({"kind": "work_grant", "employer_id": firm, "weekly_hours": 20,
                    "from_on": day(-5), "until_on": day(until)}),
            )
            .await,
        )
        .await;
        ids.push(id_of(&p));
    }
    let agenda = app.get_ok(&anna.1, "/me/agenda?kind=employment_end").await;
    let items = agenda["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{agenda}");
    assert_eq!(items[0]["kind"], "employment_end");
    assert_eq!(items[0]["due_on"], day(3));
    assert_eq!(items[0]["late"], false);
    assert_eq!(items[0]["employment_placement_id"], ids[1].as_str());
    assert_eq!(items[0]["placement_id"], Value::Null);
    assert_eq!(items[0]["person_id"], person.as_str());
    assert_eq!(items[1]["due_on"], day(10));
    // Pages over the source, and an ended placement leaves the agenda.
    let first = app
        .get_ok(&anna.1, "/me/agenda?kind=employment_end&limit=1")
        .await;
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1");
    let second = app.get_ok(&anna.1, next).await;
    assert_eq!(
        second["items"][0]["employment_placement_id"],
        ids[0].as_str()
    );
    created(
        app.post_if(
            &anna.1,
            &format!("/employment-placements/{}/transitions", ids[1]),
            "\"1\"",
            &json!({"transition": "interrupt", "reason": "Not suited"}),
        )
        .await,
    )
    .await;
    let agenda = app.get_ok(&anna.1, "/me/agenda").await;
    let ends: Vec<&Value> = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "employment_end")
        .collect();
    assert_eq!(ends.len(), 1);
    assert_eq!(ends[0]["employment_placement_id"], ids[0].as_str());
}

async fn a_puc_fulfils_its_pact_commitment_and_a_referral_leads_to_a_placement(app: TestApp) {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let comune = id_of(
        &created(
            app.post(
                &clerk.1,
                "/employers",
                &json!({"kind": "public_body", "name": "Comune di Trento", "vat_number": "00355870221",
                    "street": "Via Belenzani 19", "municipality": "Trento"}),
            )
            .await,
        )
        .await,
    );
    let person = app.register_person(&anna.1, "Marta", "Lavoro").await;
    let file = id_of(
        &app.open_case_file(
            &anna.1,
            &person,
            "social_inclusion",
            &anna.0,
            Some(&day(-120)),
        )
        .await,
    );
    let (_, other_file) = case_of(&app, &anna, "Nora").await;
    // A signed pact with a PUC commitment of the person, and one on training.
    let pact = id_of(
        &created(
            app.post(
                &anna.1,
                &format!("/case-files/{file}/pacts"),
                &json!({"measure": "adi", "application_reference": "INPS-ADI-2026-0001",
                    "activation_on": day(-95), "drafted_on": day(-90)}),
            )
            .await,
        )
        .await,
    );
    for step in [
        json!({"kind": "convocation", "occurred_on": day(-85)}),
        json!({"kind": "preliminary_analysis", "occurred_on": day(-80), "outcome": "social_path"}),
    ] {
        created(
            app.post(&anna.1, &format!("/pacts/{pact}/steps"), &step)
                .await,
        )
        .await;
    }
    let tag = etag_of(&app.get(&anna.1, &format!("/pacts/{pact}")).await);
    created(
        app.post_if(
            &anna.1,
            &format!("/pacts/{pact}/transitions"),
            &tag,
            &json!({"transition": "sign", "occurred_on": day(-70)}),
        )
        .await,
    )
    .await;
    let commitment = |kind: &str| {
        json!({"person_id": person, "kind": kind, "owner": "Comune di Trento",
            "frequency": "weekly", "due_on": day(60), "verification": "Registro presenze"})
    };
    let puc = id_of(
        &created(
            app.post(
                &anna.1,
                &format!("/pacts/{pact}/commitments"),
                &commitment("community_utility_project"),
            )
            .await,
        )
        .await,
    );
    let training = id_of(
        &created(
            app.post(
                &anna.1,
                &format!("/pacts/{pact}/commitments"),
                &commitment("training"),
            )
            .await,
        )
        .await,
    );
    // Referrals: to the employment centre (it leads to work), to the addiction service (not).
    let referral = |service: &str| {
        json!({"direction": "outgoing", "service": service, "organisation": "Servizio",
            "reason": "Orientamento al lavoro", "sent_on": day(-20)})
    };
    let centre = id_of(
        &created(
            app.post(
                &anna.1,
                &format!("/case-files/{file}/referrals"),
                &referral("employment_centre"),
            )
            .await,
        )
        .await,
    );
    let serd = id_of(
        &created(
            app.post(
                &anna.1,
                &format!("/case-files/{file}/referrals"),
                &referral("addiction_service"),
            )
            .await,
        )
        .await,
    );
    let base = json!({"kind": "community_utility_project", "employer_id": comune,
        "weekly_hours": 8, "from_on": day(-10), "until_on": day(80)});
    let with = |changes: Value| {
        let mut b = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (path_file, body, pointer) in [
        (
            &file,
            with(json!({"commitment_id": training})),
            "/commitment_id",
        ),
        (
            &file,
            with(json!({"kind": "work_grant", "commitment_id": puc})),
            "/commitment_id",
        ),
        (
            &other_file,
            with(json!({"commitment_id": puc})),
            "/commitment_id",
        ),
        (
            &file,
            with(json!({"commitment_id": uuid::Uuid::now_v7()})),
            "/commitment_id",
        ),
        (&file, with(json!({"referral_id": serd})), "/referral_id"),
        (
            &other_file,
            with(json!({"referral_id": centre})),
            "/referral_id",
        ),
    ] {
        let (status, p) = problem(
            app.post(
                &anna.1,
                &format!("/case-files/{path_file}/employment-placements"),
                &body,
            )
            .await,
        )
        .await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    let placement = created(
        app.post(
            &anna.1,
            &format!("/case-files/{file}/employment-placements"),
            &with(json!({"commitment_id": puc, "referral_id": centre})),
        )
        .await,
    )
    .await;
    assert_eq!(placement["commitment_id"], puc.as_str());
    assert_eq!(placement["referral_id"], centre.as_str());
    let id = id_of(&placement);
    let transitions = format!("/employment-placements/{id}/transitions");
    created(
        app.post_if(
            &anna.1,
            &transitions,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(-10)}),
        )
        .await,
    )
    .await;
    let status_of = |c: String| {
        let app = &app;
        let token = anna.1.clone();
        let pact = pact.clone();
        async move {
            app.get_ok(&token, &format!("/pacts/{pact}/commitments/{c}"))
                .await["status"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(status_of(puc.clone()).await, "pending");
    // Completing the PUC fulfils the commitment, in the same request.
    let done = created(
        app.post_if(
            &anna.1,
            &transitions,
            "\"2\"",
            &json!({"transition": "complete", "outcome": "none"}),
        )
        .await,
    )
    .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(status_of(puc.clone()).await, "met");
    assert_eq!(status_of(training).await, "pending");
    let record = app
        .audit_entries(10)
        .into_iter()
        .find(|e| e.row.action == "employment_placement.complete")
        .unwrap();
    let details: Value = serde_json::from_str(record.row.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["commitment_met"], true);
}

/// The `employment_review` items of `token`'s agenda: (due day, late, placement).
async fn review_items(app: &TestApp, token: &str) -> Vec<(String, bool, String)> {
    app.assert_agenda_index_exact();
    let agenda = app
        .get_ok(
            token,
            &format!("/me/agenda?kind=employment_review&to={}", day(300)),
        )
        .await;
    agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["kind"], "employment_review");
            assert_eq!(i["placement_id"], Value::Null);
            (
                i["due_on"].as_str().unwrap().to_owned(),
                i["late"].as_bool().unwrap(),
                i["employment_placement_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn tutor_reviews_plan_the_next_one_and_show_on_the_agenda(app: TestApp) {
    use socialcare_persistence::employment;
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let bruno = app
        .staff(&admin, "bruno", &["social_worker"], &["adults_disability"])
        .await;
    let firm = company(&app, &clerk.1, "Officina Rossi", "00355870221").await;
    let (person, file) = case_of(&app, &anna, "Marta").await;
    let path = format!("/case-files/{file}/employment-placements");
    let proposal = json!({"kind": "work_grant", "employer_id": firm, "weekly_hours": 20,
        "from_on": day(-40), "until_on": day(100)});
    let id = id_of(&created(app.post(&anna.1, &path, &proposal).await).await);
    let reviews = format!("/employment-placements/{id}/reviews");
    let transitions = format!("/employment-placements/{id}/transitions");
    let review = json!({"held_on": day(-9), "progress": "needs_support",
        "with_company_tutor": true, "summary": "Fatica con i turni del mattino."});
    // Another area's social worker is refused before the body is judged.
    let (status, _) = problem(app.post(&bruno.1, &reviews, &json!({})).await).await;
    assert_eq!(status, 403);
    assert_eq!(app.audit(1)[0].action, "employment.place");
    // Not before the person works.
    let (status, p) = problem(app.post_if(&anna.1, &reviews, "\"1\"", &review).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/held_on"]);
    assert!(review_items(&app, &anna.1).await.is_empty());
    // The start plans the first review: a chosen day must come after it, and only a start
    // takes one.
    for (body, pointer) in [
        (
            json!({"transition": "start", "occurred_on": day(-40), "next_review_on": day(-40)}),
            "/next_review_on",
        ),
        (
            json!({"transition": "start", "occurred_on": day(-40), "next_review_on": day(150)}),
            "/next_review_on",
        ),
        (
            json!({"transition": "interrupt", "reason": "No", "next_review_on": day(5)}),
            "/next_review_on",
        ),
    ] {
        let (status, p) = problem(app.post_if(&anna.1, &transitions, "\"1\"", &body).await).await;
        assert_eq!(status, 422, "{body}: {p}");
        assert_eq!(pointers(&p), [pointer], "{body}");
    }
    let started = created(
        app.post_if(
            &anna.1,
            &transitions,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(-40)}),
        )
        .await,
    )
    .await;
    assert_eq!(started["next_review_on"], day(-10));
    assert_eq!(app.post(&anna.1, &reviews, &review).await.status(), 428);
    // Overdue on the case manager's agenda.
    assert_eq!(
        review_items(&app, &anna.1).await,
        [(day(-10), true, id.clone())]
    );
    // Every field in error at once, with its pointer.
    let (status, p) = problem(
        app.post_if(
            &anna.1,
            &reviews,
            "\"2\"",
            &json!({"held_on": day(1), "progress": "on_track", "with_company_tutor": false,
                "summary": "   "}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    let mut found = pointers(&p);
    found.sort();
    assert_eq!(found, ["/held_on", "/summary"]);
    for (body, pointer) in [
        (json!({"held_on": day(-41)}), "/held_on"),
        (json!({"next_review_on": day(-9)}), "/next_review_on"),
        (json!({"next_review_on": day(180)}), "/next_review_on"),
        (json!({"progress": "fine"}), "/progress"),
        (json!({"summary": "Bene\u{0}"}), "/summary"),
        (json!({"summary": "\u{200B}\u{2060} "}), "/summary"),
    ] {
        let mut b = review.clone();
        for (k, v) in body.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (status, p) = problem(app.post_if(&anna.1, &reviews, "\"2\"", &b).await).await;
        assert!(status == 422 || status == 400, "{b}: {status} {p}");
        assert_eq!(pointers(&p), [pointer], "{b}");
    }
    // Recorded: the next review a month later, kept on the placement, on the agenda.
    let send = |etag: &'static str, body: Value, key: &'static str| {
        let app = &app;
        let token = anna.1.clone();
        let reviews = reviews.clone();
        async move {
            app.call(reqwest::Method::POST, &token, &reviews)
                .if_match(etag)
                .header_key(key)
                .json(&body)
                .send()
                .await
        }
    };
    let r = send("\"2\"", review.clone(), "review-1").await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"3\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = r.json().await.unwrap();
    let first_id = id_of(&first);
    assert_eq!(
        location,
        format!("/api/v1/employment-placements/{id}/reviews/{first_id}")
    );
    assert_eq!(first["held_on"], day(-9));
    assert_eq!(first["progress"], "needs_support");
    assert_eq!(first["next_review_on"], day(21));
    assert_eq!(first["created_by"], anna.0.as_str());
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "employment_placement.review");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    // A retry with the same key answers the same and records nothing more.
    let again = send("\"2\"", review.clone(), "review-1").await;
    assert_eq!(again.status(), 201);
    assert_eq!(id_of(&again.json().await.unwrap()), first_id);
    let stored = app
        .db()
        .read(|c| employment::reviews_of(c, uuid::Uuid::parse_str(&id).unwrap()))
        .unwrap();
    assert_eq!(stored.len(), 1);
    let placement = app
        .get(&anna.1, &format!("/employment-placements/{id}"))
        .await;
    assert_eq!(etag_of(&placement), "\"3\"");
    let placement: Value = placement.json().await.unwrap();
    assert_eq!(placement["next_review_on"], day(21));
    assert_eq!(
        review_items(&app, &anna.1).await,
        [(day(21), false, id.clone())]
    );
    // A stale version is 412 and writes nothing.
    assert_eq!(
        app.post_if(&anna.1, &reviews, "\"2\"", &review)
            .await
            .status(),
        412
    );
    // A chosen next day.
    let mut second = review.clone();
    second["held_on"] = json!(day(-2));
    second["progress"] = json!("on_track");
    second["next_review_on"] = json!(day(5));
    let second = created(app.post_if(&anna.1, &reviews, "\"3\"", &second).await).await;
    assert_eq!(second["next_review_on"], day(5));
    assert_eq!(
        review_items(&app, &anna.1).await,
        [(day(5), false, id.clone())]
    );
    // Completed: no next review, off the agenda; a closing review plans none.
    let done = created(
        app.post_if(
            &anna.1,
            &transitions,
            "\"4\"",
            &json!({"transition": "complete", "outcome": "none"}),
        )
        .await,
    )
    .await;
    assert_eq!(done["next_review_on"], Value::Null);
    assert!(review_items(&app, &anna.1).await.is_empty());
    let mut closing = review.clone();
    closing["held_on"] = json!(day(0));
    closing["next_review_on"] = json!(day(20));
    let (status, p) = problem(app.post_if(&anna.1, &reviews, "\"5\"", &closing).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/next_review_on"]);
    closing["next_review_on"] = Value::Null;
    let closing = created(app.post_if(&anna.1, &reviews, "\"5\"", &closing).await).await;
    assert_eq!(closing["next_review_on"], Value::Null);
    // Listed by the day held and read one by one by the team, audited with the person; not by
    // another area; a review of another placement is 404.
    let list = app.get_ok(&anna.1, &reviews).await;
    let held: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["held_on"].as_str().unwrap())
        .collect();
    assert_eq!(held, [day(-9), day(-2), day(0)]);
    let entry = &app.audit_entries(1)[0];
    assert_eq!(entry.row.action, "employment_placement.list_reviews");
    assert_eq!(entry.persons, [uuid::Uuid::parse_str(&person).unwrap()]);
    let one = app.get_ok(&anna.1, &format!("{reviews}/{first_id}")).await;
    assert_eq!(one, first);
    assert_eq!(app.get(&bruno.1, &reviews).await.status(), 403);
    let other = id_of(&created(app.post(&anna.1, &path, &proposal).await).await);
    assert_eq!(
        app.get(
            &anna.1,
            &format!("/employment-placements/{other}/reviews/{first_id}")
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        app.get(&anna.1, &format!("{reviews}/not-a-uuid"))
            .await
            .status(),
        400
    );
}
