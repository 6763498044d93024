//! Data drift statistics per column (scipy and Evidently semantics).
