//! Access to care resources and their waiting lists (liste d'attesa): the resources with their
//! places over time, the published and versioned criteria sets that score the applications,
//! and the ranking with the breakdown of each score and the explanation of each position.
//! Pure rules; persistence loads the facts. See `docs/waiting-lists.md`.

mod admissions;
mod applications;
mod criteria;
mod publication;
mod ranking;
mod resources;

pub use admissions::*;
pub use applications::*;
pub use criteria::*;
pub use publication::*;
pub use ranking::*;
pub use resources::*;
