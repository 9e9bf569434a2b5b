//! `GET /indicators/definitions`, `GET /indicators/{indicator}`: the pseudonymised indicators
//! for the Provincia, per period and area, with the small cells suppressed
//! (`socialcare_domain::statistics`). Read by the office manager and the area coordinators, and
//! by partners' machine clients with the `statistics` scope; every read is audited.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use socialcare_domain::Area;
use socialcare_domain::access::Action;
use socialcare_domain::labels::code_list;
use socialcare_domain::statistics::{Indicator, Period, Table, protect};
use socialcare_persistence::AnyConnection;
use socialcare_persistence::statistics::tally;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::Caller;
use crate::auth::caller::bearer_token;
use crate::case_work::{self, Op};
use crate::error::{ApiError, Problem};
use crate::partner_work::{self, Partner};
use crate::routes::codes::IndicatorCode;
use crate::routes::users::AreaCode;
use crate::state::AppState;

/// The media type of the CSV answer.
const CSV: &str = "text/csv; charset=utf-8; header=present";

/// Who reads an indicator: a staff member, or a partner's machine client (a token with a
/// scope). Each goes through its own gate.
pub enum Reader {
    /// A staff member.
    Staff(Caller),
    /// A partner's machine client.
    Client(Partner),
}

impl FromRequest for Reader {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Only a valid client token goes to the partner's gate; anything else (no token, an
        // invalid one, a staff token) to the staff gate, which answers as it does everywhere.
        let client = req.app_data::<web::Data<AppState>>().is_some_and(|state| {
            bearer_token(req)
                .ok()
                .and_then(|token| state.jwt.validate(&token).ok())
                .is_some_and(|claims| claims.scope.is_some())
        });
        if client {
            let partner = Partner::from_request(req, payload);
            Box::pin(async move { partner.await.map(Reader::Client) })
        } else {
            let caller = Caller::from_request(req, payload);
            Box::pin(async move { caller.await.map(Reader::Staff) })
        }
    }
}

/// The published definition of an indicator.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDefinition {
    /// The indicator.
    pub indicator: IndicatorCode,
    /// Its Italian title.
    #[schema(example = "Persone in carico")]
    pub title_it: String,
    /// Its English title.
    #[schema(example = "Persons in charge")]
    pub title_en: String,
    /// What one unit of a cell is (`person`, `case_file`, `night`, `pact`,
    /// `employment_placement`, `application`, `admission`, `benefit`).
    #[schema(example = "person")]
    pub unit: String,
    /// What is counted, on which date, in which statuses.
    pub counts: String,
    /// The code list of the rows (labels in `GET /codes/{code_list}` where it is one;
    /// `benefit_area` are the areas of the benefits' nomenclator).
    #[schema(example = "target_group")]
    pub rows: String,
    /// The codes of the rows, in order (`not_recorded`: the dimension is not recorded;
    /// `other`: a benefit code the current nomenclator lacks).
    pub row_codes: Vec<String>,
    /// Whether one unit may be counted in several rows (a column's total is then less than the
    /// sum of its cells).
    pub rows_overlap: bool,
    /// Whether one unit may be counted in several areas (a row's total is then less than the
    /// sum of its cells).
    pub columns_overlap: bool,
}

impl IndicatorDefinition {
    fn of(indicator: Indicator) -> Self {
        let d = indicator.definition();
        let label = code_list("indicator").and_then(|l| l.label(indicator.as_str()));
        Self {
            indicator: indicator.into(),
            title_it: label.map_or_else(String::new, |l| l.it.to_owned()),
            title_en: label.map_or_else(String::new, |l| l.en.to_owned()),
            unit: d.unit.into(),
            counts: d.counts.into(),
            rows: d.rows.into(),
            row_codes: indicator
                .row_codes()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            rows_overlap: d.rows_overlap,
            columns_overlap: d.columns_overlap,
        }
    }
}

/// Every indicator's definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorDefinitions {
    /// The threshold: a count of more than none and fewer than this is suppressed, with the
    /// values that would give it away.
    #[schema(example = 5, format = Int64)]
    pub threshold: i64,
    /// The columns of every table: the office's areas, in order.
    pub columns: Vec<AreaCode>,
    /// The definitions, one per indicator.
    pub items: Vec<IndicatorDefinition>,
}

/// What the indicators count
///
/// The published definition of every indicator (what is counted, on which date, in which
/// statuses; the rows and whether a unit may count in several of them), the areas that are
/// the columns of every table, and the threshold of suppression. Public: it holds no data.
#[utoipa::path(
    tag = "statistics",
    operation_id = "list_indicator_definitions",
    security(()),
    responses(
        (status = 200, description = "Every indicator's definition.", body = IndicatorDefinitions),
    )
)]
#[get("/indicators/definitions")]
pub async fn list_indicator_definitions(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(IndicatorDefinitions {
        threshold: i64::try_from(state.statistics_threshold).unwrap_or(i64::MAX),
        columns: Area::ALL.iter().map(|a| AreaCode::from(*a)).collect(),
        items: Indicator::ALL
            .iter()
            .map(|i| IndicatorDefinition::of(*i))
            .collect(),
    })
}

/// Which period to count.
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// A year (`2026`), a quarter (`2026-Q3`) or a month (`2026-11`), between 2000 and 2100;
    /// default: the current year.
    #[param(
        pattern = r"^(20[0-9]{2}|2100)(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
        max_length = 7,
        example = "2026-Q3"
    )]
    pub period: Option<String>,
}

/// One row of an indicator's table.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorRow {
    /// The row's code (see the definition's `row_codes`).
    #[schema(example = "homeless")]
    pub code: String,
    /// One value per area, in the order of `columns`; `null` when suppressed.
    #[schema(value_type = Vec<Option<i64>>)]
    pub cells: Vec<Option<i64>>,
    /// The row's total over the areas; `null` when suppressed.
    #[schema(format = Int64, example = 42)]
    pub total: Option<i64>,
}

/// An indicator's table for a period: pseudonymised counts per row and area, with their true
/// totals; a suppressed value is `null`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IndicatorTable {
    /// The indicator.
    pub indicator: IndicatorCode,
    /// Its Italian title.
    #[schema(example = "Persone in carico")]
    pub title_it: String,
    /// Its English title.
    #[schema(example = "Persons in charge")]
    pub title_en: String,
    /// The period as asked (`2026`, `2026-Q3`, `2026-11`).
    #[schema(example = "2026-Q3")]
    pub period: String,
    /// Its first day.
    #[schema(example = "2026-07-01")]
    pub from: NaiveDate,
    /// Its last day.
    #[schema(example = "2026-09-30")]
    pub until: NaiveDate,
    /// Whether the period has ended: the counts of a running period still grow.
    pub complete: bool,
    /// What one unit of a cell is.
    #[schema(example = "person")]
    pub unit: String,
    /// The code list of the rows.
    #[schema(example = "target_group")]
    pub rows_code_list: String,
    /// The areas, one per column.
    pub columns: Vec<AreaCode>,
    /// One row per code of the rows' list, in order.
    pub rows: Vec<IndicatorRow>,
    /// The total of each area; `null` when suppressed.
    #[schema(value_type = Vec<Option<i64>>)]
    pub column_totals: Vec<Option<i64>>,
    /// The table's total; `null` when suppressed.
    #[schema(format = Int64, example = 1234)]
    pub total: Option<i64>,
    /// The threshold applied.
    #[schema(format = Int64, example = 5)]
    pub threshold: i64,
    /// How many values are suppressed (below the threshold, or suppressed so that those cannot
    /// be recomputed from their row's or column's total).
    #[schema(format = Int32, example = 3)]
    pub suppressed: i32,
    /// When it was counted.
    pub computed_at: DateTime<Utc>,
}

fn signed(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

/// The format the caller accepts: JSON (the default), CSV, or none of those (406).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

/// The format `Accept` prefers (JSON without one); `None` when it allows neither.
fn negotiate(req: &HttpRequest) -> Option<Format> {
    crate::extract::prefers_text(req, "csv").map(|csv| if csv { Format::Csv } else { Format::Json })
}

/// Counts and protects one indicator's table.
fn count(
    conn: &mut AnyConnection,
    indicator: Indicator,
    query: &IndicatorQuery,
    today: NaiveDate,
    now: DateTime<Utc>,
    threshold: u64,
) -> Result<IndicatorTable, ApiError> {
    let period = match query.period.as_deref() {
        Some(text) => text
            .parse::<Period>()
            .map_err(|detail| ApiError::bad_parameter("period", detail))?,
        None => Period::year_of(today),
    };
    let (from, until) = (period.first_day(), period.last_day());
    let table = Table::of(indicator, &tally(conn, indicator, from, until, today)?);
    let shown = protect(&table, threshold);
    let d = indicator.definition();
    let label = code_list("indicator").and_then(|l| l.label(indicator.as_str()));
    Ok(IndicatorTable {
        indicator: indicator.into(),
        title_it: label.map_or_else(String::new, |l| l.it.to_owned()),
        title_en: label.map_or_else(String::new, |l| l.en.to_owned()),
        period: period.to_string(),
        from,
        until,
        complete: until < today,
        unit: d.unit.into(),
        rows_code_list: d.rows.into(),
        columns: table.columns.iter().map(|a| AreaCode::from(*a)).collect(),
        rows: table
            .rows
            .iter()
            .zip(shown.cells.iter().zip(&shown.row_totals))
            .map(|(code, (cells, total))| IndicatorRow {
                code: (*code).to_owned(),
                cells: cells.iter().map(|v| signed(*v)).collect(),
                total: signed(*total),
            })
            .collect(),
        column_totals: shown.column_totals.iter().map(|v| signed(*v)).collect(),
        total: signed(shown.total),
        threshold: i64::try_from(threshold).unwrap_or(i64::MAX),
        suppressed: i32::try_from(shown.primary + shown.secondary).unwrap_or(i32::MAX),
        computed_at: now,
    })
}

/// The table as CSV (RFC 4180): a header `row,<areas>,total`, one line per row, then the
/// line `total`; a suppressed value is an empty field.
fn csv(table: &IndicatorTable) -> String {
    let field = |v: &Option<i64>| v.map_or_else(String::new, |n| n.to_string());
    let mut out = String::from("row");
    for area in &table.columns {
        out.push(',');
        out.push_str(Area::from(*area).as_str());
    }
    out.push_str(",total\r\n");
    for row in &table.rows {
        out.push_str(&row.code);
        for cell in &row.cells {
            out.push(',');
            out.push_str(&field(cell));
        }
        out.push(',');
        out.push_str(&field(&row.total));
        out.push_str("\r\n");
    }
    out.push_str("total");
    for cell in &table.column_totals {
        out.push(',');
        out.push_str(&field(cell));
    }
    out.push(',');
    out.push_str(&field(&table.total));
    out.push_str("\r\n");
    out
}

/// One indicator for a period
///
/// The table of one indicator for a year, a quarter or a month: one row per code of its
/// dimension, one column per area, with the totals. Pseudonymised: no row is about a person,
/// and every count of more than none and fewer than the threshold (`GET
/// /indicators/definitions`) is `null`, with the values that would let it be recomputed from
/// a total; the values shown are the true ones. `Accept: text/csv` gives the same table as
/// CSV (a suppressed value is an empty field). For the office manager and the area
/// coordinators, and for machine clients with the `statistics` scope; audited.
#[utoipa::path(
    tag = "statistics",
    operation_id = "get_indicator",
    params(
        ("indicator" = IndicatorCode, Path, description = "The indicator."),
        IndicatorQuery,
    ),
    responses(
        (status = 200, description = "The indicator's table for the period.",
            content(
                (IndicatorTable = "application/json"),
                (String = "text/csv", example = "row,adults_disability,social_inclusion,transversal,total\r\nhomeless,,12,,15\r\n")
            )),
        (status = 400, description = "Invalid period.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token, or the account or client is disabled.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither the office manager nor an area coordinator, nor a machine client with the `statistics` scope.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such indicator.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` allows neither application/json nor text/csv.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/indicators/{indicator}")]
pub async fn get_indicator(
    state: web::Data<AppState>,
    reader: Reader,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    let format = negotiate(&req);
    let threshold = state.statistics_threshold;
    let op = Op::new(Action::ReadStatistics, "indicator.read", "indicator");
    // Judged after the decision, as every input; the same for staff and clients.
    let table_of = move |conn: &mut AnyConnection, today, now, q: IndicatorQuery| {
        let indicator = name.parse::<Indicator>().map_err(|_| {
            ApiError::NotFound(format!(
                "no indicator is named `{name}`; see GET /indicators/definitions"
            ))
        })?;
        if format.is_none() {
            return Err(ApiError::NotAcceptable(
                "an indicator is given as application/json or text/csv".into(),
            ));
        }
        count(conn, indicator, &q, today, now, threshold)
    };
    let audited = |t: &IndicatorTable| (Indicator::from(t.indicator).as_str(), t.period.clone());
    let table = match reader {
        Reader::Staff(caller) => {
            case_work::list(&state, caller, &req, op, move |work, q| {
                let (today, now) = (work.today(), work.now());
                let table = table_of(work.conn(), today, now, q)?;
                let (indicator, period) = audited(&table);
                work.resource(indicator).detail("period", period);
                Ok(table)
            })
            .await?
        }
        Reader::Client(partner) => {
            partner_work::read(&state, partner, &req, op, move |work, q| {
                let (today, now) = (work.today(), work.now());
                let table = table_of(work.conn(), today, now, q)?;
                let (indicator, period) = audited(&table);
                work.resource(indicator).detail("period", period);
                Ok(table)
            })
            .await?
        }
    };
    Ok(match format.unwrap_or(Format::Json) {
        Format::Json => HttpResponse::Ok().json(table),
        Format::Csv => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, CSV))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{}-{}.csv\"",
                    Indicator::from(table.indicator).as_str(),
                    table.period
                ),
            ))
            .body(csv(&table)),
    })
}
