//! Text extraction from uploaded documents: plain text and Markdown as they
//! are, HTML without tags, scripts and styles, DOCX from `word/document.xml`,
//! and PDF from its content streams' text operators. A PDF that is encrypted
//! or has no text layer (scanned images) is refused: RAIA does no OCR.

use std::io::Read;

/// Why a document's text could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// Not one of the supported formats.
    #[error("unsupported document type `{0}`; upload txt, md, html, pdf or docx")]
    Unsupported(String),
    /// Zero bytes, or no text at all.
    #[error("the document is empty")]
    Empty,
    /// Text that is not UTF-8.
    #[error("the text is not valid UTF-8")]
    NotUtf8,
    /// An encrypted PDF.
    #[error("the PDF is encrypted; upload an unencrypted copy")]
    EncryptedPdf,
    /// A PDF with images but no text layer.
    #[error("the PDF has no text layer (image-only, e.g. scanned); RAIA does no OCR")]
    ImageOnlyPdf,
    /// The file is damaged or not what its name says.
    #[error("cannot read the {0} file: {1}")]
    Corrupt(&'static str, String),
}

/// The format implied by a file name's extension.
pub fn format_of(filename: &str) -> Result<&'static str, ExtractError> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" => Ok("txt"),
        "md" | "markdown" => Ok("md"),
        "html" | "htm" => Ok("html"),
        "pdf" => Ok("pdf"),
        "docx" => Ok("docx"),
        other => Err(ExtractError::Unsupported(if other.is_empty() {
            filename.to_owned()
        } else {
            format!(".{other}")
        })),
    }
}

/// Extracts the text of `bytes` in `format`.
pub fn extract(format: &str, bytes: &[u8]) -> Result<String, ExtractError> {
    if bytes.is_empty() {
        return Err(ExtractError::Empty);
    }
    let text = match format {
        "txt" | "md" => std::str::from_utf8(bytes)
            .map_err(|_| ExtractError::NotUtf8)?
            .trim_start_matches('\u{feff}')
            .to_owned(),
        "html" => html(std::str::from_utf8(bytes).map_err(|_| ExtractError::NotUtf8)?),
        "docx" => docx(bytes)?,
        "pdf" => super::extract_pdf::pdf(bytes)?,
        other => return Err(ExtractError::Unsupported(other.to_owned())),
    };
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    Ok(text)
}

fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" | "#39" => '\'',
        "nbsp" => ' ',
        n if n.starts_with("#x") || n.starts_with("#X") => {
            char::from_u32(u32::from_str_radix(&n[2..], 16).ok()?)?
        }
        n if n.starts_with('#') => char::from_u32(n[1..].parse().ok()?)?,
        _ => return None,
    })
}

/// Text of an HTML page: tags dropped (block tags become line breaks), script and
/// style bodies skipped, entities decoded, runs of blank lines collapsed.
pub fn html(src: &str) -> String {
    const BLOCK: [&str; 14] = [
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
        "table",
    ];
    let mut out = String::with_capacity(src.len() / 2);
    let mut rest = src;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..gt].trim_start_matches('/').to_ascii_lowercase();
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[gt + 1..];
        if (name == "script" || name == "style") && !after.starts_with('/') {
            let close = format!("</{name}");
            let end = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            rest = &rest[end..];
        } else if BLOCK.contains(&name.as_str()) {
            out.push('\n');
        }
    }
    push_text(&mut out, rest);
    let mut clean = String::with_capacity(out.len());
    let mut blank = 0;
    for line in out.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() {
            blank += 1;
            if blank == 1 && !clean.is_empty() {
                clean.push('\n');
            }
            continue;
        }
        blank = 0;
        clean.push_str(&line);
        clean.push('\n');
    }
    clean
}

fn push_text(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';').filter(|&i| i <= 10) {
            Some(i) if entity(&after[..i]).is_some() => {
                out.extend(entity(&after[..i]));
                rest = &after[i + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

/// Text of a DOCX: `w:t` runs, a line per paragraph, tabs and breaks kept.
pub fn docx(bytes: &[u8]) -> Result<String, ExtractError> {
    let bad = |e: &dyn std::fmt::Display| ExtractError::Corrupt("DOCX", e.to_string());
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| bad(&e))?
        .read_to_string(&mut xml)
        .map_err(|e| bad(&e))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        use quick_xml::events::Event;
        match reader.read_event().map_err(|e| bad(&e))? {
            Event::Start(e) if e.name().0 == "w:t" => in_text = true,
            Event::End(e) if e.name().0 == "w:t" => in_text = false,
            Event::End(e) if e.name().0 == "w:p" => out.push('\n'),
            Event::Empty(e) if e.name().0 == "w:tab" => out.push('\t'),
            Event::Empty(e) if e.name().0 == "w:br" => out.push('\n'),
            Event::Text(t) if in_text => {
                out.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if in_text => {
                out.extend(entity(&r.into_inner()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn html_keeps_text_and_drops_markup() {
        let t = html(
            "<html><head><style>p{}</style><script>var x = '<p>';</script></head>\
             <body><h1>Title</h1><p>A &amp; B&nbsp;&#233;</p><p>Two</p></body></html>",
        );
        assert_eq!(t, "Title\n\nA & B é\n\nTwo\n");
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(format_of("a.PDF").unwrap(), "pdf");
        assert!(matches!(format_of("a.exe"), Err(ExtractError::Unsupported(e)) if e == ".exe"));
        assert_eq!(extract("txt", b""), Err(ExtractError::Empty));
        assert_eq!(extract("txt", b"  \n"), Err(ExtractError::Empty));
        assert_eq!(extract("txt", b"\xff\xfe"), Err(ExtractError::NotUtf8));
    }
}
