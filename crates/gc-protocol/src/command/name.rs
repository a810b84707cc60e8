//! The command names of the seed's Agent, Supervisor and Admin tables, with their categories.

use crate::Category;

macro_rules! command_names {
    ($($variant:ident => $text:literal, $category:ident;)+) => {
        /// The name of a command, one per distinct "Message Type" of the seed's command tables.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CommandName {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )+
        }

        impl CommandName {
            /// Every command name, in the seed's order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The spelling the seed uses; the parser accepts any ASCII case.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }

            /// The seed's category for the command.
            pub const fn category(self) -> Category {
                match self { $(Self::$variant => Category::$category,)+ }
            }
        }
    };
}

command_names! {
    Hello => "Hello", System;
    Beat => "Beat", System;
    Connect => "Connect", AgentInfo;
    Login => "Login", AgentState;
    MobileAgentLogin => "MobileAgentLogin", AgentState;
    Logout => "Logout", AgentState;
    MakeReady => "MakeReady", AgentState;
    MakeNotReady => "MakeNotReady", AgentState;
    GetState => "GetState", AgentState;
    MakeNotReadyWithReason => "MakeNotReadyWithReason", AgentState;
    MakeCall => "MakeCall", AgentCall;
    AnswerCall => "AnswerCall", AgentCall;
    HoldCall => "HoldCall", AgentCall;
    RetrieveCall => "RetrieveCall", AgentCall;
    ReleaseCall => "ReleaseCall", AgentCall;
    WrapUpReasonCodes => "wrapupreasoncode", AgentWork;
    LogoutReasonCodes => "reasoncodelogout", AgentState;
    NotReadyReasonCodes => "reasoncodenotready", AgentState;
    TransferSst => "Transfer_sst", AgentCall;
    ConsultCall => "ConsultCall", AgentCall;
    TransferCall => "TransferCall", AgentCall;
    ConferenceCall => "Conferencecall", AgentCall;
    GetDialogState => "getdialogstate", AgentDialog;
    WrapUp => "wrapup", AgentDialog;
    LogoutWithReason => "logoutwithreason", AgentState;
    ForceLogout => "force_logout", AgentState;
    GetDialogStateControls => "getdialogstatecontrols", AgentDialog;
    MakeWorkNotReady => "makeworknotready", AgentState;
    MakeWorkReady => "makeworkready", AgentState;
    GetDialogParticipants => "getDialogParticipants", AgentCall;
    GetAllAgents => "getallagents", AgentCall;
    UpdateCallVariable => "update_call_variable", AgentCall;
    ZoomPauseRecording => "ZOOMPauseRecording", Zoom;
    ZoomResumeRecording => "ZOOMResumeRecording", Zoom;
    Refresh => "refresh", AgentState;
    GetPhonebooks => "GetPhonebooks", Phonebook;
    GetPhonebookContacts => "GetPhonebookContacts", Contacts;
    AcceptOutboundPreview => "AcceptOutboundPreview", AgentCall;
    RejectOutboundPreview => "RejectOutboundPreview", AgentCall;
    CloseOutboundPreview => "CloseOutboundPreview", AgentCall;
    GetQueueList => "getqueuelist", SupervisorQueueInfo;
    SilentMonitor => "silentmonitor", SupervisorDialog;
    EndSilentMonitor => "endsilentmonitor", SupervisorDialog;
    DropParticipant => "dropparticipant", SupervisorDialog;
    GetTeamUsers => "getteamusers", SupervisorTeam;
    GetTeamUserState => "getteamuserstate", SupervisorTeamMemberState;
    BargeIn => "bargein", AgentCall;
    GetTeamPhonebooks => "GetTeamPhonebooks", Phonebook;
}

impl CommandName {
    /// Looks a name up ignoring ASCII case and surrounding whitespace, as design.md 4.1 asks
    /// (`Conferencecall` = `ConferenceCall`, `MOBILEAGENTLOGIN` = `MobileAgentLogin`).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .iter()
            .copied()
            .find(|n| n.as_str().eq_ignore_ascii_case(name))
    }

    /// Which comma-separated body parameter is a password (`Connect`: the second,
    /// `Login` and `MobileAgentLogin`: the first); `None` for commands that carry none. The
    /// one place that knows it: the connector redacts dead letters by it, gcctl masks output.
    pub const fn password_parameter(self) -> Option<usize> {
        match self {
            Self::Connect => Some(1),
            Self::Login | Self::MobileAgentLogin => Some(0),
            _ => None,
        }
    }
}

impl std::fmt::Display for CommandName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_connect_login_and_mobile_login_carry_a_password() {
        let carrying: Vec<_> = CommandName::ALL
            .iter()
            .filter_map(|n| n.password_parameter().map(|i| (n.as_str(), i)))
            .collect();
        assert_eq!(
            carrying,
            [("Connect", 1), ("Login", 0), ("MobileAgentLogin", 0)]
        );
    }

    #[test]
    fn lookup_ignores_case_and_whitespace() {
        assert_eq!(
            CommandName::from_name(" ConferenceCall "),
            Some(CommandName::ConferenceCall)
        );
        assert_eq!(
            CommandName::from_name("MOBILEAGENTLOGIN"),
            Some(CommandName::MobileAgentLogin)
        );
        assert_eq!(CommandName::from_name("Dance"), None);
    }

    #[test]
    fn names_are_distinct_ignoring_case() {
        for (i, a) in CommandName::ALL.iter().enumerate() {
            for b in &CommandName::ALL[i + 1..] {
                assert!(
                    !a.as_str().eq_ignore_ascii_case(b.as_str()),
                    "{a:?} vs {b:?}"
                );
            }
        }
        assert_eq!(CommandName::ALL.len(), 48);
    }
}
