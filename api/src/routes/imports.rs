//! `/imports`: bulk import of persons, households and open case files from the CSV files of the
//! system the office replaces (docs/import.md). A dry run judges every row and changes nothing;
//! an import registers the rows that pass, in batches (one transaction and one audit record
//! each, with the persons it registered), and is known by the SHA-256 of its file: the same
//! file sent again gives the same import, and an interrupted one goes on from its next batch.
//! For the office manager.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use socialcare_domain::access::Action;
use socialcare_domain::ids::ImportId;
use socialcare_domain::import::{
    self as rules, ImportFile, Line, MAX_FILE_BYTES, Verdict, batches, check_against_office,
    read_file,
};
use socialcare_persistence::case_files::NewCaseFile;
use socialcare_persistence::imports::{
    self, BatchCounts, BatchWrites, ImportRow, LineRow, NewImport, NewMember, NewPerson,
};
use socialcare_persistence::sql_types::DbUuid;
use socialcare_persistence::{AnyConnection, Database};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Op, Work};
use crate::error::{ApiError, InvalidParam, Problem, blocking};
use crate::extract::Id;
use crate::idempotency::{self, Replayable};
use crate::state::AppState;

/// How long a request's claim on an import holds without a committed batch: a request that
/// died is taken over by the same file sent again after this.
const CLAIM_SECONDS: i64 = 120;

/// One problem of a refused line.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportProblem {
    /// The template's column, when one is to blame.
    #[schema(example = "tax_code")]
    pub column: Option<String>,
    /// Why, in words.
    #[schema(example = "is the tax code of a person already registered")]
    pub reason: String,
}

/// A line of the file that is (or would be) refused.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefusedLine {
    /// Its line number in the file (the header is line 1).
    #[schema(format = Int32, example = 17)]
    pub line: i32,
    /// Every problem found.
    pub problems: Vec<ImportProblem>,
    /// Registered persons the row may be (same tax code, or same name and birth date).
    pub candidates: Vec<Uuid>,
}

/// What a file would give: how many rows, which would be imported and which refused, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    /// SHA-256 of the file, lower-case hex: the import of this file is known by it.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// The delimiter found in the header (`;` or `,`).
    #[schema(example = ";")]
    pub delimiter: String,
    /// Data rows in the file.
    #[schema(format = Int32, example = 1200)]
    pub rows: i32,
    /// Rows that would be imported.
    #[schema(format = Int32, example = 1190)]
    pub valid: i32,
    /// Rows that would be refused (listed in `refused_lines`).
    #[schema(format = Int32, example = 10)]
    pub refused: i32,
    /// Households that would be created.
    #[schema(format = Int32, example = 300)]
    pub households: i32,
    /// Case files that would be opened.
    #[schema(format = Int32, example = 800)]
    pub case_files: i32,
    /// Batches (transactions) the import would take.
    #[schema(format = Int32, example = 3)]
    pub batches: i32,
    /// When this file was already imported (or its import was interrupted): that import.
    pub import_id: Option<Uuid>,
    /// The refused lines, in file order.
    pub refused_lines: Vec<RefusedLine>,
    /// Lines that would be imported although their tax code encodes another birth date or sex
    /// than the row gives (the office keeps the data as given, as `POST /persons` does: a
    /// warning, not a refusal), in file order.
    pub warned_lines: Vec<WarnedLine>,
}

/// A line that would be imported with warnings.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WarnedLine {
    /// Its line number in the file (the header is line 1).
    #[schema(format = Int32, example = 17)]
    pub line: i32,
    /// The warnings, with the column each concerns.
    pub warnings: Vec<ImportProblem>,
}

/// An import: its file, its progress and what it did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Import {
    /// Its id.
    pub id: Uuid,
    /// SHA-256 of its file.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// `completed`, or `running` while (or when interrupted before) its last batch: send the
    /// same file again to go on.
    #[schema(example = "completed")]
    pub status: ImportStatus,
    /// The delimiter of its file.
    #[schema(example = ";")]
    pub delimiter: String,
    /// Data rows of the file.
    #[schema(format = Int32, example = 1200)]
    pub rows: i32,
    /// Batches of the file.
    #[schema(format = Int32, example = 3)]
    pub batches: i32,
    /// Batches committed.
    #[schema(format = Int32, example = 3)]
    pub batches_done: i32,
    /// Rows imported (a person registered each).
    #[schema(format = Int32, example = 1190)]
    pub imported: i32,
    /// Rows refused.
    #[schema(format = Int32, example = 10)]
    pub refused: i32,
    /// Households created.
    #[schema(format = Int32, example = 300)]
    pub households: i32,
    /// Case files opened.
    #[schema(format = Int32, example = 800)]
    pub case_files: i32,
    /// When it was started.
    pub created_at: DateTime<Utc>,
    /// Who started it.
    pub created_by: Uuid,
    /// When its last batch was committed.
    pub completed_at: Option<DateTime<Utc>>,
    /// What became of each line: `GET` it.
    #[schema(example = "/api/v1/imports/01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f/lines")]
    pub lines: String,
}

/// The state of an import.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Batches remain.
    Running,
    /// Every batch committed.
    Completed,
}

impl Import {
    fn of(row: &ImportRow) -> Self {
        Self {
            id: row.id.0,
            sha256: row.sha256.clone(),
            status: if row.status == "completed" {
                ImportStatus::Completed
            } else {
                ImportStatus::Running
            },
            delimiter: row.delimiter.clone(),
            rows: row.rows_total,
            batches: row.batches,
            batches_done: row.next_batch,
            imported: row.imported,
            refused: row.refused,
            households: row.households,
            case_files: row.case_files,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            completed_at: row.completed_at.map(|at| at.0),
            lines: format!("/api/v1/imports/{}/lines", row.id.0),
        }
    }
}

/// Imports, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportPage {
    /// The imports.
    pub items: Vec<Import>,
    /// The next page, when there is one.
    pub next: Option<String>,
}

/// What became of one line of an imported file.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLine {
    /// Its line number in the file (the header is line 1).
    #[schema(format = Int32, example = 17)]
    pub line: i32,
    /// `imported` or `refused`.
    pub outcome: ImportLineOutcome,
    /// The person it registered.
    pub person_id: Option<Uuid>,
    /// The household it created (its reference person) or joined.
    pub household_id: Option<Uuid>,
    /// The case file it opened.
    pub case_file_id: Option<Uuid>,
    /// Why it was refused.
    pub problems: Vec<ImportProblem>,
    /// Registered persons a refused row may be.
    pub candidates: Vec<Uuid>,
}

/// What became of a line.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ImportLineOutcome {
    /// A person was registered (with the household and case file the row asked for).
    Imported,
    /// Nothing was written.
    Refused,
}

/// Lines of an import.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportLinePage {
    /// The lines, in file order.
    pub items: Vec<ImportLine>,
    /// The next page, when there is one.
    pub next: Option<String>,
}

/// Which lines of an import to list.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportLineQuery {
    /// Only the lines with this outcome.
    pub outcome: Option<ImportLineOutcome>,
    /// Opaque position returned in `next` (base64url, 1-500 characters among `A-Z a-z 0-9 - _`);
    /// omit for the first page. Anything else, or a position of another list, is 400.
    #[validate(length(min = 1, max = 500))]
    #[param(min_length = 1, max_length = 500, pattern = "^[A-Za-z0-9_-]{1,500}$")]
    pub cursor: Option<String>,
    /// Page size, 1-1000 (default 100).
    #[validate(range(min = 1, max = 1000))]
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
}

/// The stored problems of a refused line.
#[derive(Debug, Serialize, Deserialize)]
struct StoredRefusal {
    problems: Vec<ImportProblem>,
    candidates: Vec<Uuid>,
}

fn problems_of(problems: &[rules::Problem]) -> Vec<ImportProblem> {
    problems
        .iter()
        .map(|p| ImportProblem {
            column: p.column.clone(),
            reason: p.reason.clone(),
        })
        .collect()
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn line_number(line: &Line) -> i32 {
    i32::try_from(line.number).unwrap_or(i32::MAX)
}

/// Get the template of an import file
///
/// The header row with every column of the template and one example row, `;`-separated,
/// UTF-8. docs/import.md describes each column. Public: it holds no data.
#[utoipa::path(
    tag = "imports",
    operation_id = "get_import_template",
    security(()),
    responses(
        (status = 200, description = "The template.", content_type = "text/csv", body = String),
    )
)]
#[get("/imports/template")]
pub async fn get_import_template() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"socialcare-import.csv\"",
        ))
        .body(rules::template())
}

/// What a request carries that is judged after the decision.
struct Upload {
    bytes: Result<web::Bytes, ApiError>,
    csv: bool,
    key: Result<Option<String>, ApiError>,
    fingerprint_path: String,
}

impl Upload {
    async fn read(req: &HttpRequest, payload: web::Payload) -> Self {
        // The outer error is the limit, the inner one a body that could not be read.
        let bytes = match payload.to_bytes_limited(MAX_FILE_BYTES).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(_)) => Err(ApiError::bad_request("the request body could not be read")),
            Err(_) => Err(ApiError::PayloadTooLarge(MAX_FILE_BYTES)),
        };
        let csv = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("text/csv"));
        Self {
            bytes,
            csv,
            key: idempotency::key_of(req),
            fingerprint_path: req
                .uri()
                .path_and_query()
                .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned()),
        }
    }

    /// The file, judged: 415, 413, 400, then 422 for a file that cannot be read.
    fn judge(&mut self, work: &Work<'_>) -> Result<(web::Bytes, ImportFile), ApiError> {
        let bytes = std::mem::replace(&mut self.bytes, Ok(web::Bytes::new()))?;
        if !self.csv {
            return Err(ApiError::UnsupportedMediaType(
                "send the file as text/csv".into(),
            ));
        }
        let file = read_file(&bytes, work.today())
            .map_err(|e| ApiError::Validation(vec![InvalidParam::pointer("", e.0)]))?;
        Ok((bytes, file))
    }

    /// The file judged ([`Upload::judge`]), then the `Idempotency-Key` (400 when malformed):
    /// `Err` with the stored answer when the key already answered this request (422 when it
    /// answered another).
    fn open(&mut self, work: &mut Work<'_>) -> Result<Result<Opened, Replayable>, ApiError> {
        let (bytes, file) = self.judge(work)?;
        let key = std::mem::replace(&mut self.key, Ok(None))?;
        let fingerprint = idempotency::fingerprint_parts("POST", &self.fingerprint_path, &bytes);
        let (actor, now) = (work.actor(), work.now());
        if let Some(key) = key.as_deref()
            && let Some(stored) = idempotency::replayed(work.conn(), actor, key, &fingerprint, now)?
        {
            return Ok(Err(stored));
        }
        Ok(Ok(Opened {
            sha256: sha256_of(&bytes),
            file,
            key: key.map(|k| (k, fingerprint)),
        }))
    }
}

/// A judged upload: the SHA-256 of the file, the file read, and the `Idempotency-Key` with the
/// request's fingerprint.
struct Opened {
    sha256: String,
    file: ImportFile,
    key: Option<(String, String)>,
}

fn sha256_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Judges every valid line of `lines` against the office (persons already registered, staff
/// accounts); the case managers' ids by username.
fn judge_against_office(
    conn: &mut AnyConnection,
    lines: &mut [Line],
) -> Result<std::collections::HashMap<String, Uuid>, ApiError> {
    let mut tax_codes = Vec::new();
    let mut name_keys = Vec::new();
    let mut usernames = Vec::new();
    for row in lines.iter().filter_map(|l| l.verdict.row()) {
        if let Some(code) = &row.person.tax_code {
            tax_codes.push(code.as_str().to_owned());
        }
        if row.person.birth_date.is_some() && !row.confirm_new_person {
            name_keys.push(row.person.name_key());
        }
        if let Some(c) = &row.case_file {
            usernames.push(c.case_manager.as_str().to_owned());
        }
    }
    for list in [&mut tax_codes, &mut name_keys, &mut usernames] {
        list.sort();
        list.dedup();
    }
    let (facts, ids) = imports::office_facts(conn, &tax_codes, &name_keys, &usernames)?;
    check_against_office(lines, &facts);
    Ok(ids)
}

/// Check an import file without importing it
///
/// Reads the file as the import would (UTF-8, `;` or `,`, the template's columns; see `GET
/// /imports/template` and docs/import.md) and judges every row: its values, the rows against
/// each other (a tax code twice, a likely duplicate, a household without its reference person)
/// and against the office (persons already registered, with the candidates; case managers who
/// are not active social workers of the area). Nothing is written but the audit record, which
/// links the candidate persons it names. The answer says how many rows would be imported,
/// which would be refused and why, and whether the file was already imported.
#[utoipa::path(
    tag = "imports",
    operation_id = "check_import",
    params(crate::idempotency::IdempotencyKeyHeader),
    request_body(content = String, content_type = "text/csv", description = "The file (UTF-8, at most 32 MiB, 100 000 rows)."),
    responses(
        (status = 200, description = "What the file would give.", body = ImportReport),
        (status = 400, description = "Malformed `Idempotency-Key`, or the body cannot be read.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 32 MiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read (not UTF-8, an unknown or missing column, no rows, more than 100 000), or the key was used for another request.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports/dry-run")]
pub async fn check_import(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut upload = Upload::read(&req, payload).await;
    let db = state.db.clone();
    let op = Op::new(Action::ImportRecords, "import.dry_run", "import");
    let replayable = blocking(move || {
        case_work::office_step(&db, &mut caller, op, |work| {
            let Opened {
                sha256,
                mut file,
                key,
            } = match upload.open(work)? {
                Ok(opened) => opened,
                Err(stored) => return Ok(stored),
            };
            let earlier = imports::find_by_sha256(work.conn(), &sha256)?;
            judge_against_office(work.conn(), &mut file.lines)?;
            let report = report_of(&file, sha256, earlier.map(|i| i.id.0));
            work.detail("sha256", &report.sha256)
                .detail("rows", report.rows)
                .detail("refused", report.refused)
                .shows(
                    report
                        .refused_lines
                        .iter()
                        .flat_map(|l| l.candidates.iter().copied()),
                );
            let response = Replayable {
                status: StatusCode::OK,
                body: serde_json::to_value(&report)
                    .map_err(|e| ApiError::Internal(format!("an import report: {e}")))?,
                location: None,
                etag: None,
                replayed: false,
            };
            if let Some((key, fingerprint)) = key {
                let (actor, now) = (work.actor(), work.now());
                idempotency::remember(work.conn(), actor, &key, &fingerprint, now, &response)?;
            }
            Ok(response)
        })
    })
    .await?;
    Ok(replayable.into_response())
}

fn report_of(file: &ImportFile, sha256: String, import_id: Option<Uuid>) -> ImportReport {
    let mut refused_lines = Vec::new();
    let mut warned_lines = Vec::new();
    let (mut households, mut case_files) = (0, 0);
    for line in &file.lines {
        match &line.verdict {
            Verdict::Valid(row) => {
                let warnings: Vec<ImportProblem> = row
                    .person
                    .tax_code_warnings()
                    .iter()
                    .map(|w| ImportProblem {
                        column: Some(w.field().to_owned()),
                        // Not the warning's own message, which repeats the encoded value: the
                        // report names no value of the file.
                        reason: format!(
                            "the tax code encodes another {}",
                            w.field().replace('_', " ")
                        ),
                    })
                    .collect();
                if !warnings.is_empty() {
                    warned_lines.push(WarnedLine {
                        line: line_number(line),
                        warnings,
                    });
                }
                households += row.household.as_ref().is_some_and(|h| {
                    h.relationship == socialcare_domain::household::Relationship::ReferencePerson
                }) as usize;
                case_files += row.case_file.is_some() as usize;
            }
            Verdict::Refused {
                problems,
                candidates,
            } => refused_lines.push(RefusedLine {
                line: line_number(line),
                problems: problems_of(problems),
                candidates: candidates.clone(),
            }),
        }
    }
    ImportReport {
        sha256,
        delimiter: file.delimiter.to_string(),
        rows: count(file.lines.len()),
        valid: count(file.lines.len() - refused_lines.len()),
        refused: count(refused_lines.len()),
        households: count(households),
        case_files: count(case_files),
        batches: count(batches(&file.lines).len()),
        import_id,
        refused_lines,
        warned_lines,
    }
}

/// Where an import stands when a request takes it up.
enum Start {
    /// Already answered (an `Idempotency-Key` replay, or the file's import is completed).
    Done(Replayable),
    /// To run from batch `next`, holding the claim `token`.
    Run {
        import: ImportRow,
        token: Uuid,
        created: bool,
        file: Box<ImportFile>,
        key: Option<(String, String)>,
    },
}

/// Import persons, households and open case files
///
/// Imports the rows of the file that pass every check of the dry run (`POST
/// /imports/dry-run`), in batches of at least 500 rows: each batch is one transaction that
/// registers its persons (with their household and open case file), records what became of
/// each of its lines, and appends one audit record linking the persons it registered; a row
/// refused writes nothing. The import is known by the SHA-256 of its file: the same file sent
/// again answers the same import (200) without importing anything twice, and an import
/// interrupted between two batches (a crash, a lost connection) goes on from its next batch.
/// While another request works on the same file, 409. The answer is the import; `GET
/// /imports/{import_id}/lines` says what became of each line.
#[utoipa::path(
    tag = "imports",
    operation_id = "create_import",
    params(crate::idempotency::IdempotencyKeyHeader),
    request_body(content = String, content_type = "text/csv", description = "The file (UTF-8, at most 32 MiB, 100 000 rows)."),
    responses(
        (status = 201, description = "Imported: the import, completed.", body = Import,
            headers(("Location" = String, description = "The import."))),
        (status = 200, description = "This file was imported before (the import), or its interrupted import was completed now.", body = Import,
            headers(("Location" = String, description = "The import."))),
        (status = 400, description = "Malformed `Idempotency-Key`, or the body cannot be read.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another request is importing this file now.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 32 MiB.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read (not UTF-8, an unknown or missing column, no rows, more than 100 000), or the key was used for another request.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    mut caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut upload = Upload::read(&req, payload).await;
    let db = state.db.clone();
    let replayable = blocking(move || {
        let start = case_work::office_step(
            &db,
            &mut caller,
            Op::new(Action::ImportRecords, "import.create", "import"),
            |work| start(work, &mut upload),
        )?;
        match start {
            Start::Done(answer) => Ok(answer),
            Start::Run {
                import,
                token,
                created,
                file,
                key,
            } => {
                let outcome = run_batches(&db, &mut caller, &import, token, &file, created, key);
                if outcome.is_err() {
                    // Let the same file, sent again, go on at once rather than after the claim.
                    if let Err(e) = db.write(|c| imports::release(c, import.id.0, token)) {
                        tracing::warn!(import = %import.id.0, "an import's claim was not given up: {e}");
                    }
                }
                outcome
            }
        }
    })
    .await?;
    Ok(replayable.into_response())
}

fn answer_of(row: &ImportRow, status: StatusCode) -> Result<Replayable, ApiError> {
    Ok(Replayable {
        status,
        body: serde_json::to_value(Import::of(row))
            .map_err(|e| ApiError::Internal(format!("an import: {e}")))?,
        location: Some(format!("/api/v1/imports/{}", row.id.0)),
        etag: None,
        replayed: false,
    })
}

/// The first transaction: the file judged, then the import found, claimed or recorded.
fn start(work: &mut Work<'_>, upload: &mut Upload) -> Result<Start, ApiError> {
    let Opened { sha256, file, key } = match upload.open(work)? {
        Ok(opened) => opened,
        Err(stored) => return Ok(Start::Done(stored)),
    };
    let (actor, now) = (work.actor(), work.now());
    let token = Uuid::now_v7();
    let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
    work.detail("sha256", &sha256);
    match imports::find_by_sha256(work.conn(), &sha256)? {
        Some(done) if done.status == "completed" => {
            work.resource(done.id.0)
                .detail("outcome", "already_imported");
            Ok(Start::Done(answer_of(&done, StatusCode::OK)?))
        }
        Some(running) => {
            if !imports::claim(work.conn(), running.id.0, token, until, now)? {
                return Err(ApiError::Conflict(
                    "another request is importing this file now: send it again when it has \
                     finished (GET /imports lists the imports)"
                        .into(),
                ));
            }
            work.resource(running.id.0).detail("outcome", "resumed");
            Ok(Start::Run {
                import: running,
                token,
                created: false,
                file: Box::new(file),
                key,
            })
        }
        None => {
            let new = NewImport {
                sha256,
                delimiter: file.delimiter,
                rows_total: count(file.lines.len()),
                batches: count(batches(&file.lines).len()),
            };
            let import = imports::insert(work.conn(), &new, token, until, actor, now).map_err(
                |e| match e {
                    socialcare_persistence::StoreError::Conflict(_) => ApiError::Conflict(
                        "another request is importing this file now: send it again when it \
                         has finished"
                            .into(),
                    ),
                    other => other.into(),
                },
            )?;
            work.resource(import.id.0)
                .detail("outcome", "started")
                .detail("rows", import.rows_total)
                .detail("batches", import.batches);
            Ok(Start::Run {
                import,
                token,
                created: true,
                file: Box::new(file),
                key,
            })
        }
    }
}

/// The batches from the import's next one, each its own transaction; the last completes the
/// import and stores the answer of the `Idempotency-Key`.
fn run_batches(
    db: &Database,
    caller: &mut Caller,
    import: &ImportRow,
    token: Uuid,
    file: &ImportFile,
    created: bool,
    key: Option<(String, String)>,
) -> Result<Replayable, ApiError> {
    let all = batches(&file.lines);
    let first = usize::try_from(import.next_batch).unwrap_or(usize::MAX);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let op = Op::new(Action::ImportRecords, "import.batch", "import");
    let mut answer = None;
    for (index, members) in all.iter().enumerate().skip(first) {
        let last = index + 1 == all.len();
        let key = key.clone();
        answer = case_work::office_step(db, caller, op, |work| {
            let mut lines: Vec<Line> = members.iter().map(|i| file.lines[*i].clone()).collect();
            let staff = judge_against_office(work.conn(), &mut lines)?;
            let (counts, persons) = write_batch(work, import.id.0, &lines, &staff)?;
            let (actor, now) = (work.actor(), work.now());
            let until = now + chrono::Duration::seconds(CLAIM_SECONDS);
            let batch = i32::try_from(index).unwrap_or(i32::MAX);
            if !imports::advance(work.conn(), import.id.0, token, batch, counts, until)? {
                return Err(ApiError::Conflict(
                    "another request took this import over: GET the import to see where it \
                     stands"
                        .into(),
                ));
            }
            work.resource(import.id.0)
                .detail("batch", batch)
                .detail("imported", counts.imported)
                .detail("refused", counts.refused)
                .shows(persons);
            if !last {
                return Ok(None);
            }
            if !imports::complete(work.conn(), import.id.0, token, now)? {
                return Err(ApiError::Internal(
                    "an import's last batch did not complete it".into(),
                ));
            }
            let row = imports::find(work.conn(), import.id.0)?
                .ok_or_else(|| ApiError::Internal("an import vanished".into()))?;
            work.event("import.complete").detail("rows", row.rows_total);
            let response = answer_of(&row, status)?;
            if let Some((key, fingerprint)) = key {
                idempotency::remember(work.conn(), actor, &key, &fingerprint, now, &response)?;
            }
            Ok(Some(response))
        })?;
    }
    answer.ok_or_else(|| ApiError::Internal("an import ran no batch".into()))
}

/// Writes one batch's valid lines and the outcome of every line; its counts and the persons it
/// registered.
fn write_batch(
    work: &mut Work<'_>,
    import_id: Uuid,
    lines: &[Line],
    staff: &std::collections::HashMap<String, Uuid>,
) -> Result<(BatchCounts, Vec<Uuid>), ApiError> {
    let mut writes = BatchWrites::default();
    let mut counts = BatchCounts::default();
    let mut household_of: std::collections::HashMap<&str, Uuid> = Default::default();
    // Reference persons first, so that every member finds its household.
    let mut order: Vec<&Line> = lines.iter().collect();
    order.sort_by_key(|l| {
        let member = l
            .verdict
            .row()
            .and_then(|r| r.household.as_ref())
            .is_some_and(|h| {
                h.relationship != socialcare_domain::household::Relationship::ReferencePerson
            });
        (member, l.number)
    });
    for line in order {
        match &line.verdict {
            Verdict::Refused {
                problems,
                candidates,
            } => {
                counts.refused += 1;
                let stored = StoredRefusal {
                    problems: problems_of(problems),
                    candidates: candidates.clone(),
                };
                writes.lines.push(LineRow {
                    import_id: DbUuid(import_id),
                    line: line_number(line),
                    outcome: "refused".into(),
                    person_id: None,
                    household_id: None,
                    case_file_id: None,
                    problems: Some(serde_json::to_string(&stored).map_err(|e| {
                        ApiError::Internal(format!("an import line's problems: {e}"))
                    })?),
                });
            }
            Verdict::Valid(row) => {
                counts.imported += 1;
                let person_id = Uuid::now_v7();
                writes.persons.push(NewPerson {
                    id: person_id,
                    details: &row.person,
                });
                let household_id = match &row.household {
                    None => None,
                    Some(h) => {
                        let id = match household_of.get(h.key.as_str()) {
                            Some(id) => *id,
                            None => {
                                let id = Uuid::now_v7();
                                household_of.insert(&h.key, id);
                                writes.households.push(id);
                                counts.households += 1;
                                id
                            }
                        };
                        writes.members.push(NewMember {
                            household_id: id,
                            person_id,
                            relationship: h.relationship,
                            joined_on: h.joined_on,
                        });
                        Some(id)
                    }
                };
                let case_file_id = match &row.case_file {
                    None => None,
                    Some(c) => {
                        let manager =
                            staff.get(c.case_manager.as_str()).copied().ok_or_else(|| {
                                ApiError::Internal("a judged case manager has no id".into())
                            })?;
                        let id = Uuid::now_v7();
                        writes.case_files.push((
                            id,
                            NewCaseFile {
                                person_id,
                                area: c.area,
                                case_manager_id: manager,
                                opened_on: c.opened_on,
                                target_groups: c.target_groups.clone(),
                                confirmed: true,
                            },
                        ));
                        counts.case_files += 1;
                        Some(id)
                    }
                };
                writes.lines.push(LineRow {
                    import_id: DbUuid(import_id),
                    line: line_number(line),
                    outcome: "imported".into(),
                    person_id: Some(DbUuid(person_id)),
                    household_id: household_id.map(DbUuid),
                    case_file_id: case_file_id.map(DbUuid),
                    problems: None,
                });
            }
        }
    }
    writes.lines.sort_by_key(|l| l.line);
    let persons: Vec<Uuid> = writes.persons.iter().map(|p| p.id).collect();
    let (actor, now) = (work.actor(), work.now());
    imports::write_batch(work.conn(), &writes, actor, now)?;
    Ok((counts, persons))
}

/// List the imports
///
/// Every import, newest first: its file's SHA-256, progress and counts, who and when.
#[utoipa::path(
    tag = "imports",
    operation_id = "list_imports",
    params(crate::cursor::PageQuery),
    responses(
        (status = 200, description = "One page of imports.", body = ImportPage),
        (status = 400, description = "Invalid cursor or limit.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the office manager.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports")]
pub async fn list_imports(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ImportRecords, "import.list", "import");
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
                .map(|raw| crate::cursor::decode_created(raw, "import"))
                .transpose()?;
            let mut rows = imports::list(work.conn(), before, i64::from(limit) + 1)?;
            let next = crate::cursor::cut(
                &mut rows,
                limit as usize,
                "/api/v1/imports",
                &query,
                |last| crate::cursor::encode_created("import", last.created_at.0, last.id.0),
            );
            work.detail("returned", rows.len());
            Ok(ImportPage {
                items: rows.iter().map(Import::of).collect(),
                next,
            })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn found(conn: &mut AnyConnection, id: Uuid) -> Result<ImportRow, ApiError> {
    imports::find(conn, id)?.ok_or_else(|| ApiError::NotFound("no import with this id".into()))
}

/// Read an import
///
/// One import: its file's SHA-256, progress and counts, who and when.
#[utoipa::path(
    tag = "imports",
    operation_id = "get_import",
    params(("import_id" = Uuid, Path, description = "Import identifier.")),
    responses(
        (status = 200, description = "The import.", body = Import),
        (status = 400, description = "The id is not a UUID.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such import.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{import_id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<ImportId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ImportRecords, "import.read", "import");
    let import = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, _: case_work::NoQuery| {
            let row = found(work.conn(), id.0.uuid())?;
            work.resource(row.id.0);
            Ok(Import::of(&row))
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(import))
}

/// What became of each line of an import
///
/// The lines of the import's file in order, each with the person, household and case file it
/// made, or why it was refused (with the registered persons it may be). Only the lines of the
/// batches committed so far. Audited with every person the page names.
#[utoipa::path(
    tag = "imports",
    operation_id = "list_import_lines",
    params(("import_id" = Uuid, Path, description = "Import identifier."), ImportLineQuery),
    responses(
        (status = 200, description = "One page of lines.", body = ImportLinePage),
        (status = 400, description = "The id is not a UUID, or an invalid outcome, cursor or limit.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the office manager.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such import.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{import_id}/lines")]
pub async fn list_import_lines(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<ImportId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ImportRecords, "import.lines", "import");
    let query = req.query_string().to_owned();
    let page = case_work::list(&state, caller, &req, op, move |work, q: ImportLineQuery| {
        let import = found(work.conn(), id.0.uuid())?;
        let limit = q.limit.unwrap_or(100);
        let after = q
            .cursor
            .as_deref()
            .map(|raw| {
                let bad =
                    || ApiError::bad_parameter("cursor", "is not a cursor returned by this API");
                crate::cursor::decode(raw)?
                    .strip_prefix("line|")
                    .and_then(|n| n.parse::<i32>().ok())
                    .ok_or_else(bad)
            })
            .transpose()?
            .unwrap_or(0);
        let outcome = q.outcome.map(|o| match o {
            ImportLineOutcome::Imported => "imported",
            ImportLineOutcome::Refused => "refused",
        });
        let mut rows = imports::lines(
            work.conn(),
            import.id.0,
            outcome,
            after,
            i64::from(limit) + 1,
        )?;
        let base = format!("/api/v1/imports/{}/lines", import.id.0);
        let next = crate::cursor::cut(&mut rows, limit as usize, &base, &query, |last| {
            format!("line|{}", last.line)
        });
        let items: Vec<ImportLine> = rows.iter().map(line_of).collect::<Result<_, _>>()?;
        work.resource(import.id.0)
            .detail("returned", items.len())
            .shows(items.iter().filter_map(|l| l.person_id))
            .shows(items.iter().flat_map(|l| l.candidates.iter().copied()));
        Ok(ImportLinePage { items, next })
    })
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn line_of(row: &LineRow) -> Result<ImportLine, ApiError> {
    let refusal: StoredRefusal = match &row.problems {
        Some(text) => serde_json::from_str(text)
            .map_err(|e| ApiError::Internal(format!("an import line's problems: {e}")))?,
        None => StoredRefusal {
            problems: Vec::new(),
            candidates: Vec::new(),
        },
    };
    Ok(ImportLine {
        line: row.line,
        outcome: if row.outcome == "imported" {
            ImportLineOutcome::Imported
        } else {
            ImportLineOutcome::Refused
        },
        person_id: row.person_id.map(|id| id.0),
        household_id: row.household_id.map(|id| id.0),
        case_file_id: row.case_file_id.map(|id| id.0),
        problems: refusal.problems,
        candidates: refusal.candidates,
    })
}
