//! Commands: what a client asks of the connector.
//!
//! On the wire a command is a JMS type `<Command>#<argument>` plus a body of comma-separated
//! parameters (design.md 4.1). [`Command::parse`] reads that; [`Command::to_wire`] writes it back,
//! so `parse(to_wire(c)) == c` for every command.

mod name;
mod parse;

pub use name::CommandName;
pub use parse::MAX_BODY_BYTES;

use crate::{
    AgentId, Category, DestinationName, DialNumber, DialogId, Extension, ObjectId, Password,
    ReasonCode, Text,
};

/// A parsed client command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `Hello#<client_destination>`: register a client destination; answered with System status.
    Hello(DestinationName),
    /// `Beat#<client_destination>`: the client's heartbeat; answered with System status.
    Beat(DestinationName),
    /// `<Command>#<agent_login_Id>` with the agent's parameters.
    Agent(AgentId, AgentCommand),
}

/// How a mobile agent's phone is connected (`<connection_mode>` of MobileAgentLogin).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MobileAgentMode {
    /// `true` on the wire: Finesse `CALL_BY_CALL`.
    CallByCall,
    /// `false` on the wire: Finesse `NAILED_CONNECTION`.
    NailedConnection,
}

/// An agent or supervisor command, with its typed parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentCommand {
    /// `Connect`: bind the agent to a client destination. `sso` is the optional third parameter.
    Connect {
        destination: DestinationName,
        password: Password,
        sso: bool,
    },
    /// `Login`: `<agent_password>,<agent_extension>`.
    Login {
        password: Password,
        extension: Extension,
    },
    /// `MobileAgentLogin`: `<password>,<extension>,<agent_phone>,<connection_mode>`.
    MobileAgentLogin {
        password: Password,
        extension: Extension,
        dial_number: DialNumber,
        mode: MobileAgentMode,
    },
    /// `Logout`.
    Logout,
    /// `MakeReady`.
    MakeReady,
    /// `MakeNotReady`.
    MakeNotReady,
    /// `GetState`.
    GetState,
    /// `MakeNotReadyWithReason`: `<agent_reason_code>`.
    MakeNotReadyWithReason { reason: ReasonCode },
    /// `MakeCall`: `<Other_Party_Extension_Number>`.
    MakeCall { number: DialNumber },
    /// `AnswerCall`: `<Dialog_ID>`.
    AnswerCall { dialog: DialogId },
    /// `HoldCall`: `<Dialog_ID>`.
    HoldCall { dialog: DialogId },
    /// `RetrieveCall`: `<Dialog_ID>`.
    RetrieveCall { dialog: DialogId },
    /// `ReleaseCall`: `<Dialog_ID>`.
    ReleaseCall { dialog: DialogId },
    /// `wrapupreasoncode`: list the wrap-up reasons.
    WrapUpReasonCodes,
    /// `reasoncodelogout`: list the logout reason codes.
    LogoutReasonCodes,
    /// `reasoncodenotready`: list the not-ready reason codes.
    NotReadyReasonCodes,
    /// `Transfer_sst`: `<Other_Party_Extension_Number>,<Dialog_ID>` (blind transfer).
    TransferSst {
        number: DialNumber,
        dialog: DialogId,
    },
    /// `ConsultCall`: `<Other_Party_Extension_Number>,<Dialog_ID>` (transfer or conference start).
    ConsultCall {
        number: DialNumber,
        dialog: DialogId,
    },
    /// `TransferCall`: `<agent_extension>,<Dialog_ID>` (complete a consult transfer).
    TransferCall {
        extension: Extension,
        dialog: DialogId,
    },
    /// `Conferencecall`: `<agent_extension>,<Dialog_ID>` (complete a consult conference).
    ConferenceCall {
        extension: Extension,
        dialog: DialogId,
    },
    /// `getdialogstate`: `<Dialog_ID>`.
    GetDialogState { dialog: DialogId },
    /// `wrapup`: `<Wrapup_Reason>,<dialog_id>`.
    WrapUp { reason: Text, dialog: DialogId },
    /// `logoutwithreason`: `<ReasonCode>`.
    LogoutWithReason { reason: ReasonCode },
    /// `force_logout`: abrupt disconnection; logs the agent out.
    ForceLogout,
    /// `getdialogstatecontrols`: `<Dialog_ID>`.
    GetDialogStateControls { dialog: DialogId },
    /// `makeworknotready`.
    MakeWorkNotReady,
    /// `makeworkready`.
    MakeWorkReady,
    /// `getDialogParticipants`: `<dialog_id>` (deprecated in the seed, still served).
    GetDialogParticipants { dialog: DialogId },
    /// `getallagents`.
    GetAllAgents,
    /// `update_call_variable`: `<dialog_id>,<variable_name>,<variable_value>`.
    UpdateCallVariable {
        dialog: DialogId,
        name: Text,
        value: Text,
    },
    /// `ZOOMPauseRecording`.
    ZoomPauseRecording,
    /// `ZOOMResumeRecording`.
    ZoomResumeRecording,
    /// `refresh`: re-publish everything the client should show.
    Refresh,
    /// `GetPhonebooks`: team and global phone books.
    GetPhonebooks,
    /// `GetPhonebookContacts`: `<PhonebookID>`.
    GetPhonebookContacts { phonebook: ObjectId },
    /// `GetTeamPhonebooks`.
    GetTeamPhonebooks,
    /// `AcceptOutboundPreview`: `<dialog_id>[,ACCEPT]`.
    AcceptOutboundPreview { dialog: DialogId },
    /// `RejectOutboundPreview`: `<dialog_id>[,REJECT]`.
    RejectOutboundPreview { dialog: DialogId },
    /// `CloseOutboundPreview`: `<dialog_id>[,CLOSE]`.
    CloseOutboundPreview { dialog: DialogId },
    /// `getqueuelist` (supervisor).
    GetQueueList,
    /// `silentmonitor`: `<Agent_Extension>` (supervisor).
    SilentMonitor { extension: Extension },
    /// `endsilentmonitor`: `<Dialog_ID>` (supervisor).
    EndSilentMonitor { dialog: DialogId },
    /// `dropparticipant`: `<Agent_Extension>,<Dialog_ID>` (supervisor).
    DropParticipant {
        extension: Extension,
        dialog: DialogId,
    },
    /// `getteamusers`: `<TeamID>[,true]`; `subscribe` asks for TeamMemberStateChanged events.
    GetTeamUsers { team: ObjectId, subscribe: bool },
    /// `getteamuserstate`: `<Team_Agent_LoginID>` (supervisor).
    GetTeamUserState { member: AgentId },
    /// `bargein`: `<Team_Agent_LoginID>,<Dialog_ID>` (supervisor).
    BargeIn { member: AgentId, dialog: DialogId },
}

impl Command {
    /// The command's name.
    pub fn name(&self) -> CommandName {
        match self {
            Self::Hello(_) => CommandName::Hello,
            Self::Beat(_) => CommandName::Beat,
            Self::Agent(_, command) => command.name(),
        }
    }

    /// The seed's category for the command.
    pub fn category(&self) -> Category {
        self.name().category()
    }

    /// The agent the command is for (`None` for Hello and Beat).
    pub fn agent(&self) -> Option<&AgentId> {
        match self {
            Self::Agent(agent, _) => Some(agent),
            Self::Hello(_) | Self::Beat(_) => None,
        }
    }

    /// The JMS type and body a client sends for this command. The body carries the password
    /// for Connect and Login, so never log it.
    pub fn to_wire(&self) -> (String, String) {
        match self {
            Self::Hello(destination) | Self::Beat(destination) => (
                format!("{}#{destination}", self.name().as_str()),
                String::new(),
            ),
            Self::Agent(agent, command) => (
                format!("{}#{agent}", command.name().as_str()),
                command.params().join(","),
            ),
        }
    }
}

impl AgentCommand {
    /// The command's name.
    pub fn name(&self) -> CommandName {
        use CommandName as N;
        match self {
            Self::Connect { .. } => N::Connect,
            Self::Login { .. } => N::Login,
            Self::MobileAgentLogin { .. } => N::MobileAgentLogin,
            Self::Logout => N::Logout,
            Self::MakeReady => N::MakeReady,
            Self::MakeNotReady => N::MakeNotReady,
            Self::GetState => N::GetState,
            Self::MakeNotReadyWithReason { .. } => N::MakeNotReadyWithReason,
            Self::MakeCall { .. } => N::MakeCall,
            Self::AnswerCall { .. } => N::AnswerCall,
            Self::HoldCall { .. } => N::HoldCall,
            Self::RetrieveCall { .. } => N::RetrieveCall,
            Self::ReleaseCall { .. } => N::ReleaseCall,
            Self::WrapUpReasonCodes => N::WrapUpReasonCodes,
            Self::LogoutReasonCodes => N::LogoutReasonCodes,
            Self::NotReadyReasonCodes => N::NotReadyReasonCodes,
            Self::TransferSst { .. } => N::TransferSst,
            Self::ConsultCall { .. } => N::ConsultCall,
            Self::TransferCall { .. } => N::TransferCall,
            Self::ConferenceCall { .. } => N::ConferenceCall,
            Self::GetDialogState { .. } => N::GetDialogState,
            Self::WrapUp { .. } => N::WrapUp,
            Self::LogoutWithReason { .. } => N::LogoutWithReason,
            Self::ForceLogout => N::ForceLogout,
            Self::GetDialogStateControls { .. } => N::GetDialogStateControls,
            Self::MakeWorkNotReady => N::MakeWorkNotReady,
            Self::MakeWorkReady => N::MakeWorkReady,
            Self::GetDialogParticipants { .. } => N::GetDialogParticipants,
            Self::GetAllAgents => N::GetAllAgents,
            Self::UpdateCallVariable { .. } => N::UpdateCallVariable,
            Self::ZoomPauseRecording => N::ZoomPauseRecording,
            Self::ZoomResumeRecording => N::ZoomResumeRecording,
            Self::Refresh => N::Refresh,
            Self::GetPhonebooks => N::GetPhonebooks,
            Self::GetPhonebookContacts { .. } => N::GetPhonebookContacts,
            Self::GetTeamPhonebooks => N::GetTeamPhonebooks,
            Self::AcceptOutboundPreview { .. } => N::AcceptOutboundPreview,
            Self::RejectOutboundPreview { .. } => N::RejectOutboundPreview,
            Self::CloseOutboundPreview { .. } => N::CloseOutboundPreview,
            Self::GetQueueList => N::GetQueueList,
            Self::SilentMonitor { .. } => N::SilentMonitor,
            Self::EndSilentMonitor { .. } => N::EndSilentMonitor,
            Self::DropParticipant { .. } => N::DropParticipant,
            Self::GetTeamUsers { .. } => N::GetTeamUsers,
            Self::GetTeamUserState { .. } => N::GetTeamUserState,
            Self::BargeIn { .. } => N::BargeIn,
        }
    }

    /// The body parameters in wire order.
    fn params(&self) -> Vec<&str> {
        match self {
            Self::Connect {
                destination,
                password,
                sso,
            } => {
                let mut params = vec![destination.as_str(), password.expose()];
                if *sso {
                    params.push("SSO");
                }
                params
            }
            Self::Login {
                password,
                extension,
            } => vec![password.expose(), extension.as_str()],
            Self::MobileAgentLogin {
                password,
                extension,
                dial_number,
                mode,
            } => vec![
                password.expose(),
                extension.as_str(),
                dial_number.as_str(),
                match mode {
                    MobileAgentMode::CallByCall => "true",
                    MobileAgentMode::NailedConnection => "false",
                },
            ],
            Self::MakeNotReadyWithReason { reason } | Self::LogoutWithReason { reason } => {
                vec![reason.as_str()]
            }
            Self::MakeCall { number } => vec![number.as_str()],
            Self::AnswerCall { dialog }
            | Self::HoldCall { dialog }
            | Self::RetrieveCall { dialog }
            | Self::ReleaseCall { dialog }
            | Self::GetDialogState { dialog }
            | Self::GetDialogStateControls { dialog }
            | Self::GetDialogParticipants { dialog }
            | Self::EndSilentMonitor { dialog } => vec![dialog.as_str()],
            Self::TransferSst { number, dialog } | Self::ConsultCall { number, dialog } => {
                vec![number.as_str(), dialog.as_str()]
            }
            Self::TransferCall { extension, dialog }
            | Self::ConferenceCall { extension, dialog }
            | Self::DropParticipant { extension, dialog } => {
                vec![extension.as_str(), dialog.as_str()]
            }
            Self::WrapUp { reason, dialog } => vec![reason.as_str(), dialog.as_str()],
            Self::UpdateCallVariable {
                dialog,
                name,
                value,
            } => {
                vec![dialog.as_str(), name.as_str(), value.as_str()]
            }
            Self::GetPhonebookContacts { phonebook } => vec![phonebook.as_str()],
            Self::AcceptOutboundPreview { dialog } => vec![dialog.as_str(), "ACCEPT"],
            Self::RejectOutboundPreview { dialog } => vec![dialog.as_str(), "REJECT"],
            Self::CloseOutboundPreview { dialog } => vec![dialog.as_str(), "CLOSE"],
            Self::SilentMonitor { extension } => vec![extension.as_str()],
            Self::GetTeamUsers { team, subscribe } => {
                let mut params = vec![team.as_str()];
                if *subscribe {
                    params.push("true");
                }
                params
            }
            Self::GetTeamUserState { member } => vec![member.as_str()],
            Self::BargeIn { member, dialog } => vec![member.as_str(), dialog.as_str()],
            Self::Logout
            | Self::MakeReady
            | Self::MakeNotReady
            | Self::GetState
            | Self::WrapUpReasonCodes
            | Self::LogoutReasonCodes
            | Self::NotReadyReasonCodes
            | Self::ForceLogout
            | Self::MakeWorkNotReady
            | Self::MakeWorkReady
            | Self::GetAllAgents
            | Self::ZoomPauseRecording
            | Self::ZoomResumeRecording
            | Self::Refresh
            | Self::GetPhonebooks
            | Self::GetTeamPhonebooks
            | Self::GetQueueList => Vec::new(),
        }
    }

    /// The dialog the command acts on, if any.
    pub fn dialog(&self) -> Option<&DialogId> {
        match self {
            Self::AnswerCall { dialog }
            | Self::HoldCall { dialog }
            | Self::RetrieveCall { dialog }
            | Self::ReleaseCall { dialog }
            | Self::TransferSst { dialog, .. }
            | Self::ConsultCall { dialog, .. }
            | Self::TransferCall { dialog, .. }
            | Self::ConferenceCall { dialog, .. }
            | Self::GetDialogState { dialog }
            | Self::WrapUp { dialog, .. }
            | Self::GetDialogStateControls { dialog }
            | Self::GetDialogParticipants { dialog }
            | Self::UpdateCallVariable { dialog, .. }
            | Self::AcceptOutboundPreview { dialog }
            | Self::RejectOutboundPreview { dialog }
            | Self::CloseOutboundPreview { dialog }
            | Self::EndSilentMonitor { dialog }
            | Self::DropParticipant { dialog, .. }
            | Self::BargeIn { dialog, .. } => Some(dialog),
            _ => None,
        }
    }
}
