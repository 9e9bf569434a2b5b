//! The social diary (diario sociale) of a case file: entries written by the team, edited only
//! by their author within 24 hours, corrected afterwards by new entries; restricted entries are
//! read only by their author, the case manager and the area's coordinators.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::calendar;
use socialcare_domain::case_file::{
    DIARY_EDIT_WINDOW_HOURS, DiaryEditRefusal, DiaryEntry, DiaryText, check_diary_edit,
    check_occurred_at,
};
use socialcare_domain::ids::{CaseFileId, DiaryEntryId};
use socialcare_persistence::audit::Outcome;
use socialcare_persistence::diary::{self, DiaryEdit, DiaryQuery, NewDiaryEntry};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Checked, IfMatch, NoQuery, Op, Target, Work, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id, decode_json};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::DiaryEntryKindCode;
use crate::state::AppState;

fn entry_not_found() -> ApiError {
    ApiError::NotFound("no such diary entry in this case file".into())
}

fn location(entry: &DiaryEntry) -> String {
    format!(
        "/api/v1/case-files/{}/diary-entries/{}",
        entry.case_file_id, entry.id
    )
}

/// A diary entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryEntryResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// Kind of event.
    pub kind: DiaryEntryKindCode,
    /// When the event occurred.
    pub occurred_at: DateTime<Utc>,
    /// The text; null when the entry is `restricted` and the caller may not read it (only its
    /// author, the file's case manager and the coordinators of the file's area may).
    #[schema(
        max_length = 20000,
        example = "Colloquio con la persona: ha trovato un posto letto presso il dormitorio."
    )]
    pub text: Option<String>,
    /// Whether the entry is restricted.
    pub restricted: bool,
    /// The entry of the same file this one corrects.
    pub corrects_entry_id: Option<Uuid>,
    /// Who wrote it (user id).
    pub author_id: Uuid,
    /// Version, also sent as `ETag`; send it back in `If-Match` to edit the entry.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
    /// Until when the author may edit it (24 hours after `created_at`); afterwards add a
    /// correcting entry.
    pub editable_until: DateTime<Utc>,
}

fn response_of(entry: &DiaryEntry, readable: bool) -> DiaryEntryResponse {
    DiaryEntryResponse {
        id: entry.id,
        case_file_id: entry.case_file_id,
        kind: entry.kind.into(),
        occurred_at: entry.occurred_at,
        text: readable.then(|| entry.text.as_str().to_owned()),
        restricted: entry.restricted,
        corrects_entry_id: entry.corrects_entry_id,
        author_id: entry.author_id,
        version: entry.version,
        created_at: entry.created_at,
        updated_at: entry.updated_at,
        editable_until: entry.created_at + Duration::hours(DIARY_EDIT_WINDOW_HOURS),
    }
}

/// Whether the caller may read the text of `entry`: anyone who reads the diary, unless the
/// entry is restricted (then its author, the case manager, the team members granted
/// special-category access and the area coordinators: the policy's rule).
fn readable(work: &Work<'_>, entry: &DiaryEntry) -> Result<bool, ApiError> {
    Ok(!entry.restricted
        || work
            .case()?
            .may_read_restricted(work.caller(), entry.author_id))
}

/// The refusal to show a restricted entry, with the audit record of the attempt.
fn restricted_refusal(work: &Work<'_>, entry: &DiaryEntry) -> Result<ApiError, ApiError> {
    let person_id = work.case()?.person_id;
    let mut record = work.caller().audit(
        "diary_entry.read",
        "diary_entry",
        Some(entry.id.to_string()),
        Outcome::Denied,
    );
    record.persons = vec![person_id];
    record.details = Some(
        serde_json::json!({
            "person_id": person_id,
            "case_file_id": entry.case_file_id,
            "restricted": true,
        })
        .to_string(),
    );
    Ok(ApiError::Denied {
        detail: "this entry is restricted to its author, the case manager, the team members \
                 granted special-category access and the area coordinators"
            .into(),
        record: Box::new(record),
    })
}

/// A new diary entry.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "interview",
    "occurred_at": "2026-11-26T10:30:00Z",
    "text": "Colloquio con la persona: ha trovato un posto letto presso il dormitorio.",
    "restricted": false
}))]
pub struct CreateDiaryEntryRequest {
    /// Kind of event.
    pub kind: DiaryEntryKindCode,
    /// When the event occurred (RFC 3339); not more than 5 minutes in the future.
    pub occurred_at: DateTime<Utc>,
    /// The text, 1-20,000 characters (leading and trailing white space is removed).
    #[schema(min_length = 1, max_length = 20000)]
    pub text: String,
    /// Restricted: only the author, the case manager and the area coordinators read the text
    /// (default false).
    #[serde(default)]
    pub restricted: bool,
    /// The entry of the same case file that this one corrects.
    pub corrects_entry_id: Option<Uuid>,
}

/// Write a diary entry
///
/// Adds an entry to the diary of a case file; the caller is its author. An entry can be edited
/// by its author for 24 hours; afterwards it is corrected by a new entry that names it in
/// `corrects_entry_id`. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "case-files",
    operation_id = "create_diary_entry",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IdempotencyKeyHeader),
    request_body = CreateDiaryEntryRequest,
    responses(
        (status = 201, description = "Written.", body = DiaryEntryResponse,
            headers(("Location" = String, description = "URL of the entry."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/diary-entries")]
pub async fn create_diary_entry(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<CreateDiaryEntryRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::WriteCaseContent,
        "diary_entry.create",
        "diary_entry",
    );
    case_work::write(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        move |work, request, _| {
            let (now, actor, case_file_id) = (work.now(), work.actor(), id.0.uuid());
            let mut errors = ValidationErrors::new();
            let text = errors.collect("text", DiaryText::parse(&request.text));
            errors.collect("occurred_at", check_occurred_at(request.occurred_at, now));
            let (Some(text), true) = (text, errors.is_empty()) else {
                return Err(ApiError::from_domain(errors));
            };
            if let Some(corrected) = request.corrects_entry_id
                && diary::find(work.conn(), case_file_id, corrected)?.is_none()
            {
                return Err(ApiError::invalid_field(
                    "/corrects_entry_id",
                    "must be an entry of the same case file",
                ));
            }
            let entry = diary::insert(
                work.conn(),
                &NewDiaryEntry {
                    case_file_id,
                    kind: request.kind.into(),
                    occurred_at: request.occurred_at,
                    text,
                    restricted: request.restricted,
                    corrects_entry_id: request.corrects_entry_id,
                },
                actor,
                now,
            )?;
            work.resource(entry.id)
                .detail("restricted", entry.restricted);
            Ok(Answer::created(
                &response_of(&entry, true),
                location(&entry),
                Some(entry.version),
            ))
        },
    )
    .await
}

/// Filters and position of a diary page.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListDiaryQuery {
    /// Only entries of this kind.
    pub kind: Option<DiaryEntryKindCode>,
    /// Only entries that occurred on or after this day (Europe/Rome calendar day).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// Only entries that occurred on or before this day (Europe/Rome calendar day).
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub to: Option<NaiveDate>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
}

/// One page of a case file's diary, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DiaryEntryPage {
    /// The entries of this page.
    pub items: Vec<DiaryEntryResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn encode_cursor(entry: &DiaryEntry) -> String {
    let raw = serde_json::json!([entry.occurred_at, entry.id]).to_string();
    URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(cursor: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<(DateTime<Utc>, Uuid)>(&bytes).ok())
        .ok_or_else(|| ApiError::bad_parameter("cursor", "is not a cursor returned by this API"))
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    calendar::start_of_day(day)
}

/// Read the diary of a case file
///
/// The entries of a case file, newest `occurred_at` first, with cursor pagination (follow
/// `next`; pages stay consistent while entries are added) and filters by kind and day.
/// Restricted entries the caller may not read are listed with `text` null.
#[utoipa::path(
    tag = "case-files",
    operation_id = "list_diary_entries",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."), ListDiaryQuery),
    responses(
        (status = 200, description = "One page of the diary.", body = DiaryEntryPage),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/diary-entries")]
pub async fn list_diary_entries(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "diary_entry.list", "case_file");
    let (items, more) = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, q: ListDiaryQuery| {
            if let (Some(from), Some(to)) = (q.from, q.to)
                && from > to
            {
                return Err(ApiError::bad_parameter("to", "must not be before `from`"));
            }
            let limit = q.limit.unwrap_or(20) as usize;
            let query = DiaryQuery {
                case_file_id: id.0.uuid(),
                kind: q.kind.map(Into::into),
                from: q.from.map(start_of),
                until: q.to.and_then(|d| d.succ_opt()).map(start_of),
                before: q.cursor.as_deref().map(decode_cursor).transpose()?,
                limit: i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1),
            };
            let mut entries = diary::list(work.conn(), &query)?;
            let more = entries.len() > limit;
            entries.truncate(limit);
            let items = entries
                .into_iter()
                .map(|entry| readable(work, &entry).map(|shown| (entry, shown)))
                .collect::<Result<Vec<_>, ApiError>>()?;
            let returned: Vec<Uuid> = items.iter().map(|(e, _)| e.id).collect();
            let withheld: Vec<Uuid> = items
                .iter()
                .filter(|(_, shown)| !shown)
                .map(|(e, _)| e.id)
                .collect();
            work.detail("returned", returned)
                .detail("text_withheld", withheld);
            Ok((items, more))
        },
    )
    .await?;
    let next = items.last().filter(|_| more).map(|(last, _)| {
        let mut pairs: Vec<String> = req
            .query_string()
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("cursor="))
            .map(str::to_owned)
            .collect();
        pairs.push(format!("cursor={}", encode_cursor(last)));
        format!(
            "/api/v1/case-files/{}/diary-entries?{}",
            id.0,
            pairs.join("&")
        )
    });
    Ok(HttpResponse::Ok().json(DiaryEntryPage {
        items: items
            .iter()
            .map(|(entry, shown)| response_of(entry, *shown))
            .collect(),
        next,
    }))
}

/// Read a diary entry
///
/// One entry of the diary of a case file (404 when it belongs to another file). A restricted
/// entry is readable only by its author, the file's case manager and the coordinators of the
/// file's area (403 for others; the attempt is audited).
#[utoipa::path(
    tag = "case-files",
    operation_id = "get_diary_entry",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("entry_id" = Uuid, Path, description = "Diary entry identifier.")),
    responses(
        (status = 200, description = "The entry.", body = DiaryEntryResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No such case file, or no such entry in it.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/case-files/{case_file_id}/diary-entries/{entry_id}")]
pub async fn get_diary_entry(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    entry_id: Id<DiaryEntryId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ReadCaseContent, "diary_entry.read", "diary_entry");
    let entry = case_work::read(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, _: NoQuery| {
            let entry = diary::find(work.conn(), id.0.uuid(), entry_id.0.uuid())?
                .ok_or_else(entry_not_found)?;
            if !readable(work, &entry)? {
                return Err(restricted_refusal(work, &entry)?);
            }
            work.resource(entry.id)
                .detail("restricted", entry.restricted);
            Ok(entry)
        },
    )
    .await?;
    Ok(with_etag(entry.version, &response_of(&entry, true)))
}

/// Reads a member that may be absent but, when present, must not be null: `Some(None)` is an
/// explicit null, which JSON Merge Patch would read as "remove".
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Changes to a diary entry (JSON Merge Patch): absent members stay as they are; none may be
/// null.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "Colloquio con la persona e con la sorella: ha trovato un posto letto presso il dormitorio."}))]
pub struct UpdateDiaryEntryRequest {
    /// New text, 1-20,000 characters.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 20000)]
    pub text: Option<Option<String>>,
    /// New kind.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DiaryEntryKindCode>)]
    pub kind: Option<Option<DiaryEntryKindCode>>,
    /// New time of the event; not more than 5 minutes in the future.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub occurred_at: Option<Option<DateTime<Utc>>>,
    /// New restricted flag.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<bool>)]
    pub restricted: Option<Option<bool>>,
}

/// The media type PATCH bodies must have.
const MERGE_PATCH: &str = "application/merge-patch+json";

fn is_merge_patch(req: &HttpRequest) -> bool {
    let essence = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase());
    essence.as_deref() == Some(MERGE_PATCH)
}

/// The body of a diary edit, kept as any JSON value until the gate and the author rule have
/// decided: a caller who may not edit the entry is refused (403) whatever the body says, and
/// only then are its members judged as an [`UpdateDiaryEntryRequest`].
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct EntryPatch(serde_json::Value);

impl Validate for EntryPatch {
    fn validate(&self) -> Result<(), validator::ValidationErrors> {
        Ok(())
    }
}

impl EntryPatch {
    /// The members of the patch: 422 with pointers when they are not those of an
    /// [`UpdateDiaryEntryRequest`].
    fn members(&self) -> Result<UpdateDiaryEntryRequest, ApiError> {
        let bytes = serde_json::to_vec(&self.0)
            .map_err(|e| ApiError::Internal(format!("re-encoding a JSON value: {e}")))?;
        decode_json(&bytes)
    }
}

/// Edit a diary entry
///
/// Changes the text, kind, time or restricted flag of an entry (JSON Merge Patch). Only the
/// author may, and only within 24 hours of writing it (403 for others; 409 afterwards: add a
/// correcting entry instead). Requires `If-Match` with the entry's ETag.
#[utoipa::path(
    tag = "case-files",
    operation_id = "update_diary_entry",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        ("entry_id" = Uuid, Path, description = "Diary entry identifier."),
        IfMatchHeader, IdempotencyKeyHeader),
    request_body(content = UpdateDiaryEntryRequest, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The edited entry.", body = DiaryEntryResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No such case file, or no such entry in it.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "More than 24 hours have passed since the entry was written: add a correcting entry.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/case-files/{case_file_id}/diary-entries/{entry_id}")]
pub async fn update_diary_entry(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    entry_id: Id<DiaryEntryId>,
    body: Body<EntryPatch>,
) -> Result<HttpResponse, ApiError> {
    let merge_patch = is_merge_patch(&req);
    let op = Op::new(
        Action::WriteCaseContent,
        "diary_entry.update",
        "diary_entry",
    );
    // Who may edit is decided on the entry (its author, within 24 hours), before the body is
    // judged: a refused caller learns nothing from a 400 or a 422.
    let check = move |work: &mut Work<'_>| {
        let entry = diary::find(work.conn(), id.0.uuid(), entry_id.0.uuid())?
            .ok_or_else(entry_not_found)?;
        match check_diary_edit(entry.author_id, work.actor(), entry.created_at, work.now()) {
            Ok(()) => {}
            Err(refusal @ DiaryEditRefusal::NotAuthor) => {
                work.resource(entry.id);
                return Err(work.refuse(refusal.to_string()));
            }
            Err(refusal @ DiaryEditRefusal::WindowClosed) => {
                return Err(ApiError::Conflict(refusal.to_string()));
            }
        }
        if !merge_patch {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send the changes as {MERGE_PATCH} (RFC 7396)"
            )));
        }
        Ok(entry)
    };
    case_work::write_checked(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        Checked {
            check,
            then: move |work: &mut Work<'_>,
                        patch: EntryPatch,
                        if_match: IfMatch,
                        entry: DiaryEntry| {
                let now = work.now();
                let version = if_match.check(entry.version)?;
                let (text, request) = check_update(patch.members()?, now)?;
                let edit = DiaryEdit {
                    kind: request.kind.flatten().map_or(entry.kind, Into::into),
                    occurred_at: request.occurred_at.flatten().unwrap_or(entry.occurred_at),
                    text: text.unwrap_or_else(|| entry.text.clone()),
                    restricted: request.restricted.flatten().unwrap_or(entry.restricted),
                };
                let Some(updated) = diary::update(work.conn(), &entry, version, &edit, now)? else {
                    return Err(ApiError::PreconditionFailed(
                        "the entry changed meanwhile; read it again and retry".into(),
                    ));
                };
                work.resource(updated.id)
                    .detail("restricted", updated.restricted);
                Ok(Answer::ok(
                    &response_of(&updated, true),
                    Some(updated.version),
                ))
            },
        },
    )
    .await
}

/// Checks the members of a merge patch; returns the parsed text, if any.
fn check_update(
    request: UpdateDiaryEntryRequest,
    now: DateTime<Utc>,
) -> Result<(Option<DiaryText>, UpdateDiaryEntryRequest), ApiError> {
    let mut errors = ValidationErrors::new();
    let null = || Err::<(), String>("must not be null".into());
    let text = match &request.text {
        Some(Some(raw)) => errors.collect("text", DiaryText::parse(raw)),
        Some(None) => errors.collect("text", null()).and(None),
        None => None,
    };
    match request.occurred_at {
        Some(Some(at)) => {
            errors.collect("occurred_at", check_occurred_at(at, now));
        }
        Some(None) => {
            errors.collect("occurred_at", null());
        }
        None => {}
    }
    if matches!(request.kind, Some(None)) {
        errors.collect("kind", null());
    }
    if matches!(request.restricted, Some(None)) {
        errors.collect("restricted", null());
    }
    if !errors.is_empty() {
        return Err(ApiError::from_domain(errors));
    }
    Ok((text, request))
}
