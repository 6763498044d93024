//! JSON Lines: one object per line; columns are the union of keys in order of first
//! appearance; nested values are kept as their JSON text.

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::csv_out::{Cell, CsvOut};
use super::{Limits, TabularError};

fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes
        .split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix(b"\r").unwrap_or(l)))
        .filter(|(_, l)| !l.iter().all(u8::is_ascii_whitespace))
}

/// A JSON object's members in file order (`serde_json::Map` sorts its keys).
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, Value>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn object(line: usize, text: &[u8]) -> Result<Vec<(String, Value)>, TabularError> {
    if std::str::from_utf8(text).is_err() {
        return Err(TabularError::Jsonl {
            line,
            reason: "not valid UTF-8".into(),
        });
    }
    if !text.trim_ascii_start().starts_with(b"{") {
        return Err(TabularError::Jsonl {
            line,
            reason: "each line must be a JSON object".into(),
        });
    }
    serde_json::from_slice::<Ordered>(text)
        .map(|o| o.0)
        .map_err(|e| TabularError::Jsonl {
            line,
            reason: e.to_string(),
        })
}

/// Renders the file as CSV text (see the module docs of [`super`]).
pub fn to_csv(bytes: &[u8], limits: Limits) -> Result<Vec<u8>, TabularError> {
    let mut names: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (line, text) in lines(bytes) {
        for (key, _) in object(line, text)? {
            if !index.contains_key(&key) {
                index.insert(key.clone(), names.len());
                names.push(key);
                if names.len() > limits.max_columns {
                    return Err(TabularError::TooManyColumns {
                        found: names.len(),
                        max: limits.max_columns,
                    });
                }
            }
        }
    }
    if names.is_empty() {
        return Err(TabularError::Empty);
    }
    let mut out = CsvOut::new();
    for n in &names {
        out.text(n);
    }
    out.end();
    let mut row: Vec<Option<Value>> = vec![None; names.len()];
    for (line, text) in lines(bytes) {
        for (k, v) in object(line, text)? {
            if let Some(&i) = index.get(&k) {
                row[i] = Some(v);
            }
        }
        for slot in row.iter_mut() {
            let v = slot.take();
            let nested;
            let cell = match &v {
                None | Some(Value::Null) => Cell::Null,
                Some(Value::Bool(b)) => Cell::Bool(*b),
                Some(Value::Number(n)) => match n.as_i64() {
                    Some(i) => Cell::Int(i),
                    None => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
                },
                Some(Value::String(s)) => Cell::Str(s),
                Some(other) => {
                    nested = other.to_string();
                    Cell::Str(&nested)
                }
            };
            out.cell(&cell);
        }
        out.end();
    }
    Ok(out.finish())
}
