//! The byte-level state machine behind [`super::Tokenizer`] (rules in [`super::csv`]).
//!
//! Fields are handed to a [`FieldSink`] as they complete. A field lying inside the
//! current chunk without `""` escapes is passed as a slice of the input (no copy); only
//! fields split across chunks or unescaped are assembled in a buffer.

use super::error::{ProfileError, Result};
use super::record::{Dialect, FieldSink};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
    AfterCr,
}

/// The byte-level state machine.
#[derive(Debug)]
pub(crate) struct Scanner {
    dialect: Dialect,
    state: State,
    /// Start (in the current chunk) of the current field's bytes while they need no copy.
    span: Option<usize>,
    /// Field bytes assembled across chunks or after an escape.
    buf: Vec<u8>,
    /// Position of the last quote seen in the current chunk (state `QuoteInQuoted`).
    quote_at: usize,
    field_quoted: bool,
    field_index: usize,
    /// Field 0 is unquoted and only spaces/tabs (a blank line if it is the only field).
    first_blank: bool,
    in_record: bool,
    prev_cr: bool,
    line: u64,
    record_line: u64,
    special: [bool; 256],
}

impl Scanner {
    pub(crate) fn new(dialect: Dialect) -> Self {
        let mut special = [false; 256];
        for b in [dialect.delimiter, b'\n', b'\r'] {
            special[b as usize] = true;
        }
        Scanner {
            dialect,
            state: State::FieldStart,
            span: None,
            buf: Vec::with_capacity(256),
            quote_at: 0,
            field_quoted: false,
            field_index: 0,
            first_blank: false,
            in_record: false,
            prev_cr: false,
            line: 1,
            record_line: 1,
            special,
        }
    }

    /// True when the bytes fed so far end exactly between two records.
    pub(crate) fn at_record_boundary(&self) -> bool {
        !self.in_record && matches!(self.state, State::FieldStart | State::AfterCr)
    }

    /// Line breaks consumed so far.
    pub(crate) fn lines_consumed(&self) -> u64 {
        self.line - 1
    }

    /// Completes the current field; its bytes are `chunk[span..end]` or the buffer.
    #[inline]
    fn emit<S: FieldSink>(&mut self, chunk: &[u8], end: usize, sink: &mut S) -> Result<()> {
        let bytes = match self.span.take() {
            Some(s) => &chunk[s..end],
            None => &self.buf[..],
        };
        if self.field_index == 0 {
            self.first_blank = !self.field_quoted && bytes.iter().all(|&b| b == b' ' || b == b'\t');
        }
        let result = sink.field(self.field_index, bytes, self.field_quoted);
        self.field_index += 1;
        self.field_quoted = false;
        self.buf.clear();
        result
    }

    /// Ends the record after a `\n` or `\r` outside quotes.
    fn end_line<S: FieldSink>(&mut self, sink: &mut S, cr: bool) -> Result<()> {
        let result = self.end_record(sink);
        self.line += 1;
        self.record_line = self.line;
        self.state = if cr {
            State::AfterCr
        } else {
            State::FieldStart
        };
        result
    }

    fn end_record<S: FieldSink>(&mut self, sink: &mut S) -> Result<()> {
        let fields = std::mem::take(&mut self.field_index);
        self.in_record = false;
        if fields == 1 && self.first_blank {
            // pandas skips empty and whitespace-only lines.
            sink.discard_record();
            Ok(())
        } else {
            sink.end_record(fields, self.record_line)
        }
    }

    pub(crate) fn finish<S: FieldSink>(&mut self, sink: &mut S) -> Result<()> {
        match self.state {
            State::Quoted => Err(ProfileError::UnterminatedQuote {
                line: self.record_line,
            }),
            State::AfterCr => Ok(()),
            _ if !self.in_record => Ok(()),
            _ => {
                self.emit(&[], 0, sink)?;
                self.end_record(sink)
            }
        }
    }

    pub(crate) fn run<S: FieldSink>(&mut self, chunk: &[u8], sink: &mut S) -> Result<()> {
        let (delim, quote) = (self.dialect.delimiter, self.dialect.quote);
        let n = chunk.len();
        let mut i = 0;
        while i < n {
            match self.state {
                State::FieldStart => {
                    if !self.in_record {
                        self.in_record = true;
                        self.record_line = self.line;
                    }
                    if chunk[i] == quote {
                        self.field_quoted = true;
                        self.prev_cr = false;
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                    self.span = Some(i);
                }
                State::Unquoted => {
                    let start = i;
                    while i < n && !self.special[chunk[i] as usize] {
                        i += 1;
                    }
                    if self.span.is_none() {
                        self.buf.extend_from_slice(&chunk[start..i]);
                    }
                    if i == n {
                        break;
                    }
                    let c = chunk[i];
                    self.emit(chunk, i, sink)?;
                    i += 1;
                    if c == delim {
                        self.state = State::FieldStart;
                    } else {
                        self.end_line(sink, c == b'\r')?;
                    }
                }
                State::Quoted => {
                    let start = i;
                    while i < n {
                        // Line breaks inside quotes are data but still count as lines.
                        match chunk[i] {
                            b if b == quote => break,
                            b'\n' => self.line += u64::from(!self.prev_cr),
                            b'\r' => self.line += 1,
                            _ => {}
                        }
                        self.prev_cr = chunk[i] == b'\r';
                        i += 1;
                    }
                    if self.span.is_none() {
                        self.buf.extend_from_slice(&chunk[start..i]);
                    }
                    if i == n {
                        break;
                    }
                    self.quote_at = i;
                    self.state = State::QuoteInQuoted;
                    i += 1;
                }
                State::QuoteInQuoted => {
                    let c = chunk[i];
                    if c == delim || c == b'\n' || c == b'\r' {
                        self.emit(chunk, self.quote_at, sink)?;
                        i += 1;
                        if c == delim {
                            self.state = State::FieldStart;
                        } else {
                            self.end_line(sink, c == b'\r')?;
                        }
                        continue;
                    }
                    // An escaped quote, or text after the closing quote: copy from here on.
                    if let Some(s) = self.span.take() {
                        self.buf.extend_from_slice(&chunk[s..self.quote_at]);
                    }
                    if c == quote {
                        self.buf.push(quote);
                        self.prev_cr = false;
                        self.state = State::Quoted;
                        i += 1;
                    } else {
                        self.state = State::Unquoted;
                    }
                }
                State::AfterCr => {
                    if chunk[i] == b'\n' {
                        i += 1;
                    }
                    self.state = State::FieldStart;
                }
            }
        }
        // A field still open at the end of the chunk is copied before the chunk goes away.
        if let Some(s) = self.span.take() {
            let end = if self.state == State::QuoteInQuoted {
                self.quote_at
            } else {
                n
            };
            self.buf.extend_from_slice(&chunk[s..end]);
        }
        Ok(())
    }
}
