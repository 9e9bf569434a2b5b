//! The gate of a partner's machine client: every call of a client goes through [`read`] or
//! [`write`], which do, in ONE database transaction, what [`crate::case_work`] does for staff:
//!
//! 1. the client as it is now (`machine_clients`): disabled, or its organisation deactivated,
//!    → 401; the scopes it holds now, intersected with those of its token;
//! 2. the scope check ([`socialcare_domain::partner::scope_permits`]): a refusal is 403 and is
//!    recorded (outcome `denied`) after the rollback;
//! 3. only then the request's own input (the query, or the body and `If-Match`);
//! 4. the use case, given a [`PartnerWork`] (the connection, the client and its organisation);
//! 5. the audit record, with the client as actor (`client:<name>`, its scopes as roles) and
//!    every person the answer shows.
//!
//! A client never holds a staff action: a client's token on a staff operation is 403
//! ([`crate::auth::Caller`]), and a staff token on a partner operation is 403 here.

use std::collections::BTreeSet;

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::LocalBoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;
use socialcare_domain::partner::{
    MachineClient, PartnerOrganisation, Scope, parse_scope_text, scope_permits,
};
use socialcare_persistence::audit::{self, NewAuditRecord, Outcome};
use socialcare_persistence::{AnyConnection, partners};
use uuid::Uuid;
use validator::Validate;

use crate::auth::caller::{bearer_token, describe};
use crate::case_work::{Answer, IfMatch, Op};
use crate::error::{ApiError, blocking, transact};
use crate::extract::{Body, ValidQuery};
use crate::idempotency;
use crate::request::RequestMeta;
use crate::state::AppState;

/// A partner's machine client that presented a valid access token of its own.
#[derive(Debug, Clone)]
pub struct Partner {
    /// The client id.
    pub client_id: Uuid,
    /// The scopes of its token.
    pub token_scopes: BTreeSet<Scope>,
    /// Request id and client address, for the audit trail.
    pub meta: RequestMeta,
}

impl FromRequest for Partner {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        let meta = RequestMeta::of(req);
        let path = req.path().to_owned();
        Box::pin(async move {
            let state =
                state.ok_or_else(|| ApiError::Internal("application state missing".into()))?;
            let claims = state
                .jwt
                .validate(&token?)
                .map_err(|e| ApiError::invalid_token(describe(&e)))?;
            let Some(scope) = claims.scope else {
                // A staff token: refused, and recorded with the staff member as actor.
                let record = NewAuditRecord {
                    occurred_at: Utc::now(),
                    actor_id: Uuid::parse_str(&claims.sub).ok(),
                    actor_username: None,
                    actor_roles: claims.roles,
                    action: "partner_operation".into(),
                    resource_type: "route".into(),
                    resource_id: Some(path),
                    outcome: Outcome::Denied,
                    request_id: Some(meta.request_id.clone()),
                    client_addr: meta.client_addr.clone(),
                    details: None,
                    persons: Vec::new(),
                    purpose: None,
                    break_glass: false,
                    read_only: meta.safe_method,
                };
                return Err(refused(
                    &state,
                    record,
                    "this operation is for the machine clients of partner organisations",
                )
                .await);
            };
            let client_id = Uuid::parse_str(&claims.sub)
                .map_err(|_| ApiError::invalid_token("the access token subject is invalid"))?;
            let token_scopes = parse_scope_text(&scope)
                .map_err(|_| ApiError::invalid_token("the access token's scopes are invalid"))?;
            Ok(Partner {
                client_id,
                token_scopes,
                meta,
            })
        })
    }
}

/// Records a refusal decided outside any transaction (by an extractor) and answers 403 with
/// `detail`; if the record cannot be written, that error is the answer.
pub(crate) async fn refused(
    state: &web::Data<AppState>,
    record: NewAuditRecord,
    detail: &str,
) -> ApiError {
    let db = state.db.clone();
    let written = blocking(move || {
        db.write(|c| -> Result<(), ApiError> {
            audit::append(c, record)?;
            Ok(())
        })
    })
    .await;
    match written {
        Ok(()) => ApiError::Forbidden(detail.into()),
        Err(error) => error,
    }
}

/// A machine client as the actor of an audit record.
#[derive(Debug, Clone, Copy)]
pub struct ClientActor<'a> {
    /// Its id (or the id an assertion claimed).
    pub id: Uuid,
    /// Its name, when it is known.
    pub name: Option<&'a str>,
    /// The scopes it acts with.
    pub scopes: &'a BTreeSet<Scope>,
}

/// The audit record of a call of a machine client: the client as actor (`client:<name>`), its
/// scopes as roles (`scope:<code>`).
pub fn client_record(
    actor: ClientActor<'_>,
    meta: &RequestMeta,
    action: &str,
    resource_type: &str,
    resource_id: Option<String>,
    outcome: Outcome,
) -> NewAuditRecord {
    NewAuditRecord {
        occurred_at: Utc::now(),
        actor_id: Some(actor.id),
        actor_username: Some(format!("client:{}", actor.name.unwrap_or("unknown"))),
        actor_roles: actor.scopes.iter().map(|s| format!("scope:{s}")).collect(),
        action: action.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_id,
        outcome,
        request_id: Some(meta.request_id.clone()),
        client_addr: meta.client_addr.clone(),
        details: None,
        persons: Vec::new(),
        purpose: None,
        break_glass: false,
        read_only: meta.safe_method,
    }
}

/// What a partner's use case works with: the transaction's connection, the client and its
/// organisation as they are now, the request's instant, and the draft of the audit record.
pub struct PartnerWork<'c> {
    conn: &'c mut AnyConnection,
    client: MachineClient,
    organisation: PartnerOrganisation,
    scopes: BTreeSet<Scope>,
    meta: RequestMeta,
    op: Op,
    now: DateTime<Utc>,
    event: Option<String>,
    resource_id: Option<String>,
    details: serde_json::Map<String, serde_json::Value>,
    shown: BTreeSet<Uuid>,
}

impl PartnerWork<'_> {
    /// The transaction's connection.
    pub fn conn(&mut self) -> &mut AnyConnection {
        self.conn
    }

    /// The client.
    pub fn client(&self) -> &MachineClient {
        &self.client
    }

    /// The client's organisation.
    pub fn organisation(&self) -> &PartnerOrganisation {
        &self.organisation
    }

    /// The instant of the request.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// The office's calendar day (Europe/Rome) at the instant of the request.
    pub fn today(&self) -> NaiveDate {
        crate::case_work::office_day(self.now)
    }

    /// Names the resource of the audit record.
    pub fn resource(&mut self, id: impl ToString) -> &mut Self {
        self.resource_id = Some(id.to_string());
        self
    }

    /// Replaces the event code of the audit record.
    pub fn event(&mut self, event: impl Into<String>) -> &mut Self {
        self.event = Some(event.into());
        self
    }

    /// Adds a member to the audit record's details (ids and codes, never content).
    pub fn detail(&mut self, key: &str, value: impl Serialize) -> &mut Self {
        self.details.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
        );
        self
    }

    /// Records that the answer shows these persons: the audit record links each of them.
    pub fn shows(&mut self, persons: impl IntoIterator<Item = Uuid>) -> &mut Self {
        self.shown.extend(persons);
        self
    }

    /// Appends the audit record and, for a change, its event (concerning the client's
    /// organisation).
    fn finish(&mut self, version: Option<i64>) -> Result<(), ApiError> {
        let event = self
            .event
            .take()
            .unwrap_or_else(|| self.op.event.to_owned());
        let mut record = client_record(
            ClientActor {
                id: self.client.id,
                name: Some(&self.client.name),
                scopes: &self.scopes,
            },
            &self.meta,
            &event,
            self.op.resource_type,
            self.resource_id.take(),
            Outcome::Success,
        );
        let mut details = std::mem::take(&mut self.details);
        details.insert(
            "organisation_id".into(),
            serde_json::json!(self.organisation.id),
        );
        record.details = Some(serde_json::Value::Object(details).to_string());
        record.persons = std::mem::take(&mut self.shown).into_iter().collect();
        crate::outbox::append_with_event(
            self.conn,
            record,
            self.op.action,
            version,
            Some(self.organisation.id),
        )
    }
}

/// Steps 1–2 in the request's transaction.
fn open<'c>(
    conn: &'c mut AnyConnection,
    partner: &Partner,
    op: Op,
) -> Result<PartnerWork<'c>, ApiError> {
    let now = Utc::now();
    let client = partners::find_client(conn, partner.client_id)?
        .filter(|c| c.enabled)
        .ok_or_else(|| ApiError::invalid_token("the client is disabled or no longer registered"))?;
    let organisation = partners::find_organisation(conn, client.organisation_id)?
        .filter(|o| o.active)
        .ok_or_else(|| ApiError::invalid_token("the client's organisation is no longer active"))?;
    let scopes: BTreeSet<Scope> = partner
        .token_scopes
        .intersection(&client.scopes)
        .copied()
        .collect();
    if !scope_permits(&scopes, op.action) {
        let record = client_record(
            ClientActor {
                id: client.id,
                name: Some(&client.name),
                scopes: &scopes,
            },
            &partner.meta,
            op.action.code(),
            op.resource_type,
            None,
            Outcome::Denied,
        );
        return Err(ApiError::Denied {
            detail: format!("the client's scopes do not allow `{}`", op.action.code()),
            record: Box::new(record),
        });
    }
    partners::mark_used(conn, client.id, now)?;
    Ok(PartnerWork {
        conn,
        client,
        organisation,
        scopes,
        meta: partner.meta.clone(),
        op,
        now,
        event: None,
        resource_id: None,
        details: serde_json::Map::new(),
        shown: BTreeSet::new(),
    })
}

/// A partner's read: the query `Q` is parsed after the decision; `f` returns the answer and
/// says which persons it shows.
pub async fn read<Q, T, F>(
    state: &web::Data<AppState>,
    partner: Partner,
    req: &HttpRequest,
    op: Op,
    f: F,
) -> Result<T, ApiError>
where
    Q: DeserializeOwned + Validate + 'static,
    T: Send + 'static,
    F: FnOnce(&mut PartnerWork<'_>, Q) -> Result<T, ApiError> + Send + 'static,
{
    let query = req.query_string().to_owned();
    let db = state.db.clone();
    blocking(move || {
        transact(&db, |c| {
            let mut work = open(c, &partner, op)?;
            let q = ValidQuery::<Q>::from_query(&query)?.0;
            let out = f(&mut work, q)?;
            work.finish(None)?;
            Ok(out)
        })
    })
    .await
}

/// A partner's change with a JSON body, judged after the decision; then, as for staff, a
/// stored answer for the same `Idempotency-Key` and request is replayed, else `f` runs (it
/// checks `If-Match` against what it loads) and its answer is stored with the key, the change
/// and the audit record in the same transaction.
pub async fn write<B, F>(
    state: &web::Data<AppState>,
    partner: Partner,
    req: &HttpRequest,
    op: Op,
    body: Body<B>,
    f: F,
) -> Result<HttpResponse, ApiError>
where
    B: DeserializeOwned + Validate + 'static,
    F: FnOnce(&mut PartnerWork<'_>, B, IfMatch) -> Result<Answer, ApiError> + Send + 'static,
{
    let if_match = IfMatch::of(req);
    let key = idempotency::key_of(req);
    let (method, path) = (req.method().as_str().to_owned(), req.path().to_owned());
    let raw = body.bytes().await;
    let db = state.db.clone();
    let answer = blocking(move || {
        transact(&db, |c| {
            let mut work = open(c, &partner, op)?;
            let bytes = raw?;
            let value = crate::extract::decode_json::<B>(&bytes)?;
            let key = key?;
            let fingerprint = idempotency::fingerprint_parts(&method, &path, &bytes);
            let (actor, now) = (work.client.id, work.now);
            if let Some(key) = key.as_deref()
                && let Some(stored) =
                    idempotency::replayed(work.conn(), actor, key, &fingerprint, now)?
            {
                return Ok(stored);
            }
            let answer = f(&mut work, value, if_match)?;
            work.finish(answer.version)?;
            let answer = answer.into_replayable();
            if let Some(key) = key.as_deref() {
                idempotency::remember(work.conn(), actor, key, &fingerprint, now, &answer)?;
            }
            Ok(answer)
        })
    })
    .await?;
    Ok(answer.into_response())
}
