//! Text from a PDF's content streams (`Tj`, `TJ`, `'`, `"` operators), with
//! Flate-compressed streams inflated. Fonts with simple (Latin) encodings read
//! well; text drawn through two-byte CID fonts is not decoded (no CMap support),
//! and a PDF without text operators but with images is reported as image-only.

use std::io::Read;

use super::extract::ExtractError;

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind(hay: &[u8], needle: &[u8], before: usize) -> Option<usize> {
    hay[..before.min(hay.len())]
        .windows(needle.len())
        .rposition(|w| w == needle)
}

/// Extracts the text of a PDF.
pub fn pdf(bytes: &[u8]) -> Result<String, ExtractError> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(ExtractError::Corrupt("PDF", "no %PDF- header".into()));
    }
    if find(bytes, b"/Encrypt", 0).is_some() {
        return Err(ExtractError::EncryptedPdf);
    }
    let mut out = String::new();
    let mut images = 0;
    let mut at = 0;
    while let Some(s) = find(bytes, b"stream", at) {
        let is_end = s >= 3 && &bytes[s - 3..s] == b"end";
        at = s + 6;
        if is_end {
            continue;
        }
        let mut body_start = s + 6;
        if bytes.get(body_start) == Some(&b'\r') {
            body_start += 1;
        }
        if bytes.get(body_start) == Some(&b'\n') {
            body_start += 1;
        }
        let Some(end) = find(bytes, b"endstream", body_start) else {
            break;
        };
        at = end + 9;
        let dict_start = rfind(bytes, b"obj", s).unwrap_or(0);
        let dict = &bytes[dict_start..s];
        let has = |k: &[u8]| find(dict, k, 0).is_some();
        if has(b"/Image") {
            images += 1;
            continue;
        }
        if has(b"/Type /XRef") || has(b"/Type/XRef") || has(b"/Length1") || has(b"/ObjStm") {
            continue;
        }
        let raw = &bytes[body_start..end];
        let data = if has(b"/FlateDecode") {
            let mut d = Vec::new();
            if flate2::read::ZlibDecoder::new(raw)
                .read_to_end(&mut d)
                .is_err()
            {
                continue;
            }
            d
        } else if has(b"/Filter") {
            continue;
        } else {
            raw.to_vec()
        };
        content_text(&data, &mut out);
    }
    if out.trim().is_empty() {
        return Err(if images > 0 {
            ExtractError::ImageOnlyPdf
        } else {
            ExtractError::Empty
        });
    }
    Ok(out)
}

/// A literal string `( ... )` starting after its `(`; returns bytes and the index after `)`.
fn literal(b: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 1;
    while i < b.len() {
        let c = b[i];
        i += 1;
        match c {
            b'\\' if i < b.len() => {
                let e = b[i];
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            if i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                                v = v * 8 + u32::from(b[i] - b'0');
                                i += 1;
                            }
                        }
                        out.push((v & 0xff) as u8);
                    }
                    b'\n' | b'\r' => {}
                    other => out.push(other),
                }
            }
            b'(' => {
                depth += 1;
                out.push(c);
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    (out, i)
}

fn hex(b: &[u8], mut i: usize) -> (Vec<u8>, usize) {
    let mut digits = Vec::new();
    while i < b.len() && b[i] != b'>' {
        if b[i].is_ascii_hexdigit() {
            digits.push(b[i]);
        }
        i += 1;
    }
    if digits.len() % 2 == 1 {
        digits.push(b'0');
    }
    let bytes = digits
        .chunks(2)
        .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
        .collect();
    (bytes, i + 1)
}

/// Latin-1 decoding of a string operand (WinAnsi and Standard agree on letters).
fn push_bytes(out: &mut String, s: &[u8]) {
    out.extend(
        s.iter()
            .map(|&c| char::from(c))
            .filter(|c| !c.is_control() || *c == '\n'),
    );
}

/// Appends the text shown by one content stream.
fn content_text(b: &[u8], out: &mut String) {
    let mut operands: Vec<Vec<u8>> = Vec::new();
    let mut kern_space = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'(' => {
                let (s, n) = literal(b, i + 1);
                operands.push(s);
                i = n;
            }
            b'<' if b.get(i + 1) != Some(&b'<') => {
                let (s, n) = hex(b, i + 1);
                operands.push(s);
                i = n;
            }
            b'[' => {
                operands.clear();
                i += 1;
            }
            b']' => i += 1,
            b'-' | b'0'..=b'9' | b'.' => {
                let start = i;
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                let n: f64 = std::str::from_utf8(&b[start..i])
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0);
                // A large negative kern inside a TJ array is a word gap.
                if n < -200.0 && !operands.is_empty() {
                    operands.push(b" ".to_vec());
                    kern_space = true;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'\'' || c == b'"' || c == b'*' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"'\"*".contains(&b[i])) {
                    i += 1;
                }
                match &b[start..i] {
                    b"Tj" | b"TJ" => {
                        for s in operands.drain(..) {
                            push_bytes(out, &s);
                        }
                    }
                    b"'" | b"\"" => {
                        out.push('\n');
                        for s in operands.drain(..) {
                            push_bytes(out, &s);
                        }
                    }
                    b"T*" | b"Td" | b"TD" if !out.ends_with('\n') && !out.is_empty() => {
                        out.push(if kern_space { ' ' } else { '\n' });
                    }
                    b"ET" if !out.ends_with('\n') => out.push('\n'),
                    _ => {}
                }
                operands.clear();
                kern_space = false;
            }
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn pdf_with(stream_dict: &str, content: &[u8]) -> Vec<u8> {
        let mut v = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n4 0 obj\n".to_vec();
        v.extend_from_slice(
            format!("<< /Length {} {stream_dict}>>\nstream\n", content.len()).as_bytes(),
        );
        v.extend_from_slice(content);
        v.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
        v
    }

    #[test]
    fn text_operators_plain_and_compressed_are_read() {
        let content =
            b"BT /F1 12 Tf 72 700 Td (Hello \\(PDF\\) world.) Tj T* [(Sec) -300 (ond)] TJ ET";
        assert_eq!(
            pdf(&pdf_with("", content)).unwrap(),
            "Hello (PDF) world.\nSec ond\n"
        );
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut z, content).unwrap();
        let packed = z.finish().unwrap();
        assert!(pdf(&pdf_with("/Filter /FlateDecode ", &packed))
            .unwrap()
            .starts_with("Hello (PDF)"));
    }

    #[test]
    fn encrypted_and_image_only_pdfs_are_refused() {
        let mut enc = pdf_with("", b"BT (x) Tj ET");
        enc.extend_from_slice(b"trailer << /Encrypt 5 0 R >>");
        assert_eq!(pdf(&enc), Err(ExtractError::EncryptedPdf));
        let img = pdf_with(
            "/Type /XObject /Subtype /Image /Width 1 /Height 1 ",
            b"\x00\x01",
        );
        assert_eq!(pdf(&img), Err(ExtractError::ImageOnlyPdf));
        assert!(matches!(pdf(b"GIF89a"), Err(ExtractError::Corrupt(..))));
    }
}
