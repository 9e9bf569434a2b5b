//! Persons: rows, mapping to [`PersonRecord`], duplicate look-ups and keyset search.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Text, Untyped};
use socialcare_domain::person::{
    Annulment, DuplicateFacts, MergeSide, PersonDetails, PersonInput, PersonRecord, ResidenceInput,
};
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::error::StoreError;
use crate::schema::{person_name_tokens, persons};
use crate::sql_types::{DbInstant, DbUuid};

/// A `persons` row.
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = persons)]
#[diesel(treat_none_as_default_value = false)]
pub struct PersonRow {
    /// Primary key.
    pub id: DbUuid,
    /// Given names as entered.
    pub given_names: String,
    /// Family names as entered.
    pub family_names: String,
    /// Duplicate-detection key.
    pub name_key: String,
    /// Alphabetical order key.
    pub sort_key: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Birth place.
    pub birth_place: Option<String>,
    /// `female` / `male`.
    pub sex: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub citizenship: Option<String>,
    /// Normalised tax code.
    pub tax_code: Option<String>,
    /// `residence`, `fictitious`, `none`.
    pub residence_kind: String,
    /// Street.
    pub address_street: Option<String>,
    /// Postal code.
    pub address_postal_code: Option<String>,
    /// Municipality.
    pub address_municipality: Option<String>,
    /// Province.
    pub address_province: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Comma-separated language codes.
    pub languages: String,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: DbInstant,
    /// Creator.
    pub created_by: DbUuid,
    /// Last change.
    pub updated_at: DbInstant,
    /// Last author.
    pub updated_by: DbUuid,
    /// Annulment instant.
    pub annulled_at: Option<DbInstant>,
    /// Annulled by.
    pub annulled_by: Option<DbUuid>,
    /// Annulment reason.
    pub annulment_reason: Option<String>,
    /// When the retention procedure pseudonymised the person.
    pub anonymised_at: Option<DbInstant>,
}

/// The `persons` row of a person's details: the stored columns, including the derived name
/// keys ([`PersonDetails::name_key`], [`PersonDetails::sort_key`]). Public for bulk loaders
/// (the benchmark data generator) that must write exactly what [`insert`] writes.
pub fn row_of(
    id: Uuid,
    d: &PersonDetails,
    version: i64,
    created: (DateTime<Utc>, Uuid),
    updated: (DateTime<Utc>, Uuid),
) -> PersonRow {
    let address = d.residence.address();
    PersonRow {
        id: DbUuid(id),
        given_names: d.given_names.as_str().to_owned(),
        family_names: d.family_names.as_str().to_owned(),
        name_key: d.name_key(),
        sort_key: d.sort_key(),
        birth_date: d.birth_date,
        birth_place: d.birth_place.clone(),
        sex: d.sex.map(|s| s.as_str().to_owned()),
        citizenship: d.citizenship.as_ref().map(|c| c.as_str().to_owned()),
        tax_code: d.tax_code.as_ref().map(|t| t.as_str().to_owned()),
        residence_kind: d.residence.kind().to_owned(),
        address_street: address.and_then(|a| a.street.clone()),
        address_postal_code: address.and_then(|a| a.postal_code.clone()),
        address_municipality: address.map(|a| a.municipality.clone()),
        address_province: address.and_then(|a| a.province.clone()),
        phone: d.phone.clone(),
        email: d.email.as_ref().map(|e| e.as_str().to_owned()),
        languages: d
            .languages
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(","),
        version,
        created_at: created.0.into(),
        created_by: DbUuid(created.1),
        updated_at: updated.0.into(),
        updated_by: DbUuid(updated.1),
        annulled_at: None,
        annulled_by: None,
        annulment_reason: None,
        anonymised_at: None,
    }
}

fn to_domain(row: PersonRow) -> Result<PersonRecord, StoreError> {
    let input = PersonInput {
        given_names: row.given_names,
        family_names: row.family_names,
        birth_date: row.birth_date,
        birth_place: row.birth_place,
        sex: row.sex,
        citizenship: row.citizenship,
        tax_code: row.tax_code,
        residence: ResidenceInput {
            kind: row.residence_kind,
            street: row.address_street,
            postal_code: row.address_postal_code,
            municipality: row.address_municipality,
            province: row.address_province,
        },
        phone: row.phone,
        email: row.email,
        languages: row
            .languages
            .split(',')
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    // Stored rows were validated on the way in; the birth-date bound uses a far date so that a
    // record stays readable whatever today is.
    let far = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
    let details = PersonDetails::parse(&input, far)
        .map_err(|e| StoreError::Internal(format!("stored person {} is invalid: {e}", row.id.0)))?;
    let annulment = match (row.annulled_at, row.annulled_by, row.annulment_reason) {
        (Some(at), Some(by), Some(reason)) => Some(Annulment {
            at: at.0,
            by: by.0,
            reason,
        }),
        _ => None,
    };
    Ok(PersonRecord {
        id: row.id.0,
        details,
        version: row.version,
        created_at: row.created_at.0,
        created_by: row.created_by.0,
        updated_at: row.updated_at.0,
        updated_by: row.updated_by.0,
        annulment,
        anonymised_at: row.anonymised_at.map(|t| t.0),
    })
}

fn write_tokens(conn: &mut AnyConnection, id: Uuid, d: &PersonDetails) -> Result<(), StoreError> {
    diesel::delete(person_name_tokens::table.filter(person_name_tokens::person_id.eq(DbUuid(id))))
        .execute(conn)?;
    // Each token carries the person's sort key: search reads the persons under one token in
    // alphabetical order straight from the index (see `search`).
    let sort_key = d.sort_key();
    for token in d.name_tokens() {
        diesel::insert_into(person_name_tokens::table)
            .values((
                person_name_tokens::token.eq(token),
                person_name_tokens::person_id.eq(DbUuid(id)),
                person_name_tokens::sort_key.eq(&sort_key),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Stores a new person; returns it.
pub fn insert(
    conn: &mut AnyConnection,
    details: &PersonDetails,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<PersonRecord, StoreError> {
    let id = Uuid::now_v7();
    let row = row_of(id, details, 1, (now, actor), (now, actor));
    diesel::insert_into(persons::table)
        .values(&row)
        .execute(conn)?;
    write_tokens(conn, id, details)?;
    to_domain(row)
}

/// Finds a person (annulled ones included).
pub fn find(conn: &mut AnyConnection, id: Uuid) -> Result<Option<PersonRecord>, StoreError> {
    persons::table
        .find(DbUuid(id))
        .select(PersonRow::as_select())
        .first(conn)
        .optional()?
        .map(to_domain)
        .transpose()
}

/// Finds several persons in one query (annulled ones included), keyed by id; ids with no
/// person are absent.
pub fn find_many(
    conn: &mut AnyConnection,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, PersonRecord>, StoreError> {
    let keys: Vec<DbUuid> = ids.iter().copied().map(DbUuid).collect();
    persons::table
        .filter(persons::id.eq_any(keys))
        .select(PersonRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| to_domain(row).map(|person| (person.id, person)))
        .collect()
}

/// Whether a person with this id is registered (annulled or not).
pub fn exists(conn: &mut AnyConnection, id: Uuid) -> Result<bool, StoreError> {
    let found: Option<DbUuid> = persons::table
        .find(DbUuid(id))
        .select(persons::id)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

/// The live (not annulled) person holding a tax code, other than `except`.
pub fn live_with_tax_code(
    conn: &mut AnyConnection,
    tax_code: &str,
    except: Option<Uuid>,
) -> Result<Option<Uuid>, StoreError> {
    let mut query = persons::table
        .filter(persons::tax_code.eq(tax_code))
        .filter(persons::annulled_at.is_null())
        .select(persons::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(persons::id.ne(DbUuid(id)));
    }
    Ok(query.first::<DbUuid>(conn).optional()?.map(|id| id.0))
}

/// Live persons with the same name key and birth date (likely duplicates), other than `except`.
pub fn likely_duplicates(
    conn: &mut AnyConnection,
    name_key: &str,
    birth_date: Option<NaiveDate>,
    except: Option<Uuid>,
) -> Result<Vec<Uuid>, StoreError> {
    let Some(birth_date) = birth_date else {
        return Ok(Vec::new());
    };
    let mut query = persons::table
        .filter(persons::name_key.eq(name_key))
        .filter(persons::birth_date.eq(birth_date))
        .filter(persons::annulled_at.is_null())
        .select(persons::id)
        .order(persons::id.asc())
        .limit(20)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(persons::id.ne(DbUuid(id)));
    }
    Ok(query
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|id| id.0)
        .collect())
}

/// Replaces a person's details if its version is still `expected_version`. Returns `None` when
/// the version moved on (the caller answers 412); the losing update changes nothing.
pub fn update(
    conn: &mut AnyConnection,
    current: &PersonRecord,
    expected_version: i64,
    details: &PersonDetails,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<PersonRecord>, StoreError> {
    let row = row_of(
        current.id,
        details,
        expected_version + 1,
        (current.created_at, current.created_by),
        (now, actor),
    );
    let changed = diesel::update(
        persons::table
            .find(DbUuid(current.id))
            .filter(persons::version.eq(expected_version))
            .filter(persons::annulled_at.is_null()),
    )
    .set((
        persons::given_names.eq(&row.given_names),
        persons::family_names.eq(&row.family_names),
        persons::name_key.eq(&row.name_key),
        persons::sort_key.eq(&row.sort_key),
        persons::birth_date.eq(row.birth_date),
        persons::birth_place.eq(&row.birth_place),
        persons::sex.eq(&row.sex),
        persons::citizenship.eq(&row.citizenship),
        persons::tax_code.eq(&row.tax_code),
        persons::residence_kind.eq(&row.residence_kind),
        persons::address_street.eq(&row.address_street),
        persons::address_postal_code.eq(&row.address_postal_code),
        persons::address_municipality.eq(&row.address_municipality),
        persons::address_province.eq(&row.address_province),
        persons::phone.eq(&row.phone),
        persons::email.eq(&row.email),
        persons::languages.eq(&row.languages),
        persons::version.eq(row.version),
        persons::updated_at.eq(row.updated_at),
        persons::updated_by.eq(row.updated_by),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    write_tokens(conn, current.id, details)?;
    find(conn, current.id)
}

/// Annuls a person if its version is still `expected_version`; `None` when stale.
pub fn annul(
    conn: &mut AnyConnection,
    id: Uuid,
    expected_version: i64,
    reason: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<PersonRecord>, StoreError> {
    let changed = diesel::update(
        persons::table
            .find(DbUuid(id))
            .filter(persons::version.eq(expected_version))
            .filter(persons::annulled_at.is_null()),
    )
    .set((
        persons::annulled_at.eq(Some(DbInstant(now))),
        persons::annulled_by.eq(Some(DbUuid(actor))),
        persons::annulment_reason.eq(Some(reason)),
        persons::version.eq(expected_version + 1),
        persons::updated_at.eq(DbInstant(now)),
        persons::updated_by.eq(DbUuid(actor)),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    find(conn, id)
}

/// Search criteria; every given criterion must hold.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    /// Folded words; each must be a prefix of a word of the person's names.
    pub name_tokens: Vec<String>,
    /// Exact normalised tax code.
    pub tax_code: Option<String>,
    /// Exact birth date.
    pub birth_date: Option<NaiveDate>,
    /// Include annulled records.
    pub include_annulled: bool,
    /// Only persons with a case file in this area.
    pub case_area: Option<socialcare_domain::Area>,
    /// Only persons with a case file in this status.
    pub case_status: Option<socialcare_domain::case_file::CaseStatus>,
    /// Only persons with a case file in this target group.
    pub target_group: Option<socialcare_domain::case_file::TargetGroup>,
    /// The case files the three case criteria above may match: `None` for every file. A caller
    /// must not learn a person's case facts (a target group is a special category) through a
    /// file they may not read, so the search matches only the caller's readable files.
    pub matchable_files: Option<MatchableFiles>,
    /// Keyset position: only persons after this `(sort_key, id)`.
    pub after: Option<(String, Uuid)>,
    /// Maximum number of rows.
    pub limit: i64,
}

/// The case files that case criteria may match (what the caller may list).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchableFiles {
    /// Areas whose files all match.
    pub areas: Vec<socialcare_domain::Area>,
    /// Further files that match (those of the caller's teams).
    pub case_file_ids: Vec<Uuid>,
}

/// Upper bound of the strings starting with `prefix`, for an index range scan.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Applies the criteria other than the driving name word to a boxed query over `persons`
/// (alone, or joined with the driving word's tokens): the same SQL conditions in both shapes.
macro_rules! person_filters {
    ($query:ident, $q:expr, $skip_word:expr) => {
        for (index, token) in $q.name_tokens.iter().enumerate() {
            if Some(index) == $skip_word {
                continue;
            }
            // The other words, through an alias: the driving word's shape joins the table.
            let words = diesel::alias!(person_name_tokens as other_words);
            $query = $query.filter(
                persons::id.eq_any(
                    words
                        .filter(words.field(person_name_tokens::token).ge(token.clone()))
                        .filter(words.field(person_name_tokens::token).lt(prefix_end(token)))
                        .select(words.field(person_name_tokens::person_id)),
                ),
            );
        }
        if let Some(code) = &$q.tax_code {
            $query = $query.filter(persons::tax_code.eq(code.clone()));
        }
        if let Some(date) = $q.birth_date {
            $query = $query.filter(persons::birth_date.eq(date));
        }
        if !$q.include_annulled {
            $query = $query.filter(persons::annulled_at.is_null());
        }
        if $q.case_area.is_some() || $q.case_status.is_some() || $q.target_group.is_some() {
            use crate::schema::{case_file_target_groups, case_files};
            use socialcare_domain::Area;
            use socialcare_domain::case_file::CaseStatus;
            // One subquery shape per engine-neutral statement: absent criteria match every code.
            let areas: Vec<&str> = match $q.case_area {
                Some(area) => vec![area.as_str()],
                None => Area::ALL.iter().map(|a| a.as_str()).collect(),
            };
            let statuses: Vec<&str> = match $q.case_status {
                Some(status) => vec![status.as_str()],
                None => CaseStatus::ALL.iter().map(|s| s.as_str()).collect(),
            };
            // Only the files the caller may match (every file when not restricted).
            let (visible_areas, visible_ids): (Vec<&str>, Vec<DbUuid>) = match &$q.matchable_files {
                Some(m) => (
                    m.areas.iter().map(|a| a.as_str()).collect(),
                    m.case_file_ids.iter().copied().map(DbUuid).collect(),
                ),
                None => (Area::ALL.iter().map(|a| a.as_str()).collect(), Vec::new()),
            };
            let files = case_files::table
                .filter(case_files::area.eq_any(areas))
                .filter(case_files::status.eq_any(statuses))
                .filter(
                    case_files::area
                        .eq_any(visible_areas)
                        .or(case_files::id.eq_any(visible_ids)),
                );
            $query = match $q.target_group {
                Some(group) => $query.filter(
                    persons::id.eq_any(
                        files
                            .filter(
                                case_files::id.eq_any(
                                    case_file_target_groups::table
                                        .filter(
                                            case_file_target_groups::target_group
                                                .eq(group.as_str()),
                                        )
                                        .select(case_file_target_groups::case_file_id),
                                ),
                            )
                            .select(case_files::person_id),
                    ),
                ),
                None => $query.filter(persons::id.eq_any(files.select(case_files::person_id))),
            };
        }
    };
}

/// Most distinct index words one query word may expand to before search walks the persons in
/// alphabetical order instead (a one- or two-letter word matches so many persons that the walk
/// meets a page of them at once).
pub const MAX_WORD_STREAMS: usize = 64;

/// The distinct index words starting with `prefix`, ascending, at most `max`: one statement
/// that hops from word to word through the index (a recursive "loose index scan", as neither
/// engine skips through an index on its own). Public for the benchmark's pgbench plan.
pub fn words_with_prefix(
    conn: &mut AnyConnection,
    prefix: &str,
    max: usize,
) -> Result<Vec<String>, StoreError> {
    let statement = WordsStatement {
        prefix: prefix.to_owned(),
        end: prefix_end(prefix),
        limit: i64::try_from(max).unwrap_or(i64::MAX),
    };
    let words: Vec<IndexWord> = match conn {
        AnyConnection::Postgresql(c) => statement.load(c)?,
        AnyConnection::Sqlite(c) => statement.load(c)?,
    };
    Ok(words.into_iter().map(|w| w.token).collect())
}

/// One row of [`WordsStatement`].
#[derive(QueryableByName)]
struct IndexWord {
    #[diesel(sql_type = diesel::sql_types::Text)]
    token: String,
}

/// The statement of [`words_with_prefix`], written as a query fragment rather than `sql_query`
/// so that diesel prepares it once per connection (it never caches a `sql_query`).
struct WordsStatement {
    prefix: String,
    end: String,
    limit: i64,
}

impl QueryId for WordsStatement {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for WordsStatement {
    type SqlType = Untyped;
}

/// The same SQL on both engines; only the bind markers differ.
macro_rules! words_statement_for {
    ($backend:ty) => {
        impl QueryFragment<$backend> for WordsStatement {
            fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, $backend>) -> QueryResult<()> {
                out.push_sql(
                    "WITH RECURSIVE words(token) AS (
                 SELECT (SELECT min(token) FROM person_name_tokens WHERE token >= ",
                );
                out.push_bind_param::<Text, _>(&self.prefix)?;
                out.push_sql(" AND token < ");
                out.push_bind_param::<Text, _>(&self.end)?;
                out.push_sql(
                    ")
                 UNION ALL
                 SELECT (SELECT min(t.token) FROM person_name_tokens AS t
                         WHERE t.token > words.token AND t.token < ",
                );
                out.push_bind_param::<Text, _>(&self.end)?;
                out.push_sql(
                    ")
                 FROM words WHERE words.token IS NOT NULL)
             SELECT token FROM words WHERE token IS NOT NULL LIMIT ",
                );
                out.push_bind_param::<BigInt, _>(&self.limit)?;
                Ok(())
            }
        }
    };
}

words_statement_for!(Pg);
words_statement_for!(diesel::sqlite::Sqlite);

impl RunQueryDsl<diesel::PgConnection> for WordsStatement {}
impl RunQueryDsl<diesel::SqliteConnection> for WordsStatement {}

/// PostgreSQL: the persons under each of `words`, each word's read in alphabetical order from
/// the index `(token, sort_key, person_id)` and filtered by the other criteria, a page at most
/// per word, merged and de-duplicated: ONE statement (`unnest` of the words, `LATERAL` page per
/// word) instead of one per word, prepared once per connection and set of criteria. The
/// criteria are the SQL of `person_filters!`, written out; the tests run both shapes.
struct WordStreams<'a> {
    /// The index words the driving query word expands to.
    words: Vec<String>,
    /// `[start, end)` ranges of the other query words.
    other_words: Vec<(String, String)>,
    /// The criteria.
    q: &'a PersonQuery,
    /// Areas and statuses of the case-file criterion (every code when one is absent).
    case_codes: Option<(Vec<String>, Vec<String>)>,
    /// Target group of the case-file criterion.
    target_group: Option<String>,
    /// Areas and file ids (as text) the case-file criterion may match, when restricted.
    matchable: Option<(Vec<String>, Vec<String>)>,
    /// The keyset position, bound by reference.
    after: Option<(String, DbUuid)>,
}

impl<'a> WordStreams<'a> {
    fn new(q: &'a PersonQuery, words: Vec<String>, driver_index: usize) -> Self {
        use socialcare_domain::Area;
        use socialcare_domain::case_file::CaseStatus;
        let other_words = q
            .name_tokens
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != driver_index)
            .map(|(_, word)| (word.clone(), prefix_end(word)))
            .collect();
        let case_codes = (q.case_area.is_some()
            || q.case_status.is_some()
            || q.target_group.is_some())
        .then(|| {
            let areas = match q.case_area {
                Some(area) => vec![area.as_str().to_owned()],
                None => Area::ALL.iter().map(|a| a.as_str().to_owned()).collect(),
            };
            let statuses = match q.case_status {
                Some(status) => vec![status.as_str().to_owned()],
                None => CaseStatus::ALL
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect(),
            };
            (areas, statuses)
        });
        Self {
            words,
            other_words,
            q,
            case_codes,
            target_group: q.target_group.map(|g| g.as_str().to_owned()),
            matchable: q.matchable_files.as_ref().map(|m| {
                (
                    m.areas.iter().map(|a| a.as_str().to_owned()).collect(),
                    m.case_file_ids.iter().map(Uuid::to_string).collect(),
                )
            }),
            after: q.after.as_ref().map(|(key, id)| (key.clone(), DbUuid(*id))),
        }
    }
}

impl QueryId for WordStreams<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for WordStreams<'_> {
    type SqlType = Untyped;
}

impl QueryFragment<Pg> for WordStreams<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        use crate::sql_types::SqlUuid;
        use diesel::sql_types::{Array, Date};
        out.push_sql("SELECT DISTINCT ON (x.sort_key, x.id) x.* FROM unnest(");
        out.push_bind_param::<Array<Text>, _>(&self.words)?;
        out.push_sql(
            "::text[]) AS w(token) CROSS JOIN LATERAL (
                 SELECT p.* FROM person_name_tokens AS t JOIN persons AS p ON p.id = t.person_id
                 WHERE t.token = w.token",
        );
        for (start, end) in &self.other_words {
            out.push_sql(
                " AND p.id IN (SELECT o.person_id FROM person_name_tokens AS o WHERE o.token >= ",
            );
            out.push_bind_param::<Text, _>(start)?;
            out.push_sql(" AND o.token < ");
            out.push_bind_param::<Text, _>(end)?;
            out.push_sql(")");
        }
        if let Some(code) = &self.q.tax_code {
            out.push_sql(" AND p.tax_code = ");
            out.push_bind_param::<Text, _>(code)?;
        }
        if let Some(date) = &self.q.birth_date {
            out.push_sql(" AND p.birth_date = ");
            out.push_bind_param::<Date, _>(date)?;
        }
        if !self.q.include_annulled {
            out.push_sql(" AND p.annulled_at IS NULL");
        }
        if let Some((areas, statuses)) = &self.case_codes {
            out.push_sql(
                " AND p.id IN (SELECT f.person_id FROM case_files AS f WHERE f.area = ANY(",
            );
            out.push_bind_param::<Array<Text>, _>(areas)?;
            out.push_sql(") AND f.status = ANY(");
            out.push_bind_param::<Array<Text>, _>(statuses)?;
            out.push_sql(")");
            if let Some((areas, ids)) = &self.matchable {
                out.push_sql(" AND (f.area = ANY(");
                out.push_bind_param::<Array<Text>, _>(areas)?;
                out.push_sql(") OR f.id = ANY(CAST(");
                out.push_bind_param::<Array<Text>, _>(ids)?;
                out.push_sql(" AS uuid[])))");
            }
            if let Some(group) = &self.target_group {
                out.push_sql(
                    " AND f.id IN (SELECT g.case_file_id FROM case_file_target_groups AS g
                       WHERE g.target_group = ",
                );
                out.push_bind_param::<Text, _>(group)?;
                out.push_sql(")");
            }
            out.push_sql(")");
        }
        if let Some((key, id)) = &self.after {
            out.push_sql(" AND (t.sort_key > ");
            out.push_bind_param::<Text, _>(key)?;
            out.push_sql(" OR (t.sort_key = ");
            out.push_bind_param::<Text, _>(key)?;
            out.push_sql(" AND t.person_id > ");
            out.push_bind_param::<SqlUuid, _>(id)?;
            out.push_sql("))");
        }
        out.push_sql(" ORDER BY t.sort_key, t.person_id LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.q.limit)?;
        out.push_sql(") AS x ORDER BY x.sort_key, x.id LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.q.limit)?;
        Ok(())
    }
}

impl RunQueryDsl<diesel::PgConnection> for WordStreams<'_> {}

/// Searches persons in alphabetical order (family, given names, id) after the cursor.
///
/// With a name fragment, the longest of its words drives the search: for each distinct index
/// word it starts (`ross` → `rossi`, `rossetti`, …) the persons under that word are read in
/// alphabetical order straight from the index `(token, sort_key, person_id)`, filtered by the
/// other criteria, one page at most each; the pages are merged. A page therefore costs a page
/// of index entries per distinct word, however many thousands of persons match. When the word
/// expands to more than [`MAX_WORD_STREAMS`] words (one or two letters), and without a name
/// fragment, the persons are walked in alphabetical order instead.
pub fn search(conn: &mut AnyConnection, q: &PersonQuery) -> Result<Vec<PersonRecord>, StoreError> {
    let driver = q
        .name_tokens
        .iter()
        .enumerate()
        .max_by_key(|(_, word)| word.chars().count());
    if let Some((driver_index, driver_word)) = driver {
        let words = words_with_prefix(conn, driver_word, MAX_WORD_STREAMS + 1)?;
        if words.len() <= MAX_WORD_STREAMS {
            if words.is_empty() {
                return Ok(Vec::new());
            }
            if let AnyConnection::Postgresql(c) = conn {
                let rows: Vec<PersonRow> = WordStreams::new(q, words, driver_index).load(c)?;
                return rows.into_iter().map(to_domain).collect();
            }
            // SQLite runs in-process: one cached statement per word costs no round trip.
            let mut rows: Vec<PersonRow> = Vec::new();
            for word in words {
                let mut query = persons::table
                    .inner_join(
                        person_name_tokens::table.on(person_name_tokens::person_id.eq(persons::id)),
                    )
                    .filter(person_name_tokens::token.eq(word))
                    .select(PersonRow::as_select())
                    .order((
                        person_name_tokens::sort_key.asc(),
                        person_name_tokens::person_id.asc(),
                    ))
                    .limit(q.limit)
                    .into_boxed();
                person_filters!(query, q, Some(driver_index));
                if let Some((key, id)) = &q.after {
                    query = query.filter(
                        person_name_tokens::sort_key.gt(key.clone()).or(
                            person_name_tokens::sort_key
                                .eq(key.clone())
                                .and(person_name_tokens::person_id.gt(DbUuid(*id))),
                        ),
                    );
                }
                rows.extend(query.load(conn)?);
            }
            // A person under two of the words (Maria Mariani for `mari`) comes twice, adjacent.
            rows.sort_by(|a, b| (&a.sort_key, a.id).cmp(&(&b.sort_key, b.id)));
            rows.dedup_by_key(|row| row.id);
            rows.truncate(usize::try_from(q.limit).unwrap_or(usize::MAX));
            return rows.into_iter().map(to_domain).collect();
        }
    }
    let mut query = persons::table
        .select(PersonRow::as_select())
        .order((persons::sort_key.asc(), persons::id.asc()))
        .limit(q.limit)
        .into_boxed();
    person_filters!(query, q, None::<usize>);
    if let Some((key, id)) = &q.after {
        query = query.filter(
            persons::sort_key.gt(key.clone()).or(persons::sort_key
                .eq(key.clone())
                .and(persons::id.gt(DbUuid(*id)))),
        );
    }
    query.load(conn)?.into_iter().map(to_domain).collect()
}

/// What a merge changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The surviving person, after the merge.
    pub survivor: PersonRecord,
    /// The case files moved from the duplicate to the survivor.
    pub moved_case_files: Vec<Uuid>,
}

/// Merges `duplicate` into `survivor` (whose version must still be `expected_version`): the
/// duplicate's case files and household memberships are re-pointed to the survivor, its
/// special-category groups move where the survivor has none, the survivor takes the duplicate's
/// tax code when it has none, the duplicate is annulled, and the merge is recorded. Returns `None`
/// when the survivor changed meanwhile. The caller checks the office's rules first.
#[allow(clippy::too_many_arguments)]
pub fn merge(
    conn: &mut AnyConnection,
    survivor: &PersonRecord,
    expected_version: i64,
    duplicate: &PersonRecord,
    reason: &str,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<MergeOutcome>, StoreError> {
    use crate::schema::{case_files, person_merges};
    let moved: Vec<Uuid> = case_files::table
        .filter(case_files::person_id.eq(DbUuid(duplicate.id)))
        .select(case_files::id)
        .load::<DbUuid>(conn)?
        .into_iter()
        .map(|id| id.0)
        .collect();
    diesel::update(case_files::table.filter(case_files::person_id.eq(DbUuid(duplicate.id))))
        .set(case_files::person_id.eq(DbUuid(survivor.id)))
        .execute(conn)?;
    // Household memberships follow the person (the caller checked that they do not overlap the
    // survivor's); a special-category group moves when the survivor has none, otherwise the
    // survivor's stays authoritative and the duplicate's remains on the annulled record.
    {
        use crate::schema::household_members;
        diesel::update(
            household_members::table.filter(household_members::person_id.eq(DbUuid(duplicate.id))),
        )
        .set(household_members::person_id.eq(DbUuid(survivor.id)))
        .execute(conn)?;
    }
    macro_rules! move_group {
        ($table:ident) => {{
            use crate::schema::$table;
            let survivor_has: i64 = $table::table
                .filter($table::person_id.eq(DbUuid(survivor.id)))
                .count()
                .get_result(conn)?;
            if survivor_has == 0 {
                diesel::update($table::table.filter($table::person_id.eq(DbUuid(duplicate.id))))
                    .set($table::person_id.eq(DbUuid(survivor.id)))
                    .execute(conn)?;
            }
        }};
    }
    move_group!(person_health_disability);
    move_group!(person_ethnicity);
    move_group!(person_legal_status);
    move_group!(person_justice);
    let annulment = format!("merged into {}: {reason}", survivor.id);
    if annul(
        conn,
        duplicate.id,
        duplicate.version,
        &annulment,
        actor,
        now,
    )?
    .is_none()
    {
        return Err(StoreError::Conflict(
            "the duplicate changed during the merge".into(),
        ));
    }
    let mut details = survivor.details.clone();
    if details.tax_code.is_none() {
        details.tax_code = duplicate.details.tax_code.clone();
    }
    let Some(updated) = update(conn, survivor, expected_version, &details, actor, now)? else {
        return Ok(None);
    };
    diesel::insert_into(person_merges::table)
        .values((
            person_merges::id.eq(DbUuid(Uuid::now_v7())),
            person_merges::survivor_id.eq(DbUuid(survivor.id)),
            person_merges::duplicate_id.eq(DbUuid(duplicate.id)),
            person_merges::reason.eq(reason),
            person_merges::moved_case_files.eq(moved
                .iter()
                .map(Uuid::to_string)
                .collect::<Vec<_>>()
                .join(",")),
            person_merges::merged_by.eq(DbUuid(actor)),
            person_merges::merged_at.eq(DbInstant::from(now)),
        ))
        .execute(conn)?;
    Ok(Some(MergeOutcome {
        survivor: updated,
        moved_case_files: moved,
    }))
}

/// The facts the duplicate rules ([`socialcare_domain::person::check_duplicates`]) decide on:
/// the live holder of `details`' tax code and the live persons with its name and birth date,
/// `except` (the record being corrected) left out.
pub fn duplicate_facts(
    conn: &mut AnyConnection,
    details: &PersonDetails,
    except: Option<Uuid>,
) -> Result<DuplicateFacts, StoreError> {
    let tax_code_holder = match &details.tax_code {
        Some(code) => live_with_tax_code(conn, code.as_str(), except)?,
        None => None,
    };
    let same_name_and_birth =
        likely_duplicates(conn, &details.name_key(), details.birth_date, except)?;
    Ok(DuplicateFacts {
        tax_code_holder,
        same_name_and_birth,
    })
}

/// One record of a merge as the merge rules ([`socialcare_domain::person::check_mergeable`])
/// see it: annulment, tax code, files not closed on `today`, household memberships.
pub fn merge_side(
    conn: &mut AnyConnection,
    person: &PersonRecord,
    today: NaiveDate,
) -> Result<MergeSide, StoreError> {
    use socialcare_domain::case_file::CaseStatus;
    let files = crate::case_files::list(
        conn,
        &crate::case_files::CaseFileQuery {
            person_id: Some(person.id),
            today,
            limit: 100,
            ..Default::default()
        },
    )?;
    let open_files = files
        .into_iter()
        .filter(|f| f.status != CaseStatus::Closed)
        .map(|f| (f.area, f.reference.to_string()))
        .collect();
    let memberships = crate::households::memberships_of_person(conn, person.id)?
        .into_iter()
        .map(|m| (m.membership.joined_on, m.membership.left_on))
        .collect();
    Ok(MergeSide {
        annulled: person.annulment.is_some(),
        tax_code: person
            .details
            .tax_code
            .as_ref()
            .map(|c| c.as_str().to_owned()),
        open_files,
        memberships,
    })
}
