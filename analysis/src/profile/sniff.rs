//! Delimiter and quote sniffing from a sample of the input.
//!
//! pandas does not sniff (it assumes `,`), but RAIA accepts uploads whose separator is
//! unknown. The sample is tokenized with every candidate separator, quote-aware, so a
//! comma inside a quoted text field does not vote for the comma.

use super::csv::Tokenizer;
use super::record::Dialect;

/// Separators tried, in order of preference when two are equally plausible.
pub const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Default number of leading bytes inspected by [`sniff`].
pub const DEFAULT_SNIFF_BYTES: usize = 64 * 1024;

/// At most this many records of the sample are used.
const MAX_SAMPLE_RECORDS: usize = 1000;

/// Guesses the dialect of a delimited file from its first bytes.
///
/// Quote: `'` only when it opens fields and `"` never does; otherwise `"`.
/// Separator: for each candidate, the sample is tokenized and the most common field count
/// (the mode) is found; candidates whose mode is 1 are discarded. The winner has the
/// highest share of records with the modal count, then the larger mode, then the earlier
/// position in [`CANDIDATE_DELIMITERS`]. A sample that splits on none of them is a
/// single-column file and gets `,`. A record cut off by the end of the sample is ignored.
pub fn sniff(sample: &[u8]) -> Dialect {
    let sample = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    let quote = sniff_quote(sample);
    let mut best: Option<(f64, usize, u8)> = None;
    for &delimiter in &CANDIDATE_DELIMITERS {
        if delimiter == quote {
            continue;
        }
        let Some((consistency, mode)) = field_count_mode(sample, Dialect { delimiter, quote })
        else {
            continue;
        };
        if mode < 2 {
            continue;
        }
        let better = match best {
            None => true,
            Some((c, m, _)) => consistency > c || (consistency == c && mode > m),
        };
        if better {
            best = Some((consistency, mode, delimiter));
        }
    }
    Dialect {
        delimiter: best.map_or(b',', |(_, _, d)| d),
        quote,
    }
}

/// Share of sampled records having the modal field count, and that count.
fn field_count_mode(sample: &[u8], dialect: Dialect) -> Option<(f64, usize)> {
    let mut counts: Vec<usize> = Vec::new();
    let mut tokenizer = Tokenizer::new(dialect);
    let mut sink = |record: super::record::Record<'_>| {
        if counts.len() < MAX_SAMPLE_RECORDS {
            counts.push(record.len());
        }
        Ok(())
    };
    // Errors cannot occur without a finish() call; an unterminated quote just stops voting.
    tokenizer.feed(sample, &mut sink).ok()?;
    if counts.is_empty() {
        // One line without a newline: use it whole.
        tokenizer
            .finish(&mut |r: super::record::Record<'_>| {
                counts.push(r.len());
                Ok(())
            })
            .ok()?;
    }
    if counts.is_empty() {
        return None;
    }
    let mut sorted = counts.clone();
    sorted.sort_unstable();
    let (mut mode, mut mode_n, mut i) = (0, 0, 0);
    while i < sorted.len() {
        let j = sorted[i..].iter().take_while(|&&c| c == sorted[i]).count();
        // Ties between counts go to the larger count (a header rarely has extra fields).
        if j >= mode_n {
            mode = sorted[i];
            mode_n = j;
        }
        i += j;
    }
    Some((mode_n as f64 / counts.len() as f64, mode))
}

/// `'` when it opens fields (at a line start or after a candidate separator) and `"`
/// never does; `"` otherwise.
fn sniff_quote(sample: &[u8]) -> u8 {
    let opens = |q: u8| {
        let mut n = 0usize;
        let mut prev: Option<u8> = None;
        for &b in sample {
            let at_start = match prev {
                None => true,
                Some(p) => p == b'\n' || p == b'\r' || CANDIDATE_DELIMITERS.contains(&p),
            };
            if b == q && at_start {
                n += 1;
            }
            prev = Some(b);
        }
        n
    };
    if opens(b'"') == 0 && opens(b'\'') > 0 {
        b'\''
    } else {
        b'"'
    }
}
