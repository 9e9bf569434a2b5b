//! `/persons/{person_id}/personal-data-copy`: the copy of everything the office holds about a
//! person and of who accessed it, that the privacy officer gives a data subject who asks
//! (GDPR art. 15), as JSON or as a printable HTML page.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use html_escape::encode_text;
use serde::Serialize;
use socialcare_domain::access::Action;
use socialcare_domain::ids::PersonId;
use socialcare_domain::personal_data::{RetentionPolicy, Rule, kind_of};
use socialcare_persistence::{audit, personal_data, persons};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::case_work::{self, Op};
use crate::error::{ApiError, Problem};
use crate::extract::Id;
use crate::routes::audit::{ActorAccessSummary, PersonAccess, PersonAccessReportResponse};
use crate::state::AppState;

/// The most accesses a copy lists one by one (the summary per staff member counts them all).
pub const COPY_MAX_ACCESSES: i64 = 10_000;

/// How long one kind of record is kept, and what happens then.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindRetention {
    /// The retention rule (`case_content`, `special_categories`, `identity`).
    #[schema(example = "case_content")]
    pub rule: String,
    /// Its period in years, as the office configures it.
    #[schema(example = 10)]
    pub years: u16,
    /// From when the period counts.
    #[schema(example = "after the case file closed")]
    pub counted_from: String,
    /// What the retention procedure does when the period is over.
    pub effect: String,
}

/// The records of one kind the office holds about the person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonalDataRecords {
    /// The kind of record (the table that keeps it).
    #[schema(example = "diary_entries")]
    pub kind: String,
    /// What the records are.
    #[schema(example = "Social diary")]
    pub title: String,
    /// Why the office keeps them (GDPR art. 15(1)(a)).
    pub purpose: String,
    /// The legal basis of the processing.
    pub legal_basis: String,
    /// How long they are kept (GDPR art. 15(1)(d)).
    pub retention: KindRetention,
    /// Every record, with every field as the office stores it (identifiers, codes, dates as
    /// `YYYY-MM-DD`, instants in UTC); the codes are explained by `GET /codes`.
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Everything the office holds about a person, and who accessed it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonalDataCopy {
    /// The person.
    pub person_id: Uuid,
    /// When the copy was made.
    pub produced_at: DateTime<Utc>,
    /// The privacy officer who made it.
    #[schema(example = "privacy.officer")]
    pub produced_by: String,
    /// Every kind of record the office keeps about persons, in a fixed order, with the
    /// person's records of that kind (none for most).
    pub records: Vec<PersonalDataRecords>,
    /// Who accessed the person's data, since the first record (GDPR art. 15(1)(c)): every
    /// access up to 10 000, and the summary per staff member over all of them.
    pub accesses: PersonAccessReportResponse,
}

fn counted_from(rule: Rule) -> &'static str {
    match rule {
        Rule::CaseContent => "after the case file closed",
        Rule::SpecialCategories | Rule::Identity => {
            "after the person's last case file closed (or, without any, their record last \
             changed) and their last benefit ended"
        }
    }
}

fn retention_of(policy: &RetentionPolicy, rule: Rule) -> KindRetention {
    KindRetention {
        rule: rule.as_str().to_owned(),
        years: policy.years(rule),
        counted_from: counted_from(rule).to_owned(),
        effect: rule.effect().to_owned(),
    }
}

/// A data subject's copy (GDPR art. 15)
///
/// Everything the office holds about the person, kind by kind (registry data, household,
/// special categories, case files and every record in them, projects, pacts, placements,
/// employment, applications, benefits, reports to the national register, the import that
/// brought them), each kind with its purpose, legal basis and retention period, and every
/// recorded access to their data with a summary per staff member. Only the records about the
/// person: the other members of a household or project appear by id only. `Accept: text/html`
/// gives a printable page of the same content. For the privacy officer; audited
/// (`person.personal_data_copy`, linking the person).
#[utoipa::path(
    tag = "persons",
    operation_id = "get_personal_data_copy",
    params(("person_id" = Uuid, Path, description = "Person identifier.")),
    responses(
        (status = 200, description = "The copy.",
            content(
                (PersonalDataCopy = "application/json"),
                (String = "text/html", example = "<!DOCTYPE html><html lang=\"it\">…</html>")
            )),
        (status = 400, description = "The id is not a UUID.", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not the privacy officer.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No person with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` allows neither application/json nor text/html.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/persons/{person_id}/personal-data-copy")]
pub async fn get_personal_data_copy(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id<PersonId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let person_id = id.0.uuid();
    let html = crate::extract::prefers_text(&req, "html");
    let policy = state.retention;
    let op = Op::new(
        Action::CopyPersonalData,
        "person.personal_data_copy",
        "person",
    )
    // The copy lists the accesses of the audit trail.
    .showing_the_trail();
    let produced_by = caller.user.username.as_str().to_owned();
    let copy = case_work::list(
        &state,
        caller,
        &req,
        op,
        move |work, _: case_work::NoQuery| {
            if html.is_none() {
                return Err(ApiError::NotAcceptable(
                    "the copy is given as application/json or text/html".into(),
                ));
            }
            if persons::find(work.conn(), person_id)?.is_none() {
                return Err(ApiError::NotFound("no person with this id".into()));
            }
            let found = personal_data::copy(work.conn(), person_id)?;
            let report =
                audit::person_access_report(work.conn(), person_id, None, None, COPY_MAX_ACCESSES)?;
            let mut records = Vec::with_capacity(found.len());
            for kind in found {
                let Some(rules) = kind_of(kind.table) else {
                    return Err(ApiError::Internal(format!(
                        "{} is not a kind of record about persons",
                        kind.table
                    )));
                };
                let rows = kind
                    .rows
                    .iter()
                    .map(|row| serde_json::from_str(row))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| ApiError::Internal(format!("{}: {e}", kind.table)))?;
                records.push(PersonalDataRecords {
                    kind: kind.table.to_owned(),
                    title: rules.title.to_owned(),
                    purpose: rules.purpose.to_owned(),
                    legal_basis: rules.legal_basis.to_owned(),
                    retention: retention_of(&policy, rules.rule),
                    rows,
                });
            }
            let counts: serde_json::Map<String, serde_json::Value> = records
                .iter()
                .filter(|r| !r.rows.is_empty())
                .map(|r| (r.kind.clone(), r.rows.len().into()))
                .collect();
            work.resource(person_id)
                .shows([person_id])
                .detail("records", counts)
                .detail("accesses", report.total);
            Ok(PersonalDataCopy {
                person_id,
                produced_at: work.now(),
                produced_by,
                records,
                accesses: PersonAccessReportResponse {
                    person_id,
                    from: None,
                    to: None,
                    total: report.total,
                    accesses: report.entries.iter().map(PersonAccess::from).collect(),
                    truncated: report.truncated,
                    actors: report.actors.iter().map(ActorAccessSummary::from).collect(),
                },
            })
        },
    )
    .await?;
    if html == Some(true) {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(page(&copy)));
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(copy))
}

/// A field's value as a table cell shows it.
fn cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => encode_text(s).into_owned(),
        Some(serde_json::Value::Bool(true)) => "sì".to_owned(),
        Some(serde_json::Value::Bool(false)) => "no".to_owned(),
        Some(other) => encode_text(&other.to_string()).into_owned(),
    }
}

/// The printable page: the same content as the JSON, each kind a table with the columns in
/// the order the office stores them.
fn page(copy: &PersonalDataCopy) -> String {
    let tables = personal_data::schema_tables();
    let name = copy
        .records
        .first()
        .and_then(|r| r.rows.first())
        .map(|row| {
            let part = |k: &str| row.get(k).and_then(|v| v.as_str()).unwrap_or_default();
            format!("{} {}", part("given_names"), part("family_names"))
        })
        .unwrap_or_default();
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"it\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Copia dei dati personali – {name}</title>\n<style>\n\
         body {{ font-family: sans-serif; font-size: 11pt; margin: 2em; }}\n\
         h1 {{ font-size: 16pt; }} h2 {{ font-size: 13pt; margin-top: 1.5em; }}\n\
         table {{ border-collapse: collapse; margin: 0.5em 0; }}\n\
         th, td {{ border: 1px solid #999; padding: 2px 4px; vertical-align: top; text-align: left; }}\n\
         .meta {{ color: #333; }} .none {{ color: #777; }}\n\
         @media print {{ body {{ margin: 0; font-size: 9pt; }} section {{ break-inside: avoid-page; }} }}\n\
         </style>\n</head>\n<body>\n\
         <h1>Copia dei dati personali (art. 15 GDPR) / Copy of personal data</h1>\n\
         <p class=\"meta\">Persona / Person: <strong>{name}</strong> ({id})<br>\
         Prodotta il / Produced at: {at} UTC, da / by: {by}</p>\n",
        name = encode_text(name.trim()),
        id = copy.person_id,
        at = copy.produced_at.format("%Y-%m-%d %H:%M:%S"),
        by = encode_text(&copy.produced_by),
    );
    let mut empty = Vec::new();
    for kind in &copy.records {
        if kind.rows.is_empty() {
            empty.push(kind.title.as_str());
            continue;
        }
        let _ = write!(
            out,
            "<section>\n<h2>{title}</h2>\n<p class=\"meta\">Finalità / Purpose: {purpose}<br>\
             Base giuridica / Legal basis: {basis}<br>\
             Conservazione / Retention: {years} anni/years {from}; poi / then: {effect}</p>\n\
             <table>\n<tr>",
            title = encode_text(&kind.title),
            purpose = encode_text(&kind.purpose),
            basis = encode_text(&kind.legal_basis),
            years = kind.retention.years,
            from = encode_text(&kind.retention.counted_from),
            effect = encode_text(&kind.retention.effect),
        );
        let columns: Vec<&str> = tables
            .get(kind.kind.as_str())
            .map(|t| t.columns.iter().map(|c| c.name).collect())
            .unwrap_or_default();
        for column in &columns {
            let _ = write!(out, "<th>{column}</th>");
        }
        out.push_str("</tr>\n");
        for row in &kind.rows {
            out.push_str("<tr>");
            for column in &columns {
                let _ = write!(out, "<td>{}</td>", cell(row.get(*column)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n</section>\n");
    }
    if !empty.is_empty() {
        let _ = write!(
            out,
            "<section>\n<h2>Nessun dato / No records</h2>\n<p class=\"none\">{}</p>\n</section>\n",
            empty
                .iter()
                .map(|t| encode_text(t).into_owned())
                .collect::<Vec<_>>()
                .join(" · ")
        );
    }
    let accesses = &copy.accesses;
    let _ = write!(
        out,
        "<section>\n<h2>Accessi ai dati / Accesses to the data ({total})</h2>\n\
         <table>\n<tr><th>Operatore / Staff member</th><th>Accessi / Accesses</th>\
         <th>Primo / First</th><th>Ultimo / Last</th></tr>\n",
        total = accesses.total
    );
    for actor in &accesses.actors {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            encode_text(
                actor
                    .actor_username
                    .as_deref()
                    .unwrap_or("(sistema / system)")
            ),
            actor.count,
            actor.first.format("%Y-%m-%d %H:%M:%S"),
            actor.last.format("%Y-%m-%d %H:%M:%S"),
        );
    }
    out.push_str(
        "</table>\n<table>\n<tr><th>Quando / When (UTC)</th><th>Operatore / Staff member</th>\
         <th>Azione / Action</th><th>Risorsa / Resource</th><th>Motivo / Purpose</th>\
         <th>Emergenza / Break-glass</th><th>Esito / Outcome</th></tr>\n",
    );
    for access in &accesses.accesses {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            access.occurred_at.format("%Y-%m-%d %H:%M:%S"),
            encode_text(
                access
                    .actor_username
                    .as_deref()
                    .unwrap_or("(sistema / system)")
            ),
            encode_text(&access.action),
            encode_text(&access.resource_type),
            encode_text(access.resource_id.as_deref().unwrap_or_default()),
            encode_text(access.purpose.as_deref().unwrap_or_default()),
            if access.break_glass { "sì" } else { "" },
            encode_text(&serde_json::to_value(access.outcome).map_or_else(
                |_| String::new(),
                |v| v.as_str().unwrap_or_default().to_owned()
            )),
        );
    }
    out.push_str("</table>\n");
    if accesses.truncated {
        out.push_str(
            "<p class=\"meta\">Elenco limitato ai primi 10 000 accessi; il riepilogo li conta tutti. \
             / Listed up to the first 10 000 accesses; the summary counts them all.</p>\n",
        );
    }
    out.push_str("</section>\n</body>\n</html>\n");
    out
}
