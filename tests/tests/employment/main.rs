//! Employment over HTTP, each test on SQLite and on PostgreSQL: the employers register kept by
//! the administrative staff (partita IVA with its check digit, one employer per partita IVA
//! among those not annulled, a social cooperative's registration), read by case workers,
//! annulled and never deleted.

use serde_json::{Value, json};
use socialcare_tests::http::{created, etag_of, id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines};

on_both_engines!(
    the_administrative_staff_keep_the_employers_register,
    an_annulled_employer_stays_and_frees_its_partita_iva,
    demo_data_has_employers_of_every_kind,
    contracts_bind_their_clause_to_the_employer_and_keep_their_amendments,
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
