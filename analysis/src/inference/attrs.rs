//! Typed access to a node's attributes. A present attribute of the wrong kind is an error
//! rather than "absent", so a malformed file cannot silently fall back to a default.

use super::initializer::decode_attribute_tensor;
use super::proto::{AttributeProto, NodeProto};
use super::tensor::Tensor;

// `AttributeProto.AttributeType` codes.
const INT: i32 = 2;
const STRING: i32 = 3;
const TENSOR: i32 = 4;
const FLOATS: i32 = 6;
const INTS: i32 = 7;
const STRINGS: i32 = 8;

/// The attributes of one node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attrs<'a> {
    list: &'a [AttributeProto],
}

impl<'a> Attrs<'a> {
    /// Wraps a node's attribute list.
    pub fn of(node: &'a NodeProto) -> Self {
        Self {
            list: &node.attribute,
        }
    }

    /// The attribute called `name`, checking its declared kind (0 = undeclared, accepted).
    fn get(&self, name: &str, kind: i32) -> Result<Option<&'a AttributeProto>, String> {
        match self.list.iter().find(|a| a.name == name) {
            None => Ok(None),
            Some(a) if a.r#type == kind || a.r#type == 0 => Ok(Some(a)),
            Some(a) => Err(format!(
                "attribute `{name}` has kind {}, expected {}",
                kind_name(a.r#type),
                kind_name(kind)
            )),
        }
    }

    /// A float list.
    pub fn floats(&self, name: &str) -> Result<Option<&'a [f32]>, String> {
        Ok(self.get(name, FLOATS)?.map(|a| a.floats.as_slice()))
    }

    /// An integer list.
    pub fn ints(&self, name: &str) -> Result<Option<&'a [i64]>, String> {
        Ok(self.get(name, INTS)?.map(|a| a.ints.as_slice()))
    }

    /// A string list (UTF-8).
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>, String> {
        match self.get(name, STRINGS)? {
            None => Ok(None),
            Some(a) => a
                .strings
                .iter()
                .map(|s| utf8(s, name))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
        }
    }

    /// A single string (UTF-8).
    pub fn string(&self, name: &str) -> Result<Option<String>, String> {
        match self.get(name, STRING)? {
            None => Ok(None),
            Some(a) => utf8(&a.s, name).map(Some),
        }
    }

    /// A single integer.
    pub fn int(&self, name: &str) -> Result<Option<i64>, String> {
        Ok(self.get(name, INT)?.map(|a| a.i))
    }

    /// A tensor, decoded.
    pub fn tensor(&self, name: &str) -> Result<Option<Tensor>, String> {
        match self.get(name, TENSOR)? {
            None => Ok(None),
            Some(a) => match &a.t {
                None => Err(format!("attribute `{name}` holds no tensor")),
                Some(t) => decode_attribute_tensor(t)
                    .map(Some)
                    .map_err(|e| format!("attribute `{name}`: {e}")),
            },
        }
    }
}

fn utf8(bytes: &[u8], name: &str) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|_| format!("attribute `{name}` is not UTF-8"))
}

fn kind_name(kind: i32) -> &'static str {
    match kind {
        1 => "FLOAT",
        INT => "INT",
        STRING => "STRING",
        TENSOR => "TENSOR",
        FLOATS => "FLOATS",
        INTS => "INTS",
        STRINGS => "STRINGS",
        5 => "GRAPH",
        9 => "TENSORS",
        10 => "GRAPHS",
        _ => "an unknown kind",
    }
}
