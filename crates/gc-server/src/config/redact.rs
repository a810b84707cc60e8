//! URLs for logs, without their password.

/// `amqp://user:secret@host:5672/vhost` → `amqp://user:***@host:5672/vhost`.
///
/// The userinfo ends at the *last* `@` (a password may hold `@` and `/`, even unencoded), so
/// nothing of a password survives whatever it holds; a text that is not `scheme://…` at all
/// becomes `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".into();
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return "***".into();
    }
    match rest.rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            // A user name holding `/` means the `@` was not the userinfo's: show nothing.
            if user.contains('/') {
                return format!("{scheme}://***");
            }
            format!("{scheme}://{user}:***@{}", &rest[at + 1..])
        }
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_with_slashes_and_ats_never_show() {
        for (url, shown) in [
            ("amqp://u:pa/ss@h/v", "amqp://u:***@h/v"),
            ("amqps://u:p@ss@mq:5671/%2f", "amqps://u:***@mq:5671/%2f"),
            ("amqp://u:p%2Fss@mq/vh", "amqp://u:***@mq/vh"),
            ("amqp://mq:5672/%2f", "amqp://mq:5672/%2f"),
            ("not a url, hunter2", "***"),
            ("://hunter2@x", "***"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }
}
