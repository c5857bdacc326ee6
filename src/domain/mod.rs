//! Pure types and rules: no I/O, no async. Everything the server, the client and the console
//! agree on lives here, so they cannot drift.

pub mod action;
pub mod assessment;
pub mod audit;
pub mod classification;
pub mod clock;
pub mod clocks;
pub mod deadlines;
pub mod escalation;
pub mod incident;
pub mod lifecycle;
pub mod redact;
pub mod role;
pub mod text;
pub mod wire;

pub use action::{Action, ActionPatch, ActionStatus, NewAction};
pub use classification::{
    BreachType, Classification, Location, RootCause, RootCauseCategory, Severity, Subtype,
};
pub use incident::{
    Determination, Incident, IncidentPatch, NewReport, Note, SimilarRef, Source, Status,
};
pub use role::{Permission, Role};
