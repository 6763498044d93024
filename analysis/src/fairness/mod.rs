//! Group fairness metrics (fairlearn and AIF360 semantics).
