//! Housing over HTTP, each test on SQLite and on PostgreSQL: the facility register kept by the
//! area's administrative staff and coordinators, beds with seasons and out-of-service periods,
//! the free-bed search, and placements that never overbook a bed nor put a person in two beds
//! on one night — checked one request at a time, with 50 simultaneous requests for the last
//! three beds, and with those requests split between two server processes on one database.

use serde_json::{Value, json};
use socialcare_tests::http::{Staff, created, day, etag_of, id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines};

on_both_engines!(
    facilities_are_kept_by_their_area_and_read_by_case_workers,
    seasons_and_out_of_service_shape_the_free_beds,
    placements_never_overbook_and_a_person_sleeps_in_one_bed,
    the_facility_rules_hold_unless_the_coordinator_overrides_them,
    placement_lifecycle_releases_the_nights,
    the_last_three_beds_go_to_exactly_three_requests,
    the_last_three_beds_go_to_three_requests_across_two_servers,
    demo_data_has_a_housing_network_in_every_state,
    the_planned_end_of_a_placement_is_on_the_agenda,
    the_night_register_and_the_board_show_who_slept_where,
    occupancy_counts_places_and_bed_nights,
    a_housing_history_shows_only_readable_case_files,
    a_stay_is_extended_in_its_bed_when_the_nights_are_free,
    a_placement_moves_to_another_bed_from_a_night_on,
    a_bed_loses_a_place_that_holds_only_past_nights,
);

/// The office of a test: the administrator, a clerk and a coordinator of `social_inclusion`, a
/// coordinator of another area and two social workers of `social_inclusion`.
struct Office {
    admin: String,
    clerk: Staff,
    coordinator: Staff,
    other_coordinator: Staff,
    anna: Staff,
    bruno: Staff,
}

async fn office(app: &TestApp) -> Office {
    let admin = app.admin_token().await;
    let clerk = app
        .staff(&admin, "clerk", &["administrative"], &["social_inclusion"])
        .await;
    let coordinator = app
        .staff(
            &admin,
            "coord",
            &["area_coordinator"],
            &["social_inclusion"],
        )
        .await;
    let other_coordinator = app
        .staff(
            &admin,
            "coord.other",
            &["area_coordinator"],
            &["transversal"],
        )
        .await;
    let anna = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let bruno = app
        .staff(&admin, "bruno", &["social_worker"], &["social_inclusion"])
        .await;
    Office {
        admin,
        clerk,
        coordinator,
        other_coordinator,
        anna,
        bruno,
    }
}

fn facility_body(name: &str, kind: &str, takes: &str) -> Value {
    json!({"name": name, "kind": kind, "area": "social_inclusion", "operator": "Cooperativa Il Ponte",
        "street": "Via San Martino 12", "municipality": "Trento", "postcode": "38122",
        "takes": takes, "accessible": true, "opens_on": day(-400)})
}

/// Records a facility as the clerk; returns its id.
async fn facility(app: &TestApp, o: &Office, name: &str, kind: &str, takes: &str) -> String {
    id_of(
        &created(
            app.post(&o.clerk.1, "/facilities", &facility_body(name, kind, takes))
                .await,
        )
        .await,
    )
}

/// Adds a bed as the clerk; returns its id.
async fn bed(app: &TestApp, o: &Office, facility: &str, body: Value) -> String {
    let r = app
        .post(&o.clerk.1, &format!("/facilities/{facility}/beds"), &body)
        .await;
    id_of(&created(r).await)
}

/// A person of `sex` with an open case file in `social_inclusion` managed by anna, targeted at
/// `groups`; returns `(case file, person)`.
async fn case_of(
    app: &TestApp,
    o: &Office,
    given: &str,
    sex: &str,
    groups: &[&str],
) -> (String, String) {
    let (anna_id, anna) = &o.anna;
    let person = id_of(
        &created(
            app.post(
                anna,
                "/persons",
                &json!({"given_names": given, "family_names": "Casa", "sex": sex}),
            )
            .await,
        )
        .await,
    );
    let file = created(
        app.post(
            anna,
            "/case-files",
            &json!({"person_id": person, "area": "social_inclusion", "case_manager_id": anna_id,
                "opened_on": day(-100), "target_groups": groups}),
        )
        .await,
    )
    .await;
    let file = id_of(&file);
    (file, person)
}

async fn place(app: &TestApp, token: &str, file: &str, body: Value) -> reqwest::Response {
    app.post(token, &format!("/case-files/{file}/placements"), &body)
        .await
}

async fn free_beds(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = app.get_ok(token, &format!("/free-beds?{query}")).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bed_id"].as_str().unwrap().to_owned())
        .collect()
}

async fn problem(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn facilities_are_kept_by_their_area_and_read_by_case_workers(app: TestApp) {
    let o = office(&app).await;
    let body = facility_body("Dormitorio San Martino", "night_shelter", "men");
    // A social worker, another area's coordinator: 403, audited.
    let r = app.post(&o.anna.1, "/facilities", &body).await;
    assert_eq!(r.status(), 403);
    let r = app.post(&o.other_coordinator.1, "/facilities", &body).await;
    assert_eq!(r.status(), 403);
    let refusal = app.audit(1).remove(0);
    assert_eq!(
        (refusal.action.as_str(), refusal.outcome.as_str()),
        ("facility.create", "denied")
    );
    // Invalid fields point at themselves.
    let mut bad = body.clone();
    bad["postcode"] = json!("3812");
    bad["closes_on"] = json!(day(-500));
    bad["name"] = json!("   ");
    let (status, p) = problem(app.post(&o.clerk.1, "/facilities", &bad).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/name", "/postcode", "/closes_on"]);
    // The clerk records it: 201 with its location and version.
    let r = app.post(&o.clerk.1, "/facilities", &body).await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let f: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/facilities/{}", f["id"].as_str().unwrap())
    );
    assert_eq!(f["tracking"], "night_by_night");
    assert_eq!(f["takes"], "men");
    let id = id_of(&f);
    let record = app.audit(1).remove(0);
    assert_eq!(record.action, "facility.create");
    assert_eq!(record.resource_id.as_deref(), Some(id.as_str()));
    // The name is unique.
    let (status, p) = problem(app.post(&o.coordinator.1, "/facilities", &body).await).await;
    assert_eq!(status, 409, "{p}");
    // Case workers read the register; the administrator does not.
    let list = app
        .get_ok(&o.anna.1, "/facilities?kind=night_shelter")
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let none = app.get_ok(&o.anna.1, "/facilities?kind=co_housing").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    assert_eq!(app.get(&o.admin, "/facilities").await.status(), 403);
    let r = app.get(&o.bruno.1, &format!("/facilities/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"1\"");
    assert_eq!(
        app.get(&o.bruno.1, &format!("/facilities/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
    // Replacing needs If-Match, and the area's staff; the page follows its position.
    let path = format!("/facilities/{id}");
    let mut changed = body.clone();
    changed["takes"] = json!("mixed");
    assert_eq!(
        app.put_if(&o.clerk.1, &path, None, &changed).await.status(),
        428
    );
    assert_eq!(
        app.put_if(&o.clerk.1, &path, Some("\"7\""), &changed)
            .await
            .status(),
        412
    );
    assert_eq!(
        app.put_if(&o.other_coordinator.1, &path, Some("\"1\""), &json!({}))
            .await
            .status(),
        403,
        "refused before the body is judged"
    );
    let r = app
        .put_if(&o.coordinator.1, &path, Some("\"1\""), &changed)
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let f: Value = r.json().await.unwrap();
    assert_eq!(f["takes"], "mixed");
    for n in 0..3 {
        facility(&app, &o, &format!("Casa {n}"), "co_housing", "mixed").await;
    }
    let first = app.get_ok(&o.anna.1, "/facilities?limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1")
        .to_owned();
    let second = app.get_ok(&o.anna.1, &next).await;
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["next"], Value::Null);
    assert_eq!(
        app.get(&o.anna.1, "/facilities?cursor=abc").await.status(),
        400
    );
}

async fn seasons_and_out_of_service_shape_the_free_beds(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Dormitorio", "night_shelter", "men").await;
    let permanent = bed(&app, &o, &f, json!({"unit": "Camera 1", "label": "A"})).await;
    let winter = bed(
        &app,
        &o,
        &f,
        json!({"unit": "Camera 2", "label": "W", "season_from": day(10), "season_until": day(20)}),
    )
    .await;
    // Validation of beds: a season without its end, a bed for women in a men's facility.
    let (status, p) = problem(
        app.post(
            &o.clerk.1,
            &format!("/facilities/{f}/beds"),
            &json!({"unit": "Camera 3", "label": "X", "season_from": day(1), "takes": "women"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/season_until", "/takes"]);
    let (status, _) = problem(
        app.post(
            &o.clerk.1,
            &format!("/facilities/{f}/beds"),
            &json!({"unit": "Camera 1", "label": "A"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "a label is unique in its unit");
    assert_eq!(
        app.post(&o.anna.1, &format!("/facilities/{f}/beds"), &json!({}))
            .await
            .status(),
        403
    );
    // Tonight only the permanent bed exists; in season both.
    let anna = &o.anna.1;
    assert_eq!(free_beds(&app, anna, "").await, [permanent.as_str()]);
    let in_season = format!("from={}&until={}", day(12), day(14));
    assert_eq!(
        free_beds(&app, anna, &in_season).await,
        [permanent.clone(), winter.clone()]
    );
    // A stay that runs out of the season does not fit the seasonal bed.
    let across = format!("from={}&until={}", day(18), day(22));
    assert_eq!(free_beds(&app, anna, &across).await, [permanent.as_str()]);
    // Out of service: nobody sleeps there.
    let r = app
        .post(
            &o.clerk.1,
            &format!("/beds/{permanent}/out-of-service"),
            &json!({"from": day(12), "until": day(13), "reason": "Broken heater"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(free_beds(&app, anna, &in_season).await, [winter.as_str()]);
    assert_eq!(
        free_beds(&app, anna, &format!("from={}&until={}", day(13), day(14))).await,
        [permanent.clone(), winter.clone()]
    );
    let beds = app.get_ok(anna, &format!("/facilities/{f}/beds")).await;
    assert_eq!(
        beds["items"][0]["out_of_service"][0]["reason"],
        "Broken heater"
    );
    // Filters: women find no bed in a men's facility; families none at all.
    assert!(free_beds(&app, anna, "takes=women").await.is_empty());
    assert!(free_beds(&app, anna, "takes=families").await.is_empty());
    assert_eq!(
        free_beds(&app, anna, "takes=men&kind=night_shelter")
            .await
            .len(),
        1
    );
    // Bad nights.
    for query in [
        format!("from={}&until={}", day(3), day(3)),
        format!("from={}&until={}", day(0), day(800)),
        "from=2026-02-30".to_owned(),
        "limit=0".to_owned(),
    ] {
        assert_eq!(
            app.get(anna, &format!("/free-beds?{query}")).await.status(),
            400,
            "{query}"
        );
    }
    // Paging by bed.
    let both = format!("from={}&until={}", day(13), day(14));
    let first = app
        .get_ok(anna, &format!("/free-beds?{both}&limit=1"))
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1")
        .to_owned();
    let second = app.get_ok(anna, &next).await;
    assert_eq!(second["items"][0]["bed_id"], winter.as_str());
    assert_eq!(second["next"], Value::Null);
}

async fn placements_never_overbook_and_a_person_sleeps_in_one_bed(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let a = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "A"})).await;
    let b = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "B"})).await;
    let family = bed(
        &app,
        &o,
        &f,
        json!({"unit": "Stanza 2", "label": "Famiglia", "capacity": 2}),
    )
    .await;
    let (file1, person1) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, _) = case_of(&app, &o, "Secondo", "male", &[]).await;
    let (file3, _) = case_of(&app, &o, "Terzo", "female", &[]).await;
    let anna = &o.anna.1;
    // Validation: no bed, an empty stay.
    let (status, p) = problem(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": uuid::Uuid::now_v7(), "from": day(2), "until": day(2)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/until", "/bed_id"]);
    // Three nights in bed A.
    let r = place(
        &app,
        anna,
        &file1,
        json!({"bed_id": a, "from": day(0), "until": day(3)}),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(etag_of(&r), "\"1\"");
    let placement: Value = r.json().await.unwrap();
    assert_eq!(placement["status"], "planned");
    assert_eq!(placement["person_id"], person1.as_str());
    assert_eq!(placement["allowed_transitions"], json!(["start", "cancel"]));
    // The write is audited with the person.
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "placement.create");
    assert_eq!(
        entry
            .persons
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [person1.as_str()]
    );
    // The bed is full on the nights it holds him: 409 naming the night.
    let (status, p) = problem(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(2), "until": day(4)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(p["detail"].as_str().unwrap().contains(&day(2)), "{p}");
    // He cannot sleep in two beds on one night: 409 naming his other placement.
    let (status, p) = problem(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": b, "from": day(1), "until": day(2)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(placement["id"].as_str().unwrap()),
        "{p}"
    );
    // Back to back is fine; a room for two takes two.
    assert_eq!(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(3), "until": day(5)})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": family, "from": day(6), "until": day(8)})
        )
        .await
        .status(),
        201
    );
    assert_eq!(
        place(
            &app,
            anna,
            &file3,
            json!({"bed_id": family, "from": day(6), "until": day(8)})
        )
        .await
        .status(),
        201
    );
    let (status, _) = problem(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": family, "from": day(7), "until": day(9)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "the room for two is full on the 7th");
    // The free-bed search agrees: on night 0 only B and the family room.
    let tonight = free_beds(&app, anna, "").await;
    assert_eq!(tonight, [b.clone(), family.clone()]);
    // A bed cannot go out of service, nor lose places, under booked nights.
    let (status, p) = problem(
        app.post(
            &o.clerk.1,
            &format!("/beds/{a}/out-of-service"),
            &json!({"from": day(1), "reason": "Repair"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    let r = app.get_ok(anna, &format!("/facilities/{f}/beds")).await;
    let family_bed = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == family.as_str())
        .unwrap()
        .clone();
    let (status, p) = problem(
        app.put_if(
            &o.clerk.1,
            &format!("/beds/{family}"),
            Some(&format!("\"{}\"", family_bed["version"])),
            &json!({"unit": "Stanza 2", "label": "Famiglia", "capacity": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert!(
        p["detail"].as_str().unwrap().contains(&format!(
            "Famiglia (Stanza 2, {family}): the bed holds 2 person(s) on the night of {}",
            day(6)
        )),
        "{p}"
    );
    // Nor can the facility close before nights already booked: 409 naming the bed and night.
    let closing = |closes_on: String| {
        let mut body = facility_body("Accoglienza", "adult_reception", "mixed");
        body["closes_on"] = json!(closes_on);
        body
    };
    let (status, p) = problem(
        app.put_if(
            &o.clerk.1,
            &format!("/facilities/{f}"),
            Some("\"1\""),
            &closing(day(2)),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("on the night of {}", day(2))),
        "{p}"
    );
    let r = app
        .put_if(
            &o.clerk.1,
            &format!("/facilities/{f}"),
            Some("\"1\""),
            &closing(day(30)),
        )
        .await;
    assert_eq!(r.status(), 200, "after the last booked night");
    // Reads: the case file's list, one placement; a colleague outside the team cannot place.
    let list = app
        .get_ok(anna, &format!("/case-files/{file1}/placements"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let id = placement["id"].as_str().unwrap();
    let r = app.get(anna, &format!("/placements/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"1\"");
    assert_eq!(
        app.get(anna, &format!("/placements/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
    let (status, _) = problem(place(&app, &o.bruno.1, &file1, json!({})).await).await;
    assert_eq!(status, 403, "refused before the body is judged");
}

async fn the_facility_rules_hold_unless_the_coordinator_overrides_them(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Dormitorio uomini", "night_shelter", "men").await;
    let a = bed(&app, &o, &f, json!({"unit": "Camera 1", "label": "A"})).await;
    let (file, person) = case_of(&app, &o, "Giulia", "female", &[]).await;
    let (status, p) = problem(place(&app, &o.anna.1, &file, json!({"bed_id": a})).await).await;
    assert_eq!(status, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains("men only"), "{p}");
    // The case manager may not override; the coordinator of the area may, with a reason.
    let body = json!({"bed_id": a, "override_reason": "Winter emergency: no other bed tonight"});
    assert_eq!(
        place(&app, &o.anna.1, &file, body.clone()).await.status(),
        403
    );
    let r = place(&app, &o.coordinator.1, &file, body).await;
    assert_eq!(r.status(), 201);
    let placed: Value = r.json().await.unwrap();
    assert_eq!(
        placed["override_reason"],
        "Winter emergency: no other bed tonight"
    );
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "placement.create");
    assert_eq!(entry.persons[0].to_string(), person);
    assert!(entry.row.details.as_deref().unwrap().contains("men only"));
    // Target groups: a facility for homeless persons.
    let g = facility(&app, &o, "Housing First", "housing_first_flat", "mixed").await;
    app.put_if(&o.clerk.1, &format!("/facilities/{g}"), Some("\"1\""), &{
        let mut b = facility_body("Housing First", "housing_first_flat", "mixed");
        b["target_groups"] = json!(["homeless"]);
        b
    })
    .await;
    let flat = bed(
        &app,
        &o,
        &g,
        json!({"unit": "Appartamento", "label": "1", "capacity": 2}),
    )
    .await;
    let (other, _) = case_of(&app, &o, "Marco", "male", &["adult_in_need"]).await;
    let (status, p) = problem(place(&app, &o.anna.1, &other, json!({"bed_id": flat})).await).await;
    assert_eq!(status, 409, "{p}");
    let (homeless, _) = case_of(&app, &o, "Luca", "male", &["homeless"]).await;
    assert_eq!(
        place(&app, &o.anna.1, &homeless, json!({"bed_id": flat}))
            .await
            .status(),
        201
    );
}

async fn placement_lifecycle_releases_the_nights(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let a = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "A"})).await;
    let (file1, _) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, _) = case_of(&app, &o, "Secondo", "male", &[]).await;
    let anna = &o.anna.1;
    let placed = created(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": a, "from": day(-2), "until": day(10)}),
        )
        .await,
    )
    .await;
    let id = id_of(&placed);
    let path = format!("/placements/{id}/transitions");
    // If-Match is required; the transition must be allowed; ending needs a destination.
    assert_eq!(
        app.post(anna, &path, &json!({"transition": "start"}))
            .await
            .status(),
        428
    );
    let (status, p) = problem(
        app.post_if(anna, &path, "\"1\"", &json!({"transition": "end"}))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/exit_destination"]);
    let (status, p) = problem(
        app.post_if(
            anna,
            &path,
            "\"1\"",
            &json!({"transition": "end", "exit_destination": "family"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert_eq!(p["allowed_transitions"], json!(["start", "cancel"]));
    let (status, p) = problem(
        app.post_if(
            anna,
            &path,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(-3)}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    let r = app
        .post_if(
            anna,
            &path,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(-2)}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let active: Value = r.json().await.unwrap();
    assert_eq!(active["status"], "active");
    assert_eq!(active["started_on"], day(-2));
    // The bed is taken for the coming nights.
    assert_eq!(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(0), "until": day(1)})
        )
        .await
        .status(),
        409
    );
    // Leaving today releases tonight and after; the nights slept stay.
    let r = app
        .post_if(
            anna,
            &path,
            "\"2\"",
            &json!({"transition": "end", "exit_destination": "own_housing",
            "exit_notes": "Rented a room"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let ended: Value = r.json().await.unwrap();
    assert_eq!(ended["status"], "ended");
    assert_eq!(ended["exit_destination"], "own_housing");
    assert_eq!(ended["allowed_transitions"], json!([]));
    assert_eq!(app.audit(1)[0].action, "placement.end");
    assert_eq!(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(-1), "until": day(1)})
        )
        .await
        .status(),
        409,
        "last night was slept"
    );
    let second = created(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(0), "until": day(3)}),
        )
        .await,
    )
    .await;
    // Cancelling needs a reason and releases every night.
    let path = format!("/placements/{}/transitions", id_of(&second));
    let (status, p) = problem(
        app.post_if(anna, &path, "\"1\"", &json!({"transition": "cancel"}))
            .await,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(pointers(&p), ["/cancel_reason"]);
    let r = app
        .post_if(
            anna,
            &path,
            "\"1\"",
            &json!({"transition": "cancel", "cancel_reason": "Found a family solution"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(free_beds(&app, anna, "").await, [a.as_str()]);
    // A cancelled placement never moves again (409, the use case's answers coming in the
    // order of docs/api-conventions.md); a stale If-Match on an allowed transition is 412.
    assert_eq!(
        app.post_if(anna, &path, "\"1\"", &json!({"transition": "start"}))
            .await
            .status(),
        409
    );
    let third = created(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(0), "until": day(2)}),
        )
        .await,
    )
    .await;
    let path = format!("/placements/{}/transitions", id_of(&third));
    assert_eq!(
        app.post_if(anna, &path, "\"5\"", &json!({"transition": "start"}))
            .await
            .status(),
        412
    );
}

/// Opens `n` case files for new persons; returns them.
async fn files(app: &TestApp, o: &Office, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..n {
        let name: String = [i / 26, i % 26]
            .iter()
            .map(|n| char::from(b'a' + u8::try_from(*n).unwrap()))
            .collect();
        out.push(
            case_of(app, o, &format!("Persona {name}"), "male", &[])
                .await
                .0,
        );
    }
    out
}

/// 50 simultaneous requests, spread over `apps`, for the three beds of a facility (each
/// request for one of them): exactly three get 201, the others 409, and each bed holds one
/// person.
async fn race_for_three_beds(apps: &[&TestApp]) {
    let app = apps[0];
    let o = office(app).await;
    let f = facility(app, &o, "Dormitorio", "night_shelter", "men").await;
    let mut beds = Vec::new();
    for label in ["A", "B", "C"] {
        beds.push(bed(app, &o, &f, json!({"unit": "Camera", "label": label})).await);
    }
    let files = files(app, &o, 50).await;
    let requests = files.iter().enumerate().map(|(i, file)| {
        let target = apps[i % apps.len()];
        let token = o.anna.1.clone();
        let body = json!({"bed_id": beds[i % 3]});
        async move { place(target, &token, file, body).await.status().as_u16() }
    });
    let statuses = futures_util::future::join_all(requests).await;
    let won = statuses.iter().filter(|s| **s == 201).count();
    let refused = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((won, refused), (3, 47), "{statuses:?}");
    assert!(free_beds(app, &o.anna.1, "").await.is_empty());
    let board = app
        .get_ok(&o.anna.1, &format!("/facilities/{f}/beds"))
        .await;
    assert_eq!(board["items"].as_array().unwrap().len(), 3);
}

async fn the_last_three_beds_go_to_exactly_three_requests(app: TestApp) {
    race_for_three_beds(&[&app]).await;
}

/// Two servers (two connection pools) on one database, as in a deployment with two processes.
async fn the_last_three_beds_go_to_three_requests_across_two_servers(app: TestApp) {
    let beside = app.spawn_beside().await;
    race_for_three_beds(&[&app, &beside]).await;
}

/// The demo office has a facility of every kind, a winter season, and placements in every
/// state, each a consistent record (the schema's checks hold).
async fn demo_data_has_a_housing_network_in_every_state(app: TestApp) {
    use diesel::prelude::*;
    use socialcare_persistence::schema::{beds, facilities, placements};

    let summary = socialcare_api::demo::load(app.db(), 5, 80).unwrap();
    assert_eq!(summary.facilities, 7);
    assert!(summary.placements >= 4, "{summary:?}");
    let (kinds, seasonal, statuses) = app
        .db()
        .read(|c| {
            let kinds: Vec<String> = facilities::table.select(facilities::kind).load(c)?;
            let seasonal: i64 = beds::table
                .filter(beds::season_from.is_not_null())
                .count()
                .get_result(c)?;
            let statuses: Vec<String> = placements::table.select(placements::status).load(c)?;
            Ok((kinds, seasonal, statuses))
        })
        .unwrap();
    assert_eq!(kinds.len(), 7);
    assert_eq!(seasonal, 4);
    for status in ["planned", "active", "ended", "cancelled"] {
        assert!(
            statuses.iter().any(|s| s == status),
            "no {status} placement"
        );
    }
}

/// The day a person is expected to leave is on their case manager's agenda while the placement
/// is planned or active, late once passed; it leaves the agenda when the placement ends.
async fn the_planned_end_of_a_placement_is_on_the_agenda(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let a = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "A"})).await;
    let b = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "B"})).await;
    let (file1, person1) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, _) = case_of(&app, &o, "Secondo", "male", &[]).await;
    let anna = &o.anna.1;
    let soon = created(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": a, "from": day(-5), "until": day(5)}),
        )
        .await,
    )
    .await;
    let later = created(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": b, "from": day(0), "until": day(50)}),
        )
        .await,
    )
    .await;
    let ends = |agenda: &Value| -> Vec<(String, String, bool)> {
        agenda["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] == "placement_end")
            .map(|i| {
                (
                    i["placement_id"].as_str().unwrap().to_owned(),
                    i["due_on"].as_str().unwrap().to_owned(),
                    i["late"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    // The default period (30 days) shows the first; a longer one both, by day.
    let agenda = app.get_ok(anna, "/me/agenda").await;
    assert_eq!(ends(&agenda), [(id_of(&soon), day(5), false)]);
    let item = agenda["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "placement_end")
        .unwrap()
        .clone();
    assert_eq!(item["person_id"], person1.as_str());
    assert_eq!(item["case_file_id"], file1.as_str());
    let longer = app
        .get_ok(
            anna,
            &format!("/me/agenda?to={}&kind=placement_end", day(60)),
        )
        .await;
    assert_eq!(
        ends(&longer),
        [
            (id_of(&soon), day(5), false),
            (id_of(&later), day(50), false)
        ]
    );
    // One a page, following the position.
    let first = app
        .get_ok(
            anna,
            &format!("/me/agenda?to={}&kind=placement_end&limit=1", day(60)),
        )
        .await;
    assert_eq!(ends(&first).len(), 1);
    let next = first["next"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1")
        .to_owned();
    let second = app.get_ok(anna, &next).await;
    assert_eq!(ends(&second), [(id_of(&later), day(50), false)]);
    // Ended: off the agenda.
    let path = format!("/placements/{}/transitions", id_of(&soon));
    assert_eq!(
        app.post_if(
            anna,
            &path,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(-5)})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.post_if(
            anna,
            &path,
            "\"2\"",
            &json!({"transition": "end", "exit_destination": "family"})
        )
        .await
        .status(),
        200
    );
    assert!(ends(&app.get_ok(anna, "/me/agenda").await).is_empty());
    app.assert_agenda_index_exact();
}

/// A night shelter's register: bookings for tonight, who came and who did not; the board shows
/// every bed with its occupants, their case file only to those who may read it, and the read
/// is audited with every person shown.
async fn the_night_register_and_the_board_show_who_slept_where(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Dormitorio", "night_shelter", "men").await;
    let a = bed(&app, &o, &f, json!({"unit": "Camera 1", "label": "A"})).await;
    let b = bed(&app, &o, &f, json!({"unit": "Camera 1", "label": "B"})).await;
    bed(&app, &o, &f, json!({"unit": "Camera 2", "label": "C"})).await;
    let (file1, person1) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, person2) = case_of(&app, &o, "Secondo", "male", &[]).await;
    let anna = &o.anna.1;
    let p1 = created(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": a, "from": day(-1), "until": day(2)}),
        )
        .await,
    )
    .await;
    let p2 = created(place(&app, anna, &file2, json!({"bed_id": b})).await).await;
    assert_eq!(p1["tracking"], "night_by_night");
    // Who slept: last night present, tonight absent; not tomorrow; not a night not held.
    let path1 = format!("/placements/{}/attendance", id_of(&p1));
    let r = app
        .post(
            anna,
            &path1,
            &json!({"night": day(-1), "attendance": "present"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            anna,
            &path1,
            &json!({"night": day(0), "attendance": "absent"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.audit(1)[0].action, "placement.attendance");
    assert_eq!(
        app.post(
            anna,
            &path1,
            &json!({"night": day(1), "attendance": "present"})
        )
        .await
        .status(),
        409
    );
    let path2 = format!("/placements/{}/attendance", id_of(&p2));
    assert_eq!(
        app.post(
            anna,
            &path2,
            &json!({"night": day(-1), "attendance": "present"})
        )
        .await
        .status(),
        409
    );
    assert_eq!(app.post(&o.bruno.1, &path2, &json!({})).await.status(), 403);
    // The board of tonight: three beds, two occupied, one did not come.
    let board = app.get_ok(anna, &format!("/facilities/{f}/board")).await;
    assert_eq!(board["night"], day(0));
    assert_eq!(board["places"], 3);
    assert_eq!(board["occupied"], 2);
    let beds = board["beds"].as_array().unwrap();
    assert_eq!(beds.len(), 3);
    assert_eq!(beds[0]["occupants"][0]["person_id"], person1.as_str());
    assert_eq!(beds[0]["occupants"][0]["attendance"], "absent");
    assert_eq!(beds[0]["occupants"][0]["case_file_id"], file1.as_str());
    assert_eq!(beds[1]["occupants"][0]["attendance"], "expected");
    assert!(beds[2]["occupants"].as_array().unwrap().is_empty());
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "facility.board");
    let mut linked: Vec<String> = entry.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    let mut shown = vec![person1.clone(), person2.clone()];
    shown.sort();
    assert_eq!(linked, shown);
    // A colleague outside the team sees who is there (the directory answer), not the files.
    let seen = app
        .get_ok(&o.bruno.1, &format!("/facilities/{f}/board"))
        .await;
    let occupant = &seen["beds"][0]["occupants"][0];
    assert_eq!(occupant["family_names"], "Casa");
    assert_eq!(occupant["case_file_readable"], false);
    assert_eq!(occupant["case_file_id"], Value::Null);
    assert_eq!(occupant["placement_id"], Value::Null);
    // Last night's board keeps who came.
    let last = app
        .get_ok(anna, &format!("/facilities/{f}/board?night={}", day(-1)))
        .await;
    assert_eq!(last["occupied"], 1);
    assert_eq!(last["beds"][0]["occupants"][0]["attendance"], "present");
    // Attendance belongs to night shelters.
    let g = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let c = bed(&app, &o, &g, json!({"unit": "Stanza", "label": "1"})).await;
    let (file3, _) = case_of(&app, &o, "Terzo", "male", &[]).await;
    let p3 = created(place(&app, anna, &file3, json!({"bed_id": c})).await).await;
    let r = app
        .post(
            anna,
            &format!("/placements/{}/attendance", id_of(&p3)),
            &json!({"night": day(0), "attendance": "present"}),
        )
        .await;
    assert_eq!(r.status(), 409);
}

async fn occupancy_counts_places_and_bed_nights(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Dormitorio", "night_shelter", "men").await;
    let a = bed(&app, &o, &f, json!({"unit": "Camera 1", "label": "A"})).await;
    bed(
        &app,
        &o,
        &f,
        json!({"unit": "Camera 1", "label": "W", "season_from": day(2), "season_until": day(4)}),
    )
    .await;
    let (file1, _) = case_of(&app, &o, "Primo", "male", &[]).await;
    let anna = &o.anna.1;
    created(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": a, "from": day(0), "until": day(3)}),
        )
        .await,
    )
    .await;
    let report = app
        .get_ok(
            anna,
            &format!("/facilities/{f}/occupancy?from={}&until={}", day(0), day(5)),
        )
        .await;
    let nights: Vec<(u64, u64)> = report["nights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["places"].as_u64().unwrap(),
                n["occupied"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(nights, [(1, 1), (1, 1), (2, 1), (2, 0), (1, 0)]);
    assert_eq!(report["place_nights"], 7);
    assert_eq!(report["bed_nights"], 3);
    assert_eq!(report["occupancy_rate"], 0.429);
    assert_eq!(
        app.get(
            anna,
            &format!(
                "/facilities/{f}/occupancy?from={}&until={}",
                day(0),
                day(400)
            )
        )
        .await
        .status(),
        400
    );
    // By default the last 30 nights and tonight.
    let default = app
        .get_ok(anna, &format!("/facilities/{f}/occupancy"))
        .await;
    assert_eq!(default["from"], day(-30));
    assert_eq!(default["until"], day(1));
    assert_eq!(default["nights"].as_array().unwrap().len(), 31);
    assert_eq!(default["bed_nights"], 1);
}

/// A person placed through two case files of two areas: each case manager's view of the
/// history holds the placements of the files they may read, and counts the others.
async fn a_housing_history_shows_only_readable_case_files(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let a = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "A"})).await;
    let (file1, person) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (dora_id, dora) = app
        .staff(&o.admin, "dora", &["social_worker"], &["adults_disability"])
        .await;
    let other = created(
        app.post(
            &dora,
            "/case-files",
            &json!({"person_id": person, "area": "adults_disability", "case_manager_id": dora_id}),
        )
        .await,
    )
    .await;
    let file2 = id_of(&other);
    created(
        place(
            &app,
            &o.anna.1,
            &file1,
            json!({"bed_id": a, "from": day(-30), "until": day(-20)}),
        )
        .await,
    )
    .await;
    created(
        place(
            &app,
            &dora,
            &file2,
            json!({"bed_id": a, "from": day(-10), "until": day(-5)}),
        )
        .await,
    )
    .await;
    let mine = app
        .get_ok(&o.anna.1, &format!("/persons/{person}/housing-history"))
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(mine["items"][0]["case_file_id"], file1.as_str());
    assert_eq!(mine["withheld"], 1);
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "person.housing_history");
    assert_eq!(entry.persons[0].to_string(), person);
    let hers = app
        .get_ok(&dora, &format!("/persons/{person}/housing-history"))
        .await;
    assert_eq!(hers["items"][0]["case_file_id"], file2.as_str());
    assert_eq!(hers["withheld"], 1);
    let coordinator = app
        .get_ok(
            &o.coordinator.1,
            &format!("/persons/{person}/housing-history"),
        )
        .await;
    assert_eq!(coordinator["items"][0]["case_file_id"], file1.as_str());
    assert_eq!(
        app.get(&o.bruno.1, &format!("/persons/{person}/housing-history"))
            .await
            .status(),
        403
    );
}

/// Extending a stay books the added nights in the same bed, with the same refusals as placing.
async fn a_stay_is_extended_in_its_bed_when_the_nights_are_free(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let a = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "A"})).await;
    let (file1, _) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, _) = case_of(&app, &o, "Secondo", "male", &[]).await;
    let anna = &o.anna.1;
    let first = created(
        place(
            &app,
            anna,
            &file1,
            json!({"bed_id": a, "from": day(0), "until": day(3)}),
        )
        .await,
    )
    .await;
    created(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": a, "from": day(5), "until": day(7)}),
        )
        .await,
    )
    .await;
    let path = format!("/placements/{}/extensions", id_of(&first));
    assert_eq!(
        app.post(anna, &path, &json!({"until": day(5)}))
            .await
            .status(),
        428
    );
    let (status, p) = problem(
        app.post_if(anna, &path, "\"1\"", &json!({"until": day(2)}))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/until"]);
    let r = app
        .post_if(anna, &path, "\"1\"", &json!({"until": day(5)}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"2\"");
    let extended: Value = r.json().await.unwrap();
    assert_eq!(extended["until"], day(5));
    assert_eq!(app.audit(1)[0].action, "placement.extend");
    // The next night is someone else's.
    let (status, p) = problem(
        app.post_if(anna, &path, "\"2\"", &json!({"until": day(6)}))
            .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains(&day(5)), "{p}");
    // The bed is taken on the added nights.
    let (file3, _) = case_of(&app, &o, "Terzo", "male", &[]).await;
    assert_eq!(
        place(
            &app,
            anna,
            &file3,
            json!({"bed_id": a, "from": day(4), "until": day(5)})
        )
        .await
        .status(),
        409
    );
    // An ended placement is not extended.
    let tpath = format!("/placements/{}/transitions", id_of(&first));
    assert_eq!(
        app.post_if(anna, &tpath, "\"2\"", &json!({"transition": "start"}))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_if(
            anna,
            &tpath,
            "\"3\"",
            &json!({"transition": "end", "exit_destination": "family"})
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.post_if(anna, &path, "\"4\"", &json!({"until": day(9)}))
            .await
            .status(),
        409
    );
}

async fn a_placement_moves_to_another_bed_from_a_night_on(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let a = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "A"})).await;
    let b = bed(&app, &o, &f, json!({"unit": "Stanza 1", "label": "B"})).await;
    let w = facility(&app, &o, "Casa donne", "protected_flat", "women").await;
    let c = bed(&app, &o, &w, json!({"unit": "Camera", "label": "C"})).await;
    let (file1, person1) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, _) = case_of(&app, &o, "Seconda", "female", &[]).await;
    let anna = &o.anna.1;
    let id = id_of(
        &created(
            place(
                &app,
                anna,
                &file1,
                json!({"bed_id": a, "from": day(-2), "until": day(6)}),
            )
            .await,
        )
        .await,
    );
    let tpath = format!("/placements/{id}/transitions");
    let r = app
        .post_if(
            anna,
            &tpath,
            "\"1\"",
            &json!({"transition": "start", "occurred_on": day(-2)}),
        )
        .await;
    assert_eq!(r.status(), 200);
    created(
        place(
            &app,
            anna,
            &file2,
            json!({"bed_id": b, "from": day(0), "until": day(3)}),
        )
        .await,
    )
    .await;
    let path = format!("/placements/{id}/moves");
    let to_b = |from: String| json!({"bed_id": b, "from": from, "reason": "Closer to the stairs"});
    // If-Match is required; the body is judged: its own bed, a night already slept, no reason.
    assert_eq!(app.post(anna, &path, &to_b(day(3))).await.status(), 428);
    let (status, p) = problem(
        app.post_if(anna, &path, "\"2\"", &json!({"bed_id": a, "reason": " "}))
            .await,
    )
    .await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/reason", "/bed_id"]);
    let (status, p) = problem(app.post_if(anna, &path, "\"2\"", &to_b(day(-1))).await).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(pointers(&p), ["/from"]);
    // B is taken on nights 0-2: 409 naming the night; nothing changed.
    let (status, p) = problem(app.post_if(anna, &path, "\"2\"", &to_b(day(1))).await).await;
    assert_eq!(status, 409, "{p}");
    assert!(p["detail"].as_str().unwrap().contains(&day(1)), "{p}");
    assert_eq!(
        app.get_ok(anna, &format!("/placements/{id}")).await["bed_id"],
        a.as_str()
    );
    assert_eq!(
        app.post_if(anna, &path, "\"1\"", &to_b(day(3)))
            .await
            .status(),
        412
    );
    // From night 3 on he sleeps in B; the nights before stay in A, which is free again.
    let r = app.post_if(anna, &path, "\"2\"", &to_b(day(3))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(etag_of(&r), "\"3\"");
    let moved: Value = r.json().await.unwrap();
    assert_eq!(moved["bed_id"], b.as_str());
    assert_eq!(moved["status"], "active");
    assert_eq!(
        (&moved["from"], &moved["until"]),
        (&json!(day(-2)), &json!(day(6)))
    );
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "placement.move");
    assert_eq!(entry.persons[0].to_string(), person1);
    let board = |night: String| {
        let (app, f) = (&app, &f);
        async move {
            let board = app
                .get_ok(anna, &format!("/facilities/{f}/board?night={night}"))
                .await;
            board["beds"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|bed| !bed["occupants"].as_array().unwrap().is_empty())
                .map(|bed| bed["label"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(board(day(2)).await, ["A", "B"]);
    assert_eq!(board(day(3)).await, ["B"]);
    assert!(
        free_beds(&app, anna, &format!("from={}", day(3)))
            .await
            .contains(&a)
    );
    // The history: booked in A, started, moved to B from night 3.
    let history = app.get_ok(anna, &format!("/placements/{id}/history")).await;
    let events: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["booked", "start", "move"]);
    assert_eq!(history["items"][0]["to_bed_id"], a.as_str());
    let last = &history["items"][2];
    assert_eq!(
        (&last["from_bed_id"], &last["to_bed_id"], &last["on"]),
        (&json!(a), &json!(b), &json!(day(3)))
    );
    assert_eq!(last["reason"], "Closer to the stairs");
    // A facility for women does not take him, unless the area's coordinator overrides it.
    let to_c = json!({"bed_id": c, "from": day(4), "reason": "Emergency",
        "override_reason": "Only bed with a lift"});
    let (status, p) = problem(
        app.post_if(
            anna,
            &path,
            "\"3\"",
            &json!({"bed_id": c, "from": day(4), "reason": "Emergency"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 409, "{p}");
    assert_eq!(app.post_if(anna, &path, "\"3\"", &to_c).await.status(), 403);
    let r = app.post_if(&o.coordinator.1, &path, "\"3\"", &to_c).await;
    assert_eq!(r.status(), 200);
    let moved: Value = r.json().await.unwrap();
    assert_eq!(moved["facility_id"], w.as_str());
    // An ended placement does not move.
    let r = app
        .post_if(
            anna,
            &tpath,
            "\"4\"",
            &json!({"transition": "end", "exit_destination": "family"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let (status, p) = problem(app.post_if(anna, &path, "\"5\"", &to_b(day(4))).await).await;
    assert_eq!(status, 409, "{p}");
}

async fn a_bed_loses_a_place_that_holds_only_past_nights(app: TestApp) {
    let o = office(&app).await;
    let f = facility(&app, &o, "Accoglienza", "adult_reception", "mixed").await;
    let room = bed(
        &app,
        &o,
        &f,
        json!({"unit": "Stanza 2", "label": "Famiglia", "capacity": 2}),
    )
    .await;
    let (file1, _) = case_of(&app, &o, "Primo", "male", &[]).await;
    let (file2, _) = case_of(&app, &o, "Secondo", "male", &[]).await;
    let anna = &o.anna.1;
    let stay = json!({"bed_id": room, "from": day(-2), "until": day(3)});
    let first = id_of(&created(place(&app, anna, &file1, stay.clone()).await).await);
    let second = id_of(&created(place(&app, anna, &file2, stay).await).await);
    // The second person (place 1) came and left today: the nights before stay in the register.
    let path = format!("/placements/{second}/transitions");
    let start = json!({"transition": "start", "occurred_on": day(-2)});
    assert_eq!(
        app.post_if(anna, &path, "\"1\"", &start).await.status(),
        200
    );
    let end = json!({"transition": "end", "exit_destination": "family"});
    assert_eq!(app.post_if(anna, &path, "\"2\"", &end).await.status(), 200);
    // The room becomes a single: place 1 holds only past nights, so it may go.
    let r = app
        .put_if(
            &o.clerk.1,
            &format!("/beds/{room}"),
            Some("\"1\""),
            &json!({"unit": "Stanza 2", "label": "Famiglia", "capacity": 1}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let occupancy = app
        .get_ok(
            anna,
            &format!(
                "/facilities/{f}/occupancy?from={}&until={}",
                day(-2),
                day(0)
            ),
        )
        .await;
    assert_eq!(occupancy["bed_nights"], 4, "{occupancy}");
    // Tonight the first person holds its one place; when they leave, it is free again.
    assert!(!free_beds(&app, anna, "").await.contains(&room));
    let path = format!("/placements/{first}/transitions");
    assert_eq!(
        app.post_if(anna, &path, "\"1\"", &start).await.status(),
        200
    );
    assert_eq!(app.post_if(anna, &path, "\"2\"", &end).await.status(), 200);
    let page = app.get_ok(anna, "/free-beds").await;
    let found = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["bed_id"] == room.as_str())
        .unwrap()
        .clone();
    assert_eq!(found["free_places"], 1);
}
