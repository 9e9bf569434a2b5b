//! One insertable row type per table the generator fills, and [`Batch`]: the rows of one chunk,
//! written table by table in foreign-key order with batched statements.
//!
//! The row types mirror `socialcare_persistence::schema` column for column (the `Insertable`
//! derive checks names and types against it at compile time). They exist beside the row types
//! of the persistence layer because batched writes need `treat_none_as_default_value = false`:
//! with it, a `None` is bound as `NULL` instead of the `DEFAULT` keyword, so that SQLite gets one
//! multi-row `INSERT` per chunk (instead of one statement per row) and PostgreSQL can take the
//! rows through `COPY … FROM STDIN (FORMAT binary)`.

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
    case_reference_counters: CounterRow,
}

/// A `users` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::users, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct UserRow {
    pub id: DbUuid,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: DbInstant,
    pub updated_at: DbInstant,
    pub disabled_at: Option<DbInstant>,
}

/// A `user_roles` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::user_roles, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct UserRoleRow {
    pub user_id: DbUuid,
    pub role: String,
}

/// A `user_areas` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::user_areas, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct UserAreaRow {
    pub user_id: DbUuid,
    pub area: String,
}

/// A `persons` row (built from the persistence layer's own mapping, see
/// `socialcare_persistence::persons::row_of`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::persons, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct PersonRow {
    pub id: DbUuid,
    pub given_names: String,
    pub family_names: String,
    pub name_key: String,
    pub sort_key: String,
    pub birth_date: Option<NaiveDate>,
    pub birth_place: Option<String>,
    pub sex: Option<String>,
    pub citizenship: Option<String>,
    pub tax_code: Option<String>,
    pub residence_kind: String,
    pub address_street: Option<String>,
    pub address_postal_code: Option<String>,
    pub address_municipality: Option<String>,
    pub address_province: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub languages: String,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
    pub annulled_at: Option<DbInstant>,
    pub annulled_by: Option<DbUuid>,
    pub annulment_reason: Option<String>,
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
        }
    }
}

/// A `person_name_tokens` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_name_tokens, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct NameTokenRow {
    pub token: String,
    pub person_id: DbUuid,
}

/// A `households` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::households, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct HouseholdRow {
    pub id: DbUuid,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `household_members` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::household_members, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct MemberRow {
    pub id: DbUuid,
    pub household_id: DbUuid,
    pub person_id: DbUuid,
    pub relationship: String,
    pub joined_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub ended_at: Option<DbInstant>,
    pub ended_by: Option<DbUuid>,
}

/// A `person_health_disability` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_health_disability, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct HealthDisabilityRow {
    pub person_id: DbUuid,
    pub law_104_recognised: bool,
    pub law_104_severe: bool,
    pub civil_invalidity_percent: Option<i32>,
    pub accompanying_allowance: bool,
    pub support_needs: Option<String>,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `person_ethnicity` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_ethnicity, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct EthnicityRow {
    pub person_id: DbUuid,
    pub community: String,
    pub relevant_to_project: String,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `person_legal_status` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_legal_status, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct LegalStatusRow {
    pub person_id: DbUuid,
    pub permit_kind: Option<String>,
    pub permit_expires_on: Option<NaiveDate>,
    pub protection_status: String,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `person_justice` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_justice, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct JusticeRow {
    pub person_id: DbUuid,
    pub status: String,
    pub alternative_measure_kind: Option<String>,
    pub institution: Option<String>,
    pub measure_start_on: Option<NaiveDate>,
    pub expected_release_on: Option<NaiveDate>,
    pub uepe_contact_reference: Option<String>,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `person_merges` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::person_merges, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct MergeRow {
    pub id: DbUuid,
    pub survivor_id: DbUuid,
    pub duplicate_id: DbUuid,
    pub reason: String,
    pub moved_case_files: String,
    pub merged_by: DbUuid,
    pub merged_at: DbInstant,
}

/// A `case_files` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_files, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CaseFileRow {
    pub id: DbUuid,
    pub reference: String,
    pub person_id: DbUuid,
    pub area: String,
    pub status: String,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub closing_reason: Option<String>,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `case_file_target_groups` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_file_target_groups, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct TargetGroupRow {
    pub case_file_id: DbUuid,
    pub target_group: String,
}

/// A `case_file_team` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_file_team, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct TeamRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub staff_id: DbUuid,
    pub role: String,
    pub assigned_from: NaiveDate,
    pub assigned_until: Option<NaiveDate>,
    pub assigned_by: DbUuid,
    pub recorded_at: DbInstant,
    pub sensitive_access: bool,
}

/// A `case_file_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_file_transitions, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CaseTransitionRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub transition: String,
    pub from_status: String,
    pub to_status: String,
    pub occurred_on: NaiveDate,
    pub reason: String,
    pub closing_reason: Option<String>,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// An `assessments` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::assessments, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct AssessmentRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub version_number: i32,
    pub assessed_on: NaiveDate,
    pub author_id: DbUuid,
    pub notes: Option<String>,
    pub created_at: DbInstant,
}

/// An `assessment_scores` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::assessment_scores, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ScoreRow {
    pub assessment_id: DbUuid,
    pub domain: String,
    pub severity: i32,
}

/// A `diary_entries` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::diary_entries, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct DiaryRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub kind: String,
    pub occurred_at: DbInstant,
    pub text: String,
    pub restricted: bool,
    pub corrects_entry_id: Option<DbUuid>,
    pub author_id: DbUuid,
    pub version: i64,
    pub created_at: DbInstant,
    pub updated_at: DbInstant,
}

/// A `consents` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::consents, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ConsentRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub kind: String,
    pub privacy_notice_version: Option<String>,
    pub organisation: Option<String>,
    pub purpose: Option<String>,
    pub given_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    pub revocation_reason: Option<String>,
    pub version: i64,
    pub recorded_by: DbUuid,
    pub created_at: DbInstant,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `referrals` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::referrals, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ReferralRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub direction: String,
    pub service: String,
    pub organisation: String,
    pub reason: String,
    pub status: String,
    pub sent_on: NaiveDate,
    pub reply_text: Option<String>,
    pub replied_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub version: i64,
    pub created_by: DbUuid,
    pub created_at: DbInstant,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `referral_events` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::referral_events, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ReferralEventRow {
    pub id: DbUuid,
    pub referral_id: DbUuid,
    pub transition: String,
    pub from_status: String,
    pub to_status: String,
    pub occurred_on: NaiveDate,
    pub note: Option<String>,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `projects` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::projects, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ProjectRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub kind: String,
    pub title: String,
    pub status: String,
    pub drafted_on: NaiveDate,
    pub started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub interruption_reason: Option<String>,
    pub next_review_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `project_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_transitions, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ProjectTransitionRow {
    pub id: DbUuid,
    pub project_id: DbUuid,
    pub transition: String,
    pub from_status: String,
    pub to_status: String,
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `project_objectives` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_objectives, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ObjectiveRow {
    pub id: DbUuid,
    pub project_id: DbUuid,
    pub domain: String,
    pub description: String,
    pub target_date: NaiveDate,
    pub indicator: Option<String>,
    pub status: String,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `project_participants` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_participants, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ParticipantRow {
    pub id: DbUuid,
    pub project_id: DbUuid,
    pub kind: String,
    pub person_id: Option<DbUuid>,
    pub staff_id: Option<DbUuid>,
    pub service: Option<String>,
    pub organisation: Option<String>,
    pub role: Option<String>,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
}

/// A `project_actions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_actions, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ActionRow {
    pub id: DbUuid,
    pub project_id: DbUuid,
    pub description: String,
    pub participant_id: Option<DbUuid>,
    pub due_on: Option<NaiveDate>,
    pub status: String,
    pub done_on: Option<NaiveDate>,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `project_reviews` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_reviews, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ReviewRow {
    pub id: DbUuid,
    pub project_id: DbUuid,
    pub reviewed_on: NaiveDate,
    pub notes: Option<String>,
    pub next_review_on: NaiveDate,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `project_review_outcomes` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::project_review_outcomes, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct ReviewOutcomeRow {
    pub review_id: DbUuid,
    pub objective_id: DbUuid,
    pub status: String,
    pub note: Option<String>,
}

/// A `pacts` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pacts, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct PactRow {
    pub id: DbUuid,
    pub case_file_id: DbUuid,
    pub household_id: Option<DbUuid>,
    pub measure: String,
    pub application_reference: String,
    pub status: String,
    pub drafted_on: NaiveDate,
    pub activation_on: Option<NaiveDate>,
    pub convocation_on: Option<NaiveDate>,
    pub analysis_outcome: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub active_since: Option<NaiveDate>,
    pub last_check_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub closure_outcome: Option<String>,
    pub rules_version: String,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `pact_steps` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_steps, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct PactStepRow {
    pub id: DbUuid,
    pub pact_id: DbUuid,
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub outcome: Option<String>,
    pub notes: Option<String>,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `pact_transitions` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_transitions, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct PactTransitionRow {
    pub id: DbUuid,
    pub pact_id: DbUuid,
    pub transition: String,
    pub from_status: String,
    pub to_status: String,
    pub occurred_on: NaiveDate,
    pub reason: Option<String>,
    pub closure_outcome: Option<String>,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `pact_commitments` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_commitments, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CommitmentRow {
    pub id: DbUuid,
    pub pact_id: DbUuid,
    pub person_id: DbUuid,
    pub kind: String,
    pub owner: String,
    pub frequency: String,
    pub due_on: NaiveDate,
    pub verification: String,
    pub status: String,
    pub justification: Option<String>,
    pub version: i64,
    pub created_at: DbInstant,
    pub created_by: DbUuid,
    pub updated_at: DbInstant,
    pub updated_by: DbUuid,
}

/// A `pact_checks` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_checks, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct PactCheckRow {
    pub id: DbUuid,
    pub pact_id: DbUuid,
    pub checked_on: NaiveDate,
    pub notes: Option<String>,
    pub author_id: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `pact_check_attendees` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_check_attendees, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CheckAttendeeRow {
    pub check_id: DbUuid,
    pub person_id: DbUuid,
}

/// A `pact_check_outcomes` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_check_outcomes, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CheckOutcomeRow {
    pub check_id: DbUuid,
    pub commitment_id: DbUuid,
    pub status: String,
    pub note: Option<String>,
}

/// A `pact_non_compliance` row.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::pact_non_compliance, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct NonComplianceRow {
    pub id: DbUuid,
    pub pact_id: DbUuid,
    pub commitment_id: Option<DbUuid>,
    pub occurred_on: NaiveDate,
    pub description: String,
    pub relevant_for_sanctions: bool,
    pub reported_on: Option<NaiveDate>,
    pub recorded_by: DbUuid,
    pub recorded_at: DbInstant,
}

/// A `case_reference_counters` row: the last sequence number given in a year.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = schema::case_reference_counters, treat_none_as_default_value = false)]
#[allow(missing_docs)]
pub struct CounterRow {
    pub year: i32,
    pub last_sequence: i32,
}
