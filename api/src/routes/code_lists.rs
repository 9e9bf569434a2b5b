//! `GET /codes`, `GET /codes/{code_list}`: the Italian and English labels of every code list
//! of the API (`socialcare_domain::labels`), so that no frontend keeps its own translations.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use socialcare_domain::labels::{CODE_LISTS, CodeList, code_list};
use utoipa::ToSchema;

use crate::error::ApiError;

/// The labels of one code.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeLabel {
    /// The code as the API writes it.
    #[schema(example = "active")]
    pub code: String,
    /// Italian label.
    #[schema(example = "In carico")]
    pub it: String,
    /// English label.
    #[schema(example = "Active")]
    pub en: String,
}

/// A code list with the labels of its codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeListResponse {
    /// Name of the list, as in `GET /codes/{code_list}`.
    #[schema(example = "case_status")]
    pub name: String,
    /// The schema of the contract whose values the list labels (e.g. `CaseStatusCode`).
    #[schema(example = "CaseStatusCode")]
    pub schema: String,
    /// Italian name of the list.
    #[schema(example = "Stato della cartella sociale")]
    pub it: String,
    /// English name of the list.
    #[schema(example = "Case file status")]
    pub en: String,
    /// Every code of the list, in the contract's order.
    pub codes: Vec<CodeLabel>,
}

impl From<&CodeList> for CodeListResponse {
    fn from(list: &CodeList) -> Self {
        Self {
            name: list.name.into(),
            schema: list.schema.into(),
            it: list.it.into(),
            en: list.en.into(),
            codes: list
                .codes
                .iter()
                .map(|c| CodeLabel {
                    code: c.code.into(),
                    it: c.it.into(),
                    en: c.en.into(),
                })
                .collect(),
        }
    }
}

/// Every code list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeListsResponse {
    /// The code lists, by name.
    pub items: Vec<CodeListResponse>,
}

/// Labels of every code list
///
/// The Italian and English labels of every enumeration of the API (statuses, kinds, reasons,
/// roles, areas, …), by list name. Public (it holds no personal data) and the same for every
/// caller; lists and codes only grow in a version of the API.
#[utoipa::path(
    tag = "codes",
    operation_id = "list_code_lists",
    security(()),
    responses(
        (status = 200, description = "Every code list with its labels.", body = CodeListsResponse),
    )
)]
#[get("/codes")]
pub async fn list_code_lists() -> HttpResponse {
    HttpResponse::Ok().json(CodeListsResponse {
        items: CODE_LISTS.iter().map(CodeListResponse::from).collect(),
    })
}

/// Labels of one code list
///
/// The Italian and English labels of one enumeration of the API, e.g. `case_status` or
/// `target_group`. Public.
#[utoipa::path(
    tag = "codes",
    operation_id = "get_code_list",
    security(()),
    params(
        ("code_list" = String, Path, description = "Name of the code list (as in `GET /codes`).",
            pattern = "^[a-z][a-z0-9_]{0,63}$", max_length = 64, example = "case_status"),
    ),
    responses(
        (status = 200, description = "The code list with its labels.", body = CodeListResponse),
        (status = 404, description = "No code list has this name.", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[get("/codes/{code_list}")]
pub async fn get_code_list(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = name.into_inner();
    code_list(&name)
        .map(|list| HttpResponse::Ok().json(CodeListResponse::from(list)))
        .ok_or_else(|| {
            ApiError::NotFound(format!("no code list is named `{name}`; see GET /codes"))
        })
}
