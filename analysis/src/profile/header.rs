//! Column names from the header record, named like pandas.

use std::collections::HashMap;

use super::error::{ProfileError, Result};

/// Header cells with pandas' naming: empty -> `Unnamed: i`, repeats -> `a.1`, `a.2`.
pub(crate) fn header_names(cells: &[Vec<u8>]) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(cells.len());
    for (i, cell) in cells.iter().enumerate() {
        let name = std::str::from_utf8(cell).map_err(|_| ProfileError::InvalidUtf8 {
            column: format!("#{i}"),
            row: None,
        })?;
        names.push(if name.is_empty() {
            format!("Unnamed: {i}")
        } else {
            name.to_string()
        });
    }
    // pandas `dedup_names`: a name already taken gets the next free `.k` suffix.
    let mut counts: HashMap<String, usize> = HashMap::new();
    for name in &mut names {
        let mut col = name.clone();
        let mut cur = counts.get(&col).copied().unwrap_or(0);
        while cur > 0 {
            counts.insert(col.clone(), cur + 1);
            col = format!("{col}.{cur}");
            cur = counts.get(&col).copied().unwrap_or(0);
        }
        counts.insert(col.clone(), cur + 1);
        *name = col;
    }
    Ok(names)
}
