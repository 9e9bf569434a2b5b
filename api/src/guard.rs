//! The access facts and the decision of the gate ([`crate::case_work`]): it loads the facts of a
//! case file, a person or a household inside the request's transaction, asks
//! [`socialcare_domain::access::decide`], and turns a refusal into [`ApiError::Denied`] (a 403
//! whose attempt [`crate::error::transact`] records in the audit trail after rolling back).
//!
//! Handlers never call it themselves: the gate does, first thing in the request's one
//! transaction, and builds the audit record from the returned grant so that the person concerned
//! and the break-glass marking are always there.

use chrono::Utc;
use socialcare_domain::access::{Action, CaseFacts, Decision, Relation, Resource, Subject, decide};
use socialcare_persistence::AnyConnection;
use socialcare_persistence::access::{self, CaseAccessFacts};
use socialcare_persistence::audit::Outcome;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;

impl Caller {
    /// The caller as the policy sees them.
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            id: self.user.id,
            roles: self.user.profile.roles(),
            areas: self.user.profile.areas(),
        }
    }
}

/// Access granted to one case file.
#[derive(Debug, Clone)]
pub struct CaseAccess {
    /// The case file.
    pub case_file_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// The facts the decision was made on.
    pub facts: CaseFacts,
    /// Set when only a break-glass grant allowed the access: its reason.
    pub break_glass: Option<String>,
    /// The caller's relation to the file.
    pub relation: Relation,
}

impl CaseAccess {
    /// Whether the caller may also perform `action` on this file (e.g. reading restricted
    /// entries while listing the diary).
    pub fn also(&self, caller: &Caller, action: Action) -> bool {
        decide(&caller.subject(), action, Resource::Case(&self.facts)).allowed()
    }

    /// Whether the caller may read a restricted diary entry written by `author`.
    pub fn may_read_restricted(&self, caller: &Caller, author: Uuid) -> bool {
        socialcare_domain::access::may_read_restricted_entry(&caller.subject(), author, &self.facts)
    }
}

/// Access granted to one person.
#[derive(Debug, Clone)]
pub struct PersonAccess {
    /// The person.
    pub person_id: Uuid,
    /// Set when only a break-glass grant allowed the access: its reason.
    pub break_glass: Option<String>,
}

/// The refusal of `action` on a resource, with its audit record.
pub fn denied(
    caller: &Caller,
    action: Action,
    resource_type: &str,
    resource_id: impl ToString,
    persons: Vec<Uuid>,
) -> ApiError {
    let mut record = caller.audit(
        action.code(),
        resource_type,
        Some(resource_id.to_string()),
        Outcome::Denied,
    );
    record.persons = persons;
    ApiError::Denied {
        detail: format!(
            "your relation to this {} does not allow `{}`",
            resource_type.replace('_', " "),
            action.code()
        ),
        record: Box::new(record),
    }
}

/// Decides `action` on case file `id`: 404 when there is no such file, [`ApiError::Denied`]
/// when the caller may not.
pub fn case_file(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: Action,
    id: Uuid,
) -> Result<CaseAccess, ApiError> {
    let now = Utc::now();
    let facts = access::case_file(
        conn,
        id,
        caller.id(),
        socialcare_domain::calendar::today(now),
        now,
    )?
    .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
    grant(caller, action, facts)
}

fn grant(caller: &Caller, action: Action, found: CaseAccessFacts) -> Result<CaseAccess, ApiError> {
    let relation = Relation::of(&caller.subject(), &found.facts);
    match decide(&caller.subject(), action, Resource::Case(&found.facts)) {
        Decision::Allow { break_glass } => Ok(CaseAccess {
            relation,
            case_file_id: found.case_file_id,
            person_id: found.person_id,
            facts: found.facts,
            break_glass: if break_glass {
                found.break_glass_reason
            } else {
                None
            },
        }),
        Decision::Deny => Err(denied(
            caller,
            action,
            "case_file",
            found.case_file_id,
            vec![found.person_id],
        )),
    }
}

/// Decides `action` on person `id` through their case files (a person without case files is
/// decided as such): 404 when there is no such person, [`ApiError::Denied`] when the caller may
/// not.
pub fn person(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: Action,
    id: Uuid,
) -> Result<PersonAccess, ApiError> {
    if !socialcare_persistence::persons::exists(conn, id)? {
        return Err(ApiError::NotFound("no person with this id".into()));
    }
    let now = Utc::now();
    let mut found = access::persons(
        conn,
        &[id],
        caller.id(),
        socialcare_domain::calendar::today(now),
        now,
    )?;
    let files = found.remove(&id).unwrap_or_default();
    match decide_person(caller, action, &files) {
        Some(break_glass) => Ok(PersonAccess {
            person_id: id,
            break_glass,
        }),
        None => Err(denied(caller, action, "person", id, vec![id])),
    }
}

/// Decides `action` on a person whose case files are `files`: `None` when refused, otherwise
/// the break-glass reason when only a grant allowed it.
pub fn decide_person(
    caller: &Caller,
    action: Action,
    files: &[CaseAccessFacts],
) -> Option<Option<String>> {
    let facts: Vec<CaseFacts> = files.iter().map(|f| f.facts.clone()).collect();
    match decide(&caller.subject(), action, Resource::Person(&facts)) {
        Decision::Deny => None,
        Decision::Allow { break_glass: false } => Some(None),
        Decision::Allow { break_glass: true } => Some(
            files
                .iter()
                .find_map(|f| f.break_glass_reason.clone())
                .or_else(|| Some("break-glass".to_owned())),
        ),
    }
}

/// Decides `action` on a household through its members (current and past): allowed when the
/// caller may perform it on at least one member. 404 when there is no such household.
pub fn household(
    conn: &mut AnyConnection,
    caller: &Caller,
    action: Action,
    id: Uuid,
) -> Result<Vec<Uuid>, ApiError> {
    if socialcare_persistence::households::find_household(conn, id)?.is_none() {
        return Err(ApiError::NotFound("no household with this id".into()));
    }
    let mut members: Vec<Uuid> =
        socialcare_persistence::households::members_of_household(conn, id)?
            .iter()
            .map(|m| m.membership.person_id)
            .collect();
    members.sort();
    members.dedup();
    let now = Utc::now();
    let mut facts = access::persons(
        conn,
        &members,
        caller.id(),
        socialcare_domain::calendar::today(now),
        now,
    )?;
    let allowed = members.iter().any(|person| {
        let files = facts.remove(person).unwrap_or_default();
        decide_person(caller, action, &files).is_some()
    });
    if allowed {
        Ok(members)
    } else {
        Err(denied(caller, action, "household", id, members))
    }
}
