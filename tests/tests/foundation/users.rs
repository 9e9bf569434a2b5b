//! Staff account administration and its authorization.

use serde_json::{Value, json};
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    admin_creates_reads_and_lists_accounts,
    only_system_admins_administer_accounts,
    update_changes_profile_and_protects_the_caller,
    disabling_cuts_off_tokens_at_once,
    list_is_paginated_with_a_stable_cursor,
    nobody_changes_their_own_roles_and_admins_stand_alone,
    role_and_state_changes_are_audited_with_before_and_after,
    patch_needs_the_current_etag,
    concurrent_patches_with_one_etag_let_one_win,
    writes_on_accounts_are_idempotent,
    refusals_come_before_bodies_queries_and_keys,
);

/// A caller whose roles do not allow administering accounts or reading the audit trail is
/// refused (403, recorded) whatever the body, the query or the idempotency key, and nothing
/// is written: the decision is the first thing the request's transaction does.
async fn refusals_come_before_bodies_queries_and_keys(app: TestApp) {
    let admin = app.admin_token().await;
    let target = app
        .create_user(&admin, "target", &["educator"], &["transversal"])
        .await;
    let id = target["id"].as_str().unwrap();
    app.create_user(&admin, "sworker", &["social_worker"], &["social_inclusion"])
        .await;
    let (token, _) = app.tokens("sworker", &user_password("sworker")).await;
    let accounts = |app: &TestApp| {
        app.db()
            .read(|c| {
                use diesel::prelude::*;
                Ok(socialcare_persistence::schema::users::table
                    .count()
                    .get_result::<i64>(c)?)
            })
            .unwrap()
    };
    let before = accounts(&app);
    let person = uuid::Uuid::now_v7();
    let calls = [
        app.client.get(app.api("/users?limit=0&cursor=%25%25")),
        app.client
            .post(app.api("/users"))
            .header("content-type", "application/json")
            .body("{\"username\": 4"),
        app.client
            .post(app.api("/users"))
            .header("content-type", "text/plain")
            .body("hello"),
        app.client
            .post(app.api("/users"))
            .header("idempotency-key", "not a valid key")
            .json(&json!({"username": "new.one", "display_name": "New", "email": "n@example.it",
                "password": "correct horse battery", "roles": ["educator"], "areas": ["transversal"]})),
        app.client
            .patch(app.api(&format!("/users/{id}")))
            .header("content-type", "application/merge-patch+json")
            .body("{\"email\": 5}"),
        app.client
            .post(app.api(&format!("/users/{id}/disable")))
            .header("idempotency-key", "not a valid key"),
        app.client.get(app.api("/audit-records?limit=0")),
        app.client
            .get(app.api(&format!("/persons/{person}/access-report?from=yesterday"))),
    ];
    for call in calls {
        let r = call.bearer_auth(&token).send().await.unwrap();
        let url = r.url().to_string();
        assert_eq!(r.status(), 403, "{url}");
        let record = &app.audit(1)[0];
        assert_eq!(record.outcome, "denied", "{url}");
        assert_eq!(record.actor_username.as_deref(), Some("sworker"), "{url}");
    }
    assert_eq!(accounts(&app), before);
    let r = app
        .client
        .get(app.api(&format!("/users/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let account: Value = r.json().await.unwrap();
    assert_eq!(account["active"], true);
    assert_eq!(account["version"], target["version"]);
}

async fn admin_creates_reads_and_lists_accounts(app: TestApp) {
    let admin = app.admin_token().await;
    let r = app
        .client
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({
            "username": "  M.Rossi ", "display_name": "Maria Rossi", "email": "M.Rossi@Comune.Example.IT",
            "password": "correct horse battery", "roles": ["social_worker", "area_coordinator", "social_worker"],
            "areas": ["social_inclusion"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/users/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["username"], "m.rossi");
    assert_eq!(created["email"], "m.rossi@comune.example.it");
    assert_eq!(
        created["roles"],
        json!(["social_worker", "area_coordinator"])
    );
    assert_eq!(created["areas"], json!(["social_inclusion"]));
    assert_eq!(created["active"], true);
    assert!(created["disabled_at"].is_null());
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());

    // The row and the audit record exist; the password is stored as argon2id only.
    let id = uuid::Uuid::parse_str(created["id"].as_str().unwrap()).unwrap();
    let (stored, hash) = app
        .db()
        .read(|c| {
            socialcare_persistence::users::find_credentials(
                c,
                &socialcare_domain::Username::parse("m.rossi").unwrap(),
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(stored.id, id);
    assert!(hash.starts_with("$argon2id$"));
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "user.create");
    assert_eq!(record.resource_id.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(record.actor_roles, "system_admin");

    // The new user can log in.
    app.tokens("m.rossi", "correct horse battery").await;

    let read: Value = app
        .client
        .get(app.api(&format!("/users/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read, created);
    assert_eq!(app.audit(1)[0].action, "user.read");

    let missing = app
        .client
        .get(app.api(&format!("/users/{}", uuid::Uuid::now_v7())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let list: Value = app
        .client
        .get(app.api("/users?role=area_coordinator"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["username"], "m.rossi");
    assert!(list["next"].is_null());
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "user.list");
    assert!(record.details.as_deref().unwrap().contains(&id.to_string()));
}

async fn only_system_admins_administer_accounts(app: TestApp) {
    let admin = app.admin_token().await;
    let target = app
        .create_user(&admin, "target", &["educator"], &["transversal"])
        .await;
    let id = target["id"].as_str().unwrap();
    for (name, roles, areas) in [
        ("sworker", vec!["social_worker"], vec!["social_inclusion"]),
        ("educ", vec!["educator"], vec!["transversal"]),
        ("coord", vec!["area_coordinator"], vec!["adults_disability"]),
        ("manager", vec!["office_manager"], vec![]),
        ("clerk", vec!["administrative"], vec![]),
        ("dpo", vec!["privacy_officer"], vec![]),
    ] {
        app.create_user(&admin, name, &roles, &areas).await;
        let (token, _) = app.tokens(name, &user_password(name)).await;
        let calls = [
            app.client.get(app.api("/users")),
            app.client.get(app.api(&format!("/users/{id}"))),
            app.client.post(app.api("/users")).json(&json!({})),
            app.client
                .patch(app.api(&format!("/users/{id}")))
                .header("content-type", "application/merge-patch+json")
                .body("{}"),
            app.client.post(app.api(&format!("/users/{id}/disable"))),
            app.client.post(app.api(&format!("/users/{id}/enable"))),
        ];
        for call in calls {
            let r = call.bearer_auth(&token).send().await.unwrap();
            assert_eq!(r.status(), 403, "{name}");
            let record = &app.audit(1)[0];
            assert_eq!(record.outcome, "denied");
            assert_eq!(record.actor_username.as_deref(), Some(name));
        }
        // Everyone may read their own account.
        let me: Value = app
            .client
            .get(app.api("/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], name);
    }
    // Nothing was changed by the refused calls.
    let after: Value = app
        .client
        .get(app.api(&format!("/users/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(after["active"], true);
    assert_eq!(after["updated_at"], target["updated_at"]);
}

/// PATCH with the given `If-Match` (none when `None`).
async fn patch_if(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .patch(app.api(&format!("/users/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(tag) = if_match {
        request = request.header("if-match", tag);
    }
    request.send().await.unwrap()
}

/// The account's current `ETag`, read with `token` (none when it cannot be read).
async fn etag_of(app: &TestApp, token: &str, id: &str) -> Option<String> {
    let r = app
        .client
        .get(app.api(&format!("/users/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    r.headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// PATCH with the account's current `ETag`.
async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    let tag = etag_of(app, token, id).await;
    patch_if(app, token, id, tag.as_deref(), body).await
}

/// The roles stored for an account, read from the database.
fn stored_roles(app: &TestApp, id: &str) -> Vec<String> {
    let id = uuid::Uuid::parse_str(id).unwrap();
    let user = app
        .db()
        .read(|c| socialcare_persistence::users::find(c, id))
        .unwrap()
        .unwrap();
    user.profile
        .roles()
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect()
}

async fn my_id(app: &TestApp, token: &str) -> String {
    let me: Value = app
        .client
        .get(app.api("/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    me["id"].as_str().unwrap().to_owned()
}

async fn update_changes_profile_and_protects_the_caller(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "luca", &["educator"], &["transversal"])
        .await;
    let id = user["id"].as_str().unwrap();

    let r = patch(
        &app,
        &admin,
        id,
        json!({"roles": ["social_worker"], "display_name": "Luca Verdi"}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let updated: Value = r.json().await.unwrap();
    assert_eq!(updated["roles"], json!(["social_worker"]));
    assert_eq!(updated["areas"], json!(["transversal"]));
    assert_eq!(updated["display_name"], "Luca Verdi");
    assert_ne!(updated["updated_at"], user["updated_at"]);
    assert_eq!(app.audit(1)[0].action, "user.update");

    // The domain rule on areas applies to the merged profile.
    let r = patch(&app, &admin, id, json!({"areas": []})).await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/areas");

    // Wrong media type and unknown members are refused.
    let r = app
        .client
        .patch(app.api(&format!("/users/{id}")))
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    assert_eq!(
        patch(&app, &admin, id, json!({"password": "x"}))
            .await
            .status(),
        422
    );

    // An administrator cannot demote or disable themself.
    let my_id = &my_id(&app, &admin).await;
    let r = patch(&app, &admin, my_id, json!({"roles": ["office_manager"]})).await;
    assert_eq!(r.status(), 403);
    let r = app
        .client
        .post(app.api(&format!("/users/{my_id}/disable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let me_after: Value = app
        .client
        .get(app.api("/me"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me_after["roles"], json!(["system_admin"]));
    assert_eq!(me_after["active"], true);

    let r = patch(
        &app,
        &admin,
        &uuid::Uuid::now_v7().to_string(),
        json!({"display_name": "x"}),
    )
    .await;
    assert_eq!(r.status(), 404);
}

async fn disabling_cuts_off_tokens_at_once(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "giulia", &["administrative"], &[])
        .await;
    let id = user["id"].as_str().unwrap();
    let (access, refresh) = app.tokens("giulia", &user_password("giulia")).await;

    let r = app
        .client
        .post(app.api(&format!("/users/{id}/disable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disabled: Value = r.json().await.unwrap();
    assert_eq!(disabled["active"], false);
    assert!(disabled["disabled_at"].is_string());
    assert_eq!(app.audit(1)[0].action, "user.disable");

    let me = app
        .client
        .get(app.api("/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 401);
    let refreshed = app
        .client
        .post(app.api("/auth/refresh"))
        .json(&json!({"refresh_token": refresh}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 401);
    assert_eq!(
        app.login("giulia", &user_password("giulia")).await.status(),
        401
    );

    // Disabling again is idempotent; enabling lets the user back in.
    let again = app
        .client
        .post(app.api(&format!("/users/{id}/disable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let enabled: Value = app
        .client
        .post(app.api(&format!("/users/{id}/enable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(enabled["active"], true);
    assert!(enabled["disabled_at"].is_null());
    app.tokens("giulia", &user_password("giulia")).await;
}

async fn list_is_paginated_with_a_stable_cursor(app: TestApp) {
    let admin = app.admin_token().await;
    for name in ["u05", "u01", "u04", "u02", "u03"] {
        app.create_user(&admin, name, &["office_manager"], &[])
            .await;
    }
    let mut seen = Vec::new();
    let mut next = Some("/api/v1/users?limit=2&role=office_manager".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page: Value = app
            .client
            .get(format!("{}{path}", app.address))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            seen.push(item["username"].as_str().unwrap().to_owned());
        }
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!(seen, vec!["u01", "u02", "u03", "u04", "u05"]);
    assert_eq!(pages, 3);
    let bad = app
        .client
        .get(app.api("/users?cursor=%25%25%25"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

async fn nobody_changes_their_own_roles_and_admins_stand_alone(app: TestApp) {
    let admin = app.admin_token().await;
    let admin_id = my_id(&app, &admin).await;

    // Self-promotion: refused with 403 whatever the new roles, and nothing is stored.
    for roles in [
        json!(["system_admin", "office_manager"]),
        json!(["office_manager"]),
        json!(["privacy_officer"]),
    ] {
        let r = patch(&app, &admin, &admin_id, json!({ "roles": roles })).await;
        assert_eq!(r.status(), 403, "{roles}");
        let problem: Value = r.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("cannot change your own roles or areas"),
            "{problem}"
        );
        assert_eq!(stored_roles(&app, &admin_id), vec!["system_admin"]);
        let record = &app.audit(1)[0];
        assert_eq!(record.action, "user.update");
        assert_eq!(record.outcome, "denied");
        assert_eq!(record.resource_id.as_deref(), Some(admin_id.as_str()));
    }
    // Areas too.
    let r = patch(&app, &admin, &admin_id, json!({"areas": ["transversal"]})).await;
    assert_eq!(r.status(), 403);
    // The audit trail stays closed to the administrator.
    let r = app
        .client
        .get(app.api("/audit-records"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Their own display name, and the same roles sent again, are fine.
    let r = patch(
        &app,
        &admin,
        &admin_id,
        json!({"roles": ["system_admin"], "display_name": "Amministratore"}),
    )
    .await;
    assert_eq!(r.status(), 200);

    // A second administrator cannot be given case or audit roles either: 422 on /roles, on
    // creation and on update, and nothing is stored.
    for role in [
        "social_worker",
        "educator",
        "area_coordinator",
        "office_manager",
        "administrative",
        "privacy_officer",
    ] {
        let r = app
            .client
            .post(app.api("/users"))
            .bearer_auth(&admin)
            .json(&json!({
                "username": "mixed", "display_name": "Mixed", "email": "mixed@comune.example.it",
                "password": "correct horse battery", "roles": ["system_admin", role],
                "areas": ["social_inclusion"]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{role}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["errors"][0]["pointer"], "/roles", "{role}");
    }
    let count = app.db().read(socialcare_persistence::users::count).unwrap();
    assert_eq!(count, 1);
    let other = app
        .create_user(&admin, "second", &["system_admin"], &[])
        .await;
    let other_id = other["id"].as_str().unwrap();
    let r = patch(
        &app,
        &admin,
        other_id,
        json!({"roles": ["system_admin", "office_manager"]}),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["pointer"],
        "/roles"
    );
    assert_eq!(stored_roles(&app, other_id), vec!["system_admin"]);
    // Another administrator may change them into a manager (no longer an administrator).
    let r = patch(&app, &admin, other_id, json!({"roles": ["office_manager"]})).await;
    assert_eq!(r.status(), 200);
    assert_eq!(stored_roles(&app, other_id), vec!["office_manager"]);
}

fn details_of(app: &TestApp) -> Value {
    serde_json::from_str(app.audit(1)[0].details.as_deref().unwrap()).unwrap()
}

async fn role_and_state_changes_are_audited_with_before_and_after(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "paola", &["educator"], &["transversal"])
        .await;
    let id = user["id"].as_str().unwrap();
    let created = &app.audit(1)[0];
    assert_eq!(created.action, "user.create");
    let details = details_of(&app);
    assert_eq!(details["roles"]["after"], json!(["educator"]));
    assert_eq!(details["areas"]["after"], json!(["transversal"]));

    let r = patch(
        &app,
        &admin,
        id,
        json!({"roles": ["social_worker", "area_coordinator"], "areas": ["social_inclusion", "transversal"]}),
    )
    .await;
    assert_eq!(r.status(), 200);
    let record = &app.audit(1)[0];
    assert_eq!(record.action, "user.update");
    assert_eq!(record.outcome, "success");
    let details = details_of(&app);
    assert_eq!(details["roles"]["before"], json!(["educator"]));
    assert_eq!(
        details["roles"]["after"],
        json!(["social_worker", "area_coordinator"])
    );
    assert_eq!(details["areas"]["before"], json!(["transversal"]));
    assert_eq!(
        details["areas"]["after"],
        json!(["social_inclusion", "transversal"])
    );
    assert_eq!(details["changed"], json!(["roles", "areas"]));

    let r = app
        .client
        .post(app.api(&format!("/users/{id}/disable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.audit(1)[0].action, "user.disable");
    assert_eq!(
        details_of(&app),
        json!({"active": {"before": true, "after": false}})
    );
    let r = app
        .client
        .post(app.api(&format!("/users/{id}/enable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.audit(1)[0].action, "user.enable");
    assert_eq!(
        details_of(&app),
        json!({"active": {"before": false, "after": true}})
    );
}

async fn patch_needs_the_current_etag(app: TestApp) {
    let admin = app.admin_token().await;
    let r = app
        .client
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({
            "username": "sara", "display_name": "Sara", "email": "sara@comune.example.it",
            "password": "correct horse battery", "roles": ["administrative"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let user: Value = r.json().await.unwrap();
    assert_eq!(user["version"], 1);
    let id = user["id"].as_str().unwrap();
    assert_eq!(etag_of(&app, &admin, id).await.as_deref(), Some("\"1\""));

    let change = json!({"display_name": "Sara Neri"});
    let r = patch_if(&app, &admin, id, None, change.clone()).await;
    assert_eq!(r.status(), 428);
    let r = patch_if(&app, &admin, id, Some("\"0\""), change.clone()).await;
    assert_eq!(r.status(), 412);
    let r = patch_if(&app, &admin, id, Some("W/\"1\""), change.clone()).await;
    assert_eq!(r.status(), 412);
    // An empty `If-Match` is malformed (400 naming it), not a stale version (412).
    let r = patch_if(&app, &admin, id, Some(""), change.clone()).await;
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["parameter"],
        "If-Match"
    );
    // Nothing changed so far.
    assert_eq!(app.audit(1)[0].action, "user.read");
    let r = patch_if(&app, &admin, id, Some("\"1\""), change.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    assert_eq!(r.json::<Value>().await.unwrap()["version"], 2);
    // The old ETag is now stale.
    let r = patch_if(
        &app,
        &admin,
        id,
        Some("\"1\""),
        json!({"display_name": "Old"}),
    )
    .await;
    assert_eq!(r.status(), 412);

    // `If-Match: *` matches whatever the current version (RFC 9110): the change proceeds.
    let r = patch_if(
        &app,
        &admin,
        id,
        Some("*"),
        json!({"display_name": "Sara N."}),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"3\"");
    assert_eq!(r.json::<Value>().await.unwrap()["display_name"], "Sara N.");
    // ... but not on an account that does not exist.
    let r = patch_if(
        &app,
        &admin,
        &uuid::Uuid::now_v7().to_string(),
        Some("*"),
        json!({"display_name": "x"}),
    )
    .await;
    assert_eq!(r.status(), 404);

    // Disabling changes the version too.
    let r = app
        .client
        .post(app.api(&format!("/users/{id}/disable")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"4\"");
}

async fn concurrent_patches_with_one_etag_let_one_win(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app
        .create_user(&admin, "marta", &["educator"], &["transversal"])
        .await;
    let id = user["id"].as_str().unwrap().to_owned();
    let requests = (0..20).map(|i| {
        let app = &app;
        let admin = &admin;
        let id = &id;
        async move {
            patch_if(
                app,
                admin,
                id,
                Some("\"1\""),
                json!({ "display_name": format!("Marta {i}") }),
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(requests).await;
    let won = statuses.iter().filter(|s| **s == 200).count();
    let lost = statuses.iter().filter(|s| **s == 412).count();
    assert_eq!((won, lost), (1, 19), "{statuses:?}");
    let read: Value = app
        .client
        .get(app.api(&format!("/users/{id}")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["version"], 2);
}

async fn writes_on_accounts_are_idempotent(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({
        "username": "nina", "display_name": "Nina", "email": "nina@comune.example.it",
        "password": "correct horse battery", "roles": ["administrative"]
    });
    let create = |key: &'static str, body: Value| {
        app.client
            .post(app.api("/users"))
            .bearer_auth(&admin)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = create("create-nina-1", body.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].clone();
    let first_body: Value = first.json().await.unwrap();
    let again = create("create-nina-1", body.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["etag"], "\"1\"");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    // One account, one audit record of its creation.
    let count = app.db().read(socialcare_persistence::users::count).unwrap();
    assert_eq!(count, 2);
    let creations = app
        .audit(20)
        .into_iter()
        .filter(|r| r.action == "user.create")
        .count();
    assert_eq!(creations, 1);
    // The same key with another body is refused; a malformed key is 400.
    let mut other = body.clone();
    other["username"] = json!("nina2");
    let r = create("create-nina-1", other).await.unwrap();
    assert_eq!(r.status(), 422);
    let r = create("bad key", body.clone()).await.unwrap();
    assert_eq!(r.status(), 400);

    // Disable and enable replay too.
    let id = first_body["id"].as_str().unwrap();
    let disable = || {
        app.client
            .post(app.api(&format!("/users/{id}/disable")))
            .bearer_auth(&admin)
            .header("idempotency-key", "disable-nina")
            .send()
    };
    let r = disable().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("idempotent-replayed").is_none());
    let r = disable().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    assert_eq!(r.json::<Value>().await.unwrap()["active"], false);
    let disables = app
        .audit(20)
        .into_iter()
        .filter(|r| r.action == "user.disable")
        .count();
    assert_eq!(disables, 1);
}
