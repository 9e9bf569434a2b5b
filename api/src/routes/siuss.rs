//! `/siuss-exports`: the export of the benefits granted to the national register of social
//! benefits (INPS SIUSS). A preview checks every benefit of a period and says which cannot be
//! sent and why; an export makes the file of those that can, records it (who, when, period,
//! counts, SHA-256, the file itself) and gives it again byte for byte. For the office manager
//! and the administrative staff; every preview, export and download is audited with the
//! persons it names. See docs/siuss.md.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use socialcare_domain::access::Action;
use socialcare_domain::ids::SiussExportId;
use socialcare_domain::siuss::{Record, file, in_period, record_of};
use socialcare_domain::statistics::Period;
use socialcare_persistence::AnyConnection;
use socialcare_persistence::siuss::{self, ExportRow};
use socialcare_persistence::sql_types::{DbInstant, DbUuid};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Op};
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::state::AppState;

/// The media type of the file.
const CSV: &str = "text/csv; charset=utf-8; header=present";

/// The period of an export.
#[derive(Debug, Deserialize, Validate, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct SiussPeriod {
    /// A year (`2026`), a quarter (`2026-Q3`) or a month (`2026-11`), between 2000 and 2100:
    /// the benefits running on at least one of its days.
    #[param(
        pattern = r"^(20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
        max_length = 7,
        example = "2026-Q3"
    )]
    #[schema(
        pattern = r"^(20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
        max_length = 7,
        example = "2026-Q3"
    )]
    pub period: String,
}

/// Why one benefit cannot be sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefusedBenefit {
    /// The benefit.
    pub benefit_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// Every reason, with the field of the record it concerns.
    pub reasons: Vec<RefusalReason>,
}

/// One reason a benefit cannot be sent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RefusalReason {
    /// The field of the record (`codice_fiscale`, `codice_prestazione`, `importo`,
    /// `periodicita`, `isee`, `protocollo_dsu`, `data_fine`).
    #[schema(example = "codice_fiscale")]
    pub field: String,
    /// Why, in words.
    #[schema(example = "the person has no tax code: the register knows beneficiaries by it")]
    pub reason: String,
}

/// What a period's benefits would give: the records that can be sent and the benefits that
/// cannot, with the reasons.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiussPreview {
    /// The period as asked.
    #[schema(example = "2026-Q3")]
    pub period: String,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub until: NaiveDate,
    /// How many records the file would hold.
    #[schema(format = Int32, example = 120)]
    pub records: i32,
    /// The benefits of the period that cannot be sent, in the order of their ids.
    pub refused: Vec<RefusedBenefit>,
}

/// A recorded export.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiussExport {
    /// Its id.
    pub id: Uuid,
    /// The period as asked.
    #[schema(example = "2026-Q3")]
    pub period: String,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub until: NaiveDate,
    /// The granting body's code written in every record (`SOCIALCARE_SIUSS_BODY_CODE`).
    #[schema(example = "C123")]
    pub body_code: String,
    /// How many records the file holds.
    #[schema(format = Int32, example = 120)]
    pub records: i32,
    /// The SHA-256 of the file, in lower-case hex.
    #[schema(example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")]
    pub sha256: String,
    /// The benefits of the period that could not be sent, with the reasons.
    pub refused: Vec<RefusedBenefit>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: Uuid,
    /// Where the file is: `GET` it for the same bytes every time.
    #[schema(example = "/api/v1/siuss-exports/01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f/file")]
    pub file: String,
}

impl SiussExport {
    fn of(row: &ExportRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: row.id.0,
            period: row.period.clone(),
            from: row.from_on,
            until: row.until_on,
            body_code: row.body_code.clone(),
            records: row.records,
            sha256: row.sha256.clone(),
            refused: serde_json::from_str(&row.refusals)
                .map_err(|e| ApiError::Internal(format!("an export's refusals: {e}")))?,
            created_at: row.created_at.0,
            created_by: row.created_by.0,
            file: format!("/api/v1/siuss-exports/{}/file", row.id.0),
        })
    }
}

/// Exports, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SiussExportPage {
    /// The exports.
    pub items: Vec<SiussExport>,
    /// The next page, when there is one.
    pub next: Option<String>,
}

/// The period's days, or 400/422 naming the parameter or member.
fn period_of(text: &str, as_body: bool) -> Result<Period, ApiError> {
    text.parse::<Period>().map_err(|detail| {
        if as_body {
            ApiError::Validation(vec![crate::error::InvalidParam::pointer("/period", detail)])
        } else {
            ApiError::bad_parameter("period", detail)
        }
    })
}

/// The records and refusals of a period's benefits.
fn judge(
    conn: &mut AnyConnection,
    period: Period,
) -> Result<(Vec<Record>, Vec<RefusedBenefit>), ApiError> {
    let (from, until) = (period.first_day(), period.last_day());
    let facts = siuss::benefit_facts(conn, from, until)?;
    let mut records = Vec::new();
    let mut refused = Vec::new();
    for f in facts.iter().filter(|f| in_period(f, from, until)) {
        match record_of(f) {
            Ok(record) => records.push(record),
            Err(reasons) => refused.push(RefusedBenefit {
                benefit_id: f.benefit.id,
                person_id: f.benefit.person_id,
                reasons: reasons
                    .into_iter()
                    .map(|r| RefusalReason {
                        field: r.field.into(),
                        reason: r.reason,
                    })
                    .collect(),
            }),
        }
    }
    Ok((records, refused))
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn body_code(state: &AppState) -> Result<String, ApiError> {
    state.siuss_body_code.clone().ok_or_else(|| {
        ApiError::Conflict(
            "the granting body's code is not configured (SOCIALCARE_SIUSS_BODY_CODE): no file \
             can be made"
                .into(),
        )
    })
}

/// Check a period's benefits for the national register
///
/// Every benefit running on at least one day of the period, checked as the register will: how
/// many records the file would hold, and which benefits cannot be sent and why (no or invalid
/// tax code, a code of an earlier catalogue, money without amount or frequency, an
/// ISEE-dependent benefit without ISEE or DSU protocol…). Nothing is recorded but the audit
/// record, with the persons of the refused benefits.
#[utoipa::path(
    tag = "benefits",
    operation_id = "preview_siuss_export",
    params(SiussPeriod),
    responses(
        (status = 200, description = "The check of the period's benefits.", body = SiussPreview),
        (status = 400, description = "Invalid period.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/siuss-exports/preview")]
pub async fn preview_siuss_export(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ExportBenefits, "siuss.preview", "siuss_export");
    let preview = case_work::list(&state, caller, &req, op, move |work, q: SiussPeriod| {
        let period = period_of(&q.period, false)?;
        let (records, refused) = judge(work.conn(), period)?;
        work.detail("period", period.to_string())
            .detail("records", records.len())
            .detail("refused", refused.len())
            .shows(refused.iter().map(|r| r.person_id));
        Ok(SiussPreview {
            period: period.to_string(),
            from: period.first_day(),
            until: period.last_day(),
            records: count(records.len()),
            refused,
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(preview))
}

/// Export a period's benefits to the national register
///
/// Makes the file of every benefit of the period that can be sent (CSV, `;`, UTF-8, the
/// layout of docs/siuss.md; in the order of the benefits' ids, so that the same benefits give
/// the same bytes), records it with who made it, when, the counts and its SHA-256, and answers
/// the export with the benefits that could not be sent and why. The file is then `GET
/// /siuss-exports/{export_id}/file`. Audited with every person of the file.
#[utoipa::path(
    tag = "benefits",
    operation_id = "create_siuss_export",
    request_body = SiussPeriod,
    params(crate::idempotency::IdempotencyKeyHeader),
    responses(
        (status = 201, description = "The export, recorded.", body = SiussExport,
            headers(("Location" = String, description = "The export."))),
        (status = 400, description = "Malformed JSON or `Idempotency-Key`.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The granting body's code is not configured.", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/siuss-exports")]
pub async fn create_siuss_export(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: Body<SiussPeriod>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ExportBenefits, "siuss.export", "siuss_export");
    let code = body_code(&state);
    case_work::create(&state, caller, &req, op, body, move |work, q, _| {
        let period = period_of(&q.period, true)?;
        let code = code?;
        let (records, refused) = judge(work.conn(), period)?;
        let content = file(&code, &records);
        let sha256 = hex::encode(Sha256::digest(content.as_bytes()));
        let id = Uuid::now_v7();
        let row = ExportRow {
            id: DbUuid(id),
            period: period.to_string(),
            from_on: period.first_day(),
            until_on: period.last_day(),
            body_code: code,
            records: count(records.len()),
            refused: count(refused.len()),
            sha256,
            content,
            refusals: serde_json::to_string(&refused)
                .map_err(|e| ApiError::Internal(format!("an export's refusals: {e}")))?,
            created_at: DbInstant(work.now()),
            created_by: DbUuid(work.actor()),
        };
        let persons: Vec<Uuid> = records.iter().map(|r| r.person_id).collect();
        siuss::insert_export(work.conn(), &row, &persons)?;
        work.resource(id)
            .detail("period", &row.period)
            .detail("records", row.records)
            .detail("refused", row.refused)
            .detail("sha256", &row.sha256)
            .shows(persons)
            .shows(refused.iter().map(|r| r.person_id));
        Ok(Answer::created(
            &SiussExport::of(&row)?,
            format!("/api/v1/siuss-exports/{id}"),
            None,
        ))
    })
    .await
}

/// List the exports to the national register
///
/// Every export made, newest first: period, counts, SHA-256, who and when.
#[utoipa::path(
    tag = "benefits",
    operation_id = "list_siuss_exports",
    params(crate::cursor::PageQuery),
    responses(
        (status = 200, description = "One page of exports.", body = SiussExportPage),
        (status = 400, description = "Invalid cursor or limit.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/siuss-exports")]
pub async fn list_siuss_exports(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ExportBenefits, "siuss.list", "siuss_export");
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
                .map(|raw| crate::cursor::decode_created(raw, "siuss"))
                .transpose()?;
            let mut rows = siuss::list_exports(work.conn(), before, i64::from(limit) + 1)?;
            let next = crate::cursor::cut(
                &mut rows,
                limit as usize,
                "/api/v1/siuss-exports",
                &query,
                |last| crate::cursor::encode_created("siuss", last.created_at.0, last.id.0),
            );
            let items: Vec<SiussExport> =
                rows.iter().map(SiussExport::of).collect::<Result<_, _>>()?;
            // The refusals name persons: the record links every person the page shows.
            work.detail("returned", items.len()).shows(
                items
                    .iter()
                    .flat_map(|e| e.refused.iter().map(|r| r.person_id)),
            );
            Ok(SiussExportPage { items, next })
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Read an export to the national register
///
/// One export: period, counts, SHA-256, who and when, the benefits that could not be sent.
/// Audited with the persons of the refused benefits.
#[utoipa::path(
    tag = "benefits",
    operation_id = "get_siuss_export",
    params(("export_id" = Uuid, Path, description = "Export identifier.")),
    responses(
        (status = 200, description = "The export.", body = SiussExport),
        (status = 400, description = "The id is not a UUID.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such export.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/siuss-exports/{export_id}")]
pub async fn get_siuss_export(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<SiussExportId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ExportBenefits, "siuss.read", "siuss_export");
    let export = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, _: case_work::NoQuery| {
            let row = found(work.conn(), id.0.uuid())?;
            let export = SiussExport::of(&row)?;
            work.resource(row.id.0)
                .shows(export.refused.iter().map(|r| r.person_id));
            Ok(export)
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(export))
}

fn found(conn: &mut AnyConnection, id: Uuid) -> Result<ExportRow, ApiError> {
    siuss::find_export(conn, id)?.ok_or_else(|| ApiError::NotFound("no export with this id".into()))
}

/// Download the file of an export
///
/// The file exactly as it was made (the same bytes at every download; its SHA-256 is the
/// export's `sha256`): CSV, `;`, UTF-8, CRLF, a header line. Audited with every person it
/// names.
#[utoipa::path(
    tag = "benefits",
    operation_id = "get_siuss_export_file",
    params(("export_id" = Uuid, Path, description = "Export identifier.")),
    responses(
        (status = 200, description = "The file.", content_type = "text/csv",
            body = String, example = "codice_ente;id_prestazione;codice_fiscale;catalogo;codice_prestazione;denominazione;tipo;forma;importo;periodicita;data_inizio;data_fine;isee;protocollo_dsu;numero_determina;data_determina\r\n"),
        (status = 400, description = "The id is not a UUID.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the office manager nor administrative staff.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such export.", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "The retention procedure erased the file (its record stays).", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/siuss-exports/{export_id}/file")]
pub async fn get_siuss_export_file(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<SiussExportId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ExportBenefits, "siuss.download", "siuss_export");
    let (period, content) = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, _: case_work::NoQuery| {
            let row = found(work.conn(), id.0.uuid())?;
            let persons = siuss::export_persons(work.conn(), row.id.0)?;
            work.resource(row.id.0)
                .detail("sha256", &row.sha256)
                .shows(persons);
            if row.content == socialcare_domain::personal_data::ERASED {
                return Err(ApiError::Gone(
                    "the retention procedure erased this file; its record stays".into(),
                ));
            }
            Ok((row.period, row.content))
        },
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, CSV))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"siuss-{period}.csv\""),
        ))
        .body(content))
}
