//! Exact match and token F1 as the official SQuAD v1.1 evaluation script computes them.

use super::tokenize::{is_python_whitespace, python_split};

/// Python's `\w` for `str` patterns: alphanumeric or underscore. Rust's `is_alphanumeric` also
/// counts the few combining marks with the Other_Alphabetic property, which Python does not;
/// an article glued to such a mark is the only input where the two could differ.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// SQuAD `normalize_answer`: lower-case, drop ASCII punctuation, replace the whole words
/// a / an / the by a space, collapse whitespace.
pub fn normalize_answer(text: &str) -> String {
    // `is_ascii_punctuation` is exactly Python's `string.punctuation` (32 characters).
    let mut cleaned = text.to_lowercase();
    cleaned.retain(|c| !c.is_ascii_punctuation());

    // `\b(a|an|the)\b` matches precisely a maximal run of word characters equal to one of
    // the articles, so walk the runs instead of emulating the regex engine.
    let mut spaced = String::with_capacity(cleaned.len());
    let mut run_start: Option<usize> = None;
    let flush = |start: usize, end: usize, out: &mut String| {
        let word = &cleaned[start..end];
        if matches!(word, "a" | "an" | "the") {
            out.push(' ');
        } else {
            out.push_str(word);
        }
    };
    for (i, c) in cleaned.char_indices() {
        if is_word_char(c) {
            run_start.get_or_insert(i);
        } else {
            if let Some(start) = run_start.take() {
                flush(start, i, &mut spaced);
            }
            spaced.push(c);
        }
    }
    if let Some(start) = run_start {
        flush(start, cleaned.len(), &mut spaced);
    }

    let mut out = String::with_capacity(spaced.len());
    for token in spaced.split(is_python_whitespace).filter(|t| !t.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(token);
    }
    out
}

/// 1.0 when both answers normalise to the same string, else 0.0.
pub fn exact_match(generated: &str, reference: &str) -> f64 {
    if normalize_answer(generated) == normalize_answer(reference) {
        1.0
    } else {
        0.0
    }
}

/// Size of the multiset intersection of two token lists (sum of the smaller counts).
fn common_count(a: &mut [&str], b: &mut [&str]) -> usize {
    // Sorting both and merging avoids hashing; answers are short.
    a.sort_unstable();
    b.sort_unstable();
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(b[j]) {
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    common
}

/// SQuAD token F1 over whitespace tokens of the normalised answers; 0 when nothing is shared
/// (which includes either side being empty).
pub fn token_f1(generated: &str, reference: &str) -> f64 {
    let generated = normalize_answer(generated);
    let reference = normalize_answer(reference);
    let mut gen_tokens: Vec<&str> = python_split(&generated).collect();
    let mut ref_tokens: Vec<&str> = python_split(&reference).collect();
    let (n_gen, n_ref) = (gen_tokens.len(), ref_tokens.len());
    let common = common_count(&mut gen_tokens, &mut ref_tokens);
    if common == 0 {
        return 0.0;
    }
    // Same operation order as the script: P and R first, then 2PR/(P+R).
    let precision = common as f64 / n_gen as f64;
    let recall = common as f64 / n_ref as f64;
    (2.0 * precision * recall) / (precision + recall)
}
