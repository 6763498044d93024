//! Records -> raw columns, sequentially or in parallel chunks, then typed conversion.
//!
//! Parallel tokenizing splits an in-memory file after newlines near equal offsets; each
//! chunk is tokenized on its own thread as if it began a record. A chunk is kept only if
//! the previous chunk's tokenizer ended exactly between records; otherwise (the newline
//! was inside a quoted field) the previous tokenizer simply continues through the chunk,
//! so the result always equals a sequential parse, errors and line numbers included.

use super::column::{convert, RawColumn};
use super::csv::Tokenizer;
use super::error::{ProfileError, Result};
use super::header::header_names;
use super::na::NaMatcher;
use super::parallel::{par_map, thread_count};
use super::read::{CsvOptions, RaggedRows};
use super::record::{Dialect, FieldSink, Record};
use super::table::Table;

/// Below this size a file is tokenized on one thread.
const MIN_PARALLEL_BYTES: usize = 1 << 20;

/// Collects the header and the raw fields of every column.
pub(crate) struct Builder {
    ragged: RaggedRows,
    names: Option<Vec<String>>,
    /// Field count of the header, once known.
    width: Option<usize>,
    columns: Vec<RawColumn>,
    rows: usize,
    /// Header cells while the header record is being read.
    header: Vec<Vec<u8>>,
    /// Input bytes this builder will see (0 = unknown), to reserve column memory once.
    hint: usize,
}

impl Builder {
    /// A builder whose first record is the header.
    pub(crate) fn new(ragged: RaggedRows, hint: usize) -> Self {
        Builder {
            ragged,
            names: None,
            width: None,
            columns: Vec::new(),
            rows: 0,
            header: Vec::new(),
            hint,
        }
    }

    /// A builder for records after the header (of `width` fields), header not included.
    fn continuation(ragged: RaggedRows, width: usize, hint: usize) -> Self {
        let columns = (0..width).map(|_| RawColumn::default()).collect();
        Builder {
            width: Some(width),
            columns,
            ..Builder::new(ragged, hint)
        }
    }

    /// Converts the columns (in parallel) into a [`Table`].
    pub(crate) fn finish(self, dialect: Dialect, options: &CsvOptions) -> Result<Table> {
        Ok(Table {
            rows: self.rows,
            dialect,
            columns: convert_all(vec![self], options)?,
        })
    }
}

impl FieldSink for Builder {
    #[inline]
    fn field(&mut self, index: usize, bytes: &[u8], quoted: bool) -> Result<()> {
        match self.columns.get_mut(index) {
            Some(col) if self.width.is_some() => col.push(bytes, quoted),
            // Extra fields are counted by `end_record` and rejected there.
            _ if self.width.is_some() => {}
            _ => self.header.push(bytes.to_vec()),
        }
        Ok(())
    }

    fn end_record(&mut self, found: usize, line: u64) -> Result<()> {
        let Some(expected) = self.width else {
            let names = header_names(&std::mem::take(&mut self.header))?;
            self.columns = names.iter().map(|_| RawColumn::default()).collect();
            self.width = Some(names.len());
            self.names = Some(names);
            return Ok(());
        };
        if found > expected || (found < expected && self.ragged == RaggedRows::Error) {
            return Err(ProfileError::RaggedRow {
                line,
                expected,
                found,
            });
        }
        for col in &mut self.columns[found..] {
            col.push_pad();
        }
        self.rows += 1;
        if self.rows == 1024 && self.hint > 0 {
            self.reserve();
        }
        Ok(())
    }

    fn discard_record(&mut self) {
        match self.columns.first_mut() {
            Some(col) if self.width.is_some() => col.pop(),
            _ => self.header.clear(),
        }
    }
}

impl Builder {
    /// Extrapolates the first rows to the whole input and reserves column memory, which
    /// saves the copies and page faults of repeated doubling.
    fn reserve(&mut self) {
        let seen: usize = self.columns.iter().map(|c| c.byte_len() + c.len()).sum();
        let rows = self.hint.saturating_mul(self.rows) / seen.max(1);
        for col in &mut self.columns {
            let bytes = col.byte_len().saturating_mul(rows) / self.rows;
            col.reserve(rows + rows / 16, bytes + bytes / 16);
        }
    }
}

/// Merges chunk builders column by column and converts every column.
fn convert_all(parts: Vec<Builder>, options: &CsvOptions) -> Result<Vec<super::table::Column>> {
    let names = parts
        .first()
        .and_then(|b| b.names.clone())
        .ok_or(ProfileError::EmptyInput)?;
    let mut segments: Vec<Vec<RawColumn>> = names.iter().map(|_| Vec::new()).collect();
    for part in parts {
        for (seg, col) in segments.iter_mut().zip(part.columns) {
            seg.push(col);
        }
    }
    let na = NaMatcher::new(&options.na_tokens);
    let weights: Vec<usize> = segments
        .iter()
        .map(|s| s.iter().map(|c| c.byte_len() + c.len()).sum())
        .collect();
    let columns = par_map(names.len(), thread_count(options.threads), &weights, |i| {
        let merged;
        let raw = match segments[i].as_slice() {
            [one] => one,
            many => {
                merged = RawColumn::concat(many);
                &merged
            }
        };
        convert(names[i].clone(), raw, &na, options.quoted_na)
    });
    columns.into_iter().collect()
}

/// Field count of the first record, if it ends within `bytes`.
fn header_width(bytes: &[u8], dialect: Dialect) -> Option<usize> {
    let mut width = None;
    let mut tokenizer = Tokenizer::new(dialect);
    // The sink stops the tokenizer right after the header.
    let _ = tokenizer.feed(bytes, &mut |r: Record<'_>| {
        width = Some(r.len());
        Err(ProfileError::EmptyInput)
    });
    width
}

/// Shifts the line number of an error found in a chunk that started `offset` lines in.
fn shift(e: ProfileError, offset: u64) -> ProfileError {
    match e {
        ProfileError::RaggedRow {
            line,
            expected,
            found,
        } => ProfileError::RaggedRow {
            line: line + offset,
            expected,
            found,
        },
        ProfileError::UnterminatedQuote { line } => ProfileError::UnterminatedQuote {
            line: line + offset,
        },
        other => other,
    }
}

/// Tokenizes `bytes` into one builder per accepted chunk (see the module docs).
pub(crate) fn tokenize_parallel(
    bytes: &[u8],
    dialect: Dialect,
    ragged: RaggedRows,
    threads: usize,
) -> Result<Builders> {
    let mut cuts = vec![0];
    if threads > 1 && bytes.len() >= MIN_PARALLEL_BYTES {
        for j in 1..threads {
            let target = bytes.len() / threads * j;
            let Some(nl) = bytes[target..].iter().position(|&b| b == b'\n') else {
                break;
            };
            let cut = target + nl + 1;
            if cut > cuts[cuts.len() - 1] && cut < bytes.len() {
                cuts.push(cut);
            }
        }
    }
    let width = header_width(bytes, dialect);
    let (Some(width), true) = (width, cuts.len() > 1) else {
        cuts.truncate(1);
        let mut builder = Builder::new(ragged, bytes.len());
        let mut tokenizer = Tokenizer::new(dialect);
        tokenizer.feed_fields(bytes, &mut builder)?;
        tokenizer.finish_fields(&mut builder)?;
        return Ok(Builders(vec![builder]));
    };
    cuts.push(bytes.len());
    let parts = par_map(cuts.len() - 1, threads, &[], |j| {
        let (mut t, mut b) = match j {
            0 => (Tokenizer::new(dialect), Builder::new(ragged, cuts[1])),
            _ => (
                Tokenizer::continuation(dialect),
                Builder::continuation(ragged, width, cuts[j + 1] - cuts[j]),
            ),
        };
        let err = t.feed_fields(&bytes[cuts[j]..cuts[j + 1]], &mut b).err();
        (t, b, err)
    });
    let mut parts = parts.into_iter().enumerate();
    let Some((_, (mut tail, first, err))) = parts.next() else {
        return Err(ProfileError::EmptyInput);
    };
    if let Some(e) = err {
        return Err(e);
    }
    let (mut done, mut tail_offset) = (vec![first], 0);
    for (j, (t, b, err)) in parts {
        if tail.at_record_boundary() {
            let offset = tail_offset + tail.lines_consumed();
            if let Some(e) = err {
                return Err(shift(e, offset));
            }
            done.push(b);
            (tail, tail_offset) = (t, offset);
        } else if let Some(last) = done.last_mut() {
            // The cut fell inside a quoted field: continue the previous chunk sequentially.
            let chunk = &bytes[cuts[j]..cuts[j + 1]];
            tail.feed_fields(chunk, last)
                .map_err(|e| shift(e, tail_offset))?;
        }
    }
    if let Some(last) = done.last_mut() {
        tail.finish_fields(last)
            .map_err(|e| shift(e, tail_offset))?;
    }
    Ok(Builders(done))
}

/// Builders of consecutive chunks, the first holding the header.
pub(crate) struct Builders(Vec<Builder>);

impl Builders {
    /// Converts the columns (in parallel) into a [`Table`].
    pub(crate) fn finish(self, dialect: Dialect, options: &CsvOptions) -> Result<Table> {
        let rows = self.0.iter().map(|b| b.rows).sum();
        Ok(Table {
            rows,
            dialect,
            columns: convert_all(self.0, options)?,
        })
    }
}
