//! The authorization matrix, generated from the committed OpenAPI document: every operation is
//! called by every relation to the fixture's case file, and the answer must be the expected
//! one. An operation of the contract without a row here fails the test, so a new endpoint
//! cannot ship without its access rules being stated.
//!
//! Writes are sent with an empty body (`{}`) and a stale `If-Match`: whoever is allowed gets a
//! validation error (422), a precondition failure (412) or a conflict (409), never a change, so
//! the fixture stays the same for every caller; whoever is not allowed must get 403 before the
//! body is even looked at.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use socialcare_tests::TestApp;

use crate::{Office, RELATIONS, office};

/// Expected answer per relation, in [`RELATIONS`] order:
/// `A` allowed (a read answers 200; a write answers anything but 401, 403 and 5xx),
/// `D` refused with 403 (and an audit record of the refusal),
/// `U` 401 (no token),
/// `P` public (anything but 401, 403 and 5xx).
///
/// Columns: case manager, team member, granted team member, same-area colleague, other-area
/// colleague, area coordinator, office manager, administrative, system admin, privacy officer,
/// anonymous.
const EXPECTED: &[(&str, &str)] = &[
    // Public.
    ("get_status", "PPPPPPPPPPP"),
    ("create_token", "PPPPPPPPPPP"),
    ("refresh_token", "PPPPPPPPPPP"),
    ("logout", "PPPPPPPPPPP"),
    ("list_code_lists", "PPPPPPPPPPP"),
    ("list_indicator_definitions", "PPPPPPPPPPP"),
    ("get_import_template", "PPPPPPPPPPP"),
    ("get_code_list", "PPPPPPPPPPP"),
    // Own account and staff administration.
    ("get_me", "AAAAAAAAAAU"),
    ("list_users", "DDDDDDDDADU"),
    ("create_user", "DDDDDDDDADU"),
    ("get_user", "DDDDDDDDADU"),
    ("update_user", "DDDDDDDDADU"),
    ("disable_user", "DDDDDDDDADU"),
    ("enable_user", "DDDDDDDDADU"),
    // Persons: identity through the relation to their case files.
    ("create_person", "AAAAAADADDU"),
    ("search_persons", "AAAAAAAADDU"),
    ("get_person", "AAADDAAADDU"),
    ("get_person_directory", "AAAAAAAADDU"),
    ("update_person", "AAADDADADDU"),
    ("annul_person", "ADDDDADADDU"),
    ("merge_person", "ADDDDADADDU"),
    // Households: through their members.
    ("create_household", "AAADDADADDU"),
    ("get_household", "AAADDAAADDU"),
    ("get_household_composition", "AAADDAAADDU"),
    ("list_household_members", "AAADDAAADDU"),
    ("add_household_member", "AAADDADADDU"),
    ("leave_household", "AAADDADADDU"),
    ("get_person_household", "AAADDAAADDU"),
    // Special categories: case manager, granted members, area coordinator.
    ("list_expiring_permits", "AAAAAADDDDU"),
    ("get_person_health_disability", "ADADDADDDDU"),
    ("put_person_health_disability", "ADADDADDDDU"),
    ("get_person_ethnicity", "ADADDADDDDU"),
    ("put_person_ethnicity", "ADADDADDDDU"),
    ("get_person_legal_status", "ADADDADDDDU"),
    ("put_person_legal_status", "ADADDADDDDU"),
    ("get_person_justice", "ADADDADDDDU"),
    ("put_person_justice", "ADADDADDDDU"),
    // Case files: bookkeeping.
    ("list_case_files", "AAAAAAAADDU"),
    ("get_my_caseload", "AAAAAAAADDU"),
    ("open_case_file", "ADDADADDDDU"),
    ("get_case_file", "AAADDAAADDU"),
    ("list_case_file_transitions", "AAADDAAADDU"),
    ("list_case_file_team", "AAADDAAADDU"),
    ("list_consents", "AAADDAAADDU"),
    ("get_consent", "AAADDAAADDU"),
    ("transition_case_file", "ADDDDADDDDU"),
    ("set_case_file_target_groups", "ADDDDADDDDU"),
    ("change_case_file_team", "ADDDDADDDDU"),
    ("end_case_file_team_assignment", "ADDDDADDDDU"),
    ("set_case_file_team_sensitive_access", "ADDDDADDDDU"),
    ("confirm_case_file", "DDDDDADDDDU"),
    // Case content.
    ("list_assessments", "AAADDAADDDU"),
    ("get_latest_assessment", "AAADDAADDDU"),
    ("get_assessment", "AAADDAADDDU"),
    ("list_diary_entries", "AAADDAADDDU"),
    ("get_diary_entry", "AAADDAADDDU"),
    ("list_referrals", "AAADDAADDDU"),
    ("get_referral", "AAADDAADDDU"),
    ("list_referral_events", "AAADDAADDDU"),
    ("create_assessment", "AAADDDDDDDU"),
    ("create_diary_entry", "AAADDDDDDDU"),
    // Only the author edits a diary entry (the case manager wrote it).
    ("update_diary_entry", "ADDDDDDDDDU"),
    ("create_consent", "AAADDDDDDDU"),
    ("revoke_consent", "AAADDDDDDDU"),
    ("create_referral", "AAADDDDDDDU"),
    ("transition_referral", "AAADDDDDDDU"),
    // Break-glass: asked by those who work cases hands-on (409 when their relation already
    // gives access), reviewed by the office manager.
    ("request_break_glass", "AAAAAADDDDU"),
    ("list_break_glass_accesses", "DDDDDDADDDU"),
    ("acknowledge_break_glass_access", "DDDDDDADDDU"),
    // The audit trail: privacy officer and office manager.
    ("search_audit_records", "DDDDDDADDAU"),
    ("verify_audit_trail", "DDDDDDADDAU"),
    ("get_person_access_report", "DDDDDDADDAU"),
    ("get_audit_checkpoint", "DDDDDDADDAU"),
    ("prove_audit_record_inclusion", "DDDDDDADDAU"),
    ("prove_audit_log_consistency", "DDDDDDADDAU"),
    // The data subject's copy (GDPR art. 15): the privacy officer alone.
    ("get_personal_data_copy", "DDDDDDDDDAU"),
    // Retention: the privacy officer alone.
    ("preview_retention", "DDDDDDDDDAU"),
    ("create_retention_run", "DDDDDDDDDAU"),
    ("list_retention_runs", "DDDDDDDDDAU"),
    ("get_retention_run", "DDDDDDDDDAU"),
    // Social projects and inclusion pacts: visible to whoever sees the case file, written by
    // the case team.
    ("list_projects", "AAADDAAADDU"),
    ("get_project", "AAADDAAADDU"),
    ("list_project_transitions", "AAADDAAADDU"),
    ("list_project_objectives", "AAADDAAADDU"),
    ("get_project_objective", "AAADDAAADDU"),
    ("list_project_participants", "AAADDAAADDU"),
    ("get_project_participant", "AAADDAAADDU"),
    ("list_project_actions", "AAADDAAADDU"),
    ("get_project_action", "AAADDAAADDU"),
    ("list_project_reviews", "AAADDAAADDU"),
    ("get_project_review", "AAADDAAADDU"),
    ("create_project", "AAADDDDDDDU"),
    ("transition_project", "AAADDDDDDDU"),
    ("create_project_objective", "AAADDDDDDDU"),
    ("update_project_objective", "AAADDDDDDDU"),
    ("create_project_participant", "AAADDDDDDDU"),
    ("create_project_action", "AAADDDDDDDU"),
    ("update_project_action", "AAADDDDDDDU"),
    ("create_project_review", "AAADDDDDDDU"),
    ("list_pacts", "AAADDAAADDU"),
    ("get_pact", "AAADDAAADDU"),
    ("list_pact_transitions", "AAADDAAADDU"),
    ("list_pact_steps", "AAADDAAADDU"),
    ("list_pact_commitments", "AAADDAAADDU"),
    ("get_pact_commitment", "AAADDAAADDU"),
    ("list_pact_checks", "AAADDAAADDU"),
    ("get_pact_check", "AAADDAAADDU"),
    ("list_pact_non_compliance_events", "AAADDAAADDU"),
    ("create_pact", "AAADDDDDDDU"),
    ("transition_pact", "AAADDDDDDDU"),
    ("create_pact_step", "AAADDDDDDDU"),
    ("create_pact_commitment", "AAADDDDDDDU"),
    ("update_pact_commitment", "AAADDDDDDDU"),
    ("create_pact_check", "AAADDDDDDDU"),
    ("create_pact_non_compliance_event", "AAADDDDDDDU"),
    // The agenda: one's own; another case manager's for the office manager and the coordinators
    // of their areas (the matrix asks for the case manager's).
    ("get_my_agenda", "AAAAAAAADDU"),
    ("get_agenda", "ADDDDAADDDU"),
    // Housing: the register is read by whoever works cases and kept by the administrative
    // staff and coordinators of the facility's area; placements are the case file's.
    ("create_facility", "DDDDDADADDU"),
    ("list_facilities", "AAAAAAAADDU"),
    ("get_facility", "AAAAAAAADDU"),
    ("replace_facility", "DDDDDADADDU"),
    ("create_bed", "DDDDDADADDU"),
    ("list_beds", "AAAAAAAADDU"),
    ("replace_bed", "DDDDDADADDU"),
    ("create_out_of_service", "DDDDDADADDU"),
    ("search_free_beds", "AAAAAAAADDU"),
    ("create_placement", "AAADDADDDDU"),
    ("transition_placement", "AAADDADDDDU"),
    ("list_placements", "AAADDAAADDU"),
    ("get_placement", "AAADDAAADDU"),
    ("record_attendance", "AAADDADDDDU"),
    ("get_facility_board", "AAAAAAAADDU"),
    ("get_facility_occupancy", "AAAAAAAADDU"),
    ("get_housing_history", "AAADDAAADDU"),
    ("extend_placement", "AAADDADDDDU"),
    ("move_placement", "AAADDADDDDU"),
    ("get_placement_history", "AAADDAAADDU"),
    // Employment: the employers register is the administrative staff's, read by case workers.
    ("create_employer", "DDDDDDDADDU"),
    ("list_employers", "AAAAAAAADDU"),
    ("get_employer", "AAAAAAAADDU"),
    ("replace_employer", "DDDDDDDADDU"),
    ("annul_employer", "DDDDDDDADDU"),
    ("create_contract", "DDDDDDDADDU"),
    ("list_contracts", "AAAAAAAADDU"),
    ("get_contract", "AAAAAAAADDU"),
    ("amend_contract", "DDDDDDDADDU"),
    ("list_contract_amendments", "AAAAAAAADDU"),
    // Compliance: counts, no person; for coordinators, the office manager and the clerks.
    ("get_contract_compliance", "DDDDDAAADDU"),
    ("list_contract_compliance", "DDDDDAAADDU"),
    // Employment placements are the case file's, like housing placements.
    ("create_employment_placement", "AAADDADDDDU"),
    ("list_employment_placements", "AAADDAAADDU"),
    ("get_employment_placement", "AAADDAAADDU"),
    ("transition_employment_placement", "AAADDADDDDU"),
    ("record_employment_hours", "AAADDADDDDU"),
    ("record_employment_review", "AAADDADDDDU"),
    ("list_employment_reviews", "AAADDAAADDU"),
    ("get_employment_review", "AAADDAAADDU"),
    // Training: staff data; events read by every staff member, kept by the clerks and the
    // office manager, who also read every register (a staff member reads their own).
    ("create_training_event", "DDDDDDAADDU"),
    ("list_training_events", "AAAAAAAAAAU"),
    ("get_training_event", "AAAAAAAAAAU"),
    ("replace_training_event", "DDDDDDAADDU"),
    ("record_training_attendance", "DDDDDDAADDU"),
    ("list_training_attendance", "DDDDDDAADDU"),
    ("get_training_register", "DDDDDDAADDU"),
    ("get_training_table", "DDDDDDAADDU"),
    // Waiting lists: criteria sets and resources are the office's records, kept by the clerks
    // and the office manager, read by whoever works cases.
    ("publish_criteria_set", "DDDDDDAADDU"),
    ("list_criteria_sets", "AAAAAAAADDU"),
    ("get_criteria_set", "AAAAAAAADDU"),
    ("create_resource", "DDDDDDAADDU"),
    ("list_resources", "AAAAAAAADDU"),
    ("get_resource", "AAAAAAAADDU"),
    ("replace_resource", "DDDDDDAADDU"),
    ("set_resource_capacity", "DDDDDDAADDU"),
    // Applications are the case file's: kept by the case team, the area coordinator and the
    // area's clerks; read by whoever may read the file.
    ("create_application", "AAADDADADDU"),
    ("list_applications", "AAADDAAADDU"),
    ("get_application", "AAADDAAADDU"),
    ("record_application_input", "AAADDADADDU"),
    ("list_application_inputs", "AAADDAAADDU"),
    ("get_application_standing", "AAADDAAADDU"),
    ("transition_application", "AAADDADADDU"),
    // The working ranking lists every waiting applicant: coordinators, the office manager and
    // the clerks.
    ("get_resource_ranking", "DDDDDAAADDU"),
    // Offers and admissions are decided by the coordinator of the file's area and the office
    // manager; who holds a resource's places is read like its ranking.
    ("decide_application_place", "DDDDDAADDDU"),
    ("get_resource_places", "DDDDDAAADDU"),
    // Published rankings: published by the clerks and the office manager, read by whoever
    // works cases (they show protocol numbers only).
    ("publish_resource_ranking", "DDDDDDAADDU"),
    ("list_resource_rankings", "AAAAAAAADDU"),
    ("get_published_ranking", "AAAAAAAADDU"),
    // Benefits granted are the case file's: recorded by the case team, the area coordinator
    // and the area's clerks; read by whoever may read the file. The code list is public data.
    ("list_benefit_codes", "AAAAAAAADDU"),
    ("create_benefit", "AAADDADADDU"),
    ("list_benefits", "AAADDAAADDU"),
    ("get_benefit", "AAADDAAADDU"),
    ("replace_benefit", "AAADDADADDU"),
    // Partner systems: the register is the system admin's; whoever works cases reads the
    // organisations (to address a referral); the token endpoint is public (a client
    // authenticates with its assertion); the partner operations are for machine clients only,
    // refused to every staff token.
    ("create_client_token", "PPPPPPPPPPP"),
    ("create_partner_organisation", "DDDDDDDDADU"),
    ("list_partner_organisations", "AAAAAAAAADU"),
    ("get_partner_organisation", "AAAAAAAAADU"),
    ("replace_partner_organisation", "DDDDDDDDADU"),
    ("create_machine_client", "DDDDDDDDADU"),
    ("list_machine_clients", "DDDDDDDDADU"),
    ("get_machine_client", "DDDDDDDDADU"),
    ("replace_machine_client", "DDDDDDDDADU"),
    ("add_machine_client_key", "DDDDDDDDADU"),
    ("revoke_machine_client_key", "DDDDDDDDADU"),
    ("list_partner_referrals", "DDDDDDDDDDU"),
    ("get_partner_referral", "DDDDDDDDDDU"),
    ("answer_partner_referral", "DDDDDDDDDDU"),
    ("list_events", "DDDDDDDDDDU"),
    ("create_webhook_subscription", "DDDDDDDDDDU"),
    ("list_webhook_subscriptions", "DDDDDDDDDDU"),
    ("get_webhook_subscription", "DDDDDDDDDDU"),
    ("replace_webhook_subscription", "DDDDDDDDDDU"),
    ("redeliver_webhook_events", "DDDDDDDDDDU"),
    ("list_webhook_attempts", "DDDDDDDDDDU"),
    // Indicators: pseudonymised, for the office manager and the area coordinators.
    ("get_indicator", "DDDDDAADDDU"),
    // The export to the national register: the office manager and the clerks.
    ("preview_siuss_export", "DDDDDDAADDU"),
    ("create_siuss_export", "DDDDDDAADDU"),
    ("list_siuss_exports", "DDDDDDAADDU"),
    ("get_siuss_export", "DDDDDDAADDU"),
    ("get_siuss_export_file", "DDDDDDAADDU"),
    // Bulk import: the office manager alone.
    ("check_import", "DDDDDDADDDU"),
    ("create_import", "DDDDDDADDDU"),
    ("list_imports", "DDDDDDADDDU"),
    ("get_import", "DDDDDDADDDU"),
    ("list_import_lines", "DDDDDDADDDU"),
];

struct Operation {
    id: String,
    method: reqwest::Method,
    path: String,
}

fn operations() -> Vec<Operation> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap();
    let contract: Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    for (path, item) in contract["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method = match method.as_str() {
                "get" => reqwest::Method::GET,
                "post" => reqwest::Method::POST,
                "put" => reqwest::Method::PUT,
                "patch" => reqwest::Method::PATCH,
                "delete" => reqwest::Method::DELETE,
                _ => continue,
            };
            found.push(Operation {
                id: operation["operationId"].as_str().unwrap().to_owned(),
                method,
                path: path.clone(),
            });
        }
    }
    found
}

fn fill(path: &str, o: &Office) -> String {
    // Employment placements share the parameter name of housing placements, their reviews that
    // of project reviews.
    let mut filled = path
        .replace(
            "/employment-placements/{placement_id}",
            &format!("/employment-placements/{}", o.work_placement),
        )
        .replace(
            &format!(
                "/employment-placements/{}/reviews/{{review_id}}",
                o.work_placement
            ),
            &format!(
                "/employment-placements/{}/reviews/{}",
                o.work_placement, o.work_review
            ),
        );
    filled = filled.replace("{month}", "2026-01");
    // Webhook subscriptions are a machine client's: every staff token is refused before the
    // id is looked at, so any id will do.
    filled = filled.replace("{subscription_id}", "01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f");
    filled = filled.replace("{from_on}", "2026-01-01");
    filled = filled.replace("{code_list}", "case_status");
    filled = filled.replace("{indicator}", "persons_in_charge");
    for (name, value) in [
        ("case_file_id", &o.case_file),
        ("person_id", &o.person),
        ("entry_id", &o.entry),
        ("assessment_id", &o.assessment),
        ("consent_id", &o.consent),
        ("referral_id", &o.referral),
        ("assignment_id", &o.assignment),
        ("household_id", &o.household),
        ("member_id", &o.member),
        ("user_id", &o.spare_user),
        ("grant_id", &o.grant),
        ("project_id", &o.project),
        ("objective_id", &o.objective),
        ("participant_id", &o.participant),
        ("action_id", &o.action),
        ("review_id", &o.review),
        ("pact_id", &o.pact),
        ("commitment_id", &o.commitment),
        ("check_id", &o.check),
        ("facility_id", &o.facility),
        ("bed_id", &o.bed),
        ("placement_id", &o.placement),
        ("employer_id", &o.employer),
        ("contract_id", &o.contract),
        ("event_id", &o.training_event),
        ("set_id", &o.criteria_set),
        ("resource_id", &o.resource),
        ("application_id", &o.application),
        ("ranking_id", &o.published_ranking),
        ("benefit_id", &o.benefit),
        ("organisation_id", &o.organisation),
        ("client_id", &o.machine_client),
        ("export_id", &o.siuss_export),
        ("import_id", &o.import),
        ("run_id", &o.retention_run),
    ] {
        filled = filled.replace(&format!("{{{name}}}"), value);
    }
    assert!(
        !filled.contains('{'),
        "the matrix has no value for a parameter of {path}: add it to `fill`"
    );
    filled
}

/// Bodies for the operations whose resource is named in the body: without them the policy has
/// nothing to decide on and every caller would get 422.
fn body_for(operation: &str, o: &Office) -> Value {
    let (cm_id, _) = o.staff("case_manager");
    match operation {
        // The person already has an open file in the area: allowed callers get 409.
        "open_case_file" => {
            json!({"person_id": o.person, "area": "social_inclusion", "case_manager_id": cm_id})
        }
        // The person already heads a household: allowed callers get 409.
        "create_household" => {
            json!({"reference_person_id": o.person, "joined_on": "2026-01-01"})
        }
        // Every member of a check is optional: an invalid date keeps allowed callers at 422.
        "create_pact_check" => json!({"checked_on": "not-a-date"}),
        _ => json!({}),
    }
}

pub async fn every_operation_answers_every_relation_as_the_policy_says(app: TestApp) {
    let o = office(&app).await;
    let expected: BTreeMap<&str, &str> = EXPECTED.iter().copied().collect();
    let operations = operations();
    let in_contract: BTreeSet<&str> = operations.iter().map(|op| op.id.as_str()).collect();
    let missing: Vec<&&str> = in_contract
        .iter()
        .filter(|id| !expected.contains_key(**id))
        .collect();
    assert!(
        missing.is_empty(),
        "operations without a row in the access matrix: {missing:?}"
    );
    let stale: Vec<&&str> = expected
        .keys()
        .filter(|id| !in_contract.contains(**id))
        .collect();
    assert!(stale.is_empty(), "matrix rows for no operation: {stale:?}");

    // The audit log's tree holds the fixture's records, so that its checkpoint and proofs
    // exist; the inclusion proof is asked for the newest of them.
    app.sequence_audit_log();
    let record = app.audit(1)[0].id.0.to_string();
    let mut failures = Vec::new();
    let mut checked = 0;
    for op in &operations {
        let row = expected[op.id.as_str()];
        assert_eq!(row.len(), RELATIONS.len(), "row of {}", op.id);
        let mut path = fill(&op.path.replace("{record_id}", &record), &o);
        if op.id == "prove_audit_log_consistency" {
            path.push_str("?first=1&second=1");
        }
        if op.id == "get_agenda" {
            path.push_str(&format!("?case_manager_id={}", o.staff("case_manager").0));
        }
        if op.id == "preview_siuss_export" {
            path.push_str("?period=2026");
        }
        if op.id == "get_facility_occupancy" {
            path.push_str("?from=2026-01-01&until=2026-02-01");
        }
        for (index, want) in row.chars().enumerate() {
            let (_, token) = &o.staff[index];
            let mut request = app.client.request(op.method.clone(), app.api(&path));
            if !token.is_empty() {
                request = request.bearer_auth(token);
            }
            if op.method != reqwest::Method::GET {
                let body = body_for(&op.id, &o).to_string();
                let content_type = if op.method == reqwest::Method::PATCH {
                    "application/merge-patch+json"
                } else {
                    "application/json"
                };
                request = request
                    .header("content-type", content_type)
                    .header("if-match", "\"999\"")
                    .body(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            let ok = match want {
                'U' => status == 401,
                'D' => status == 403,
                'A' if op.method == reqwest::Method::GET => status == 200,
                'A' | 'P' => status != 401 && status != 403 && status < 500,
                other => panic!("unknown expectation {other} for {}", op.id),
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {}: expected {want}, got {status} {body}",
                    op.method, op.path, RELATIONS[index]
                ));
            }
            if want == 'D' && status == 403 {
                let record = &app.audit(1)[0];
                if record.outcome != "denied" {
                    failures.push(format!(
                        "{} {} as {}: the refusal was not audited (last record: {} {})",
                        op.method, op.path, RELATIONS[index], record.action, record.outcome
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} answers differ from the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Nothing was changed by the allowed writes: the fixture's file is at the version its
    // set-up left it.
    let (_, cm) = o.staff("case_manager");
    let file = app
        .client
        .get(app.api(&format!("/case-files/{}", o.case_file)))
        .bearer_auth(cm)
        .send()
        .await
        .unwrap();
    assert_eq!(file.headers()["etag"], "\"3\"");
}
