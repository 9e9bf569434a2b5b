//! Body and query extractors that answer bad input with precise problem details.

use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};
use std::future::{Ready, ready};
use std::marker::PhantomData;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use crate::error::{ApiError, InvalidParam};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON body, deserialised and validated. Answers 415 for another media type, 413 above
/// 1 MiB, 400 for malformed JSON and 422 (with JSON Pointers) for well-formed but invalid content.
#[derive(Debug)]
pub struct ValidJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn pointer_of(path: &Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_pointer_segment(key));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Name quoted in serde's "missing field `x`" message (the path then ends at the parent).
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Removes serde's " at line X column Y" suffix.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn deserialization_error(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let mut pointer = pointer_of(error.path());
    let inner = error.inner();
    let message = strip_position(&inner.to_string());
    if inner.is_data() {
        if let Some(field) = missing_field(&message) {
            pointer.push('/');
            pointer.push_str(&escape_pointer_segment(field));
        }
        ApiError::Validation(vec![InvalidParam::pointer(pointer, message)])
    } else {
        ApiError::bad_request(format!("the body is not valid JSON: {message}"))
    }
}

fn validator_message(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(ToString::to_string);
    match error.code.as_ref() {
        "length" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("length must be between {min} and {max}"),
            (Some(min), None) => format!("length must be at least {min}"),
            (None, Some(max)) => format!("length must be at most {max}"),
            _ => "invalid length".into(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "out of range".into(),
        },
        "email" => "must be an e-mail address".into(),
        code => format!("is invalid ({code})"),
    }
}

/// Flattens validator errors into JSON Pointers (nested structs and lists included).
pub fn validation_params(errors: &ValidationErrors, prefix: &str) -> Vec<InvalidParam> {
    let mut out = Vec::new();
    let mut fields: Vec<_> = errors.errors().iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    for (field, kind) in fields {
        let pointer = format!("{prefix}/{}", escape_pointer_segment(field));
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    out.push(InvalidParam::pointer(pointer.clone(), validator_message(e)));
                }
            }
            ValidationErrorsKind::Struct(inner) => out.extend(validation_params(inner, &pointer)),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    out.extend(validation_params(inner, &format!("{pointer}/{index}")));
                }
            }
        }
    }
    out
}

impl<T> FromRequest for ValidJson<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        if !is_json(req) {
            return Box::pin(ready(Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ))));
        }
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes =
                body.await
                    .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                        Some(actix_web::error::PayloadError::Overflow) => {
                            ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                        }
                        _ => ApiError::bad_request("the request body could not be read"),
                    })?;
            decode_json(&bytes).map(ValidJson)
        })
    }
}

/// Deserialises and validates a JSON body already read.
pub fn decode_json<T>(bytes: &[u8]) -> Result<T, ApiError>
where
    T: DeserializeOwned + Validate,
{
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("a JSON body is required"));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: T =
        serde_path_to_error::deserialize(&mut deserializer).map_err(deserialization_error)?;
    deserializer.end().map_err(|_| {
        ApiError::bad_request("the body has trailing characters after the JSON value")
    })?;
    value
        .validate()
        .map_err(|e| ApiError::Validation(validation_params(&e, "")))?;
    Ok(value)
}

/// A JSON body whose reading is deferred until the handler asks for it, so that
/// authentication and authorization are decided before the body is looked at: a caller who may
/// not act learns nothing about what a valid body would be. (Actix polls a handler's extractors
/// concurrently, so ordering them is not enough.)
pub struct JsonBody<T> {
    req: HttpRequest,
    payload: Payload,
    _body: PhantomData<fn() -> T>,
}

impl<T> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Self {
            req: req.clone(),
            payload: payload.take(),
            _body: PhantomData,
        }))
    }
}

impl<T> JsonBody<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    /// Reads, deserialises and validates the body (see [`ValidJson`] for the answers).
    pub async fn parse(self) -> Result<T, ApiError> {
        self.parse_raw().await.map(|(value, _)| value)
    }

    /// Like [`JsonBody::parse`], also returning the raw bytes (for idempotency fingerprints).
    pub async fn parse_raw(mut self) -> Result<(T, web::Bytes), ApiError> {
        if !is_json(&self.req) {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        let bytes = web::Bytes::from_request(&self.req, &mut self.payload)
            .await
            .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                Some(actix_web::error::PayloadError::Overflow) => {
                    ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                }
                _ => ApiError::bad_request("the request body could not be read"),
            })?;
        let value = decode_json(&bytes)?;
        Ok((value, bytes))
    }
}

/// A JSON body read as bytes by the extractor and judged only when the gate
/// ([`crate::case_work`]) has decided the caller may act: media type, size, JSON and validation
/// errors come after the 403, never before.
pub struct Body<T> {
    req: HttpRequest,
    payload: Payload,
    _body: PhantomData<fn() -> T>,
}

impl<T> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Self {
            req: req.clone(),
            payload: payload.take(),
            _body: PhantomData,
        }))
    }
}

impl<T> Body<T> {
    /// Reads the body: its bytes, or the error to answer once the caller is authorized (415
    /// for another media type, 413 above [`MAX_BODY_BYTES`], 400 when it cannot be read).
    pub async fn bytes(mut self) -> Result<web::Bytes, ApiError> {
        let bytes = web::Bytes::from_request(&self.req, &mut self.payload)
            .await
            .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                Some(actix_web::error::PayloadError::Overflow) => {
                    ApiError::PayloadTooLarge(MAX_BODY_BYTES)
                }
                _ => ApiError::bad_request("the request body could not be read"),
            })?;
        if !is_json(&self.req) {
            return Err(ApiError::UnsupportedMediaType(
                "send the body as application/json".into(),
            ));
        }
        Ok(bytes)
    }
}

/// A typed id taken from a path segment: `Id<ProjectId>` reads `{project_id}`.
#[derive(Debug, Clone, Copy)]
pub struct Id<T>(pub T);

/// An id type that a path names, and the name of its path segment.
pub trait PathId: Sized {
    /// The path parameter, e.g. `project_id`.
    const PARAM: &'static str;
    /// The typed id of a UUID.
    fn of(id: uuid::Uuid) -> Self;
}

macro_rules! path_ids {
    ($($ty:ident => $param:literal),* $(,)?) => {
        $(impl PathId for socialcare_domain::ids::$ty {
            const PARAM: &'static str = $param;
            fn of(id: uuid::Uuid) -> Self {
                Self::new(id)
            }
        })*
    };
}

path_ids!(
    CaseFileId => "case_file_id",
    PersonId => "person_id",
    HouseholdId => "household_id",
    ProjectId => "project_id",
    ObjectiveId => "objective_id",
    ParticipantId => "participant_id",
    ActionId => "action_id",
    ReviewId => "review_id",
    PactId => "pact_id",
    StepId => "step_id",
    CommitmentId => "commitment_id",
    CheckId => "check_id",
    DiaryEntryId => "entry_id",
    ConsentId => "consent_id",
    ReferralId => "referral_id",
    AssessmentId => "assessment_id",
);

impl<T: PathId> Id<T> {
    fn parse(req: &HttpRequest) -> Result<T, ApiError> {
        let raw = req.match_info().get(T::PARAM).unwrap_or_default();
        uuid::Uuid::parse_str(raw)
            .map(T::of)
            .map_err(|_| ApiError::bad_parameter(T::PARAM, "must be a UUID"))
    }
}

impl<T: PathId> FromRequest for Id<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Self::parse(req).map(Id))
    }
}

/// Query parameters, deserialised and validated; errors are 400 naming the parameter.
#[derive(Debug)]
pub struct ValidQuery<T>(pub T);

impl<T> ValidQuery<T>
where
    T: DeserializeOwned + Validate + 'static,
{
    /// Parses the query string of a request (call it after authorization).
    pub fn parse(req: &HttpRequest) -> Result<T, ApiError> {
        Self::from_query(req.query_string()).map(|q| q.0)
    }

    /// Parses a query string (errors are 400 naming the parameter).
    pub fn from_query(query: &str) -> Result<Self, ApiError> {
        {
            let pairs = form_pairs(query);
            let deserializer = serde_urlencoded::Deserializer::new(pairs);
            let value: T = serde_path_to_error::deserialize(deserializer).map_err(|e| {
                let name = pointer_of(e.path()).trim_start_matches('/').to_owned();
                let message = e.inner().to_string();
                let name = missing_field(&message).map_or(name, ToOwned::to_owned);
                ApiError::bad_parameter(&name, message)
            })?;
            value.validate().map_err(|e| {
                let errors: Vec<InvalidParam> = validation_params(&e, "")
                    .into_iter()
                    .map(|p| {
                        InvalidParam::parameter(
                            p.pointer.unwrap_or_default().trim_start_matches('/'),
                            p.detail,
                        )
                    })
                    .collect();
                ApiError::BadRequest {
                    detail: "invalid query parameters; see `errors`".into(),
                    errors,
                }
            })?;
            Ok(ValidQuery(value))
        }
    }
}

fn form_pairs(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped() {
        assert_eq!(escape_pointer_segment("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn field_names_are_read_from_serde_messages() {
        assert_eq!(missing_field("missing field `username`"), Some("username"));
        assert_eq!(
            missing_field("unknown field `rolez`, expected one of"),
            None
        );
        assert_eq!(strip_position("oops at line 1 column 5"), "oops");
    }
}
