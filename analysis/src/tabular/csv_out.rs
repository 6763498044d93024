//! Rendering typed values as CSV text that pandas' `read_csv` types back the same way.

/// Builds an RFC 4180 CSV in memory.
#[derive(Debug, Default)]
pub struct CsvOut {
    buf: Vec<u8>,
    at_line_start: bool,
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Missing.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Str(&'a str),
}

impl CsvOut {
    /// An empty document.
    pub fn new() -> Self {
        CsvOut {
            buf: Vec::new(),
            at_line_start: true,
        }
    }

    fn sep(&mut self) {
        if !self.at_line_start {
            self.buf.push(b',');
        }
        self.at_line_start = false;
    }

    /// Appends a quoted text field.
    pub fn text(&mut self, s: &str) {
        self.sep();
        self.buf.push(b'"');
        for &b in s.as_bytes() {
            if b == b'"' {
                self.buf.push(b'"');
            }
            self.buf.push(b);
        }
        self.buf.push(b'"');
    }

    /// Appends a typed cell.
    pub fn cell(&mut self, c: &Cell<'_>) {
        match c {
            Cell::Null => self.sep(),
            Cell::Bool(b) => {
                self.sep();
                self.buf
                    .extend_from_slice(if *b { b"True" } else { b"False" });
            }
            Cell::Int(i) => {
                self.sep();
                self.buf.extend_from_slice(i.to_string().as_bytes());
            }
            Cell::Float(f) => {
                self.sep();
                self.buf.extend_from_slice(float_text(*f).as_bytes());
            }
            Cell::Str(s) => self.text(s),
        }
    }

    /// Ends the record.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.at_line_start = true;
    }

    /// The document.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// A float as text: integral values below 1e15 without a fraction, others in
/// shortest round-trip form; NaN empty (missing); infinities as `inf`/`-inf`.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        String::new()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else if f.abs() >= 1e15 {
        format!("{f:e}")
    } else {
        format!("{f}")
    }
}
