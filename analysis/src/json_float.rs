//! Serde adapter for `f64` fields that may be non-finite, shared by every engine
//! whose results go into events as JSON.
//!
//! serde_json writes NaN and both infinities as `null` and then cannot read `null` back
//! into an `f64`, so a chi-square statistic of +inf would not survive a round trip.
//! Following the fixtures' convention, NaN is `null`, +inf is `"inf"`, -inf is `"-inf"`.

use serde::{Deserialize, Deserializer, Serializer};

/// Writes NaN as `null`, +inf as `"inf"`, -inf as `"-inf"`, finite values as numbers.
pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.is_nan() {
        serializer.serialize_none()
    } else if value.is_infinite() {
        serializer.serialize_str(if *value > 0.0 { "inf" } else { "-inf" })
    } else {
        serializer.serialize_f64(*value)
    }
}

/// Reads numbers, `null` (NaN) and the strings `"inf"`, `"-inf"`, `"nan"`.
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

/// The same encoding for `Option<f64>`: `None` and NaN are both written as `null`
/// (and read back as `None`).
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `None`/NaN as `null`, infinities as strings, finite values as numbers.
    pub fn serialize<S: Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::serialize(v, serializer),
            None => serializer.serialize_none(),
        }
    }

    /// Reads `null` as `None`, everything else like [`super::deserialize`].
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<f64>, D::Error> {
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "super")] f64);
        let v = Option::<Wrap>::deserialize(deserializer)?;
        Ok(v.map(|Wrap(x)| x).filter(|x| !x.is_nan()))
    }
}
