//! Access to care resources and their waiting lists: the published criteria sets that rank
//! applicants and the resources with their places over time, kept by the `administrative`
//! staff and the office manager, read by whoever works cases. They are the office's records,
//! not a person's: their handlers go through the gate's office writes and lists. See
//! `docs/waiting-lists.md`.

mod admissions;
mod applications;
mod criteria;
mod publications;
mod ranking;
mod resources;

pub use admissions::*;
pub use applications::*;
pub use criteria::*;
pub use publications::*;
pub use ranking::*;
pub use resources::*;
