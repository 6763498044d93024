//! Which reader a file needs, from its first bytes and its name.

use super::TabularError;

/// A supported container format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text (delimiter sniffed).
    Csv,
    /// Tab-delimited text.
    Tsv,
    /// One JSON object per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Excel Open XML.
    Xlsx,
}

fn extension(filename: Option<&str>) -> String {
    filename
        .and_then(|f| f.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Detects the format: magic bytes first (`PAR1`, a zip header), then the extension,
/// then the content (a first line that is a JSON object means JSON Lines). A file named
/// `.xlsx`/`.parquet` whose bytes are not that format is refused rather than misread.
pub fn detect(head: &[u8], filename: Option<&str>) -> Result<Format, TabularError> {
    let ext = extension(filename);
    let zip = head.starts_with(b"PK\x03\x04");
    let parquet = head.starts_with(b"PAR1");
    match ext.as_str() {
        "xlsx" | "xlsm" if !zip => {
            return Err(TabularError::Xlsx(
                "the file is named .xlsx but is not a zip-based Excel workbook".into(),
            ))
        }
        "parquet" | "pq" if !parquet => {
            return Err(TabularError::Parquet(
                "the file is named .parquet but does not start with the PAR1 magic".into(),
            ))
        }
        _ => {}
    }
    if parquet {
        return Ok(Format::Parquet);
    }
    if zip {
        return Ok(Format::Xlsx);
    }
    match ext.as_str() {
        "jsonl" | "ndjson" => return Ok(Format::Jsonl),
        "tsv" | "tab" => return Ok(Format::Tsv),
        _ => {}
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let first = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &text[i..]);
    if let Some(rest) = first.filter(|r| r.starts_with(b"{")) {
        let line = rest.split(|&b| b == b'\n').next().unwrap_or(rest);
        if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line).is_ok() {
            return Ok(Format::Jsonl);
        }
    }
    Ok(Format::Csv)
}
