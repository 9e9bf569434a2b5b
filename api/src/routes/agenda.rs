//! The agenda of a case manager: everything due in a period, or already overdue, across the
//! projects and pacts of the case files they manage — project reviews, pact convocations,
//! signatures, checks and commitments — the planned ends of housing placements, and the
//! expected releases of persons in the prison
//! area (of their files and, for area coordinators, of every open file of their areas),
//! sorted by due day and paginated.

use std::collections::BTreeSet;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use socialcare_domain::access::{Action, may_read_agenda};
use socialcare_domain::agenda::{self as rules, Due, Item, ItemKind, Position, Window};
use socialcare_domain::pact::{DueKind, add_days};
use socialcare_domain::prison::release_due;
use socialcare_domain::{Area, Role};
use socialcare_persistence::{AnyConnection, agenda, projects, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, NoQuery, Op, Work};
use crate::error::{ApiError, Problem};
use crate::extract::ValidQuery;
use crate::state::AppState;

/// The one access decision of this module, taken in the read's transaction: whether the
/// caller may see the agenda of `case_manager_id` — their own, or another's for the office
/// manager and the coordinators of their areas. A refusal is audited as `agenda.read` denied.
///
/// Returns the areas that case manager coordinates (whose expected releases their agenda also
/// lists), from the profile the decision reads.
fn decide_agenda(work: &mut Work<'_>, case_manager_id: Uuid) -> Result<Vec<Area>, ApiError> {
    work.resource(case_manager_id);
    let owner = if case_manager_id == work.actor() {
        Some(work.caller().user.profile.clone())
    } else {
        users::find(work.conn(), case_manager_id)?.map(|owner| owner.profile)
    };
    let owner_areas = owner
        .as_ref()
        .map(|p| p.areas().clone())
        .unwrap_or_default();
    if may_read_agenda(&work.caller().subject(), case_manager_id, &owner_areas) {
        return Ok(match owner {
            Some(profile) if profile.has_role(Role::AreaCoordinator) => {
                owner_areas.into_iter().collect()
            }
            _ => Vec::new(),
        });
    }
    Err(work.refuse(
        "another case manager's agenda is for the office manager and the coordinators of their areas",
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
    /// The planned end of a housing placement (planned or active): the day the person is
    /// expected to leave; late when it has passed and the placement was not ended.
    PlacementEnd,
    /// The planned last day of an employment placement (proposed or active): complete or
    /// interrupt it, with its outcome; late when it has passed.
    EmploymentEnd,
    /// The next review of a running employment placement by the office's tutor: meet the
    /// person and the employer's tutor and record the review, which plans the next one; late
    /// when the day has passed.
    EmploymentReview,
    /// The day by which an open application for a care resource must be reconfirmed by the
    /// person (`POST /applications/{id}/transitions` `reconfirm`); late when it has passed: the
    /// application may then be expired.
    ApplicationReconfirmation,
}

impl From<DueKind> for AgendaItemKind {
    fn from(kind: DueKind) -> Self {
        ItemKind::from(kind).into()
    }
}

impl From<ItemKind> for AgendaItemKind {
    fn from(kind: ItemKind) -> Self {
        match kind {
            ItemKind::ProjectReview => AgendaItemKind::ProjectReview,
            ItemKind::PactConvocation => AgendaItemKind::PactConvocation,
            ItemKind::PactSignature => AgendaItemKind::PactSignature,
            ItemKind::PactCheck => AgendaItemKind::PactCheck,
            ItemKind::PactCommitment => AgendaItemKind::PactCommitment,
            ItemKind::ExpectedRelease => AgendaItemKind::ExpectedRelease,
            ItemKind::PlacementEnd => AgendaItemKind::PlacementEnd,
            ItemKind::EmploymentEnd => AgendaItemKind::EmploymentEnd,
            ItemKind::EmploymentReview => AgendaItemKind::EmploymentReview,
            ItemKind::ApplicationReconfirmation => AgendaItemKind::ApplicationReconfirmation,
        }
    }
}

impl From<AgendaItemKind> for ItemKind {
    fn from(kind: AgendaItemKind) -> Self {
        match kind {
            AgendaItemKind::ProjectReview => ItemKind::ProjectReview,
            AgendaItemKind::PactConvocation => ItemKind::PactConvocation,
            AgendaItemKind::PactSignature => ItemKind::PactSignature,
            AgendaItemKind::PactCheck => ItemKind::PactCheck,
            AgendaItemKind::PactCommitment => ItemKind::PactCommitment,
            AgendaItemKind::ExpectedRelease => ItemKind::ExpectedRelease,
            AgendaItemKind::PlacementEnd => ItemKind::PlacementEnd,
            AgendaItemKind::EmploymentEnd => ItemKind::EmploymentEnd,
            AgendaItemKind::EmploymentReview => ItemKind::EmploymentReview,
            AgendaItemKind::ApplicationReconfirmation => ItemKind::ApplicationReconfirmation,
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
    /// The housing placement, for `placement_end`.
    pub placement_id: Option<Uuid>,
    /// The employment placement, for `employment_end` and `employment_review`.
    pub employment_placement_id: Option<Uuid>,
    /// The application, for `application_reconfirmation`.
    pub application_id: Option<Uuid>,
}

impl From<Item> for AgendaItem {
    fn from(item: Item) -> Self {
        Self {
            kind: item.kind.into(),
            due_on: item.due_on,
            late: item.late,
            case_file_id: item.case_file_id,
            person_id: item.person_id,
            project_id: item.project_id,
            pact_id: item.pact_id,
            commitment_id: item.commitment_id,
            placement_id: item
                .placement_id
                .filter(|_| item.kind == ItemKind::PlacementEnd),
            employment_placement_id: item.placement_id.filter(|_| {
                matches!(
                    item.kind,
                    ItemKind::EmploymentEnd | ItemKind::EmploymentReview
                )
            }),
            application_id: item.application_id,
        }
    }
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

/// The items of `manager`'s agenda that a page after `after` may show: at most `limit` + 1 in
/// the agenda's order from the index, and what is read whole apart from the pages (the moving
/// pact deadlines, the expected releases, and those of the open files of the `coordinated`
/// areas).
fn due_items(
    conn: &mut AnyConnection,
    manager: Uuid,
    coordinated: &[Area],
    window: &Window,
    kind: Option<ItemKind>,
    after: Option<&Position>,
    limit: usize,
) -> Result<Vec<Item>, ApiError> {
    let wants = |k: ItemKind| kind.is_none_or(|wanted| wanted == k);
    let today = window.today;
    let fetch = i64::try_from(limit.saturating_add(1)).unwrap_or(i64::MAX);
    let no_item = |due: &Due| {
        ApiError::Internal(format!(
            "agenda entry {:?} of case file {} makes no item",
            due.kind, due.case_file_id
        ))
    };
    let mut items = Vec::new();
    if kind != Some(ItemKind::ExpectedRelease) {
        for due in agenda::entries(conn, manager, window, kind, after, fetch)? {
            items.push(Item::of_due(&due, today).ok_or_else(|| no_item(&due))?);
        }
    }
    let within = window.release_within_days;
    let until = add_days(today, u64::from(within));
    let apart = agenda::apart(conn, manager, today, until)?;
    let (releases, moving): (Vec<Due>, Vec<Due>) = apart
        .into_iter()
        .partition(|due| due.kind == ItemKind::ExpectedRelease);
    for due in moving.iter().filter(|due| wants(due.kind)) {
        items.push(Item::of_due(due, today).ok_or_else(|| no_item(due))?);
    }
    if !wants(ItemKind::ExpectedRelease) {
        return Ok(items);
    }
    let of_areas = agenda::area_releases(conn, coordinated, until)?;
    let mut files: Vec<Uuid> = releases
        .iter()
        .map(|r| r.case_file_id)
        .chain(of_areas.iter().map(|r| r.case_file_id))
        .collect();
    files.sort_unstable();
    files.dedup();
    if files.is_empty() {
        return Ok(items);
    }
    let plans = projects::open_reintegration_projects(conn, &files)?;
    let mut listed = BTreeSet::new();
    for due in &releases {
        let plan = plans.get(&due.case_file_id).copied();
        if let Some(item) = Item::planned_release(due, plan, today, within)
            && listed.insert(due.case_file_id)
        {
            items.push(item);
        }
    }
    for release in of_areas {
        if listed.contains(&release.case_file_id) {
            continue;
        }
        if let Some(due) = release_due(release.status, Some(release.expected_on), today, within) {
            listed.insert(release.case_file_id);
            items.push(Item::expected_release(
                release.case_file_id,
                release.person_id,
                plans.get(&release.case_file_id).copied(),
                due,
            ));
        }
    }
    Ok(items)
}

/// Period, filter and position of an agenda, whichever route asked for it, and the areas its
/// case manager coordinates.
struct AgendaAsk {
    coordinated: Vec<Area>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    kind: Option<AgendaItemKind>,
    release_within_days: Option<u32>,
    cursor: Option<String>,
    limit: Option<u32>,
}

/// One page of `manager`'s agenda, in the read's transaction: the query is judged after the
/// decision, the page is the domain's, and the read links every person it shows.
fn agenda_page(
    work: &mut Work<'_>,
    manager: Uuid,
    ask: AgendaAsk,
    next_of: impl FnOnce(&str) -> String,
) -> Result<AgendaPage, ApiError> {
    let window = Window::new(work.today(), ask.from, ask.to, ask.release_within_days)
        .map_err(|e| ApiError::bad_parameter("to", e.to_string()))?;
    let after = match ask.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            Position::parse(&crate::cursor::decode(c)?)
                .ok_or_else(|| ApiError::bad_parameter("cursor", "not a position of this list"))?,
        ),
    };
    let limit = ask.limit.unwrap_or(50) as usize;
    let kind = ask.kind.map(ItemKind::from);
    let items = due_items(
        work.conn(),
        manager,
        &ask.coordinated,
        &window,
        kind,
        after.as_ref(),
        limit,
    )?;
    let page = rules::page(items, &window, kind, after.as_ref(), limit);
    // Every person of a returned item is linked to the record, so their access report shows
    // the read; the details carry ids and a count only, never what the items are about (an
    // expected release is justice data).
    let mut files: Vec<Uuid> = page.items.iter().map(|i| i.case_file_id).collect();
    files.sort_unstable();
    files.dedup();
    work.shows(page.items.iter().map(|i| i.person_id))
        .detail("case_manager_id", manager)
        .detail("items", page.items.len())
        .detail("case_file_ids", files);
    Ok(AgendaPage {
        case_manager_id: manager,
        from: window.from,
        to: window.to,
        items: page.items.into_iter().map(AgendaItem::from).collect(),
        next: page
            .next
            .map(|position| next_of(&crate::cursor::encode(&position.token()))),
    })
}

const OP: Op = Op::new(Action::ReadAgenda, "agenda.read", "agenda");

/// My agenda
///
/// Everything due for the caller as case manager in the period (default the next 30 days),
/// plus everything overdue: project reviews, pact convocations, signatures, checks and
/// commitments, the planned ends of housing placements; and the expected releases of persons
/// in the prison area within
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
    let query = req.query_string().to_owned();
    let page = case_work::list(&state, caller, &req, OP, move |work, _: NoQuery| {
        let me = work.actor();
        let coordinated = decide_agenda(work, me)?;
        let q = ValidQuery::<AgendaQuery>::from_query(&query)?.0;
        let ask = AgendaAsk {
            coordinated,
            from: q.from,
            to: q.to,
            kind: q.kind,
            release_within_days: q.release_within_days,
            cursor: q.cursor,
            limit: q.limit,
        };
        agenda_page(work, me, ask, |cursor| {
            crate::cursor::next_link("/api/v1/me/agenda", &query, cursor)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
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
        (status = 403, description = "Another case manager's agenda, and you are neither the office manager nor a coordinator of their areas.", body = Problem, content_type = "application/problem+json"),
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
    let query = req.query_string().to_owned();
    let page = case_work::list(&state, caller, &req, OP, move |work, _: NoQuery| {
        let coordinated = decide_agenda(work, manager)?;
        let q = ValidQuery::<CaseManagerAgendaQuery>::from_query(&query)?.0;
        let ask = AgendaAsk {
            coordinated,
            from: q.from,
            to: q.to,
            kind: q.kind,
            release_within_days: q.release_within_days,
            cursor: q.cursor,
            limit: q.limit,
        };
        agenda_page(work, q.case_manager_id, ask, |cursor| {
            crate::cursor::next_link("/api/v1/agenda", &query, cursor)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}
