//! Bulk import of persons, households and open case files from the CSV files of the system the
//! office replaces (docs/import.md): the template's columns, the reading of a file (UTF-8, `;`
//! or `,`), the checks of each row and of the rows against each other, and the batches the rows
//! are imported in. What the database knows (persons already registered, staff accounts) is
//! judged by [`check_against_office`] on facts the persistence layer loads.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use chrono::NaiveDate;
use uuid::Uuid;

use crate::case_file::TargetGroup;
use crate::household::Relationship;
use crate::person::{PersonDetails, PersonInput, ResidenceInput};
use crate::staff::{Area, Username};

/// The largest file accepted, in bytes (32 MiB: 100 000 rows of a legacy export fit).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// The most data rows a file may hold.
pub const MAX_ROWS: usize = 100_000;

/// How many rows one batch (one transaction) imports at least; a household is never split, so
/// a batch may hold a few more.
pub const BATCH_ROWS: usize = 500;

/// The most rows one household of a file may have.
pub const MAX_HOUSEHOLD_ROWS: usize = 30;

/// The most characters of a household key.
pub const MAX_HOUSEHOLD_KEY: usize = 64;

/// One column of the template.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Its name in the header row (lower case; the header is matched ignoring case and spaces
    /// around the name).
    pub name: &'static str,
    /// Whether every file must have it.
    pub required: bool,
    /// What it holds and how it is written.
    pub description: &'static str,
    /// An example value.
    pub example: &'static str,
}

/// The template, in the order of `GET /imports/template`.
pub const COLUMNS: [Column; 23] = [
    col(
        "given_names",
        true,
        "Given names (required in every row).",
        "Mario",
    ),
    col(
        "family_names",
        true,
        "Family names (required in every row).",
        "Rossi",
    ),
    col(
        "birth_date",
        false,
        "Birth date, `YYYY-MM-DD` or `DD/MM/YYYY`.",
        "1970-03-15",
    ),
    col(
        "birth_place",
        false,
        "Municipality or country of birth.",
        "Trento",
    ),
    col(
        "sex",
        false,
        "`female` or `male` (`F`, `M` also read).",
        "male",
    ),
    col(
        "citizenship",
        false,
        "ISO 3166-1 alpha-2 country code.",
        "IT",
    ),
    col(
        "tax_code",
        false,
        "Codice fiscale (16 characters) or provisional code (11 digits).",
        "RSSMRA70C15L378I",
    ),
    col(
        "residence_kind",
        false,
        "`residence`, `fictitious` (via fittizia) or `none`; when empty: `residence` if an address is given, `none` otherwise.",
        "residence",
    ),
    col(
        "street",
        false,
        "Street and number of the residence.",
        "Via Roma 1",
    ),
    col("postal_code", false, "Postal code (5 digits).", "38122"),
    col(
        "municipality",
        false,
        "Municipality of the residence.",
        "Trento",
    ),
    col("province", false, "Province code (2 letters).", "TN"),
    col("phone", false, "Phone number.", "+39 0461 000000"),
    col("email", false, "E-mail address.", "mario.rossi@example.org"),
    col(
        "languages",
        false,
        "ISO 639-1 language codes separated by `|` or spaces.",
        "it|en",
    ),
    col(
        "confirm_new_person",
        false,
        "`true` to register the row although a person with the same name and birth date exists (`false` when empty; `yes`/`no`, `si`, `1`/`0` also read).",
        "false",
    ),
    col(
        "household",
        false,
        "Any key (1-64 characters) shared by the rows of one household in this file; empty for a person imported without household.",
        "FAM-0001",
    ),
    col(
        "household_relationship",
        false,
        "Relationship to the household's reference person (`reference_person`, `spouse`, `partner`, `child`, `parent`, `sibling`, `grandchild`, `grandparent`, `other_relative`, `cohabitant`); required with `household`, exactly one `reference_person` per household.",
        "reference_person",
    ),
    col(
        "household_joined_on",
        false,
        "Day the person joined the household, `YYYY-MM-DD` or `DD/MM/YYYY` (the import's day when empty).",
        "2020-01-01",
    ),
    col(
        "case_area",
        false,
        "Area of the open case file to create (`adults_disability`, `social_inclusion`, `transversal`); empty for no case file.",
        "social_inclusion",
    ),
    col(
        "case_target_groups",
        false,
        "Target groups of the case file separated by `|` (e.g. `homeless|adult_in_need`); at least one with `case_area`.",
        "homeless",
    ),
    col(
        "case_opened_on",
        false,
        "Day the file was opened, required with `case_area`.",
        "2024-05-02",
    ),
    col(
        "case_manager",
        false,
        "Username of the file's case manager (an active social worker of the area), required with `case_area`.",
        "l.bianchi",
    ),
];

const fn col(
    name: &'static str,
    required: bool,
    description: &'static str,
    example: &'static str,
) -> Column {
    Column {
        name,
        required,
        description,
        example,
    }
}

/// The template: the header row and one example row, `;`-separated.
pub fn template() -> String {
    let header: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    let example: Vec<&str> = COLUMNS.iter().map(|c| c.example).collect();
    format!("{}\r\n{}\r\n", header.join(";"), example.join(";"))
}

/// Why a file cannot be read at all (nothing of it is judged row by row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError(pub String);

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What is wrong in one row: the column (when one is to blame) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The template's column, when the problem is in one.
    pub column: Option<String>,
    /// Why, in words (no personal data: the reason never repeats a value).
    pub reason: String,
}

impl Problem {
    fn at(column: &str, reason: impl Into<String>) -> Self {
        Self {
            column: Some(column.to_owned()),
            reason: reason.into(),
        }
    }
}

/// A row's household part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdPart {
    /// The key shared by the household's rows.
    pub key: String,
    /// Relationship to the reference person.
    pub relationship: Relationship,
    /// Day of joining.
    pub joined_on: NaiveDate,
}

/// A row's case file part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFilePart {
    /// The owning area.
    pub area: Area,
    /// Target groups, sorted, without duplicates.
    pub target_groups: Vec<TargetGroup>,
    /// Opening day.
    pub opened_on: NaiveDate,
    /// The case manager's username.
    pub case_manager: Username,
}

/// A row that passed the checks of its own values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The person.
    pub person: PersonDetails,
    /// Whether a likely duplicate (same name and birth date) is registered anyway.
    pub confirm_new_person: bool,
    /// The household, if any.
    pub household: Option<HouseholdPart>,
    /// The open case file, if any.
    pub case_file: Option<CaseFilePart>,
}

/// What is decided about one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// To import.
    Valid(Box<Row>),
    /// Refused, with every problem found and, for a likely duplicate, the persons it may be.
    Refused {
        /// The problems.
        problems: Vec<Problem>,
        /// Registered persons this row may be (same tax code, or same name and birth date).
        candidates: Vec<Uuid>,
    },
}

impl Verdict {
    fn refused(problems: Vec<Problem>) -> Self {
        Verdict::Refused {
            problems,
            candidates: Vec::new(),
        }
    }

    /// The row, when valid.
    pub fn row(&self) -> Option<&Row> {
        match self {
            Verdict::Valid(row) => Some(row),
            Verdict::Refused { .. } => None,
        }
    }
}

/// One data line of the file and what is decided about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Its line number in the file (the header is line 1).
    pub number: u32,
    /// The decision.
    pub verdict: Verdict,
}

/// A file read and judged on its own.
#[derive(Debug, Clone)]
pub struct ImportFile {
    /// The delimiter found in the header.
    pub delimiter: char,
    /// The data lines, in file order.
    pub lines: Vec<Line>,
}

/// Reads a file: UTF-8 (a byte-order mark is ignored), a header row naming columns of the
/// template separated by `;` or `,`, at most [`MAX_ROWS`] data rows. Each row is judged on its
/// values, then the rows against each other ([`check_within_file`]). `today` is the office's day.
pub fn read_file(bytes: &[u8], today: NaiveDate) -> Result<ImportFile, FileError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(FileError(format!(
            "the file is larger than {MAX_FILE_BYTES} bytes"
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
        FileError(format!(
            "the file is not UTF-8: the byte at offset {at} (line {line}) is not; save it as UTF-8"
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = delimiter_of(header_line)?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter as u8)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FileError(format!("the header row cannot be read: {e}")))?
        .clone();
    let columns = header_columns(&headers)?;
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(FileError(format!(
                    "line {line} cannot be read as CSV (an unclosed quote?)"
                )));
            }
        }
        if lines.len() == MAX_ROWS {
            return Err(FileError(format!(
                "the file has more than {MAX_ROWS} rows: split it"
            )));
        }
        let number = record
            .position()
            .map_or(0, |p| u32::try_from(p.line()).unwrap_or(u32::MAX));
        let verdict = if record.len() != columns.len() {
            Verdict::refused(vec![Problem {
                column: None,
                reason: format!(
                    "the row has {} fields, the header {}",
                    record.len(),
                    columns.len()
                ),
            }])
        } else {
            let fields: HashMap<&str, &str> = columns
                .iter()
                .zip(record.iter())
                .map(|(c, v)| (*c, v.trim()))
                .collect();
            match parse_row(&fields, today) {
                Ok(row) => Verdict::Valid(Box::new(row)),
                Err(problems) => Verdict::refused(problems),
            }
        };
        lines.push(Line { number, verdict });
    }
    if lines.is_empty() {
        return Err(FileError("the file has a header but no rows".into()));
    }
    check_within_file(&mut lines);
    Ok(ImportFile { delimiter, lines })
}

/// `;` or `,`: the one the header row uses (the more frequent when it holds both).
fn delimiter_of(header: &str) -> Result<char, FileError> {
    let semicolons = header.matches(';').count();
    let commas = header.matches(',').count();
    match (semicolons, commas) {
        (0, 0) => Err(FileError(
            "the header row names one column: separate the columns with `;` or `,`".into(),
        )),
        (s, c) if s >= c => Ok(';'),
        _ => Ok(','),
    }
}

/// The header's columns: each a column of the template, none twice, the required present.
fn header_columns(headers: &csv::StringRecord) -> Result<Vec<&'static str>, FileError> {
    let known = &COLUMNS;
    let mut seen: Vec<&'static str> = Vec::new();
    for name in headers.iter() {
        let wanted = name.trim().to_lowercase();
        let Some(column) = known.iter().find(|c| c.name == wanted) else {
            let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
            return Err(FileError(format!(
                "unknown column `{shown}`: the template's columns are {}",
                known.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
            )));
        };
        if seen.contains(&column.name) {
            return Err(FileError(format!(
                "the column `{}` is named twice",
                column.name
            )));
        }
        seen.push(column.name);
    }
    if let Some(missing) = known.iter().find(|c| c.required && !seen.contains(&c.name)) {
        return Err(FileError(format!(
            "the header has no `{}` column, which every file needs",
            missing.name
        )));
    }
    Ok(seen)
}

/// A date as legacy systems write it: `YYYY-MM-DD` or `DD/MM/YYYY`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d/%m/%Y"))
        .map_err(|_| "is not a day written YYYY-MM-DD or DD/MM/YYYY".to_owned())
}

/// A yes/no value: empty is no.
fn parse_flag(raw: &str) -> Result<bool, String> {
    match raw.to_lowercase().as_str() {
        "" | "false" | "no" | "0" | "n" => Ok(false),
        "true" | "yes" | "si" | "sì" | "1" | "y" | "s" => Ok(true),
        _ => Err("must be `true` or `false`".into()),
    }
}

/// The template column a [`PersonDetails`] field error belongs to.
fn column_of_field(field: &str) -> String {
    let head = field.split('/').next().unwrap_or(field);
    match field {
        "residence/street" => "street".into(),
        "residence/postal_code" => "postal_code".into(),
        "residence/municipality" => "municipality".into(),
        "residence/province" => "province".into(),
        "residence" | "residence/kind" => "residence_kind".into(),
        _ => head.to_owned(),
    }
}

/// Judges one row's values.
fn parse_row(fields: &HashMap<&str, &str>, today: NaiveDate) -> Result<Row, Vec<Problem>> {
    let mut problems = Vec::new();
    for (column, value) in fields {
        if value.chars().any(char::is_control) {
            problems.push(Problem::at(column, "holds a control character"));
        }
    }
    if !problems.is_empty() {
        problems.sort_by(|a, b| a.column.cmp(&b.column));
        return Err(problems);
    }
    let get = |name: &str| -> Option<String> {
        fields
            .get(name)
            .filter(|v| !v.is_empty())
            .map(|v| (*v).to_owned())
    };
    let mut date = |name: &str, problems: &mut Vec<Problem>| -> Option<NaiveDate> {
        let raw = get(name)?;
        match parse_date(&raw) {
            Ok(d) if d > today => {
                problems.push(Problem::at(name, "is after today"));
                None
            }
            Ok(d) if d < crate::person::earliest_birth_date() => {
                problems.push(Problem::at(name, "is before 1900-01-01"));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(Problem::at(name, e));
                None
            }
        }
    };
    let birth_date = date("birth_date", &mut problems);
    let sex = get("sex").map(|s| match s.to_lowercase().as_str() {
        "f" => "female".to_owned(),
        "m" => "male".to_owned(),
        other => other.to_owned(),
    });
    let street = get("street");
    let postal_code = get("postal_code");
    let municipality = get("municipality");
    let province = get("province");
    let has_address = street.is_some() || postal_code.is_some() || municipality.is_some();
    let kind = get("residence_kind")
        .map(|k| k.to_lowercase())
        .unwrap_or_else(|| if has_address { "residence" } else { "none" }.to_owned());
    let input = PersonInput {
        given_names: get("given_names").unwrap_or_default(),
        family_names: get("family_names").unwrap_or_default(),
        birth_date,
        birth_place: get("birth_place"),
        sex,
        citizenship: get("citizenship").map(|c| c.to_uppercase()),
        tax_code: get("tax_code").map(|c| c.to_uppercase()),
        residence: ResidenceInput {
            kind,
            street,
            postal_code,
            municipality,
            province: province.map(|p| p.to_uppercase()),
        },
        phone: get("phone"),
        email: get("email"),
        languages: get("languages")
            .map(|l| {
                l.split(['|', ' '])
                    .filter(|s| !s.is_empty())
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let person = match PersonDetails::parse(&input, today) {
        Ok(p) => Some(p),
        Err(errors) => {
            for e in errors.errors() {
                problems.push(Problem::at(&column_of_field(&e.field), e.detail.clone()));
            }
            None
        }
    };
    let confirm_new_person = match parse_flag(&get("confirm_new_person").unwrap_or_default()) {
        Ok(flag) => flag,
        Err(e) => {
            problems.push(Problem::at("confirm_new_person", e));
            false
        }
    };
    let household = household_part(&get, today, &mut problems, &mut date);
    let case_file = case_file_part(&get, &mut problems, &mut date);
    match person {
        Some(person) if problems.is_empty() => Ok(Row {
            person,
            confirm_new_person,
            household,
            case_file,
        }),
        _ => {
            problems.dedup();
            Err(problems)
        }
    }
}

fn household_part(
    get: &impl Fn(&str) -> Option<String>,
    today: NaiveDate,
    problems: &mut Vec<Problem>,
    date: &mut impl FnMut(&str, &mut Vec<Problem>) -> Option<NaiveDate>,
) -> Option<HouseholdPart> {
    let joined_on = date("household_joined_on", problems);
    let relationship = get("household_relationship");
    let Some(key) = get("household") else {
        if relationship.is_some() || get("household_joined_on").is_some() {
            problems.push(Problem::at(
                "household",
                "is required with household_relationship or household_joined_on",
            ));
        }
        return None;
    };
    if key.chars().count() > MAX_HOUSEHOLD_KEY {
        problems.push(Problem::at(
            "household",
            format!("is longer than {MAX_HOUSEHOLD_KEY} characters"),
        ));
        return None;
    }
    let relationship = match relationship.map(|r| r.to_lowercase().parse::<Relationship>()) {
        None => {
            problems.push(Problem::at(
                "household_relationship",
                "is required with household",
            ));
            return None;
        }
        Some(Err(e)) => {
            problems.push(Problem::at("household_relationship", e));
            return None;
        }
        Some(Ok(r)) => r,
    };
    Some(HouseholdPart {
        key,
        relationship,
        joined_on: joined_on.unwrap_or(today),
    })
}

fn case_file_part(
    get: &impl Fn(&str) -> Option<String>,
    problems: &mut Vec<Problem>,
    date: &mut impl FnMut(&str, &mut Vec<Problem>) -> Option<NaiveDate>,
) -> Option<CaseFilePart> {
    let opened_on = date("case_opened_on", problems);
    let Some(area) = get("case_area") else {
        for column in ["case_opened_on", "case_manager", "case_target_groups"] {
            if get(column).is_some() {
                problems.push(Problem::at(column, "is given without case_area"));
            }
        }
        return None;
    };
    let area = match area.to_lowercase().parse::<Area>() {
        Ok(a) => Some(a),
        Err(e) => {
            problems.push(Problem::at("case_area", e));
            None
        }
    };
    let mut target_groups = Vec::new();
    match get("case_target_groups") {
        None => problems.push(Problem::at(
            "case_target_groups",
            "names at least one target group with case_area",
        )),
        Some(raw) => {
            for code in raw.split(['|', ' ']).filter(|s| !s.is_empty()) {
                match code.to_lowercase().parse::<TargetGroup>() {
                    Ok(g) => target_groups.push(g),
                    Err(e) => problems.push(Problem::at("case_target_groups", e)),
                }
            }
        }
    }
    target_groups.sort();
    target_groups.dedup();
    if get("case_opened_on").is_none() {
        problems.push(Problem::at("case_opened_on", "is required with case_area"));
    }
    let case_manager = match get("case_manager").map(|u| Username::parse(&u)) {
        None => {
            problems.push(Problem::at("case_manager", "is required with case_area"));
            None
        }
        Some(Err(e)) => {
            problems.push(Problem::at("case_manager", e));
            None
        }
        Some(Ok(u)) => Some(u),
    };
    Some(CaseFilePart {
        area: area?,
        target_groups,
        opened_on: opened_on?,
        case_manager: case_manager?,
    })
}

/// The rows against each other: a tax code or a name and birth date already on an earlier line
/// (unless `confirm_new_person`), households with no or several reference persons, too many
/// rows, a member joining before the birth; then the members of a household whose reference
/// person is refused ([`refuse_orphans`]).
pub fn check_within_file(lines: &mut [Line]) {
    let mut tax_codes: HashMap<String, u32> = HashMap::new();
    let mut names: HashMap<(String, NaiveDate), u32> = HashMap::new();
    let mut households: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter_mut().enumerate() {
        let Verdict::Valid(row) = &line.verdict else {
            continue;
        };
        let mut problems = Vec::new();
        if let Some(code) = &row.person.tax_code
            && let Some(first) = tax_codes.get(code.as_str())
        {
            problems.push(Problem::at(
                "tax_code",
                format!("is the tax code of line {first} too"),
            ));
        }
        if let Some(birth) = row.person.birth_date
            && !row.confirm_new_person
            && let Some(first) = names.get(&(row.person.name_key(), birth))
        {
            problems.push(Problem {
                column: None,
                reason: format!(
                    "likely the same person as line {first} (same name and birth date): set \
                     confirm_new_person to register both"
                ),
            });
        }
        if let Some(h) = &row.household
            && let Some(birth) = row.person.birth_date
            && h.joined_on < birth
        {
            problems.push(Problem::at(
                "household_joined_on",
                "is before the birth date",
            ));
        }
        if let Some(c) = &row.case_file
            && let Some(birth) = row.person.birth_date
            && c.opened_on < birth
        {
            problems.push(Problem::at("case_opened_on", "is before the birth date"));
        }
        if problems.is_empty() {
            if let Some(code) = &row.person.tax_code {
                tax_codes.insert(code.as_str().to_owned(), line.number);
            }
            if let Some(birth) = row.person.birth_date {
                names
                    .entry((row.person.name_key(), birth))
                    .or_insert(line.number);
            }
            if let Some(h) = &row.household {
                households.entry(h.key.clone()).or_default().push(i);
            }
        } else {
            line.verdict = Verdict::refused(problems);
        }
    }
    for members in households.values() {
        let references = members
            .iter()
            .filter(|i| {
                lines[**i]
                    .verdict
                    .row()
                    .and_then(|r| r.household.as_ref())
                    .map(|h| h.relationship)
                    == Some(Relationship::ReferencePerson)
            })
            .count();
        let reason = if members.len() > MAX_HOUSEHOLD_ROWS {
            Some(format!(
                "the household has more than {MAX_HOUSEHOLD_ROWS} rows"
            ))
        } else if references > 1 {
            Some("the household has more than one reference_person".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            for i in members {
                lines[*i].verdict =
                    Verdict::refused(vec![Problem::at("household", reason.clone())]);
            }
        }
    }
    refuse_orphans(lines);
}

/// Refuses the members of a household whose reference person is refused or absent from the
/// file: a household is imported with its reference person or not at all.
pub fn refuse_orphans(lines: &mut [Line]) {
    let mut reference_of: HashMap<String, u32> = HashMap::new();
    for line in lines.iter() {
        if let Some(h) = line.verdict.row().and_then(|r| r.household.as_ref())
            && h.relationship == Relationship::ReferencePerson
        {
            reference_of.insert(h.key.clone(), line.number);
        }
    }
    for line in lines.iter_mut() {
        let Some(h) = line.verdict.row().and_then(|r| r.household.as_ref()) else {
            continue;
        };
        if h.relationship != Relationship::ReferencePerson && !reference_of.contains_key(&h.key) {
            line.verdict = Verdict::refused(vec![Problem::at(
                "household",
                "the household's reference_person is not imported (refused, or no row of the \
                 household is the reference_person)",
            )]);
        }
    }
}

/// The file's lines in batches of at least [`BATCH_ROWS`] (the last may hold fewer), in file
/// order, each household whole in the batch of its first line. The same file gives the same
/// batches, so an interrupted import goes on from its next batch.
pub fn batches(lines: &[Line]) -> Vec<Vec<usize>> {
    let mut first_of_household: HashMap<&str, usize> = HashMap::new();
    let mut units: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let key = line
            .verdict
            .row()
            .and_then(|r| r.household.as_ref())
            .map(|h| h.key.as_str());
        let anchor = match key {
            Some(key) => *first_of_household.entry(key).or_insert(i),
            None => i,
        };
        units.entry(anchor).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut current = Vec::new();
    for unit in units.into_values() {
        current.extend(unit);
        if current.len() >= BATCH_ROWS {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// What the office's database knows about a batch's rows.
#[derive(Debug, Default, Clone)]
pub struct OfficeFacts {
    /// Live persons by tax code.
    pub tax_codes: HashMap<String, Uuid>,
    /// Live persons by (name key, birth date).
    pub names: HashMap<(String, NaiveDate), Vec<Uuid>>,
    /// Staff accounts by username: whether active, roles, areas.
    pub staff: HashMap<String, crate::case_file::StaffFacts>,
}

/// Judges the valid rows of `lines` against the office: a tax code already registered, a
/// likely duplicate (same name and birth date) unless `confirm_new_person`, a case manager who
/// is not an active social worker of the area. Then [`refuse_orphans`].
pub fn check_against_office(lines: &mut [Line], facts: &OfficeFacts) {
    for line in lines.iter_mut() {
        let Verdict::Valid(row) = &line.verdict else {
            continue;
        };
        let mut problems = Vec::new();
        let mut candidates = Vec::new();
        if let Some(code) = &row.person.tax_code
            && let Some(id) = facts.tax_codes.get(code.as_str())
        {
            problems.push(Problem::at(
                "tax_code",
                "is the tax code of a person already registered",
            ));
            candidates.push(*id);
        }
        if !row.confirm_new_person
            && let Some(birth) = row.person.birth_date
            && let Some(ids) = facts.names.get(&(row.person.name_key(), birth))
            && !ids.is_empty()
        {
            problems.push(Problem {
                column: None,
                reason: "a person with the same name and birth date is registered: set \
                         confirm_new_person to register this one too"
                    .into(),
            });
            candidates.extend(ids.iter().copied());
        }
        if let Some(c) = &row.case_file {
            let staff = facts.staff.get(c.case_manager.as_str());
            let required = crate::case_file::case_manager_requirement(c.area);
            if let Err(e) = crate::case_file::check_case_worker(staff, Some(required)) {
                let reason = if staff.is_none() {
                    "no user with this username".to_owned()
                } else {
                    e
                };
                problems.push(Problem::at("case_manager", reason));
            }
        }
        if !problems.is_empty() {
            candidates.sort();
            candidates.dedup();
            line.verdict = Verdict::Refused {
                problems,
                candidates,
            };
        }
    }
    refuse_orphans(lines);
}

#[cfg(test)]
mod tests;
