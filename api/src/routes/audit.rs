//! The audit trail for the privacy officer and the office manager: search, the access report of
//! a person (GDPR art. 15) and the verification of the hash chain. Reading the trail is itself
//! recorded in the trail.

use actix_web::{HttpRequest, HttpResponse, get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::ids::AuditRecordId;
use socialcare_persistence::audit::{
    self, ActionFilter, ActorSummary, AuditEntry, AuditQuery, Outcome, VerifyReport,
};
use socialcare_persistence::{audit_tree, persons};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Op};
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::{Id, ValidQuery};
use crate::state::AppState;

/// Most entries an access report lists (the per-actor summary always covers every record).
pub const ACCESS_REPORT_MAX_ENTRIES: i64 = 1000;

/// Outcome of an audited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcomeCode {
    /// The action happened.
    Success,
    /// Authorization refused it.
    Denied,
    /// It failed (bad credentials, invalid token).
    Failure,
}

impl From<AuditOutcomeCode> for Outcome {
    fn from(value: AuditOutcomeCode) -> Self {
        match value {
            AuditOutcomeCode::Success => Outcome::Success,
            AuditOutcomeCode::Denied => Outcome::Denied,
            AuditOutcomeCode::Failure => Outcome::Failure,
        }
    }
}

impl AuditOutcomeCode {
    fn of(stored: &str) -> Self {
        match Outcome::parse(stored) {
            Some(Outcome::Success) => Self::Success,
            Some(Outcome::Denied) => Self::Denied,
            _ => Self::Failure,
        }
    }

    fn as_str(self) -> &'static str {
        Outcome::from(self).as_str()
    }
}

/// One record of the audit trail.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditRecordResponse {
    /// Identifier.
    pub id: Uuid,
    /// Position in the hash chain (1, 2, 3… without gaps).
    #[schema(format = Int64, example = 4182)]
    pub seq: i64,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The staff member who acted; null for anonymous attempts and the command line.
    pub actor_id: Option<Uuid>,
    /// Their username (or the username attempted at login, or `cli:<user>`).
    #[schema(example = "anna.rossi")]
    pub actor_username: Option<String>,
    /// Their roles at that moment.
    #[schema(example = json!(["social_worker"]))]
    pub actor_roles: Vec<String>,
    /// What was done, e.g. `person.read`, `case_file.break_glass`, `auth.login`.
    #[schema(example = "person.read")]
    pub action: String,
    /// Kind of resource, e.g. `person`, `case_file`, `user`.
    #[schema(example = "person")]
    pub resource_type: String,
    /// Identifier of the resource.
    pub resource_id: Option<String>,
    /// Outcome.
    pub outcome: AuditOutcomeCode,
    /// The persons whose data the action concerned.
    pub persons: Vec<Uuid>,
    /// Why: the break-glass reason, or the purpose declared in `Access-Purpose`.
    #[schema(example = "Verifica requisiti ADI")]
    pub purpose: Option<String>,
    /// Whether it happened under a break-glass access.
    pub break_glass: bool,
    /// Request id of the HTTP request.
    pub request_id: Option<String>,
    /// Client address.
    #[schema(example = "10.0.0.12")]
    pub client_addr: Option<String>,
    /// Extra context recorded with the action (a JSON object).
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
    /// Hash of the previous record (64 hex digits).
    pub prev_hash: String,
    /// Hash of this record (64 hex digits), see docs/audit.md.
    pub hash: String,
}

/// The recorded details as a JSON object: the stored object, or `{"text": …}` for anything
/// that is not one.
fn details_value(text: Option<&str>) -> Option<serde_json::Value> {
    text.map(|t| match serde_json::from_str::<serde_json::Value>(t) {
        Ok(value) if value.is_object() => value,
        _ => serde_json::json!({ "text": t }),
    })
}

fn roles_of(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|r| !r.is_empty())
        .map(ToOwned::to_owned)
        .collect()
}

impl From<&AuditEntry> for AuditRecordResponse {
    fn from(e: &AuditEntry) -> Self {
        let r = &e.row;
        Self {
            id: r.id.0,
            seq: r.seq,
            occurred_at: r.occurred_at.0,
            actor_id: r.actor_id.map(|a| a.0),
            actor_username: r.actor_username.clone(),
            actor_roles: roles_of(&r.actor_roles),
            action: r.action.clone(),
            resource_type: r.resource_type.clone(),
            resource_id: r.resource_id.clone(),
            outcome: AuditOutcomeCode::of(&r.outcome),
            persons: e.persons.clone(),
            purpose: r.purpose.clone(),
            break_glass: r.break_glass,
            request_id: r.request_id.clone(),
            client_addr: r.client_addr.clone(),
            details: details_value(r.details.as_deref()),
            prev_hash: r.prev_hash.clone(),
            hash: r.hash.clone(),
        }
    }
}

fn is_action_filter(value: &str) -> Result<(), validator::ValidationError> {
    if value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
    {
        Ok(())
    } else {
        Err(validator::ValidationError::new("action")
            .with_message("use lowercase letters, digits, `_` and `.` only".into()))
    }
}

/// Filters and position of an audit trail search.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchAuditQuery {
    /// Only records of this staff member.
    pub actor_id: Option<Uuid>,
    /// Only records concerning this person.
    pub person_id: Option<Uuid>,
    /// Only this action (e.g. `person.read`), or, when it ends with `.`, every action starting
    /// with it (e.g. `case_file.`).
    #[validate(length(min = 1, max = 100), custom(function = "is_action_filter"))]
    #[param(
        min_length = 1,
        max_length = 100,
        pattern = "^[a-z0-9_.]+$",
        example = "case_file."
    )]
    pub action: Option<String>,
    /// Only records on this kind of resource (e.g. `person`, `case_file`).
    #[validate(length(min = 1, max = 64), custom(function = "is_action_filter"))]
    #[param(
        min_length = 1,
        max_length = 64,
        pattern = "^[a-z0-9_.]+$",
        example = "person"
    )]
    pub resource_type: Option<String>,
    /// Only records with this outcome.
    pub outcome: Option<AuditOutcomeCode>,
    /// Only records made (true) or not made (false) under a break-glass access.
    pub break_glass: Option<bool>,
    /// Records at or after this instant (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Records before this instant (RFC 3339).
    pub to: Option<DateTime<Utc>>,
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

/// One page of audit records, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecordPage {
    /// The records of this page.
    pub items: Vec<AuditRecordResponse>,
    /// Link to the next page, or null on the last one.
    #[schema(example = "/api/v1/audit-records?cursor=NDE4MQ&limit=20")]
    pub next: Option<String>,
}

fn check_period(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<(), ApiError> {
    use chrono::Datelike;
    for (name, value) in [("from", from), ("to", to)] {
        if value.is_some_and(|at| !(1..=9999).contains(&at.year())) {
            return Err(ApiError::bad_parameter(
                name,
                "must be an instant between the years 1 and 9999",
            ));
        }
    }
    match (from, to) {
        (Some(from), Some(to)) if to <= from => {
            Err(ApiError::bad_parameter("to", "must be after `from`"))
        }
        _ => Ok(()),
    }
}

fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| {
            URL_SAFE_NO_PAD
                .decode(c)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| text.parse::<i64>().ok())
                .filter(|seq| *seq > 0)
                .ok_or_else(|| {
                    ApiError::bad_parameter("cursor", "is not a cursor returned by this API")
                })
        })
        .transpose()
}

fn instant_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Runs a search of the audit trail in the caller's transaction and records it
/// (`audit.search`, linked to the person searched for and to every person of the records it
/// returns); returns the records (one more than the page
/// when there is a next one) and the page size.
fn search(
    c: &mut socialcare_persistence::AnyConnection,
    caller: &Caller,
    q: &SearchAuditQuery,
) -> Result<(Vec<AuditEntry>, u32), ApiError> {
    check_period(q.from, q.to)?;
    let before_seq = decode_cursor(q.cursor.as_deref())?;
    let limit = q.limit.unwrap_or(20);
    let query = AuditQuery {
        actor_id: q.actor_id,
        person_id: q.person_id,
        action: q.action.as_ref().map(|a| {
            if a.ends_with('.') {
                ActionFilter::Prefix(a.clone())
            } else {
                ActionFilter::Exact(a.clone())
            }
        }),
        resource_type: q.resource_type.clone(),
        outcome: q.outcome.map(Into::into),
        break_glass: q.break_glass,
        from: q.from,
        to: q.to,
        before_seq,
        limit: i64::from(limit) + 1,
    };
    let filters = serde_json::json!({
        "actor_id": q.actor_id,
        "person_id": q.person_id,
        "action": q.action,
        "resource_type": q.resource_type,
        "outcome": q.outcome.map(AuditOutcomeCode::as_str),
        "break_glass": q.break_glass,
        "from": q.from,
        "to": q.to,
    });
    let found = audit::search(c, &query)?;
    let mut record = caller.audit("audit.search", "audit_trail", None, Outcome::Success);
    let returned = found.len().min(limit as usize);
    // The person searched for and every person a returned record concerns: the answer shows
    // that they were looked at, so each one's access report lists the search.
    let mut shown: Vec<Uuid> = query
        .person_id
        .into_iter()
        .chain(
            found[..returned]
                .iter()
                .flat_map(|e| e.persons.iter().copied()),
        )
        .collect();
    shown.sort_unstable();
    shown.dedup();
    record.persons = shown;
    record.details =
        Some(serde_json::json!({ "filters": filters, "returned": returned }).to_string());
    audit::append(c, record)?;
    Ok((found, limit))
}

/// Search the audit trail
///
/// Records newest first, filtered by actor, person concerned, action (exact, or a prefix
/// ending with `.`), resource type, outcome, break-glass and period, with cursor pagination.
/// For `privacy_officer` and `office_manager`; the search is itself recorded (`audit.search`,
/// linked to the person searched for and to every person of the records returned).
#[utoipa::path(
    tag = "audit",
    operation_id = "search_audit_records",
    params(SearchAuditQuery),
    responses(
        (status = 200, description = "One page of records.", body = AuditRecordPage),
    )
)]
#[get("/audit-records")]
pub async fn search_audit_records(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query_string = req.query_string().to_owned();
    let st = state.clone();
    // Decided in the search's transaction, before the query is judged.
    let (mut found, q, limit) = blocking(move || {
        transact(&st.db, |c| {
            case_work::decide_roles(c, &mut caller, Action::ReadAuditTrail)?;
            // Every record committed before the search, staged ones too.
            audit::settle(c)?;
            let q = ValidQuery::<SearchAuditQuery>::from_query(&query_string)?.0;
            let (found, limit) = search(c, &caller, &q)?;
            Ok((found, q, limit))
        })
    })
    .await?;
    let next = if found.len() > limit as usize {
        found.truncate(limit as usize);
        found.last().map(|last| {
            let mut pairs: Vec<(&str, String)> = vec![
                ("cursor", URL_SAFE_NO_PAD.encode(last.row.seq.to_string())),
                ("limit", limit.to_string()),
            ];
            if let Some(actor) = q.actor_id {
                pairs.push(("actor_id", actor.to_string()));
            }
            if let Some(person) = q.person_id {
                pairs.push(("person_id", person.to_string()));
            }
            if let Some(action) = &q.action {
                pairs.push(("action", action.clone()));
            }
            if let Some(resource_type) = &q.resource_type {
                pairs.push(("resource_type", resource_type.clone()));
            }
            if let Some(outcome) = q.outcome {
                pairs.push(("outcome", outcome.as_str().to_owned()));
            }
            if let Some(break_glass) = q.break_glass {
                pairs.push(("break_glass", break_glass.to_string()));
            }
            if let Some(from) = q.from {
                pairs.push(("from", instant_text(from)));
            }
            if let Some(to) = q.to {
                pairs.push(("to", instant_text(to)));
            }
            format!(
                "/api/v1/audit-records?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        })
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(AuditRecordPage {
        items: found.iter().map(AuditRecordResponse::from).collect(),
        next,
    }))
}

/// The first place where the hash chain does not hold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BrokenLinkResponse {
    /// Position of the first record that fails, or that is missing.
    #[schema(format = Int64, example = 1207)]
    pub seq: i64,
    /// Its id; null when the record is missing.
    pub id: Option<Uuid>,
    /// What is wrong.
    #[schema(
        example = "the stored hash does not match the record's content: the record or its persons were changed"
    )]
    pub reason: String,
}

/// Result of a verification of the audit trail's hash chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditVerificationResponse {
    /// Records verified before the first broken link (all of them when intact).
    #[schema(format = Int64, example = 4182)]
    pub checked: u64,
    /// Position of the last record according to the chain head when verification started.
    #[schema(format = Int64, example = 4182)]
    pub head_seq: i64,
    /// Hash of that record according to the chain head; keep it outside the system to detect a
    /// later truncation of the trail.
    pub head_hash: String,
    /// Whether every record and the chain head are consistent.
    pub intact: bool,
    /// The first broken link, or null when intact.
    pub first_broken: Option<BrokenLinkResponse>,
}

impl From<&VerifyReport> for AuditVerificationResponse {
    fn from(r: &VerifyReport) -> Self {
        Self {
            checked: r.checked,
            head_seq: r.head_seq,
            head_hash: r.head_hash.clone(),
            intact: r.intact(),
            first_broken: r.first_broken.as_ref().map(|b| BrokenLinkResponse {
                seq: b.seq,
                id: b.id,
                reason: b.reason.clone(),
            }),
        }
    }
}

/// Verify the audit trail
///
/// Recomputes the hash of every record in chain order, checks that each names the previous
/// one's hash and that no position is missing, and compares the last one with the chain head.
/// Reports the first broken link. Records appended during the run are left for the next one.
/// For `privacy_officer` and `office_manager`; the verification is recorded (`audit.verify`).
#[utoipa::path(
    tag = "audit",
    operation_id = "verify_audit_trail",
    responses(
        (status = 200, description = "The verification report (also when the chain is broken: see `intact`).", body = AuditVerificationResponse),
    )
)]
#[get("/audit-records/verification")]
pub async fn verify_audit_trail(
    state: web::Data<AppState>,
    mut caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let st = state.clone();
    let report = blocking(move || {
        // A read transaction: a long verification must not hold the writer's lock. It is
        // decided in that transaction, before anything is verified; a refusal is recorded
        // after it.
        let checked = st.db.read(|c| {
            match case_work::decide_roles(c, &mut caller, Action::VerifyAuditTrail) {
                Ok(()) => audit::verify(c).map(Ok),
                Err(refusal) => Ok(Err(refusal)),
            }
        })?;
        let report = match checked {
            Ok(report) => report,
            Err(refusal) => return transact(&st.db, |_| Err(refusal)),
        };
        transact(&st.db, |c| {
            let mut record = caller.audit("audit.verify", "audit_trail", None, Outcome::Success);
            record.details = Some(
                serde_json::json!({
                    "checked": report.checked,
                    "head_seq": report.head_seq,
                    "intact": report.intact(),
                    "first_broken_seq": report.first_broken.as_ref().map(|b| b.seq),
                })
                .to_string(),
            );
            audit::append(c, record)?;
            Ok(())
        })?;
        Ok(report)
    })
    .await?;
    if let Some(broken) = &report.first_broken {
        tracing::error!(seq = broken.seq, reason = %broken.reason, "the audit trail is broken");
    }
    Ok(HttpResponse::Ok().json(AuditVerificationResponse::from(&report)))
}

/// Period of an access report.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessReportQuery {
    /// Accesses at or after this instant (RFC 3339); from the beginning when omitted.
    pub from: Option<DateTime<Utc>>,
    /// Accesses before this instant (RFC 3339); up to now when omitted.
    pub to: Option<DateTime<Utc>>,
}

/// One access to a person's data.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonAccess {
    /// The audit record.
    pub audit_record_id: Uuid,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// The staff member; null for the command line.
    pub actor_id: Option<Uuid>,
    /// Their username.
    #[schema(example = "anna.rossi")]
    pub actor_username: Option<String>,
    /// Their roles at that moment.
    #[schema(example = json!(["social_worker"]))]
    pub actor_roles: Vec<String>,
    /// What was done, e.g. `person.read`, `diary_entry.create`.
    #[schema(example = "person.read")]
    pub action: String,
    /// Kind of resource.
    #[schema(example = "person")]
    pub resource_type: String,
    /// Identifier of the resource.
    pub resource_id: Option<String>,
    /// Why: the break-glass reason, or the declared purpose.
    pub purpose: Option<String>,
    /// Whether it happened under a break-glass access.
    pub break_glass: bool,
    /// Outcome (`denied` for refused attempts).
    pub outcome: AuditOutcomeCode,
}

impl From<&AuditEntry> for PersonAccess {
    fn from(e: &AuditEntry) -> Self {
        let r = &e.row;
        Self {
            audit_record_id: r.id.0,
            occurred_at: r.occurred_at.0,
            actor_id: r.actor_id.map(|a| a.0),
            actor_username: r.actor_username.clone(),
            actor_roles: roles_of(&r.actor_roles),
            action: r.action.clone(),
            resource_type: r.resource_type.clone(),
            resource_id: r.resource_id.clone(),
            purpose: r.purpose.clone(),
            break_glass: r.break_glass,
            outcome: AuditOutcomeCode::of(&r.outcome),
        }
    }
}

/// What one staff member did with the person's data in the period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActorAccessSummary {
    /// The staff member; null for the command line.
    pub actor_id: Option<Uuid>,
    /// Their username (the latest recorded).
    #[schema(example = "anna.rossi")]
    pub actor_username: Option<String>,
    /// Number of recorded accesses.
    #[schema(format = Int64, example = 12)]
    pub count: u64,
    /// First access in the period.
    pub first: DateTime<Utc>,
    /// Last access in the period.
    pub last: DateTime<Utc>,
}

impl From<&ActorSummary> for ActorAccessSummary {
    fn from(s: &ActorSummary) -> Self {
        Self {
            actor_id: s.actor_id,
            actor_username: s.actor_username.clone(),
            count: s.count,
            first: s.first,
            last: s.last,
        }
    }
}

/// Who accessed a person's data, and when (for a data subject's access request, GDPR art. 15).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonAccessReportResponse {
    /// The person.
    pub person_id: Uuid,
    /// Start of the period, when given.
    pub from: Option<DateTime<Utc>>,
    /// End of the period, when given.
    pub to: Option<DateTime<Utc>>,
    /// Number of recorded accesses in the period.
    #[schema(format = Int64, example = 37)]
    pub total: u64,
    /// The accesses, oldest first (at most 1000; see `truncated`).
    pub accesses: Vec<PersonAccess>,
    /// Whether there were more accesses than listed (narrow the period to see them).
    pub truncated: bool,
    /// One line per staff member over every access of the period, most accesses first.
    pub actors: Vec<ActorAccessSummary>,
}

/// Who accessed a person
///
/// Every recorded access to the person's data in the period (reads, changes, refused
/// attempts, break-glass accesses), oldest first, with a summary per staff member: what the
/// office answers to a data subject's access request (GDPR art. 15). For `privacy_officer` and
/// `office_manager`; the report is itself recorded (`audit.person_access_report`).
#[utoipa::path(
    tag = "audit",
    operation_id = "get_person_access_report",
    params(("person_id" = Uuid, Path, description = "Person identifier."), AccessReportQuery),
    responses(
        (status = 200, description = "The report.", body = PersonAccessReportResponse),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/access-report")]
pub async fn get_person_access_report(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let person_id = Uuid::parse_str(&path)
        .map_err(|_| ApiError::bad_parameter("person_id", "must be a UUID"))?;
    let query_string = req.query_string().to_owned();
    let st = state.clone();
    // Decided in the report's transaction, before the query is judged.
    let (report, from, to) = blocking(move || {
        transact(&st.db, |c| {
            case_work::decide_roles(c, &mut caller, Action::ReadAuditTrail)?;
            // Every record committed before the search, staged ones too.
            audit::settle(c)?;
            let q = ValidQuery::<AccessReportQuery>::from_query(&query_string)?.0;
            check_period(q.from, q.to)?;
            let (from, to) = (q.from, q.to);
            if persons::find(c, person_id)?.is_none() {
                return Err(ApiError::NotFound("no person with this id".into()));
            }
            let report =
                audit::person_access_report(c, person_id, from, to, ACCESS_REPORT_MAX_ENTRIES)?;
            let mut record = caller.audit(
                "audit.person_access_report",
                "person",
                Some(person_id.to_string()),
                Outcome::Success,
            );
            record.persons = vec![person_id];
            record.details = Some(
                serde_json::json!({ "from": from, "to": to, "total": report.total }).to_string(),
            );
            audit::append(c, record)?;
            Ok((report, from, to))
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(PersonAccessReportResponse {
        person_id,
        from,
        to,
        total: report.total,
        accesses: report.entries.iter().map(PersonAccess::from).collect(),
        truncated: report.truncated,
        actors: report.actors.iter().map(ActorAccessSummary::from).collect(),
    }))
}

// --- The verifiable audit log: checkpoints and proofs -------------------------------------

/// A hash of the audit log's Merkle tree: base64 of its 32 bytes, as in checkpoints.
fn hash_text(hash: &audit_tree::Hash) -> String {
    base64::engine::general_purpose::STANDARD.encode(hash.0)
}

/// Which checkpoint to read.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointQuery {
    /// `true`: the latest checkpoint that the witnesses of `SOCIALCARE_AUDIT_WITNESS_URL`
    /// cosigned, with the signature lines of every witness that cosigned it after the log's own
    /// (409 while none has); omitted or `false`: the latest checkpoint, whether cosigned or not.
    pub cosigned: Option<bool>,
}

/// Read the latest checkpoint of the audit log
///
/// The last checkpoint the sequencer signed: a C2SP `tlog-checkpoint` (the log's origin, the
/// tree size and the base64 root hash of the Merkle tree of the audit records) in a C2SP
/// `signed-note`, signed with the office's Ed25519 key. Keep copies outside the system: `socialcare
/// audit verify --checkpoint FILE` later proves that the log only grew since. Records enter
/// the tree within the merge delay of their commit (`SOCIALCARE_AUDIT_MERGE_DELAY_MS`, 1 s by
/// default). With `cosigned=true`, the latest checkpoint the witnesses cosigned, their
/// signature lines following the log's (each verifies with that witness's public key). For
/// `privacy_officer` and `office_manager`; recorded (`audit.checkpoint`).
#[utoipa::path(
    tag = "audit",
    operation_id = "get_audit_checkpoint",
    params(CheckpointQuery),
    responses(
        (status = 200, description = "The signed checkpoint (signed-note text).", content_type = "text/plain", body = String,
            example = "socialcare.local/audit\n4182\nqFl2mT1rN2OsMq6mrbW9vKr9Gf3Xe8dPxYqgYDjC0wU=\n\n— socialcare.local/audit Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the privacy officer nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`cosigned` is not `true` or `false`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing has entered the tree yet: there is no checkpoint; or, with `cosigned=true`, no witness has cosigned one yet.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/checkpoint")]
pub async fn get_audit_checkpoint(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::VerifyAuditTrail, "audit.checkpoint", "audit_log");
    let checkpoint = case_work::list(&state, caller, &req, op, move |work, q: CheckpointQuery| {
        if q.cosigned == Some(true) {
            work.detail("cosigned", true);
            return audit_tree::cosigned_checkpoint(work.conn())?.ok_or_else(|| {
                ApiError::Conflict(
                    "no witness has cosigned a checkpoint of the audit log yet".into(),
                )
            });
        }
        let head = audit_tree::head(work.conn())?;
        work.detail("tree_size", head.size);
        head.checkpoint.ok_or_else(|| {
            ApiError::Conflict(
                "the audit log has no checkpoint yet: try again within the merge delay".into(),
            )
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(checkpoint))
}

/// Whether an audit record is in the Merkle tree yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditLogStatus {
    /// Committed and chained, not yet in the tree: the sequencer takes it within the merge
    /// delay.
    Staged,
    /// In the tree: the proof shows it.
    Integrated,
}

/// The tree size of an inclusion proof.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionProofQuery {
    /// The size of the tree to prove the record in (that of a checkpoint you hold); the tree's
    /// current size when omitted.
    #[param(minimum = 1, maximum = 1e12)]
    #[validate(range(min = 1, max = 1_000_000_000_000_u64))]
    pub tree_size: Option<u64>,
}

/// The inclusion proof of an audit record (RFC 9162 §2.1.3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InclusionProof {
    /// The record.
    pub record_id: Uuid,
    /// Its position in the chain (its leaf index is `seq - 1`).
    #[schema(format = Int64, example = 1207)]
    pub seq: i64,
    /// `staged` until the record is in the tree; then `integrated`.
    pub status: AuditLogStatus,
    /// The size of the tree the proof is for (when staged, the tree's current size).
    #[schema(format = Int64, example = 4182)]
    pub tree_size: u64,
    /// The record's leaf index; null when staged.
    #[schema(format = Int64, example = 1206)]
    pub leaf_index: Option<u64>,
    /// The record's leaf hash, SHA-256(0x00 ‖ its canonical bytes), base64; null when staged.
    #[schema(pattern = r"^[A-Za-z0-9+/]{43}=$", max_length = 44)]
    pub leaf_hash: Option<String>,
    /// The root hash of the tree of `tree_size` records, base64 (as in its checkpoint); null
    /// when staged.
    #[schema(pattern = r"^[A-Za-z0-9+/]{43}=$", max_length = 44)]
    pub root_hash: Option<String>,
    /// The audit path from the leaf to the root, base64 hashes, the leaf's sibling first
    /// (empty when staged).
    #[schema(max_items = 64)]
    pub hashes: Vec<String>,
}

/// Prove an audit record's inclusion in the audit log
///
/// The inclusion proof (RFC 9162 §2.1.3) of a record in the Merkle tree of `tree_size` records:
/// with the leaf hash (recomputed from the record) and the root of a signed checkpoint of that
/// size, it shows that the record is in the log the checkpoint signed. A record committed
/// within the merge delay answers `staged`. For `privacy_officer` and `office_manager`;
/// recorded (`audit.inclusion_proof`).
#[utoipa::path(
    tag = "audit",
    operation_id = "prove_audit_record_inclusion",
    params(
        ("record_id" = Uuid, Path, description = "Audit record identifier."),
        InclusionProofQuery,
    ),
    responses(
        (status = 200, description = "The proof, or `staged`.", body = InclusionProof),
        (status = 400, description = "The id is not a UUID or the tree size is not a positive integer.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the privacy officer nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such audit record.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The tree is smaller than `tree_size`, or the record came after the tree of `tree_size` records.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit-records/{record_id}/inclusion-proof")]
pub async fn prove_audit_record_inclusion(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<AuditRecordId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::VerifyAuditTrail,
        "audit.inclusion_proof",
        "audit_record",
    )
    .showing_the_trail();
    let proof = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: InclusionProofQuery| {
            let record_id = id.0.uuid();
            work.resource(record_id);
            let entry = audit::find(work.conn(), record_id)?
                .ok_or_else(|| ApiError::NotFound("no audit record with this id".into()))?;
            let head = audit_tree::head(work.conn())?;
            let tree_size = q.tree_size.unwrap_or(head.size);
            if tree_size > head.size {
                return Err(ApiError::Conflict(format!(
                    "the audit log's tree holds {} records, fewer than {tree_size}",
                    head.size
                )));
            }
            work.detail("tree_size", tree_size);
            let mut proof = InclusionProof {
                record_id,
                seq: entry.seq,
                status: AuditLogStatus::Staged,
                tree_size,
                leaf_index: None,
                leaf_hash: None,
                root_hash: None,
                hashes: Vec::new(),
            };
            match audit_tree::placement(work.conn(), entry.seq, head.size)? {
                audit_tree::Placement::Staged if q.tree_size.is_none() => {}
                audit_tree::Placement::Staged => {
                    return Err(ApiError::Conflict(format!(
                        "the record (seq {}) is not yet in the tree",
                        entry.seq
                    )));
                }
                audit_tree::Placement::Integrated { index, .. } if index >= tree_size => {
                    return Err(ApiError::Conflict(format!(
                        "the record (seq {}) came after the tree of {tree_size} records",
                        entry.seq
                    )));
                }
                audit_tree::Placement::Integrated { index, leaf } => {
                    let hashes = audit_tree::inclusion_proof(work.conn(), tree_size, index)?;
                    let root = audit_tree::root_at(work.conn(), tree_size)?;
                    proof.status = AuditLogStatus::Integrated;
                    proof.leaf_index = Some(index);
                    proof.leaf_hash = Some(hash_text(&leaf));
                    proof.root_hash = Some(hash_text(&root));
                    proof.hashes = hashes.iter().map(hash_text).collect();
                }
            }
            Ok(proof)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}

/// The two tree sizes of a consistency proof.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyProofQuery {
    /// The older tree size (that of a checkpoint you hold); 0 is the empty tree.
    #[param(minimum = 0, maximum = 1e12)]
    #[validate(range(max = 1_000_000_000_000_u64))]
    pub first: u64,
    /// The newer tree size, at least `first`; the tree's current size when omitted.
    #[param(minimum = 0, maximum = 1e12)]
    #[validate(range(max = 1_000_000_000_000_u64))]
    pub second: Option<u64>,
}

/// The consistency proof between two sizes of the audit log (RFC 9162 §2.1.4).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsistencyProof {
    /// The older tree size.
    #[schema(format = Int64, example = 3120)]
    pub first: u64,
    /// The newer tree size.
    #[schema(format = Int64, example = 4182)]
    pub second: u64,
    /// The root of the tree of `first` records, base64.
    #[schema(pattern = r"^[A-Za-z0-9+/]{43}=$", max_length = 44)]
    pub first_root_hash: String,
    /// The root of the tree of `second` records, base64.
    #[schema(pattern = r"^[A-Za-z0-9+/]{43}=$", max_length = 44)]
    pub second_root_hash: String,
    /// The proof's hashes, base64 (empty when `first` is 0 or equals `second`).
    #[schema(max_items = 128)]
    pub hashes: Vec<String>,
}

/// Prove that the audit log only grew between two sizes
///
/// The consistency proof (RFC 9162 §2.1.4) that the tree of `first` records is a prefix of the
/// tree of `second` records: with the roots of two signed checkpoints, it shows that nothing
/// the older one signed was changed, removed or reordered. For `privacy_officer` and
/// `office_manager`; recorded (`audit.consistency_proof`).
#[utoipa::path(
    tag = "audit",
    operation_id = "prove_audit_log_consistency",
    params(ConsistencyProofQuery),
    responses(
        (status = 200, description = "The proof.", body = ConsistencyProof),
        (status = 400, description = "A size is missing or not an integer, or `first` is above `second`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the privacy officer nor the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The tree is smaller than `second`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/audit/consistency-proof")]
pub async fn prove_audit_log_consistency(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::VerifyAuditTrail,
        "audit.consistency_proof",
        "audit_log",
    );
    let proof = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: ConsistencyProofQuery| {
            let head = audit_tree::head(work.conn())?;
            let second = q.second.unwrap_or(head.size);
            if q.first > second {
                return Err(ApiError::bad_parameter(
                    "first",
                    "must not be above `second` (or the tree's size)",
                ));
            }
            if second > head.size {
                return Err(ApiError::Conflict(format!(
                    "the audit log's tree holds {} records, fewer than {second}",
                    head.size
                )));
            }
            work.detail("first", q.first).detail("second", second);
            let hashes = if q.first == 0 || q.first == second {
                Vec::new()
            } else {
                audit_tree::consistency_proof(work.conn(), q.first, second)?
            };
            Ok(ConsistencyProof {
                first: q.first,
                second,
                first_root_hash: hash_text(&audit_tree::root_at(work.conn(), q.first)?),
                second_root_hash: hash_text(&audit_tree::root_at(work.conn(), second)?),
                hashes: hashes.iter().map(hash_text).collect(),
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(proof))
}
