//! How gcctl prints: events as they arrived (legacy text or JSON), with the event's name
//! coloured when standard output is a terminal.

use std::io::IsTerminal as _;

/// The connector's output formats (`gc-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum WireFormat {
    Json,
    Legacy,
}

impl WireFormat {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Legacy => "legacy",
        }
    }
}

/// Whether `auto` colour is on: a terminal, and no `NO_COLOR`.
pub(crate) fn stdout_wants_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

const RESET: &str = "\x1b[0m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const DIM: &str = "\x1b[2m";

/// Colours or not.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    colour: bool,
}

impl Style {
    pub(crate) fn new(colour: bool) -> Self {
        Self { colour }
    }

    fn paint(self, colour: &str, text: &str) -> String {
        if self.colour {
            format!("{colour}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// A command gcctl sent.
    pub(crate) fn sent(self, text: &str) -> String {
        self.paint(DIM, text)
    }

    /// A routing key.
    pub(crate) fn key(self, text: &str) -> String {
        self.paint(YELLOW, text)
    }

    /// A warning or failure.
    pub(crate) fn bad(self, text: &str) -> String {
        self.paint(RED, text)
    }

    /// A success.
    pub(crate) fn good(self, text: &str) -> String {
        self.paint(GREEN, text)
    }

    /// An event, with its name coloured: red for errors, green for states, cyan otherwise.
    pub(crate) fn event(self, body: &str) -> String {
        if !self.colour {
            return body.to_owned();
        }
        let Some(name) = event_name(body) else {
            return body.to_owned();
        };
        let colour = match name {
            "Error" => RED,
            "State" | "System" => GREEN,
            _ => CYAN,
        };
        // Colour the first occurrence of the name (the legacy field or the JSON value).
        match body.find(name) {
            Some(at) => format!(
                "{}{colour}{name}{RESET}{}",
                &body[..at],
                &body[at + name.len()..]
            ),
            None => body.to_owned(),
        }
    }
}

/// The event's name: JSON `type`, else the legacy text's name field (`1001#State#…` or
/// `System#IN_SERVICE`).
pub(crate) fn event_name(body: &str) -> Option<&str> {
    let trimmed = body.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let start = body.find("\"type\":\"")? + 8;
        let end = body[start..].find('"')? + start;
        return Some(&body[start..end]);
    }
    let mut fields = body.split('#');
    let first = fields.next()?;
    if first.chars().all(|c| c.is_ascii_digit()) && !first.is_empty() {
        fields.next()
    } else {
        Some(first)
    }
}

/// A URL without the password of its user info (`amqp://guest:***@host/`).
pub(crate) fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let shown = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    format!("{scheme}://{shown}/{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_events_in_both_formats() {
        assert_eq!(event_name("1001#State#READY##Maria Meier"), Some("State"));
        assert_eq!(event_name("System#IN_SERVICE"), Some("System"));
        assert_eq!(
            event_name(r#"{"type":"Error","code":"X","agentId":"1"}"#),
            Some("Error")
        );
        assert_eq!(event_name(r#"[{"type":"Agents"}]"#), Some("Agents"));
    }

    #[test]
    fn colours_only_the_name_and_only_when_asked() {
        let plain = Style::new(false).event("1001#Error#NO_DIALOG_ID");
        assert_eq!(plain, "1001#Error#NO_DIALOG_ID");
        let coloured = Style::new(true).event("1001#Error#NO_DIALOG_ID");
        assert_eq!(coloured, "1001#\x1b[31mError\x1b[0m#NO_DIALOG_ID");
    }

    #[test]
    fn hides_the_password_of_a_url() {
        assert_eq!(
            without_password("amqp://guest:s3cret@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            without_password("amqp://127.0.0.1:5672/%2f"),
            "amqp://127.0.0.1:5672/%2f"
        );
    }
}
