//! Serde adapters for floats that may be non-finite, in the fixtures' encoding:
//! NaN -> `null`, +inf -> `"inf"`, -inf -> `"-inf"`, finite values as JSON numbers.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A float that serializes NaN/inf as `null`/`"inf"`/`"-inf"`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Repr(f64);

impl Serialize for Repr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_nan() {
            serializer.serialize_none()
        } else if v.is_infinite() {
            serializer.serialize_str(if v > 0.0 { "inf" } else { "-inf" })
        } else {
            serializer.serialize_f64(v)
        }
    }
}

impl<'de> Deserialize<'de> for Repr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        Ok(Repr(match Option::<Raw>::deserialize(deserializer)? {
            None => f64::NAN,
            Some(Raw::Number(v)) => v,
            Some(Raw::Text(s)) => match s.as_str() {
                "inf" | "Infinity" => f64::INFINITY,
                "-inf" | "-Infinity" => f64::NEG_INFINITY,
                "nan" | "NaN" => f64::NAN,
                other => {
                    return Err(serde::de::Error::custom(format!(
                        "expected a number, null, \"inf\" or \"-inf\", got {other:?}"
                    )))
                }
            },
        }))
    }
}

/// Writes one `f64` in the non-finite encoding.
pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    Repr(*value).serialize(serializer)
}

/// Reads numbers, `null` (NaN) and the strings `"inf"`, `"-inf"`, `"nan"`.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Repr::deserialize(deserializer).map(|r| r.0)
}

/// The same encoding for a vector of floats.
pub mod vec {
    use super::Repr;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each element in the non-finite encoding.
    pub fn serialize<S: Serializer>(value: &[f64], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(value.iter().map(|&v| Repr(v)))
    }

    /// Reads a sequence of encoded floats.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Repr>::deserialize(deserializer)?
            .into_iter()
            .map(|r| r.0)
            .collect())
    }
}

/// The same encoding for a row-major matrix.
pub mod matrix {
    use super::Repr;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes each row as a sequence of encoded floats.
    pub fn serialize<S: Serializer>(value: &[Vec<f64>], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            value
                .iter()
                .map(|row| row.iter().map(|&v| Repr(v)).collect::<Vec<_>>()),
        )
    }

    /// Reads rows of encoded floats.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<Vec<f64>>, D::Error> {
        let rows = Vec::<Vec<Repr>>::deserialize(deserializer)?;
        Ok(rows
            .into_iter()
            .map(|r| r.into_iter().map(|x| x.0).collect())
            .collect())
    }
}
