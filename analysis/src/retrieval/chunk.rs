//! Sentence-aware chunking: chunks end at sentence boundaries where they can,
//! are at most `size` characters, and overlap their predecessor by about
//! `overlap` characters (whole sentences where possible).

/// Why chunking parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChunkError {
    /// Size must be at least 50 and overlap below half the size.
    #[error("chunk_size must be 50 to 20000 and chunk_overlap below half of it")]
    BadParameters,
}

/// A span of characters `[start, end)`.
pub type Span = (usize, usize);

/// Character spans of the sentences of `chars`: a sentence ends after `.`, `!`,
/// `?` (or a newline pair) followed by whitespace; trailing whitespace stays with it.
fn sentences(chars: &[char]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let end_mark = matches!(c, '.' | '!' | '?' | '。')
            && chars.get(i + 1).is_none_or(|n| n.is_whitespace());
        let paragraph = c == '\n' && chars.get(i + 1) == Some(&'\n');
        if end_mark || paragraph {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            out.push((start, j));
            start = j;
            i = j;
        } else {
            i += 1;
        }
    }
    if start < chars.len() {
        out.push((start, chars.len()));
    }
    out
}

/// Splits a span longer than `size` into pieces of at most `size`, at whitespace when possible.
fn split_long(chars: &[char], (s, e): Span, size: usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut a = s;
    while e - a > size {
        let hard = a + size;
        let cut = (a + size / 2..hard)
            .rev()
            .find(|&i| chars[i].is_whitespace())
            .map_or(hard, |i| i + 1);
        out.push((a, cut));
        a = cut;
    }
    out.push((a, e));
    out
}

/// Chunks `text`; spans are in characters. Whitespace-only text gives no chunk.
pub fn chunk(text: &str, size: usize, overlap: usize) -> Result<Vec<Span>, ChunkError> {
    if !(50..=20_000).contains(&size) || overlap * 2 >= size {
        return Err(ChunkError::BadParameters);
    }
    let chars: Vec<char> = text.chars().collect();
    let pieces: Vec<Span> = sentences(&chars)
        .into_iter()
        .flat_map(|s| split_long(&chars, s, size))
        .collect();
    let mut out: Vec<Span> = Vec::new();
    let mut i = 0;
    while i < pieces.len() {
        let start = pieces[i].0;
        let mut j = i;
        while j + 1 < pieces.len() && pieces[j + 1].1 - start <= size {
            j += 1;
        }
        let span = (start, pieces[j].1);
        if chars[span.0..span.1].iter().any(|c| !c.is_whitespace()) {
            out.push(span);
        }
        if j + 1 >= pieces.len() {
            break;
        }
        // Step back over whole pieces that fit in the overlap, but always advance.
        let mut next = j + 1;
        while next > i + 1 && pieces[j].1 - pieces[next - 1].0 <= overlap {
            next -= 1;
        }
        i = next;
    }
    Ok(out)
}
