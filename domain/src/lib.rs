//! Pure rules of the municipal social services office.
//!
//! This crate knows nothing of SQL, HTTP, serde or OpenAPI: it holds the office's concepts
//! (staff roles, areas, user identities), the constructors that make invalid values
//! unrepresentable, and the decision functions (login throttling, refresh-token rotation)
//! that the persistence and API layers run.

pub mod access;
pub mod agenda;
pub mod benefits;
pub mod break_glass;
pub mod calendar;
pub mod case_file;
pub mod dates;
pub mod employment;
pub mod error;
pub mod events;
pub mod household;
pub mod housing;
pub mod ids;
pub mod import;
pub mod labels;
pub mod names;
pub mod pact;
pub mod partner;
pub mod person;
pub mod personal_data;
pub mod prison;
pub mod project;
pub mod refresh;
pub mod sensitive;
pub mod siuss;
pub mod staff;
pub mod statistics;
pub mod tax_code;
pub mod throttle;
pub mod training;
pub mod waiting_list;
pub mod webhooks;

pub use error::{FieldError, ValidationErrors};
pub use staff::{
    AccountRuleViolation, Area, DisplayName, Email, Password, Role, StaffProfile, StaffUser,
    Username, check_admin_change,
};
