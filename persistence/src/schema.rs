//! The one schema of both engines. Kept by hand in step with `migrations/`; a test checks that
//! both migration sets create exactly these tables and columns.
#![allow(missing_docs)]

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    users (id) {
        id -> SqlUuid,
        username -> Text,
        display_name -> Text,
        email -> Text,
        password_hash -> Text,
        active -> Bool,
        created_at -> SqlInstant,
        updated_at -> SqlInstant,
        disabled_at -> Nullable<SqlInstant>,
        version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    user_roles (user_id, role) {
        user_id -> SqlUuid,
        role -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    user_areas (user_id, area) {
        user_id -> SqlUuid,
        area -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    refresh_tokens (id) {
        id -> SqlUuid,
        family_id -> SqlUuid,
        user_id -> SqlUuid,
        token_hash -> Text,
        issued_at -> SqlInstant,
        expires_at -> SqlInstant,
        used_at -> Nullable<SqlInstant>,
        revoked_at -> Nullable<SqlInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    audit_records (id) {
        id -> SqlUuid,
        occurred_at -> SqlInstant,
        actor_id -> Nullable<SqlUuid>,
        actor_username -> Nullable<Text>,
        actor_roles -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        details -> Nullable<Text>,
        seq -> BigInt,
        purpose -> Nullable<Text>,
        break_glass -> Bool,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    audit_record_persons (audit_record_id, person_id) {
        audit_record_id -> SqlUuid,
        person_id -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    /// Audit records staged by their request, in its own transaction, until the sequencer (or
    /// a reader of the trail) chains them into `audit_records` (migration
    /// `2026-12-07-000048_audit_staged`); `persons` holds the 16-byte ids of the persons
    /// concerned, concatenated, ascending.
    audit_staged (id) {
        id -> SqlUuid,
        occurred_at -> SqlInstant,
        actor_id -> Nullable<SqlUuid>,
        actor_username -> Nullable<Text>,
        actor_roles -> Text,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        outcome -> Text,
        request_id -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        details -> Nullable<Text>,
        purpose -> Nullable<Text>,
        break_glass -> Bool,
        persons -> Binary,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlInstant;

    /// The latest cosignature of each witness of the audit log, with the checkpoint it signs
    /// (migration `2026-12-07-000045_audit_cosignatures`).
    audit_cosignatures (witness_url) {
        witness_url -> Text,
        tree_size -> BigInt,
        checkpoint -> Text,
        signature -> Text,
        received_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    /// The hash of every complete subtree of the audit log's Merkle tree, at its stored hash
    /// index (migration `2026-12-07-000044_audit_tree`); append-only.
    audit_tree_hashes (idx) {
        idx -> BigInt,
        hash -> Binary,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlInstant;

    /// The audit log tree's head: its size, root, the hash of the last record integrated and
    /// the last signed checkpoint (one row).
    audit_tree_head (id) {
        id -> Integer,
        size -> BigInt,
        root_hash -> Binary,
        last_record_hash -> Text,
        checkpoint -> Nullable<Text>,
        updated_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    audit_chain_head (id) {
        id -> Integer,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    break_glass_grants (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        staff_id -> SqlUuid,
        reason -> Text,
        granted_at -> SqlInstant,
        expires_at -> SqlInstant,
        acknowledged_at -> Nullable<SqlInstant>,
        acknowledged_by -> Nullable<SqlUuid>,
        acknowledgement_note -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    persons (id) {
        id -> SqlUuid,
        given_names -> Text,
        family_names -> Text,
        name_key -> Text,
        sort_key -> Text,
        birth_date -> Nullable<Date>,
        birth_place -> Nullable<Text>,
        sex -> Nullable<Text>,
        citizenship -> Nullable<Text>,
        tax_code -> Nullable<Text>,
        residence_kind -> Text,
        address_street -> Nullable<Text>,
        address_postal_code -> Nullable<Text>,
        address_municipality -> Nullable<Text>,
        address_province -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        languages -> Text,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
        annulled_at -> Nullable<SqlInstant>,
        annulled_by -> Nullable<SqlUuid>,
        annulment_reason -> Nullable<Text>,
        anonymised_at -> Nullable<SqlInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    person_name_tokens (token, person_id) {
        token -> Text,
        person_id -> SqlUuid,
        sort_key -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    idempotency_keys (actor_id, idempotency_key) {
        actor_id -> SqlUuid,
        idempotency_key -> Text,
        request_hash -> Text,
        status_code -> Integer,
        response_body -> Text,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        created_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    case_reference_counters (year) {
        year -> Integer,
        last_sequence -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    case_files (id) {
        id -> SqlUuid,
        reference -> Text,
        person_id -> SqlUuid,
        area -> Text,
        status -> Text,
        opened_on -> Date,
        closed_on -> Nullable<Date>,
        closing_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
        confirmed_at -> Nullable<SqlInstant>,
        confirmed_by -> Nullable<SqlUuid>,
        content_erased_at -> Nullable<SqlInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    case_file_transitions (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        transition -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_on -> Date,
        reason -> Text,
        closing_reason -> Nullable<Text>,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    case_file_team (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        staff_id -> SqlUuid,
        role -> Text,
        assigned_from -> Date,
        assigned_until -> Nullable<Date>,
        assigned_by -> SqlUuid,
        recorded_at -> SqlInstant,
        sensitive_access -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    case_file_target_groups (case_file_id, target_group) {
        case_file_id -> SqlUuid,
        target_group -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    person_merges (id) {
        id -> SqlUuid,
        survivor_id -> SqlUuid,
        duplicate_id -> SqlUuid,
        reason -> Text,
        moved_case_files -> Text,
        merged_by -> SqlUuid,
        merged_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    households (id) {
        id -> SqlUuid,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    household_members (id) {
        id -> SqlUuid,
        household_id -> SqlUuid,
        person_id -> SqlUuid,
        relationship -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        ended_at -> Nullable<SqlInstant>,
        ended_by -> Nullable<SqlUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    person_health_disability (person_id) {
        person_id -> SqlUuid,
        law_104_recognised -> Bool,
        law_104_severe -> Bool,
        civil_invalidity_percent -> Nullable<Integer>,
        accompanying_allowance -> Bool,
        support_needs -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    person_ethnicity (person_id) {
        person_id -> SqlUuid,
        community -> Text,
        relevant_to_project -> Text,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    person_legal_status (person_id) {
        person_id -> SqlUuid,
        permit_kind -> Nullable<Text>,
        permit_expires_on -> Nullable<Date>,
        protection_status -> Text,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    person_justice (person_id) {
        person_id -> SqlUuid,
        status -> Text,
        alternative_measure_kind -> Nullable<Text>,
        institution -> Nullable<Text>,
        measure_start_on -> Nullable<Date>,
        expected_release_on -> Nullable<Date>,
        uepe_contact_reference -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    assessments (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        version_number -> Integer,
        assessed_on -> Date,
        author_id -> SqlUuid,
        notes -> Nullable<Text>,
        created_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    assessment_scores (assessment_id, domain) {
        assessment_id -> SqlUuid,
        domain -> Text,
        severity -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    diary_entries (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        kind -> Text,
        occurred_at -> SqlInstant,
        text -> Text,
        restricted -> Bool,
        corrects_entry_id -> Nullable<SqlUuid>,
        author_id -> SqlUuid,
        version -> BigInt,
        created_at -> SqlInstant,
        updated_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    consents (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        kind -> Text,
        privacy_notice_version -> Nullable<Text>,
        organisation -> Nullable<Text>,
        purpose -> Nullable<Text>,
        given_on -> Date,
        expires_on -> Nullable<Date>,
        revoked_on -> Nullable<Date>,
        revocation_reason -> Nullable<Text>,
        version -> BigInt,
        recorded_by -> SqlUuid,
        created_at -> SqlInstant,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    referrals (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        direction -> Text,
        service -> Text,
        organisation -> Text,
        reason -> Text,
        status -> Text,
        sent_on -> Date,
        reply_text -> Nullable<Text>,
        replied_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        version -> BigInt,
        created_by -> SqlUuid,
        created_at -> SqlInstant,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
        organisation_id -> Nullable<SqlUuid>,
        answered_by_client -> Nullable<SqlUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    referral_events (id) {
        id -> SqlUuid,
        referral_id -> SqlUuid,
        transition -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_on -> Date,
        note -> Nullable<Text>,
        author_id -> Nullable<SqlUuid>,
        recorded_at -> SqlInstant,
        client_id -> Nullable<SqlUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    projects (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        kind -> Text,
        title -> Text,
        status -> Text,
        drafted_on -> Date,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        interruption_reason -> Nullable<Text>,
        next_review_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    project_transitions (id) {
        id -> SqlUuid,
        project_id -> SqlUuid,
        transition -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_on -> Date,
        reason -> Nullable<Text>,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    project_objectives (id) {
        id -> SqlUuid,
        project_id -> SqlUuid,
        domain -> Text,
        description -> Text,
        target_date -> Date,
        indicator -> Nullable<Text>,
        status -> Text,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    project_participants (id) {
        id -> SqlUuid,
        project_id -> SqlUuid,
        kind -> Text,
        person_id -> Nullable<SqlUuid>,
        staff_id -> Nullable<SqlUuid>,
        service -> Nullable<Text>,
        organisation -> Nullable<Text>,
        role -> Nullable<Text>,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    project_actions (id) {
        id -> SqlUuid,
        project_id -> SqlUuid,
        description -> Text,
        participant_id -> Nullable<SqlUuid>,
        due_on -> Nullable<Date>,
        status -> Text,
        done_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    project_reviews (id) {
        id -> SqlUuid,
        project_id -> SqlUuid,
        reviewed_on -> Date,
        notes -> Nullable<Text>,
        next_review_on -> Date,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    project_review_outcomes (review_id, objective_id) {
        review_id -> SqlUuid,
        objective_id -> SqlUuid,
        status -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pacts (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        household_id -> Nullable<SqlUuid>,
        measure -> Text,
        application_reference -> Text,
        status -> Text,
        drafted_on -> Date,
        activation_on -> Nullable<Date>,
        convocation_on -> Nullable<Date>,
        analysis_outcome -> Nullable<Text>,
        signed_on -> Nullable<Date>,
        active_since -> Nullable<Date>,
        last_check_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        closure_outcome -> Nullable<Text>,
        rules_version -> Text,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_steps (id) {
        id -> SqlUuid,
        pact_id -> SqlUuid,
        kind -> Text,
        occurred_on -> Date,
        outcome -> Nullable<Text>,
        notes -> Nullable<Text>,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_transitions (id) {
        id -> SqlUuid,
        pact_id -> SqlUuid,
        transition -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_on -> Date,
        reason -> Nullable<Text>,
        closure_outcome -> Nullable<Text>,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_commitments (id) {
        id -> SqlUuid,
        pact_id -> SqlUuid,
        person_id -> SqlUuid,
        kind -> Text,
        owner -> Text,
        frequency -> Text,
        due_on -> Date,
        verification -> Text,
        status -> Text,
        justification -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_checks (id) {
        id -> SqlUuid,
        pact_id -> SqlUuid,
        checked_on -> Date,
        notes -> Nullable<Text>,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_check_attendees (check_id, person_id) {
        check_id -> SqlUuid,
        person_id -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_check_outcomes (check_id, commitment_id) {
        check_id -> SqlUuid,
        commitment_id -> SqlUuid,
        status -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    pact_non_compliance (id) {
        id -> SqlUuid,
        pact_id -> SqlUuid,
        commitment_id -> Nullable<SqlUuid>,
        occurred_on -> Date,
        description -> Text,
        relevant_for_sanctions -> Bool,
        reported_on -> Nullable<Date>,
        recorded_by -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    pact_deadlines (pact_id, kind, commitment_key) {
        pact_id -> SqlUuid,
        case_file_id -> SqlUuid,
        kind -> Text,
        kind_rank -> SmallInt,
        commitment_key -> SqlUuid,
        due_on -> Date,
        stopped_since -> Nullable<Date>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    agenda_entries (assignment_id, kind_rank, subject_id, commitment_key) {
        assignment_id -> SqlUuid,
        staff_id -> SqlUuid,
        assigned_from -> Date,
        assigned_until -> Nullable<Date>,
        case_file_id -> SqlUuid,
        kind_rank -> SmallInt,
        subject_id -> SqlUuid,
        commitment_key -> SqlUuid,
        due_on -> Date,
        stopped_since -> Nullable<Date>,
        person_id -> Nullable<SqlUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    facilities (id) {
        id -> SqlUuid,
        name -> Text,
        kind -> Text,
        area -> Text,
        operator -> Text,
        street -> Text,
        municipality -> Text,
        postcode -> Nullable<Text>,
        takes -> Text,
        accessible -> Bool,
        opens_on -> Date,
        closes_on -> Nullable<Date>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    facility_target_groups (facility_id, target_group) {
        facility_id -> SqlUuid,
        target_group -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    beds (id) {
        id -> SqlUuid,
        facility_id -> SqlUuid,
        unit -> Text,
        label -> Text,
        capacity -> SmallInt,
        takes -> Nullable<Text>,
        accessible -> Bool,
        opens_on -> Date,
        closes_on -> Nullable<Date>,
        season_from -> Nullable<Date>,
        season_until -> Nullable<Date>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    bed_places (bed_id, place) {
        bed_id -> SqlUuid,
        place -> SmallInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    bed_out_of_service (id) {
        id -> SqlUuid,
        bed_id -> SqlUuid,
        from_on -> Date,
        until_on -> Nullable<Date>,
        reason -> Text,
        recorded_by -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    placements (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        person_id -> SqlUuid,
        facility_id -> SqlUuid,
        bed_id -> SqlUuid,
        tracking -> Text,
        status -> Text,
        from_on -> Date,
        until_on -> Date,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        exit_destination -> Nullable<Text>,
        exit_notes -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    placement_transitions (id) {
        id -> SqlUuid,
        placement_id -> SqlUuid,
        transition -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_on -> Date,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    employers (id) {
        id -> SqlUuid,
        kind -> Text,
        name -> Text,
        vat_number -> Nullable<Text>,
        tax_code -> Nullable<Text>,
        street -> Text,
        municipality -> Text,
        postcode -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        cooperative_register_number -> Nullable<Text>,
        cooperative_registered_on -> Nullable<Date>,
        annulled_at -> Nullable<SqlInstant>,
        annulled_by -> Nullable<SqlUuid>,
        annulment_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    procurement_contracts (id) {
        id -> SqlUuid,
        contracting_authority -> Text,
        cig -> Text,
        subject -> Text,
        from_on -> Date,
        until_on -> Date,
        employer_id -> SqlUuid,
        clause -> Text,
        required_workers -> Nullable<SmallInt>,
        required_hours_share -> Nullable<SmallInt>,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
        monthly_hours -> Nullable<Integer>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    contract_amendments (id) {
        id -> SqlUuid,
        contract_id -> SqlUuid,
        version -> BigInt,
        reason -> Text,
        previous -> Text,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    placement_moves (id) {
        id -> SqlUuid,
        placement_id -> SqlUuid,
        from_bed_id -> SqlUuid,
        to_bed_id -> SqlUuid,
        from_night -> Date,
        reason -> Text,
        override_reason -> Nullable<Text>,
        author_id -> SqlUuid,
        recorded_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    bed_nights (bed_id, night, place) {
        bed_id -> SqlUuid,
        night -> Date,
        place -> SmallInt,
        person_id -> SqlUuid,
        placement_id -> SqlUuid,
        attendance -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    employment_placements (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        person_id -> SqlUuid,
        kind -> Text,
        programme -> Nullable<Text>,
        employer_id -> SqlUuid,
        contract_id -> Nullable<SqlUuid>,
        office_tutor_id -> Nullable<SqlUuid>,
        company_tutor -> Nullable<Text>,
        weekly_hours -> SmallInt,
        from_on -> Date,
        until_on -> Nullable<Date>,
        notes -> Nullable<Text>,
        status -> Text,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        interruption_reason -> Nullable<Text>,
        outcome -> Nullable<Text>,
        outcome_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
        commitment_id -> Nullable<SqlUuid>,
        referral_id -> Nullable<SqlUuid>,
        next_review_on -> Nullable<Date>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    employment_reviews (id) {
        id -> SqlUuid,
        placement_id -> SqlUuid,
        held_on -> Date,
        progress -> Text,
        with_company_tutor -> Bool,
        summary -> Text,
        next_review_on -> Nullable<Date>,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    employment_hours (placement_id, month) {
        placement_id -> SqlUuid,
        month -> Text,
        hours -> SmallInt,
        recorded_at -> SqlInstant,
        recorded_by -> SqlUuid,
        contract_id -> Nullable<SqlUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    training_events (id) {
        id -> SqlUuid,
        kind -> Text,
        title -> Text,
        provider -> Text,
        from_on -> Date,
        until_on -> Date,
        hours -> SmallInt,
        credits -> SmallInt,
        ethics_credits -> SmallInt,
        notes -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    training_attendance (event_id, user_id) {
        event_id -> SqlUuid,
        user_id -> SqlUuid,
        hours -> SmallInt,
        recorded_at -> SqlInstant,
        recorded_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    criteria_sets (id) {
        id -> SqlUuid,
        code -> Text,
        version -> Integer,
        title -> Text,
        effective_from -> Date,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    criteria (set_id, position) {
        set_id -> SqlUuid,
        position -> SmallInt,
        kind -> Text,
        label -> Text,
        scale -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    resources (id) {
        id -> SqlUuid,
        kind -> Text,
        name -> Text,
        managing_body -> Text,
        area -> Text,
        criteria_code -> Text,
        reconfirm_months -> SmallInt,
        notes -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    resource_capacity (resource_id, from_on) {
        resource_id -> SqlUuid,
        from_on -> Date,
        places -> Integer,
        recorded_at -> SqlInstant,
        recorded_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    application_protocol_counters (year) {
        year -> Integer,
        last_sequence -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    applications (id) {
        id -> SqlUuid,
        protocol_year -> Integer,
        protocol_number -> Integer,
        resource_id -> SqlUuid,
        case_file_id -> SqlUuid,
        person_id -> SqlUuid,
        submitted_at -> SqlInstant,
        submitted_on -> Date,
        confirmed_on -> Date,
        reconfirm_by -> Date,
        status -> Text,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    application_inputs (id) {
        id -> SqlUuid,
        application_id -> SqlUuid,
        kind -> Text,
        level -> Nullable<SmallInt>,
        isee_cents -> Nullable<BigInt>,
        source -> Text,
        as_of -> Date,
        reference -> Nullable<Text>,
        recorded_at -> SqlInstant,
        recorded_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    application_transitions (id) {
        id -> SqlUuid,
        application_id -> SqlUuid,
        transition -> Text,
        from_status -> Text,
        to_status -> Text,
        occurred_on -> Date,
        reason -> Nullable<Text>,
        recorded_at -> SqlInstant,
        recorded_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    resource_occupancy (resource_id) {
        resource_id -> SqlUuid,
        places_held -> Integer,
        places_ceiling -> Integer,
        ranking_version -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    place_allocations (id) {
        id -> SqlUuid,
        application_id -> SqlUuid,
        resource_id -> SqlUuid,
        state -> Text,
        offered_on -> Nullable<Date>,
        respond_by -> Nullable<Date>,
        admitted_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        exit -> Nullable<Text>,
        out_of_order_reason -> Nullable<Text>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    allocation_decisions (id) {
        id -> SqlUuid,
        allocation_id -> SqlUuid,
        decision -> Text,
        occurred_on -> Date,
        reason -> Nullable<Text>,
        recorded_at -> SqlInstant,
        recorded_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    published_rankings (id) {
        id -> SqlUuid,
        resource_id -> SqlUuid,
        number -> Integer,
        criteria_set_id -> SqlUuid,
        ranked_on -> Date,
        previous_criteria_set_id -> Nullable<SqlUuid>,
        reason -> Nullable<Text>,
        entries -> Integer,
        published_at -> SqlInstant,
        published_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    published_ranking_entries (ranking_id, position) {
        ranking_id -> SqlUuid,
        position -> Integer,
        application_id -> SqlUuid,
        protocol_year -> Integer,
        protocol_number -> Integer,
        total -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    benefits (id) {
        id -> SqlUuid,
        case_file_id -> SqlUuid,
        person_id -> SqlUuid,
        catalogue -> Text,
        code -> Text,
        form -> Text,
        amount_cents -> Nullable<BigInt>,
        frequency -> Nullable<Text>,
        isee_dependent -> Bool,
        isee_cents -> Nullable<BigInt>,
        dsu_protocol -> Nullable<Text>,
        from_on -> Date,
        until_on -> Nullable<Date>,
        decision_ref -> Text,
        decision_on -> Date,
        notes -> Nullable<Text>,
        source_kind -> Nullable<Text>,
        source_id -> Nullable<SqlUuid>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    partner_organisations (id) {
        id -> SqlUuid,
        name -> Text,
        kind -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    machine_clients (id) {
        id -> SqlUuid,
        organisation_id -> SqlUuid,
        name -> Text,
        scopes -> Text,
        enabled -> Bool,
        last_used_at -> Nullable<SqlInstant>,
        version -> BigInt,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        updated_at -> SqlInstant,
        updated_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    machine_client_keys (client_id, kid) {
        client_id -> SqlUuid,
        kid -> Text,
        algorithm -> Text,
        format -> Text,
        public_key -> Text,
        thumbprint -> Text,
        added_at -> SqlInstant,
        added_by -> SqlUuid,
        revoked_at -> Nullable<SqlInstant>,
        revoked_by -> Nullable<SqlUuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    client_assertions (client_id, jti) {
        client_id -> SqlUuid,
        jti -> Text,
        expires_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    events (position) {
        position -> BigInt,
        id -> SqlUuid,
        #[sql_name = "type"]
        event_type -> Text,
        subject -> Text,
        time -> SqlInstant,
        organisation_id -> Nullable<SqlUuid>,
        data -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    event_head (id) {
        id -> Integer,
        last_position -> BigInt,
        pruned_through -> BigInt,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    event_pending (id) {
        id -> SqlUuid,
        #[sql_name = "type"]
        event_type -> Text,
        subject -> Text,
        time -> SqlInstant,
        organisation_id -> Nullable<SqlUuid>,
        data -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    webhook_subscriptions (id) {
        id -> SqlUuid,
        client_id -> SqlUuid,
        url -> Text,
        event_types -> Text,
        secret -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        delivered_through -> BigInt,
        consecutive_failures -> Integer,
        next_attempt_at -> SqlInstant,
        leased_until -> Nullable<SqlInstant>,
        lease_owner -> Nullable<SqlUuid>,
        version -> BigInt,
        created_at -> SqlInstant,
        updated_at -> SqlInstant,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    webhook_attempts (id) {
        id -> SqlUuid,
        subscription_id -> SqlUuid,
        event_position -> BigInt,
        event_id -> SqlUuid,
        attempted_at -> SqlInstant,
        succeeded -> Bool,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Integer,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    siuss_exports (id) {
        id -> SqlUuid,
        period -> Text,
        from_on -> Date,
        until_on -> Date,
        body_code -> Text,
        records -> Integer,
        refused -> Integer,
        sha256 -> Text,
        content -> Text,
        refusals -> Text,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    siuss_export_persons (export_id, person_id) {
        export_id -> SqlUuid,
        person_id -> SqlUuid,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    imports (id) {
        id -> SqlUuid,
        sha256 -> Text,
        status -> Text,
        delimiter -> Text,
        rows_total -> Integer,
        batches -> Integer,
        next_batch -> Integer,
        imported -> Integer,
        refused -> Integer,
        households -> Integer,
        case_files -> Integer,
        claim_token -> Nullable<SqlUuid>,
        claimed_until -> Nullable<SqlInstant>,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        completed_at -> Nullable<SqlInstant>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::SqlUuid;

    import_rows (import_id, line) {
        import_id -> SqlUuid,
        line -> Integer,
        outcome -> Text,
        person_id -> Nullable<SqlUuid>,
        household_id -> Nullable<SqlUuid>,
        case_file_id -> Nullable<SqlUuid>,
        problems -> Nullable<Text>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::sql_types::{SqlInstant, SqlUuid};

    retention_runs (id) {
        id -> SqlUuid,
        status -> Text,
        authorisation -> Text,
        as_of -> Date,
        case_content_years -> Integer,
        special_category_years -> Integer,
        identity_years -> Integer,
        case_files -> Integer,
        special_categories -> Integer,
        persons -> Integer,
        exports -> Integer,
        claimed_until -> SqlInstant,
        created_at -> SqlInstant,
        created_by -> SqlUuid,
        completed_at -> Nullable<SqlInstant>,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_areas -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(person_name_tokens -> persons (person_id));
diesel::joinable!(case_files -> persons (person_id));
diesel::joinable!(case_file_transitions -> case_files (case_file_id));
diesel::joinable!(case_file_team -> case_files (case_file_id));
diesel::joinable!(case_file_target_groups -> case_files (case_file_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(household_members -> persons (person_id));
diesel::joinable!(person_health_disability -> persons (person_id));
diesel::joinable!(person_ethnicity -> persons (person_id));
diesel::joinable!(person_legal_status -> persons (person_id));
diesel::joinable!(person_justice -> persons (person_id));
diesel::joinable!(assessments -> case_files (case_file_id));
diesel::joinable!(assessment_scores -> assessments (assessment_id));
diesel::joinable!(diary_entries -> case_files (case_file_id));
diesel::joinable!(consents -> case_files (case_file_id));
diesel::joinable!(referrals -> case_files (case_file_id));
diesel::joinable!(referral_events -> referrals (referral_id));
diesel::joinable!(audit_record_persons -> audit_records (audit_record_id));
diesel::joinable!(break_glass_grants -> case_files (case_file_id));
diesel::joinable!(projects -> case_files (case_file_id));
diesel::joinable!(project_transitions -> projects (project_id));
diesel::joinable!(project_objectives -> projects (project_id));
diesel::joinable!(project_participants -> projects (project_id));
diesel::joinable!(project_actions -> projects (project_id));
diesel::joinable!(project_reviews -> projects (project_id));
diesel::joinable!(project_review_outcomes -> project_reviews (review_id));
diesel::joinable!(pacts -> case_files (case_file_id));
diesel::joinable!(pact_steps -> pacts (pact_id));
diesel::joinable!(pact_transitions -> pacts (pact_id));
diesel::joinable!(pact_commitments -> pacts (pact_id));
diesel::joinable!(pact_checks -> pacts (pact_id));
diesel::joinable!(pact_check_attendees -> pact_checks (check_id));
diesel::joinable!(pact_check_outcomes -> pact_checks (check_id));
diesel::joinable!(pact_non_compliance -> pacts (pact_id));
diesel::joinable!(pact_deadlines -> pacts (pact_id));
diesel::joinable!(pact_deadlines -> case_files (case_file_id));
diesel::joinable!(agenda_entries -> case_files (case_file_id));
diesel::joinable!(facility_target_groups -> facilities (facility_id));
diesel::joinable!(beds -> facilities (facility_id));
diesel::joinable!(bed_places -> beds (bed_id));
diesel::joinable!(bed_out_of_service -> beds (bed_id));
diesel::joinable!(placements -> beds (bed_id));
diesel::joinable!(placement_transitions -> placements (placement_id));
diesel::joinable!(placement_moves -> placements (placement_id));
diesel::joinable!(procurement_contracts -> employers (employer_id));
diesel::joinable!(contract_amendments -> procurement_contracts (contract_id));
diesel::joinable!(bed_nights -> placements (placement_id));
diesel::joinable!(employment_placements -> employers (employer_id));
diesel::joinable!(employment_hours -> employment_placements (placement_id));
diesel::joinable!(employment_reviews -> employment_placements (placement_id));
diesel::joinable!(criteria -> criteria_sets (set_id));
diesel::joinable!(resource_capacity -> resources (resource_id));
diesel::joinable!(applications -> resources (resource_id));
diesel::joinable!(application_inputs -> applications (application_id));
diesel::joinable!(application_transitions -> applications (application_id));
diesel::joinable!(resource_occupancy -> resources (resource_id));
diesel::joinable!(place_allocations -> applications (application_id));
diesel::joinable!(place_allocations -> resources (resource_id));
diesel::joinable!(allocation_decisions -> place_allocations (allocation_id));
diesel::joinable!(published_rankings -> resources (resource_id));
diesel::joinable!(published_ranking_entries -> published_rankings (ranking_id));
diesel::joinable!(benefits -> case_files (case_file_id));
diesel::joinable!(training_attendance -> training_events (event_id));
diesel::joinable!(machine_clients -> partner_organisations (organisation_id));
diesel::joinable!(machine_client_keys -> machine_clients (client_id));
diesel::joinable!(webhook_subscriptions -> machine_clients (client_id));
diesel::joinable!(webhook_attempts -> webhook_subscriptions (subscription_id));
diesel::joinable!(siuss_export_persons -> siuss_exports (export_id));
diesel::joinable!(import_rows -> imports (import_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_roles,
    user_areas,
    refresh_tokens,
    audit_records,
    persons,
    person_name_tokens,
    idempotency_keys,
    case_reference_counters,
    case_files,
    case_file_transitions,
    case_file_team,
    case_file_target_groups,
    person_merges,
    households,
    household_members,
    person_health_disability,
    person_ethnicity,
    person_legal_status,
    person_justice,
    assessments,
    assessment_scores,
    diary_entries,
    consents,
    referrals,
    referral_events,
    audit_record_persons,
    audit_chain_head,
    audit_staged,
    audit_tree_hashes,
    audit_tree_head,
    audit_cosignatures,
    break_glass_grants,
    projects,
    project_transitions,
    project_objectives,
    project_participants,
    project_actions,
    project_reviews,
    project_review_outcomes,
    pacts,
    pact_steps,
    pact_transitions,
    pact_commitments,
    pact_checks,
    pact_check_attendees,
    pact_check_outcomes,
    pact_non_compliance,
    pact_deadlines,
    agenda_entries,
    facilities,
    facility_target_groups,
    beds,
    bed_places,
    bed_out_of_service,
    placements,
    placement_transitions,
    placement_moves,
    employers,
    procurement_contracts,
    contract_amendments,
    bed_nights,
    employment_placements,
    employment_hours,
    employment_reviews,
    criteria_sets,
    criteria,
    resources,
    resource_capacity,
    application_protocol_counters,
    applications,
    application_inputs,
    application_transitions,
    resource_occupancy,
    place_allocations,
    allocation_decisions,
    published_rankings,
    published_ranking_entries,
    benefits,
    training_events,
    training_attendance,
    partner_organisations,
    machine_clients,
    machine_client_keys,
    client_assertions,
    events,
    event_head,
    event_pending,
    webhook_subscriptions,
    webhook_attempts,
    siuss_exports,
    siuss_export_persons,
    imports,
    import_rows,
    retention_runs,
);

/// Every table of the schema with its columns, in declaration order: what both migration sets
/// must produce.
pub const TABLES: &[(&str, &[&str])] = &[
    (
        "users",
        &[
            "id",
            "username",
            "display_name",
            "email",
            "password_hash",
            "active",
            "created_at",
            "updated_at",
            "disabled_at",
            "version",
        ],
    ),
    ("user_roles", &["user_id", "role"]),
    ("user_areas", &["user_id", "area"]),
    (
        "refresh_tokens",
        &[
            "id",
            "family_id",
            "user_id",
            "token_hash",
            "issued_at",
            "expires_at",
            "used_at",
            "revoked_at",
        ],
    ),
    (
        "audit_records",
        &[
            "id",
            "occurred_at",
            "actor_id",
            "actor_username",
            "actor_roles",
            "action",
            "resource_type",
            "resource_id",
            "outcome",
            "request_id",
            "client_addr",
            "details",
            "seq",
            "purpose",
            "break_glass",
            "prev_hash",
            "hash",
        ],
    ),
    (
        "persons",
        &[
            "id",
            "given_names",
            "family_names",
            "name_key",
            "sort_key",
            "birth_date",
            "birth_place",
            "sex",
            "citizenship",
            "tax_code",
            "residence_kind",
            "address_street",
            "address_postal_code",
            "address_municipality",
            "address_province",
            "phone",
            "email",
            "languages",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "annulled_at",
            "annulled_by",
            "annulment_reason",
            "anonymised_at",
        ],
    ),
    ("person_name_tokens", &["token", "person_id", "sort_key"]),
    (
        "idempotency_keys",
        &[
            "actor_id",
            "idempotency_key",
            "request_hash",
            "status_code",
            "response_body",
            "location",
            "etag",
            "created_at",
        ],
    ),
    ("case_reference_counters", &["year", "last_sequence"]),
    (
        "case_files",
        &[
            "id",
            "reference",
            "person_id",
            "area",
            "status",
            "opened_on",
            "closed_on",
            "closing_reason",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "confirmed_at",
            "confirmed_by",
            "content_erased_at",
        ],
    ),
    (
        "case_file_transitions",
        &[
            "id",
            "case_file_id",
            "transition",
            "from_status",
            "to_status",
            "occurred_on",
            "reason",
            "closing_reason",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "case_file_team",
        &[
            "id",
            "case_file_id",
            "staff_id",
            "role",
            "assigned_from",
            "assigned_until",
            "assigned_by",
            "recorded_at",
            "sensitive_access",
        ],
    ),
    ("case_file_target_groups", &["case_file_id", "target_group"]),
    (
        "person_merges",
        &[
            "id",
            "survivor_id",
            "duplicate_id",
            "reason",
            "moved_case_files",
            "merged_by",
            "merged_at",
        ],
    ),
    (
        "households",
        &[
            "id",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "household_members",
        &[
            "id",
            "household_id",
            "person_id",
            "relationship",
            "joined_on",
            "left_on",
            "created_at",
            "created_by",
            "ended_at",
            "ended_by",
        ],
    ),
    (
        "person_health_disability",
        &[
            "person_id",
            "law_104_recognised",
            "law_104_severe",
            "civil_invalidity_percent",
            "accompanying_allowance",
            "support_needs",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "person_ethnicity",
        &[
            "person_id",
            "community",
            "relevant_to_project",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "person_legal_status",
        &[
            "person_id",
            "permit_kind",
            "permit_expires_on",
            "protection_status",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "person_justice",
        &[
            "person_id",
            "status",
            "alternative_measure_kind",
            "institution",
            "measure_start_on",
            "expected_release_on",
            "uepe_contact_reference",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "assessments",
        &[
            "id",
            "case_file_id",
            "version_number",
            "assessed_on",
            "author_id",
            "notes",
            "created_at",
        ],
    ),
    (
        "assessment_scores",
        &["assessment_id", "domain", "severity"],
    ),
    (
        "diary_entries",
        &[
            "id",
            "case_file_id",
            "kind",
            "occurred_at",
            "text",
            "restricted",
            "corrects_entry_id",
            "author_id",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "consents",
        &[
            "id",
            "case_file_id",
            "kind",
            "privacy_notice_version",
            "organisation",
            "purpose",
            "given_on",
            "expires_on",
            "revoked_on",
            "revocation_reason",
            "version",
            "recorded_by",
            "created_at",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "referrals",
        &[
            "id",
            "case_file_id",
            "direction",
            "service",
            "organisation",
            "reason",
            "status",
            "sent_on",
            "reply_text",
            "replied_on",
            "closed_on",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "updated_by",
            "organisation_id",
            "answered_by_client",
        ],
    ),
    (
        "referral_events",
        &[
            "id",
            "referral_id",
            "transition",
            "from_status",
            "to_status",
            "occurred_on",
            "note",
            "author_id",
            "recorded_at",
            "client_id",
        ],
    ),
    ("audit_record_persons", &["audit_record_id", "person_id"]),
    ("audit_chain_head", &["id", "last_seq", "last_hash"]),
    ("audit_tree_hashes", &["idx", "hash"]),
    (
        "audit_cosignatures",
        &[
            "witness_url",
            "tree_size",
            "checkpoint",
            "signature",
            "received_at",
        ],
    ),
    (
        "audit_tree_head",
        &[
            "id",
            "size",
            "root_hash",
            "last_record_hash",
            "checkpoint",
            "updated_at",
        ],
    ),
    (
        "audit_staged",
        &[
            "id",
            "occurred_at",
            "actor_id",
            "actor_username",
            "actor_roles",
            "action",
            "resource_type",
            "resource_id",
            "outcome",
            "request_id",
            "client_addr",
            "details",
            "purpose",
            "break_glass",
            "persons",
        ],
    ),
    (
        "break_glass_grants",
        &[
            "id",
            "case_file_id",
            "staff_id",
            "reason",
            "granted_at",
            "expires_at",
            "acknowledged_at",
            "acknowledged_by",
            "acknowledgement_note",
        ],
    ),
    (
        "projects",
        &[
            "id",
            "case_file_id",
            "kind",
            "title",
            "status",
            "drafted_on",
            "started_on",
            "ended_on",
            "interruption_reason",
            "next_review_on",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "project_transitions",
        &[
            "id",
            "project_id",
            "transition",
            "from_status",
            "to_status",
            "occurred_on",
            "reason",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "project_objectives",
        &[
            "id",
            "project_id",
            "domain",
            "description",
            "target_date",
            "indicator",
            "status",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "project_participants",
        &[
            "id",
            "project_id",
            "kind",
            "person_id",
            "staff_id",
            "service",
            "organisation",
            "role",
            "created_at",
            "created_by",
        ],
    ),
    (
        "project_actions",
        &[
            "id",
            "project_id",
            "description",
            "participant_id",
            "due_on",
            "status",
            "done_on",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "project_reviews",
        &[
            "id",
            "project_id",
            "reviewed_on",
            "notes",
            "next_review_on",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "project_review_outcomes",
        &["review_id", "objective_id", "status", "note"],
    ),
    (
        "pacts",
        &[
            "id",
            "case_file_id",
            "household_id",
            "measure",
            "application_reference",
            "status",
            "drafted_on",
            "activation_on",
            "convocation_on",
            "analysis_outcome",
            "signed_on",
            "active_since",
            "last_check_on",
            "closed_on",
            "closure_outcome",
            "rules_version",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "pact_steps",
        &[
            "id",
            "pact_id",
            "kind",
            "occurred_on",
            "outcome",
            "notes",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "pact_transitions",
        &[
            "id",
            "pact_id",
            "transition",
            "from_status",
            "to_status",
            "occurred_on",
            "reason",
            "closure_outcome",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "pact_commitments",
        &[
            "id",
            "pact_id",
            "person_id",
            "kind",
            "owner",
            "frequency",
            "due_on",
            "verification",
            "status",
            "justification",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "pact_checks",
        &[
            "id",
            "pact_id",
            "checked_on",
            "notes",
            "author_id",
            "recorded_at",
        ],
    ),
    ("pact_check_attendees", &["check_id", "person_id"]),
    (
        "pact_check_outcomes",
        &["check_id", "commitment_id", "status", "note"],
    ),
    (
        "pact_non_compliance",
        &[
            "id",
            "pact_id",
            "commitment_id",
            "occurred_on",
            "description",
            "relevant_for_sanctions",
            "reported_on",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "pact_deadlines",
        &[
            "pact_id",
            "case_file_id",
            "kind",
            "kind_rank",
            "commitment_key",
            "due_on",
            "stopped_since",
        ],
    ),
    (
        "agenda_entries",
        &[
            "assignment_id",
            "staff_id",
            "assigned_from",
            "assigned_until",
            "case_file_id",
            "kind_rank",
            "subject_id",
            "commitment_key",
            "due_on",
            "stopped_since",
            "person_id",
        ],
    ),
    (
        "facilities",
        &[
            "id",
            "name",
            "kind",
            "area",
            "operator",
            "street",
            "municipality",
            "postcode",
            "takes",
            "accessible",
            "opens_on",
            "closes_on",
            "phone",
            "email",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    ("facility_target_groups", &["facility_id", "target_group"]),
    (
        "beds",
        &[
            "id",
            "facility_id",
            "unit",
            "label",
            "capacity",
            "takes",
            "accessible",
            "opens_on",
            "closes_on",
            "season_from",
            "season_until",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    ("bed_places", &["bed_id", "place"]),
    (
        "bed_out_of_service",
        &[
            "id",
            "bed_id",
            "from_on",
            "until_on",
            "reason",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "placements",
        &[
            "id",
            "case_file_id",
            "person_id",
            "facility_id",
            "bed_id",
            "tracking",
            "status",
            "from_on",
            "until_on",
            "started_on",
            "ended_on",
            "exit_destination",
            "exit_notes",
            "cancel_reason",
            "override_reason",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "placement_transitions",
        &[
            "id",
            "placement_id",
            "transition",
            "from_status",
            "to_status",
            "occurred_on",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "employers",
        &[
            "id",
            "kind",
            "name",
            "vat_number",
            "tax_code",
            "street",
            "municipality",
            "postcode",
            "contact_name",
            "phone",
            "email",
            "cooperative_register_number",
            "cooperative_registered_on",
            "annulled_at",
            "annulled_by",
            "annulment_reason",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "procurement_contracts",
        &[
            "id",
            "contracting_authority",
            "cig",
            "subject",
            "from_on",
            "until_on",
            "employer_id",
            "clause",
            "required_workers",
            "required_hours_share",
            "notes",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "monthly_hours",
        ],
    ),
    (
        "employment_placements",
        &[
            "id",
            "case_file_id",
            "person_id",
            "kind",
            "programme",
            "employer_id",
            "contract_id",
            "office_tutor_id",
            "company_tutor",
            "weekly_hours",
            "from_on",
            "until_on",
            "notes",
            "status",
            "started_on",
            "ended_on",
            "interruption_reason",
            "outcome",
            "outcome_on",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "commitment_id",
            "referral_id",
            "next_review_on",
        ],
    ),
    (
        "employment_reviews",
        &[
            "id",
            "placement_id",
            "held_on",
            "progress",
            "with_company_tutor",
            "summary",
            "next_review_on",
            "created_at",
            "created_by",
        ],
    ),
    (
        "criteria_sets",
        &[
            "id",
            "code",
            "version",
            "title",
            "effective_from",
            "created_at",
            "created_by",
        ],
    ),
    (
        "criteria",
        &["set_id", "position", "kind", "label", "scale"],
    ),
    (
        "resources",
        &[
            "id",
            "kind",
            "name",
            "managing_body",
            "area",
            "criteria_code",
            "reconfirm_months",
            "notes",
            "closed_on",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "resource_capacity",
        &[
            "resource_id",
            "from_on",
            "places",
            "recorded_at",
            "recorded_by",
        ],
    ),
    ("application_protocol_counters", &["year", "last_sequence"]),
    (
        "applications",
        &[
            "id",
            "protocol_year",
            "protocol_number",
            "resource_id",
            "case_file_id",
            "person_id",
            "submitted_at",
            "submitted_on",
            "confirmed_on",
            "reconfirm_by",
            "status",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "application_inputs",
        &[
            "id",
            "application_id",
            "kind",
            "level",
            "isee_cents",
            "source",
            "as_of",
            "reference",
            "recorded_at",
            "recorded_by",
        ],
    ),
    (
        "application_transitions",
        &[
            "id",
            "application_id",
            "transition",
            "from_status",
            "to_status",
            "occurred_on",
            "reason",
            "recorded_at",
            "recorded_by",
        ],
    ),
    (
        "resource_occupancy",
        &[
            "resource_id",
            "places_held",
            "places_ceiling",
            "ranking_version",
        ],
    ),
    (
        "place_allocations",
        &[
            "id",
            "application_id",
            "resource_id",
            "state",
            "offered_on",
            "respond_by",
            "admitted_on",
            "ended_on",
            "exit",
            "out_of_order_reason",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "allocation_decisions",
        &[
            "id",
            "allocation_id",
            "decision",
            "occurred_on",
            "reason",
            "recorded_at",
            "recorded_by",
        ],
    ),
    (
        "published_rankings",
        &[
            "id",
            "resource_id",
            "number",
            "criteria_set_id",
            "ranked_on",
            "previous_criteria_set_id",
            "reason",
            "entries",
            "published_at",
            "published_by",
        ],
    ),
    (
        "published_ranking_entries",
        &[
            "ranking_id",
            "position",
            "application_id",
            "protocol_year",
            "protocol_number",
            "total",
        ],
    ),
    (
        "benefits",
        &[
            "id",
            "case_file_id",
            "person_id",
            "catalogue",
            "code",
            "form",
            "amount_cents",
            "frequency",
            "isee_dependent",
            "isee_cents",
            "dsu_protocol",
            "from_on",
            "until_on",
            "decision_ref",
            "decision_on",
            "notes",
            "source_kind",
            "source_id",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "employment_hours",
        &[
            "placement_id",
            "month",
            "hours",
            "recorded_at",
            "recorded_by",
            "contract_id",
        ],
    ),
    (
        "training_events",
        &[
            "id",
            "kind",
            "title",
            "provider",
            "from_on",
            "until_on",
            "hours",
            "credits",
            "ethics_credits",
            "notes",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "training_attendance",
        &["event_id", "user_id", "hours", "recorded_at", "recorded_by"],
    ),
    (
        "contract_amendments",
        &[
            "id",
            "contract_id",
            "version",
            "reason",
            "previous",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "placement_moves",
        &[
            "id",
            "placement_id",
            "from_bed_id",
            "to_bed_id",
            "from_night",
            "reason",
            "override_reason",
            "author_id",
            "recorded_at",
        ],
    ),
    (
        "bed_nights",
        &[
            "bed_id",
            "night",
            "place",
            "person_id",
            "placement_id",
            "attendance",
        ],
    ),
    (
        "partner_organisations",
        &[
            "id",
            "name",
            "kind",
            "active",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "machine_clients",
        &[
            "id",
            "organisation_id",
            "name",
            "scopes",
            "enabled",
            "last_used_at",
            "version",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
        ],
    ),
    (
        "machine_client_keys",
        &[
            "client_id",
            "kid",
            "algorithm",
            "format",
            "public_key",
            "thumbprint",
            "added_at",
            "added_by",
            "revoked_at",
            "revoked_by",
        ],
    ),
    ("client_assertions", &["client_id", "jti", "expires_at"]),
    (
        "events",
        &[
            "position",
            "id",
            "type",
            "subject",
            "time",
            "organisation_id",
            "data",
        ],
    ),
    ("event_head", &["id", "last_position", "pruned_through"]),
    (
        "event_pending",
        &["id", "type", "subject", "time", "organisation_id", "data"],
    ),
    (
        "webhook_subscriptions",
        &[
            "id",
            "client_id",
            "url",
            "event_types",
            "secret",
            "enabled",
            "disabled_reason",
            "delivered_through",
            "consecutive_failures",
            "next_attempt_at",
            "leased_until",
            "lease_owner",
            "version",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "webhook_attempts",
        &[
            "id",
            "subscription_id",
            "event_position",
            "event_id",
            "attempted_at",
            "succeeded",
            "status_code",
            "error",
            "duration_ms",
        ],
    ),
    (
        "siuss_exports",
        &[
            "id",
            "period",
            "from_on",
            "until_on",
            "body_code",
            "records",
            "refused",
            "sha256",
            "content",
            "refusals",
            "created_at",
            "created_by",
        ],
    ),
    ("siuss_export_persons", &["export_id", "person_id"]),
    (
        "imports",
        &[
            "id",
            "sha256",
            "status",
            "delimiter",
            "rows_total",
            "batches",
            "next_batch",
            "imported",
            "refused",
            "households",
            "case_files",
            "claim_token",
            "claimed_until",
            "created_at",
            "created_by",
            "completed_at",
        ],
    ),
    (
        "import_rows",
        &[
            "import_id",
            "line",
            "outcome",
            "person_id",
            "household_id",
            "case_file_id",
            "problems",
        ],
    ),
    (
        "retention_runs",
        &[
            "id",
            "status",
            "authorisation",
            "as_of",
            "case_content_years",
            "special_category_years",
            "identity_years",
            "case_files",
            "special_categories",
            "persons",
            "exports",
            "claimed_until",
            "created_at",
            "created_by",
            "completed_at",
        ],
    ),
];
