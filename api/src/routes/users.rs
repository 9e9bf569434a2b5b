//! Staff account administration, for `system_admin` only.

use std::collections::BTreeSet;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::{
    AccountRuleViolation, Area, DisplayName, Email, Password, Role, StaffProfile, StaffUser,
    Username, ValidationErrors, check_admin_change,
};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::sessions;
use socialcare_persistence::users::{self, NewStaffUser, UserChangeset, UserQuery};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Caller, password};
use crate::case_work;
use crate::conditional::IfMatchHeader;
use crate::conditional::{etag, if_match_of, require_if_match};
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::{Body, ValidQuery, decode_json};
use crate::idempotency::IdempotencyKeyHeader;
use crate::idempotency::{self, Replayable};
use crate::state::AppState;

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleCode {
    /// Assistente sociale: case manager.
    SocialWorker,
    /// Educatore professionale: works inside case teams.
    Educator,
    /// Coordinatore d'area: sees and reassigns every case of their areas.
    AreaCoordinator,
    /// Responsabile dell'ufficio: reads everything of the office.
    OfficeManager,
    /// Personale amministrativo: bookkeeping; never diary or health data.
    Administrative,
    /// Referente privacy / DPO: audit trail; never case content.
    PrivacyOfficer,
    /// Amministratore di sistema: users and configuration; never case content.
    SystemAdmin,
}

impl From<RoleCode> for Role {
    fn from(code: RoleCode) -> Self {
        match code {
            RoleCode::SocialWorker => Role::SocialWorker,
            RoleCode::Educator => Role::Educator,
            RoleCode::AreaCoordinator => Role::AreaCoordinator,
            RoleCode::OfficeManager => Role::OfficeManager,
            RoleCode::Administrative => Role::Administrative,
            RoleCode::PrivacyOfficer => Role::PrivacyOfficer,
            RoleCode::SystemAdmin => Role::SystemAdmin,
        }
    }
}

impl From<Role> for RoleCode {
    fn from(role: Role) -> Self {
        match role {
            Role::SocialWorker => RoleCode::SocialWorker,
            Role::Educator => RoleCode::Educator,
            Role::AreaCoordinator => RoleCode::AreaCoordinator,
            Role::OfficeManager => RoleCode::OfficeManager,
            Role::Administrative => RoleCode::Administrative,
            Role::PrivacyOfficer => RoleCode::PrivacyOfficer,
            Role::SystemAdmin => RoleCode::SystemAdmin,
        }
    }
}

/// An area of the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AreaCode {
    /// Area adulti e persone con disabilità.
    AdultsDisability,
    /// Area inclusione sociale.
    SocialInclusion,
    /// Area trasversale.
    Transversal,
}

impl From<AreaCode> for Area {
    fn from(code: AreaCode) -> Self {
        match code {
            AreaCode::AdultsDisability => Area::AdultsDisability,
            AreaCode::SocialInclusion => Area::SocialInclusion,
            AreaCode::Transversal => Area::Transversal,
        }
    }
}

impl From<Area> for AreaCode {
    fn from(area: Area) -> Self {
        match area {
            Area::AdultsDisability => AreaCode::AdultsDisability,
            Area::SocialInclusion => AreaCode::SocialInclusion,
            Area::Transversal => AreaCode::Transversal,
        }
    }
}

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// Identifier.
    pub id: Uuid,
    /// Login name (lower case).
    #[schema(example = "mrossi")]
    pub username: String,
    /// Name shown to colleagues.
    #[schema(example = "Maria Rossi")]
    pub display_name: String,
    /// Work e-mail address.
    #[schema(example = "m.rossi@comune.example.it")]
    pub email: String,
    /// Roles, sorted.
    pub roles: Vec<RoleCode>,
    /// Areas, sorted.
    pub areas: Vec<AreaCode>,
    /// False once the account is disabled.
    pub active: bool,
    /// When the account was created (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// When the account was last changed (RFC 3339, UTC).
    pub updated_at: DateTime<Utc>,
    /// When the account was disabled, if it is.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Version, also sent as `ETag`; send it back in `If-Match` to change the account.
    #[schema(minimum = 1, example = 1)]
    pub version: i64,
}

impl From<StaffUser> for UserResponse {
    fn from(user: StaffUser) -> Self {
        Self {
            id: user.id,
            username: user.username.as_str().to_owned(),
            display_name: user.display_name.as_str().to_owned(),
            email: user.email.as_str().to_owned(),
            roles: user
                .profile
                .roles()
                .iter()
                .copied()
                .map(RoleCode::from)
                .collect(),
            areas: user
                .profile
                .areas()
                .iter()
                .copied()
                .map(AreaCode::from)
                .collect(),
            active: user.active,
            created_at: user.created_at,
            updated_at: user.updated_at,
            disabled_at: user.disabled_at,
            version: user.version,
        }
    }
}

/// A new staff account.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "mrossi", "display_name": "Maria Rossi", "email": "m.rossi@comune.example.it", "password": "correct horse battery", "roles": ["social_worker"], "areas": ["social_inclusion"]}))]
pub struct CreateUserRequest {
    /// Login name: 3-64 characters among a-z, 0-9, `.`, `_`, `-`, starting with a letter;
    /// stored lower-cased.
    #[validate(length(min = 3, max = 64))]
    #[schema(
        min_length = 3,
        max_length = 64,
        pattern = "^[A-Za-z][A-Za-z0-9._-]{2,63}$",
        example = "mrossi"
    )]
    pub username: String,
    /// Name shown to colleagues (1-200 characters).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, example = "Maria Rossi")]
    pub display_name: String,
    /// Work e-mail address.
    #[validate(length(min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254, format = Email, example = "m.rossi@comune.example.it")]
    pub email: String,
    /// Initial password: 12-128 characters, at least 5 different ones, not containing the
    /// username.
    #[validate(length(min = 12, max = 128))]
    #[schema(min_length = 12, max_length = 128, format = Password, example = "correct horse battery")]
    pub password: String,
    /// Roles (at least one).
    #[validate(length(min = 1, max = 7))]
    #[schema(min_items = 1, max_items = 7)]
    pub roles: Vec<RoleCode>,
    /// Areas; required for social_worker, educator and area_coordinator.
    #[serde(default)]
    #[validate(length(max = 3))]
    #[schema(max_items = 3)]
    pub areas: Vec<AreaCode>,
}

/// Changes to a staff account (JSON Merge Patch, RFC 7396): members left out are unchanged.
/// `roles` and `areas` replace the whole list.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["social_worker", "area_coordinator"], "areas": ["social_inclusion"]}))]
pub struct UpdateUserRequest {
    /// New display name.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub display_name: Option<String>,
    /// New e-mail address.
    #[validate(length(min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254, format = Email)]
    pub email: Option<String>,
    /// New roles (at least one).
    #[validate(length(min = 1, max = 7))]
    #[schema(min_items = 1, max_items = 7)]
    pub roles: Option<Vec<RoleCode>>,
    /// New areas.
    #[validate(length(max = 3))]
    #[schema(max_items = 3)]
    pub areas: Option<Vec<AreaCode>>,
}

/// Filters and position of the account list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-100 (default 20).
    #[validate(range(min = 1, max = 100))]
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<u32>,
    /// Only active (`true`) or disabled (`false`) accounts.
    pub active: Option<bool>,
    /// Only accounts holding this role.
    pub role: Option<RoleCode>,
    /// Only accounts of this area.
    pub area: Option<AreaCode>,
}

/// One page of accounts, ordered by username.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    /// The accounts of this page.
    pub items: Vec<UserResponse>,
    /// Link to the next page, or null on the last one.
    #[schema(example = "/api/v1/users?cursor=bXJvc3Np&limit=20")]
    pub next: Option<String>,
}

fn parse_user_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_parameter("user_id", "must be a UUID"))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no user with this id".into())
}

fn profile_from(roles: &[RoleCode], areas: &[AreaCode]) -> Result<StaffProfile, ValidationErrors> {
    StaffProfile::new(
        roles.iter().copied().map(Role::from).collect(),
        areas.iter().copied().map(Area::from).collect(),
    )
}

/// The response of a write on an account, with its `ETag` (and `Location` when created), in a
/// form the idempotency store can replay.
fn replayable(status: StatusCode, user: StaffUser, created: bool) -> Replayable {
    let response = UserResponse::from(user);
    Replayable {
        status,
        location: created.then(|| format!("/api/v1/users/{}", response.id)),
        etag: Some(etag(response.version)),
        body: serde_json::to_value(&response).unwrap_or_default(),
        replayed: false,
    }
}

fn codes(profile: &StaffProfile) -> (Vec<&'static str>, Vec<&'static str>) {
    (
        profile.roles().iter().map(|r| r.as_str()).collect(),
        profile.areas().iter().map(|a| a.as_str()).collect(),
    )
}

/// The audit details of a change of roles and areas: `{"roles": {"before": [..], "after":
/// [..]}, "areas": {"before": [..], "after": [..]}}` (`before` is empty on creation).
fn profile_change(before: Option<&StaffProfile>, after: &StaffProfile) -> serde_json::Value {
    let (roles_before, areas_before) = before.map(codes).unwrap_or_default();
    let (roles_after, areas_after) = codes(after);
    serde_json::json!({
        "roles": { "before": roles_before, "after": roles_after },
        "areas": { "before": areas_before, "after": areas_after },
    })
}

/// Create a staff account
///
/// Creates an active account with the given roles and areas. The password is stored as an
/// argon2id hash. `system_admin` cannot be combined with a role that reads case content or the
/// audit trail (422 on `/roles`). Send `Idempotency-Key` to make retries safe. Only
/// `system_admin` may call it.
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    params(IdempotencyKeyHeader),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created.", body = UserResponse,
            headers(("Location" = String, description = "URL of the new account."), ("ETag" = String, description = "Version, for If-Match."))),
        (status = 409, description = "The username is taken.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    body: Body<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let key = idempotency::key_of(&req);
    let (method, path) = (req.method().as_str().to_owned(), req.path().to_owned());
    let raw = body.bytes().await;
    let st = state.clone();
    let outcome = blocking(move || {
        transact(&st.db, |c| {
            // Decided first, in the transaction that creates: the body is judged after it.
            case_work::decide_roles(c, &mut caller, Action::ManageStaffAccounts)?;
            let raw = raw?;
            let request = decode_json::<CreateUserRequest>(&raw)?;
            let key = key?;
            let fingerprint = idempotency::fingerprint_parts(&method, &path, &raw);
            create_account(c, &caller, request, key.as_deref(), &fingerprint)
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Validates a new account, hashes its password and stores it, with its audit record and the
/// answer remembered under the idempotency key, in the caller's transaction.
fn create_account(
    c: &mut socialcare_persistence::AnyConnection,
    caller: &Caller,
    request: CreateUserRequest,
    key: Option<&str>,
    fingerprint: &str,
) -> Result<Replayable, ApiError> {
    let mut errors = ValidationErrors::new();
    let username = errors.collect("username", Username::parse(&request.username));
    let display_name = errors.collect("display_name", DisplayName::parse(&request.display_name));
    let email = errors.collect("email", Email::parse(&request.email));
    let password = errors.collect(
        "password",
        Password::parse(&request.password, username.as_ref()),
    );
    let profile = match profile_from(&request.roles, &request.areas) {
        Ok(profile) => Some(profile),
        Err(e) => {
            for error in e.errors() {
                errors.push(error.clone());
            }
            None
        }
    };
    let (Some(username), Some(display_name), Some(email), Some(password), Some(profile)) =
        (username, display_name, email, password, profile)
    else {
        return Err(ApiError::from_domain(errors));
    };
    let password_hash = password::hash(password.expose())
        .map_err(|e| ApiError::Internal(format!("password hashing failed: {e}")))?;
    let details = profile_change(None, &profile).to_string();
    let new = NewStaffUser {
        username,
        display_name,
        email,
        profile,
        password_hash,
    };
    let now = Utc::now();
    idempotency::replay_or_run(c, caller.id(), key, fingerprint, now, |c| {
        let user = users::insert(c, new, now).map_err(|e| match ApiError::from(e) {
            ApiError::Conflict(_) => ApiError::Conflict("this username is already taken".into()),
            other => other,
        })?;
        let mut record = caller.audit(
            "user.create",
            "user",
            Some(user.id.to_string()),
            Outcome::Success,
        );
        record.details = Some(details);
        audit::append(c, record)?;
        Ok(replayable(StatusCode::CREATED, user, true))
    })
}

/// List staff accounts
///
/// Lists accounts ordered by username, with cursor pagination. Only `system_admin` may call it.
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    params(ListUsersQuery),
    responses(
        (status = 200, description = "One page of accounts.", body = UserPage),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let query_string = req.query_string().to_owned();
    let st = state.clone();
    // Decided in the listing's transaction, before the query is judged.
    let (mut found, q, limit) = blocking(move || {
        transact(&st.db, |c| {
            case_work::decide_roles(c, &mut caller, Action::ManageStaffAccounts)?;
            let q = ValidQuery::<ListUsersQuery>::from_query(&query_string)?.0;
            let (found, limit) = list_accounts(c, &caller, &q)?;
            Ok((found, q, limit))
        })
    })
    .await?;
    let next = next_link(&mut found, &q, limit);
    Ok(HttpResponse::Ok().json(UserPage {
        items: found.into_iter().map(UserResponse::from).collect(),
        next,
    }))
}

/// One page of accounts (one more when there is a next page) and the page size, with the
/// listing's audit record, in the caller's transaction.
fn list_accounts(
    c: &mut socialcare_persistence::AnyConnection,
    caller: &Caller,
    q: &ListUsersQuery,
) -> Result<(Vec<StaffUser>, u32), ApiError> {
    let after = match &q.cursor {
        Some(cursor) => Some(
            URL_SAFE_NO_PAD
                .decode(cursor)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or_else(|| {
                    ApiError::bad_parameter("cursor", "is not a cursor returned by this API")
                })?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(20);
    let query = UserQuery {
        after_username: after,
        active: q.active,
        role: q.role.map(Role::from),
        area: q.area.map(Area::from),
        limit: i64::from(limit) + 1,
    };
    let found = users::list(c, &query)?;
    let mut record = caller.audit("user.list", "user", None, Outcome::Success);
    let ids: Vec<String> = found
        .iter()
        .take(limit as usize)
        .map(|u| u.id.to_string())
        .collect();
    record.details = Some(serde_json::json!({ "returned": ids }).to_string());
    audit::append(c, record)?;
    Ok((found, limit))
}

/// The link to the next page of accounts, cutting `found` to the page.
fn next_link(found: &mut Vec<StaffUser>, q: &ListUsersQuery, limit: u32) -> Option<String> {
    if found.len() > limit as usize {
        found.truncate(limit as usize);
        found.last().map(|last| {
            let mut pairs = vec![
                ("cursor", URL_SAFE_NO_PAD.encode(last.username.as_str())),
                ("limit", limit.to_string()),
            ];
            if let Some(active) = q.active {
                pairs.push(("active", active.to_string()));
            }
            if let Some(role) = q.role {
                pairs.push(("role", Role::from(role).as_str().to_owned()));
            }
            if let Some(area) = q.area {
                pairs.push(("area", Area::from(area).as_str().to_owned()));
            }
            format!(
                "/api/v1/users?{}",
                serde_urlencoded::to_string(pairs).unwrap_or_default()
            )
        })
    } else {
        None
    }
}

/// Read a staff account
///
/// Only `system_admin` may call it.
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    params(("user_id" = Uuid, Path, description = "Account identifier.")),
    responses(
        (status = 200, description = "The account.", body = UserResponse,
            headers(("ETag" = String, description = "Version, for If-Match."))),
        (status = 404, description = "No account with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/users/{user_id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    mut caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_user_id(&path)?;
    let st = state.clone();
    let user = blocking(move || {
        transact(&st.db, |c| {
            case_work::decide_roles(c, &mut caller, Action::ManageStaffAccounts)?;
            let user = users::find(c, id)?;
            if user.is_some() {
                audit::append(
                    c,
                    caller.audit("user.read", "user", Some(id.to_string()), Outcome::Success),
                )?;
            }
            Ok(user)
        })
    })
    .await?
    .ok_or_else(not_found)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(user.version)))
        .json(UserResponse::from(user)))
}

/// Update a staff account
///
/// Changes the display name, e-mail, roles or areas (JSON Merge Patch). Requires `If-Match`.
/// Nobody changes their own roles or areas (403: another administrator must do it), and
/// `system_admin` cannot be combined with a role that reads case content or the audit trail
/// (422 on `/roles`). Changes of roles and areas are audited with their before and after. Only
/// `system_admin` may call it.
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    params(("user_id" = Uuid, Path, description = "Account identifier."),
        IfMatchHeader),
    request_body(content = UpdateUserRequest, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The updated account.", body = UserResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 404, description = "No account with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/users/{user_id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: Body<UpdateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_user_id(&path)?;
    let if_match = if_match_of(&req);
    let raw = body.bytes().await;
    let st = state.clone();
    let user = blocking(move || {
        transact(&st.db, |c| {
            // Decided first, in the transaction that writes: the body is judged after it.
            case_work::decide_roles(c, &mut caller, Action::ManageStaffAccounts)?;
            let request = decode_json::<UpdateUserRequest>(&raw?)?;
            update_account(c, &caller, id, request, if_match.as_deref())
        })
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(user.version)))
        .json(UserResponse::from(user)))
}

/// Applies a merge patch to account `id` in the caller's transaction: the field rules, nobody
/// changes their own profile, the administrator rules, `If-Match`, then the change and its
/// audit record with the profile before and after.
fn update_account(
    c: &mut socialcare_persistence::AnyConnection,
    caller: &Caller,
    id: Uuid,
    request: UpdateUserRequest,
    if_match: Option<&str>,
) -> Result<StaffUser, ApiError> {
    let mut errors = ValidationErrors::new();
    let display_name = request
        .display_name
        .as_deref()
        .and_then(|v| errors.collect("display_name", DisplayName::parse(v)));
    let email = request
        .email
        .as_deref()
        .and_then(|v| errors.collect("email", Email::parse(v)));
    if !errors.is_empty() {
        return Err(ApiError::from_domain(errors));
    }
    let Some(current) = users::find(c, id)? else {
        return Err(not_found());
    };
    let changes_profile = request.roles.is_some() || request.areas.is_some();
    let wanted = changes_profile.then(|| {
        let roles: BTreeSet<Role> = match &request.roles {
            Some(r) => r.iter().copied().map(Role::from).collect(),
            None => current.profile.roles().clone(),
        };
        let areas: BTreeSet<Area> = match &request.areas {
            Some(a) => a.iter().copied().map(Area::from).collect(),
            None => current.profile.areas().clone(),
        };
        (roles, areas)
    });
    // Refused before the new profile is validated: nobody changes their own roles or
    // areas, whatever they ask for.
    let changes_own = caller.id() == id
        && wanted.as_ref().is_some_and(|(roles, areas)| {
            roles != current.profile.roles() || areas != current.profile.areas()
        });
    if changes_own {
        let mut record = caller.audit("user.update", "user", Some(id.to_string()), Outcome::Denied);
        record.details = wanted.as_ref().map(|(roles, areas)| {
            serde_json::json!({
                "roles": { "before": codes(&current.profile).0, "after": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() },
                "areas": { "before": codes(&current.profile).1, "after": areas.iter().map(|a| a.as_str()).collect::<Vec<_>>() },
            })
            .to_string()
        });
        return Err(ApiError::Denied {
            detail: AccountRuleViolation::ChangeOwnProfile.to_string(),
            record: Box::new(record),
        });
    }
    let profile = match wanted {
        Some((roles, areas)) => {
            Some(StaffProfile::new(roles, areas).map_err(ApiError::from_domain)?)
        }
        None => None,
    };
    if let Err(rule) = check_admin_change(
        caller.id(),
        id,
        false,
        profile.as_ref().map(|p| (&current.profile, p)),
    ) {
        return Err(ApiError::Conflict(rule.to_string()));
    }
    let version = require_if_match(if_match, current.version)?;
    if !users::bump_version(c, id, version)? {
        return Err(ApiError::PreconditionFailed(
            "the account changed meanwhile; read it again and retry".into(),
        ));
    }
    let changes = UserChangeset {
        display_name: display_name.map(|d| d.as_str().to_owned()),
        email: email.map(|e| e.as_str().to_owned()),
        updated_at: Some(Utc::now().into()),
        ..UserChangeset::default()
    };
    let user = users::update(c, id, changes, profile.as_ref())?;
    let mut record = caller.audit(
        "user.update",
        "user",
        Some(id.to_string()),
        Outcome::Success,
    );
    let mut details = profile_change(Some(&current.profile), &user.profile);
    details["changed"] = serde_json::json!(
        [
            (request.display_name.is_some(), "display_name"),
            (request.email.is_some(), "email"),
            (request.roles.is_some(), "roles"),
            (request.areas.is_some(), "areas"),
        ]
        .into_iter()
        .filter_map(|(sent, name)| sent.then_some(name))
        .collect::<Vec<_>>()
    );
    record.details = Some(details.to_string());
    audit::append(c, record)?;
    Ok(user)
}

async fn set_active(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    raw_id: &str,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    let id = parse_user_id(raw_id)?;
    let key = idempotency::key_of(&req);
    let fingerprint = idempotency::fingerprint(&req, &[]);
    let st = state.clone();
    let outcome = blocking(move || {
        let now = Utc::now();
        transact(&st.db, |c| {
            case_work::decide_roles(c, &mut caller, Action::ManageStaffAccounts)?;
            if let Err(rule) = check_admin_change(caller.id(), id, !active, None) {
                return Err(ApiError::Conflict(rule.to_string()));
            }
            let key = key?;
            idempotency::replay_or_run(c, caller.id(), key.as_deref(), &fingerprint, now, |c| {
                let Some(current) = users::find(c, id)? else {
                    return Err(not_found());
                };
                if current.active == active {
                    return Ok(replayable(StatusCode::OK, current, false));
                }
                if !users::bump_version(c, id, current.version)? {
                    return Err(ApiError::PreconditionFailed(
                        "the account changed meanwhile; retry".into(),
                    ));
                }
                let changes = UserChangeset {
                    active: Some(active),
                    disabled_at: Some((!active).then_some(now.into())),
                    updated_at: Some(now.into()),
                    ..UserChangeset::default()
                };
                let user = users::update(c, id, changes, None)?;
                if !active {
                    sessions::revoke_user(c, id, now)?;
                }
                let action = if active {
                    "user.enable"
                } else {
                    "user.disable"
                };
                let mut record =
                    caller.audit(action, "user", Some(id.to_string()), Outcome::Success);
                record.details = Some(
                    serde_json::json!({ "active": { "before": current.active, "after": user.active } })
                        .to_string(),
                );
                audit::append(c, record)?;
                Ok(replayable(StatusCode::OK, user, false))
            })
        })
    })
    .await?;
    Ok(outcome.into_response())
}

/// Disable a staff account
///
/// The account can no longer log in; its refresh tokens are revoked and its access tokens stop
/// working at once. Idempotent. An administrator cannot disable their own account (409).
/// Audited with the state before and after. Only `system_admin` may call it.
#[utoipa::path(
    tag = "users",
    operation_id = "disable_user",
    params(("user_id" = Uuid, Path, description = "Account identifier."),
        IdempotencyKeyHeader),
    responses(
        (status = 200, description = "The disabled account.", body = UserResponse,
            headers(("ETag" = String, description = "The account's version."))),
        (status = 404, description = "No account with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The caller tried to disable their own account.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{user_id}/disable")]
pub async fn disable_user(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(state, caller, req, &path, false).await
}

/// Enable a staff account
///
/// Lets a disabled account log in again. Idempotent. Audited with the state before and after.
/// Only `system_admin` may call it.
#[utoipa::path(
    tag = "users",
    operation_id = "enable_user",
    params(("user_id" = Uuid, Path, description = "Account identifier."),
        IdempotencyKeyHeader),
    responses(
        (status = 200, description = "The enabled account.", body = UserResponse,
            headers(("ETag" = String, description = "The account's version."))),
        (status = 404, description = "No account with this id.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/users/{user_id}/enable")]
pub async fn enable_user(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    set_active(state, caller, req, &path, true).await
}
