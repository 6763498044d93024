//! Prompt templates: `{{name}}` placeholders filled from named variables.

use std::collections::BTreeMap;

/// Why a template was refused or could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{` without a matching `}}`, or an empty or malformed name.
    #[error("malformed placeholder at byte {0}: use {{{{name}}}} with letters, digits and _")]
    Malformed(usize),
    /// A placeholder has no value.
    #[error("variable `{0}` has no value")]
    Missing(String),
}

fn valid_name(n: &str) -> bool {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits a template into literal text and placeholder names, in order.
fn parts(template: &str) -> Result<Vec<(bool, &str)>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        out.push((false, &rest[..start]));
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or(TemplateError::Malformed(offset + start))?;
        let name = after[..end].trim();
        if !valid_name(name) {
            return Err(TemplateError::Malformed(offset + start));
        }
        out.push((true, name));
        let consumed = start + 2 + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    out.push((false, rest));
    Ok(out)
}

/// The distinct variable names a template uses, sorted.
pub fn variables(template: &str) -> Result<Vec<String>, TemplateError> {
    let mut names: Vec<String> = parts(template)?
        .into_iter()
        .filter(|(var, _)| *var)
        .map(|(_, n)| n.to_owned())
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

/// Fills every placeholder; a placeholder without a value is an error.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    for (var, text) in parts(template)? {
        if var {
            out.push_str(
                values
                    .get(text)
                    .ok_or_else(|| TemplateError::Missing(text.to_owned()))?,
            );
        } else {
            out.push_str(text);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn placeholders_are_listed_and_filled() {
        let t = "Context:\n{{context}}\nQ: {{ question }} ({{question}})";
        assert_eq!(variables(t).unwrap(), ["context", "question"]);
        let v = BTreeMap::from([
            ("context".to_owned(), "C".to_owned()),
            ("question".to_owned(), "Q?".to_owned()),
        ]);
        assert_eq!(render(t, &v).unwrap(), "Context:\nC\nQ: Q? (Q?)");
        assert_eq!(render("{{x}}", &v), Err(TemplateError::Missing("x".into())));
    }

    #[test]
    fn malformed_placeholders_are_refused() {
        for bad in ["{{", "a {{b", "{{}}", "{{a b}}", "{{a-b}}"] {
            assert!(variables(bad).is_err(), "{bad}");
        }
        assert_eq!(variables("no vars { } }}").unwrap(), Vec::<String>::new());
    }
}
