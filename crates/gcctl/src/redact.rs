//! Passwords never reach gcctl's output: the bodies of Connect, Login and MobileAgentLogin
//! carry one (the connector already replaces such bodies in dead letters; gcctl masks them
//! again in whatever it prints, including the commands it sends).

use gc_protocol::CommandName;

const MASK: &str = "***";

/// Which comma-separated parameter of a command's body is the password.
fn password_field(name: &str) -> Option<usize> {
    CommandName::from_name(name)?.password_parameter()
}

/// The command name of a JMS type (`Login` of `Login#1001`).
fn name_of(text: &str) -> &str {
    text.split('#').next().unwrap_or_default().trim()
}

/// A JMS type as it may be printed: the body-only style (`Login#1001#secret,3001`) carries the
/// parameters after a second `#`.
pub(crate) fn jms_type(jms_type: &str) -> String {
    let mut parts = jms_type.splitn(3, '#');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), Some(argument), Some(params)) => {
            format!("{name}#{argument}#{}", mask(name, params))
        }
        _ => jms_type.to_owned(),
    }
}

/// A command body as it may be printed, given the command's JMS type (empty when the whole
/// command is in the body).
pub(crate) fn body(jms_type: &str, body: &str) -> String {
    // The connector's own redaction note (dead letters) has nothing left to mask.
    if body.starts_with("<redacted") {
        return body.to_owned();
    }
    let name = name_of(jms_type);
    if password_field(name).is_some() {
        return mask(name, body);
    }
    // No usable type: the body may be a whole command, `<Command>#<argument>#<params>`.
    if CommandName::from_name(name).is_none() && body.matches('#').count() >= 2 {
        return self::jms_type(body);
    }
    body.to_owned()
}

fn mask(name: &str, params: &str) -> String {
    let Some(field) = password_field(name) else {
        return params.to_owned();
    };
    params
        .split(',')
        .enumerate()
        .map(|(i, value)| if i == field { MASK } else { value })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_of_each_command_that_has_one() {
        assert_eq!(body("Login#1001", "secret,3001"), "***,3001");
        assert_eq!(body("login#1001", " secret ,3001"), "***,3001");
        assert_eq!(body("Connect#1001", "crm-7,secret,SSO"), "crm-7,***,SSO");
        assert_eq!(
            body("MobileAgentLogin#1001", "secret,3001,0049301,true"),
            "***,3001,0049301,true"
        );
        assert_eq!(body("MakeCall#1001", "4012"), "4012");
        let note =
            "<redacted: the body of a Connect, Login or MobileAgentLogin carries a password>";
        assert_eq!(body("Login#1002", note), note);
    }

    #[test]
    fn masks_commands_written_in_the_body_or_the_type() {
        assert_eq!(body("", "Login#1001#secret,3001"), "Login#1001#***,3001");
        assert_eq!(
            body("agent_state", "Login#1001#secret,3001"),
            "Login#1001#***,3001"
        );
        assert_eq!(jms_type("Login#1001#secret,3001"), "Login#1001#***,3001");
        assert_eq!(jms_type("Login#1001"), "Login#1001");
    }
}
