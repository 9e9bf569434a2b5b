//! The register of partner organisations and of their machine clients, with the clients'
//! public keys: kept by the `system_admin`; the organisations are read by whoever works cases
//! (to address a referral to one).

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::ids::{MachineClientId, PartnerOrganisationId};
use socialcare_domain::partner::{
    ClientContent, ClientKey, KeyAlgorithm, KeyFormat, MachineClient, PUBLIC_KEY_MAX_CHARS,
    PartnerOrganisation, check_kid, organisation_name,
};
use socialcare_domain::{FieldError, ValidationErrors};
use socialcare_persistence::{AnyConnection, StoreError, partners};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::auth::client::check_public_key;
use crate::case_work::{self, Answer, Checked, IfMatch, NoQuery, Op, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{KeyAlgorithmCode, OrganisationKindCode, ScopeCode};
use crate::state::AppState;

/// A partner organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationResponse {
    /// Identifier.
    pub id: Uuid,
    /// Its name, as referrals show it.
    #[schema(example = "Centro per l'impiego di Trento")]
    pub name: String,
    /// What it is.
    pub kind: OrganisationKindCode,
    /// Whether it receives referrals and its clients may call.
    pub active: bool,
    /// Version, also sent as `ETag`.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who registered it.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

impl From<&PartnerOrganisation> for OrganisationResponse {
    fn from(o: &PartnerOrganisation) -> Self {
        Self {
            id: o.id,
            name: o.name.clone(),
            kind: o.kind.into(),
            active: o.active,
            version: o.version,
            created_at: o.created_at,
            created_by: o.created_by,
            updated_at: o.updated_at,
            updated_by: o.updated_by,
        }
    }
}

/// A new partner organisation.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Centro per l'impiego di Trento", "kind": "employment_centre"}))]
pub struct OrganisationRequest {
    /// Its name, as referrals show it (1-200 characters, one line; unique).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What it is.
    pub kind: OrganisationKindCode,
}

/// A partner organisation as replaced.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Centro per l'impiego di Trento", "kind": "employment_centre", "active": false}))]
pub struct OrganisationUpdate {
    /// Its name (1-200 characters, one line; unique).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// What it is.
    pub kind: OrganisationKindCode,
    /// `false` deactivates it: it receives no new referrals and its clients' calls are refused.
    pub active: bool,
}

fn organisation_of(conn: &mut AnyConnection, id: Uuid) -> Result<PartnerOrganisation, ApiError> {
    partners::find_organisation(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no partner organisation with this id".into()))
}

fn name_taken(error: StoreError, what: &str) -> ApiError {
    match error {
        StoreError::Conflict(_) => ApiError::Conflict(format!("{what} is already registered")),
        other => other.into(),
    }
}

/// Register a partner organisation
///
/// Registers an organisation the office works with (a Centro per l'impiego, the Agenzia del
/// Lavoro, the Provincia, a cooperative…), active. For the `system_admin`. Send
/// `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "partners",
    operation_id = "create_partner_organisation",
    params(IdempotencyKeyHeader),
    request_body = OrganisationRequest,
    responses(
        (status = 201, description = "Registered.", body = OrganisationResponse,
            headers(("Location" = String, description = "URL of the organisation."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is already registered.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/partner-organisations")]
pub async fn create_partner_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<OrganisationRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "partner_organisation.create",
        "partner_organisation",
    );
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let name = organisation_name(&request.name).map_err(ApiError::from_domain)?;
        let (actor, now) = (work.actor(), work.now());
        let organisation =
            partners::insert_organisation(work.conn(), &name, request.kind.into(), actor, now)
                .map_err(|e| name_taken(e, "an organisation with this name"))?;
        work.resource(organisation.id)
            .concerns(Some(organisation.id));
        Ok(Answer::created(
            &OrganisationResponse::from(&organisation),
            format!("/api/v1/partner-organisations/{}", organisation.id),
            Some(organisation.version),
        ))
    })
    .await
}

/// Filters and position of the register of organisations.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganisationListQuery {
    /// Only active (`true`) or deactivated (`false`) organisations.
    pub active: Option<bool>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 50).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

/// One page of partner organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationPage {
    /// The organisations, in the order they were registered.
    pub items: Vec<OrganisationResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

fn position(raw: Option<&str>, list: &str) -> Result<Option<Uuid>, ApiError> {
    raw.map(|c| {
        let text = crate::cursor::decode(c)?;
        text.strip_prefix(list)
            .and_then(|rest| rest.strip_prefix('|'))
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))
    })
    .transpose()
}

/// List partner organisations
///
/// The register of partner organisations, in the order they were registered. For whoever
/// works cases (to address a referral to one) and the `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "list_partner_organisations",
    params(OrganisationListQuery),
    responses(
        (status = 200, description = "One page of organisations.", body = OrganisationPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner-organisations")]
pub async fn list_partner_organisations(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadPartners,
        "partner_organisation.list",
        "partner_organisation",
    );
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: OrganisationListQuery| {
            let limit = q.limit.unwrap_or(50);
            let after = position(q.cursor.as_deref(), "organisation")?;
            let mut found =
                partners::list_organisations(work.conn(), q.active, after, i64::from(limit) + 1)?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/partner-organisations",
                &query,
                |last| format!("organisation|{}", last.id),
            );
            work.detail("returned", found.len());
            Ok(OrganisationPage {
                items: found.iter().map(OrganisationResponse::from).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a partner organisation
///
/// For whoever works cases and the `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "get_partner_organisation",
    params(("organisation_id" = Uuid, Path, description = "Organisation identifier.")),
    responses(
        (status = 200, description = "The organisation.", body = OrganisationResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No organisation with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/partner-organisations/{organisation_id}")]
pub async fn get_partner_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PartnerOrganisationId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ReadPartners,
        "partner_organisation.read",
        "partner_organisation",
    );
    let found = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        organisation_of(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(with_etag(
        found.version,
        &OrganisationResponse::from(&found),
    ))
}

/// Replace a partner organisation
///
/// Renames, recodes, deactivates or reactivates an organisation. A deactivated organisation
/// receives no new referrals and its machine clients are refused (401) from the next call.
/// Requires `If-Match`. For the `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "replace_partner_organisation",
    params(("organisation_id" = Uuid, Path, description = "Organisation identifier."), IfMatchHeader),
    request_body = OrganisationUpdate,
    responses(
        (status = 200, description = "The organisation as replaced.", body = OrganisationResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organisation with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is used by another organisation.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/partner-organisations/{organisation_id}")]
pub async fn replace_partner_organisation(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<PartnerOrganisationId>,
    body: Body<OrganisationUpdate>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "partner_organisation.update",
        "partner_organisation",
    );
    let check = move |work: &mut case_work::Work<'_>| {
        work.resource(id.0);
        organisation_of(work.conn(), id.0.uuid())
    };
    let then = move |work: &mut case_work::Work<'_>,
                     request: OrganisationUpdate,
                     if_match: IfMatch,
                     current: PartnerOrganisation| {
        let name = organisation_name(&request.name).map_err(ApiError::from_domain)?;
        let version = if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        let changed = partners::update_organisation(
            work.conn(),
            current.id,
            version,
            &name,
            request.kind.into(),
            request.active,
            actor,
            now,
        )
        .map_err(|e| name_taken(e, "an organisation with this name"))?;
        if !changed {
            return Err(ApiError::PreconditionFailed(
                "the organisation changed meanwhile; read it again and retry".into(),
            ));
        }
        work.detail("active", request.active)
            .concerns(Some(current.id));
        let updated = organisation_of(work.conn(), current.id)?;
        Ok(Answer::ok(
            &OrganisationResponse::from(&updated),
            Some(updated.version),
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// A public key of a machine client.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientKeyResponse {
    /// The key id its assertions name in their `kid` header.
    #[schema(example = "sil-2026-1")]
    pub kid: String,
    /// The one algorithm assertions signed with it may use.
    pub algorithm: KeyAlgorithmCode,
    /// `pem` or `jwk`.
    #[schema(example = "pem")]
    pub format: String,
    /// The public key as registered.
    pub public_key: String,
    /// SHA-256 of the key as registered, hex: compare it with the partner's.
    #[schema(example = "3f1c0d0a8b2e4f6a7c9d1e3f5a7b9c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b")]
    pub thumbprint: String,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// Who added it.
    pub added_by: Uuid,
    /// When it was revoked (assertions signed with it are refused), if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<Uuid>,
}

impl From<&ClientKey> for ClientKeyResponse {
    fn from(k: &ClientKey) -> Self {
        Self {
            kid: k.kid.clone(),
            algorithm: k.algorithm.into(),
            format: k.format.as_str().to_owned(),
            public_key: k.public_key.clone(),
            thumbprint: k.thumbprint.clone(),
            added_at: k.added_at,
            added_by: k.added_by,
            revoked_at: k.revoked_at,
            revoked_by: k.revoked_by,
        }
    }
}

/// A machine client of a partner organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MachineClientResponse {
    /// Identifier: the `client_id`, and the `iss` and `sub` of its assertions.
    pub id: Uuid,
    /// The organisation it acts for.
    pub organisation_id: Uuid,
    /// Its name.
    #[schema(example = "SIL gateway")]
    pub name: String,
    /// What it may do.
    pub scopes: Vec<ScopeCode>,
    /// Whether it may obtain tokens and call.
    pub enabled: bool,
    /// Its last accepted token request or call.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Its public keys, revoked ones too, oldest first.
    pub keys: Vec<ClientKeyResponse>,
    /// Version, also sent as `ETag`.
    #[schema(format = Int64, example = 1)]
    pub version: i64,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Who registered it.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

fn client_response(client: &MachineClient, keys: &[ClientKey]) -> MachineClientResponse {
    MachineClientResponse {
        id: client.id,
        organisation_id: client.organisation_id,
        name: client.name.clone(),
        scopes: client.scopes.iter().map(|s| (*s).into()).collect(),
        enabled: client.enabled,
        last_used_at: client.last_used_at,
        keys: keys.iter().map(ClientKeyResponse::from).collect(),
        version: client.version,
        created_at: client.created_at,
        created_by: client.created_by,
        updated_at: client.updated_at,
        updated_by: client.updated_by,
    }
}

fn client_of(conn: &mut AnyConnection, id: Uuid) -> Result<MachineClient, ApiError> {
    partners::find_client(conn, id)?
        .ok_or_else(|| ApiError::NotFound("no machine client with this id".into()))
}

fn client_answer(conn: &mut AnyConnection, id: Uuid) -> Result<MachineClientResponse, ApiError> {
    let client = client_of(conn, id)?;
    let keys = partners::keys_of(conn, id)?;
    Ok(client_response(&client, &keys))
}

/// A new machine client.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f", "name": "SIL gateway", "scopes": ["referrals", "events"]}))]
pub struct MachineClientRequest {
    /// The organisation it acts for (active).
    pub organisation_id: Uuid,
    /// Its name (1-100 characters, one line; unique in its organisation).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What it may do: at least one scope.
    #[validate(length(min = 1, max = 3))]
    #[schema(min_items = 1, max_items = 3)]
    pub scopes: Vec<ScopeCode>,
}

/// A machine client as replaced.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "SIL gateway", "scopes": ["referrals"], "enabled": false}))]
pub struct MachineClientUpdate {
    /// Its name (1-100 characters, one line; unique in its organisation).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What it may do: at least one scope. A scope removed is refused from the next call, also
    /// with a token obtained before.
    #[validate(length(min = 1, max = 3))]
    #[schema(min_items = 1, max_items = 3)]
    pub scopes: Vec<ScopeCode>,
    /// `false` disables it: its token requests and calls are refused from the next one.
    pub enabled: bool,
}

fn content(name: &str, scopes: &[ScopeCode]) -> Result<ClientContent, ApiError> {
    let scopes: Vec<_> = scopes.iter().map(|s| (*s).into()).collect();
    ClientContent::parse(name, &scopes).map_err(ApiError::from_domain)
}

/// Register a machine client
///
/// Registers a machine client of an active partner organisation, enabled, with its scopes and
/// no key yet: add one (`POST /machine-clients/{client_id}/keys`) before it can obtain a token.
/// For the `system_admin`. Send `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "partners",
    operation_id = "create_machine_client",
    params(IdempotencyKeyHeader),
    request_body = MachineClientRequest,
    responses(
        (status = 201, description = "Registered.", body = MachineClientResponse,
            headers(("Location" = String, description = "URL of the client."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organisation already has a client with this name.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an unknown or deactivated organisation.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/machine-clients")]
pub async fn create_machine_client(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<MachineClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "machine_client.create",
        "machine_client",
    );
    case_work::create(&state, caller, &req, op, body, |work, request, _| {
        let content = content(&request.name, &request.scopes)?;
        match partners::find_organisation(work.conn(), request.organisation_id)? {
            Some(o) if o.active => {}
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "/organisation_id",
                    "the organisation is deactivated",
                ));
            }
            None => {
                return Err(ApiError::invalid_field(
                    "/organisation_id",
                    "no partner organisation with this id",
                ));
            }
        }
        let (actor, now) = (work.actor(), work.now());
        let client =
            partners::insert_client(work.conn(), request.organisation_id, &content, actor, now)
                .map_err(|e| name_taken(e, "a client with this name in the organisation"))?;
        work.resource(client.id)
            .detail("organisation_id", client.organisation_id)
            .concerns(Some(client.organisation_id));
        Ok(Answer::created(
            &client_response(&client, &[]),
            format!("/api/v1/machine-clients/{}", client.id),
            Some(client.version),
        ))
    })
    .await
}

/// Filters and position of the register of machine clients.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MachineClientListQuery {
    /// Only the clients of this organisation.
    pub organisation_id: Option<Uuid>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 50).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 50)]
    pub limit: Option<u32>,
}

/// One page of machine clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineClientPage {
    /// The clients, in the order they were registered, with their keys.
    pub items: Vec<MachineClientResponse>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// List machine clients
///
/// The register of machine clients with their keys, in the order they were registered. For
/// the `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "list_machine_clients",
    params(MachineClientListQuery),
    responses(
        (status = 200, description = "One page of clients.", body = MachineClientPage),
        (status = 400, description = "Invalid filter or cursor.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/machine-clients")]
pub async fn list_machine_clients(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "machine_client.list",
        "machine_client",
    );
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: MachineClientListQuery| {
            let limit = q.limit.unwrap_or(50);
            let after = position(q.cursor.as_deref(), "client")?;
            let mut found = partners::list_clients(
                work.conn(),
                q.organisation_id,
                after,
                i64::from(limit) + 1,
            )?;
            let next = crate::cursor::cut(
                &mut found,
                limit as usize,
                "/api/v1/machine-clients",
                &query,
                |last| format!("client|{}", last.id),
            );
            let ids: Vec<Uuid> = found.iter().map(|c| c.id).collect();
            let mut keys = partners::keys_of_clients(work.conn(), &ids)?;
            let items: Vec<MachineClientResponse> = found
                .iter()
                .map(|client| client_response(client, &keys.remove(&client.id).unwrap_or_default()))
                .collect();
            work.detail("returned", items.len());
            Ok(MachineClientPage { items, next })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a machine client
///
/// The client with its keys. For the `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "get_machine_client",
    params(("client_id" = Uuid, Path, description = "Client identifier.")),
    responses(
        (status = 200, description = "The client.", body = MachineClientResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No client with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/machine-clients/{client_id}")]
pub async fn get_machine_client(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<MachineClientId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "machine_client.read",
        "machine_client",
    );
    let found = case_work::list(&state, caller, &req, op, move |work, _: NoQuery| {
        work.resource(id.0);
        client_answer(work.conn(), id.0.uuid())
    })
    .await?;
    Ok(with_etag(found.version, &found))
}

/// Replace a machine client
///
/// Renames a client, changes its scopes, disables or enables it; each change holds from the
/// client's next call, also for a token obtained before. Requires `If-Match`. For the
/// `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "replace_machine_client",
    params(("client_id" = Uuid, Path, description = "Client identifier."), IfMatchHeader),
    request_body = MachineClientUpdate,
    responses(
        (status = 200, description = "The client as replaced.", body = MachineClientResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No client with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is used by another client of the organisation.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/machine-clients/{client_id}")]
pub async fn replace_machine_client(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<MachineClientId>,
    body: Body<MachineClientUpdate>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "machine_client.update",
        "machine_client",
    );
    let check = move |work: &mut case_work::Work<'_>| {
        work.resource(id.0);
        client_of(work.conn(), id.0.uuid())
    };
    let then = move |work: &mut case_work::Work<'_>,
                     request: MachineClientUpdate,
                     if_match: IfMatch,
                     current: MachineClient| {
        let content = content(&request.name, &request.scopes)?;
        let version = if_match.check(current.version)?;
        let (actor, now) = (work.actor(), work.now());
        let changed = partners::update_client(
            work.conn(),
            current.id,
            version,
            &content.name,
            &content.scopes,
            request.enabled,
            actor,
            now,
        )
        .map_err(|e| name_taken(e, "a client with this name in the organisation"))?;
        if !changed {
            return Err(ApiError::PreconditionFailed(
                "the client changed meanwhile; read it again and retry".into(),
            ));
        }
        work.concerns(Some(current.organisation_id))
            .detail("enabled", request.enabled)
            .detail(
                "scopes",
                content
                    .scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>(),
            );
        let body = client_answer(work.conn(), current.id)?;
        Ok(Answer::ok(&body, Some(body.version)))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// A public key to add to a machine client: exactly one of `public_key_pem` and `jwk`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kid": "sil-2026-1",
    "algorithm": "ES256",
    "public_key_pem": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...\n-----END PUBLIC KEY-----\n"
}))]
pub struct ClientKeyRequest {
    /// The key id its assertions will name in their `kid` header (1-100 characters among
    /// `A-Z a-z 0-9 . _ : -`; never reused by the client).
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9._:-]{1,100}$")]
    pub kid: String,
    /// The one algorithm assertions signed with it may use.
    pub algorithm: KeyAlgorithmCode,
    /// The public key as a PEM `PUBLIC KEY` block (never a private key).
    #[validate(length(min = 1, max = 8000))]
    #[schema(min_length = 1, max_length = 8000)]
    pub public_key_pem: Option<String>,
    /// The public key as a JSON Web Key (RFC 7517), public members only.
    #[schema(value_type = Option<Object>)]
    pub jwk: Option<serde_json::Value>,
}

/// Add a public key to a machine client
///
/// Registers a public key (PEM or JWK) with its `kid` and algorithm: the client's assertions
/// naming that `kid` are verified with it. A private key, an RSA key under 2048 bits, or a key
/// not of the algorithm's kind is 422. For the `system_admin`. Send `Idempotency-Key` to make
/// retries safe.
#[utoipa::path(
    tag = "partners",
    operation_id = "add_machine_client_key",
    params(("client_id" = Uuid, Path, description = "Client identifier."), IdempotencyKeyHeader),
    request_body = ClientKeyRequest,
    responses(
        (status = 201, description = "The client with its keys.", body = MachineClientResponse,
            headers(("Location" = String, description = "URL of the client."))),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No client with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The client already has a key with this `kid` (revoked or not).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or not a usable public key.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/machine-clients/{client_id}/keys")]
pub async fn add_machine_client_key(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<MachineClientId>,
    body: Body<ClientKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "machine_client.key.add",
        "machine_client",
    );
    let check = move |work: &mut case_work::Work<'_>| {
        work.resource(id.0);
        client_of(work.conn(), id.0.uuid())
    };
    let then = move |work: &mut case_work::Work<'_>,
                     request: ClientKeyRequest,
                     _: IfMatch,
                     client: MachineClient| {
        let mut errors = ValidationErrors::new();
        if let Err(e) = check_kid(&request.kid) {
            errors.push(e);
        }
        let algorithm: KeyAlgorithm = request.algorithm.into();
        let (format, text, field) = match (&request.public_key_pem, &request.jwk) {
            (Some(pem), None) => (KeyFormat::Pem, pem.trim().to_owned(), "public_key_pem"),
            (None, Some(jwk)) => (KeyFormat::Jwk, jwk.to_string(), "jwk"),
            _ => {
                errors.push(FieldError::new(
                    "public_key_pem",
                    "send exactly one of `public_key_pem` and `jwk`",
                ));
                return Err(ApiError::from_domain(errors));
            }
        };
        if text.chars().count() > PUBLIC_KEY_MAX_CHARS {
            errors.push(FieldError::new(
                field,
                format!("must be at most {PUBLIC_KEY_MAX_CHARS} characters long"),
            ));
            return Err(ApiError::from_domain(errors));
        }
        let thumbprint = match check_public_key(algorithm, format, &text) {
            Ok(thumbprint) => Some(thumbprint),
            Err(detail) => {
                errors.push(FieldError::new(field, detail));
                None
            }
        };
        let Some(thumbprint) = thumbprint.filter(|_| errors.is_empty()) else {
            return Err(ApiError::from_domain(errors));
        };
        let (actor, now) = (work.actor(), work.now());
        let key = ClientKey {
            client_id: client.id,
            kid: request.kid.clone(),
            algorithm,
            format,
            public_key: text,
            thumbprint,
            added_at: now,
            added_by: actor,
            revoked_at: None,
            revoked_by: None,
        };
        partners::insert_key(work.conn(), &key)
            .map_err(|e| name_taken(e, "a key with this `kid` for the client"))?;
        work.concerns(Some(client.organisation_id))
            .detail("kid", &key.kid)
            .detail("algorithm", algorithm.as_str())
            .detail("thumbprint", &key.thumbprint);
        let body = client_answer(work.conn(), client.id)?;
        Ok(Answer::created(
            &body,
            format!("/api/v1/machine-clients/{}", client.id),
            None,
        ))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}

/// The key to revoke.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kid": "sil-2026-1"}))]
pub struct KeyRevocationRequest {
    /// The key id.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, pattern = "^[A-Za-z0-9._:-]{1,100}$")]
    pub kid: String,
}

/// Revoke a public key of a machine client
///
/// From now on, assertions naming this `kid` are refused; tokens already issued expire on
/// their own (disable the client to stop them at once). The key stays listed, revoked. For the
/// `system_admin`.
#[utoipa::path(
    tag = "partners",
    operation_id = "revoke_machine_client_key",
    params(("client_id" = Uuid, Path, description = "Client identifier."), IdempotencyKeyHeader),
    request_body = KeyRevocationRequest,
    responses(
        (status = 200, description = "The client with its keys.", body = MachineClientResponse),
        (status = 403, description = "Not the `system_admin`.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No client with this id, or no key with this `kid`.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The key is already revoked.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/machine-clients/{client_id}/key-revocations")]
pub async fn revoke_machine_client_key(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<MachineClientId>,
    body: Body<KeyRevocationRequest>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(
        Action::ManagePartners,
        "machine_client.key.revoke",
        "machine_client",
    );
    let check = move |work: &mut case_work::Work<'_>| {
        work.resource(id.0);
        client_of(work.conn(), id.0.uuid())
    };
    let then = move |work: &mut case_work::Work<'_>,
                     request: KeyRevocationRequest,
                     _: IfMatch,
                     client: MachineClient| {
        let (actor, now) = (work.actor(), work.now());
        if partners::find_key(work.conn(), client.id, &request.kid)?.is_none() {
            return Err(ApiError::NotFound(
                "the client has no key with this `kid`".into(),
            ));
        }
        if !partners::revoke_key(work.conn(), client.id, &request.kid, actor, now)? {
            return Err(ApiError::Conflict("the key is already revoked".into()));
        }
        work.concerns(Some(client.organisation_id))
            .detail("kid", &request.kid);
        let body = client_answer(work.conn(), client.id)?;
        Ok(Answer::ok(&body, None))
    };
    case_work::office_checked(&state, caller, &req, op, body, Checked { check, then }).await
}
