//! Break-glass access: a staff member outside a case team opens a case file in an emergency,
//! with a mandatory reason, for a limited time (`SOCIALCARE_BREAK_GLASS_TTL_SECS`); every
//! access during it is marked as break-glass in the audit trail, and the office manager reviews
//! and acknowledges each one.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::break_glass::{
    AcknowledgementNote, BreakGlassReason, check_needed, check_no_open_grant,
};
use socialcare_domain::ids::{BreakGlassGrantId, CaseFileId};
use socialcare_persistence::break_glass::{self, Grant, ReviewCursor, ReviewItem};
use socialcare_persistence::{StoreError, case_files};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Checked, Op, Target, Work};
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::state::AppState;

/// A break-glass access to a case file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakGlassGrantResponse {
    /// Identifier.
    pub id: Uuid,
    /// The case file opened.
    pub case_file_id: Uuid,
    /// The staff member who opened it.
    pub staff_id: Uuid,
    /// Why it was needed.
    #[schema(example = "Call from the emergency room: the person was found unconscious")]
    pub reason: String,
    /// Start of the access.
    pub granted_at: DateTime<Utc>,
    /// End of the access (exclusive).
    pub expires_at: DateTime<Utc>,
    /// When the office manager acknowledged it; null while not reviewed.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
    /// The reviewer's note.
    pub acknowledgement_note: Option<String>,
}

impl From<&Grant> for BreakGlassGrantResponse {
    fn from(g: &Grant) -> Self {
        Self {
            id: g.id,
            case_file_id: g.case_file_id,
            staff_id: g.staff_id,
            reason: g.reason.clone(),
            granted_at: g.granted_at,
            expires_at: g.expires_at,
            acknowledged_at: g.acknowledged_at,
            acknowledged_by: g.acknowledged_by,
            acknowledgement_note: g.acknowledgement_note.clone(),
        }
    }
}

/// The reason for a break-glass access.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Call from the emergency room: the person was found unconscious"}))]
pub struct BreakGlassRequest {
    /// Why the case file must be opened now (10-500 characters); shown to the office manager
    /// and recorded as the purpose of every access made under it.
    #[validate(length(min = 10, max = 500))]
    #[schema(min_length = 10, max_length = 500)]
    pub reason: String,
}

/// Open a case file in an emergency (break-glass)
///
/// Gives the caller, who is not on the case team, access to the case file for a limited time
/// (24 hours unless configured otherwise), with a mandatory reason. Every access during it is
/// marked as break-glass in the audit trail, and the access appears in the office manager's
/// review list. For `social_worker`, `educator`, `area_coordinator` and `office_manager`.
#[utoipa::path(
    tag = "case-files",
    operation_id = "request_break_glass",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IdempotencyKeyHeader),
    request_body = BreakGlassRequest,
    responses(
        (status = 201, description = "The access is open until `expires_at`.", body = BreakGlassGrantResponse),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller already has an open break-glass access to this case file, or is on its team.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/break-glass")]
pub async fn request_break_glass(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
    body: Body<BreakGlassRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::RequestBreakGlass,
        "case_file.break_glass",
        "case_file",
    );
    let ttl = state.break_glass_ttl;
    case_work::write_checked(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        body,
        Checked {
            // Decided before the body: a caller whose relation already gives access never
            // needs it.
            check: |work: &mut Work<'_>| {
                check_needed(work.case()?.relation).map_err(ApiError::Conflict)
            },
            then: move |work: &mut Work<'_>, request: BreakGlassRequest, _, ()| {
                let reason = BreakGlassReason::parse(&request.reason)
                    .map_err(|detail| ApiError::invalid_field("/reason", detail))?;
                let (actor, now, case_file_id) = (work.actor(), work.now(), work.case_file_id()?);
                let open = break_glass::active_grant(work.conn(), actor, case_file_id, now)?;
                check_no_open_grant(open.map(|g| (g.id, g.expires_at)))
                    .map_err(ApiError::Conflict)?;
                let grant = break_glass::grant(
                    work.conn(),
                    case_file_id,
                    actor,
                    reason.as_str(),
                    now,
                    ttl,
                )?;
                work.mark_break_glass(reason.as_str())
                    .detail("grant_id", grant.id)
                    .detail("expires_at", grant.expires_at);
                Ok(Answer::created_in_list(&BreakGlassGrantResponse::from(
                    &grant,
                )))
            },
        },
    )
    .await
}

/// Filters and position of the break-glass review list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListBreakGlassQuery {
    /// Only acknowledged (`true`) or not yet acknowledged (`false`) accesses.
    pub acknowledged: Option<bool>,
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

/// The staff member who used break-glass.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakGlassStaff {
    /// Identifier.
    pub id: Uuid,
    /// Username.
    #[schema(example = "marco.bianchi")]
    pub username: String,
    /// Name shown to colleagues.
    #[schema(example = "Marco Bianchi")]
    pub display_name: String,
}

/// A break-glass access as the office manager reviews it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakGlassReviewItem {
    /// Identifier of the access.
    pub id: Uuid,
    /// The staff member.
    pub staff: BreakGlassStaff,
    /// The case file opened.
    pub case_file_id: Uuid,
    /// Its reference.
    #[schema(example = "CS-2026-000042")]
    pub case_reference: String,
    /// The person of the case file.
    pub person_id: Uuid,
    /// Why it was needed.
    pub reason: String,
    /// Start of the access.
    pub granted_at: DateTime<Utc>,
    /// End of the access (exclusive).
    pub expires_at: DateTime<Utc>,
    /// Whether the access is still open.
    pub active: bool,
    /// Number of audit records made under it (break-glass records of the staff member on the
    /// case file or its person, within its window); search them with
    /// `GET /audit-records?actor_id=…&break_glass=true`.
    #[schema(format = Int64, example = 3)]
    pub audit_records: i64,
    /// When it was acknowledged; null while not reviewed.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<Uuid>,
    /// The reviewer's note.
    pub acknowledgement_note: Option<String>,
}

fn review_item(item: &ReviewItem, now: DateTime<Utc>) -> BreakGlassReviewItem {
    let g = &item.grant;
    BreakGlassReviewItem {
        id: g.id,
        staff: BreakGlassStaff {
            id: g.staff_id,
            username: item.staff_username.clone(),
            display_name: item.staff_display_name.clone(),
        },
        case_file_id: g.case_file_id,
        case_reference: item.case_reference.clone(),
        person_id: item.person_id,
        reason: g.reason.clone(),
        granted_at: g.granted_at,
        expires_at: g.expires_at,
        active: g.is_active(now),
        audit_records: item.audit_records,
        acknowledged_at: g.acknowledged_at,
        acknowledged_by: g.acknowledged_by,
        acknowledgement_note: g.acknowledgement_note.clone(),
    }
}

/// One page of break-glass accesses, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreakGlassReviewPage {
    /// The accesses of this page.
    pub items: Vec<BreakGlassReviewItem>,
    /// Link to the next page, or null on the last one.
    #[schema(
        example = "/api/v1/break-glass-accesses?cursor=MjAyNi0xMS0yNlQxMDowMDowMC4wMDAwMDBafDAxOTM&limit=20"
    )]
    pub next: Option<String>,
}

fn encode_cursor(c: &ReviewCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "{}|{}",
        c.granted_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        c.id
    ))
}

fn decode_cursor(raw: &str) -> Result<ReviewCursor, ApiError> {
    URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (at, id) = text.split_once('|')?;
            Some(ReviewCursor {
                granted_at: DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
                id: Uuid::parse_str(id).ok()?,
            })
        })
        .ok_or_else(|| ApiError::bad_parameter("cursor", "is not a cursor returned by this API"))
}

/// Review break-glass accesses
///
/// Every break-glass access, newest first, with the staff member, the case file, the reason,
/// the window and the number of audit records made under it; `acknowledged=false` lists those
/// still to review. For `office_manager`; the list is recorded in the audit trail.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_break_glass_accesses",
    params(ListBreakGlassQuery),
    responses(
        (status = 200, description = "One page of accesses.", body = BreakGlassReviewPage),
    )
)]
#[get("/break-glass-accesses")]
pub async fn list_break_glass_accesses(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReviewBreakGlass,
        "break_glass.list",
        "break_glass_grant",
    )
    // Each access counts the records made under it.
    .showing_the_trail();
    let (mut found, limit, acknowledged, now) =
        case_work::list(&state, caller, &req, op, |work, q: ListBreakGlassQuery| {
            let cursor = q.cursor.as_deref().map(decode_cursor).transpose()?;
            let limit = q.limit.unwrap_or(20);
            let acknowledged = q.acknowledged;
            let found = break_glass::list(work.conn(), acknowledged, cursor, i64::from(limit) + 1)?;
            let shown = &found[..found.len().min(limit as usize)];
            let ids: Vec<Uuid> = shown.iter().map(|i| i.grant.id).collect();
            let persons: Vec<Uuid> = shown.iter().map(|i| i.person_id).collect();
            work.shows(persons)
                .detail("acknowledged", acknowledged)
                .detail("returned", ids);
            Ok((found, limit, acknowledged, work.now()))
        })
        .await?;
    let next = if found.len() > limit as usize {
        found.truncate(limit as usize);
        found.last().map(|last| {
            let mut pairs: Vec<(&str, String)> = vec![
                (
                    "cursor",
                    encode_cursor(&ReviewCursor {
                        granted_at: last.grant.granted_at,
                        id: last.grant.id,
                    }),
                ),
                ("limit", limit.to_string()),
            ];
            if let Some(acknowledged) = acknowledged {
                pairs.push(("acknowledged", acknowledged.to_string()));
            }
            format!(
                "/api/v1/break-glass-accesses?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        })
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(BreakGlassReviewPage {
        items: found.iter().map(|i| review_item(i, now)).collect(),
        next,
    }))
}

/// The office manager's acknowledgement of a break-glass access.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Checked with the emergency room: justified"}))]
pub struct AcknowledgementRequest {
    /// An optional note of the review (at most 500 characters).
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub note: Option<String>,
}

/// Acknowledge a break-glass access
///
/// Marks the access as reviewed by the caller, with an optional note; it leaves the list of
/// accesses to review. An access is acknowledged once: a second time is 409. For
/// `office_manager`.
#[utoipa::path(
    tag = "audit",
    operation_id = "acknowledge_break_glass_access",
    params(("grant_id" = Uuid, Path, description = "Identifier of the break-glass access."),
        IdempotencyKeyHeader),
    request_body = AcknowledgementRequest,
    responses(
        (status = 200, description = "The acknowledged access.", body = BreakGlassGrantResponse),
        (status = 404, description = "No break-glass access with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The access was already acknowledged.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/break-glass-accesses/{grant_id}/acknowledgement")]
pub async fn acknowledge_break_glass_access(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<BreakGlassGrantId>,
    body: Body<AcknowledgementRequest>,
) -> Result<HttpResponse, ApiError> {
    let grant_id = id.0.uuid();
    let op = Op::new(
        Action::ReviewBreakGlass,
        "break_glass.acknowledge",
        "break_glass_grant",
    );
    case_work::create(&state, caller, &req, op, body, move |work, request, _| {
        let note = AcknowledgementNote::parse(request.note.as_deref())
            .map_err(|detail| ApiError::invalid_field("/note", detail))?;
        let (actor, now) = (work.actor(), work.now());
        let grant = break_glass::acknowledge(
            work.conn(),
            grant_id,
            actor,
            note.as_ref().map(AcknowledgementNote::as_str),
            now,
        )
        .map_err(|e| match e {
            StoreError::NotFound => ApiError::NotFound("no break-glass access with this id".into()),
            StoreError::Conflict(what) if what == break_glass::ALREADY_ACKNOWLEDGED => {
                ApiError::Conflict("this break-glass access was already acknowledged".into())
            }
            other => other.into(),
        })?;
        let person = case_files::find(work.conn(), grant.case_file_id)?.map(|f| f.person_id);
        work.resource(grant_id)
            .shows(person)
            .detail("case_file_id", grant.case_file_id)
            .detail("staff_id", grant.staff_id);
        Ok(Answer::ok(&BreakGlassGrantResponse::from(&grant), None))
    })
    .await
}
