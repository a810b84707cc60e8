//! Message categories: the seed's "Category" column for commands and outputs. They classify a
//! message (and name the `category` AMQP header and the `gc.events` routing key); they are never
//! needed to parse a command.

use std::fmt;

/// A command or event category, spelled as in the seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// `agent_call`
    AgentCall,
    /// `agent_control`
    AgentControl,
    /// `agent_dialog`
    AgentDialog,
    /// `agent_error`
    AgentError,
    /// `agent_info`
    AgentInfo,
    /// `agent_state`
    AgentState,
    /// `agent_work`
    AgentWork,
    /// `connector_sync`
    ConnectorSync,
    /// `contacts`
    Contacts,
    /// `phonebook`
    Phonebook,
    /// `supervisor_dialog`
    SupervisorDialog,
    /// `supervisor_info`
    SupervisorInfo,
    /// `supervisor_queue_info`
    SupervisorQueueInfo,
    /// `supervisor_team`
    SupervisorTeam,
    /// `supervisor_team_member_state`
    SupervisorTeamMemberState,
    /// `system`
    System,
    /// `zoom`
    Zoom,
}

impl Category {
    /// Every category.
    pub const ALL: [Self; 17] = [
        Self::AgentCall,
        Self::AgentControl,
        Self::AgentDialog,
        Self::AgentError,
        Self::AgentInfo,
        Self::AgentState,
        Self::AgentWork,
        Self::ConnectorSync,
        Self::Contacts,
        Self::Phonebook,
        Self::SupervisorDialog,
        Self::SupervisorInfo,
        Self::SupervisorQueueInfo,
        Self::SupervisorTeam,
        Self::SupervisorTeamMemberState,
        Self::System,
        Self::Zoom,
    ];

    /// The seed's spelling, e.g. `agent_state`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AgentCall => "agent_call",
            Self::AgentControl => "agent_control",
            Self::AgentDialog => "agent_dialog",
            Self::AgentError => "agent_error",
            Self::AgentInfo => "agent_info",
            Self::AgentState => "agent_state",
            Self::AgentWork => "agent_work",
            Self::ConnectorSync => "connector_sync",
            Self::Contacts => "contacts",
            Self::Phonebook => "phonebook",
            Self::SupervisorDialog => "supervisor_dialog",
            Self::SupervisorInfo => "supervisor_info",
            Self::SupervisorQueueInfo => "supervisor_queue_info",
            Self::SupervisorTeam => "supervisor_team",
            Self::SupervisorTeamMemberState => "supervisor_team_member_state",
            Self::System => "system",
            Self::Zoom => "zoom",
        }
    }

    /// Looks a category up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_name(c.as_str()), Some(c));
        }
        assert_eq!(
            Category::from_name("AGENT_STATE"),
            Some(Category::AgentState)
        );
        assert_eq!(Category::from_name("Login"), None);
    }
}
