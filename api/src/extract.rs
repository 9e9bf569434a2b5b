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
            let bytes = body.await.map_err(read_error)?;
            decode_json(&bytes).map(ValidJson)
        })
    }
}

/// True for the characters no text field may hold: the C0 controls U+0000–U+001F and DEL
/// U+007F, except tab, line feed and carriage return (free text keeps its lines). PostgreSQL
/// cannot store U+0000 at all; the others are invisible and have no place in a record.
pub fn is_forbidden_control(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7F}'
}

/// The detail given for a forbidden control character.
fn control_detail(c: char) -> String {
    format!(
        "must not contain control characters (U+{:04X})",
        u32::from(c)
    )
}

/// Collects, as JSON Pointers, every string value and object key of `value` holding a
/// character of [`is_forbidden_control`].
fn control_characters(value: &serde_json::Value, pointer: &str, out: &mut Vec<InvalidParam>) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(c) = text.chars().find(|c| is_forbidden_control(*c)) {
                out.push(InvalidParam::pointer(pointer.to_owned(), control_detail(c)));
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                control_characters(item, &format!("{pointer}/{index}"), out);
            }
        }
        serde_json::Value::Object(members) => {
            for (key, item) in members {
                let member = format!("{pointer}/{}", escape_pointer_segment(key));
                if let Some(c) = key.chars().find(|c| is_forbidden_control(*c)) {
                    out.push(InvalidParam::pointer(member.clone(), control_detail(c)));
                } else {
                    control_characters(item, &member, out);
                }
            }
        }
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::Number(_) => {}
    }
}

/// Deserialises and validates a JSON body already read: 400 for malformed JSON, 422 with JSON
/// Pointers for a string (or key) holding a control character other than tab, line feed and
/// carriage return ([`is_forbidden_control`]), for type errors, missing fields and the
/// validator's rules.
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
    if may_hold_control_characters(bytes) {
        let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            ApiError::bad_request(format!(
                "the body is not valid JSON: {}",
                strip_position(&e.to_string())
            ))
        })?;
        let mut controls = Vec::new();
        control_characters(&json, "", &mut controls);
        if !controls.is_empty() {
            return Err(ApiError::Validation(controls));
        }
    }
    // The typed value is read from the bytes themselves, so that a member sent twice is
    // refused (422) as the struct's deserializer does, rather than the last one silently kept.
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

/// Whether a JSON text may hold a control character in a string: JSON carries C0 characters
/// only as `\u00XX` escapes, and DEL raw or as `\u007F`. A conservative test (an escaped
/// backslash followed by `u0000` also says yes), so that the walk of [`control_characters`]
/// runs only on the bodies that need it.
fn may_hold_control_characters(bytes: &[u8]) -> bool {
    bytes.contains(&0x7f)
        || bytes.windows(6).any(|w| {
            w[0] == b'\\'
                && w[1] == b'u'
                && w[2] == b'0'
                && w[3] == b'0'
                && (matches!(w[4], b'0' | b'1') && w[5].is_ascii_hexdigit()
                    || w[4] == b'7' && matches!(w[5], b'f' | b'F'))
        })
}

/// The answer to a body that could not be read: 413 above [`MAX_BODY_BYTES`], 400 otherwise.
fn read_error(error: actix_web::Error) -> ApiError {
    match error.as_error::<actix_web::error::PayloadError>() {
        Some(actix_web::error::PayloadError::Overflow) => ApiError::PayloadTooLarge(MAX_BODY_BYTES),
        _ => ApiError::bad_request("the request body could not be read"),
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
            .map_err(read_error)?;
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
    HouseholdMemberId => "member_id",
    TeamAssignmentId => "assignment_id",
    BreakGlassGrantId => "grant_id",
    FacilityId => "facility_id",
    EmployerId => "employer_id",
    ContractId => "contract_id",
    BedId => "bed_id",
    PlacementId => "placement_id",
    WorkPlacementId => "placement_id",
    WorkReviewId => "review_id",
    CriteriaSetId => "set_id",
    ResourceId => "resource_id",
    ApplicationId => "application_id",
    PublishedRankingId => "ranking_id",
    BenefitId => "benefit_id",
    SiussExportId => "export_id",
    ImportId => "import_id",
    RetentionRunId => "run_id",
    AuditRecordId => "record_id",
    TrainingEventId => "event_id",
    StaffUserId => "user_id",
    PartnerOrganisationId => "organisation_id",
    MachineClientId => "client_id",
    WebhookSubscriptionId => "subscription_id",
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
            check_query_controls(query)?;
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

/// Refuses, with 400 naming the parameter, a decoded query parameter name or value holding a
/// C0 control character (tab, line feed and carriage return included) or DEL.
pub fn check_query_controls(query: &str) -> Result<(), ApiError> {
    let bad = |c: &char| c.is_ascii_control();
    for (name, value) in form_pairs(query) {
        if let Some(c) = name.chars().find(bad).or_else(|| value.chars().find(bad)) {
            let shown: String = name.chars().filter(|c| !c.is_control()).collect();
            return Err(ApiError::bad_parameter(&shown, control_detail(c)));
        }
    }
    Ok(())
}

fn form_pairs(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

/// What `Accept` prefers between JSON (the default, also without the header or when it cannot
/// be read) and `text/{alternative}` (`csv`, `html`): `Some(false)` JSON, `Some(true)` the
/// alternative, `None` when it allows neither (406).
pub fn prefers_text(req: &HttpRequest, alternative: &str) -> Option<bool> {
    use actix_web::http::header::{Accept, Header};
    let Ok(accept) = Accept::parse(req) else {
        return Some(false);
    };
    if accept.0.is_empty() {
        return Some(false);
    }
    accept.ranked().iter().find_map(
        |mime| match (mime.type_().as_str(), mime.subtype().as_str()) {
            ("application", "json" | "*") | ("*", "*") => Some(false),
            ("text", subtype) if subtype == alternative || subtype == "*" => Some(true),
            _ => None,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_segments_are_escaped() {
        assert_eq!(escape_pointer_segment("a/b~c"), "a~1b~0c");
    }

    #[derive(Debug, serde::Deserialize, Validate)]
    struct Member {
        #[allow(dead_code)]
        name: String,
    }

    #[derive(Debug, serde::Deserialize, Validate)]
    struct Body {
        #[allow(dead_code)]
        note: Option<String>,
        #[allow(dead_code)]
        #[validate(nested)]
        members: Vec<Member>,
    }

    fn pointers(result: Result<Body, ApiError>) -> Vec<(Option<String>, String)> {
        match result {
            Err(ApiError::Validation(params)) => {
                params.into_iter().map(|p| (p.pointer, p.detail)).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn control_characters_in_strings_are_refused_with_a_pointer() {
        let body = br#"{"note":"a\u0000b","members":[{"name":"ok"},{"name":"x\u001fy"}]}"#;
        assert_eq!(
            pointers(decode_json::<Body>(body)),
            vec![
                (
                    Some("/members/1/name".into()),
                    "must not contain control characters (U+001F)".into()
                ),
                (
                    Some("/note".into()),
                    "must not contain control characters (U+0000)".into()
                ),
            ]
        );
        let key = br#"{"members":[],"n\u007fote":"x"}"#;
        assert_eq!(
            pointers(decode_json::<Body>(key)),
            vec![(
                Some("/n\u{7f}ote".into()),
                "must not contain control characters (U+007F)".into()
            )]
        );
    }

    #[test]
    fn a_member_sent_twice_is_refused() {
        let twice = br#"{"note":"a","note":"b","members":[]}"#;
        assert_eq!(
            pointers(decode_json::<Body>(twice)),
            vec![(Some(String::new()), "duplicate field `note`".into())]
        );
    }

    #[test]
    fn only_bodies_that_may_hold_control_characters_are_walked() {
        assert!(may_hold_control_characters(br#"{"a":"\u0000"}"#));
        assert!(may_hold_control_characters(br#"{"a":"\u001F"}"#));
        assert!(may_hold_control_characters(br#"{"a":"\u007f"}"#));
        assert!(may_hold_control_characters(b"{\"a\":\"\x7f\"}"));
        assert!(!may_hold_control_characters(br#"{"a":"Mario \u00e8 qui"}"#));
        assert!(!may_hold_control_characters(br#"{"a":"\u0020"}"#));
    }

    #[test]
    fn tab_newline_and_carriage_return_are_kept() {
        let body = br#"{"note":"a\tb\nc\r\n","members":[]}"#;
        let decoded = decode_json::<Body>(body).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(decoded.note.as_deref(), Some("a\tb\nc\r\n"));
    }

    #[test]
    fn other_errors_keep_their_answers() {
        assert!(matches!(
            decode_json::<Body>(b"{\"note\":"),
            Err(ApiError::BadRequest { .. })
        ));
        assert_eq!(
            pointers(decode_json::<Body>(br#"{"note":"x"}"#)),
            vec![(Some("/members".into()), "missing field `members`".into())]
        );
        assert_eq!(
            pointers(decode_json::<Body>(br#"{"members":[{"name":1}]}"#)),
            vec![(
                Some("/members/0/name".into()),
                "invalid type: integer `1`, expected a string".into()
            )]
        );
    }

    #[test]
    fn control_characters_in_queries_are_refused() {
        assert!(check_query_controls("q=Mario&limit=10").is_ok());
        assert!(check_query_controls("q=Ma%00rio").is_err());
        assert!(check_query_controls("q%01=x").is_err());
        assert!(check_query_controls("q=a%09b").is_err());
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
