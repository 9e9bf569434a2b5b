//! The API's routes, one module per resource, registered under `/api/v1`.

pub mod agenda;
pub mod assessments;
pub mod audit;
pub mod auth;
pub mod benefits;
pub mod break_glass;
pub mod case_file_confirmation;
pub mod case_files;
pub mod client_token;
pub mod code_lists;
pub mod codes;
pub mod consents;
pub mod diary;
pub mod employment;
pub mod events;
pub mod households;
pub mod housing;
pub mod imports;
pub mod indicators;
pub mod me;
pub mod pacts;
pub mod partner_referrals;
pub mod partners;
pub mod personal_data;
pub mod persons;
pub mod projects;
pub mod referrals;
pub mod retention;
pub mod sensitive;
pub mod siuss;
pub mod status;
pub mod training;
pub mod users;
pub mod waiting_list;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every handler; the OpenAPI document is collected from these registrations.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(status::get_status)
        .service(code_lists::list_code_lists)
        .service(code_lists::get_code_list)
        .service(auth::create_token)
        .service(auth::refresh_token)
        .service(auth::logout)
        .service(me::get_me)
        .service(users::create_user)
        .service(users::list_users)
        .service(users::get_user)
        .service(users::update_user)
        .service(users::disable_user)
        .service(users::enable_user)
        .service(persons::create_person)
        .service(persons::search_persons)
        // A fixed segment must come before `/persons/{person_id}`, or that route would take it.
        .service(sensitive::list_expiring_permits)
        .service(persons::get_person)
        .service(persons::get_person_directory)
        .service(persons::update_person)
        .service(persons::annul_person)
        .service(persons::merge_person)
        .service(case_files::open_case_file)
        .service(case_files::list_case_files)
        .service(case_files::get_case_file)
        .service(case_files::transition_case_file)
        .service(case_files::list_case_file_transitions)
        .service(case_files::set_case_file_target_groups)
        .service(case_files::list_case_file_team)
        .service(case_files::change_case_file_team)
        .service(case_files::end_case_file_team_assignment)
        .service(case_files::set_case_file_team_sensitive_access)
        .service(case_file_confirmation::confirm_case_file)
        .service(case_files::get_my_caseload)
        .service(households::create_household)
        .service(households::get_household)
        .service(households::get_household_composition)
        .service(households::list_household_members)
        .service(households::add_household_member)
        .service(households::leave_household)
        .service(households::get_person_household)
        .service(sensitive::get_person_health_disability)
        .service(sensitive::put_person_health_disability)
        .service(sensitive::get_person_ethnicity)
        .service(sensitive::put_person_ethnicity)
        .service(sensitive::get_person_legal_status)
        .service(sensitive::put_person_legal_status)
        .service(sensitive::get_person_justice)
        .service(sensitive::put_person_justice)
        .service(assessments::create_assessment)
        .service(assessments::list_assessments)
        // `latest` before `{assessment_id}`, which would otherwise match it.
        .service(assessments::get_latest_assessment)
        .service(assessments::get_assessment)
        .service(diary::create_diary_entry)
        .service(diary::list_diary_entries)
        .service(diary::get_diary_entry)
        .service(diary::update_diary_entry)
        .service(consents::create_consent)
        .service(consents::list_consents)
        .service(consents::get_consent)
        .service(consents::revoke_consent)
        .service(referrals::create_referral)
        .service(referrals::list_referrals)
        .service(referrals::get_referral)
        .service(referrals::list_referral_events)
        .service(referrals::transition_referral)
        .service(break_glass::request_break_glass)
        .service(audit::get_person_access_report)
        .service(audit::search_audit_records)
        // `verification` is a fixed segment: keep it before any `/audit-records/{id}` route.
        .service(audit::verify_audit_trail)
        .service(audit::prove_audit_record_inclusion)
        .service(audit::get_audit_checkpoint)
        .service(audit::prove_audit_log_consistency)
        .service(break_glass::list_break_glass_accesses)
        .service(break_glass::acknowledge_break_glass_access)
        .configure(configure_projects)
        .configure(configure_pacts);
}

/// Registers the handlers of social projects.
fn configure_projects(cfg: &mut ServiceConfig) {
    cfg.service(projects::create_project)
        .service(projects::list_projects)
        .service(projects::get_project)
        .service(projects::transition_project)
        .service(projects::list_project_transitions)
        .service(projects::create_project_objective)
        .service(projects::list_project_objectives)
        .service(projects::get_project_objective)
        .service(projects::update_project_objective)
        .service(projects::create_project_participant)
        .service(projects::list_project_participants)
        .service(projects::get_project_participant)
        .service(projects::create_project_action)
        .service(projects::list_project_actions)
        .service(projects::get_project_action)
        .service(projects::update_project_action)
        .service(projects::create_project_review)
        .service(projects::list_project_reviews)
        .service(projects::get_project_review);
}

/// Registers the handlers of inclusion pacts and of the agenda.
fn configure_pacts(cfg: &mut ServiceConfig) {
    cfg.service(pacts::create_pact)
        .service(pacts::list_pacts)
        .service(pacts::get_pact)
        .service(pacts::transition_pact)
        .service(pacts::list_pact_transitions)
        .service(pacts::create_pact_step)
        .service(pacts::list_pact_steps)
        .service(pacts::create_pact_commitment)
        .service(pacts::list_pact_commitments)
        .service(pacts::get_pact_commitment)
        .service(pacts::update_pact_commitment)
        .service(pacts::create_pact_check)
        .service(pacts::list_pact_checks)
        .service(pacts::get_pact_check)
        .service(pacts::create_pact_non_compliance_event)
        .service(pacts::list_pact_non_compliance_events)
        .service(agenda::get_my_agenda)
        .service(agenda::get_agenda)
        .service(housing::create_facility)
        .service(housing::list_facilities)
        .service(housing::get_facility)
        .service(housing::replace_facility)
        .service(housing::create_bed)
        .service(housing::list_beds)
        .service(housing::replace_bed)
        .service(housing::create_out_of_service)
        .service(housing::search_free_beds)
        .service(housing::create_placement)
        .service(housing::list_placements)
        .service(housing::get_placement)
        .service(housing::transition_placement)
        .service(housing::record_attendance)
        .service(housing::get_facility_board)
        .service(housing::get_facility_occupancy)
        .service(housing::get_housing_history)
        .service(housing::extend_placement)
        .service(housing::move_placement)
        .service(housing::get_placement_history)
        .service(employment::create_employer)
        .service(employment::list_employers)
        .service(employment::get_employer)
        .service(employment::replace_employer)
        .service(employment::annul_employer)
        .service(employment::create_contract)
        .service(employment::list_contracts)
        .service(employment::get_contract)
        .service(employment::amend_contract)
        .service(employment::list_contract_amendments)
        .service(employment::list_contract_compliance)
        .service(employment::get_contract_compliance)
        .service(employment::create_employment_placement)
        .service(employment::list_employment_placements)
        .service(employment::get_employment_placement)
        .service(employment::transition_employment_placement)
        .service(employment::record_employment_hours)
        .service(employment::record_employment_review)
        .service(employment::list_employment_reviews)
        .service(employment::get_employment_review)
        .service(waiting_list::publish_criteria_set)
        .service(waiting_list::list_criteria_sets)
        .service(waiting_list::get_criteria_set)
        .service(waiting_list::create_resource)
        .service(waiting_list::list_resources)
        .service(waiting_list::get_resource)
        .service(waiting_list::replace_resource)
        .service(waiting_list::set_resource_capacity)
        .service(waiting_list::create_application)
        .service(waiting_list::list_applications)
        .service(waiting_list::get_application)
        .service(waiting_list::record_application_input)
        .service(waiting_list::list_application_inputs)
        .service(waiting_list::transition_application)
        .service(waiting_list::get_resource_ranking)
        .service(waiting_list::get_application_standing)
        .service(waiting_list::decide_application_place)
        .service(waiting_list::get_resource_places)
        .service(waiting_list::publish_resource_ranking)
        .service(waiting_list::list_resource_rankings)
        .service(waiting_list::get_published_ranking)
        .service(benefits::list_benefit_codes)
        .service(benefits::create_benefit)
        .service(benefits::list_benefits)
        .service(benefits::get_benefit)
        .service(benefits::replace_benefit)
        .service(client_token::create_client_token)
        .service(partners::create_partner_organisation)
        .service(partners::list_partner_organisations)
        .service(partners::get_partner_organisation)
        .service(partners::replace_partner_organisation)
        .service(partners::create_machine_client)
        .service(partners::list_machine_clients)
        .service(partners::get_machine_client)
        .service(partners::replace_machine_client)
        .service(partners::add_machine_client_key)
        .service(partners::revoke_machine_client_key)
        .service(partner_referrals::list_partner_referrals)
        .service(partner_referrals::get_partner_referral)
        .service(partner_referrals::answer_partner_referral)
        .service(events::list_events)
        .service(indicators::list_indicator_definitions)
        .service(indicators::get_indicator)
        .service(siuss::preview_siuss_export)
        .service(siuss::create_siuss_export)
        .service(siuss::list_siuss_exports)
        .service(siuss::get_siuss_export)
        .service(siuss::get_siuss_export_file)
        .service(personal_data::get_personal_data_copy)
        .service(retention::preview_retention)
        .service(retention::create_retention_run)
        .service(retention::list_retention_runs)
        .service(retention::get_retention_run)
        .service(imports::get_import_template)
        .service(imports::check_import)
        .service(imports::create_import)
        .service(imports::list_imports)
        .service(imports::get_import)
        .service(imports::list_import_lines)
        .service(webhooks::create_webhook_subscription)
        .service(webhooks::list_webhook_subscriptions)
        .service(webhooks::get_webhook_subscription)
        .service(webhooks::replace_webhook_subscription)
        .service(webhooks::redeliver_webhook_events)
        .service(webhooks::list_webhook_attempts)
        .service(training::create_training_event)
        .service(training::list_training_events)
        .service(training::get_training_event)
        .service(training::replace_training_event)
        .service(training::record_training_attendance)
        .service(training::list_training_attendance)
        .service(training::get_training_register)
        .service(training::get_training_table);
}
