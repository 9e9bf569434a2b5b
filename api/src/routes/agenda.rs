//! The agenda of a case manager: everything due in a period, or already overdue, across the
//! projects and pacts of the case files they manage — project reviews, pact convocations,
//! signatures, checks and commitments — and the expected releases of persons in the prison
//! area (of their files and, for area coordinators, of every open file of their areas),
//! sorted by due day and paginated.

use socialcare_domain::calendar;
use std::collections::{BTreeSet, HashMap};

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::{Action, may_read_agenda};
use socialcare_domain::case_file::CaseStatus;
use socialcare_domain::pact::{DueKind, PactStatus, deadlines, rules_version};
use socialcare_domain::prison::{RELEASE_PLANNING_DAYS, RELEASE_PLANNING_MAX_DAYS, release_due};
use socialcare_domain::{Area, Role};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::case_files::{self, CaseFileQuery};
use socialcare_persistence::{AnyConnection, pacts, prison, projects, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::error::{ApiError, Problem, blocking, transact};
use crate::extract::ValidQuery;
use crate::state::AppState;

/// The one access decision of this module: whether the caller may see the agenda of
/// `case_manager_id` — their own, or anyone's for area coordinators and the office manager.
async fn authorize_agenda(
    state: &web::Data<AppState>,
    caller: &Caller,
    case_manager_id: Uuid,
) -> Result<(), ApiError> {
    caller
        .authorize(
            state,
            Action::ReadAgenda,
            "agenda",
            Some(case_manager_id.to_string()),
        )
        .await?;
    let owner_areas = if case_manager_id == caller.id() {
        caller.user.profile.areas().clone()
    } else {
        let db = state.db.clone();
        let owner = blocking(move || {
            Ok(db.with_conn(|c| socialcare_persistence::users::find(c, case_manager_id))?)
        })
        .await?;
        match owner {
            Some(owner) => owner.profile.areas().clone(),
            None => BTreeSet::new(),
        }
    };
    if may_read_agenda(&caller.subject(), case_manager_id, &owner_areas) {
        return Ok(());
    }
    let record = caller.audit(
        "agenda.read",
        "agenda",
        Some(case_manager_id.to_string()),
        Outcome::Denied,
    );
    let db = state.db.clone();
    blocking(move || transact(&db, |c| Ok(audit::append(c, record)?)).map(|_| ())).await?;
    Err(ApiError::Forbidden(
        "another case manager's agenda is for the office manager and the coordinators of their areas"
            .into(),
    ))
}

/// What an agenda item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgendaItemKind {
    /// The next review of an active project.
    ProjectReview,
    /// The convocation of the household of a pact.
    PactConvocation,
    /// The signature of a pact.
    PactSignature,
    /// The periodic check of a pact.
    PactCheck,
    /// A commitment of a pact.
    PactCommitment,
    /// The expected release of a person detained or under an alternative measure: plan the
    /// reintegration before it.
    ExpectedRelease,
}

impl From<DueKind> for AgendaItemKind {
    fn from(kind: DueKind) -> Self {
        match kind {
            DueKind::Convocation => AgendaItemKind::PactConvocation,
            DueKind::Signature => AgendaItemKind::PactSignature,
            DueKind::Check => AgendaItemKind::PactCheck,
            DueKind::Commitment => AgendaItemKind::PactCommitment,
        }
    }
}

/// One thing due.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgendaItem {
    /// What is due.
    pub kind: AgendaItemKind,
    /// By when.
    pub due_on: NaiveDate,
    /// True when the day has passed.
    pub late: bool,
    /// The case file.
    pub case_file_id: Uuid,
    /// The person of the case file.
    pub person_id: Uuid,
    /// The project, for `project_review`; for `expected_release`, the open
    /// `prison_reintegration` project of the case file, or null when none is planned yet.
    pub project_id: Option<Uuid>,
    /// The pact, for the `pact_*` kinds.
    pub pact_id: Option<Uuid>,
    /// The commitment, for `pact_commitment`.
    pub commitment_id: Option<Uuid>,
}

/// Period, filter and position of an agenda.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgendaQuery {
    /// First day of the period (default today). Overdue items are listed whatever the period.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (default 30 days after `from`); at most 366 days after `from`.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub to: Option<NaiveDate>,
    /// Only items of this kind.
    pub kind: Option<AgendaItemKind>,
    /// Expected releases enter the agenda this many days ahead, 0-365 (default 90), whatever
    /// the period; past ones stay as late until the person is recorded as released.
    #[validate(range(max = 365))]
    #[param(minimum = 0, maximum = 365, default = 90)]
    pub release_within_days: Option<u32>,
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

/// Period, filter and position of a case manager's agenda.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseManagerAgendaQuery {
    /// The case manager whose agenda is read.
    pub case_manager_id: Uuid,
    /// First day of the period (default today). Overdue items are listed whatever the period.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub from: Option<NaiveDate>,
    /// Last day of the period (default 30 days after `from`); at most 366 days after `from`.
    /// Between 1900-01-01 and 2199-12-31.
    #[validate(custom(function = "crate::dates::plausible"))]
    #[param(pattern = r"^(19|2[01])\d{2}-\d{2}-\d{2}$")]
    pub to: Option<NaiveDate>,
    /// Only items of this kind.
    pub kind: Option<AgendaItemKind>,
    /// Expected releases enter the agenda this many days ahead, 0-365 (default 90), whatever
    /// the period; past ones stay as late until the person is recorded as released.
    #[validate(range(max = 365))]
    #[param(minimum = 0, maximum = 365, default = 90)]
    pub release_within_days: Option<u32>,
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

/// One page of an agenda, by due day.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgendaPage {
    /// The case manager.
    pub case_manager_id: Uuid,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// The items of this page.
    pub items: Vec<AgendaItem>,
    /// Link to the next page, or null on the last one.
    pub next: Option<String>,
}

/// What an agenda covers.
#[derive(Debug, Clone, Copy)]
struct Window {
    today: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
    release_within_days: u32,
}

/// Everything due for `manager` up to `to`, from `from` or overdue on `today`, plus the
/// expected releases to plan for, by due day.
fn collect(
    conn: &mut AnyConnection,
    manager: Uuid,
    window: Window,
) -> Result<Vec<AgendaItem>, ApiError> {
    let Window {
        today, from, to, ..
    } = window;
    let files = case_files::list(
        conn,
        &CaseFileQuery {
            case_manager_id: Some(manager),
            today,
            limit: 1_000_000,
            ..CaseFileQuery::default()
        },
    )?;
    let person_of: HashMap<Uuid, Uuid> = files.iter().map(|f| (f.id, f.person_id)).collect();
    let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
    let mut items = Vec::new();
    for project in projects::reviews_due(conn, &ids, to)? {
        if let (Some(due_on), Some(person)) =
            (project.next_review_on, person_of.get(&project.case_file_id))
        {
            items.push(AgendaItem {
                kind: AgendaItemKind::ProjectReview,
                due_on,
                late: due_on < today,
                case_file_id: project.case_file_id,
                person_id: *person,
                project_id: Some(project.id),
                pact_id: None,
                commitment_id: None,
            });
        }
    }
    for pact in pacts::list(conn, &ids, None, None)? {
        if pact.status == PactStatus::Closed {
            continue;
        }
        let Some(rules) = rules_version(&pact.rules_version) else {
            return Err(ApiError::Internal(format!(
                "unknown clock rule version {}",
                pact.rules_version
            )));
        };
        let Some(person) = person_of.get(&pact.case_file_id) else {
            continue;
        };
        let facts = pacts::clock_facts(conn, &pact)?;
        for due in deadlines(&facts, rules, today) {
            if due.due_on <= to {
                items.push(AgendaItem {
                    kind: due.kind.into(),
                    due_on: due.due_on,
                    late: due.late,
                    case_file_id: pact.case_file_id,
                    person_id: *person,
                    project_id: None,
                    pact_id: Some(pact.id),
                    commitment_id: due.commitment_id,
                });
            }
        }
    }
    items.retain(|i| i.late || i.due_on >= from);
    // Expected releases: of the open files the person manages and, for an area coordinator,
    // of every open file of their areas.
    let mut release_files: HashMap<Uuid, Uuid> = files
        .iter()
        .filter(|f| f.status != CaseStatus::Closed)
        .map(|f| (f.id, f.person_id))
        .collect();
    let coordinated: BTreeSet<Area> = match users::find(conn, manager)? {
        Some(user) if user.profile.has_role(Role::AreaCoordinator) => {
            user.profile.areas().iter().copied().collect()
        }
        _ => BTreeSet::new(),
    };
    for area in coordinated {
        for file in case_files::list(
            conn,
            &CaseFileQuery {
                area: Some(area),
                today,
                limit: 1_000_000,
                ..CaseFileQuery::default()
            },
        )? {
            if file.status != CaseStatus::Closed {
                release_files.insert(file.id, file.person_id);
            }
        }
    }
    let mut persons: Vec<Uuid> = release_files.values().copied().collect();
    persons.sort();
    persons.dedup();
    let file_ids: Vec<Uuid> = release_files.keys().copied().collect();
    let plans = projects::open_reintegration_projects(conn, &file_ids)?;
    let mut files_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (file, person) in &release_files {
        files_of.entry(*person).or_default().push(*file);
    }
    for (person, status, expected) in prison::expected_releases(conn, &persons)? {
        let Some(due) = release_due(status, Some(expected), today, window.release_within_days)
        else {
            continue;
        };
        let mut files_of_person = files_of.remove(&person).unwrap_or_default();
        files_of_person.sort();
        for file in files_of_person {
            items.push(AgendaItem {
                kind: AgendaItemKind::ExpectedRelease,
                due_on: due.due_on,
                late: due.late,
                case_file_id: file,
                person_id: person,
                project_id: plans.get(&file).copied(),
                pact_id: None,
                commitment_id: None,
            });
        }
    }
    items.sort_by_key(|i| {
        (
            i.due_on,
            i.kind,
            i.project_id.or(i.pact_id),
            i.commitment_id,
            i.case_file_id,
        )
    });
    Ok(items)
}

#[allow(clippy::too_many_arguments)]
async fn agenda_page(
    state: web::Data<AppState>,
    caller: Caller,
    req: &HttpRequest,
    manager: Uuid,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    kind: Option<AgendaItemKind>,
    release_within_days: Option<u32>,
    cursor: Option<String>,
    limit: Option<u32>,
    base: &str,
) -> Result<HttpResponse, ApiError> {
    let release_within_days = release_within_days
        .unwrap_or(RELEASE_PLANNING_DAYS)
        .min(RELEASE_PLANNING_MAX_DAYS);
    let today = calendar::today(Utc::now());
    let from = from.unwrap_or(today);
    let to = to.unwrap_or(from + Duration::days(30));
    if to < from {
        return Err(ApiError::bad_parameter("to", "must not be before `from`"));
    }
    if (to - from).num_days() > 366 {
        return Err(ApiError::bad_parameter(
            "to",
            "the period is at most 366 days long",
        ));
    }
    let offset: usize = match cursor.as_deref() {
        None => 0,
        Some(c) => crate::cursor::decode(c)?
            .parse()
            .map_err(|_| ApiError::bad_parameter("cursor", "not a position of this list"))?,
    };
    let limit = limit.unwrap_or(50) as usize;
    let st = state.clone();
    let (items, more) = blocking(move || {
        transact(&st.db, |c| {
            let window = Window {
                today,
                from,
                to,
                release_within_days,
            };
            let mut all = collect(c, manager, window)?;
            if let Some(kind) = kind {
                all.retain(|i| i.kind == kind);
            }
            let more = all.len() > offset.saturating_add(limit);
            let page: Vec<AgendaItem> = all.into_iter().skip(offset).take(limit).collect();
            // Every person of a returned item is linked to the record, so their access report
            // shows the read; the details carry ids and a count only, never what the items are
            // about (an expected release is justice data).
            let mut persons: Vec<Uuid> = page.iter().map(|i| i.person_id).collect();
            persons.sort_unstable();
            persons.dedup();
            let mut files: Vec<Uuid> = page.iter().map(|i| i.case_file_id).collect();
            files.sort_unstable();
            files.dedup();
            let mut record = caller.audit(
                "agenda.read",
                "agenda",
                Some(manager.to_string()),
                Outcome::Success,
            );
            record.persons = persons;
            record.details = Some(
                serde_json::json!({
                    "case_manager_id": manager,
                    "items": page.len(),
                    "case_file_ids": files,
                })
                .to_string(),
            );
            audit::append(c, record)?;
            Ok((page, more))
        })
    })
    .await?;
    let next = more.then(|| {
        let mut pairs: Vec<String> = req
            .query_string()
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("cursor="))
            .map(str::to_owned)
            .collect();
        pairs.push(format!(
            "cursor={}",
            crate::cursor::encode(&(offset + limit).to_string())
        ));
        format!("{base}?{}", pairs.join("&"))
    });
    Ok(HttpResponse::Ok().json(AgendaPage {
        case_manager_id: manager,
        from,
        to,
        items,
        next,
    }))
}

/// My agenda
///
/// Everything due for the caller as case manager in the period (default the next 30 days),
/// plus everything overdue: project reviews, pact convocations, signatures, checks and
/// commitments; and the expected releases of persons in the prison area within
/// `release_within_days` (of the caller's files, and for area coordinators of every open file
/// of their areas). By due day, paginated.
#[utoipa::path(
    tag = "agenda",
    operation_id = "get_my_agenda",
    params(AgendaQuery),
    responses(
        (status = 200, description = "One page of the agenda.", body = AgendaPage),
        (status = 400, description = "Invalid period, kind or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/me/agenda")]
pub async fn get_my_agenda(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let me = caller.id();
    authorize_agenda(&state, &caller, me).await?;
    let q = ValidQuery::<AgendaQuery>::parse(&req)?;
    agenda_page(
        state,
        caller,
        &req,
        me,
        q.from,
        q.to,
        q.kind,
        q.release_within_days,
        q.cursor,
        q.limit,
        "/api/v1/me/agenda",
    )
    .await
}

/// A case manager's agenda
///
/// The agenda of a case manager, for area coordinators and the office manager (others may
/// read only their own, 403): everything due in the period or overdue across the projects and
/// pacts of the files they manage, and the expected releases to plan for, by due day,
/// paginated.
#[utoipa::path(
    tag = "agenda",
    operation_id = "get_agenda",
    params(CaseManagerAgendaQuery),
    responses(
        (status = 200, description = "One page of the agenda.", body = AgendaPage),
        (status = 400, description = "Missing case manager, invalid period, kind or cursor.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/agenda")]
pub async fn get_agenda(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    // The case manager is part of the access decision, so it is read first; nothing else of
    // the query is looked at before the decision.
    let manager = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "case_manager_id")
        .map(|(_, v)| Uuid::parse_str(&v))
        .transpose()
        .map_err(|_| ApiError::bad_parameter("case_manager_id", "must be a UUID"))?
        .ok_or_else(|| ApiError::bad_parameter("case_manager_id", "is required"))?;
    authorize_agenda(&state, &caller, manager).await?;
    let q = ValidQuery::<CaseManagerAgendaQuery>::parse(&req)?;
    agenda_page(
        state,
        caller,
        &req,
        q.case_manager_id,
        q.from,
        q.to,
        q.kind,
        q.release_within_days,
        q.cursor,
        q.limit,
        "/api/v1/agenda",
    )
    .await
}
