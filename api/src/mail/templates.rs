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

/// Subject, plain text and HTML for a notification mailed to its recipient.
pub fn notification(title: &str, body: &str, link: &str) -> (String, String, String) {
    let subject = format!("RAIA: {title}");
    let text = format!("{title}\n\n{body}\n\nOpen: {link}\n\nChange which notifications you receive by e-mail in your notification preferences.\n");
    let html = format!(
        "<!doctype html><html><body><h2>{title}</h2><p>{body}</p><p><a href=\"{link}\">Open in RAIA</a></p>\
         <p>Change which notifications you receive by e-mail in your notification preferences.</p></body></html>",
        title = html_escape(title),
        body = html_escape(body),
        link = html_escape(link)
    );
    (subject, text, html)
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
