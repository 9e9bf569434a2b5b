//! The bulk import of persons, households and open case files from CSV: the dry run changes
//! nothing and says why each refused row is refused, the import registers exactly the rows that
//! pass (with their households and case files) and records what became of each line, the same
//! file is never imported twice (also sent at once to two servers), an interrupted import goes
//! on from its next batch, who may, and bad files are 4xx.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use socialcare_persistence::StoreError;
use socialcare_persistence::imports::{self, NewImport};
use socialcare_persistence::schema::{case_files, household_members, households, persons};
use socialcare_tests::TestApp;
use socialcare_tests::http::{created, id_of};
use uuid::Uuid;

use crate::{Office, office};

const HEADER: &str = "given_names;family_names;birth_date;sex;tax_code;household;\
household_relationship;case_area;case_target_groups;case_opened_on;case_manager;\
confirm_new_person";

/// (persons, households, case files) in the database.
fn counts(app: &TestApp) -> (i64, i64, i64) {
    app.db()
        .read(|c| {
            Ok((
                persons::table.count().get_result(c)?,
                households::table.count().get_result(c)?,
                case_files::table.count().get_result(c)?,
            ))
        })
        .unwrap()
}

async fn post_csv(app: &TestApp, token: &str, path: &str, csv: &str) -> reqwest::Response {
    app.call(Method::POST, token, path)
        .raw(csv.to_owned(), "text/csv")
        .send()
        .await
}

/// Luca Rossi, registered with his tax code and birth date, and Carla Neri (born 1970-05-05),
/// both by anna; then the file: a household of two with a case file for its reference person
/// (lines 2-3; his tax code encodes another birth year than Giovanni's row), Luca again by tax code (4), an impossible birth date (5), tina as case manager
/// in an area not hers (6), Carla again by name and birth date (7) and once more confirmed as a
/// new person (8).
async fn registered_and_file(app: &TestApp, o: &Office) -> (String, String, String) {
    let anna = &o.anna.1;
    let luca = id_of(
        &created(
            app.post(
                anna,
                "/persons",
                &json!({"given_names": "Luca", "family_names": "Rossi",
                    "tax_code": "RSSLCU60D15L378Y", "birth_date": "1960-04-15", "sex": "male"}),
            )
            .await,
        )
        .await,
    );
    let carla = id_of(
        &created(
            app.post(
                anna,
                "/persons",
                &json!({"given_names": "Carla", "family_names": "Neri",
                    "birth_date": "1970-05-05"}),
            )
            .await,
        )
        .await,
    );
    let csv = format!(
        "{HEADER}\n\
         Anna;Verdi;1980-01-01;F;VRDNNA80A41L378F;FAM1;reference_person;social_inclusion;homeless|adult_in_need;2025-03-01;anna;\n\
         Giovanni;Bianchi;12/02/1976;M;BNCGNN75B12L378Z;FAM1;spouse;;;;;\n\
         Luca;Rossi;1960-04-15;M;RSSLCU60D15L378Y;;;;;;;\n\
         Paola;Neri;2999-01-01;F;;;;;;;;\n\
         Piero;Gialli;1950-01-01;M;;;;social_inclusion;homeless;2025-01-01;tina;\n\
         Carla;Neri;05/05/1970;F;;;;;;;;\n\
         Carla;Neri;1970-05-05;F;;;;;;;;si\n"
    );
    (luca, carla, csv)
}

/// The dry run judges every row as the import would, names the registered persons a row may
/// be, and writes nothing but its audit record (which links those persons).
pub(crate) async fn a_dry_run_judges_every_row_and_changes_nothing(app: TestApp) {
    let o = office(&app).await;
    let (luca, carla, csv) = registered_and_file(&app, &o).await;
    let before = counts(&app);
    let response = post_csv(&app, &o.manager.1, "/imports/dry-run", &csv).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["rows"], 7, "{report}");
    assert_eq!(report["valid"], 3, "{report}");
    assert_eq!(report["refused"], 4);
    assert_eq!(report["households"], 1);
    assert_eq!(report["case_files"], 1);
    assert_eq!(report["batches"], 1);
    assert_eq!(report["delimiter"], ";");
    assert_eq!(report["import_id"], Value::Null);
    let refused = report["refused_lines"].as_array().unwrap();
    let lines: Vec<i64> = refused
        .iter()
        .map(|l| l["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![4, 5, 6, 7]);
    assert_eq!(refused[0]["problems"][0]["column"], "tax_code");
    assert_eq!(refused[0]["candidates"], json!([luca]));
    assert_eq!(refused[1]["problems"][0]["column"], "birth_date");
    assert_eq!(refused[2]["problems"][0]["column"], "case_manager");
    assert_eq!(refused[3]["candidates"], json!([carla]));
    // Giovanni's tax code says 1975, his row 1976: imported as given, with a warning.
    assert_eq!(
        report["warned_lines"],
        json!([{"line": 3, "warnings": [{"column": "birth_date",
            "reason": "the tax code encodes another birth date"}]}])
    );
    assert_eq!(counts(&app), before, "a dry run writes nothing");
    let record = app.audit_entries(1).remove(0);
    assert_eq!(record.action, "import.dry_run");
    let mut linked: Vec<String> = record.persons.iter().map(ToString::to_string).collect();
    linked.sort();
    let mut expected = vec![luca, carla];
    expected.sort();
    assert_eq!(linked, expected);
    let imports = app.get_ok(&o.manager.1, "/imports").await;
    assert_eq!(imports["items"], json!([]));
}

/// The import registers the rows that pass, with their household and case file, records each
/// line, audits the batch with its persons; the same file again imports nothing.
pub(crate) async fn an_import_registers_the_rows_that_pass_and_the_same_file_nothing_more(
    app: TestApp,
) {
    let o = office(&app).await;
    let (_, _, csv) = registered_and_file(&app, &o).await;
    let before = counts(&app);
    let response = post_csv(&app, &o.manager.1, "/imports", &csv).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let import: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/imports/{}", import["id"].as_str().unwrap())
    );
    assert_eq!(import["status"], "completed", "{import}");
    assert_eq!(import["imported"], 3);
    assert_eq!(import["refused"], 4);
    assert_eq!(import["households"], 1);
    assert_eq!(import["case_files"], 1);
    assert_eq!(import["batches_done"], 1);
    assert_eq!(counts(&app), (before.0 + 3, before.1 + 1, before.2 + 1));

    let id = import["id"].as_str().unwrap();
    let lines = app
        .get_ok(&o.manager.1, &format!("/imports/{id}/lines"))
        .await;
    let items = lines["items"].as_array().unwrap();
    assert_eq!(items.len(), 7);
    assert_eq!(items[0]["line"], 2);
    assert_eq!(items[0]["outcome"], "imported");
    let anna_verdi = items[0]["person_id"].as_str().unwrap().to_owned();
    let household = items[0]["household_id"].as_str().unwrap().to_owned();
    let file = items[0]["case_file_id"].as_str().unwrap().to_owned();
    assert_eq!(items[1]["household_id"], household.as_str());
    assert_eq!(items[1]["case_file_id"], Value::Null);
    assert_eq!(items[2]["outcome"], "refused");
    assert_eq!(items[2]["person_id"], Value::Null);
    assert_eq!(items[6]["outcome"], "imported", "confirmed as a new person");

    // What each endpoint gives for what was imported.
    let person = app
        .get_ok(&o.manager.1, &format!("/persons/{anna_verdi}"))
        .await;
    assert_eq!(person["family_names"], "Verdi");
    assert_eq!(person["tax_code"], "VRDNNA80A41L378F");
    assert_eq!(person["birth_date"], "1980-01-01");
    let case = app.get_ok(&o.anna.1, &format!("/case-files/{file}")).await;
    assert_eq!(case["area"], "social_inclusion");
    assert_eq!(case["status"], "intake");
    assert_eq!(case["opened_on"], "2025-03-01");
    assert_eq!(case["case_manager_id"], o.anna.0.as_str());
    assert_eq!(case["person_id"], anna_verdi.as_str());
    let members: Vec<(String, String)> = app
        .db()
        .read(|c| {
            Ok(household_members::table
                .filter(household_members::household_id.eq(
                    socialcare_persistence::sql_types::DbUuid(Uuid::parse_str(&household).unwrap()),
                ))
                .select((
                    household_members::relationship,
                    household_members::joined_on,
                ))
                .load::<(String, chrono::NaiveDate)>(c)?
                .into_iter()
                .map(|(r, d)| (r, d.to_string()))
                .collect())
        })
        .unwrap();
    assert_eq!(members.len(), 2);
    assert!(members.iter().any(|(r, _)| r == "reference_person"));
    assert!(members.iter().any(|(r, _)| r == "spouse"));
    let found = app.get_ok(&o.anna.1, "/persons?q=verdi").await;
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == anna_verdi.as_str()),
        "an imported person is found by search: {found}"
    );

    // The batch's audit record links the three persons it registered.
    let batch = app
        .audit_entries(10)
        .into_iter()
        .find(|r| r.action == "import.complete")
        .expect("the batch that completed the import is audited");
    assert_eq!(batch.persons.len(), 3);
    assert!(batch.persons.iter().any(|p| p.to_string() == anna_verdi));

    // The same file again: the same import, nothing more.
    let again = post_csv(&app, &o.manager.1, "/imports", &csv).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], import["id"]);
    assert_eq!(counts(&app), (before.0 + 3, before.1 + 1, before.2 + 1));
    // And the dry run of it says so.
    let report: Value = post_csv(&app, &o.manager.1, "/imports/dry-run", &csv)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["import_id"], import["id"]);
    // Every row is now registered but the one confirmed as a new person.
    assert_eq!(report["valid"], 1, "{report}");
    assert_eq!(
        report["refused_lines"][0]["problems"][0]["column"],
        "tax_code"
    );
}

/// One `Idempotency-Key` for one file: sent again with another file it is 422, and nothing of
/// the second file is written.
pub(crate) async fn an_idempotency_key_names_one_file(app: TestApp) {
    let o = office(&app).await;
    let first = "given_names;family_names\nAnna;Verdi\n";
    let second = "given_names;family_names\nBruna;Verdi\n";
    let send = |csv: &'static str| {
        app.call(Method::POST, &o.manager.1, "/imports")
            .header_key("import-key-1")
            .raw(csv, "text/csv")
            .send()
    };
    let response = send(first).await;
    assert_eq!(response.status(), 201);
    let replay = send(first).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let before = counts(&app);
    let other = send(second).await;
    assert_eq!(other.status(), 422);
    assert_eq!(counts(&app), before);
}

/// Only the office manager imports or checks a file; a refused caller's file is not judged.
pub(crate) async fn only_the_office_manager_imports(app: TestApp) {
    let o = office(&app).await;
    let csv = "given_names;family_names\nAnna;Verdi\n";
    for token in [&o.clerk.1, &o.coordinator.1, &o.anna.1] {
        for path in ["/imports", "/imports/dry-run"] {
            let response = post_csv(&app, token, path, csv).await;
            assert_eq!(response.status(), 403, "{path}");
            // Not even a file that cannot be read is judged before the refusal.
            let response = post_csv(&app, token, path, "nonsense").await;
            assert_eq!(response.status(), 403, "{path}");
        }
        assert_eq!(app.get(token, "/imports").await.status(), 403);
    }
    let record = app.audit(1).remove(0);
    assert_eq!(record.outcome, "denied");
    let template = app.get(&o.anna.1, "/imports/template").await;
    assert_eq!(template.status(), 200);
    assert!(
        template.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = template.text().await.unwrap();
    assert!(
        text.starts_with("given_names;family_names;birth_date;"),
        "{text}"
    );
    // The template itself is a file the dry run reads.
    let report: Value = post_csv(&app, &o.manager.1, "/imports/dry-run", &text)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["rows"], 1, "{report}");
}

/// A file that cannot be read is a 4xx naming why, never a 500; a control character or a
/// NUL byte in a field refuses that row only.
pub(crate) async fn bad_files_are_4xx_and_bad_rows_are_refused(app: TestApp) {
    let o = office(&app).await;
    let manager = &o.manager.1;
    let json_body = app
        .call(Method::POST, manager, "/imports")
        .json(&json!({"given_names": "Anna"}))
        .send()
        .await;
    assert_eq!(json_body.status(), 415);
    for (body, expected) in [
        (
            b"given_names;family_names\nAnna;Verd\xe0\n".to_vec(),
            "not UTF-8",
        ),
        (
            b"given_names;surname\nAnna;Verdi\n".to_vec(),
            "unknown column",
        ),
        (b"given_names;family_names\n".to_vec(), "no rows"),
        (b"".to_vec(), "one column"),
    ] {
        for path in ["/imports", "/imports/dry-run"] {
            let response = app
                .call(Method::POST, manager, path)
                .bytes(body.clone(), "text/csv; charset=utf-8")
                .send()
                .await;
            assert_eq!(response.status(), 422, "{expected}");
            let problem: Value = response.json().await.unwrap();
            assert!(
                problem["errors"][0]["detail"]
                    .as_str()
                    .unwrap()
                    .contains(expected),
                "{problem}"
            );
            assert_eq!(problem["errors"][0]["pointer"], "");
        }
    }
    let huge = vec![b'a'; 33 * 1024 * 1024];
    let response = app
        .call(Method::POST, manager, "/imports")
        .bytes(huge, "text/csv")
        .send()
        .await;
    let status = response.status();
    assert_eq!(status, 413, "{}", response.text().await.unwrap());
    let before = counts(&app);
    let csv = "given_names;family_names;birth_place\n\
               Anna;Ve\u{0}rdi;Trento\n\
               Bruna;Verdi;Tre\u{1b}nto\n\
               Ma\u{200b}rio;Rossi;Trento\n";
    let response = post_csv(&app, manager, "/imports", csv).await;
    assert_eq!(response.status(), 201);
    let import: Value = response.json().await.unwrap();
    assert_eq!(import["imported"], 1, "{import}");
    assert_eq!(import["refused"], 2);
    assert_eq!(counts(&app).0, before.0 + 1);
    let id = import["id"].as_str().unwrap();
    let refused = app
        .get_ok(manager, &format!("/imports/{id}/lines?outcome=refused"))
        .await;
    let columns: Vec<&Value> = refused["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["problems"][0]["column"])
        .collect();
    assert_eq!(columns, vec!["family_names", "birth_place"]);
    let imported = app
        .get_ok(manager, &format!("/imports/{id}/lines?outcome=imported"))
        .await;
    let person = imported["items"][0]["person_id"].as_str().unwrap();
    let mario = app.get_ok(manager, &format!("/persons/{person}")).await;
    assert_eq!(
        mario["given_names"], "Mario",
        "the invisible character is gone"
    );
    let bad = app
        .get(manager, &format!("/imports/{id}/lines?outcome=maybe"))
        .await;
    assert_eq!(bad.status(), 400);
    let none = app
        .get(manager, &format!("/imports/{}", Uuid::now_v7()))
        .await;
    assert_eq!(none.status(), 404);
}

/// A file of 1 201 rows, two households among them: three batches of at least 500 rows; pages
/// of lines; an import interrupted after its first batch (its record left running, its claim
/// expired, as a crash leaves it) goes on from the second when the file is sent again, and a
/// claim still held is 409.
pub(crate) async fn a_large_file_goes_in_batches_and_an_interrupted_import_goes_on(app: TestApp) {
    let o = office(&app).await;
    let mut csv = String::from("given_names;family_names;household;household_relationship\n");
    let names = ["Anna", "Bruna", "Carla", "Dora", "Elena", "Fabia", "Gina"];
    for i in 0..1199 {
        let given = names[i % names.len()];
        let family = format!("Verdi{}", letters(i));
        let (key, rel) = match i {
            0 => ("H", "reference_person"),
            700 => ("K", "reference_person"),
            _ => ("", ""),
        };
        csv.push_str(&format!("{given};{family};{key};{rel}\n"));
    }
    // Two members far from their reference persons: each joins its household's batch.
    csv.push_str("Ugo;Verdi;H;child\nVito;Verdi;K;child\n");
    let batches = socialcare_domain::import::batches(
        &socialcare_domain::import::read_file(csv.as_bytes(), chrono::Utc::now().date_naive())
            .unwrap()
            .lines,
    );
    assert_eq!(batches.len(), 3);
    let sha: String = {
        use sha2::{Digest, Sha256};
        Sha256::digest(csv.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    // A crash after batch 0 leaves the import running at batch 1 with a claim that runs out.
    let manager_id = Uuid::parse_str(&o.manager.0).unwrap();
    let now = chrono::Utc::now();
    let interrupted = app
        .db()
        .write(|c| -> Result<_, StoreError> {
            let row = imports::insert(
                c,
                &NewImport {
                    sha256: sha.clone(),
                    delimiter: ';',
                    rows_total: 1201,
                    batches: 3,
                },
                Uuid::now_v7(),
                now + chrono::Duration::seconds(600),
                manager_id,
                now,
            )?;
            imports::advance(
                c,
                row.id.0,
                row.claim_token.unwrap().0,
                0,
                imports::BatchCounts::default(),
                now + chrono::Duration::seconds(600),
            )?;
            Ok(row.id.0)
        })
        .unwrap();
    let before = counts(&app);
    let busy = post_csv(&app, &o.manager.1, "/imports", &csv).await;
    assert_eq!(busy.status(), 409, "the claim still holds");
    assert_eq!(counts(&app), before);
    app.db()
        .write(|c| -> Result<_, StoreError> {
            diesel::update(
                socialcare_persistence::schema::imports::table
                    .find(socialcare_persistence::sql_types::DbUuid(interrupted)),
            )
            .set(
                socialcare_persistence::schema::imports::claimed_until.eq(Some(
                    socialcare_persistence::sql_types::DbInstant(
                        now - chrono::Duration::seconds(1),
                    ),
                )),
            )
            .execute(c)?;
            Ok(())
        })
        .unwrap();
    let response = post_csv(&app, &o.manager.1, "/imports", &csv).await;
    assert_eq!(response.status(), 200, "an interrupted import goes on");
    let import: Value = response.json().await.unwrap();
    assert_eq!(import["id"], interrupted.to_string());
    assert_eq!(import["status"], "completed");
    assert_eq!(import["batches_done"], 3);
    let expected = batches[1].len() + batches[2].len();
    assert_eq!(import["imported"], expected);
    assert_eq!(counts(&app).0, before.0 + i64::try_from(expected).unwrap());
    // The lines of batch 0 were never written (the simulated crash wrote none): the pages
    // give the lines of batches 1 and 2, in file order.
    let first = app
        .get_ok(
            &o.manager.1,
            &format!("/imports/{interrupted}/lines?limit=500"),
        )
        .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 500);
    assert!(
        first["items"][0]["line"].as_i64().unwrap() > 2,
        "line 2 was in batch 0"
    );
    let next = first["next"].as_str().expect("a second page");
    let path = next.strip_prefix("/api/v1").unwrap();
    let second = app.get_ok(&o.manager.1, path).await;
    assert_eq!(
        first["items"].as_array().unwrap().len() + second["items"].as_array().unwrap().len(),
        expected
    );
}

/// The same file sent at once to two servers on one database: one import, its rows once.
pub(crate) async fn the_same_file_at_once_on_two_servers_is_imported_once(app: TestApp) {
    let o = office(&app).await;
    let beside = app.spawn_beside().await;
    let mut csv = String::from("given_names;family_names\n");
    for i in 0..1200 {
        csv.push_str(&format!("Anna;Verdi{}\n", letters(i)));
    }
    let before = counts(&app);
    let token = o.manager.1.clone();
    let (a, b) = tokio::join!(
        post_csv(&app, &token, "/imports", &csv),
        post_csv(&beside, &token, "/imports", &csv)
    );
    let mut statuses = vec![a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert!(
        statuses == vec![201, 409] || statuses == vec![200, 201],
        "{statuses:?}"
    );
    // Whatever the loser was told, the file ends imported once.
    let again = post_csv(&app, &token, "/imports", &csv).await;
    assert_eq!(again.status(), 200);
    let import: Value = again.json().await.unwrap();
    assert_eq!(import["imported"], 1200);
    assert_eq!(counts(&app).0, before.0 + 1200);
    let all = app.get_ok(&token, "/imports").await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

/// A family-name suffix of letters for `n` (names hold no digits).
fn letters(mut n: usize) -> String {
    let mut out = String::new();
    loop {
        out.push(char::from(b'a' + u8::try_from(n % 26).unwrap()));
        n /= 26;
        if n == 0 {
            return out;
        }
    }
}
