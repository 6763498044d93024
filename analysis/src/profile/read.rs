//! `read_csv`: bytes or a reader in, typed [`Table`] out.

use std::io::Read;

use serde::{Deserialize, Serialize};

use super::builder::{tokenize_parallel, Builder};
use super::csv::Tokenizer;
use super::error::{ProfileError, Result};
use super::na::PANDAS_NA_TOKENS;
use super::parallel::thread_count;
use super::record::Dialect;
use super::sniff::{sniff, DEFAULT_SNIFF_BYTES};
use super::table::Table;

/// What to do with a record whose field count differs from the header's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaggedRows {
    /// Any difference is a [`ProfileError::RaggedRow`] (strict upload validation).
    #[default]
    Error,
    /// pandas behaviour: short rows are padded with missing values; long rows still fail.
    PadShort,
}

/// Options of [`read_csv`]; `Default` gives pandas' `read_csv` defaults plus sniffing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvOptions {
    /// Field separator; `None` sniffs it from the first [`CsvOptions::sniff_bytes`].
    pub delimiter: Option<u8>,
    /// Quote character; `None` sniffs it (`"` unless only `'` opens fields).
    pub quote: Option<u8>,
    /// Exact texts that mean "missing" (default: pandas' list, including `""`).
    pub na_tokens: Vec<String>,
    /// Whether a quoted field equal to an NA token is missing. pandas says yes (`"NA"`
    /// is NaN); `false` keeps quoted tokens as strings.
    pub quoted_na: bool,
    /// Field-count mismatch policy.
    pub ragged: RaggedRows,
    /// Bytes inspected when sniffing.
    pub sniff_bytes: usize,
    /// Threads for the typed conversion (0 = available parallelism).
    pub threads: usize,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            quote: None,
            na_tokens: PANDAS_NA_TOKENS.iter().map(|t| t.to_string()).collect(),
            quoted_na: true,
            ragged: RaggedRows::Error,
            sniff_bytes: DEFAULT_SNIFF_BYTES,
            threads: 0,
        }
    }
}

impl CsvOptions {
    fn dialect(&self, sample: &[u8]) -> Result<Dialect> {
        let dialect = match (self.delimiter, self.quote) {
            (Some(delimiter), Some(quote)) => Dialect { delimiter, quote },
            _ => {
                let sniffed = sniff(sample);
                Dialect {
                    delimiter: self.delimiter.unwrap_or(sniffed.delimiter),
                    quote: self.quote.unwrap_or(sniffed.quote),
                }
            }
        };
        dialect.validate()?;
        Ok(dialect)
    }
}

/// Parses a whole in-memory file.
pub fn read_csv(bytes: &[u8], options: &CsvOptions) -> Result<Table> {
    let dialect = options.dialect(&bytes[..bytes.len().min(options.sniff_bytes)])?;
    let threads = thread_count(options.threads);
    tokenize_parallel(bytes, dialect, options.ragged, threads)?.finish(dialect, options)
}

/// Parses from a reader in 256 KiB chunks; memory holds the columns, not the file text.
pub fn read_csv_from<R: Read>(mut reader: R, options: &CsvOptions) -> Result<Table> {
    const CHUNK: usize = 256 * 1024;
    let io = |e: std::io::Error| ProfileError::Io(e.to_string());
    let mut head = vec![0u8; options.sniff_bytes.max(1)];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    head.truncate(filled);
    let dialect = options.dialect(&head)?;
    let mut builder = Builder::new(options.ragged, 0);
    let mut tokenizer = Tokenizer::new(dialect);
    tokenizer.feed_fields(&head, &mut builder)?;
    let mut chunk = vec![0u8; CHUNK];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(k) => tokenizer.feed_fields(&chunk[..k], &mut builder)?,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    tokenizer.finish_fields(&mut builder)?;
    builder.finish(dialect, options)
}
