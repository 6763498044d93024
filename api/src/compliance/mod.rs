//! Compliance status: each model version's checklist computed from the
//! evidence index, and the record of generated reports.

mod clock;
mod status;

pub use clock::Clock;
pub use status::{status, ComplianceStatus, ModelCompliance, Overall, VersionCompliance};

use crate::error::ApiError;

impl From<domain::compliance::ComplianceError> for ApiError {
    fn from(e: domain::compliance::ComplianceError) -> Self {
        match e {
            domain::compliance::ComplianceError::AlreadyExists => {
                Self::conflict("already_exists", e.to_string())
            }
        }
    }
}
