//! Staff account administration and its authorization.

use serde_json::{Value, json};
use socialcare_tests::{TestApp, on_both_engines, user_password};

on_both_engines!(
    admin_creates_reads_and_lists_accounts,
    only_system_admins_administer_accounts,
    update_changes_profile_and_protects_the_caller,
    disabling_cuts_off_tokens_at_once,
    list_is_paginated_with_a_stable_cursor,
);

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

async fn patch(app: &TestApp, token: &str, id: &str, body: Value) -> reqwest::Response {
    app.client
        .patch(app.api(&format!("/users/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
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
    let my_id = me["id"].as_str().unwrap();
    let r = patch(&app, &admin, my_id, json!({"roles": ["office_manager"]})).await;
    assert_eq!(r.status(), 409);
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
