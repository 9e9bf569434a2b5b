//! Need-to-know access control, each on SQLite and on PostgreSQL: the authorization matrix
//! generated from the committed OpenAPI document (every operation × every relation to a case),
//! the directory answer, lists and searches cut to what the caller may read, and the
//! special-category grant.

mod gate;
mod matrix;
mod rules;

use serde_json::{Value, json};
use socialcare_domain::calendar;
use socialcare_tests::http::created;
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    every_operation_answers_every_relation_as_the_policy_says,
    searches_cut_persons_to_the_directory_answer,
    search_filters_match_only_readable_case_files,
    lists_hold_only_readable_case_files,
    the_case_manager_grants_special_categories_to_team_members,
    nested_objects_are_checked_against_their_parent,
    every_read_path_audits_the_persons_it_returns,
    break_glass_opens_case_content_marked_until_it_expires,
    opening_a_file_does_not_unlock_other_areas_special_categories,
    person_writes_are_refused_before_the_body_and_leave_nothing,
    a_granted_member_removed_from_the_team_writes_no_more,
    person_lists_link_the_persons_they_show,
);

use gate::{
    a_granted_member_removed_from_the_team_writes_no_more, person_lists_link_the_persons_they_show,
    person_writes_are_refused_before_the_body_and_leave_nothing,
};

use matrix::every_operation_answers_every_relation_as_the_policy_says;
use rules::{
    break_glass_opens_case_content_marked_until_it_expires,
    every_read_path_audits_the_persons_it_returns, lists_hold_only_readable_case_files,
    nested_objects_are_checked_against_their_parent,
    opening_a_file_does_not_unlock_other_areas_special_categories,
    search_filters_match_only_readable_case_files, searches_cut_persons_to_the_directory_answer,
    the_case_manager_grants_special_categories_to_team_members,
};

/// The relations to the fixture's case file, in the order of the expectation strings.
pub const RELATIONS: [&str; 11] = [
    "case_manager",
    "team_member",
    "granted_team_member",
    "same_area_colleague",
    "other_area_colleague",
    "area_coordinator",
    "office_manager",
    "administrative",
    "system_admin",
    "privacy_officer",
    "anonymous",
];

/// A staff user of the fixture: `(user id, access token)`.
pub type Staff = (String, String);

/// An office with one case file (social inclusion) and a user for every relation to it.
pub struct Office {
    /// `admin` (system_admin), created at start-up.
    pub admin: String,
    /// Tokens and ids by relation, in [`RELATIONS`] order (anonymous has an empty token).
    pub staff: Vec<Staff>,
    /// A user nobody depends on, for the user-administration operations.
    pub spare_user: String,
    /// The person of the case file.
    pub person: String,
    /// Another person, without case files.
    pub other_person: String,
    /// The case file.
    pub case_file: String,
    /// The team member's assignment.
    pub assignment: String,
    /// A diary entry written by the case manager.
    pub entry: String,
    /// An assessment.
    pub assessment: String,
    /// A consent.
    pub consent: String,
    /// A referral.
    pub referral: String,
    /// The person's household.
    pub household: String,
    /// The person's membership of the household.
    pub member: String,
    /// A break-glass grant of the spare user on the case file.
    pub grant: String,
    /// An active social project of the case file, with one objective, participant, action and
    /// review.
    pub project: String,
    /// The project's objective.
    pub objective: String,
    /// The project's participant.
    pub participant: String,
    /// The project's action.
    pub action: String,
    /// The project's review.
    pub review: String,
    /// An active inclusion pact of the case file, with one commitment and one check.
    pub pact: String,
    /// The pact's commitment.
    pub commitment: String,
    /// The pact's check.
    pub check: String,
    /// A facility of the case file's area.
    pub facility: String,
    /// Its bed.
    pub bed: String,
    /// A placement of the person in the bed.
    pub placement: String,
    /// An employer of the employment register.
    pub employer: String,
    /// A procurement contract awarded to it.
    pub contract: String,
    /// An employment placement of the person with the employer, under the contract.
    pub work_placement: String,
    /// A tutor review of it (it started).
    pub work_review: String,
    /// A training event of the staff.
    pub training_event: String,
    /// A published criteria set.
    pub criteria_set: String,
    /// A care resource ranked by it.
    pub resource: String,
    /// An application of the person for it.
    pub application: String,
    /// A published ranking of the resource.
    pub published_ranking: String,
    /// A benefit granted in the case file.
    pub benefit: String,
    /// A partner organisation.
    pub organisation: String,
    /// A machine client of it.
    pub machine_client: String,
    /// An export of the benefits to the national register.
    pub siuss_export: String,
    /// A bulk import (one person) made by the office manager.
    pub import: String,
    /// A run of the retention procedure (nothing due) made by the privacy officer.
    pub retention_run: String,
}

impl Office {
    /// `(id, token)` of a relation.
    pub fn staff(&self, relation: &str) -> &Staff {
        let index = RELATIONS
            .iter()
            .position(|r| *r == relation)
            .unwrap_or_else(|| panic!("unknown relation {relation}"));
        &self.staff[index]
    }
}

async fn send(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    etag: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut call = app.call(method, token, path);
    if let Some(etag) = etag {
        call = call.if_match(etag);
    }
    if let Some(body) = &body {
        call = call.json(body);
    }
    call.send().await
}

async fn pact_etag(app: &TestApp, token: &str, pact: &str) -> String {
    send(
        app,
        token,
        reqwest::Method::GET,
        &format!("/pacts/{pact}"),
        None,
        None,
    )
    .await
    .headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned()
}

/// Builds the office: users in every relation, a person with a case file, its team (one member
/// with, one without the special-category grant), a diary entry, an assessment, a consent, a
/// referral, a household and every special-category group.
pub async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    let mut staff = Vec::new();
    for (name, roles, areas) in [
        ("mgr.cm", vec!["social_worker"], vec!["social_inclusion"]),
        ("team.tm", vec!["educator"], vec!["social_inclusion"]),
        ("team.tg", vec!["educator"], vec!["social_inclusion"]),
        ("same.sa", vec!["social_worker"], vec!["social_inclusion"]),
        ("other.oa", vec!["social_worker"], vec!["transversal"]),
        (
            "coord.co",
            vec!["area_coordinator"],
            vec!["social_inclusion"],
        ),
        ("office.om", vec!["office_manager"], vec![]),
        ("admin.ad", vec!["administrative"], vec!["social_inclusion"]),
    ] {
        let user = app.create_user(&admin, name, &roles, &areas).await;
        let (token, _) = app.tokens(name, &user_password(name)).await;
        staff.push((user["id"].as_str().unwrap().to_owned(), token));
    }
    let me: Value = app
        .client
        .get(app.api("/me"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    staff.push((me["id"].as_str().unwrap().to_owned(), admin.clone()));
    let po = app
        .create_user(&admin, "dpo.po", &["privacy_officer"], &[])
        .await;
    let (po_token, _) = app.tokens("dpo.po", &user_password("dpo.po")).await;
    staff.push((po["id"].as_str().unwrap().to_owned(), po_token));
    staff.push((String::new(), String::new()));
    let spare = app
        .create_user(&admin, "spare", &["educator"], &["transversal"])
        .await;

    let (cm_id, cm) = staff[0].clone();
    let post = |path: String, etag: Option<&'static str>, body: Value| {
        let cm = cm.clone();
        async move {
            created(send(app, &cm, reqwest::Method::POST, &path, etag, Some(body)).await).await
        }
    };
    let person = post(
        "/persons".into(),
        None,
        json!({"given_names": "Paola", "family_names": "Matrice", "birth_date": "1980-02-29"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other_person = post(
        "/persons".into(),
        None,
        json!({"given_names": "Otto", "family_names": "Senzacartella"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let case_file = post(
        "/case-files".into(),
        None,
        json!({"person_id": person, "area": "social_inclusion", "case_manager_id": cm_id}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        format!("/case-files/{case_file}/team"),
        Some("\"1\""),
        json!({"staff_id": staff[1].0, "role": "educator"}),
    )
    .await;
    let team = post(
        format!("/case-files/{case_file}/team"),
        Some("\"2\""),
        json!({"staff_id": staff[2].0, "role": "educator", "sensitive_access": true}),
    )
    .await;
    let assignment = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["staff_id"] == staff[1].0.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let entry = post(
        format!("/case-files/{case_file}/diary-entries"),
        None,
        json!({"kind": "note", "occurred_at": chrono::Utc::now() - chrono::Duration::hours(1),
               "text": "Matrix note"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scores: Vec<Value> = [
        "housing",
        "income",
        "employment",
        "health",
        "autonomy",
        "family_and_relations",
        "legal_and_documents",
        "justice",
    ]
    .iter()
    .map(|d| json!({"domain": d, "severity": 1}))
    .collect();
    let assessment = post(
        format!("/case-files/{case_file}/assessments"),
        None,
        json!({ "scores": scores }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let consent = post(
        format!("/case-files/{case_file}/consents"),
        None,
        json!({"kind": "data_sharing", "organisation": "Centro per l'impiego di Trento",
               "purpose": "Employment path"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let referral = post(
        format!("/case-files/{case_file}/referrals"),
        None,
        json!({"direction": "outgoing", "service": "employment_centre",
               "organisation": "Centro per l'impiego di Trento", "reason": "Job search"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let household = post(
        "/households".into(),
        None,
        json!({"reference_person_id": person, "joined_on": "2026-01-01"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let members: Value = send(
        app,
        &cm,
        reqwest::Method::GET,
        &format!("/households/{household}/members"),
        None,
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let member = members["items"][0]["member_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (segment, body) in [
        (
            "health-disability",
            json!({"law_104_recognised": true, "law_104_severe": false,
                   "accompanying_allowance": false}),
        ),
        (
            "ethnicity",
            json!({"community": "sinti", "relevant_to_project": "Housing project"}),
        ),
        ("legal-status", json!({"protection_status": "refugee"})),
        ("justice", json!({"status": "released"})),
    ] {
        let r = send(
            app,
            &cm,
            reqwest::Method::PUT,
            &format!("/persons/{person}/{segment}"),
            None,
            Some(body),
        )
        .await;
        assert_eq!(r.status(), 201, "{segment}");
    }
    let today = calendar::today(chrono::Utc::now());
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let id_of = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let project_body = json!({"kind": "housing_path", "title": "Back home",
        "drafted_on": today.to_string(), "next_review_on": day(30),
        "objectives": [{"domain": "housing", "description": "Find a room",
                        "target_date": day(100), "indicator": "Signed contract"}]});
    let project_json = post(
        format!("/case-files/{case_file}/projects"),
        None,
        project_body,
    )
    .await;
    let project = id_of(&project_json);
    let objective = project_json["objectives"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let participant = id_of(
        &post(
            format!("/projects/{project}/participants"),
            None,
            json!({"kind": "person"}),
        )
        .await,
    );
    let action = id_of(
        &post(
            format!("/projects/{project}/actions"),
            None,
            json!({"description": "Call the housing office"}),
        )
        .await,
    );
    post(
        format!("/projects/{project}/transitions"),
        Some("\"3\""),
        json!({"transition": "activate"}),
    )
    .await;
    let review = id_of(
        &post(
            format!("/projects/{project}/reviews"),
            None,
            json!({"next_review_on": day(40)}),
        )
        .await,
    );
    let pact = id_of(
        &post(
            format!("/case-files/{case_file}/pacts"),
            None,
            json!({"measure": "adi", "application_reference": "INPS-ADI-2026-0001",
                   "activation_on": today.to_string(), "drafted_on": today.to_string()}),
        )
        .await,
    );
    post(
        format!("/pacts/{pact}/steps"),
        None,
        json!({"kind": "convocation", "occurred_on": today.to_string()}),
    )
    .await;
    post(
        format!("/pacts/{pact}/steps"),
        None,
        json!({"kind": "preliminary_analysis", "occurred_on": today.to_string(),
               "outcome": "social_path"}),
    )
    .await;
    let tag = pact_etag(app, &cm, &pact).await;
    created(
        send(
            app,
            &cm,
            reqwest::Method::POST,
            &format!("/pacts/{pact}/transitions"),
            Some(&tag),
            Some(json!({"transition": "sign", "occurred_on": today.to_string()})),
        )
        .await,
    )
    .await;
    let commitment = id_of(
        &post(
            format!("/pacts/{pact}/commitments"),
            None,
            json!({"person_id": person, "kind": "school_attendance", "owner": "Istituto",
                   "frequency": "monthly", "due_on": day(30), "verification": "Register"}),
        )
        .await,
    );
    let tag = pact_etag(app, &cm, &pact).await;
    created(
        send(
            app,
            &cm,
            reqwest::Method::POST,
            &format!("/pacts/{pact}/transitions"),
            Some(&tag),
            Some(json!({"transition": "activate", "occurred_on": today.to_string()})),
        )
        .await,
    )
    .await;
    let check = id_of(&post(format!("/pacts/{pact}/checks"), None, json!({})).await);
    // Housing: a facility of the area, recorded by its administrative staff, with one bed,
    // and a placement of the person in it.
    let clerk = staff[RELATIONS
        .iter()
        .position(|r| *r == "administrative")
        .unwrap()]
    .1
    .clone();
    let facility = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                "/facilities",
                None,
                Some(json!({"name": "Casa Matrice", "kind": "adult_reception",
                    "area": "social_inclusion", "operator": "Cooperativa", "street": "Via Roma 1",
                    "municipality": "Trento", "takes": "mixed", "opens_on": day(-30)})),
            )
            .await,
        )
        .await,
    );
    let bed = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                &format!("/facilities/{facility}/beds"),
                None,
                Some(json!({"unit": "Camera 1", "label": "A"})),
            )
            .await,
        )
        .await,
    );
    let placement = id_of(
        &post(
            format!("/case-files/{case_file}/placements"),
            None,
            json!({"bed_id": bed, "until": day(7)}),
        )
        .await,
    );
    let employer = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                "/employers",
                None,
                Some(json!({"kind": "company", "name": "Officina Matrice",
                    "vat_number": "00355870221", "street": "Via Roma 2",
                    "municipality": "Trento"})),
            )
            .await,
        )
        .await,
    );
    let contract = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                "/contracts",
                None,
                Some(
                    json!({"contracting_authority": "Comune di Trento", "cig": "8512345A3F",
                    "subject": "Manutenzione del verde", "from_on": day(-30),
                    "until_on": day(300), "employer_id": employer,
                    "clause": "disadvantaged_hiring", "required_workers": 2}),
                ),
            )
            .await,
        )
        .await,
    );
    let work_placement = id_of(
        &post(
            format!("/case-files/{case_file}/employment-placements"),
            None,
            json!({"kind": "social_clause_hiring", "employer_id": employer,
                "contract_id": contract, "weekly_hours": 20, "from_on": day(-10)}),
        )
        .await,
    );
    post(
        format!("/employment-placements/{work_placement}/transitions"),
        Some("\"1\""),
        json!({"transition": "start", "occurred_on": day(-10)}),
    )
    .await;
    let work_review = id_of(
        &post(
            format!("/employment-placements/{work_placement}/reviews"),
            Some("\"2\""),
            json!({"held_on": day(-1), "progress": "on_track", "with_company_tutor": false,
                "summary": "Prima verifica"}),
        )
        .await,
    );
    let training_event = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                "/training-events",
                None,
                Some(
                    json!({"kind": "training", "title": "Etica", "provider": "Ordine",
                    "from_on": day(-3), "until_on": day(-3), "hours": 4, "credits": 4,
                    "ethics_credits": 4}),
                ),
            )
            .await,
        )
        .await,
    );
    let criteria_set = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                "/criteria-sets",
                None,
                Some(
                    json!({"code": "matrice", "title": "Matrice", "effective_from": day(0),
                    "criteria": [{"kind": "urgency", "label": "Urgenza",
                        "levels": {"0": 0, "1": 1, "2": 2, "3": 3}}]}),
                ),
            )
            .await,
        )
        .await,
    );
    let resource = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                "/resources",
                None,
                Some(json!({"kind": "meals", "name": "Pasti a domicilio",
                    "managing_body": "Comune", "area": "social_inclusion",
                    "criteria_code": "matrice", "reconfirm_months": 12, "places": 10})),
            )
            .await,
        )
        .await,
    );
    let application = id_of(
        &post(
            format!("/case-files/{case_file}/applications"),
            None,
            json!({"resource_id": resource}),
        )
        .await,
    );
    let published_ranking = id_of(
        &created(
            send(
                app,
                &clerk,
                reqwest::Method::POST,
                &format!("/resources/{resource}/rankings"),
                None,
                Some(json!({"criteria_set_id": criteria_set})),
            )
            .await,
        )
        .await,
    );
    let benefit = id_of(
        &post(
            format!("/case-files/{case_file}/benefits"),
            None,
            json!({"code": "C3", "form": "in_kind", "from_on": day(-1),
                "decision_ref": "Determina 1/2026", "decision_on": day(-2)}),
        )
        .await,
    );
    let organisation = id_of(
        &created(
            send(
                app,
                &admin,
                reqwest::Method::POST,
                "/partner-organisations",
                None,
                Some(json!({"name": "Centro per l'impiego", "kind": "employment_centre"})),
            )
            .await,
        )
        .await,
    );
    let machine_client = id_of(
        &created(
            send(
                app,
                &admin,
                reqwest::Method::POST,
                "/machine-clients",
                None,
                Some(json!({"organisation_id": organisation, "name": "gateway",
                    "scopes": ["referrals"]})),
            )
            .await,
        )
        .await,
    );
    let (_, manager) = &staff[RELATIONS
        .iter()
        .position(|r| *r == "office_manager")
        .unwrap()];
    let siuss_export = id_of(
        &created(
            send(
                app,
                manager,
                reqwest::Method::POST,
                "/siuss-exports",
                None,
                Some(json!({"period": "2026"})),
            )
            .await,
        )
        .await,
    );
    let import = id_of(
        &created(
            app.call(reqwest::Method::POST, manager, "/imports")
                .raw("given_names;family_names\nImma;Portata\n", "text/csv")
                .send()
                .await,
        )
        .await,
    );
    let (po_token, _) = app.tokens("dpo.po", &user_password("dpo.po")).await;
    let retention_run = id_of(
        &created(
            app.post(
                &po_token,
                "/retention/runs",
                &json!({"authorisation": "Access matrix fixture"}),
            )
            .await,
        )
        .await,
    );
    let (spare_token, _) = app.tokens("spare", &user_password("spare")).await;
    let grant = created(
        send(
            app,
            &spare_token,
            reqwest::Method::POST,
            &format!("/case-files/{case_file}/break-glass"),
            None,
            Some(json!({"reason": "Night emergency: the person was found in distress"})),
        )
        .await,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Office {
        employer,
        contract,
        work_placement,
        work_review,
        training_event,
        criteria_set,
        resource,
        application,
        published_ranking,
        benefit,
        organisation,
        machine_client,
        siuss_export,
        import,
        retention_run,
        facility,
        bed,
        placement,
        project,
        objective,
        participant,
        action,
        review,
        pact,
        commitment,
        check,
        grant,
        admin,
        staff,
        spare_user: spare["id"].as_str().unwrap().to_owned(),
        person,
        other_person,
        case_file,
        assignment,
        entry,
        assessment,
        consent,
        referral,
        household,
        member,
    }
}
