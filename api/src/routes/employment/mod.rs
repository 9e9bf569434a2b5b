//! Employment (occupazione): the employers register and the procurement contracts with a
//! social clause, kept by the `administrative` staff and
//! read by whoever works cases. Employers are the office's records, not a person's: their
//! handlers go through the gate's office writes and lists ([`case_work::create`],
//! [`case_work::office_checked`], [`case_work::list`]), which decide the roles. See
//! `docs/employment.md`.

mod contracts;
mod employers;

pub use contracts::*;
pub use employers::*;
