//! The text of RAIA's mail.

use domain::user::TokenPurpose;

/// Subject, plain text and HTML for a one-time-token mail.
pub fn one_time(purpose: TokenPurpose, link: &str, valid_for: &str) -> (String, String, String) {
    let (subject, intro, action) = match purpose {
        TokenPurpose::VerifyEmail => (
            "Confirm your e-mail address for RAIA",
            "Please confirm that this is your e-mail address.",
            "Confirm address",
        ),
        TokenPurpose::ResetPassword => (
            "Reset your RAIA password",
            "Someone asked to reset the password of your RAIA account. If it was not you, ignore this message: your password stays as it is.",
            "Choose a new password",
        ),
    };
    let text =
        format!("{intro}\n\n{action}: {link}\n\nThe link works once and expires in {valid_for}.\n");
    let html = format!(
        "<!doctype html><html><body><p>{intro}</p><p><a href=\"{link}\">{action}</a></p>\
         <p>The link works once and expires in {valid_for}.</p></body></html>",
        link = html_escape(link)
    );
    (subject.to_owned(), text, html)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_appears_in_both_bodies_escaped_in_html() {
        let (s, t, h) = one_time(TokenPurpose::ResetPassword, "https://x/r?a=1&b=2", "1 hour");
        assert!(s.contains("Reset"));
        assert!(t.contains("https://x/r?a=1&b=2") && t.contains("1 hour"));
        assert!(h.contains("https://x/r?a=1&amp;b=2"));
    }
}
