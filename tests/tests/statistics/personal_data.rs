//! The data subject's copy (GDPR art. 15): everything each endpoint gives about the person is in
//! it, nothing about the other members of their household, every access to their data, as JSON
//! and as a printable page; only the privacy officer makes it, and it is audited.

use serde_json::{Value, json};
use socialcare_tests::TestApp;
use socialcare_tests::http::{Staff, assessment_scores, created, day, etag_of, id_of};

use crate::{file, office};

/// The rows of one kind of record in a copy.
fn rows<'a>(copy: &'a Value, kind: &str) -> &'a Vec<Value> {
    copy["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no kind {kind}"))["rows"]
        .as_array()
        .expect("rows")
}

/// The ids of the rows of one kind.
fn ids(copy: &Value, kind: &str) -> Vec<String> {
    let mut ids: Vec<String> = rows(copy, kind)
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

/// The ids of the items of a list endpoint.
async fn listed(app: &TestApp, token: &str, path: &str, key: &str) -> Vec<String> {
    let list = app.get_ok(token, path).await;
    let mut ids: Vec<String> = list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {list}"))
        .iter()
        .map(|i| i[key].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

async fn privacy_officer(app: &TestApp) -> Staff {
    let admin = app.admin_token().await;
    app.staff(&admin, "privacy", &["privacy_officer"], &[])
        .await
}

/// Mario (tax code, phone) with a case file of anna's holding one record of each kind the
/// endpoints below give, health data, and a household with Giulia, who has a file of her own.
/// Returns `(mario, giulia, mario's file, giulia's file)`.
async fn mario_and_his_records(app: &TestApp, anna: &Staff) -> (String, String, String, String) {
    let (_, token) = anna;
    let mario = id_of(
        &created(
            app.post(
                token,
                "/persons",
                &json!({"given_names": "Mario", "family_names": "Rossi",
                    "tax_code": "RSSMRA85T10A562S", "birth_date": "1985-12-10", "sex": "male",
                    "phone": "+39 0461 123456"}),
            )
            .await,
        )
        .await,
    );
    let giulia = app.register_person(token, "Giulia", "Bianchi").await;
    let mario_file = file(app, anna, &mario, "social_inclusion", &["homeless"]).await;
    let giulia_file = file(app, anna, &giulia, "social_inclusion", &["adult_in_need"]).await;
    let scores = assessment_scores(2);
    let posts = [
        (
            format!("/case-files/{mario_file}/diary-entries"),
            json!({"kind": "interview", "occurred_at": "2026-01-11T10:00:00Z",
                "text": "Colloquio <b>& fratello</b>"}),
        ),
        (
            format!("/case-files/{mario_file}/assessments"),
            json!({"scores": scores,
                "notes": "Dorme in auto"}),
        ),
        (
            format!("/case-files/{mario_file}/consents"),
            json!({"kind": "privacy_notice", "privacy_notice_version": "2026.1",
                "given_on": day(-3)}),
        ),
        (
            format!("/case-files/{mario_file}/referrals"),
            json!({"direction": "outgoing", "service": "employment_centre",
                "organisation": "Centro per l'impiego di Trento",
                "reason": "Job search support", "sent_on": day(-2)}),
        ),
        (
            format!("/case-files/{mario_file}/benefits"),
            json!({"code": "C3", "form": "in_kind", "from_on": day(-1),
                "decision_ref": "Determina 124/2026", "decision_on": day(-2)}),
        ),
        (
            format!("/case-files/{mario_file}/projects"),
            json!({"kind": "housing_path", "title": "Back home", "drafted_on": day(0),
                "next_review_on": day(30),
                "objectives": [{"domain": "housing", "description": "Find a room",
                    "target_date": day(100), "indicator": "Signed contract"}]}),
        ),
        (
            format!("/case-files/{giulia_file}/diary-entries"),
            json!({"kind": "note", "occurred_at": "2026-01-12T10:00:00Z",
                "text": "Giulia's own note"}),
        ),
    ];
    for (path, body) in posts {
        let r = app.post(token, &path, &body).await;
        assert_eq!(
            r.status(),
            201,
            "{path}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    let r = app
        .call(
            reqwest::Method::PUT,
            token,
            &format!("/persons/{mario}/health-disability"),
        )
        .json(&json!({"law_104_recognised": true, "law_104_severe": false,
            "accompanying_allowance": false, "support_needs": "Carrozzina"}))
        .send()
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            token,
            "/households",
            &json!({"reference_person_id": mario, "joined_on": "2021-01-01"}),
        )
        .await;
    let etag = etag_of(&r);
    let household = id_of(&created(r).await);
    created(
        app.post_if(
            token,
            &format!("/households/{household}/members"),
            &etag,
            &json!({"person_id": giulia, "relationship": "spouse", "joined_on": "2021-01-01"}),
        )
        .await,
    )
    .await;
    (mario, giulia, mario_file, giulia_file)
}

pub async fn a_copy_holds_what_every_endpoint_gives_about_the_person_and_who_accessed_it(
    app: TestApp,
) {
    let o = office(&app).await;
    let privacy = privacy_officer(&app).await;
    let (mario, giulia, mario_file, giulia_file) = mario_and_his_records(&app, &o.anna).await;
    let anna = &o.anna.1;
    let person = app.get_ok(anna, &format!("/persons/{mario}")).await;
    let report = app
        .get_ok(&privacy.1, &format!("/persons/{mario}/access-report"))
        .await;

    let copy = app
        .get_ok(&privacy.1, &format!("/persons/{mario}/personal-data-copy"))
        .await;
    assert_eq!(copy["person_id"], json!(mario));
    assert_eq!(copy["produced_by"], "privacy");

    // Audited, linking the person.
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.row.action, "person.personal_data_copy");
    assert_eq!(record.row.outcome, "success");
    assert_eq!(
        record.persons,
        vec![mario.parse::<uuid::Uuid>().expect("uuid")]
    );
    let details: Value =
        serde_json::from_str(record.row.details.as_deref().unwrap_or("{}")).expect("details");
    assert_eq!(details["records"]["diary_entries"], 1);
    assert_eq!(details["records"]["persons"], 1);

    // Every kind of record is listed, with its purpose, legal basis and retention.
    let kinds = copy["records"].as_array().expect("records");
    assert_eq!(kinds.len(), socialcare_domain::personal_data::KINDS.len());
    for kind in kinds {
        assert!(!kind["purpose"].as_str().unwrap_or_default().is_empty());
        assert!(!kind["legal_basis"].as_str().unwrap_or_default().is_empty());
        assert!(
            kind["retention"]["years"].as_u64().unwrap_or(0) > 0,
            "{kind}"
        );
    }
    let diary_kind = kinds.iter().find(|k| k["kind"] == "diary_entries");
    assert_eq!(
        diary_kind.expect("diary")["retention"]["rule"],
        "case_content"
    );
    assert_eq!(diary_kind.expect("diary")["retention"]["years"], 10);

    // The registry record is the one GET /persons gives, the other person is not in the copy.
    let registry = rows(&copy, "persons");
    assert_eq!(registry.len(), 1);
    for field in [
        "id",
        "given_names",
        "family_names",
        "tax_code",
        "birth_date",
        "sex",
        "phone",
    ] {
        assert_eq!(registry[0][field], person[field], "{field}");
    }
    assert_eq!(registry[0]["created_at"], person["created_at"]);
    let text = copy.to_string();
    assert!(!text.contains("Giulia's own note"));
    assert!(!text.contains(&giulia_file));

    // Each list endpoint's records are in the copy, by id and content.
    for (kind, path, key) in [
        ("diary_entries", "diary-entries", "id"),
        ("assessments", "assessments", "id"),
        ("consents", "consents", "id"),
        ("referrals", "referrals", "id"),
        ("benefits", "benefits", "id"),
        ("projects", "projects", "id"),
    ] {
        let endpoint = listed(&app, anna, &format!("/case-files/{mario_file}/{path}"), key).await;
        assert!(!endpoint.is_empty(), "{path}");
        assert_eq!(ids(&copy, kind), endpoint, "{kind}");
    }
    assert_eq!(ids(&copy, "case_files"), vec![mario_file.clone()]);
    let diary = app
        .get_ok(anna, &format!("/case-files/{mario_file}/diary-entries"))
        .await;
    assert_eq!(
        rows(&copy, "diary_entries")[0]["text"],
        diary["items"][0]["text"]
    );
    assert_eq!(rows(&copy, "diary_entries")[0]["restricted"], json!(false));
    assert_eq!(rows(&copy, "assessments")[0]["notes"], "Dorme in auto");
    assert_eq!(rows(&copy, "assessment_scores").len(), 8);
    assert_eq!(
        rows(&copy, "project_objectives")[0]["description"],
        "Find a room"
    );
    let health = app
        .get_ok(anna, &format!("/persons/{mario}/health-disability"))
        .await;
    let copied = &rows(&copy, "person_health_disability")[0];
    for field in ["law_104_recognised", "law_104_severe", "support_needs"] {
        assert_eq!(copied[field], health[field], "{field}");
    }
    // His membership, not Giulia's.
    let memberships = rows(&copy, "household_members");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0]["person_id"], json!(mario));
    assert_eq!(rows(&copy, "households").len(), 1);
    assert!(!text.contains(&format!("\"person_id\":\"{giulia}\"")));
    assert!(rows(&copy, "person_justice").is_empty());

    // Who accessed: what the access report said, and that report itself.
    let accesses = &copy["accesses"];
    assert_eq!(
        accesses["total"].as_u64(),
        report["total"].as_u64().map(|t| t + 1)
    );
    assert!(
        accesses["actors"]
            .as_array()
            .expect("actors")
            .iter()
            .any(|a| a["actor_username"] == "anna" && a["count"].as_u64() > Some(5))
    );
    let last = accesses["accesses"]
        .as_array()
        .and_then(|a| a.last())
        .expect("an access");
    assert_eq!(last["action"], "audit.person_access_report");

    // The printable page: the same content, escaped.
    let page = app
        .call(
            reqwest::Method::GET,
            &privacy.1,
            &format!("/persons/{mario}/personal-data-copy"),
        )
        .header("accept", "text/html")
        .send()
        .await;
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let html = page.text().await.expect("page");
    assert!(html.contains("<title>Copia dei dati personali – Mario Rossi</title>"));
    assert!(html.contains("Colloquio &lt;b&gt;&amp; fratello&lt;/b&gt;"));
    assert!(!html.contains("<b>&"));
    assert!(html.contains("Social diary") && html.contains("RSSMRA85T10A562S"));
    assert!(!html.contains("Giulia's own note"));
}

pub async fn only_the_privacy_officer_makes_a_copy(app: TestApp) {
    let o = office(&app).await;
    let privacy = privacy_officer(&app).await;
    let person = app.register_person(&o.anna.1, "Carla", "Verdi").await;
    let path = format!("/persons/{person}/personal-data-copy");
    for token in [&o.anna.1, &o.manager.1, &o.coordinator.1] {
        let r = app.get(token, &path).await;
        assert_eq!(r.status(), 403);
        let record = app.audit(1).remove(0);
        assert_eq!(
            (record.action.as_str(), record.outcome.as_str()),
            ("personal_data.copy", "denied")
        );
    }
    let r = app
        .get(
            &privacy.1,
            &format!("/persons/{}/personal-data-copy", uuid::Uuid::now_v7()),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .get(&privacy.1, "/persons/not-a-uuid/personal-data-copy")
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .call(reqwest::Method::GET, &privacy.1, &path)
        .header("accept", "application/xml")
        .send()
        .await;
    assert_eq!(r.status(), 406);
    let copy = app.get_ok(&privacy.1, &path).await;
    assert_eq!(rows(&copy, "persons").len(), 1);
    assert!(rows(&copy, "case_files").is_empty());
}
