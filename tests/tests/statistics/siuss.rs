//! The export of the benefits granted to the national register of social benefits (INPS
//! SIUSS): the preview, the export recorded and given again byte for byte, the refusals, who
//! may, the audit of each download.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use socialcare_tests::TestApp;
use socialcare_tests::http::{created, day, id_of};

use crate::{Office, office};

/// Mario Rossi (with his tax code) and Luca Senzacodice (none), each with a file of anna's and
/// a benefit running today: ISEE-dependent money for Mario, a service for Luca. Returns
/// `(mario, luca)`.
async fn two_benefits(app: &TestApp, o: &Office) -> (String, String) {
    let (anna_id, anna) = &o.anna;
    let mut persons = Vec::new();
    for (given, family, tax_code) in [
        ("Mario", "Rossi", Some("RSSMRA85T10A562S")),
        ("Luca", "Senzacodice", None),
    ] {
        let mut body = json!({"given_names": given, "family_names": family});
        if let Some(code) = tax_code {
            body["tax_code"] = json!(code);
            body["birth_date"] = json!("1985-12-10");
            body["sex"] = json!("male");
        }
        let person = id_of(&created(app.post(anna, "/persons", &body).await).await);
        let file = id_of(
            &app.open_case_file(anna, &person, "social_inclusion", anna_id, Some(&day(-30)))
                .await,
        );
        let benefit = if tax_code.is_some() {
            json!({"code": "F2", "form": "economic", "amount": "250.00",
                "frequency": "monthly", "isee_dependent": true, "isee": "6850.00",
                "dsu_protocol": "INPS-ISEE-2026-12345678X-00", "from_on": day(-3),
                "until_on": day(180), "decision_ref": "Determina 123/2026", "decision_on": day(-5)})
        } else {
            json!({"code": "C3", "form": "in_kind", "from_on": day(-1),
                "decision_ref": "Determina 124/2026", "decision_on": day(-2)})
        };
        created(
            app.post(anna, &format!("/case-files/{file}/benefits"), &benefit)
                .await,
        )
        .await;
        persons.push(person);
    }
    (persons[0].clone(), persons[1].clone())
}

fn persons_of(app: &TestApp) -> Vec<String> {
    app.audit_entries(1)
        .remove(0)
        .persons
        .iter()
        .map(ToString::to_string)
        .collect()
}

pub async fn a_period_is_exported_with_its_refusals_and_given_again_identically(app: TestApp) {
    let o = office(&app).await;
    let (mario, luca) = two_benefits(&app, &o).await;
    let period = &day(0)[..7];

    // The preview: one record, Luca refused for his missing tax code.
    let preview = app
        .get_ok(
            &o.clerk.1,
            &format!("/siuss-exports/preview?period={period}"),
        )
        .await;
    assert_eq!(preview["records"], 1);
    assert_eq!(preview["refused"][0]["person_id"], json!(luca));
    assert_eq!(
        preview["refused"][0]["reasons"][0]["field"],
        "codice_fiscale"
    );
    assert_eq!(app.audit(1)[0].action, "siuss.preview");
    assert_eq!(persons_of(&app), [luca.as_str()]);

    // The export: recorded, with its file.
    let r = app
        .post(&o.manager.1, "/siuss-exports", &json!({"period": period}))
        .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let export = created(r).await;
    assert_eq!(export["records"], 1);
    assert_eq!(export["body_code"], "TEST0001");
    assert_eq!(export["refused"].as_array().unwrap().len(), 1);
    assert_eq!(
        location,
        format!("/api/v1/siuss-exports/{}", id_of(&export))
    );
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "siuss.export");
    let mut both = vec![mario.clone(), luca.clone()];
    both.sort();
    let mut linked: Vec<String> = entry.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    assert_eq!(linked, both, "the persons of the file and of the refusals");

    // The file: the same bytes at every download, whose SHA-256 the export states.
    let path = export["file"]
        .as_str()
        .unwrap()
        .trim_start_matches("/api/v1")
        .to_owned();
    assert_eq!(path, format!("/siuss-exports/{}/file", id_of(&export)));
    let first = app.get(&o.clerk.1, &path).await;
    assert_eq!(first.status(), 200);
    assert!(
        first.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let first = first.text().await.unwrap();
    let second = app.get(&o.manager.1, &path).await.text().await.unwrap();
    assert_eq!(first, second);
    let digest: String = Sha256::digest(first.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(export["sha256"], json!(digest));
    let lines: Vec<&str> = first.split("\r\n").collect();
    assert!(lines[0].starts_with("codice_ente;id_prestazione;codice_fiscale;"));
    assert_eq!(
        lines.len(),
        3,
        "a header, Mario's record, the final CRLF: {first}"
    );
    assert!(lines[1].starts_with("TEST0001;"), "{first}");
    assert!(
        lines[1].contains(";RSSMRA85T10A562S;cisis-2013-draft;F2;"),
        "{first}"
    );
    assert!(
        lines[1].contains(";PSA;economic;250,00;monthly;"),
        "{first}"
    );
    assert!(lines[1].contains(";6850,00;INPS-ISEE-2026-12345678X-00;Determina 123/2026;"));
    assert_eq!(app.audit(1)[0].action, "siuss.download");
    assert_eq!(persons_of(&app), [mario.as_str()]);

    // The same period again: the same file.
    let again = created(
        app.post(&o.manager.1, "/siuss-exports", &json!({"period": period}))
            .await,
    )
    .await;
    assert_eq!(again["sha256"], export["sha256"]);
    assert_ne!(again["id"], export["id"]);
    let list = app.get_ok(&o.manager.1, "/siuss-exports").await;
    // The refusals in the page name Luca: the list's record links him.
    assert_eq!(app.audit(1)[0].action, "siuss.list");
    assert_eq!(persons_of(&app), [luca.as_str()]);
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, [&again["id"], &export["id"]], "newest first");
    let page = app.get_ok(&o.manager.1, "/siuss-exports?limit=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let next = page["next"].as_str().unwrap().trim_start_matches("/api/v1");
    let rest = app.get_ok(&o.manager.1, next).await;
    assert_eq!(rest["items"][0]["id"], export["id"]);
    let read = app
        .get_ok(&o.clerk.1, &format!("/siuss-exports/{}", id_of(&export)))
        .await;
    assert_eq!(read["sha256"], export["sha256"]);

    // A period without benefits: an empty file, still recorded.
    let empty = created(
        app.post(&o.manager.1, "/siuss-exports", &json!({"period": "2001"}))
            .await,
    )
    .await;
    assert_eq!(
        (empty["records"].clone(), empty["refused"].clone()),
        (json!(0), json!([]))
    );
}

pub async fn only_the_office_manager_and_clerks_export(app: TestApp) {
    let o = office(&app).await;
    for token in [&o.anna.1, &o.coordinator.1, &o.tina.1] {
        assert_eq!(
            app.get(token, "/siuss-exports/preview?period=2026")
                .await
                .status(),
            403
        );
        // Refused before the body is judged.
        assert_eq!(
            app.post(token, "/siuss-exports", &json!({"period": "nonsense"}))
                .await
                .status(),
            403
        );
        assert_eq!(app.get(token, "/siuss-exports").await.status(), 403);
    }
    let r = app
        .post(
            &o.manager.1,
            "/siuss-exports",
            &json!({"period": "2026-13"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors"][0]["pointer"], "/period");
    let r = app
        .get(
            &o.manager.1,
            "/siuss-exports/01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f",
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        app.get(&o.manager.1, "/siuss-exports/preview?period=1999")
            .await
            .status(),
        400
    );
}

pub async fn without_the_body_code_no_file_is_made(app: TestApp) {
    let app = TestApp::spawn_with(app.engine, &["--siuss-body-code", ""])
        .await
        .unwrap();
    let o = office(&app).await;
    let r = app
        .post(&o.manager.1, "/siuss-exports", &json!({"period": "2026"}))
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("SOCIALCARE_SIUSS_BODY_CODE")
    );
    // The check needs no code.
    assert_eq!(
        app.get(&o.manager.1, "/siuss-exports/preview?period=2026")
            .await
            .status(),
        200
    );
}
