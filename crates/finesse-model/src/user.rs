//! The User object (finesse-api.md §2): REST `GET /User/{id}`, the `user` notification
//! payload and the team member summaries of the Team API. The `PUT /User/{id}` bodies are
//! [`crate::Request`]s.

use gc_protocol::{AgentId, ObjectId, ReasonCode};

use crate::reason::ReasonCodeInfo;
use crate::team::TeamRef;
use crate::xml::{Element, ParseError};
use crate::{expect_root, open_enum, opt_enum, required_id};

open_enum! {
    /// Agent state (finesse-api.md §2.3). `LOGIN` is transient (it resolves to `NOT_READY`);
    /// `HOLD` and `WORK_READY` exist on UCCE only.
    UserState {
        Logout => "LOGOUT",
        Login => "LOGIN",
        NotReady => "NOT_READY",
        Ready => "READY",
        Reserved => "RESERVED",
        ReservedOutbound => "RESERVED_OUTBOUND",
        ReservedOutboundPreview => "RESERVED_OUTBOUND_PREVIEW",
        Talking => "TALKING",
        Hold => "HOLD",
        Work => "WORK",
        WorkReady => "WORK_READY",
        Unknown => "UNKNOWN",
    }
}

open_enum! {
    /// Wrap-up requirement for incoming or outgoing calls (`settings/wrapUpOn*`).
    WrapUpMode {
        Required => "REQUIRED",
        RequiredWithWrapUpData => "REQUIRED_WITH_WRAP_UP_DATA",
        Optional => "OPTIONAL",
        NotAllowed => "NOT_ALLOWED",
    }
}

open_enum! {
    /// Mobile agent connection mode (`mobileAgent/mode`).
    MobileAgentMode {
        CallByCall => "CALL_BY_CALL",
        NailedConnection => "NAILED_CONNECTION",
    }
}

impl From<gc_protocol::MobileAgentMode> for MobileAgentMode {
    /// The client protocol's mode (`true` / `false` on its wire) in Finesse's terms.
    fn from(mode: gc_protocol::MobileAgentMode) -> Self {
        match mode {
            gc_protocol::MobileAgentMode::CallByCall => Self::CallByCall,
            gc_protocol::MobileAgentMode::NailedConnection => Self::NailedConnection,
        }
    }
}

open_enum! {
    /// A user role (`roles/role`; Finesse spells them in mixed case).
    Role {
        Agent => "Agent",
        Supervisor => "Supervisor",
        Admin => "Admin",
    }
}

/// Mobile agent settings: how the agent's remote phone is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobileAgent {
    /// Connection mode.
    pub mode: MobileAgentMode,
    /// The PSTN number Finesse dials.
    pub dial_number: Option<String>,
}

/// A Finesse user (agent or supervisor), as full object or team member summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The id used in URIs and the XMPP JID (`loginId`, else the last segment of `uri`).
    pub login_id: AgentId,
    /// `/finesse/api/User/{id}`.
    pub uri: Option<String>,
    /// Login name (differs from `login_id` on UCCE).
    pub login_name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Signed-in extension (Finesse's directory number, not restricted to digits); `None` when
    /// logged out.
    pub extension: Option<String>,
    /// Mobile agent settings, when signed in as a mobile agent.
    pub mobile_agent: Option<MobileAgent>,
    /// Multiline active device (12.6 UCCE).
    pub active_device_id: Option<String>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Current state; `None` if the payload carries none.
    pub state: Option<UserState>,
    /// ISO-8601 time of the last state change, as sent.
    pub state_change_time: Option<String>,
    /// State the agent moves to after the current call.
    pub pending_state: Option<UserState>,
    /// Finesse id of the current reason code: `reasonCodeId` (`-1`, "none", becomes `None`),
    /// else the id of the embedded reason code (team member summaries carry only that).
    pub reason_code_id: Option<ReasonCode>,
    /// The embedded reason code (`ReasonCode` or `reasonCode`).
    pub reason_code: Option<ReasonCodeInfo>,
    /// `settings/wrapUpOnIncoming`.
    pub wrap_up_on_incoming: Option<WrapUpMode>,
    /// `settings/wrapUpOnOutgoing`.
    pub wrap_up_on_outgoing: Option<WrapUpMode>,
    /// Wrap-up timer in seconds.
    pub wrap_up_timer: Option<u32>,
    /// Media type (`1` for voice).
    pub media_type: Option<String>,
    /// Team the user belongs to.
    pub team_id: Option<ObjectId>,
    /// Name of that team.
    pub team_name: Option<String>,
    /// Teams a supervisor supervises.
    pub teams: Vec<TeamRef>,
    /// UCCE skill target id.
    pub skill_target_id: Option<String>,
    /// `/finesse/api/User/{id}/Dialogs`.
    pub dialogs_uri: Option<String>,
    /// UCCX `mediaState` (team summaries).
    pub media_state: Option<String>,
}

impl User {
    /// Parses a `User`/`user` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "User", "User")?;
        let login_id = required_id(e, "loginId", "User", AgentId::parse)?;
        let settings = e.child("settings");
        let mobile_agent = e.child("mobileAgent").and_then(|m| {
            Some(MobileAgent {
                mode: MobileAgentMode::parse(m.text_of_str("mode")?),
                dial_number: m.text_of("dialNumber"),
            })
        });
        let reason_code = e
            .child("ReasonCode")
            .filter(|r| !r.children().is_empty())
            .map(ReasonCodeInfo::from_element)
            .transpose()?;
        let reason_code_id = e
            .text_of_str("reasonCodeId")
            .and_then(none_if_minus_one)
            .and_then(|id| ReasonCode::parse(id).ok())
            .or_else(|| reason_code.as_ref().and_then(|r| r.id.clone()));
        Ok(Self {
            login_id,
            uri: e.text_of("uri"),
            login_name: e.text_of("loginName"),
            first_name: e.text_of("firstName"),
            last_name: e.text_of("lastName"),
            extension: e.text_of("extension"),
            mobile_agent,
            active_device_id: e.text_of("activeDeviceId"),
            roles: e
                .child("roles")
                .map(|r| {
                    r.children_named("role")
                        .map(Element::text)
                        .filter(|x| !x.is_empty())
                        .map(Role::parse)
                        .collect()
                })
                .unwrap_or_default(),
            state: opt_enum(e, "state", UserState::parse),
            state_change_time: e.text_of("stateChangeTime"),
            pending_state: opt_enum(e, "pendingState", UserState::parse),
            reason_code_id,
            reason_code,
            wrap_up_on_incoming: settings
                .and_then(|s| opt_enum(s, "wrapUpOnIncoming", WrapUpMode::parse)),
            wrap_up_on_outgoing: settings
                .and_then(|s| opt_enum(s, "wrapUpOnOutgoing", WrapUpMode::parse)),
            wrap_up_timer: e.number_of("wrapUpTimer"),
            media_type: e.text_of("mediaType"),
            team_id: e
                .text_of_str("teamId")
                .and_then(|id| ObjectId::parse(id).ok()),
            team_name: e.text_of("teamName"),
            teams: e
                .child("teams")
                .map(|t| {
                    t.children_named("Team")
                        .map(TeamRef::from_element)
                        .collect()
                })
                .unwrap_or_default(),
            skill_target_id: e.text_of("skillTargetId"),
            dialogs_uri: e.text_of("dialogs"),
            media_state: e.text_of("mediaState"),
        })
    }

    /// Parses a REST body whose root is `User`.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }

    /// Whether the user has the `Supervisor` role.
    pub fn is_supervisor(&self) -> bool {
        self.roles.contains(&Role::Supervisor)
    }
}

/// Finesse writes "no reason" as `-1`.
fn none_if_minus_one(id: &str) -> Option<&str> {
    (id != "-1").then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_user_with_capitalised_reason_code_and_mobile_agent_parses() {
        let body = br"<User><loginId>4711</loginId><state>not_ready</state>
            <ReasonCode><category>NOT_READY</category><code>120</code><label>Break</label>
            <id>7</id><forAll>true</forAll><systemCode>false</systemCode></ReasonCode>
            <reasonCodeId>7</reasonCodeId><mobileAgent><mode>CALL_BY_CALL</mode>
            <dialNumber>0049</dialNumber></mobileAgent><futureField>x</futureField>
            <pendingState>SOMETHING_NEW</pendingState><roles><role>agent</role></roles></User>";
        let user = User::parse(body).unwrap();
        assert_eq!(user.login_id.as_str(), "4711");
        assert_eq!(user.state, Some(UserState::NotReady));
        assert_eq!(
            user.pending_state,
            Some(UserState::Other("SOMETHING_NEW".into()))
        );
        assert_eq!(
            user.reason_code_id.as_ref().map(ReasonCode::as_str),
            Some("7")
        );
        let reason = user.reason_code.unwrap();
        assert_eq!(
            (reason.code.as_deref(), reason.label.as_deref()),
            (Some("120"), Some("Break"))
        );
        let mobile = user.mobile_agent.unwrap();
        assert_eq!(mobile.mode, MobileAgentMode::CallByCall);
        assert_eq!(mobile.dial_number.as_deref(), Some("0049"));
        assert_eq!(user.roles, [Role::Agent]);
        assert!(!User::parse(body).unwrap().is_supervisor());
    }

    #[test]
    fn minus_one_means_no_reason_and_team_summaries_use_the_embedded_reason() {
        let own = User::parse(b"<user><loginId>1</loginId><reasonCodeId>-1</reasonCodeId></user>");
        assert_eq!(own.unwrap().reason_code_id, None);
        let member = User::parse(
            b"<User><loginId>2</loginId><reasonCode><id>3</id><label>Meeting</label></reasonCode></User>",
        )
        .unwrap();
        assert_eq!(member.reason_code_id, ReasonCode::parse("3").ok());
    }

    #[test]
    fn user_without_a_usable_login_id_is_an_error() {
        assert_eq!(
            User::parse(b"<User><state>READY</state></User>"),
            Err(ParseError::Missing {
                parent: "User",
                child: "loginId"
            })
        );
        assert!(matches!(
            User::parse(b"<User><loginId>a b</loginId></User>"),
            Err(ParseError::Invalid {
                element: "loginId",
                ..
            })
        ));
    }

    #[test]
    fn client_mobile_modes_map_to_finesse_spelling() {
        let mode = MobileAgentMode::from(gc_protocol::MobileAgentMode::NailedConnection);
        assert_eq!(mode.as_str(), "NAILED_CONNECTION");
    }
}
