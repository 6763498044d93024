//! CSV: the report's primary table, RFC 4180 quoting.

use super::report::Report;

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Renders the primary section as CSV (header row first, CRLF line ends).
pub fn render(report: &Report) -> Vec<u8> {
    let mut out = String::new();
    if let Some(s) = report.sections.get(report.primary) {
        let line =
            |cells: Vec<String>| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
        out.push_str(&line(s.columns.clone()));
        out.push_str("\r\n");
        for r in &s.rows {
            out.push_str(&line(r.iter().map(|c| c.text()).collect()));
            out.push_str("\r\n");
        }
    }
    out.into_bytes()
}
