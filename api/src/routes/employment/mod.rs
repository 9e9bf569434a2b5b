//! Employment (occupazione): the employers register and the procurement contracts with a
//! social clause, kept by the `administrative` staff and read by whoever works cases; the
//! employment placements of the persons of case files, which go through the gate with their
//! case file; and the compliance of the contracts' clauses, read by coordinators, the office
//! manager and the administrative staff. Employers are the office's records, not a person's: their
//! handlers go through the gate's office writes and lists ([`case_work::create`],
//! [`case_work::office_checked`], [`case_work::list`]), which decide the roles. See
//! `docs/employment.md`.

mod compliance;
mod contracts;
mod employers;
mod placements;
mod reviews;

pub use compliance::*;
pub use contracts::*;
pub use employers::*;
pub use placements::*;
pub use reviews::*;
