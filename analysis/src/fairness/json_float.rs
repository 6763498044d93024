//! Serde adapter for `f64` fields that may be non-finite.
//!
//! JSON has no NaN or infinity, and serde_json would silently write `null` for both
//! infinities and NaN, losing the sign. The fixtures (and the events the API emits) use
//! `null` for NaN/undefined and the strings `"inf"` / `"-inf"` for infinities, so every
//! metric field goes through this module: `#[serde(with = "json_float")]`.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes NaN as `null`, +inf as `"inf"`, -inf as `"-inf"`, and finite values as numbers.
pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_nan() {
        serializer.serialize_none()
    } else if value.is_infinite() {
        serializer.serialize_str(if *value > 0.0 { "inf" } else { "-inf" })
    } else {
        serializer.serialize_f64(*value)
    }
}

/// Accepts numbers, `null` (NaN), and the strings `"inf"`, `"-inf"`, `"nan"`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }
    match Option::<Repr>::deserialize(deserializer)? {
        None => Ok(f64::NAN),
        Some(Repr::Number(v)) => Ok(v),
        Some(Repr::Text(s)) => match s.as_str() {
            "inf" | "Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            "nan" | "NaN" => Ok(f64::NAN),
            other => Err(serde::de::Error::custom(format!(
                "expected a number, null, \"inf\" or \"-inf\", got {other:?}"
            ))),
        },
    }
}
