//! The published contract: collected from the registered handlers, then completed with what is
//! common to every operation (base path, servers, security, the standard error responses).

use actix_web::http::Method;
use serde_json::{Map, Value, json};
use utoipa::OpenApi;

use crate::error::{InvalidParam, Problem};
use crate::routes;

/// Base path of every API operation; the contract's paths are relative to it.
pub const BASE_PATH: &str = "/api/v1";

/// Stable identifier of this API in catalogues (`x-api-id`).
pub const API_ID: &str = "0b5a3f0e-6c1d-4f7e-9a8b-5e2d1c4b3a90";

/// The document skeleton; paths come from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "socialcare API",
        description = "REST API of the social services office of an Italian municipality: the \
people it takes into its care, their case files, projects and inclusion pacts, housing and job \
placements, and the waiting lists for care resources.\n\nThe data is special-category personal \
data (GDPR art. 9 and 10): every call is authenticated, authorised on a need-to-know basis and \
recorded in the audit trail.\n\nConventions: JSON with snake_case members; dates `YYYY-MM-DD`; \
instants RFC 3339 in UTC; errors are RFC 9457 problem details (`application/problem+json`) \
with an `errors` list of JSON Pointers for invalid input; every response carries \
`X-Request-Id` (sent by the client or generated), the caller's rate limit \
(`X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`; 429 with `Retry-After` \
beyond it) and is compressed (`br`, `gzip`) when `Accept-Encoding` allows. An optional \
`Accept-Language` header that prefers Italian (e.g. `it-IT,it;q=0.9`; any value is accepted) \
gives Italian problem titles and details, with `Content-Language` saying the language of each \
problem; `GET /codes` gives the Italian and English labels of every code list.",
        contact(name = "socialcare maintainers", email = "socialcare@comune.example.it", url = "https://github.com/comune/socialcare"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    tags(
        (name = "status", description = "Health of the service."),
        (name = "codes", description = "The Italian and English labels of every code list of the API."),
        (name = "authentication", description = "Log in, refresh and log out (JWT access tokens, rotating refresh tokens)."),
        (name = "users", description = "Staff accounts: the caller's own, and administration by system administrators."),
        (name = "case-files", description = "Case files (cartelle sociali): taking a person in charge in an area, the lifecycle, the team, the caseloads, consents and referrals to and from external services."),
        (name = "persons", description = "The people the office serves (persone assistite): registration with duplicate checks, correction, annulment, search."),
        (name = "households", description = "Households (nuclei familiari): members and their relationship to the reference person, with the history of who lived with whom and when; the composition on any date."),
        (name = "audit", description = "The audit trail (who read or changed which personal data, when, why): search, the access report of a person (GDPR art. 15), verification of the hash chain, and the review of break-glass accesses. For the privacy officer and the office manager."),
        (name = "projects", description = "Social projects (progetti sociali personalizzati) of a case file: the lifecycle draft, active, completed or interrupted; objectives, participants, actions and reviews."),
        (name = "pacts", description = "Inclusion pacts (Patti per l'inclusione sociale) of a case file: steps, the lifecycle draft, signed, active, suspended, closed; commitments per household member, periodic checks, non-compliance events and the legal clocks computed from versioned rules."),
        (name = "agenda", description = "What is due or overdue for a case manager across projects and pacts, by due day."),
        (name = "housing", description = "Housing (abitare): the register of facilities and their beds with seasons and out-of-service periods, the search of free beds across facilities, and the placements of the person of a case file in a bed, never overbooked."),
        (name = "employment", description = "Employment (occupazione): the register of employers (companies, social cooperatives, public bodies, associations) with their partita IVA, and the procurement contracts with a social clause with the history of their amendments, kept by the administrative staff; the employment placements of the person of a case file (traineeships, work grants, social-clause hiring, provincial programmes, PUC, targeted placement) with their lifecycle and monthly hours; the compliance of each contract's clause on a day and over its period."),
        (name = "waiting-lists", description = "Access to care resources and their waiting lists (liste d'attesa): the published and versioned criteria sets that score applications (urgency, family support, disability severity, ISEE bands, minors in the household, months on the list), never changed once published, and the care resources (residential and day services for persons with disability, home care, meals, shelter places, social housing) with their managing body, area, criteria set and places over time."),
        (name = "benefits", description = "The register of benefits granted (prestazioni): each intervention or benefit granted to the person of a case file, coded on the nomenclator of social interventions and services, in money or in kind, with its amount and frequency, its dependence on the ISEE (value and DSU protocol), its days and the decision (determina) that granted it; recorded alone or with the admission or placement it comes with. What the national register of social benefits (INPS SIUSS) must receive."),
        (name = "partners", description = "Partner systems: the register of partner organisations (Centro per l'impiego, Agenzia del Lavoro, the Provincia, cooperatives…) and of their machine clients with their scopes and public keys; the token endpoint where a client obtains an access token with a signed client assertion (OAuth 2.0 client credentials, private_key_jwt, RFC 7523); the referrals addressed to a partner organisation, read and answered by its clients. See docs/integration.md."),
        (name = "statistics", description = "Indicators for the Provincia (planning against severe adult marginalisation): per year, quarter or month and per area, persons in charge, case files opened and closed, bed nights, inclusion pacts by status and lateness, employment placements and outcomes, applications, admissions and waiting times, benefits granted; pseudonymised, with the small cells suppressed (primary and secondary suppression) and true totals; JSON or CSV. See docs/statistics.md."),
        (name = "retention", description = "The retention procedure: what the retention rules make due (a dry run that changes nothing) and the runs that erase the content of old case files and special categories and pseudonymise identities, under an authorisation to discard, keeping what the statistics of past periods count. For the privacy officer. See docs/retention.md."),
        (name = "imports", description = "Bulk import of persons, households and open case files from the CSV files of the system the office replaces: the template, a dry run that judges every row and changes nothing, and the import itself, in batches, known by the SHA-256 of its file so that the same file is never imported twice and an interrupted import goes on. For the office manager. See docs/import.md."),
        (name = "training", description = "Training and supervision of the staff: the events with their hours and professional credits, the attendance, each staff member's register against the obligation of 60 credits in three years (15 on ethics), and the office's table. Staff data, not case data."),
        (name = "sensitive-data", description = "Special categories of personal data of a person (GDPR art. 9 and 10), one sub-resource per group: health and disability, community (Roma, Sinti, Caminanti), residence permit and protection status, criminal justice; and the permits about to expire. Every read and write is audited."),
    ),
    components(schemas(Problem, InvalidParam)),
    security(("bearerAuth" = [])),
)]
pub struct ApiDoc;

/// Builds the complete contract as JSON: the one served at `/api/v1/openapi.json`, printed by
/// `socialcare openapi` and committed as `openapi/openapi.json`.
pub fn document() -> Value {
    use actix_web::App;
    use utoipa_actix_web::AppExt;
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope(BASE_PATH).configure(routes::configure))
        .split_for_parts();
    let mut doc = serde_json::to_value(&api).unwrap_or_else(|_| json!({}));
    complete(&mut doc);
    doc
}

/// The contract as pretty-printed JSON text with a final newline (the committed form).
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

/// `(path template under BASE_PATH, methods)` of every operation, for the 404/405 fallback.
pub fn route_table(doc: &Value) -> Vec<(String, Vec<Method>)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let methods = item
                .as_object()
                .map(|ops| {
                    ops.keys()
                        .filter_map(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
                        .collect()
                })
                .unwrap_or_default();
            out.push((format!("{BASE_PATH}{path}"), methods));
        }
    }
    out
}

fn problem_response(description: &str, headers: Value) -> Value {
    let mut response = json!({
        "description": description,
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    });
    if headers.as_object().is_some_and(|h| !h.is_empty()) {
        response["headers"] = headers;
    }
    response
}

fn standard_responses() -> Value {
    json!({
        "BadRequest": problem_response(
            "The request is malformed: invalid JSON, or a query or path parameter that cannot be parsed (named in `errors`).",
            json!({})),
        "Unauthorized": problem_response(
            "No access token, or the token is invalid, expired, or belongs to a disabled account.",
            json!({ "WWW-Authenticate": { "description": "The Bearer challenge (RFC 6750), with `error=\"invalid_token\"` when a token was rejected.", "schema": { "type": "string" } } })),
        "Forbidden": problem_response(
            "The caller is authenticated but their roles or relation to the resource do not allow this action. The attempt is recorded in the audit trail.",
            json!({})),
        "PayloadTooLarge": problem_response("The request body exceeds 1 MiB.", json!({})),
        "UnsupportedMediaType": problem_response(
            "The request body is not JSON (`application/json`, or `application/merge-patch+json` for PATCH).",
            json!({})),
        "UnprocessableEntity": problem_response(
            "The body is well-formed JSON but invalid; `errors` has a JSON Pointer and a message for each offending member.",
            json!({})),
        "InternalServerError": problem_response(
            "Unexpected error. Nothing was changed. Quote `request_id` when reporting it.",
            json!({})),
        "TooManyRequests": problem_response(
            "The caller has spent its quota of requests per minute (`X-RateLimit-Limit`, configured with `SOCIALCARE_RATE_LIMIT_PER_MINUTE`); nothing was done. Retry after `Retry-After` seconds.",
            json!({ "Retry-After": { "description": "Seconds to wait before the next request is accepted.", "required": true, "schema": { "type": "integer", "format": "int32", "minimum": 1 } } })),
        "ServiceUnavailable": problem_response(
            "The database is unreachable or busy; retry later.",
            json!({ "Retry-After": { "description": "Seconds to wait before retrying.", "schema": { "type": "integer", "format": "int32", "minimum": 0 } } })),
    })
}

/// The rate-limit headers every response carries (api/src/rate_limit.rs) and its
/// `Cache-Control` (api/src/middleware.rs), as reusable header objects.
fn rate_limit_headers() -> Value {
    let header = |description: &str, minimum: u32| {
        json!({
            "description": description,
            "required": true,
            "schema": { "type": "integer", "format": "int32", "minimum": minimum, "maximum": 1_000_000 }
        })
    };
    json!({
        RATE_LIMIT_LIMIT: header("The caller's quota of requests per minute on this server process (`SOCIALCARE_RATE_LIMIT_PER_MINUTE`): each staff member, each machine client and, without a valid access token, each client address has its own.", 1),
        RATE_LIMIT_REMAINING: header("How many more requests the caller may send at once before being answered 429.", 0),
        RATE_LIMIT_RESET: header("Seconds until the caller's quota is whole again (it refills one request every `60 / limit` seconds).", 0),
        CONTENT_LANGUAGE: {
            "description": "The language of the problem document: `en`, `it` (when the request's `Accept-Language` prefers Italian), or `it, en` when a detail has no Italian translation yet and stays in English.",
            "required": true,
            "schema": { "type": "string", "enum": ["en", "it", "it, en"] }
        },
        CACHE_CONTROL: {
            "description": "Always `no-store`: every answer may hold personal data or describe an instant, so no cache (browser or proxy) keeps it.",
            "required": true,
            "schema": { "type": "string", "enum": ["no-store"] }
        },
    })
}

const RATE_LIMIT_LIMIT: &str = "X-RateLimit-Limit";
const RATE_LIMIT_REMAINING: &str = "X-RateLimit-Remaining";
const RATE_LIMIT_RESET: &str = "X-RateLimit-Reset";
const CACHE_CONTROL: &str = "Cache-Control";
const CONTENT_LANGUAGE: &str = "Content-Language";

/// The headers every answer but a 5xx carries: the rate limit's and `Cache-Control`.
const COMMON_HEADERS: &[&str] = &[
    RATE_LIMIT_LIMIT,
    RATE_LIMIT_REMAINING,
    RATE_LIMIT_RESET,
    CACHE_CONTROL,
];

/// Declares the named headers of the components on a response object (a `$ref` is completed
/// where it points to, in the components).
fn declare_headers(response: &mut Value, names: &[&str]) {
    if response.get("$ref").is_some() {
        return;
    }
    let Some(object) = response.as_object_mut() else {
        return;
    };
    let headers = object.entry("headers").or_insert_with(|| json!({}));
    if let Some(headers) = headers.as_object_mut() {
        for name in names {
            headers.insert(
                (*name).to_owned(),
                json!({ "$ref": format!("#/components/headers/{name}") }),
            );
        }
    }
}

fn add_response(responses: &mut Map<String, Value>, status: &str, name: &str) {
    responses
        .entry(status.to_owned())
        .or_insert_with(|| json!({ "$ref": format!("#/components/responses/{name}") }));
}

/// Adds what every operation shares and what the Italian guidelines ask of the document.
fn complete(doc: &mut Value) {
    doc["info"]["x-summary"] = json!(
        "Case files, projects, pacts, placements and waiting lists of a municipal social services office."
    );
    doc["info"]["x-api-id"] = json!(API_ID);
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    doc["servers"] = json!([
        {
            "url": BASE_PATH,
            "description": "The server that publishes this document (development and test instances).",
            "x-sandbox": true
        },
        {
            "url": format!("https://socialcare.comune.example.it{BASE_PATH}"),
            "description": "Production (example host: each municipality publishes its own address)."
        }
    ]);
    doc["components"]["securitySchemes"] = json!({
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from `POST /auth/token`, sent as `Authorization: Bearer <token>`. JWTs are handled per RFC 8725 (JSON Web Token Best Current Practices): the signing algorithm is pinned by the server (HS256 by default, RS256/ES256 when configured; `none` is refused), and `iss`, `aud`, `exp` and `nbf` are always verified. Tokens live 15 minutes by default; renew them with `POST /auth/refresh`."
        }
    });
    doc["components"]["responses"] = standard_responses();
    doc["components"]["headers"] = rate_limit_headers();
    if let Some(responses) = doc["components"]["responses"].as_object_mut() {
        for response in responses.values_mut() {
            declare_headers(response, COMMON_HEADERS);
            declare_headers(response, &[CONTENT_LANGUAGE]);
        }
    }
    doc["components"]["parameters"] = json!({
        "AccessPurpose": {
            "name": crate::request::PURPOSE_HEADER,
            "in": "header",
            "required": false,
            "description": "Why the caller accesses personal data, in the caller's own words, such as `Verifica requisiti ADI` (1-200 printable characters, UTF-8). It has no default and no example value on purpose: what is sent is recorded as the purpose of every audit record the request makes, so a value filled in by a tool would be a false statement in the audit trail; an invalid value is answered with 400.",
            "schema": { "type": "string", "minLength": 1, "maxLength": crate::request::PURPOSE_MAX_CHARS, "pattern": "^[^\\u0000-\\u001f\\u007f]+$" }
        }
    });

    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let old = std::mem::take(paths);
    for (path, mut item) in old {
        let relative = path.strip_prefix(BASE_PATH).unwrap_or(&path).to_owned();
        if let Some(operations) = item.as_object_mut() {
            for operation in operations.values_mut() {
                complete_operation(operation);
            }
        }
        paths.insert(relative, item);
    }
}

fn complete_operation(operation: &mut Value) {
    // `security(())` in the handlers marks public operations: make them explicitly anonymous.
    let public = operation
        .get("security")
        .and_then(Value::as_array)
        .is_some_and(|reqs| {
            reqs.iter()
                .all(|r| r.as_object().is_some_and(Map::is_empty))
        });
    if public {
        operation["security"] = json!([]);
    } else {
        // Every authenticated operation may declare the purpose of the access.
        let reference = json!({ "$ref": "#/components/parameters/AccessPurpose" });
        match operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            Some(parameters) => parameters.push(reference),
            None => operation["parameters"] = json!([reference]),
        }
    }
    let has_body = operation.get("requestBody").is_some();
    let has_params = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    // A reused `Idempotency-Key` with another request is 422, body or not.
    let has_idempotency_key = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|p| {
            p.iter()
                .any(|p| p.get("name") == Some(&json!("Idempotency-Key")))
        });
    let is_status = operation.get("operationId") == Some(&json!("get_status"));

    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if has_body || has_params {
        add_response(responses, "400", "BadRequest");
    }
    if !public {
        add_response(responses, "401", "Unauthorized");
        add_response(responses, "403", "Forbidden");
    }
    if has_body {
        add_response(responses, "413", "PayloadTooLarge");
        add_response(responses, "415", "UnsupportedMediaType");
        add_response(responses, "422", "UnprocessableEntity");
    }
    if has_idempotency_key {
        add_response(responses, "422", "UnprocessableEntity");
    }
    add_response(responses, "429", "TooManyRequests");
    for (status, response) in responses.iter_mut() {
        if !status.starts_with('5') {
            declare_headers(response, COMMON_HEADERS);
        }
        if status.starts_with('4') || status.starts_with('5') {
            declare_headers(response, &[CONTENT_LANGUAGE]);
        }
    }
    // An operation's own 429 (the login throttle) is also a spent rate-limit quota.
    if let Some(headers) = responses
        .get_mut("429")
        .and_then(|r| r.get_mut("headers"))
        .and_then(Value::as_object_mut)
    {
        headers.entry("Retry-After").or_insert_with(|| {
            json!({ "description": "Seconds to wait before retrying.", "required": true, "schema": { "type": "integer", "format": "int32", "minimum": 1 } })
        });
    }
    add_response(responses, "500", "InternalServerError");
    if !is_status {
        add_response(responses, "503", "ServiceUnavailable");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_documented() {
        let doc = document();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        assert!(paths.contains_key("/status"));
        assert!(!paths.keys().any(|p| p.starts_with(BASE_PATH)));
        for (path, item) in paths {
            for (method, op) in item.as_object().cloned().unwrap_or_default() {
                assert!(
                    op["operationId"].is_string(),
                    "{method} {path} has no operationId"
                );
                assert!(op["summary"].is_string(), "{method} {path} has no summary");
                assert!(op["tags"].is_array(), "{method} {path} has no tag");
                assert!(op["responses"]["500"].is_object(), "{method} {path}");
            }
        }
    }

    /// Every code list of the contract has its Italian and English labels (`GET /codes`), with
    /// exactly the contract's codes in its order, and every labelled list is in the contract:
    /// a new enumeration or a new code without labels fails here.
    #[test]
    fn every_code_list_has_its_labels() {
        use socialcare_domain::labels::CODE_LISTS;
        let doc = document();
        let schemas = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut enumerations = 0;
        for (name, schema) in &schemas {
            let Some(codes) = schema["enum"].as_array() else {
                continue;
            };
            // The OAuth token type is a protocol constant, not a code list.
            if name == "TokenType" {
                continue;
            }
            enumerations += 1;
            let list = CODE_LISTS
                .iter()
                .find(|l| l.schema == name)
                .unwrap_or_else(|| panic!("no labels for the code list {name}"));
            let labelled: Vec<&str> = list.codes.iter().map(|c| c.code).collect();
            let codes: Vec<&str> = codes.iter().filter_map(Value::as_str).collect();
            assert_eq!(labelled, codes, "the labels of {name}");
        }
        assert_eq!(
            enumerations,
            CODE_LISTS.len(),
            "a labelled list is not in the contract"
        );
    }
}
