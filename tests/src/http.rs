//! The one HTTP client of the test binaries and the builders of their fixtures: requests with a
//! bearer token (and `If-Match` where a change needs it), the staff, persons and case files most
//! tests start from, and the small readers of answers (ETag, JSON Pointers, the office's days).
//!
//! Every test binary uses these instead of a copy of its own, so that a change of the API's
//! conventions (a header, a media type) is made once.

use chrono::{Duration, Utc};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use socialcare_domain::calendar;

use crate::{TestApp, user_password};

/// A staff member of a test: `(user id, access token)`.
pub type Staff = (String, String);

/// One request: `method path` with `token` (none when empty), an optional `If-Match` and an
/// optional JSON body.
pub struct Call<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    token: &'a str,
    if_match: Option<String>,
    key: Option<&'static str>,
    body: Option<(Vec<u8>, &'static str)>,
    headers: Vec<(&'static str, String)>,
}

impl<'a> Call<'a> {
    /// Sends `If-Match: etag`.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Sends `Idempotency-Key: key`.
    pub fn header_key(mut self, key: &'static str) -> Self {
        self.key = Some(key);
        self
    }

    /// Sends another header, e.g. `Accept-Language`.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends `body` as `application/json`.
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some((body.to_string().into_bytes(), "application/json"));
        self
    }

    /// Sends `body` as it is, with the media type `media_type`.
    pub fn raw(mut self, body: impl Into<String>, media_type: &'static str) -> Self {
        self.body = Some((body.into().into_bytes(), media_type));
        self
    }

    /// Sends `body`'s bytes as they are (not necessarily UTF-8), with the media type
    /// `media_type`.
    pub fn bytes(mut self, body: Vec<u8>, media_type: &'static str) -> Self {
        self.body = Some((body, media_type));
        self
    }

    /// Sends the request; panics when it cannot be sent (the server is part of the test).
    pub async fn send(self) -> Response {
        let mut request = self
            .app
            .client
            .request(self.method, self.app.api(&self.path));
        if !self.token.is_empty() {
            request = request.bearer_auth(self.token);
        }
        if let Some(etag) = self.if_match {
            request = request.header("if-match", etag);
        }
        if let Some(key) = self.key {
            request = request.header("idempotency-key", key);
        }
        for (name, value) in self.headers {
            request = request.header(name, value);
        }
        if let Some((body, media_type)) = self.body {
            request = request.header("content-type", media_type).body(body);
        }
        request
            .send()
            .await
            .unwrap_or_else(|e| panic!("request failed: {e}"))
    }
}

impl TestApp {
    /// A request to build: `app.call(Method::POST, token, "/persons").json(&body).send()`.
    pub fn call<'a>(&'a self, method: Method, token: &'a str, path: &str) -> Call<'a> {
        Call {
            app: self,
            method,
            path: path.to_owned(),
            token,
            if_match: None,
            key: None,
            body: None,
            headers: Vec::new(),
        }
    }

    /// GET.
    pub async fn get(&self, token: &str, path: &str) -> Response {
        self.call(Method::GET, token, path).send().await
    }

    /// GET expecting 200; returns the body.
    pub async fn get_ok(&self, token: &str, path: &str) -> Value {
        let response = self.get(token, path).await;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// POST with a JSON body.
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Response {
        self.call(Method::POST, token, path).json(body).send().await
    }

    /// POST with a JSON body and `If-Match`.
    pub async fn post_if(&self, token: &str, path: &str, etag: &str, body: &Value) -> Response {
        self.call(Method::POST, token, path)
            .if_match(etag)
            .json(body)
            .send()
            .await
    }

    /// PUT with a JSON body and, when given, `If-Match`.
    pub async fn put_if(
        &self,
        token: &str,
        path: &str,
        etag: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut call = self.call(Method::PUT, token, path).json(body);
        if let Some(etag) = etag {
            call = call.if_match(etag);
        }
        call.send().await
    }

    /// PATCH with a JSON merge patch (RFC 7396) and, when given, `If-Match`.
    pub async fn merge_patch(
        &self,
        token: &str,
        path: &str,
        etag: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut call = self
            .call(Method::PATCH, token, path)
            .raw(body.to_string(), "application/merge-patch+json");
        if let Some(etag) = etag {
            call = call.if_match(etag);
        }
        call.send().await
    }

    /// `POST path` with a JSON `body` that is still arriving while `meanwhile` runs: the headers
    /// and the first half of the body are sent over a plain connection, the server starts the
    /// request (its handler waits for the rest), `meanwhile` changes who may write, then the
    /// rest of the body follows. Returns the status code of the answer.
    pub async fn post_with_body_after<F>(
        &self,
        token: &str,
        path: &str,
        body: &Value,
        meanwhile: F,
    ) -> u16
    where
        F: std::future::Future<Output = ()>,
    {
        use std::io::{Read, Write};
        let host = self.address.trim_start_matches("http://").to_owned();
        let body = body.to_string();
        let (first, rest) = body.split_at(body.len() / 2);
        let (first, rest) = (first.to_owned(), rest.to_owned());
        let head = format!(
            "POST /api/v1{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
            body.len()
        );
        let mut stream = std::net::TcpStream::connect(&host)
            .unwrap_or_else(|e| panic!("cannot connect to {host}: {e}"));
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.flush())
            .unwrap_or_else(|e| panic!("cannot send the request head: {e}"));
        // Time for the server to read the head and start the handler, which now waits.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        meanwhile.await;
        tokio::task::spawn_blocking(move || {
            stream
                .write_all(rest.as_bytes())
                .unwrap_or_else(|e| panic!("cannot send the rest of the body: {e}"));
            let mut answer = String::new();
            stream
                .read_to_string(&mut answer)
                .unwrap_or_else(|e| panic!("cannot read the answer: {e}"));
            answer
                .split_whitespace()
                .nth(1)
                .and_then(|code| code.parse().ok())
                .unwrap_or_else(|| panic!("no status line in {answer:?}"))
        })
        .await
        .unwrap_or_else(|e| panic!("the sender failed: {e}"))
    }

    /// A staff member created by the administrator (`admin` is its token), logged in.
    pub async fn staff(
        &self,
        admin: &str,
        username: &str,
        roles: &[&str],
        areas: &[&str],
    ) -> Staff {
        let user = self.create_user(admin, username, roles, areas).await;
        let (token, _) = self.tokens(username, &user_password(username)).await;
        (id_of(&user), token)
    }

    /// Registers a person named `given` `family` (expecting 201); returns the id.
    pub async fn register_person(&self, token: &str, given: &str, family: &str) -> String {
        let response = self
            .post(
                token,
                "/persons",
                &json!({"given_names": given, "family_names": family}),
            )
            .await;
        id_of(&created(response).await)
    }

    /// Opens a case file for `person` in `area` managed by `case_manager`, opened `opened_on`
    /// (today when `None`), expecting 201; returns the file.
    pub async fn open_case_file(
        &self,
        token: &str,
        person: &str,
        area: &str,
        case_manager: &str,
        opened_on: Option<&str>,
    ) -> Value {
        let mut body = json!({"person_id": person, "area": area, "case_manager_id": case_manager});
        if let Some(day) = opened_on {
            body["opened_on"] = json!(day);
        }
        created(self.post(token, "/case-files", &body).await).await
    }
}

/// The body of a response expected to be a success (2xx); panics with the problem otherwise.
pub async fn created(response: Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// The `id` member of a JSON object.
pub fn id_of(body: &Value) -> String {
    body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {body}"))
        .to_owned()
}

/// The `ETag` header of a response.
pub fn etag_of(response: &Response) -> String {
    response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no ETag in the answer ({})", response.status()))
        .to_owned()
}

/// The JSON Pointers of a 422 problem, in order.
pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["pointer"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The office's day (Europe/Rome) `offset` days from today, as `YYYY-MM-DD`.
pub fn day(offset: i64) -> String {
    (calendar::today(Utc::now()) + Duration::days(offset)).to_string()
}

/// The body part of an assessment scoring every domain with `severity`.
pub fn assessment_scores(severity: u8) -> Value {
    Value::Array(
        [
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
        .map(|d| serde_json::json!({"domain": d, "severity": severity}))
        .collect(),
    )
}
