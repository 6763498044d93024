//! HTTP mapping of the fairness domain's errors.

use domain::fairness::FairnessReportError;

use crate::error::ApiError;

impl From<FairnessReportError> for ApiError {
    fn from(e: FairnessReportError) -> Self {
        match e {
            FairnessReportError::AlreadyExists => Self::conflict("already_exists", e.to_string()),
        }
    }
}
