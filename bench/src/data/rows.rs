//! One insertable row type per table the generator fills, and [`Batch`]: the rows of one chunk,
//! written table by table in foreign-key order with batched statements.
//!
//! The row types mirror `socialcare_persistence::schema` column for column (the `Insertable`
//! derive checks names and types against it at compile time). They exist beside the row types
//! of the persistence layer because batched writes need `treat_none_as_default_value = false`:
//! with it, a `None` is bound as `NULL` instead of the `DEFAULT` keyword, so that SQLite gets one
//! multi-row `INSERT` per chunk (instead of one statement per row) and PostgreSQL can take the
//! rows through `COPY … FROM STDIN (FORMAT binary)`. Their fields are the table's columns under
//! the same names (documented in `persistence/src/schema.rs` and the migrations).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;
use socialcare_persistence::AnyConnection;
use socialcare_persistence::schema::{self, TABLES};
use socialcare_persistence::sql_types::{DbInstant, DbUuid};

/// Most bind parameters in one SQLite statement (`SQLITE_MAX_VARIABLE_NUMBER` of the bundled
/// SQLite).
pub const SQLITE_MAX_BINDS: usize = 32_766;
/// Most bind parameters in one PostgreSQL statement (the wire protocol counts them in 16 bits).
pub const PG_MAX_BINDS: usize = 65_535;

/// How rows reach PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PgWrite {
    /// `COPY … FROM STDIN` in the binary format (the default: the fastest measured).
    Copy,
    /// Multi-row `INSERT … VALUES` statements, as many rows as the bind limit allows.
    Insert,
}

/// Number of columns of `table` according to the schema's table list.
pub fn column_count(table: &str) -> usize {
    TABLES
        .iter()
        .find(|(name, _)| *name == table)
        .map_or(1, |(_, columns)| columns.len().max(1))
}

/// Writes `rows` into one table with as few statements as the engine's limits allow, adding the
/// time it took to `$spent`.
macro_rules! write_rows {
    ($conn:expr, $method:expr, $table:ident, $rows:expr, $spent:expr) => {{
        let rows = $rows;
        if !rows.is_empty() {
            let started = std::time::Instant::now();
            let columns = column_count(stringify!($table));
            match $conn {
                AnyConnection::Postgresql(c) => match $method {
                    PgWrite::Copy => {
                        diesel::copy_from(schema::$table::table)
                            .from_insertable(rows)
                            .execute(c)?;
                    }
                    PgWrite::Insert => {
                        for chunk in rows.chunks(PG_MAX_BINDS / columns) {
                            diesel::insert_into(schema::$table::table)
                                .values(chunk)
                                .execute(c)?;
                        }
                    }
                },
                AnyConnection::Sqlite(c) => {
                    for chunk in rows.chunks(SQLITE_MAX_BINDS / columns) {
                        diesel::insert_into(schema::$table::table)
                            .values(chunk)
                            .execute(c)?;
                    }
                }
            }
            *$spent.entry(stringify!($table)).or_default() += started.elapsed();
        }
    }};
}

/// Declares [`Batch`] with one vector per table, in the order they are written (parents before
/// children).
macro_rules! batch {
    ($($field:ident: $row:ident),* $(,)?) => {
        /// The rows of one generated chunk, one vector per table.
        #[derive(Debug, Default)]
        pub struct Batch {
            $(
                #[doc = concat!("Rows of `", stringify!($field), "`.")]
                pub $field: Vec<$row>,
            )*
        }

        impl Batch {
            /// Writes every table of the batch, parents first, inside the caller's
            /// transaction, adding the time spent per table to `spent`.
            pub fn write(
                &self,
                conn: &mut AnyConnection,
                method: PgWrite,
                spent: &mut BTreeMap<&'static str, Duration>,
            ) -> QueryResult<()> {
                $( write_rows!(conn, method, $field, &self.$field, spent); )*
                Ok(())
            }

            /// Adds the number of rows of each table to `counts`.
            pub fn count_into(&self, counts: &mut BTreeMap<&'static str, u64>) {
                $(
                    *counts.entry(stringify!($field)).or_default() +=
                        u64::try_from(self.$field.len()).unwrap_or(u64::MAX);
                )*
            }

            /// The tables a batch writes, in order.
            pub const TABLES: &'static [&'static str] = &[$(stringify!($field)),*];
        }
    };
}

batch! {
    users: UserRow,
    user_roles: UserRoleRow,
    user_areas: UserAreaRow,
    persons: PersonRow,
    person_name_tokens: NameTokenRow,
    households: HouseholdRow,
    household_members: MemberRow,
    person_health_disability: HealthDisabilityRow,
    person_ethnicity: EthnicityRow,
    person_legal_status: LegalStatusRow,
    person_justice: JusticeRow,
    person_merges: MergeRow,
    case_files: CaseFileRow,
    case_file_target_groups: TargetGroupRow,
    case_file_team: TeamRow,
    case_file_transitions: CaseTransitionRow,
    assessments: AssessmentRow,
    assessment_scores: ScoreRow,
    diary_entries: DiaryRow,
    consents: ConsentRow,
    referrals: ReferralRow,
    referral_events: ReferralEventRow,
    projects: ProjectRow,
    project_transitions: ProjectTransitionRow,
    project_objectives: ObjectiveRow,
    project_participants: ParticipantRow,
    project_actions: ActionRow,
    project_reviews: ReviewRow,
    project_review_outcomes: ReviewOutcomeRow,
    pacts: PactRow,
    pact_steps: PactStepRow,
    pact_transitions: PactTransitionRow,
    pact_commitments: CommitmentRow,
    pact_checks: PactCheckRow,
    pact_check_attendees: CheckAttendeeRow,
    pact_check_outcomes: CheckOutcomeRow,
    pact_non_compliance: NonComplianceRow,
    pact_deadlines: PactDeadlineRow,
    facilities: FacilityRow,
    facility_target_groups: FacilityGroupRow,
    beds: BedRow,
    bed_places: BedPlaceRow,
    bed_out_of_service: OutOfServiceRow,
    placements: PlacementRow,
    placement_transitions: PlacementTransitionRow,
    bed_nights: BedNightRow,
    employers: EmployerRow,
    procurement_contracts: ContractRow,
    employment_placements: WorkPlacementRow,
    employment_hours: WorkHoursRow,
    employment_reviews: WorkReviewRow,
    training_events: TrainingEventRow,
    training_attendance: AttendanceRow,
    criteria_sets: CriteriaSetRow,
    criteria: CriterionRow,
    resources: ResourceRow,
    resource_capacity: CapacityRow,
    resource_occupancy: OccupancyRow,
    applications: ApplicationRow,
    application_inputs: ApplicationInputRow,
    case_reference_counters: CounterRow,
    application_protocol_counters: ApplicationCounterRow,
}

/// A `users` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::users, treat_none_as_default_value = false)]
pub struct UserRow {
    pub(super) id: DbUuid,
    pub(super) username: String,
    pub(super) display_name: String,
    pub(super) email: String,
    pub(super) password_hash: String,
    pub(super) active: bool,
    pub(super) created_at: DbInstant,
    pub(super) updated_at: DbInstant,
    pub(super) disabled_at: Option<DbInstant>,
    pub(super) version: i64,
}

/// A `user_roles` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::user_roles, treat_none_as_default_value = false)]
pub struct UserRoleRow {
    pub(super) user_id: DbUuid,
    pub(super) role: String,
}

/// A `user_areas` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::user_areas, treat_none_as_default_value = false)]
pub struct UserAreaRow {
    pub(super) user_id: DbUuid,
    pub(super) area: String,
}

/// A `persons` row (built from the persistence layer's own mapping, see
/// `socialcare_persistence::persons::row_of`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::persons, treat_none_as_default_value = false)]
pub struct PersonRow {
    pub(super) id: DbUuid,
    pub(super) given_names: String,
    pub(super) family_names: String,
    pub(super) name_key: String,
    pub(super) sort_key: String,
    pub(super) birth_date: Option<NaiveDate>,
    pub(super) birth_place: Option<String>,
    pub(super) sex: Option<String>,
    pub(super) citizenship: Option<String>,
    pub(super) tax_code: Option<String>,
    pub(super) residence_kind: String,
    pub(super) address_street: Option<String>,
    pub(super) address_postal_code: Option<String>,
    pub(super) address_municipality: Option<String>,
    pub(super) address_province: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) email: Option<String>,
    pub(super) languages: String,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
    pub(super) annulled_at: Option<DbInstant>,
    pub(super) annulled_by: Option<DbUuid>,
    pub(super) annulment_reason: Option<String>,
    pub(super) anonymised_at: Option<DbInstant>,
}

impl From<socialcare_persistence::persons::PersonRow> for PersonRow {
    fn from(r: socialcare_persistence::persons::PersonRow) -> Self {
        Self {
            id: r.id,
            given_names: r.given_names,
            family_names: r.family_names,
            name_key: r.name_key,
            sort_key: r.sort_key,
            birth_date: r.birth_date,
            birth_place: r.birth_place,
            sex: r.sex,
            citizenship: r.citizenship,
            tax_code: r.tax_code,
            residence_kind: r.residence_kind,
            address_street: r.address_street,
            address_postal_code: r.address_postal_code,
            address_municipality: r.address_municipality,
            address_province: r.address_province,
            phone: r.phone,
            email: r.email,
            languages: r.languages,
            version: r.version,
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
            updated_by: r.updated_by,
            annulled_at: r.annulled_at,
            annulled_by: r.annulled_by,
            annulment_reason: r.annulment_reason,
            anonymised_at: r.anonymised_at,
        }
    }
}

/// A `person_name_tokens` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_name_tokens, treat_none_as_default_value = false)]
pub struct NameTokenRow {
    pub(super) token: String,
    pub(super) person_id: DbUuid,
    pub(super) sort_key: String,
}

/// A `households` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::households, treat_none_as_default_value = false)]
pub struct HouseholdRow {
    pub(super) id: DbUuid,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `household_members` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::household_members, treat_none_as_default_value = false)]
pub struct MemberRow {
    pub(super) id: DbUuid,
    pub(super) household_id: DbUuid,
    pub(super) person_id: DbUuid,
    pub(super) relationship: String,
    pub(super) joined_on: NaiveDate,
    pub(super) left_on: Option<NaiveDate>,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) ended_at: Option<DbInstant>,
    pub(super) ended_by: Option<DbUuid>,
}

/// A `person_health_disability` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_health_disability, treat_none_as_default_value = false)]
pub struct HealthDisabilityRow {
    pub(super) person_id: DbUuid,
    pub(super) law_104_recognised: bool,
    pub(super) law_104_severe: bool,
    pub(super) civil_invalidity_percent: Option<i32>,
    pub(super) accompanying_allowance: bool,
    pub(super) support_needs: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `person_ethnicity` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_ethnicity, treat_none_as_default_value = false)]
pub struct EthnicityRow {
    pub(super) person_id: DbUuid,
    pub(super) community: String,
    pub(super) relevant_to_project: String,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `person_legal_status` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_legal_status, treat_none_as_default_value = false)]
pub struct LegalStatusRow {
    pub(super) person_id: DbUuid,
    pub(super) permit_kind: Option<String>,
    pub(super) permit_expires_on: Option<NaiveDate>,
    pub(super) protection_status: String,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `person_justice` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_justice, treat_none_as_default_value = false)]
pub struct JusticeRow {
    pub(super) person_id: DbUuid,
    pub(super) status: String,
    pub(super) alternative_measure_kind: Option<String>,
    pub(super) institution: Option<String>,
    pub(super) measure_start_on: Option<NaiveDate>,
    pub(super) expected_release_on: Option<NaiveDate>,
    pub(super) uepe_contact_reference: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `person_merges` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_merges, treat_none_as_default_value = false)]
pub struct MergeRow {
    pub(super) id: DbUuid,
    pub(super) survivor_id: DbUuid,
    pub(super) duplicate_id: DbUuid,
    pub(super) reason: String,
    pub(super) moved_case_files: String,
    pub(super) merged_by: DbUuid,
    pub(super) merged_at: DbInstant,
}

/// A `case_files` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_files, treat_none_as_default_value = false)]
pub struct CaseFileRow {
    pub(super) id: DbUuid,
    pub(super) reference: String,
    pub(super) person_id: DbUuid,
    pub(super) area: String,
    pub(super) status: String,
    pub(super) opened_on: NaiveDate,
    pub(super) closed_on: Option<NaiveDate>,
    pub(super) closing_reason: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
    pub(super) confirmed_at: Option<DbInstant>,
    pub(super) confirmed_by: Option<DbUuid>,
    pub(super) content_erased_at: Option<DbInstant>,
}

/// A `case_file_target_groups` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_file_target_groups, treat_none_as_default_value = false)]
pub struct TargetGroupRow {
    pub(super) case_file_id: DbUuid,
    pub(super) target_group: String,
}

/// A `case_file_team` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_file_team, treat_none_as_default_value = false)]
pub struct TeamRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) staff_id: DbUuid,
    pub(super) role: String,
    pub(super) assigned_from: NaiveDate,
    pub(super) assigned_until: Option<NaiveDate>,
    pub(super) assigned_by: DbUuid,
    pub(super) recorded_at: DbInstant,
    pub(super) sensitive_access: bool,
}

/// A `case_file_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_file_transitions, treat_none_as_default_value = false)]
pub struct CaseTransitionRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) transition: String,
    pub(super) from_status: String,
    pub(super) to_status: String,
    pub(super) occurred_on: NaiveDate,
    pub(super) reason: String,
    pub(super) closing_reason: Option<String>,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// An `assessments` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::assessments, treat_none_as_default_value = false)]
pub struct AssessmentRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) version_number: i32,
    pub(super) assessed_on: NaiveDate,
    pub(super) author_id: DbUuid,
    pub(super) notes: Option<String>,
    pub(super) created_at: DbInstant,
}

/// An `assessment_scores` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::assessment_scores, treat_none_as_default_value = false)]
pub struct ScoreRow {
    pub(super) assessment_id: DbUuid,
    pub(super) domain: String,
    pub(super) severity: i32,
}

/// A `diary_entries` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::diary_entries, treat_none_as_default_value = false)]
pub struct DiaryRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) kind: String,
    pub(super) occurred_at: DbInstant,
    pub(super) text: String,
    pub(super) restricted: bool,
    pub(super) corrects_entry_id: Option<DbUuid>,
    pub(super) author_id: DbUuid,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) updated_at: DbInstant,
}

/// A `consents` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::consents, treat_none_as_default_value = false)]
pub struct ConsentRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) kind: String,
    pub(super) privacy_notice_version: Option<String>,
    pub(super) organisation: Option<String>,
    pub(super) purpose: Option<String>,
    pub(super) given_on: NaiveDate,
    pub(super) expires_on: Option<NaiveDate>,
    pub(super) revoked_on: Option<NaiveDate>,
    pub(super) revocation_reason: Option<String>,
    pub(super) version: i64,
    pub(super) recorded_by: DbUuid,
    pub(super) created_at: DbInstant,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `referrals` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::referrals, treat_none_as_default_value = false)]
pub struct ReferralRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) direction: String,
    pub(super) service: String,
    pub(super) organisation: String,
    pub(super) reason: String,
    pub(super) status: String,
    pub(super) sent_on: NaiveDate,
    pub(super) reply_text: Option<String>,
    pub(super) replied_on: Option<NaiveDate>,
    pub(super) closed_on: Option<NaiveDate>,
    pub(super) version: i64,
    pub(super) created_by: DbUuid,
    pub(super) created_at: DbInstant,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
    pub(super) organisation_id: Option<DbUuid>,
    pub(super) answered_by_client: Option<DbUuid>,
}

/// A `referral_events` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::referral_events, treat_none_as_default_value = false)]
pub struct ReferralEventRow {
    pub(super) id: DbUuid,
    pub(super) referral_id: DbUuid,
    pub(super) transition: String,
    pub(super) from_status: String,
    pub(super) to_status: String,
    pub(super) occurred_on: NaiveDate,
    pub(super) note: Option<String>,
    pub(super) author_id: Option<DbUuid>,
    pub(super) recorded_at: DbInstant,
    pub(super) client_id: Option<DbUuid>,
}

/// A `projects` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::projects, treat_none_as_default_value = false)]
pub struct ProjectRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) kind: String,
    pub(super) title: String,
    pub(super) status: String,
    pub(super) drafted_on: NaiveDate,
    pub(super) started_on: Option<NaiveDate>,
    pub(super) ended_on: Option<NaiveDate>,
    pub(super) interruption_reason: Option<String>,
    pub(super) next_review_on: Option<NaiveDate>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `project_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_transitions, treat_none_as_default_value = false)]
pub struct ProjectTransitionRow {
    pub(super) id: DbUuid,
    pub(super) project_id: DbUuid,
    pub(super) transition: String,
    pub(super) from_status: String,
    pub(super) to_status: String,
    pub(super) occurred_on: NaiveDate,
    pub(super) reason: Option<String>,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `project_objectives` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_objectives, treat_none_as_default_value = false)]
pub struct ObjectiveRow {
    pub(super) id: DbUuid,
    pub(super) project_id: DbUuid,
    pub(super) domain: String,
    pub(super) description: String,
    pub(super) target_date: NaiveDate,
    pub(super) indicator: Option<String>,
    pub(super) status: String,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `project_participants` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_participants, treat_none_as_default_value = false)]
pub struct ParticipantRow {
    pub(super) id: DbUuid,
    pub(super) project_id: DbUuid,
    pub(super) kind: String,
    pub(super) person_id: Option<DbUuid>,
    pub(super) staff_id: Option<DbUuid>,
    pub(super) service: Option<String>,
    pub(super) organisation: Option<String>,
    pub(super) role: Option<String>,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
}

/// A `project_actions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_actions, treat_none_as_default_value = false)]
pub struct ActionRow {
    pub(super) id: DbUuid,
    pub(super) project_id: DbUuid,
    pub(super) description: String,
    pub(super) participant_id: Option<DbUuid>,
    pub(super) due_on: Option<NaiveDate>,
    pub(super) status: String,
    pub(super) done_on: Option<NaiveDate>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `project_reviews` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_reviews, treat_none_as_default_value = false)]
pub struct ReviewRow {
    pub(super) id: DbUuid,
    pub(super) project_id: DbUuid,
    pub(super) reviewed_on: NaiveDate,
    pub(super) notes: Option<String>,
    pub(super) next_review_on: NaiveDate,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `project_review_outcomes` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_review_outcomes, treat_none_as_default_value = false)]
pub struct ReviewOutcomeRow {
    pub(super) review_id: DbUuid,
    pub(super) objective_id: DbUuid,
    pub(super) status: String,
    pub(super) note: Option<String>,
}

/// A `pacts` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pacts, treat_none_as_default_value = false)]
pub struct PactRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) household_id: Option<DbUuid>,
    pub(super) measure: String,
    pub(super) application_reference: String,
    pub(super) status: String,
    pub(super) drafted_on: NaiveDate,
    pub(super) activation_on: Option<NaiveDate>,
    pub(super) convocation_on: Option<NaiveDate>,
    pub(super) analysis_outcome: Option<String>,
    pub(super) signed_on: Option<NaiveDate>,
    pub(super) active_since: Option<NaiveDate>,
    pub(super) last_check_on: Option<NaiveDate>,
    pub(super) closed_on: Option<NaiveDate>,
    pub(super) closure_outcome: Option<String>,
    pub(super) rules_version: String,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `pact_steps` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_steps, treat_none_as_default_value = false)]
pub struct PactStepRow {
    pub(super) id: DbUuid,
    pub(super) pact_id: DbUuid,
    pub(super) kind: String,
    pub(super) occurred_on: NaiveDate,
    pub(super) outcome: Option<String>,
    pub(super) notes: Option<String>,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `pact_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_transitions, treat_none_as_default_value = false)]
pub struct PactTransitionRow {
    pub(super) id: DbUuid,
    pub(super) pact_id: DbUuid,
    pub(super) transition: String,
    pub(super) from_status: String,
    pub(super) to_status: String,
    pub(super) occurred_on: NaiveDate,
    pub(super) reason: Option<String>,
    pub(super) closure_outcome: Option<String>,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `pact_commitments` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_commitments, treat_none_as_default_value = false)]
pub struct CommitmentRow {
    pub(super) id: DbUuid,
    pub(super) pact_id: DbUuid,
    pub(super) person_id: DbUuid,
    pub(super) kind: String,
    pub(super) owner: String,
    pub(super) frequency: String,
    pub(super) due_on: NaiveDate,
    pub(super) verification: String,
    pub(super) status: String,
    pub(super) justification: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `pact_checks` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_checks, treat_none_as_default_value = false)]
pub struct PactCheckRow {
    pub(super) id: DbUuid,
    pub(super) pact_id: DbUuid,
    pub(super) checked_on: NaiveDate,
    pub(super) notes: Option<String>,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `pact_check_attendees` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_check_attendees, treat_none_as_default_value = false)]
pub struct CheckAttendeeRow {
    pub(super) check_id: DbUuid,
    pub(super) person_id: DbUuid,
}

/// A `pact_check_outcomes` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_check_outcomes, treat_none_as_default_value = false)]
pub struct CheckOutcomeRow {
    pub(super) check_id: DbUuid,
    pub(super) commitment_id: DbUuid,
    pub(super) status: String,
    pub(super) note: Option<String>,
}

/// A `pact_non_compliance` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_non_compliance, treat_none_as_default_value = false)]
pub struct NonComplianceRow {
    pub(super) id: DbUuid,
    pub(super) pact_id: DbUuid,
    pub(super) commitment_id: Option<DbUuid>,
    pub(super) occurred_on: NaiveDate,
    pub(super) description: String,
    pub(super) relevant_for_sanctions: bool,
    pub(super) reported_on: Option<NaiveDate>,
    pub(super) recorded_by: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `pact_deadlines` row: a deadline of a pact as `socialcare_domain::pact::clock_deadlines`
/// computes it (what the server stores with every change of the pact).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_deadlines, treat_none_as_default_value = false)]
pub struct PactDeadlineRow {
    pub(super) pact_id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) kind: String,
    pub(super) kind_rank: i16,
    pub(super) commitment_key: DbUuid,
    pub(super) due_on: NaiveDate,
    pub(super) stopped_since: Option<NaiveDate>,
}

/// A `facilities` row: a facility of the housing register.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::facilities, treat_none_as_default_value = false)]
pub struct FacilityRow {
    pub(super) id: DbUuid,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) area: String,
    pub(super) operator: String,
    pub(super) street: String,
    pub(super) municipality: String,
    pub(super) postcode: Option<String>,
    pub(super) takes: String,
    pub(super) accessible: bool,
    pub(super) opens_on: NaiveDate,
    pub(super) closes_on: Option<NaiveDate>,
    pub(super) phone: Option<String>,
    pub(super) email: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `facility_target_groups` row: a target group a facility takes.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::facility_target_groups, treat_none_as_default_value = false)]
pub struct FacilityGroupRow {
    pub(super) facility_id: DbUuid,
    pub(super) target_group: String,
}

/// A `beds` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::beds, treat_none_as_default_value = false)]
pub struct BedRow {
    pub(super) id: DbUuid,
    pub(super) facility_id: DbUuid,
    pub(super) unit: String,
    pub(super) label: String,
    pub(super) capacity: i16,
    pub(super) takes: Option<String>,
    pub(super) accessible: bool,
    pub(super) opens_on: NaiveDate,
    pub(super) closes_on: Option<NaiveDate>,
    pub(super) season_from: Option<NaiveDate>,
    pub(super) season_until: Option<NaiveDate>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `bed_places` row: one place of a bed (0 to capacity - 1).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::bed_places, treat_none_as_default_value = false)]
pub struct BedPlaceRow {
    pub(super) bed_id: DbUuid,
    pub(super) place: i16,
}

/// A `bed_out_of_service` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::bed_out_of_service, treat_none_as_default_value = false)]
pub struct OutOfServiceRow {
    pub(super) id: DbUuid,
    pub(super) bed_id: DbUuid,
    pub(super) from_on: NaiveDate,
    pub(super) until_on: Option<NaiveDate>,
    pub(super) reason: String,
    pub(super) recorded_by: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `placements` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::placements, treat_none_as_default_value = false)]
pub struct PlacementRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) person_id: DbUuid,
    pub(super) facility_id: DbUuid,
    pub(super) bed_id: DbUuid,
    pub(super) tracking: String,
    pub(super) status: String,
    pub(super) from_on: NaiveDate,
    pub(super) until_on: NaiveDate,
    pub(super) started_on: Option<NaiveDate>,
    pub(super) ended_on: Option<NaiveDate>,
    pub(super) exit_destination: Option<String>,
    pub(super) exit_notes: Option<String>,
    pub(super) cancel_reason: Option<String>,
    pub(super) override_reason: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `placement_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::placement_transitions, treat_none_as_default_value = false)]
pub struct PlacementTransitionRow {
    pub(super) id: DbUuid,
    pub(super) placement_id: DbUuid,
    pub(super) transition: String,
    pub(super) from_status: String,
    pub(super) to_status: String,
    pub(super) occurred_on: NaiveDate,
    pub(super) author_id: DbUuid,
    pub(super) recorded_at: DbInstant,
}

/// A `bed_nights` row: a person booked in a place of a bed for a night.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::bed_nights, treat_none_as_default_value = false)]
pub struct BedNightRow {
    pub(super) bed_id: DbUuid,
    pub(super) night: NaiveDate,
    pub(super) place: i16,
    pub(super) person_id: DbUuid,
    pub(super) placement_id: DbUuid,
    pub(super) attendance: String,
}

/// A `case_reference_counters` row: the last sequence number given in a year.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_reference_counters, treat_none_as_default_value = false)]
pub struct CounterRow {
    pub(super) year: i32,
    pub(super) last_sequence: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A column added to the schema (even one with a default) must be written by the loader:
    /// each row type lists exactly the columns of its table, in order.
    #[test]
    fn every_column_of_every_written_table_is_written() {
        let source = include_str!("rows.rs");
        for table in Batch::TABLES {
            let marker = format!("table_name = schema::{table}, treat_none_as_default_value");
            let start = source
                .find(&marker)
                .unwrap_or_else(|| panic!("no row type for {table}"));
            let body = &source[start..];
            let body = &body[body.find('{').unwrap()..body.find("\n}").unwrap()];
            let fields: Vec<&str> = body
                .lines()
                .filter_map(|l| l.trim().strip_prefix("pub(super) "))
                .filter_map(|l| l.split(':').next())
                .collect();
            let columns = TABLES
                .iter()
                .find(|(name, _)| name == table)
                .map(|(_, columns)| columns.to_vec())
                .unwrap_or_else(|| panic!("{table} is not in the schema"));
            assert_eq!(fields, columns, "columns of {table}");
        }
    }
}

/// An `employers` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::employers, treat_none_as_default_value = false)]
pub struct EmployerRow {
    pub(super) id: DbUuid,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) vat_number: Option<String>,
    pub(super) tax_code: Option<String>,
    pub(super) street: String,
    pub(super) municipality: String,
    pub(super) postcode: Option<String>,
    pub(super) contact_name: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) email: Option<String>,
    pub(super) cooperative_register_number: Option<String>,
    pub(super) cooperative_registered_on: Option<NaiveDate>,
    pub(super) annulled_at: Option<DbInstant>,
    pub(super) annulled_by: Option<DbUuid>,
    pub(super) annulment_reason: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `procurement_contracts` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::procurement_contracts, treat_none_as_default_value = false)]
pub struct ContractRow {
    pub(super) id: DbUuid,
    pub(super) contracting_authority: String,
    pub(super) cig: String,
    pub(super) subject: String,
    pub(super) from_on: NaiveDate,
    pub(super) until_on: NaiveDate,
    pub(super) employer_id: DbUuid,
    pub(super) clause: String,
    pub(super) required_workers: Option<i16>,
    pub(super) required_hours_share: Option<i16>,
    pub(super) notes: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
    pub(super) monthly_hours: Option<i32>,
}

/// An `employment_placements` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::employment_placements, treat_none_as_default_value = false)]
pub struct WorkPlacementRow {
    pub(super) id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) person_id: DbUuid,
    pub(super) kind: String,
    pub(super) programme: Option<String>,
    pub(super) employer_id: DbUuid,
    pub(super) contract_id: Option<DbUuid>,
    pub(super) office_tutor_id: Option<DbUuid>,
    pub(super) company_tutor: Option<String>,
    pub(super) weekly_hours: i16,
    pub(super) from_on: NaiveDate,
    pub(super) until_on: Option<NaiveDate>,
    pub(super) notes: Option<String>,
    pub(super) status: String,
    pub(super) started_on: Option<NaiveDate>,
    pub(super) ended_on: Option<NaiveDate>,
    pub(super) interruption_reason: Option<String>,
    pub(super) outcome: Option<String>,
    pub(super) outcome_on: Option<NaiveDate>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
    pub(super) commitment_id: Option<DbUuid>,
    pub(super) referral_id: Option<DbUuid>,
    pub(super) next_review_on: Option<NaiveDate>,
}

/// An `employment_reviews` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::employment_reviews, treat_none_as_default_value = false)]
pub struct WorkReviewRow {
    pub(super) id: DbUuid,
    pub(super) placement_id: DbUuid,
    pub(super) held_on: NaiveDate,
    pub(super) progress: String,
    pub(super) with_company_tutor: bool,
    pub(super) summary: String,
    pub(super) next_review_on: Option<NaiveDate>,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
}

/// An `employment_hours` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::employment_hours, treat_none_as_default_value = false)]
pub struct WorkHoursRow {
    pub(super) placement_id: DbUuid,
    pub(super) month: String,
    pub(super) hours: i16,
    pub(super) recorded_at: DbInstant,
    pub(super) recorded_by: DbUuid,
    pub(super) contract_id: Option<DbUuid>,
}

/// A `training_events` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::training_events, treat_none_as_default_value = false)]
pub struct TrainingEventRow {
    pub(super) id: DbUuid,
    pub(super) kind: String,
    pub(super) title: String,
    pub(super) provider: String,
    pub(super) from_on: NaiveDate,
    pub(super) until_on: NaiveDate,
    pub(super) hours: i16,
    pub(super) credits: i16,
    pub(super) ethics_credits: i16,
    pub(super) notes: Option<String>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `training_attendance` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::training_attendance, treat_none_as_default_value = false)]
pub struct AttendanceRow {
    pub(super) event_id: DbUuid,
    pub(super) user_id: DbUuid,
    pub(super) hours: i16,
    pub(super) recorded_at: DbInstant,
    pub(super) recorded_by: DbUuid,
}

/// A `criteria_sets` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::criteria_sets, treat_none_as_default_value = false)]
pub struct CriteriaSetRow {
    pub(super) id: DbUuid,
    pub(super) code: String,
    pub(super) version: i32,
    pub(super) title: String,
    pub(super) effective_from: NaiveDate,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
}

/// A `criteria` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::criteria, treat_none_as_default_value = false)]
pub struct CriterionRow {
    pub(super) set_id: DbUuid,
    pub(super) position: i16,
    pub(super) kind: String,
    pub(super) label: String,
    pub(super) scale: String,
}

/// A `resources` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::resources, treat_none_as_default_value = false)]
pub struct ResourceRow {
    pub(super) id: DbUuid,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) managing_body: String,
    pub(super) area: String,
    pub(super) criteria_code: String,
    pub(super) reconfirm_months: i16,
    pub(super) notes: Option<String>,
    pub(super) closed_on: Option<NaiveDate>,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// A `resource_capacity` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::resource_capacity, treat_none_as_default_value = false)]
pub struct CapacityRow {
    pub(super) resource_id: DbUuid,
    pub(super) from_on: NaiveDate,
    pub(super) places: i32,
    pub(super) recorded_at: DbInstant,
    pub(super) recorded_by: DbUuid,
}

/// A `resource_occupancy` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::resource_occupancy, treat_none_as_default_value = false)]
pub struct OccupancyRow {
    pub(super) resource_id: DbUuid,
    pub(super) places_held: i32,
    pub(super) places_ceiling: i32,
    pub(super) ranking_version: i64,
}

/// An `applications` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::applications, treat_none_as_default_value = false)]
pub struct ApplicationRow {
    pub(super) id: DbUuid,
    pub(super) protocol_year: i32,
    pub(super) protocol_number: i32,
    pub(super) resource_id: DbUuid,
    pub(super) case_file_id: DbUuid,
    pub(super) person_id: DbUuid,
    pub(super) submitted_at: DbInstant,
    pub(super) submitted_on: NaiveDate,
    pub(super) confirmed_on: NaiveDate,
    pub(super) reconfirm_by: NaiveDate,
    pub(super) status: String,
    pub(super) version: i64,
    pub(super) created_at: DbInstant,
    pub(super) created_by: DbUuid,
    pub(super) updated_at: DbInstant,
    pub(super) updated_by: DbUuid,
}

/// An `application_inputs` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::application_inputs, treat_none_as_default_value = false)]
pub struct ApplicationInputRow {
    pub(super) id: DbUuid,
    pub(super) application_id: DbUuid,
    pub(super) kind: String,
    pub(super) level: Option<i16>,
    pub(super) isee_cents: Option<i64>,
    pub(super) source: String,
    pub(super) as_of: NaiveDate,
    pub(super) reference: Option<String>,
    pub(super) recorded_at: DbInstant,
    pub(super) recorded_by: DbUuid,
}

/// An `application_protocol_counters` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::application_protocol_counters, treat_none_as_default_value = false)]
pub struct ApplicationCounterRow {
    pub(super) year: i32,
    pub(super) last_sequence: i32,
}
