//! Streaming RFC 4180 tokenizer with the pandas C parser's leniencies.
//!
//! Bytes are fed in chunks of any size; state survives chunk boundaries, so a quoted
//! field, a CRLF pair or the UTF-8 BOM may be split anywhere. Rules (checked against
//! pandas 2.3.3 `read_csv`):
//! - `\n`, `\r\n` and a lone `\r` end a record; inside quotes they are data;
//! - a field starting with the quote character is quoted, `""` inside it is one quote;
//!   text after the closing quote is appended literally (`"x" ,` gives `x `);
//! - a quote inside an unquoted field is literal (`a"b"` stays `a"b"`);
//! - blank lines and lines made only of spaces/tabs are skipped (`skip_blank_lines`),
//!   but a line holding just `""` is a record with one empty quoted field;
//! - a leading UTF-8 BOM is dropped.

use super::error::Result;
use super::record::{Collect, Dialect, FieldEnd, FieldSink, Record};
use super::scanner::Scanner;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental tokenizer: call [`Tokenizer::feed`] for each chunk, then
/// [`Tokenizer::finish`].
#[derive(Debug)]
pub struct Tokenizer {
    scanner: Scanner,
    /// Bytes seen so far that may still be a BOM; `None` once the BOM question is settled.
    bom: Option<Vec<u8>>,
    /// Record assembled for the [`Record`] callback API.
    record: (Vec<u8>, Vec<FieldEnd>),
}

impl Tokenizer {
    /// A tokenizer for `dialect` positioned at line 1.
    pub fn new(dialect: Dialect) -> Self {
        Tokenizer {
            scanner: Scanner::new(dialect),
            bom: Some(Vec::with_capacity(3)),
            record: (Vec::new(), Vec::new()),
        }
    }

    /// A tokenizer for bytes that start at a record boundary in the middle of a file
    /// (no BOM check; line numbers are relative to that point).
    pub(crate) fn continuation(dialect: Dialect) -> Self {
        Tokenizer {
            bom: None,
            ..Tokenizer::new(dialect)
        }
    }

    /// True when the bytes fed so far end exactly between two records.
    pub(crate) fn at_record_boundary(&self) -> bool {
        self.bom.is_none() && self.scanner.at_record_boundary()
    }

    /// Line breaks consumed so far.
    pub(crate) fn lines_consumed(&self) -> u64 {
        self.scanner.lines_consumed()
    }

    /// Tokenizes `chunk`, calling `sink` for every completed non-blank record.
    pub fn feed<F>(&mut self, chunk: &[u8], sink: &mut F) -> Result<()>
    where
        F: FnMut(Record<'_>) -> Result<()>,
    {
        let (bytes, fields) = &mut self.record;
        let mut collect = Collect {
            bytes,
            fields,
            sink,
        };
        feed_with(&mut self.scanner, &mut self.bom, chunk, &mut collect)
    }

    /// Flushes the last record (a file need not end with a newline).
    pub fn finish<F>(&mut self, sink: &mut F) -> Result<()>
    where
        F: FnMut(Record<'_>) -> Result<()>,
    {
        let (bytes, fields) = &mut self.record;
        let mut collect = Collect {
            bytes,
            fields,
            sink,
        };
        finish_with(&mut self.scanner, &mut self.bom, &mut collect)
    }

    /// Like [`Tokenizer::feed`], handing over fields one by one.
    pub(crate) fn feed_fields<S: FieldSink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<()> {
        feed_with(&mut self.scanner, &mut self.bom, chunk, sink)
    }

    /// Like [`Tokenizer::finish`], for [`Tokenizer::feed_fields`].
    pub(crate) fn finish_fields<S: FieldSink>(&mut self, sink: &mut S) -> Result<()> {
        finish_with(&mut self.scanner, &mut self.bom, sink)
    }
}

fn feed_with<S: FieldSink>(
    scanner: &mut Scanner,
    bom: &mut Option<Vec<u8>>,
    chunk: &[u8],
    sink: &mut S,
) -> Result<()> {
    let Some(mut head) = bom.take() else {
        return scanner.run(chunk, sink);
    };
    // Collect up to three bytes before deciding whether the input starts with a BOM.
    let take = (3 - head.len()).min(chunk.len());
    head.extend_from_slice(&chunk[..take]);
    if head.len() < 3 && BOM.starts_with(&head) {
        *bom = Some(head);
        return Ok(());
    }
    if head != BOM {
        scanner.run(&head, sink)?;
    }
    scanner.run(&chunk[take..], sink)
}

fn finish_with<S: FieldSink>(
    scanner: &mut Scanner,
    bom: &mut Option<Vec<u8>>,
    sink: &mut S,
) -> Result<()> {
    if let Some(head) = bom.take() {
        if head != BOM {
            scanner.run(&head, sink)?;
        }
    }
    scanner.finish(sink)
}
