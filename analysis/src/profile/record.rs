//! The dialect of a delimited file and one tokenized record.

use super::error::{ProfileError, Result};

/// Separator and quote character of a delimited text file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dialect {
    /// Field separator byte (`,`, `\t`, `;`, `|`, ...).
    pub delimiter: u8,
    /// Quote byte, usually `"`.
    pub quote: u8,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            delimiter: b',',
            quote: b'"',
        }
    }
}

impl Dialect {
    /// Rejects dialects the tokenizer cannot honour (line-break or equal separator/quote).
    pub fn validate(&self) -> Result<()> {
        let bad = |b: u8| b == b'\n' || b == b'\r';
        if bad(self.delimiter) || bad(self.quote) || self.delimiter == self.quote {
            return Err(ProfileError::InvalidOption(format!(
                "unusable dialect: delimiter {:?}, quote {:?}",
                self.delimiter as char, self.quote as char
            )));
        }
        Ok(())
    }
}

/// End offset and quoted flag of one field in the record buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FieldEnd {
    end: usize,
    quoted: bool,
}

impl FieldEnd {
    pub(crate) fn new(end: usize, quoted: bool) -> Self {
        FieldEnd { end, quoted }
    }
}

/// One tokenized record; borrows the tokenizer's buffers until the callback returns.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    bytes: &'a [u8],
    fields: &'a [FieldEnd],
    line: u64,
}

impl<'a> Record<'a> {
    pub(crate) fn new(bytes: &'a [u8], fields: &'a [FieldEnd], line: u64) -> Self {
        Record {
            bytes,
            fields,
            line,
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when the record has no field (never emitted by the tokenizer).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Unescaped bytes of field `i` (quotes removed, `""` collapsed). Panics if out of range.
    pub fn field(&self, i: usize) -> &'a [u8] {
        let start = if i == 0 { 0 } else { self.fields[i - 1].end };
        &self.bytes[start..self.fields[i].end]
    }

    /// Whether field `i` started with the quote character.
    pub fn is_quoted(&self, i: usize) -> bool {
        self.fields[i].quoted
    }

    /// 1-based physical line on which the record starts.
    pub fn line(&self) -> u64 {
        self.line
    }
}

/// Receives fields from the tokenizer as they complete.
pub(crate) trait FieldSink {
    /// Field `index` (0-based) of the current record, unescaped.
    fn field(&mut self, index: usize, bytes: &[u8], quoted: bool) -> Result<()>;
    /// The current record, which started on `line`, is complete with `fields` fields.
    fn end_record(&mut self, fields: usize, line: u64) -> Result<()>;
    /// The current record was a blank line (its single field was already delivered).
    fn discard_record(&mut self);
}

/// Assembles fields into a [`Record`] for a callback.
pub(crate) struct Collect<'s, F> {
    pub(crate) bytes: &'s mut Vec<u8>,
    pub(crate) fields: &'s mut Vec<FieldEnd>,
    pub(crate) sink: &'s mut F,
}

impl<F> FieldSink for Collect<'_, F>
where
    F: FnMut(Record<'_>) -> Result<()>,
{
    fn field(&mut self, _index: usize, bytes: &[u8], quoted: bool) -> Result<()> {
        self.bytes.extend_from_slice(bytes);
        self.fields.push(FieldEnd::new(self.bytes.len(), quoted));
        Ok(())
    }

    fn end_record(&mut self, _fields: usize, line: u64) -> Result<()> {
        let result = (self.sink)(Record::new(self.bytes, self.fields, line));
        self.discard_record();
        result
    }

    fn discard_record(&mut self) {
        self.bytes.clear();
        self.fields.clear();
    }
}
