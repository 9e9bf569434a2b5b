//! The gate: every request about a case file, a person or a household (and everything inside
//! them: projects, pacts, diary entries…) goes through [`read`] or [`write`], and lists of
//! persons go through [`list`]. Each does, in ONE database transaction:
//!
//! 1. the role check (`permits`): a caller whose roles never allow the action is refused without
//!    learning whether the resource exists;
//! 2. the target, located from its typed path id (a project is located in its case file);
//! 3. the access facts of that case file, person or household, loaded in the same transaction,
//!    and the decision of [`socialcare_domain::access::decide`];
//! 4. only then the request's own input: query parameters ([`read`]), or the body's media type,
//!    size, JSON and validation errors, the `Idempotency-Key` and the `If-Match` ([`write`]);
//! 5. the use case, given a [`Work`]: the connection, the grant, the office's day, and the draft
//!    of the audit record;
//! 6. the audit record, built from the grant (the person of the file, the break-glass marking)
//!    and from the persons the use case said it shows ([`Work::shows`]).
//!
//! A refusal at steps 1–3 rolls the transaction back and records the attempt in a transaction
//! of its own ([`transact`]). Nothing is decided in one transaction and acted on in another: a
//! team member removed, or a break-glass grant expiring, while a request is in flight is refused
//! by the transaction that would have written.
//!
//! `docs/architecture.md` traces one read and one write through this module.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use socialcare_domain::access::{Action, permits};
use socialcare_domain::ids::{CaseFileId, HouseholdId, PersonId};
use socialcare_persistence::audit::{self, NewAuditRecord, Outcome};
use socialcare_persistence::{AnyConnection, StoreError, users};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::conditional::{etag, if_match_of, require_if_match};
use crate::error::{ApiError, blocking, transact};
use crate::extract::{Body, ValidQuery};
use crate::guard::{self, CaseAccess, PersonAccess};
use crate::idempotency::{self, Replayable};
use crate::state::AppState;

/// Finds the case file a resource belongs to; `Ok(None)` when there is no such resource.
pub type Locator = fn(&mut AnyConnection, Uuid) -> Result<Option<Uuid>, StoreError>;

/// What a request is about, named by its path.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// A case file.
    CaseFile(CaseFileId),
    /// A person (decided through all their case files).
    Person(PersonId),
    /// A household (decided through its members).
    Household(HouseholdId),
    /// A resource inside a case file (a project, a pact, one of their parts…).
    Within {
        /// What the resource is, in words ("project"), for the 404.
        kind: &'static str,
        /// Its id.
        id: Uuid,
        /// Finds its case file.
        locate: Locator,
    },
}

impl Target {
    /// A resource of kind `kind` with id `id`, inside the case file `locate` finds.
    pub fn within(kind: &'static str, id: impl Into<Uuid>, locate: Locator) -> Self {
        Self::Within {
            kind,
            id: id.into(),
            locate,
        }
    }
}

/// What was granted, and on what.
#[derive(Debug, Clone)]
pub enum Grant {
    /// Access to one case file.
    Case(CaseAccess),
    /// Access to one person.
    Person(PersonAccess),
    /// Access to a household; its members (current and past).
    Household {
        /// The household.
        id: HouseholdId,
        /// Its members, current and past.
        members: Vec<Uuid>,
    },
    /// A list that is not under one case file, person or household: only the roles decided.
    Office,
}

impl Grant {
    /// The persons every audit record under this grant names.
    fn persons(&self) -> Vec<Uuid> {
        match self {
            Grant::Case(access) => vec![access.person_id],
            Grant::Person(access) => vec![access.person_id],
            Grant::Household { members, .. } => members.clone(),
            Grant::Office => Vec::new(),
        }
    }

    /// The reason of the break-glass grant when only such a grant let the caller in.
    fn break_glass(&self) -> Option<&str> {
        match self {
            Grant::Case(access) => access.break_glass.as_deref(),
            Grant::Person(access) => access.break_glass.as_deref(),
            Grant::Household { .. } | Grant::Office => None,
        }
    }
}

/// The audited event of a request: the policy's action, the event code recorded in the audit
/// trail (`project.create`) and the kind of resource it concerns.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    /// What the policy decides.
    pub action: Action,
    /// The audit trail's action code.
    pub event: &'static str,
    /// The audit trail's resource type.
    pub resource_type: &'static str,
    /// Whether the read shows the audit trail: the staged records are chained first
    /// ([`Op::showing_the_trail`]).
    pub shows_trail: bool,
}

impl Op {
    /// An event `event` on a resource of type `resource_type`, decided as `action`.
    pub const fn new(action: Action, event: &'static str, resource_type: &'static str) -> Self {
        Self {
            action,
            event,
            resource_type,
            shows_trail: false,
        }
    }

    /// The same, for a read that shows records of the audit trail: every record staged before
    /// it is chained first ([`audit::settle`], in a write transaction of its own before the
    /// read's snapshot), so that the answer shows every request that committed before it.
    pub const fn showing_the_trail(mut self) -> Self {
        self.shows_trail = true;
        self
    }
}

/// The audit record a use case fills in: what the gate does not know by itself.
#[derive(Debug, Default)]
struct Draft {
    event: Option<String>,
    resource_id: Option<String>,
    organisation: Option<Uuid>,
    details: serde_json::Map<String, serde_json::Value>,
    shown: BTreeSet<Uuid>,
}

/// What a use case works with: the transaction's connection, the grant, the caller (marked when
/// a break-glass grant let them in), the request's instant and the office's calendar day.
pub struct Work<'c> {
    conn: &'c mut AnyConnection,
    caller: Caller,
    grant: Grant,
    op: Op,
    target_id: Option<String>,
    now: DateTime<Utc>,
    today: NaiveDate,
    draft: Draft,
}

impl Work<'_> {
    /// The transaction's connection.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// The caller, marked with the break-glass reason when only a grant let them in.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The caller's user id.
    pub fn actor(&self) -> Uuid {
        self.caller.id()
    }

    /// The grant the request runs under.
    pub fn grant(&self) -> &Grant {
        &self.grant
    }

    /// The case-file grant (for targets inside a case file).
    pub fn case(&self) -> Result<&CaseAccess, ApiError> {
        match &self.grant {
            Grant::Case(access) => Ok(access),
            _ => Err(ApiError::Internal(
                "a case-file use case ran under another grant".into(),
            )),
        }
    }

    /// The case file the request is about (for targets inside a case file).
    pub fn case_file_id(&self) -> Result<Uuid, ApiError> {
        self.case().map(|a| a.case_file_id)
    }

    /// The instant of the request.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The office's calendar day (Europe/Rome) at the instant of the request.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Whether the caller may also perform `action` on the case file (e.g. read restricted
    /// entries while listing).
    pub fn also(&self, action: Action) -> bool {
        match &self.grant {
            Grant::Case(access) => access.also(&self.caller, action),
            _ => false,
        }
    }

    /// Names the resource of the audit record (default: the target's id).
    pub fn resource(&mut self, id: impl ToString) -> &mut Self {
        self.draft.resource_id = Some(id.to_string());
        self
    }

    /// Replaces the event code of the audit record (e.g. `project.activate`).
    pub fn event(&mut self, event: impl Into<String>) -> &mut Self {
        self.draft.event = Some(event.into());
        self
    }

    /// Adds a member to the audit record's details (ids, codes, counts: never content).
    pub fn detail(&mut self, key: &str, value: impl Serialize) -> &mut Self {
        self.draft.details.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        );
        self
    }

    /// Marks the audit record as made under break-glass, with `reason` as its purpose (the
    /// break-glass request itself, whose grant does not exist yet when the gate decides).
    pub fn mark_break_glass(&mut self, reason: &str) -> &mut Self {
        self.caller.break_glass = Some(reason.to_owned());
        self
    }

    /// Records that the answer shows these persons: the audit record links each of them.
    pub fn shows(&mut self, persons: impl IntoIterator<Item = Uuid>) -> &mut Self {
        self.draft.shown.extend(persons);
        self
    }

    /// Names the partner organisation the change concerns (a referral addressed to it): the
    /// change's event goes to that organisation's machine clients.
    pub fn concerns(&mut self, organisation_id: Option<Uuid>) -> &mut Self {
        self.draft.organisation = organisation_id;
        self
    }

    /// A refusal the use case decides (the rule needs what only the use case loads, e.g. who
    /// wrote a diary entry): 403, and the attempt is recorded, with the grant's persons and those
    /// the use case already said it concerns ([`Work::shows`], e.g. the person a case file was
    /// to be opened for), after the transaction is rolled back.
    pub fn refuse(&self, detail: impl Into<String>) -> ApiError {
        let event = self
            .draft
            .event
            .clone()
            .unwrap_or_else(|| self.op.event.to_owned());
        let mut record = self.caller.audit(
            &event,
            self.op.resource_type,
            self.draft
                .resource_id
                .clone()
                .or_else(|| self.target_id.clone()),
            Outcome::Denied,
        );
        let mut persons: BTreeSet<Uuid> = self.grant.persons().into_iter().collect();
        persons.extend(self.draft.shown.iter().copied());
        record.persons = persons.into_iter().collect();
        ApiError::Denied {
            detail: detail.into(),
            record: Box::new(record),
        }
    }

    /// [`Work::refuse`] for a refusal about persons the grant does not name (e.g. the person a
    /// new household would be headed by): the denied record links them too.
    pub fn refuse_about(
        &self,
        detail: impl Into<String>,
        persons: impl IntoIterator<Item = Uuid>,
    ) -> ApiError {
        match self.refuse(detail) {
            ApiError::Denied { detail, mut record } => {
                let mut linked: BTreeSet<Uuid> = record.persons.drain(..).collect();
                linked.extend(persons);
                record.persons = linked.into_iter().collect();
                ApiError::Denied { detail, record }
            }
            other => other,
        }
    }

    /// Appends the audit record of the request and, for a change, its event (the resource's
    /// `version` after the change, when it has one).
    fn finish(&mut self, version: Option<i64>) -> Result<(), ApiError> {
        let action = self.op.action;
        let organisation = self.draft.organisation;
        let record = self.record();
        crate::outbox::append_with_event(self.conn, record, action, version, organisation)
    }

    /// The audit record of the request: the grant's persons and those the answer shows, the
    /// details, the break-glass mark.
    fn record(&mut self) -> NewAuditRecord {
        let draft = std::mem::take(&mut self.draft);
        let op = self.op;
        let event = draft.event.unwrap_or_else(|| op.event.to_owned());
        let mut record: NewAuditRecord = self.caller.audit(
            &event,
            op.resource_type,
            draft.resource_id.or_else(|| self.target_id.clone()),
            Outcome::Success,
        );
        let mut details = draft.details;
        if let Grant::Case(access) = &self.grant {
            details
                .entry("case_file_id")
                .or_insert_with(|| serde_json::json!(access.case_file_id));
            details
                .entry("person_id")
                .or_insert_with(|| serde_json::json!(access.person_id));
        }
        let mut persons: BTreeSet<Uuid> = self.grant.persons().into_iter().collect();
        persons.extend(draft.shown);
        record.persons = persons.into_iter().collect();
        if !details.is_empty() {
            record.details = Some(serde_json::Value::Object(details).to_string());
        }
        if let Some(reason) = self.grant.break_glass() {
            record.break_glass = true;
            record.purpose = Some(reason.to_owned());
        }
        record
    }
}

/// The office's calendar day at `now`.
pub fn office_day(now: DateTime<Utc>) -> NaiveDate {
    socialcare_domain::calendar::today(now)
}

/// Steps 1–3: the account as it is now, the role check, the target and the decision, inside
/// the caller's transaction. The account is read again here, not trusted from the extractor's
/// earlier read, so that an account disabled or a role withdrawn while the request was in
/// flight takes effect in the transaction that would act on it.
fn decide(
    conn: &mut AnyConnection,
    caller: &mut Caller,
    action: Action,
    target: Option<Target>,
) -> Result<(Grant, Option<String>), ApiError> {
    match users::find(conn, caller.id())? {
        Some(user) if user.active => caller.user = user,
        _ => {
            return Err(ApiError::invalid_token(
                "the account is disabled or no longer exists",
            ));
        }
    }
    let caller: &Caller = caller;
    if !permits(caller.user.profile.roles(), action) {
        let (resource_type, resource_id) = match target {
            Some(Target::CaseFile(id)) => ("case_file", Some(id.to_string())),
            Some(Target::Person(id)) => ("person", Some(id.to_string())),
            Some(Target::Household(id)) => ("household", Some(id.to_string())),
            Some(Target::Within { kind, id, .. }) => (kind, Some(id.to_string())),
            None => ("office", None),
        };
        let record = caller.audit(action.code(), resource_type, resource_id, Outcome::Denied);
        return Err(ApiError::Denied {
            detail: format!("your roles do not allow `{}`", action.code()),
            record: Box::new(record),
        });
    }
    match target {
        None => Ok((Grant::Office, None)),
        Some(Target::CaseFile(id)) => {
            let access = guard::case_file(conn, caller, action, id.uuid())?;
            Ok((Grant::Case(access), Some(id.to_string())))
        }
        Some(Target::Within { kind, id, locate }) => {
            let case_file_id = locate(conn, id)?
                .ok_or_else(|| ApiError::NotFound(format!("no {kind} with this id")))?;
            let access = guard::case_file(conn, caller, action, case_file_id)?;
            Ok((Grant::Case(access), Some(id.to_string())))
        }
        Some(Target::Person(id)) => {
            let access = guard::person(conn, caller, action, id.uuid())?;
            Ok((Grant::Person(access), Some(id.to_string())))
        }
        Some(Target::Household(id)) => {
            let members = guard::household(conn, caller, action, id.uuid())?;
            Ok((Grant::Household { id, members }, Some(id.to_string())))
        }
    }
}

/// Step 1 alone (the account as it is now, then the roles) for a handler that is about no case
/// file, person or household and keeps its own audit record (the caller's own account, staff
/// accounts, the audit trail): call it first thing in the request's one transaction. A refusal is
/// [`ApiError::Denied`], recorded by [`transact`] after the rollback.
pub fn decide_roles(
    conn: &mut AnyConnection,
    caller: &mut Caller,
    action: Action,
) -> Result<(), ApiError> {
    decide(conn, caller, action, None).map(|_| ())
}

/// Steps 1–4 in the request's transaction: the decision, then the [`Work`] of the use case.
fn open_work<'c>(
    conn: &'c mut AnyConnection,
    caller: &mut Caller,
    op: Op,
    target: Option<Target>,
) -> Result<Work<'c>, ApiError> {
    let (grant, target_id) = decide(conn, caller, op.action, target)?;
    let now = Utc::now();
    let mut caller = caller.clone();
    caller.break_glass = grant.break_glass().map(ToOwned::to_owned);
    Ok(Work {
        conn,
        caller,
        grant,
        op,
        target_id,
        now,
        today: office_day(now),
        draft: Draft::default(),
    })
}

/// A read of one case file, person or household (or of a resource inside a case file): the
/// query `Q` is parsed after the decision; `f` reads and returns the answer.
pub async fn read<Q, T, F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    target: Target,
    op: Op,
    f: F,
) -> Result<T, ApiError>
where
    Q: DeserializeOwned + Validate + 'static,
    T: Send + 'static,
    F: FnOnce(&mut Work<'_>, Q) -> Result<T, ApiError> + Send + 'static,
{
    run_read(state, caller, req, Some(target), op, f).await
}

/// A list that is not under one case file, person or household (searches, caseloads, the
/// agenda): only the roles are decided by the gate; `f` must return only what the caller may
/// read and say which persons it shows ([`Work::shows`]).
pub async fn list<Q, T, F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    op: Op,
    f: F,
) -> Result<T, ApiError>
where
    Q: DeserializeOwned + Validate + 'static,
    T: Send + 'static,
    F: FnOnce(&mut Work<'_>, Q) -> Result<T, ApiError> + Send + 'static,
{
    run_read(state, caller, req, None, op, f).await
}

async fn run_read<Q, T, F>(
    state: &web::Data<AppState>,
    mut caller: Caller,
    req: &HttpRequest,
    target: Option<Target>,
    op: Op,
    f: F,
) -> Result<T, ApiError>
where
    Q: DeserializeOwned + Validate + 'static,
    T: Send + 'static,
    F: FnOnce(&mut Work<'_>, Q) -> Result<T, ApiError> + Send + 'static,
{
    let query = req.query_string().to_owned();
    let db = state.db.clone();
    let appender = state.audit_appender.clone();
    blocking(move || {
        // On PostgreSQL the decision, the read and the staging of its record in one transaction
        // (a snapshot; the record is one insert into the staging table, sent with the COMMIT
        // and committed asynchronously). On SQLite the read runs on a reader connection and its
        // record is then staged in the reads' file, which leaves the database file and the
        // readers' page caches untouched. The answer leaves only once its record is committed.
        if op.shows_trail {
            db.write(audit::settle)?;
        }
        let reading = appender.reading();
        let run = |c: &mut AnyConnection| {
            let mut work = open_work(c, &mut caller, op, target)?;
            let q = ValidQuery::<Q>::from_query(&query)?.0;
            let out = f(&mut work, q)?;
            Ok::<_, ApiError>((out, work.record()))
        };
        let read = if reading.in_own_transaction() {
            db.read_recorded(run).map(|out| (out, None))
        } else {
            db.read_as(|c| run(c).map(|(out, record)| (out, Some(record))))
        };
        match read {
            Ok((out, None)) => Ok(out),
            Ok((out, Some(record))) => {
                reading.append(record)?;
                Ok(out)
            }
            Err(ApiError::Denied { detail, record }) => {
                reading.append(*record)?;
                Err(ApiError::Forbidden(detail))
            }
            Err(other) => Err(other),
        }
    })
    .await
}

/// What a write needs of its request, read before the work leaves the async worker.
struct WriteRequest {
    key: Result<Option<String>, ApiError>,
    if_match: Option<String>,
    method: String,
    path: String,
}

impl WriteRequest {
    fn of(req: &HttpRequest) -> Self {
        Self {
            key: idempotency::key_of(req),
            if_match: if_match_of(req),
            method: req.method().as_str().to_owned(),
            path: path_and_query(req),
        }
    }
}

/// The path of a request with its query string: two requests that differ only in their query
/// (`?confirm_new_person=true`) are different requests for `Idempotency-Key`.
fn path_and_query(req: &HttpRequest) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned())
}

/// The `If-Match` of a write, checked by the use case against the version it loaded.
#[derive(Debug, Clone)]
pub struct IfMatch(Option<String>);

impl IfMatch {
    /// The `If-Match` a request sent.
    pub(crate) fn of(req: &HttpRequest) -> Self {
        Self(if_match_of(req))
    }

    /// 428 without `If-Match`, 412 when it names another version; the version otherwise.
    pub fn check(&self, current: i64) -> Result<i64, ApiError> {
        require_if_match(self.0.as_deref(), current)
    }

    /// Whether the request sent `If-Match` (a create-or-replace refuses it while nothing
    /// exists to match).
    pub fn is_sent(&self) -> bool {
        self.0.is_some()
    }
}

/// A write on one case file, person or household (or on a resource inside a case file), with a
/// JSON body: the body is judged after the decision, then `Idempotency-Key` replays a stored
/// answer or runs `f`, whose answer is stored with the key and the audit record in the same
/// transaction.
pub async fn write<B, F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    target: Target,
    op: Op,
    body: Body<B>,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned + Validate + 'static,
    F: FnOnce(&mut Work<'_>, B, IfMatch) -> Result<Answer, ApiError> + Send + 'static,
{
    let steps = Checked {
        check: |_: &mut Work<'_>| Ok(()),
        then: |w: &mut Work<'_>, b, m, ()| f(w, b, m),
    };
    run_write(state, caller, req, Some(target), op, Some(body), steps).await
}

/// A use case in two steps: `check` runs after the gate's decision and before the body is
/// judged (a rule decided on what the use case loads, e.g. only the author edits a diary
/// entry); `then` receives the body and what `check` returned.
pub struct Checked<K, F> {
    /// The first step, before the body.
    pub check: K,
    /// The second step, with the body.
    pub then: F,
}

/// A write whose use case decides more before the body is judged: see [`Checked`]. Otherwise
/// as [`write`].
pub async fn write_checked<B, C, K, F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    target: Target,
    op: Op,
    body: Body<B>,
    steps: Checked<K, F>,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned + Validate + 'static,
    C: Send + 'static,
    K: FnOnce(&mut Work<'_>) -> Result<C, ApiError> + Send + 'static,
    F: FnOnce(&mut Work<'_>, B, IfMatch, C) -> Result<Answer, ApiError> + Send + 'static,
{
    run_write(state, caller, req, Some(target), op, Some(body), steps).await
}

/// A write that creates something not yet under a case file, person or household (a person,
/// a household, a case file in an area): the gate decides the roles; `f` decides on what the
/// body names (an area, a person) and refuses with [`Work::refuse`]. Otherwise as [`write`].
pub async fn create<B, F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    op: Op,
    body: Body<B>,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned + Validate + 'static,
    F: FnOnce(&mut Work<'_>, B, IfMatch) -> Result<Answer, ApiError> + Send + 'static,
{
    let steps = Checked {
        check: |_: &mut Work<'_>| Ok(()),
        then: |w: &mut Work<'_>, b, m, ()| f(w, b, m),
    };
    run_write(state, caller, req, None, op, Some(body), steps).await
}

/// A write on a record of the office that is not under a case file, person or household (a
/// facility, a bed): the gate decides the roles; `check` loads the record and decides on it
/// (its area) before the body is judged, refusing with [`Work::refuse`]; then as
/// [`write_checked`].
pub async fn office_checked<B, C, K, F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    op: Op,
    body: Body<B>,
    steps: Checked<K, F>,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned + Validate + 'static,
    C: Send + 'static,
    K: FnOnce(&mut Work<'_>) -> Result<C, ApiError> + Send + 'static,
    F: FnOnce(&mut Work<'_>, B, IfMatch, C) -> Result<Answer, ApiError> + Send + 'static,
{
    run_write(state, caller, req, None, op, Some(body), steps).await
}

/// A write without a body (e.g. an action named by its path), otherwise as [`write`].
pub async fn act<F>(
    state: &web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    target: Target,
    op: Op,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut Work<'_>, IfMatch) -> Result<Answer, ApiError> + Send + 'static,
{
    let steps = Checked {
        check: |_: &mut Work<'_>| Ok(()),
        then: |w: &mut Work<'_>, _: NoQuery, m, ()| f(w, m),
    };
    let body: Option<Body<NoQuery>> = None;
    run_write(state, caller, req, Some(target), op, body, steps).await
}

/// One transaction of a use case of the office that takes several (the batches of a bulk
/// import): the account and roles decided again (a role withdrawn between two steps stops the
/// next), then `f`, then the step's audit record (with the persons `f` shows). Blocking: call
/// it inside [`blocking`]. A refusal is recorded as the gate records it.
pub fn office_step<T, F>(
    db: &socialcare_persistence::Database,
    caller: &mut Caller,
    op: Op,
    f: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&mut Work<'_>) -> Result<T, ApiError>,
{
    transact(db, |c| {
        let mut work = open_work(c, caller, op, None)?;
        let out = f(&mut work)?;
        work.finish(None)?;
        Ok(out)
    })
}

/// Every write: the body's bytes are read before the transaction (never judged there); in the
/// transaction, the decision, `check`, the body, the idempotency key, `f`, the audit record and
/// the stored answer.
async fn run_write<B, C, K, F>(
    state: &web::Data<AppState>,
    mut caller: Caller,
    req: &HttpRequest,
    target: Option<Target>,
    op: Op,
    body: Option<Body<B>>,
    steps: Checked<K, F>,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned + Validate + 'static,
    C: Send + 'static,
    K: FnOnce(&mut Work<'_>) -> Result<C, ApiError> + Send + 'static,
    F: FnOnce(&mut Work<'_>, B, IfMatch, C) -> Result<Answer, ApiError> + Send + 'static,
{
    let request = WriteRequest::of(req);
    let raw = match body {
        Some(body) => Some(body.bytes().await),
        None => None,
    };
    let db = state.db.clone();
    let outcome = blocking(move || {
        transact(&db, |c| {
            let Checked { check, then: f } = steps;
            let mut work = open_work(c, &mut caller, op, target)?;
            let checked = check(&mut work)?;
            let (value, bytes) = match raw {
                Some(raw) => {
                    let bytes = raw?;
                    (Some(crate::extract::decode_json::<B>(&bytes)?), bytes)
                }
                None => (None, web::Bytes::new()),
            };
            let key = request.key?;
            let fingerprint = fingerprint(&request.method, &request.path, &bytes);
            let (actor, now) = (work.actor(), work.now());
            if let Some(key) = key.as_deref()
                && let Some(stored) =
                    idempotency::replayed(work.conn(), actor, key, &fingerprint, now)?
            {
                return Ok(stored);
            }
            let if_match = IfMatch(request.if_match);
            let answer = match value {
                Some(value) => f(&mut work, value, if_match, checked)?,
                // Only `act` has no body; its `B` is `NoQuery`, which an empty object makes.
                None => {
                    let empty = serde_json::from_value::<B>(serde_json::json!({}))
                        .map_err(|e| ApiError::Internal(format!("a bodiless write: {e}")))?;
                    f(&mut work, empty, if_match, checked)?
                }
            };
            work.finish(answer.version)?;
            let response = answer.into_replayable();
            if let Some(key) = key.as_deref() {
                idempotency::remember(work.conn(), actor, key, &fingerprint, now, &response)?;
            }
            Ok(response)
        })
    })
    .await?;
    Ok(outcome.into_response())
}

fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    idempotency::fingerprint_parts(method, path, body)
}

/// The answer of a write: status, JSON body, and the `Location` and `ETag` headers.
#[derive(Debug, Clone)]
pub struct Answer {
    status: StatusCode,
    body: serde_json::Value,
    location: Option<String>,
    pub(crate) version: Option<i64>,
}

impl Answer {
    /// 201 Created at `location`, with the new resource's version.
    pub fn created<T: Serialize>(body: &T, location: String, version: Option<i64>) -> Self {
        Self {
            status: StatusCode::CREATED,
            body: serde_json::to_value(body).unwrap_or_default(),
            location: Some(location),
            version,
        }
    }

    /// 201 Created for a record that has no URL of its own (a step of a pact, a non-compliance
    /// event: they are read in their parent's list), so no `Location`.
    pub fn created_in_list<T: Serialize>(body: &T) -> Self {
        Self {
            status: StatusCode::CREATED,
            body: serde_json::to_value(body).unwrap_or_default(),
            location: None,
            version: None,
        }
    }

    /// 200 OK with the resource's (new) version.
    pub fn ok<T: Serialize>(body: &T, version: Option<i64>) -> Self {
        Self {
            status: StatusCode::OK,
            body: serde_json::to_value(body).unwrap_or_default(),
            location: None,
            version,
        }
    }

    /// The answer as stored under an idempotency key and sent.
    pub(crate) fn into_replayable(self) -> Replayable {
        Replayable {
            status: self.status,
            body: self.body,
            location: self.location,
            etag: self.version.map(etag),
            replayed: false,
        }
    }
}

/// A 200 answer with the resource's version as `ETag`.
pub fn with_etag<T: Serialize>(version: i64, body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::ETAG, etag(version)))
        .json(body)
}

/// Query parameters of a read that takes none: any query string is ignored, but still checked
/// for control characters.
#[derive(Debug, Default, serde::Deserialize, Validate)]
pub struct NoQuery {}
