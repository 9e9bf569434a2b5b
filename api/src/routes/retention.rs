//! `/retention`: the retention procedure (docs/retention.md). The preview lists what the rules
//! make due today and why, changing nothing; a run, the privacy officer's explicit command under
//! an authorisation to discard, erases and pseudonymises it in batches (each one transaction
//! with its audit record naming the persons it touched), and is recorded. The audit trail is
//! never touched, so its chain still verifies; dates, codes, statuses, areas and target groups
//! stay, so the indicators of past periods do not change.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::access::Action;
use socialcare_domain::calendar::start_of_day;
use socialcare_domain::ids::RetentionRunId;
use socialcare_domain::personal_data::{RetentionPolicy, Rule, case_content_due};
use socialcare_persistence::retention::{self as store, PersonCandidate, RunCounts, RunRow};
use socialcare_persistence::{AnyConnection, Database};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Op, Work};
use crate::error::{ApiError, InvalidParam, Problem, blocking};
use crate::extract::{Body, Id, decode_json};
use crate::idempotency::{self, Replayable};
use crate::state::AppState;

/// Records a batch of a run handles (case files or persons).
const BATCH: usize = 500;

/// Persons read per page while looking for those due.
const SCAN: i64 = 2000;

/// How long a run's claim holds without a committed batch.
const CLAIM_SECONDS: i64 = 120;

/// The most items of each kind a preview lists (the counts are complete).
const PREVIEW_MAX: usize = 1000;

/// A retention rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionRule {
    /// The free text of a closed case file's records.
    CaseContent,
    /// Health and disability, ethnic community, legal status, justice.
    SpecialCategories,
    /// Names and identifying fields.
    Identity,
}

impl From<Rule> for RetentionRule {
    fn from(rule: Rule) -> Self {
        match rule {
            Rule::CaseContent => Self::CaseContent,
            Rule::SpecialCategories => Self::SpecialCategories,
            Rule::Identity => Self::Identity,
        }
    }
}

/// The periods the office configured (`SOCIALCARE_RETENTION_*_YEARS`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetentionPeriods {
    /// Years after a case file closed before its content is erased.
    #[schema(example = 10)]
    pub case_content_years: u16,
    /// Years after the person's last case file closed before their special categories are
    /// erased.
    #[schema(example = 5)]
    pub special_category_years: u16,
    /// Years after the person's last case file closed before their identity is pseudonymised.
    #[schema(example = 10)]
    pub identity_years: u16,
}

impl From<&RetentionPolicy> for RetentionPeriods {
    fn from(p: &RetentionPolicy) -> Self {
        Self {
            case_content_years: p.case_content_years,
            special_category_years: p.special_category_years,
            identity_years: p.identity_years,
        }
    }
}

/// One rule: its period, the day before which records are due, what it does and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleToday {
    /// The rule.
    pub rule: RetentionRule,
    /// Its period in years.
    #[schema(example = 10)]
    pub years: u16,
    /// Records whose anchor day is before this day are due.
    pub due_before: NaiveDate,
    /// What it does.
    pub effect: String,
    /// Its legal basis.
    pub legal_basis: String,
}

/// A closed case file whose content is due.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueCaseFile {
    /// The case file.
    pub case_file_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// When it closed.
    pub closed_on: NaiveDate,
}

/// A person a person-wide rule makes due.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuePerson {
    /// The person.
    pub person_id: Uuid,
    /// The rules due (`special_categories`, `identity`).
    pub rules: Vec<RetentionRule>,
    /// The day the periods count from: the latest of their last case file's closing, their
    /// record's last change and their last benefit's end.
    pub counted_from: NaiveDate,
}

/// What a run would do today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetentionPreview {
    /// The office day the periods are counted to.
    pub as_of: NaiveDate,
    /// The configured periods.
    pub periods: RetentionPeriods,
    /// Each rule today.
    pub rules: Vec<RuleToday>,
    /// Case files whose content would be erased.
    #[schema(example = 12)]
    pub case_files_due: u64,
    /// Persons whose special categories would be erased.
    #[schema(example = 3)]
    pub special_categories_due: u64,
    /// Persons who would be pseudonymised.
    #[schema(example = 4)]
    pub persons_due: u64,
    /// SIUSS export files whose content would be erased.
    #[schema(example = 0)]
    pub exports_due: u64,
    /// The case files, oldest closing first (at most 1000).
    pub case_files: Vec<DueCaseFile>,
    /// The persons (at most 1000).
    pub persons: Vec<DuePerson>,
    /// Whether a list was cut at 1000.
    pub truncated: bool,
}

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionRunStatus {
    /// Batches remain.
    Running,
    /// Nothing due was left.
    Completed,
    /// Its process stopped; a later run went on from where it stopped.
    Interrupted,
}

/// A run of the retention procedure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RetentionRun {
    /// The run.
    pub id: Uuid,
    /// Its state.
    pub status: RetentionRunStatus,
    /// The authorisation to discard it carries out.
    #[schema(
        example = "Soprintendenza archivistica, autorizzazione allo scarto prot. 1234 del 2026-11-30"
    )]
    pub authorisation: String,
    /// The office day the periods were counted to.
    pub as_of: NaiveDate,
    /// The periods it applied.
    #[schema(value_type = Object)]
    pub periods: serde_json::Value,
    /// Case files whose content it erased.
    #[schema(example = 12)]
    pub case_files: i32,
    /// Persons whose special categories it erased.
    #[schema(example = 3)]
    pub special_categories: i32,
    /// Persons it pseudonymised.
    #[schema(example = 4)]
    pub persons: i32,
    /// SIUSS export files whose content it erased.
    #[schema(example = 0)]
    pub exports: i32,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// The privacy officer who ran it.
    pub created_by: Uuid,
    /// When it completed.
    pub completed_at: Option<DateTime<Utc>>,
}

impl RetentionRun {
    fn of(row: &RunRow) -> Self {
        Self {
            id: row.id.0,
            status: match row.status.as_str() {
                "completed" => RetentionRunStatus::Completed,
                "running" => RetentionRunStatus::Running,
                _ => RetentionRunStatus::Interrupted,
            },
            authorisation: row.authorisation.clone(),
            as_of: row.as_of,
            periods: serde_json::json!({
                "case_content_years": row.case_content_years,
                "special_category_years": row.special_category_years,
                "identity_years": row.identity_years,
            }),
            case_files: row.case_files,
            special_categories: row.special_categories,
            persons: row.persons,
            exports: row.exports,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            completed_at: row.completed_at.map(|t| t.0),
        }
    }
}

/// Runs, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionRunPage {
    /// The runs.
    pub items: Vec<RetentionRun>,
    /// The next page, when there is one.
    pub next: Option<String>,
}

/// A run asked for.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionRunRequest {
    /// The authorisation to discard the run carries out (D.Lgs. 42/2004 art. 21: the archival
    /// superintendence's authorisation and the office's act), 1-500 characters.
    #[validate(length(min = 1, max = 500))]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Soprintendenza archivistica, autorizzazione allo scarto prot. 1234 del 2026-11-30"
    )]
    pub authorisation: String,
}

/// Where a look for persons due stands.
#[derive(Debug, Clone, Copy)]
struct PersonScan {
    after: Uuid,
    done: bool,
}

impl PersonScan {
    fn new() -> Self {
        Self {
            after: Uuid::nil(),
            done: false,
        }
    }
}

/// The next persons due (at most `want`), each with the rules due for them, from where `scan`
/// stands; `scan` moves on.
fn next_due_persons(
    conn: &mut AnyConnection,
    policy: &RetentionPolicy,
    today: NaiveDate,
    scan: &mut PersonScan,
    want: usize,
) -> Result<Vec<(PersonCandidate, Vec<Rule>)>, ApiError> {
    // Special categories have the shorter (or equal) period: no person is due for any
    // person-wide rule whose record changed after its cutoff.
    let cutoff = policy.cutoff(Rule::SpecialCategories, today);
    let changed_before = start_of_day(cutoff);
    let mut out = Vec::new();
    while !scan.done && out.len() < want {
        let page = store::person_candidates(conn, cutoff, changed_before, scan.after, SCAN)?;
        scan.done = page.len() < usize::try_from(SCAN).unwrap_or(usize::MAX);
        let Some(last) = page.last() else {
            scan.done = true;
            break;
        };
        let page_end = last.id;
        let mut cut = None;
        for candidate in page {
            let mut rules = Vec::new();
            if candidate.has_special && candidate.facts.due(policy, Rule::SpecialCategories, today)
            {
                rules.push(Rule::SpecialCategories);
            }
            if !candidate.anonymised && candidate.facts.due(policy, Rule::Identity, today) {
                rules.push(Rule::Identity);
            }
            if !rules.is_empty() {
                let id = candidate.id;
                out.push((candidate, rules));
                if out.len() == want {
                    cut = Some(id);
                    break;
                }
            }
        }
        match cut {
            // Go on after the last person taken, not after the page.
            Some(id) => {
                scan.after = id;
                scan.done = false;
            }
            None => scan.after = page_end,
        }
    }
    Ok(out)
}

fn rules_today(policy: &RetentionPolicy, today: NaiveDate) -> Vec<RuleToday> {
    Rule::ALL
        .into_iter()
        .map(|rule| RuleToday {
            rule: rule.into(),
            years: policy.years(rule),
            due_before: policy.cutoff(rule, today),
            effect: rule.effect().to_owned(),
            legal_basis: rule.legal_basis().to_owned(),
        })
        .collect()
}

/// What the retention rules make due
///
/// A dry run of the retention procedure: the rules with their periods and the day before which
/// records are due today, the number of case files whose content, persons whose special
/// categories and persons whose identity a run would erase or pseudonymise now, and the first
/// 1000 of each with the reason. Changes nothing; audited (`retention.preview`, with the
/// persons listed). For the privacy officer.
#[utoipa::path(
    tag = "retention",
    operation_id = "preview_retention",
    responses(
        (status = 200, description = "What a run would do today.", body = RetentionPreview),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy officer.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/retention/preview")]
pub async fn preview_retention(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let policy = state.retention;
    let op = Op::new(Action::ApplyRetention, "retention.preview", "retention");
    let preview = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, _: case_work::NoQuery| {
            let today = work.today();
            let content_before = policy.cutoff(Rule::CaseContent, today);
            let mut case_files = Vec::new();
            let mut case_files_due = 0_u64;
            let mut after = None;
            loop {
                let page = store::closed_case_files(work.conn(), content_before, after, SCAN)?;
                let Some(last) = page.last() else { break };
                after = Some((last.closed_on, last.id));
                let full = page.len() == usize::try_from(SCAN).unwrap_or(usize::MAX);
                for file in page {
                    if !case_content_due(&policy, Some(file.closed_on), today) {
                        continue;
                    }
                    case_files_due += 1;
                    if case_files.len() < PREVIEW_MAX {
                        case_files.push(DueCaseFile {
                            case_file_id: file.id,
                            person_id: file.person_id,
                            closed_on: file.closed_on,
                        });
                    }
                }
                if !full {
                    break;
                }
            }
            let mut scan = PersonScan::new();
            let mut persons = Vec::new();
            let (mut special_due, mut identity_due) = (0_u64, 0_u64);
            loop {
                let due = next_due_persons(work.conn(), &policy, today, &mut scan, BATCH)?;
                if due.is_empty() {
                    break;
                }
                for (candidate, rules) in due {
                    special_due += u64::from(rules.contains(&Rule::SpecialCategories));
                    identity_due += u64::from(rules.contains(&Rule::Identity));
                    if persons.len() < PREVIEW_MAX {
                        persons.push(DuePerson {
                            person_id: candidate.id,
                            rules: rules.into_iter().map(RetentionRule::from).collect(),
                            counted_from: candidate.facts.anchor().unwrap_or(today),
                        });
                    }
                }
            }
            let exports_due = store::count_old_exports(
                work.conn(),
                start_of_day(policy.cutoff(Rule::Identity, today)),
            )?;
            let truncated = u64::try_from(case_files.len()).unwrap_or(0) < case_files_due
                || u64::try_from(persons.len()).unwrap_or(0) < special_due.max(identity_due);
            let mut shown: Vec<Uuid> = case_files.iter().map(|f| f.person_id).collect();
            shown.extend(persons.iter().map(|p| p.person_id));
            work.shows(shown)
                .detail("case_files_due", case_files_due)
                .detail("special_categories_due", special_due)
                .detail("persons_due", identity_due);
            Ok(RetentionPreview {
                as_of: today,
                periods: (&policy).into(),
                rules: rules_today(&policy, today),
                case_files_due,
                special_categories_due: special_due,
                persons_due: identity_due,
                exports_due: u64::try_from(exports_due).unwrap_or(0),
                case_files,
                persons,
                truncated,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(preview))
}

/// What a run works on next.
#[derive(Debug, Clone, Copy)]
enum Phase {
    CaseContent,
    Persons(PersonScan),
    Exports,
    Done,
}

/// Run the retention procedure
///
/// Erases and pseudonymises what the rules make due today (as `GET /retention/preview`
/// lists it), under the authorisation to discard given: the content of case files closed
/// longer ago than their period, the special categories and then the identity of persons past
/// theirs, the content of SIUSS export files older than the identity period. In batches of 500
/// case files or persons, each one transaction with its audit record (`retention.batch`)
/// naming the persons it touched; the run is recorded with what it did. One run at a time (409
/// while another works); a run stopped half-way leaves every committed batch done, and the
/// next run goes on. The audit trail is not touched, so its chain still verifies; dates,
/// codes, statuses, areas and target groups stay, so past indicators do not change. An
/// `Idempotency-Key` makes a retried request give the same run. For the privacy officer.
#[utoipa::path(
    tag = "retention",
    operation_id = "create_retention_run",
    request_body = RetentionRunRequest,
    params(crate::idempotency::IdempotencyKeyHeader),
    responses(
        (status = 201, description = "The run, completed.", body = RetentionRun,
            headers(("Location" = String, description = "The run."))),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy officer.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another run is working now.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body, or the key was used for another request.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/retention/runs")]
pub async fn create_retention_run(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    body: Body<RetentionRunRequest>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body.bytes().await;
    let key = idempotency::key_of(&req);
    let path = req.path().to_owned();
    let policy = state.retention;
    let db = state.db.clone();
    let answer = blocking(move || {
        let op = Op::new(Action::ApplyRetention, "retention.run", "retention_run");
        let started = case_work::office_step(&db, &mut caller, op, |work| {
            let bytes = bytes?;
            let request: RetentionRunRequest = decode_json(&bytes)?;
            if request.authorisation.trim().is_empty() {
                return Err(ApiError::Validation(vec![InvalidParam::pointer(
                    "/authorisation",
                    "must not be blank",
                )]));
            }
            let key = key?;
            let fingerprint = idempotency::fingerprint_parts("POST", &path, &bytes);
            let (actor, now, today) = (work.actor(), work.now(), work.today());
            if let Some(key) = key.as_deref()
                && let Some(stored) =
                    idempotency::replayed(work.conn(), actor, key, &fingerprint, now)?
            {
                return Ok(Err(stored));
            }
            let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
            let run = store::start(
                work.conn(),
                request.authorisation.trim(),
                &policy,
                today,
                until,
                actor,
                now,
            )
            .map_err(|e| match e {
                socialcare_persistence::StoreError::Conflict(_) => ApiError::Conflict(
                    "another retention run is working now: GET /retention/runs shows it".into(),
                ),
                other => other.into(),
            })?;
            work.resource(run.id.0)
                .detail("authorisation", &run.authorisation)
                .detail("as_of", today);
            Ok(Ok((run, key.map(|k| (k, fingerprint)))))
        })?;
        let (run, key) = match started {
            Ok(started) => started,
            Err(stored) => return Ok(stored),
        };
        run_batches(&db, &mut caller, &policy, &run, key)
    })
    .await?;
    Ok(answer.into_response())
}

/// The batches of a run, each its own transaction, until nothing due is left; the last
/// completes the run and stores the answer of the `Idempotency-Key`.
fn run_batches(
    db: &Database,
    caller: &mut Caller,
    policy: &RetentionPolicy,
    run: &RunRow,
    key: Option<(String, String)>,
) -> Result<Replayable, ApiError> {
    let op = Op::new(Action::ApplyRetention, "retention.batch", "retention_run");
    let mut phase = Phase::CaseContent;
    let run_id = run.id.0;
    let today = run.as_of;
    loop {
        let key = key.clone();
        let answer = case_work::office_step(db, caller, op, |work| {
            let (counts, touched) = one_batch(work, policy, today, &mut phase)?;
            let (now, actor) = (work.now(), work.actor());
            let last = matches!(phase, Phase::Done);
            let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
            if !store::advance(work.conn(), run_id, counts, until, last, now)? {
                return Err(ApiError::Conflict(
                    "this run was taken over as interrupted: GET /retention/runs shows where \
                     it stands"
                        .into(),
                ));
            }
            work.resource(run_id)
                .detail("case_files", counts.case_files)
                .detail("special_categories", counts.special_categories)
                .detail("persons", counts.persons)
                .detail("exports", counts.exports)
                .shows(touched);
            if !last {
                return Ok(None);
            }
            let row = store::find(work.conn(), run_id)?
                .ok_or_else(|| ApiError::Internal("a retention run vanished".into()))?;
            work.event("retention.complete");
            let response = Replayable {
                status: StatusCode::CREATED,
                body: serde_json::to_value(RetentionRun::of(&row))
                    .map_err(|e| ApiError::Internal(format!("a retention run: {e}")))?,
                location: Some(format!("/api/v1/retention/runs/{run_id}")),
                etag: None,
                replayed: false,
            };
            if let Some((key, fingerprint)) = key {
                idempotency::remember(work.conn(), actor, &key, &fingerprint, now, &response)?;
            }
            Ok(Some(response))
        })?;
        if let Some(answer) = answer {
            return Ok(answer);
        }
    }
}

/// One batch: the next case files, or persons, or the old export files, due; moves `phase` on
/// when its kind has nothing more.
fn one_batch(
    work: &mut Work<'_>,
    policy: &RetentionPolicy,
    today: NaiveDate,
    phase: &mut Phase,
) -> Result<(RunCounts, Vec<Uuid>), ApiError> {
    let (actor, now) = (work.actor(), work.now());
    let mut counts = RunCounts::default();
    loop {
        match *phase {
            Phase::CaseContent => {
                let before = policy.cutoff(Rule::CaseContent, today);
                let files = store::closed_case_files(work.conn(), before, None, BATCH as i64)?;
                if files.is_empty() {
                    *phase = Phase::Persons(PersonScan::new());
                    continue;
                }
                let ids: Vec<Uuid> = files.iter().map(|f| f.id).collect();
                let erased = store::erase_case_content(work.conn(), &ids, now)?;
                counts.case_files = i32::try_from(erased).unwrap_or(i32::MAX);
                return Ok((counts, files.iter().map(|f| f.person_id).collect()));
            }
            Phase::Persons(mut scan) => {
                let due = next_due_persons(work.conn(), policy, today, &mut scan, BATCH)?;
                *phase = if scan.done && due.is_empty() {
                    Phase::Exports
                } else {
                    Phase::Persons(scan)
                };
                if due.is_empty() {
                    continue;
                }
                let special: Vec<Uuid> = due
                    .iter()
                    .filter(|(_, rules)| {
                        rules.contains(&Rule::SpecialCategories) && !rules.contains(&Rule::Identity)
                    })
                    .map(|(c, _)| c.id)
                    .collect();
                let identity: Vec<Uuid> = due
                    .iter()
                    .filter(|(_, rules)| rules.contains(&Rule::Identity))
                    .map(|(c, _)| c.id)
                    .collect();
                let with_special = due
                    .iter()
                    .filter(|(c, rules)| c.has_special && rules.contains(&Rule::Identity))
                    .count();
                store::erase_special_categories(work.conn(), &special)?;
                let pseudonymised = store::pseudonymise(work.conn(), &identity, actor, now)?;
                counts.special_categories =
                    i32::try_from(special.len() + with_special).unwrap_or(i32::MAX);
                counts.persons = i32::try_from(pseudonymised).unwrap_or(i32::MAX);
                return Ok((counts, due.iter().map(|(c, _)| c.id).collect()));
            }
            Phase::Exports => {
                let before = start_of_day(policy.cutoff(Rule::Identity, today));
                let erased = store::erase_old_exports(work.conn(), before)?;
                counts.exports = i32::try_from(erased).unwrap_or(i32::MAX);
                *phase = Phase::Done;
                return Ok((counts, Vec::new()));
            }
            Phase::Done => return Ok((counts, Vec::new())),
        }
    }
}

/// List the retention runs
///
/// Every run of the retention procedure, newest first: who, when, under which authorisation,
/// with which periods, and what it did. For the privacy officer.
#[utoipa::path(
    tag = "retention",
    operation_id = "list_retention_runs",
    params(crate::cursor::PageQuery),
    responses(
        (status = 200, description = "One page of runs.", body = RetentionRunPage),
        (status = 400, description = "Invalid cursor or limit.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy officer.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/retention/runs")]
pub async fn list_retention_runs(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ApplyRetention, "retention.list", "retention_run");
    let query = req.query_string().to_owned();
    let page = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, q: crate::cursor::PageQuery| {
            let limit = q.limit.unwrap_or(20);
            let before = q
                .cursor
                .as_deref()
                .map(|raw| crate::cursor::decode_created(raw, "retention"))
                .transpose()?;
            let mut rows = store::list(work.conn(), before, i64::from(limit) + 1)?;
            let next = crate::cursor::cut(
                &mut rows,
                limit as usize,
                "/api/v1/retention/runs",
                &query,
                |last| crate::cursor::encode_created("retention", last.created_at.0, last.id.0),
            );
            work.detail("returned", rows.len());
            Ok(RetentionRunPage {
                items: rows.iter().map(RetentionRun::of).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read a retention run
///
/// One run: who, when, under which authorisation, with which periods, and what it did.
#[utoipa::path(
    tag = "retention",
    operation_id = "get_retention_run",
    params(("run_id" = Uuid, Path, description = "Run identifier.")),
    responses(
        (status = 200, description = "The run.", body = RetentionRun),
        (status = 400, description = "The id is not a UUID.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy officer.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/retention/runs/{run_id}")]
pub async fn get_retention_run(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<RetentionRunId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ApplyRetention, "retention.read", "retention_run");
    let run = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, _: case_work::NoQuery| {
            let row = store::find(work.conn(), id.0.uuid())?
                .ok_or_else(|| ApiError::NotFound("no retention run with this id".into()))?;
            work.resource(row.id.0);
            Ok(RetentionRun::of(&row))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(run))
}
