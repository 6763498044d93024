//! Password policy: at least [`MIN_PASSWORD_LEN`] characters, and not one of the
//! most common passwords (nor one of them padded with digits or symbols, nor a
//! run of one character or a keyboard sequence).

use std::{collections::HashSet, sync::OnceLock};

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Why a password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    /// Fewer than [`MIN_PASSWORD_LEN`] characters.
    #[error("password must have at least {MIN_PASSWORD_LEN} characters")]
    TooShort,
    /// On the common-password list, or trivially derived from an entry.
    #[error("password is too common; choose one that is not on lists of common passwords")]
    Common,
}

fn list() -> &'static (HashSet<&'static str>, HashSet<&'static str>) {
    static LIST: OnceLock<(HashSet<&'static str>, HashSet<&'static str>)> = OnceLock::new();
    LIST.get_or_init(|| {
        let words: Vec<&str> = include_str!("common_passwords.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .collect();
        let all = words.iter().copied().collect();
        // Bases for "common word + digits/symbols": the 1000 most common, of 4+ letters.
        let bases = words
            .iter()
            .take(1000)
            .copied()
            .filter(|w| w.len() >= 4 && w.chars().any(|c| c.is_alphabetic()))
            .collect();
        (all, bases)
    })
}

fn is_run_or_sequence(p: &str) -> bool {
    let chars: Vec<char> = p.chars().collect();
    let same = chars.windows(2).all(|w| w[0] == w[1]);
    let step = |d: i32| chars.windows(2).all(|w| (w[1] as i32 - w[0] as i32) == d);
    // Digit runs wrap around the keyboard row: 7890123...
    let digits = chars.iter().all(|c| c.is_ascii_digit());
    let wraps = |d: i32| {
        digits
            && chars
                .windows(2)
                .all(|w| (w[1] as i32 - w[0] as i32).rem_euclid(10) == d)
    };
    same || step(1) || step(-1) || wraps(1) || wraps(9)
}

/// The shortest unit the whole string repeats, if it repeats one.
fn repeated_unit(s: &str) -> Option<&str> {
    let n = s.len();
    (1..=n / 2)
        .filter(|p| n.is_multiple_of(*p) && s.is_char_boundary(*p))
        .find(|p| s.as_bytes().chunks(*p).all(|c| c == &s.as_bytes()[..*p]))
        .map(|p| &s[..p])
}

/// Checks a candidate password against the policy.
pub fn check(password: &str) -> Result<(), PolicyViolation> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(PolicyViolation::TooShort);
    }
    let lower = password.to_lowercase();
    let (all, bases) = list();
    if all.contains(lower.as_str()) || is_run_or_sequence(&lower) {
        return Err(PolicyViolation::Common);
    }
    let base = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    let base = base.trim_start_matches(|c: char| !c.is_alphabetic());
    // A common word plus padding is common, unless the padding is long enough
    // to carry the length on its own.
    if bases.contains(base) && lower.len() - base.len() < MIN_PASSWORD_LEN {
        return Err(PolicyViolation::Common);
    }
    // A short unit repeated (`qwertyqwertyqwerty`, `abcabcabcabc`) is as weak as the unit.
    if let Some(unit) = repeated_unit(&lower) {
        if unit.chars().count() < 8 || bases.contains(unit) {
            return Err(PolicyViolation::Common);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_short_padded_and_sequential_passwords_are_refused() {
        for p in [
            "short",
            "password",
            "1234567890123",
            "aaaaaaaaaaaaaaaa",
            "abcdefghijklmn",
            "Password123456",
            "dragon!!!!!!!!",
            "qwertyqwerty",
            "qwertyqwertyqwerty",
            "abcabcabcabcabc",
            "iloveyou2024!",
        ] {
            assert!(check(p).is_err(), "{p} should be refused");
        }
        assert_eq!(check("short"), Err(PolicyViolation::TooShort));
    }

    #[test]
    fn ordinary_strong_passwords_pass() {
        for p in [
            "correct horse battery staple",
            "Tr0ub4dor&3-extended",
            "g7#kP2!xq9Lm",
        ] {
            assert_eq!(check(p), Ok(()), "{p}");
        }
    }
}
