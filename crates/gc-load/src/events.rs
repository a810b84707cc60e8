//! The few legacy events the load client reads (docs/protocol.md §4), parsed without copying.
//!
//! Only what drives the workload is recognised: the System answer, an agent's State (O-001),
//! LOGOUT (O-006), Error (O-002) and inbound call states (O-008). Everything else an agent's
//! destination receives (AgentInfo, NewInboundCall, Control, …) is [`Event::Other`].

/// One event on a client destination, in the legacy `#`-delimited text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event<'a> {
    /// `System#IN_SERVICE` / `System#OUT_OF_SERVICE`.
    System(&'a str),
    /// `<agent>#State#<state>#…`.
    State { agent: &'a str, state: &'a str },
    /// `<agent>#LOGOUT`.
    Logout { agent: &'a str },
    /// `<agent>#Error#<code>` or `Error#<code>`.
    Error {
        agent: Option<&'a str>,
        code: &'a str,
    },
    /// `<agent>#InboundCall#<state>#DialogID:<id>#…`.
    Call {
        agent: &'a str,
        state: &'a str,
        dialog: &'a str,
    },
    /// Anything else.
    Other,
}

impl<'a> Event<'a> {
    /// Reads an event's text; never fails (unknown shapes are [`Event::Other`]).
    pub(crate) fn parse(text: &'a str) -> Self {
        let mut fields = text.split('#');
        let first = fields.next().unwrap_or_default();
        let second = fields.next();
        match (first, second) {
            ("System", Some(status)) => Self::System(status),
            ("Error", Some(code)) => Self::Error { agent: None, code },
            (agent, Some("State")) => match fields.next() {
                Some(state) => Self::State { agent, state },
                None => Self::Other,
            },
            (agent, Some("LOGOUT")) => Self::Logout { agent },
            (agent, Some("Error")) => match fields.next() {
                Some(code) => Self::Error {
                    agent: Some(agent),
                    code,
                },
                None => Self::Other,
            },
            (agent, Some("InboundCall")) => {
                let state = fields.next().unwrap_or_default();
                let dialog = fields
                    .next()
                    .and_then(|f| f.strip_prefix("DialogID:"))
                    .unwrap_or_default();
                Self::Call {
                    agent,
                    state,
                    dialog,
                }
            }
            _ => Self::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    #[test]
    fn state_error_and_system_events_are_recognised() {
        assert_eq!(
            Event::parse("10001#State#NOT_READY##Anna Bauer"),
            Event::State {
                agent: "10001",
                state: "NOT_READY"
            }
        );
        assert_eq!(
            Event::parse("System#IN_SERVICE"),
            Event::System("IN_SERVICE")
        );
        assert_eq!(
            Event::parse("10001#Error#CF_INVALID_OBJECT_STATE"),
            Event::Error {
                agent: Some("10001"),
                code: "CF_INVALID_OBJECT_STATE"
            }
        );
        assert_eq!(
            Event::parse("Error#UNKNOWN_COMMAND"),
            Event::Error {
                agent: None,
                code: "UNKNOWN_COMMAND"
            }
        );
        assert_eq!(
            Event::parse("10001#LOGOUT"),
            Event::Logout { agent: "10001" }
        );
    }

    #[test]
    fn inbound_call_states_carry_the_dialog_id() {
        assert_eq!(
            Event::parse("10001#InboundCall#ALERTING#DialogID:16819500#4012#callVariable1=|x"),
            Event::Call {
                agent: "10001",
                state: "ALERTING",
                dialog: "16819500"
            }
        );
        assert_eq!(
            Event::parse("10001#InboundCall#DROP#DialogID:7#4012#vars#2026-11-25 10:15:02#A B"),
            Event::Call {
                agent: "10001",
                state: "DROP",
                dialog: "7"
            }
        );
    }

    #[test]
    fn other_events_are_ignored() {
        assert_eq!(
            Event::parse("10001#AgentInfo#Anna#Bauer#false#REQUIRED#Anna Bauer"),
            Event::Other
        );
        assert_eq!(
            Event::parse("10001#NewInboundCall#4012#x#DialogID:1"),
            Event::Other
        );
        assert_eq!(Event::parse(""), Event::Other);
        assert_eq!(Event::parse("10001#State"), Event::Other);
    }
}
