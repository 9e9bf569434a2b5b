//! Partner systems: the register of organisations and machine clients with their keys, the
//! client-credentials token endpoint with signed client assertions and its attacks, the
//! referrals addressed to a partner read and answered by its client, and the wall between a
//! client and every staff operation — each on SQLite and on PostgreSQL.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Response;
use serde_json::{Value, json};
use socialcare_tests::http::{created, etag_of, id_of, pointers};
use socialcare_tests::{TestApp, on_both_engines};
use uuid::Uuid;

on_both_engines!(
    organisations_and_clients_are_kept_by_the_system_admin,
    keys_are_checked_before_they_are_registered,
    a_client_obtains_a_token_with_a_signed_assertion,
    assertion_attacks_are_refused_and_recorded,
    a_client_reads_and_answers_only_the_referrals_addressed_to_it,
    a_client_is_refused_every_staff_operation,
    a_changed_registration_holds_from_the_next_call,
    a_referral_names_its_organisation_by_the_rules,
    one_assertion_gives_one_token_across_two_servers,
    demo_data_has_partners_and_addressed_referrals,
    hostile_input_gets_a_4xx,
    a_statistics_client_reads_the_indicators_and_nothing_else,
);

/// The Provincia's client with the `statistics` scope reads the pseudonymised indicators (and
/// its read is audited with the client as actor); a client without the scope is refused.
async fn a_statistics_client_reads_the_indicators_and_nothing_else(app: TestApp) {
    let (admin, _, client) = partner(&app, "Provincia", "province", &["statistics"]).await;
    let (_, file, person) = case(&app, &admin, "sara").await;
    let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
    let r = app.get(&token, "/indicators/persons_in_charge").await;
    assert_eq!(r.status(), 200);
    let table: Value = r.json().await.unwrap();
    assert_eq!(table["indicator"], "persons_in_charge");
    let entry = app.audit_entries(1).remove(0);
    assert_eq!(entry.row.action, "indicator.read");
    assert!(
        entry
            .row
            .actor_username
            .as_deref()
            .is_some_and(|a| a.starts_with("client:")),
        "{:?}",
        entry.row.actor_username
    );
    assert!(entry.persons.is_empty());
    // The scope gives the indicators only.
    for path in [format!("/persons/{person}"), format!("/case-files/{file}")] {
        problem(app.get(&token, &path).await, 403).await;
    }
    let (_, _, events_only) =
        partner(&app, "Agenzia del Lavoro", "labour_agency", &["events"]).await;
    let token = client_token(&app, &events_only, "ec1", EC1_PRIVATE).await;
    problem(app.get(&token, "/indicators/persons_in_charge").await, 403).await;
    assert_eq!(app.audit_entries(1).remove(0).row.outcome, "denied");
}

async fn hostile_input_gets_a_4xx(app: TestApp) {
    let (admin, cpi, client) = partner(
        &app,
        "Centro per l'impiego di Borgo",
        "employment_centre",
        &["referrals", "events"],
    )
    .await;
    let path = "/partner-organisations";
    // A NUL byte, invisible characters only, a look-alike of a registered name.
    for (body, status) in [
        (json!({"name": "CPI\u{0}Borgo", "kind": "other"}), 422),
        (json!({"name": "\u{200B}\u{2060}", "kind": "other"}), 422),
        (
            json!({"name": "Centro per l'impiego\u{200B} di Borgo", "kind": "other"}),
            409,
        ),
    ] {
        problem(app.post(&admin, path, &body).await, status).await;
    }
    let (worker, file, _) = case(&app, &admin, "gina").await;
    let referral = refer(&app, &worker, &file, &cpi).await;
    let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
    let answers = format!("/partner/referrals/{}/answers", id_of(&referral));
    let etag = etag_of(
        &app.get(&token, &format!("/partner/referrals/{}", id_of(&referral)))
            .await,
    );
    for body in [
        json!({"transition": "accept", "reply_text": "ok", "occurred_on": "0000-01-01"}),
        json!({"transition": "accept", "reply_text": "o\u{0}k"}),
    ] {
        let r = app.post_if(&token, &answers, &etag, &body).await;
        assert!(r.status().is_client_error(), "{body}: {}", r.status());
    }
    for query in [
        "type=it.comune.socialcare.x%00",
        "after=99999999999999999999",
        "wait=-1",
    ] {
        problem(app.get(&token, &format!("/events?{query}")).await, 400).await;
    }
    let form = format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion=a%00b&scope=ref%00errals",
        urlencode(ASSERTION_TYPE)
    );
    assert!(request_token(&app, form).await.status().is_client_error());
}

async fn demo_data_has_partners_and_addressed_referrals(app: TestApp) {
    let summary = socialcare_api::demo::load(app.db(), 5, 30).unwrap();
    assert_eq!(summary.partner_organisations, 3);
    assert!(
        summary.addressed_referrals >= 2,
        "{}",
        summary.addressed_referrals
    );
    let admin = app.admin_token().await;
    let organisations = app.get_ok(&admin, "/partner-organisations").await;
    let kinds: Vec<&str> = organisations["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["employment_centre", "labour_agency", "province"]);
    let clients = app.get_ok(&admin, "/machine-clients").await;
    assert_eq!(clients["items"].as_array().unwrap().len(), 3);
    // Some referrals to the centre were answered by its client, in the history as such.
    let answered = app
        .db()
        .read(|c| {
            let centre =
                uuid::Uuid::parse_str(organisations["items"][0]["id"].as_str().unwrap()).unwrap();
            socialcare_persistence::referrals::list_addressed(c, centre, None, None, 100)
        })
        .unwrap();
    assert_eq!(answered.len(), summary.addressed_referrals);
    assert!(
        answered
            .iter()
            .any(|a| a.referral.answered_by_client.is_some())
    );
    assert!(
        answered
            .iter()
            .any(|a| a.referral.answered_by_client.is_none())
    );
}

/// The audience the test servers expect (the default).
const AUDIENCE: &str = "socialcare/api/v1/auth/client-token";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const EC1_PRIVATE: &str = include_str!("keys/ec1.pem");
const EC1_PUBLIC: &str = include_str!("keys/ec1.pub");
const EC2_PRIVATE: &str = include_str!("keys/ec2.pem");
const EC2_PUBLIC: &str = include_str!("keys/ec2.pub");
const EC2_JWK: &str = include_str!("keys/ec2.jwk");
const ED_PRIVATE: &str = include_str!("keys/ed.pem");
const ED_PUBLIC: &str = include_str!("keys/ed.pub");
const RSA_1024_PUBLIC: &str = include_str!("keys/rsa1024.pub");

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0)
}

/// The claims of a well-formed assertion of `client`.
fn claims(client: &str) -> Value {
    let t = now();
    json!({"iss": client, "sub": client, "aud": AUDIENCE, "iat": t, "exp": t + 60,
        "jti": Uuid::now_v7().to_string()})
}

/// An assertion with `claims`, signed ES256 with `private_pem` and naming `kid`.
fn es256(claims: &Value, kid: &str, private_pem: &str) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    encode(
        &header,
        claims,
        &EncodingKey::from_ec_pem(private_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn token_form(assertion: &str, scope: Option<&str>) -> String {
    let mut form = format!(
        "grant_type=client_credentials&client_assertion_type={}&client_assertion={assertion}",
        urlencode(ASSERTION_TYPE)
    );
    if let Some(scope) = scope {
        form.push_str(&format!("&scope={}", urlencode(scope)));
    }
    form
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn request_token(app: &TestApp, form: String) -> Response {
    app.client
        .post(app.api("/auth/client-token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
}

/// A token of `client` (key `kid` of `private_pem`), expecting 200.
async fn client_token(app: &TestApp, client: &str, kid: &str, private_pem: &str) -> String {
    let r = request_token(
        app,
        token_form(&es256(&claims(client), kid, private_pem), None),
    )
    .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// The office: the system admin's token, an active organisation of `kind`, a client of it with
/// `scopes` and the key `ec1` (ES256, PEM): `(admin, organisation id, client id)`.
async fn partner(
    app: &TestApp,
    name: &str,
    kind: &str,
    scopes: &[&str],
) -> (String, String, String) {
    let admin = app.admin_token().await;
    let organisation = created(
        app.post(
            &admin,
            "/partner-organisations",
            &json!({"name": name, "kind": kind}),
        )
        .await,
    )
    .await;
    let client = created(
        app.post(
            &admin,
            "/machine-clients",
            &json!({"organisation_id": id_of(&organisation), "name": "gateway", "scopes": scopes}),
        )
        .await,
    )
    .await;
    let client_id = id_of(&client);
    created(
        app.post(
            &admin,
            &format!("/machine-clients/{client_id}/keys"),
            &json!({"kid": "ec1", "algorithm": "ES256", "public_key_pem": EC1_PUBLIC}),
        )
        .await,
    )
    .await;
    (admin, id_of(&organisation), client_id)
}

async fn problem(r: Response, status: u16) -> Value {
    let got = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(got, status, "{body}");
    body
}

async fn organisations_and_clients_are_kept_by_the_system_admin(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, worker) = app
        .staff(&admin, "anna", &["social_worker"], &["social_inclusion"])
        .await;
    let body = json!({"name": "Centro per l'impiego di Trento", "kind": "employment_centre"});
    problem(
        app.post(&worker, "/partner-organisations", &body).await,
        403,
    )
    .await;
    let r = app.post(&admin, "/partner-organisations", &body).await;
    assert_eq!(r.status(), 201);
    let etag = etag_of(&r);
    let organisation: Value = r.json().await.unwrap();
    assert_eq!(organisation["active"], true);
    let id = id_of(&organisation);
    problem(app.post(&admin, "/partner-organisations", &body).await, 409).await;
    // Whoever works cases reads the register (to address a referral).
    let page = app.get_ok(&worker, "/partner-organisations").await;
    assert_eq!(page["items"][0]["id"], id);
    let one = app
        .get_ok(&worker, &format!("/partner-organisations/{id}"))
        .await;
    assert_eq!(one["kind"], "employment_centre");
    // Deactivated with If-Match; a stale ETag is 412.
    let change = json!({"name": "Centro per l'impiego di Trento", "kind": "employment_centre", "active": false});
    let r = app
        .put_if(
            &admin,
            &format!("/partner-organisations/{id}"),
            Some(&etag),
            &change,
        )
        .await;
    assert_eq!(r.status(), 200);
    problem(
        app.put_if(
            &admin,
            &format!("/partner-organisations/{id}"),
            Some(&etag),
            &change,
        )
        .await,
        412,
    )
    .await;
    let inactive = app
        .get_ok(&admin, "/partner-organisations?active=false")
        .await;
    assert_eq!(inactive["items"].as_array().unwrap().len(), 1);
    // A client of a deactivated organisation is refused; of an active one, registered.
    let client = json!({"organisation_id": id, "name": "gateway", "scopes": ["referrals"]});
    let p = problem(app.post(&admin, "/machine-clients", &client).await, 422).await;
    assert_eq!(pointers(&p), ["/organisation_id"]);
    let (_, other, _) = partner(&app, "Agenzia del Lavoro", "labour_agency", &["events"]).await;
    let client = json!({"organisation_id": other, "name": "sil", "scopes": []});
    let p = problem(app.post(&admin, "/machine-clients", &client).await, 422).await;
    assert_eq!(pointers(&p), ["/scopes"]);
    let client =
        json!({"organisation_id": other, "name": "sil", "scopes": ["referrals", "events"]});
    let made = created(app.post(&admin, "/machine-clients", &client).await).await;
    assert_eq!(made["enabled"], true);
    assert_eq!(made["scopes"], json!(["referrals", "events"]));
    assert_eq!(made["keys"], json!([]));
    problem(app.post(&admin, "/machine-clients", &client).await, 409).await;
    // The clients are the system admin's only.
    problem(app.get(&worker, "/machine-clients").await, 403).await;
    let list = app
        .get_ok(&admin, &format!("/machine-clients?organisation_id={other}"))
        .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    // Audited with the system admin as actor.
    let records = app.audit(20);
    assert!(
        records
            .iter()
            .any(|r| r.action == "machine_client.create" && r.outcome == "success")
    );
    assert!(
        records
            .iter()
            .any(|r| r.action == "partner_organisation.update" && r.outcome == "success")
    );
}

async fn keys_are_checked_before_they_are_registered(app: TestApp) {
    let (admin, _, client) =
        partner(&app, "CSM Trento", "mental_health_centre", &["referrals"]).await;
    let path = format!("/machine-clients/{client}/keys");
    let bad = [
        (
            json!({"kid": "p", "algorithm": "ES256", "public_key_pem": EC1_PRIVATE}),
            "/public_key_pem",
            "private",
        ),
        (
            json!({"kid": "r", "algorithm": "RS256", "public_key_pem": RSA_1024_PUBLIC}),
            "/public_key_pem",
            "2048",
        ),
        (
            json!({"kid": "m", "algorithm": "RS256", "public_key_pem": EC2_PUBLIC}),
            "/public_key_pem",
            "RSA",
        ),
        (
            json!({"kid": "d", "algorithm": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA"}}),
            "/jwk",
            "private",
        ),
        (
            json!({"kid": "h", "algorithm": "ES256", "jwk": {"kty": "oct", "k": "c2VjcmV0"}}),
            "/jwk",
            "private",
        ),
        (
            json!({"kid": "bad kid", "algorithm": "ES256", "public_key_pem": EC2_PUBLIC}),
            "/kid",
            "A-Z",
        ),
        (
            json!({"kid": "two", "algorithm": "ES256", "public_key_pem": EC2_PUBLIC, "jwk": serde_json::from_str::<Value>(EC2_JWK).unwrap()}),
            "/public_key_pem",
            "exactly one",
        ),
        (
            json!({"kid": "none", "algorithm": "ES256"}),
            "/public_key_pem",
            "exactly one",
        ),
    ];
    for (body, pointer, says) in bad {
        let p = problem(app.post(&admin, &path, &body).await, 422).await;
        assert_eq!(pointers(&p), [pointer], "{body}");
        assert!(p.to_string().contains(says), "{p}");
    }
    // A JWK and an Ed25519 PEM are registered, with their thumbprints.
    let jwk: Value = serde_json::from_str(EC2_JWK).unwrap();
    let r = app
        .post(
            &admin,
            &path,
            &json!({"kid": "ec2-jwk", "algorithm": "ES256", "jwk": jwk}),
        )
        .await;
    let body = created(r).await;
    assert_eq!(body["keys"][1]["format"], "jwk");
    assert_eq!(body["keys"][1]["thumbprint"].as_str().unwrap().len(), 64);
    created(
        app.post(
            &admin,
            &path,
            &json!({"kid": "ed", "algorithm": "EdDSA", "public_key_pem": ED_PUBLIC}),
        )
        .await,
    )
    .await;
    // A kid is never reused, not even once revoked.
    problem(
        app.post(
            &admin,
            &path,
            &json!({"kid": "ec1", "algorithm": "ES256", "public_key_pem": EC2_PUBLIC}),
        )
        .await,
        409,
    )
    .await;
    let revocations = format!("/machine-clients/{client}/key-revocations");
    let r = app.post(&admin, &revocations, &json!({"kid": "ed"})).await;
    let body = created(r).await;
    let ed = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == "ed")
        .unwrap();
    assert!(ed["revoked_at"].is_string());
    problem(
        app.post(&admin, &revocations, &json!({"kid": "ed"})).await,
        409,
    )
    .await;
    problem(
        app.post(&admin, &revocations, &json!({"kid": "nope"}))
            .await,
        404,
    )
    .await;
    // The JWK and the EdDSA key sign what the office then accepts (the EdDSA one until revoked).
    let t = client_token(&app, &client, "ec2-jwk", EC2_PRIVATE).await;
    assert!(!t.is_empty());
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("ed".into());
    let signed = encode(
        &header,
        &claims(&client),
        &EncodingKey::from_ed_pem(ED_PRIVATE.as_bytes()).unwrap(),
    )
    .unwrap();
    let p = problem(request_token(&app, token_form(&signed, None)).await, 401).await;
    assert_eq!(p["error"], "invalid_client");
    assert!(p["detail"].as_str().unwrap().contains("revoked"), "{p}");
}

async fn a_client_obtains_a_token_with_a_signed_assertion(app: TestApp) {
    let (admin, _, client) = partner(
        &app,
        "Agenzia del Lavoro",
        "labour_agency",
        &["referrals", "events"],
    )
    .await;
    let r = request_token(
        &app,
        token_form(
            &es256(&claims(&client), "ec1", EC1_PRIVATE),
            Some("referrals"),
        ),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "referrals");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    // Without `scope`, every scope the client holds.
    let r = request_token(
        &app,
        token_form(&es256(&claims(&client), "ec1", EC1_PRIVATE), None),
    )
    .await;
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["scope"], "referrals events");
    // The client's last use is kept, and each token request is audited with the client as actor.
    let registered = app
        .get_ok(&admin, &format!("/machine-clients/{client}"))
        .await;
    assert!(registered["last_used_at"].is_string());
    let record = app
        .audit(5)
        .into_iter()
        .find(|r| r.action == "client.token" && r.outcome == "success")
        .unwrap();
    assert_eq!(
        record.actor_id.map(|a| a.0.to_string()),
        Some(client.clone())
    );
    assert_eq!(record.actor_username.as_deref(), Some("client:gateway"));
    assert_eq!(record.actor_roles, "scope:referrals,scope:events");
}

async fn assertion_attacks_are_refused_and_recorded(app: TestApp) {
    let (admin, _, client) =
        partner(&app, "SerD Trento", "addiction_service", &["referrals"]).await;
    let t = now();
    let with = |change: Value| {
        let mut c = claims(&client);
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    // Each refused with 401 invalid_client and a reason.
    let cases: Vec<(String, &str)> = vec![
        (
            es256(
                &with(json!({"aud": "https://elsewhere.example.it/token"})),
                "ec1",
                EC1_PRIVATE,
            ),
            "aud",
        ),
        (
            es256(
                &with(json!({"iat": t - 600, "exp": t - 120})),
                "ec1",
                EC1_PRIVATE,
            ),
            "expired",
        ),
        (
            es256(&with(json!({"exp": t + 3600})), "ec1", EC1_PRIVATE),
            "300",
        ),
        (
            es256(&with(json!({"exp": null})), "ec1", EC1_PRIVATE),
            "`exp`",
        ),
        (
            es256(
                &with(json!({"sub": Uuid::now_v7().to_string()})),
                "ec1",
                EC1_PRIVATE,
            ),
            "sub",
        ),
        (es256(&claims(&client), "unknown", EC1_PRIVATE), "kid"),
        (es256(&claims(&client), "ec1", EC2_PRIVATE), "signature"),
        (
            es256(&claims(&Uuid::now_v7().to_string()), "ec1", EC1_PRIVATE),
            "no such client",
        ),
    ];
    for (assertion, says) in cases {
        let p = problem(request_token(&app, token_form(&assertion, None)).await, 401).await;
        assert_eq!(p["error"], "invalid_client", "{p}");
        assert!(p["detail"].as_str().unwrap().contains(says), "{says}: {p}");
    }
    // `alg: none` and HMAC are refused before any key is looked at.
    let segment = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let unsigned = format!(
        "{}.{}.",
        segment(json!({"alg": "none", "kid": "ec1", "typ": "JWT"})),
        segment(claims(&client))
    );
    let p = problem(request_token(&app, token_form(&unsigned, None)).await, 401).await;
    assert_eq!(p["error"], "invalid_client");
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("ec1".into());
    let hmac = encode(
        &header,
        &claims(&client),
        &EncodingKey::from_secret(EC1_PUBLIC.as_bytes()),
    )
    .unwrap();
    let p = problem(request_token(&app, token_form(&hmac, None)).await, 401).await;
    assert!(p["detail"].as_str().unwrap().contains("HMAC"), "{p}");
    // A reused jti.
    let once = es256(&claims(&client), "ec1", EC1_PRIVATE);
    assert_eq!(
        request_token(&app, token_form(&once, None)).await.status(),
        200
    );
    let p = problem(request_token(&app, token_form(&once, None)).await, 401).await;
    assert!(
        p["detail"].as_str().unwrap().contains("already used"),
        "{p}"
    );
    // The request itself.
    let p = problem(
        request_token(
            &app,
            format!(
                "grant_type=password&client_assertion_type={}&client_assertion={once}",
                urlencode(ASSERTION_TYPE)
            ),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(p["error"], "unsupported_grant_type");
    let p = problem(
        request_token(
            &app,
            token_form(
                &es256(&claims(&client), "ec1", EC1_PRIVATE),
                Some("statistics"),
            ),
        )
        .await,
        400,
    )
    .await;
    assert_eq!(p["error"], "invalid_scope");
    let r = app
        .client
        .post(app.api("/auth/client-token"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let p = problem(
        request_token(&app, "grant_type=client_credentials".into()).await,
        401,
    )
    .await;
    assert_eq!(p["error"], "invalid_client");
    let oversized = app
        .client
        .post(app.api("/auth/client-token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=client_credentials&pad={}",
            "x".repeat(20_000)
        ))
        .send()
        .await
        .unwrap();
    let p = problem(oversized, 400).await;
    assert_eq!(p["error"], "invalid_request");
    // Every refusal of a known client is in the audit trail, with the client as actor.
    let denied = app
        .audit(60)
        .into_iter()
        .filter(|r| {
            r.action == "client.token"
                && r.outcome == "denied"
                && r.actor_id.map(|a| a.0.to_string()) == Some(client.clone())
        })
        .count();
    // aud, expiry, lifetime, missing exp, sub, kid, signature, reused jti, scope.
    assert_eq!(denied, 9, "{denied} refusals recorded");
    // A disabled client is refused even with a perfect assertion.
    let current = app.get(&admin, &format!("/machine-clients/{client}")).await;
    let etag = etag_of(&current);
    let r = app
        .put_if(
            &admin,
            &format!("/machine-clients/{client}"),
            Some(&etag),
            &json!({"name": "gateway", "scopes": ["referrals"], "enabled": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let p = problem(
        request_token(
            &app,
            token_form(&es256(&claims(&client), "ec1", EC1_PRIVATE), None),
        )
        .await,
        401,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("disabled"), "{p}");
}

/// A case file of a new person, managed by a new social worker of `social_inclusion`:
/// `(worker token, case file id, person id)`.
async fn case(app: &TestApp, admin: &str, username: &str) -> (String, String, String) {
    let (worker_id, worker) = app
        .staff(admin, username, &["social_worker"], &["social_inclusion"])
        .await;
    let person = app.register_person(&worker, "Mario", "Rossi").await;
    let file = app
        .open_case_file(&worker, &person, "social_inclusion", &worker_id, None)
        .await;
    (worker, id_of(&file), person)
}

async fn refer(app: &TestApp, token: &str, file: &str, organisation: &str) -> Value {
    created(
        app.post(
            token,
            &format!("/case-files/{file}/referrals"),
            &json!({"direction": "outgoing", "organisation_id": organisation,
                "reason": "Job search support"}),
        )
        .await,
    )
    .await
}

async fn a_client_reads_and_answers_only_the_referrals_addressed_to_it(app: TestApp) {
    let (admin, cpi, client) = partner(
        &app,
        "Centro per l'impiego di Trento",
        "employment_centre",
        &["referrals"],
    )
    .await;
    let (_, other, _) = partner(&app, "Cooperativa Il Ponte", "cooperative", &["referrals"]).await;
    let (worker, file, person) = case(&app, &admin, "anna").await;
    let mine = refer(&app, &worker, &file, &cpi).await;
    assert_eq!(mine["service"], "employment_centre");
    assert_eq!(mine["organisation"], "Centro per l'impiego di Trento");
    assert_eq!(mine["organisation_id"], cpi);
    let theirs = refer(&app, &worker, &file, &other).await;
    let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
    // The list shows only what is addressed to the client's organisation, with the person.
    let page = app.get_ok(&token, "/partner/referrals").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], mine["id"]);
    assert_eq!(items[0]["person"]["given_names"], "Mario");
    assert_eq!(items[0]["allowed_transitions"], json!(["accept", "reject"]));
    assert!(items[0].get("case_file_id").is_none());
    let record = app
        .audit_entries(5)
        .into_iter()
        .find(|r| r.action == "partner.referral.list")
        .unwrap();
    assert_eq!(record.persons, [Uuid::parse_str(&person).unwrap()]);
    assert_eq!(record.actor_username.as_deref(), Some("client:gateway"));
    // Another organisation's referral does not exist for this client.
    problem(
        app.get(&token, &format!("/partner/referrals/{}", id_of(&theirs)))
            .await,
        404,
    )
    .await;
    // Answered with If-Match; closing is the office's.
    let path = format!("/partner/referrals/{}", id_of(&mine));
    let r = app.get(&token, &path).await;
    let etag = etag_of(&r);
    let answers = format!("{path}/answers");
    problem(
        app.post(
            &token,
            &answers,
            &json!({"transition": "accept", "reply_text": "ok"}),
        )
        .await,
        428,
    )
    .await;
    let p = problem(
        app.post_if(
            &token,
            &answers,
            &etag,
            &json!({"transition": "close", "reply_text": "done"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/transition"]);
    let accept = json!({"transition": "accept", "reply_text": "First appointment on Monday"});
    let send_keyed = || {
        app.call(reqwest::Method::POST, &token, &answers)
            .if_match(etag.clone())
            .header_key("answer-1")
            .json(&accept)
            .send()
    };
    let r = send_keyed().await;
    assert_eq!(r.status(), 200);
    let answered: Value = r.json().await.unwrap();
    assert_eq!(answered["status"], "accepted");
    assert_eq!(answered["allowed_transitions"], json!([]));
    // A retry with the same key replays the answer; the change was made once.
    let r = send_keyed().await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let replayed: Value = r.json().await.unwrap();
    assert_eq!(replayed, answered);
    // A retry without the key: 412 (the version moved).
    problem(
        app.post_if(
            &token,
            &answers,
            &etag,
            &json!({"transition": "accept", "reply_text": "First appointment on Monday"}),
        )
        .await,
        412,
    )
    .await;
    // The office sees who answered; the history names the client, not a staff member.
    let staff_view = app
        .get_ok(
            &worker,
            &format!("/case-files/{file}/referrals/{}", id_of(&mine)),
        )
        .await;
    assert_eq!(staff_view["status"], "accepted");
    assert_eq!(staff_view["answered_by_client"], client);
    assert_eq!(staff_view["reply_text"], "First appointment on Monday");
    let history = app
        .get_ok(
            &worker,
            &format!("/case-files/{file}/referrals/{}/events", id_of(&mine)),
        )
        .await;
    let event = &history["items"][0];
    assert_eq!(event["client_id"], client);
    assert!(event["author_id"].is_null());
    let record = app
        .audit_entries(5)
        .into_iter()
        .find(|r| r.action == "partner.referral.accept")
        .unwrap();
    assert_eq!(record.persons, [Uuid::parse_str(&person).unwrap()]);
    assert_eq!(record.resource_id.as_deref(), Some(id_of(&mine).as_str()));
    // Stored: the referral row names the client.
    let stored = app
        .db()
        .read(|c| {
            socialcare_persistence::referrals::find_addressed(
                c,
                Uuid::parse_str(&cpi).unwrap(),
                Uuid::parse_str(&id_of(&mine)).unwrap(),
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.referral.answered_by_client.map(|c| c.to_string()),
        Some(client)
    );
}

async fn a_client_is_refused_every_staff_operation(app: TestApp) {
    let (admin, cpi, client) = partner(
        &app,
        "Centro per l'impiego di Rovereto",
        "employment_centre",
        &["referrals", "events"],
    )
    .await;
    let (worker, file, person) = case(&app, &admin, "bruno").await;
    refer(&app, &worker, &file, &cpi).await;
    let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
    for path in [
        format!("/persons/{person}"),
        format!("/case-files/{file}"),
        format!("/case-files/{file}/diary-entries"),
        format!("/case-files/{file}/referrals"),
        "/persons?family_names=Rossi".to_owned(),
        "/me".to_owned(),
        "/partner-organisations".to_owned(),
    ] {
        let p = problem(app.get(&token, &path).await, 403).await;
        assert!(
            p["detail"].as_str().unwrap().contains("machine clients"),
            "{path}: {p}"
        );
    }
    problem(
        app.post(
            &token,
            "/persons",
            &json!({"given_names": "X", "family_names": "Y"}),
        )
        .await,
        403,
    )
    .await;
    let refused = app
        .audit(20)
        .into_iter()
        .filter(|r| r.action == "staff_operation" && r.outcome == "denied")
        .count();
    assert_eq!(refused, 8);
    // And a staff token is not a client's.
    let p = problem(app.get(&worker, "/partner/referrals").await, 403).await;
    assert!(
        p["detail"].as_str().unwrap().contains("machine clients"),
        "{p}"
    );
    // A token with only `events` does not read referrals.
    let r = request_token(
        &app,
        token_form(&es256(&claims(&client), "ec1", EC1_PRIVATE), Some("events")),
    )
    .await;
    let events: Value = r.json().await.unwrap();
    let events = events["access_token"].as_str().unwrap().to_owned();
    problem(app.get(&events, "/partner/referrals").await, 403).await;
    let record = app.audit(1).remove(0);
    assert_eq!(record.action, "referrals.answer_addressed");
    assert_eq!(record.outcome, "denied");
}

async fn a_changed_registration_holds_from_the_next_call(app: TestApp) {
    let (admin, cpi, client) = partner(
        &app,
        "UEPE Trento",
        "probation_office",
        &["referrals", "events"],
    )
    .await;
    let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
    assert_eq!(app.get(&token, "/partner/referrals").await.status(), 200);
    // The scope is withdrawn: the token obtained before no longer reads referrals.
    let etag = etag_of(&app.get(&admin, &format!("/machine-clients/{client}")).await);
    let r = app
        .put_if(
            &admin,
            &format!("/machine-clients/{client}"),
            Some(&etag),
            &json!({"name": "gateway", "scopes": ["events"], "enabled": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    problem(app.get(&token, "/partner/referrals").await, 403).await;
    // Given back, then the organisation is deactivated: 401.
    let etag = etag_of(&r);
    let r = app
        .put_if(
            &admin,
            &format!("/machine-clients/{client}"),
            Some(&etag),
            &json!({"name": "gateway", "scopes": ["referrals"], "enabled": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.get(&token, "/partner/referrals").await.status(), 200);
    let etag = etag_of(
        &app.get(&admin, &format!("/partner-organisations/{cpi}"))
            .await,
    );
    let r = app
        .put_if(
            &admin,
            &format!("/partner-organisations/{cpi}"),
            Some(&etag),
            &json!({"name": "UEPE Trento", "kind": "probation_office", "active": false}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let p = problem(app.get(&token, "/partner/referrals").await, 401).await;
    assert!(
        p["detail"].as_str().unwrap().contains("organisation"),
        "{p}"
    );
}

async fn a_referral_names_its_organisation_by_the_rules(app: TestApp) {
    let (admin, cpi, _) = partner(
        &app,
        "Centro per l'impiego di Pergine",
        "employment_centre",
        &["referrals"],
    )
    .await;
    let (_, province, _) = partner(
        &app,
        "Provincia autonoma di Trento",
        "province",
        &["statistics"],
    )
    .await;
    let (worker, file, _) = case(&app, &admin, "carla").await;
    let path = format!("/case-files/{file}/referrals");
    let cases = [
        (
            json!({"direction": "outgoing", "organisation_id": province, "reason": "x"}),
            "/organisation_id",
        ),
        (
            json!({"direction": "outgoing", "organisation_id": cpi, "service": "health_district", "reason": "x"}),
            "/service",
        ),
        (
            json!({"direction": "outgoing", "organisation_id": cpi, "organisation": "CPI", "reason": "x"}),
            "/organisation",
        ),
        (
            json!({"direction": "outgoing", "organisation_id": Uuid::now_v7(), "reason": "x"}),
            "/organisation_id",
        ),
        (json!({"direction": "outgoing", "reason": "x"}), "/service"),
    ];
    for (body, pointer) in cases {
        let p = problem(app.post(&worker, &path, &body).await, 422).await;
        assert_eq!(pointers(&p)[0], pointer, "{body}: {p}");
    }
    // Naming the organisation as registered, and the service it is, is accepted.
    let made = created(
        app.post(&worker, &path, &json!({"direction": "outgoing", "organisation_id": cpi,
            "service": "employment_centre", "organisation": "Centro per l'impiego di Pergine", "reason": "x"}))
            .await,
    )
    .await;
    assert_eq!(made["organisation_id"], cpi);
    // A referral without a registered organisation keeps working as before.
    let plain = created(
        app.post(
            &worker,
            &path,
            &json!({"direction": "incoming", "service": "health_district",
            "organisation": "Distretto sanitario Centro Nord", "reason": "x"}),
        )
        .await,
    )
    .await;
    assert!(plain["organisation_id"].is_null());
    // A deactivated organisation receives no new referral.
    let etag = etag_of(
        &app.get(&admin, &format!("/partner-organisations/{cpi}"))
            .await,
    );
    app.put_if(&admin, &format!("/partner-organisations/{cpi}"), Some(&etag),
        &json!({"name": "Centro per l'impiego di Pergine", "kind": "employment_centre", "active": false}))
        .await;
    let p = problem(
        app.post(
            &worker,
            &path,
            &json!({"direction": "outgoing", "organisation_id": cpi, "reason": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert!(p.to_string().contains("no longer active"), "{p}");
}

async fn one_assertion_gives_one_token_across_two_servers(app: TestApp) {
    let (_, _, client) = partner(
        &app,
        "Distretto sanitario",
        "health_district",
        &["referrals"],
    )
    .await;
    let second = app.spawn_beside().await;
    let assertion = es256(&claims(&client), "ec1", EC1_PRIVATE);
    let mut requests = Vec::new();
    for i in 0..10 {
        let target = if i % 2 == 0 { &app } else { &second };
        requests.push(request_token(target, token_form(&assertion, None)));
    }
    let statuses: Vec<u16> = futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        9,
        "{statuses:?}"
    );
}

mod feed {
    //! The event feed: events written with their change, read in commit order by the
    //! organisation they concern, with a long poll and a retention.

    use std::time::{Duration, Instant};

    use serde_json::{Value, json};
    use socialcare_persistence::events;
    use socialcare_tests::http::{created, id_of};
    use socialcare_tests::{TestApp, on_both_engines};

    use super::{EC1_PRIVATE, case, client_token, partner, problem, refer};

    on_both_engines!(
        events_are_written_with_the_change_for_the_organisation_concerned,
        no_event_survives_a_change_that_rolls_back,
        the_feed_waits_for_the_next_event,
        a_reader_misses_no_event_under_concurrent_commits,
        events_past_their_retention_are_gone,
    );

    fn stored(app: &TestApp) -> Vec<events::EventRow> {
        app.db()
            .read(|c| {
                events::list(
                    c,
                    &events::EventQuery {
                        limit: 10_000,
                        ..Default::default()
                    },
                )
            })
            .unwrap()
    }

    async fn events_are_written_with_the_change_for_the_organisation_concerned(app: TestApp) {
        let (admin, cpi, client) = partner(
            &app,
            "Centro per l'impiego di Trento",
            "employment_centre",
            &["referrals", "events"],
        )
        .await;
        let (_, other, _) = partner(&app, "Cooperativa Il Ponte", "cooperative", &["events"]).await;
        let (worker, file, person) = case(&app, &admin, "anna").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let start = app.get_ok(&token, "/events").await;
        let mine = refer(&app, &worker, &file, &cpi).await;
        refer(&app, &worker, &file, &other).await;
        let page = app
            .get_ok(&token, &format!("/events?after={}", start["next_after"]))
            .await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        let event = &items[0];
        assert_eq!(event["specversion"], "1.0");
        assert_eq!(event["type"], "it.comune.socialcare.referral.create");
        assert_eq!(event["subject"], format!("referral/{}", id_of(&mine)));
        assert_eq!(event["data"]["version"], 1);
        assert_eq!(event["data"]["organisation_id"], cpi);
        // Ids only: nothing of the person, not even their id.
        let text = event.to_string();
        assert!(
            !text.contains(&person) && !text.contains("Mario") && !text.contains(&file),
            "{text}"
        );
        assert_eq!(
            page["next_after"],
            event["sequence"].as_str().unwrap().parse::<i64>().unwrap()
        );
        // The partner's answer and the office's closing follow, in order.
        let path = format!("/partner/referrals/{}", id_of(&mine));
        let etag = socialcare_tests::http::etag_of(&app.get(&token, &path).await);
        let r = app
            .post_if(
                &token,
                &format!("{path}/answers"),
                &etag,
                &json!({"transition": "accept", "reply_text": "ok"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let staff_path = format!("/case-files/{file}/referrals/{}", id_of(&mine));
        let etag = socialcare_tests::http::etag_of(&app.get(&worker, &staff_path).await);
        let r = app
            .post_if(
                &worker,
                &format!("{staff_path}/transitions"),
                &etag,
                &json!({"transition": "close"}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let page = app
            .get_ok(&token, &format!("/events?after={}", page["next_after"]))
            .await;
        let types: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "it.comune.socialcare.partner.referral.accept",
                "it.comune.socialcare.referral.close"
            ]
        );
        assert_eq!(page["items"][1]["data"]["version"], 3);
        // Filtered by type.
        let filtered = app
            .get_ok(
                &token,
                &format!(
                    "/events?after={}&type=it.comune.socialcare.referral.close",
                    start["next_after"]
                ),
            )
            .await;
        assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
        problem(app.get(&token, "/events?type=referral.close").await, 400).await;
        problem(app.get(&token, "/events?wait=31").await, 400).await;
        problem(app.get(&token, "/events?after=-1").await, 400).await;
        // Every change through the gate wrote one: the staff's person and file too (for no
        // organisation), in position order without gaps.
        let all = stored(&app);
        assert!(
            all.iter()
                .any(|e| e.event_type == "it.comune.socialcare.case_file.open")
        );
        for pair in all.windows(2) {
            assert_eq!(pair[1].position, pair[0].position + 1);
        }
        // A referrals-only client may not read the feed; the reading is audited.
        let (_, _, referrals_only) =
            partner(&app, "SerD", "addiction_service", &["referrals"]).await;
        let other_token = client_token(&app, &referrals_only, "ec1", EC1_PRIVATE).await;
        problem(app.get(&other_token, "/events").await, 403).await;
        assert!(
            app.audit(10)
                .iter()
                .any(|r| r.action == "event.list" && r.outcome == "success")
        );
        let _ = admin;
    }

    async fn no_event_survives_a_change_that_rolls_back(app: TestApp) {
        let (admin, cpi, _) = partner(
            &app,
            "Centro per l'impiego di Rovereto",
            "employment_centre",
            &["events"],
        )
        .await;
        let (worker, file, _) = case(&app, &admin, "bruno").await;
        let before = stored(&app).len();
        // Refused after the decision (422, 409): the transaction rolls back, its event with it.
        let path = format!("/case-files/{file}/referrals");
        problem(app.post(&worker, &path, &json!({"direction": "outgoing", "organisation_id": cpi, "service": "health_district", "reason": "x"})).await, 422).await;
        let r = app
            .post_if(
                &worker,
                &format!("/case-files/{file}/transitions"),
                "\"999\"",
                &json!({"transition": "close", "closing_reason": "goals_achieved"}),
            )
            .await;
        assert!(r.status() == 412 || r.status() == 422, "{}", r.status());
        assert_eq!(stored(&app).len(), before);
        // Reads write none.
        app.get_ok(&worker, &format!("/case-files/{file}")).await;
        assert_eq!(stored(&app).len(), before);
        refer(&app, &worker, &file, &cpi).await;
        assert_eq!(stored(&app).len(), before + 1);
    }

    async fn the_feed_waits_for_the_next_event(app: TestApp) {
        let (admin, cpi, client) =
            partner(&app, "Agenzia del Lavoro", "labour_agency", &["events"]).await;
        let (worker, file, _) = case(&app, &admin, "carla").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let start = app.get_ok(&token, "/events").await;
        // Nothing new: answered at once without `wait`, after the wait with it.
        let t = Instant::now();
        let empty = app
            .get_ok(
                &token,
                &format!("/events?after={}&wait=1", start["next_after"]),
            )
            .await;
        assert!(empty["items"].as_array().unwrap().is_empty());
        assert!(t.elapsed() >= Duration::from_millis(900));
        // A referral made while a reader waits reaches it before the wait ends.
        let reader = {
            let (client, url, token) = (
                app.client.clone(),
                app.api(&format!("/events?after={}&wait=10", start["next_after"])),
                token.clone(),
            );
            tokio::spawn(async move {
                let t = Instant::now();
                let page: Value = client
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                (page, t.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let made = refer(&app, &worker, &file, &cpi).await;
        let (page, waited) = reader.await.unwrap();
        assert_eq!(
            page["items"][0]["subject"],
            format!("referral/{}", id_of(&made))
        );
        assert!(waited < Duration::from_secs(5), "{waited:?}");
    }

    async fn a_reader_misses_no_event_under_concurrent_commits(app: TestApp) {
        let (admin, cpi, client) =
            partner(&app, "Distretto sanitario", "health_district", &["events"]).await;
        let second = app.spawn_beside().await;
        let (worker, file, _) = case(&app, &admin, "dario").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let start = app.get_ok(&token, "/events").await["next_after"]
            .as_i64()
            .unwrap();
        // A reader pages the feed while 24 referrals commit through two servers.
        let reader = {
            let (http, base, token) = (app.client.clone(), app.api("/events"), token.clone());
            tokio::spawn(async move {
                let mut after = start;
                let mut seen: Vec<String> = Vec::new();
                let deadline = Instant::now() + Duration::from_secs(60);
                while seen.len() < 24 && Instant::now() < deadline {
                    let page: Value = http
                        .get(format!("{base}?after={after}&limit=5&wait=1"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    for e in page["items"].as_array().unwrap() {
                        seen.push(e["subject"].as_str().unwrap().to_owned());
                    }
                    after = page["next_after"].as_i64().unwrap();
                }
                seen
            })
        };
        let path = format!("/case-files/{file}/referrals");
        let bodies: Vec<Value> = (0..24)
            .map(|i| json!({"direction": "outgoing", "organisation_id": cpi, "reason": format!("r{i}")}))
            .collect();
        let writes = bodies.iter().enumerate().map(|(i, body)| {
            let target = if i % 2 == 0 { &app } else { &second };
            target.post(&worker, &path, body)
        });
        let mut made = Vec::new();
        for r in futures_util::future::join_all(writes).await {
            made.push(format!("referral/{}", id_of(&created(r).await)));
        }
        let mut seen = reader.await.unwrap();
        assert_eq!(seen.len(), 24, "the reader missed events: {seen:?}");
        seen.sort();
        made.sort();
        assert_eq!(seen, made);
    }

    async fn events_past_their_retention_are_gone(app: TestApp) {
        let (admin, cpi, client) =
            partner(&app, "Cooperativa Sociale", "cooperative", &["events"]).await;
        let (worker, file, _) = case(&app, &admin, "elena").await;
        refer(&app, &worker, &file, &cpi).await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        assert!(
            !app.get_ok(&token, "/events").await["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let removed = app
            .db()
            .write(|c| events::prune(c, chrono::Utc::now() + chrono::Duration::seconds(1)))
            .unwrap();
        assert!(removed > 0);
        let (head, pruned) = app.db().read(events::head).unwrap();
        assert_eq!(pruned, head);
        let p = problem(app.get(&token, "/events?after=0").await, 410).await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("after={pruned}")),
            "{p}"
        );
        let page = app.get_ok(&token, &format!("/events?after={pruned}")).await;
        assert!(page["items"].as_array().unwrap().is_empty());
        assert_eq!(page["next_after"], pruned);
    }
}

mod receiver;

mod hooks {
    //! Webhooks delivered to a real local receiver: signed, in order, retried, disabled after a
    //! run of failures, redelivered on demand, never sent twice at once by two servers.

    use std::collections::BTreeMap;

    use serde_json::{Value, json};
    use socialcare_tests::http::{created, etag_of, id_of, pointers};
    use socialcare_tests::{TestApp, on_both_engines};
    use standardwebhooks::Webhook;

    use super::receiver::{self, Delivery};
    use super::{EC1_PRIVATE, case, client_token, partner, problem, refer};

    /// The delivery log of subscription `id` once it holds `n` attempts (up to 10 s): the receiver
    /// has a delivery before the worker records its attempt, so the log may lag by a moment.
    async fn attempts_once(app: &TestApp, token: &str, id: &str, n: usize) -> Vec<Value> {
        let path = format!("/partner/webhooks/{id}/attempts");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let log = app.get_ok(token, &path).await;
            let items = log["items"].as_array().unwrap().clone();
            if items.len() >= n || std::time::Instant::now() > deadline {
                return items;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    on_both_engines!(
        deliveries_are_signed_and_in_commit_order,
        a_receiver_down_for_a_while_gets_every_event_afterwards_in_order,
        subscriptions_are_checked_and_kept_per_client,
        events_are_redelivered_on_demand,
        two_servers_never_send_one_event_twice,
    );

    /// Verifies a delivery with the Standard Webhooks reference library.
    fn verify(secret: &str, d: &Delivery) {
        let mut headers = http::HeaderMap::new();
        headers.insert("webhook-id", d.id.parse().unwrap());
        headers.insert("webhook-timestamp", d.timestamp.parse().unwrap());
        headers.insert("webhook-signature", d.signature.parse().unwrap());
        Webhook::new(secret)
            .unwrap()
            .verify(d.body.as_bytes(), &headers)
            .unwrap_or_else(|e| panic!("signature of {}: {e}", d.id));
        // And a tampered body does not verify.
        let tampered = d.body.replace("referral", "Referral");
        assert!(
            Webhook::new(secret)
                .unwrap()
                .verify(tampered.as_bytes(), &headers)
                .is_err()
        );
    }

    async fn subscribe(app: &TestApp, token: &str, url: &str, types: Value) -> Value {
        created(
            app.post(
                token,
                "/partner/webhooks",
                &json!({"url": url, "event_types": types}),
            )
            .await,
        )
        .await
    }

    fn subject(d: &Delivery) -> String {
        serde_json::from_str::<Value>(&d.body).unwrap()["subject"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn deliveries_are_signed_and_in_commit_order(app: TestApp) {
        let (admin, cpi, client) = partner(
            &app,
            "Centro per l'impiego di Trento",
            "employment_centre",
            &["events"],
        )
        .await;
        let (worker, file, _) = case(&app, &admin, "anna").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let (url, inbox) = receiver::start().await;
        let made = subscribe(
            &app,
            &token,
            &url,
            json!(["it.comune.socialcare.referral.create"]),
        )
        .await;
        let secret = made["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));
        let mut sent = Vec::new();
        for _ in 0..3 {
            sent.push(format!(
                "referral/{}",
                id_of(&refer(&app, &worker, &file, &cpi).await)
            ));
        }
        assert!(
            receiver::until(15, || inbox.accepted().len() >= 3).await,
            "{:?}",
            inbox.all()
        );
        let got = inbox.accepted();
        assert_eq!(got.iter().map(subject).collect::<Vec<_>>(), sent);
        for d in &got {
            verify(&secret, d);
            assert_eq!(d.content_type, "application/cloudevents+json");
        }
        // The delivery log and the subscription's position; the secret is never shown again.
        let id = id_of(&made);
        let attempts = attempts_once(&app, &token, &id, 3).await;
        assert_eq!(attempts.len(), 3);
        assert!(
            attempts
                .iter()
                .all(|a| a["succeeded"] == true && a["status_code"] == 204)
        );
        let state = app.get_ok(&token, &format!("/partner/webhooks/{id}")).await;
        assert!(state.get("secret").is_none());
        let last: i64 = serde_json::from_str::<Value>(&got[2].body).unwrap()["sequence"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(state["delivered_through"].as_i64().unwrap() >= last);
        assert_eq!(state["consecutive_failures"], 0);
    }

    async fn a_receiver_down_for_a_while_gets_every_event_afterwards_in_order(app: TestApp) {
        let (admin, cpi, client) =
            partner(&app, "Agenzia del Lavoro", "labour_agency", &["events"]).await;
        let (worker, file, _) = case(&app, &admin, "bruno").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let (url, inbox) = receiver::start().await;
        let made = subscribe(
            &app,
            &token,
            &url,
            json!(["it.comune.socialcare.referral.create"]),
        )
        .await;
        let secret = made["secret"].as_str().unwrap().to_owned();
        // Down for the first two attempts (then the backoff waits 1 s, 2 s).
        inbox.fail.store(2, std::sync::atomic::Ordering::SeqCst);
        let mut sent = Vec::new();
        for _ in 0..3 {
            sent.push(format!(
                "referral/{}",
                id_of(&refer(&app, &worker, &file, &cpi).await)
            ));
        }
        assert!(
            receiver::until(30, || inbox.accepted().len() >= 3).await,
            "{:?}",
            inbox.all()
        );
        let got = inbox.accepted();
        assert_eq!(got.iter().map(subject).collect::<Vec<_>>(), sent);
        got.iter().for_each(|d| verify(&secret, d));
        // The refused attempts were of the first event, the others waited behind it.
        let all = inbox.all();
        assert_eq!(all.len(), 5, "{all:?}");
        assert!(all[..3].iter().all(|d| d.id == got[0].id));
        let id = id_of(&made);
        let codes: Vec<i64> = attempts_once(&app, &token, &id, 5)
            .await
            .iter()
            .rev()
            .map(|a| a["status_code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, [503, 503, 204, 204, 204]);
        let state = app.get_ok(&token, &format!("/partner/webhooks/{id}")).await;
        assert_eq!(state["consecutive_failures"], 0);
        assert_eq!(state["enabled"], true);
    }

    async fn subscriptions_are_checked_and_kept_per_client(app: TestApp) {
        let (admin, cpi, client) = partner(&app, "UEPE", "probation_office", &["events"]).await;
        let (_, _, other) = partner(&app, "SerD", "addiction_service", &["events"]).await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let other_token = client_token(&app, &other, "ec1", EC1_PRIVATE).await;
        for (body, pointer) in [
            (json!({"url": "not a url"}), "/url"),
            (json!({"url": "ftp://example.it/x"}), "/url"),
            (json!({"url": "https://u:p@example.it/x"}), "/url"),
            (
                json!({"url": "https://example.it/x", "event_types": ["referral.create"]}),
                "/event_types",
            ),
        ] {
            let p = problem(app.post(&token, "/partner/webhooks", &body).await, 422).await;
            assert_eq!(pointers(&p), [pointer], "{body}");
        }
        let made = subscribe(&app, &token, "https://example.it/hooks", json!([])).await;
        let id = id_of(&made);
        // Another client's subscription does not exist for this one; staff are refused.
        problem(
            app.get(&other_token, &format!("/partner/webhooks/{id}"))
                .await,
            404,
        )
        .await;
        assert!(
            app.get_ok(&other_token, "/partner/webhooks").await["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        let (_, worker) = app
            .staff(&admin, "carla", &["social_worker"], &["social_inclusion"])
            .await;
        problem(app.get(&worker, "/partner/webhooks").await, 403).await;
        // Stopped and resumed with If-Match.
        let r = app.get(&token, &format!("/partner/webhooks/{id}")).await;
        let etag = etag_of(&r);
        problem(
            app.put_if(
                &token,
                &format!("/partner/webhooks/{id}"),
                None,
                &json!({"url": "https://example.it/hooks", "event_types": [], "enabled": false}),
            )
            .await,
            428,
        )
        .await;
        let r = app
            .put_if(
                &token,
                &format!("/partner/webhooks/{id}"),
                Some(&etag),
                &json!({"url": "https://example.it/hooks", "event_types": [], "enabled": false}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["enabled"], false);
        // Its creation and change are events of the organisation's feed.
        let feed = app.get_ok(&token, "/events").await;
        let types: Vec<&str> = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert!(
            types.contains(&"it.comune.socialcare.webhook_subscription.create"),
            "{types:?}"
        );
        assert!(
            types.contains(&"it.comune.socialcare.webhook_subscription.update"),
            "{types:?}"
        );
        let _ = cpi;
    }

    async fn events_are_redelivered_on_demand(app: TestApp) {
        let (admin, cpi, client) =
            partner(&app, "Distretto sanitario", "health_district", &["events"]).await;
        let (worker, file, _) = case(&app, &admin, "dario").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let (url, inbox) = receiver::start().await;
        let made = subscribe(
            &app,
            &token,
            &url,
            json!(["it.comune.socialcare.referral.create"]),
        )
        .await;
        let id = id_of(&made);
        let start = made["delivered_through"].as_i64().unwrap();
        refer(&app, &worker, &file, &cpi).await;
        refer(&app, &worker, &file, &cpi).await;
        assert!(receiver::until(15, || inbox.accepted().len() >= 2).await);
        let p = problem(
            app.post(
                &token,
                &format!("/partner/webhooks/{id}/redeliveries"),
                &json!({"after": 1_000_000}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/after"]);
        let r = app
            .post(
                &token,
                &format!("/partner/webhooks/{id}/redeliveries"),
                &json!({"after": start}),
            )
            .await;
        let moved = created(r).await;
        assert_eq!(moved["delivered_through"], start);
        assert!(
            receiver::until(15, || inbox.accepted().len() >= 4).await,
            "{:?}",
            inbox.all()
        );
        let got = inbox.accepted();
        assert_eq!(got[2].id, got[0].id);
        assert_eq!(got[3].id, got[1].id);
    }

    async fn two_servers_never_send_one_event_twice(app: TestApp) {
        let (admin, cpi, client) =
            partner(&app, "Cooperativa Il Ponte", "cooperative", &["events"]).await;
        let second = app.spawn_beside().await;
        let (worker, file, _) = case(&app, &admin, "elena").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let (url, inbox) = receiver::start().await;
        let mut subscriptions = Vec::new();
        for _ in 0..3 {
            subscriptions.push(
                subscribe(
                    &app,
                    &token,
                    &url,
                    json!(["it.comune.socialcare.referral.create"]),
                )
                .await,
            );
        }
        let path = format!("/case-files/{file}/referrals");
        let bodies: Vec<Value> = (0..12)
            .map(|i| json!({"direction": "outgoing", "organisation_id": cpi, "reason": format!("r{i}")}))
            .collect();
        let writes = bodies.iter().enumerate().map(|(i, body)| {
            let target = if i % 2 == 0 { &app } else { &second };
            target.post(&worker, &path, body)
        });
        for r in futures_util::future::join_all(writes).await {
            created(r).await;
        }
        // Three subscriptions × twelve events, each exactly once (the receiver never fails, so
        // a second copy could only come from two workers sending the same run).
        assert!(
            receiver::until(30, || inbox.accepted().len() >= 36).await,
            "{}",
            inbox.all().len()
        );
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let all = inbox.all();
        assert_eq!(all.len(), 36, "duplicates were sent");
        // Each subscription saw each event once: 12 distinct ids, each three times.
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        for d in &all {
            *ids.entry(d.id.clone()).or_default() += 1;
        }
        assert_eq!(ids.len(), 12);
        assert!(ids.values().all(|n| *n == 3), "{ids:?}");
        assert_eq!(subscriptions.len(), 3);
    }

    /// Runs on each engine with `--webhook-max-failures 2`.
    #[tokio::test]
    async fn sqlite_a_subscription_that_keeps_failing_is_disabled_and_its_client_told() {
        let app = TestApp::spawn_with(
            socialcare_tests::Engine::Sqlite,
            &["--webhook-max-failures", "2"],
        )
        .await;
        if let Some(app) = app {
            a_subscription_that_keeps_failing_is_disabled_and_its_client_told(app).await;
        }
    }

    /// Runs on each engine with `--webhook-max-failures 2`.
    #[tokio::test]
    async fn postgres_a_subscription_that_keeps_failing_is_disabled_and_its_client_told() {
        let app = TestApp::spawn_with(
            socialcare_tests::Engine::Postgres,
            &["--webhook-max-failures", "2"],
        )
        .await;
        if let Some(app) = app {
            a_subscription_that_keeps_failing_is_disabled_and_its_client_told(app).await;
        }
    }

    async fn a_subscription_that_keeps_failing_is_disabled_and_its_client_told(app: TestApp) {
        let (admin, cpi, client) = partner(
            &app,
            "Centro per l'impiego di Cles",
            "employment_centre",
            &["events"],
        )
        .await;
        let (worker, file, _) = case(&app, &admin, "fabio").await;
        let token = client_token(&app, &client, "ec1", EC1_PRIVATE).await;
        let (url, inbox) = receiver::start().await;
        let made = subscribe(
            &app,
            &token,
            &url,
            json!(["it.comune.socialcare.referral.create"]),
        )
        .await;
        let id = id_of(&made);
        inbox.down.store(true, std::sync::atomic::Ordering::SeqCst);
        let referral = refer(&app, &worker, &file, &cpi).await;
        let path = format!("/partner/webhooks/{id}");
        let mut state = Value::Null;
        for _ in 0..100 {
            state = app.get_ok(&token, &path).await;
            if state["enabled"] == false {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(state["enabled"], false, "{state}");
        assert!(
            state["disabled_reason"]
                .as_str()
                .unwrap()
                .contains("2 failed"),
            "{state}"
        );
        assert_eq!(inbox.all().len(), 2);
        // The client is told by an event of its feed, and the office's act is audited.
        let feed = app.get_ok(&token, "/events").await;
        assert!(feed["items"].as_array().unwrap().iter().any(|e| e["type"]
            == "it.comune.socialcare.webhook_subscription.disable"
            && e["subject"] == format!("webhook_subscription/{id}")));
        assert!(
            app.audit(20)
                .iter()
                .any(|r| r.action == "webhook_subscription.disable"
                    && r.actor_username.as_deref() == Some("system:webhooks"))
        );
        // Enabled again once the receiver is back: the waiting event arrives.
        inbox.down.store(false, std::sync::atomic::Ordering::SeqCst);
        let etag = etag_of(&app.get(&token, &path).await);
        let r = app.put_if(&token, &path, Some(&etag),
            &json!({"url": url, "event_types": ["it.comune.socialcare.referral.create"], "enabled": true})).await;
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["enabled"], true);
        assert_eq!(body["consecutive_failures"], 0);
        assert!(receiver::until(15, || !inbox.accepted().is_empty()).await);
        assert_eq!(
            subject(&inbox.accepted()[0]),
            format!("referral/{}", id_of(&referral))
        );
    }
}
