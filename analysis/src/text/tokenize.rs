//! Hand-written tokenisers reproducing the Python reference implementations exactly:
//! rouge-score 0.1.2 (`[a-z0-9]+` runs after `str.lower`) and sacreBLEU 2.6.0's `13a`.
//!
//! Both regex pipelines are emulated pass by pass: `re.sub` scans left to right and never
//! overlaps matches, which changes the result for inputs such as `"a.,b"`, so the passes cannot
//! be fused into one.

/// Python's `str.isspace`: Rust's `White_Space` plus U+001C..U+001F, which Python also treats as
/// separators in `str.split()` (they are "information separators", bidi class B/S).
pub fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Splits like Python's `str.split()` with no argument (runs of whitespace, no empty parts).
pub fn python_split(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_whitespace).filter(|t| !t.is_empty())
}

/// Writes the rouge-score tokens of `text` into `out`, joined by single spaces.
///
/// One buffer instead of a `Vec<String>` keeps the hot path free of per-token allocation.
pub(crate) fn rouge_tokens_into(text: &str, out: &mut String) {
    out.clear();
    // Whether the last thing written was a separator (or nothing yet): avoids empty tokens.
    let mut at_boundary = true;
    let mut emit = |c: char, out: &mut String| {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
            at_boundary = false;
        } else if !at_boundary {
            out.push(' ');
            at_boundary = true;
        }
    };
    for c in text.chars() {
        if c.is_ascii() {
            emit(c.to_ascii_lowercase(), out);
        } else {
            // `str.lower` can turn a non-ASCII letter into ASCII ones (U+212A KELVIN SIGN -> "k",
            // U+0130 -> "i" + U+0307), so the lower-cased expansion is what gets filtered.
            for l in c.to_lowercase() {
                emit(l, out);
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
}

/// rouge-score 0.1.2 tokens without stemming: lower-case, every run of characters outside
/// `[a-z0-9]` separates tokens, empty tokens dropped.
pub fn rouge_tokenize(text: &str) -> Vec<String> {
    let mut buf = String::with_capacity(text.len());
    rouge_tokens_into(text, &mut buf);
    buf.split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Bytes the first 13a regex `[\{-\~\[-\` -\&\(-\+\:-\@\/]` pads with spaces (all ASCII).
fn is_13a_symbol(b: u8) -> bool {
    matches!(b, b'{'..=b'~' | b'['..=b'`' | b' '..=b'&' | b'('..=b'+' | b':'..=b'@' | b'/')
}

fn is_dot_comma(b: u8) -> bool {
    b == b'.' || b == b','
}

/// Replaces only when needed: most answers contain none of the patterns, so skip the copy.
fn replace_all(s: &mut String, from: &str, to: &str) {
    if s.contains(from) {
        *s = s.replace(from, to);
    }
}

/// Emulates `re.sub` of a two-character pattern: at each position try the pair, on a match write
/// the replacement and jump past both (matches never overlap).
///
/// A pair can only match where its byte at `offset` (0 or 1) passes `trigger`, so the scan
/// jumps from trigger to trigger and copies the text in between in bulk; positions skipped
/// that way could not have matched, so the result is the same as trying every position.
///
/// Working on UTF-8 bytes gives the same result as Python's code points: every pattern is
/// ASCII except `[^0-9]`, which a multi-byte character satisfies through whichever of its bytes
/// touches the ASCII neighbour, and the ASCII spaces are only ever inserted at character
/// boundaries.
fn sub_pairs(
    src: &[u8],
    dst: &mut Vec<u8>,
    offset: usize,
    trigger: impl Fn(u8) -> bool,
    rule: impl Fn(u8, u8, &mut Vec<u8>) -> bool,
) {
    dst.clear();
    let mut i = 0;
    while i < src.len() {
        let from = (i + offset).min(src.len());
        let Some(k) = src[from..].iter().position(|&b| trigger(b)) else {
            break;
        };
        let j = from + k - offset;
        dst.extend_from_slice(&src[i..j]);
        if j + 1 < src.len() && rule(src[j], src[j + 1], dst) {
            i = j + 2;
        } else {
            dst.push(src[j]);
            i = j + 1;
        }
    }
    dst.extend_from_slice(&src[i.min(src.len())..]);
}

/// sacreBLEU 2.6.0 `Tokenizer13a` (mteval-v13a): returns the tokens joined by single spaces.
///
/// This is the tokenizer alone; [`bleu_tokens`] adds the `rstrip` that BLEU applies first.
pub fn tokenize_13a(line: &str) -> String {
    let mut s = line.to_owned();
    // Order matters: "-\n" must be joined before "\n" becomes a space, and "&amp;lt;" ends up
    // as "<" because "&lt;" is replaced after "&amp;", exactly as the sequential calls do.
    replace_all(&mut s, "<skipped>", "");
    replace_all(&mut s, "-\n", "");
    replace_all(&mut s, "\n", " ");
    if s.contains('&') {
        replace_all(&mut s, "&quot;", "\"");
        replace_all(&mut s, "&amp;", "&");
        replace_all(&mut s, "&lt;", "<");
        replace_all(&mut s, "&gt;", ">");
    }

    let mut a: Vec<u8> = Vec::with_capacity(s.len() * 2 + 2);
    let mut b: Vec<u8> = Vec::with_capacity(s.len() * 2 + 2);
    // Pass 1: pad symbols. The line is padded with spaces first, as sacreBLEU does.
    // Only symbols change, so copy the runs between them in bulk. The pad spaces are symbols
    // themselves, hence three spaces at each end, byte for byte what Python builds.
    b.extend(b"   ");
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if is_13a_symbol(c) {
            b.extend_from_slice(&bytes[start..i]);
            b.extend([b' ', c, b' ']);
            start = i + 1;
        }
    }
    b.extend_from_slice(&bytes[start..]);
    b.extend(b"   ");
    // Pass 2: `([^0-9])([\.,])` -> `\1 \2 ` (period/comma unless preceded by a digit).
    sub_pairs(&b, &mut a, 1, is_dot_comma, |x, y, out| {
        let hit = !x.is_ascii_digit() && is_dot_comma(y);
        if hit {
            out.extend([x, b' ', y, b' ']);
        }
        hit
    });
    // Pass 3: `([\.,])([^0-9])` -> ` \1 \2` (period/comma unless followed by a digit).
    sub_pairs(&a, &mut b, 0, is_dot_comma, |x, y, out| {
        let hit = is_dot_comma(x) && !y.is_ascii_digit();
        if hit {
            out.extend([b' ', x, b' ', y]);
        }
        hit
    });
    // Pass 4: `([0-9])(-)` -> `\1 \2 ` (dash after a digit).
    sub_pairs(
        &b,
        &mut a,
        1,
        |c| c == b'-',
        |x, y, out| {
            let hit = x.is_ascii_digit() && y == b'-';
            if hit {
                out.extend([x, b' ', y, b' ']);
            }
            hit
        },
    );

    // Spaces were only inserted between characters, so the bytes are still UTF-8; the lossy
    // fallback exists only to avoid a panic path and never runs.
    let spaced =
        String::from_utf8(a).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    // `' '.join(line.split())`.
    let mut out = String::with_capacity(spaced.len());
    for token in python_split(&spaced) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// What sacreBLEU's BLEU actually tokenises: `tokenize_13a(text.rstrip())`, joined by spaces.
///
/// The `rstrip` matters: `"well-\n"` keeps its dash, because the trailing newline is gone
/// before the tokenizer could join `-\n`.
pub fn bleu_tokenized(text: &str) -> String {
    tokenize_13a(text.trim_end_matches(is_python_whitespace))
}

/// The tokens BLEU counts for `text` (see [`bleu_tokenized`]).
pub fn bleu_tokens(text: &str) -> Vec<String> {
    let joined = bleu_tokenized(text);
    joined
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}
