//! The User object (finesse-api.md §2): REST `GET /User/{id}`, the `user` notification
//! payload, team summaries, and the `PUT /User/{id}` request body.

use super::reason::ReasonCodeInfo;
use super::team::TeamRef;
use super::xml::{Element, ParseError, write_leaf};
use super::{expect_root, open_enum, opt_enum};

open_enum! {
    /// Agent state (finesse-api.md §2.3).
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
    /// Mobile agent connection mode.
    MobileAgentMode {
        CallByCall => "CALL_BY_CALL",
        NailedConnection => "NAILED_CONNECTION",
    }
}

/// Mobile agent settings: how the agent's remote phone is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MobileAgent {
    /// Connection mode.
    pub mode: MobileAgentMode,
    /// The PSTN number Finesse dials.
    pub dial_number: String,
}

/// A Finesse user (agent or supervisor), as full object or team summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    /// `/finesse/api/User/{id}`.
    pub uri: Option<String>,
    /// The id used in URIs and the XMPP JID.
    pub login_id: String,
    /// Login name (differs from `login_id` on UCCE).
    pub login_name: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Signed-in extension; `None` when logged out.
    pub extension: Option<String>,
    /// Mobile agent settings, when signed in as a mobile agent.
    pub mobile_agent: Option<MobileAgent>,
    /// Multiline active device (12.6 UCCE).
    pub active_device_id: Option<String>,
    /// Roles (`Agent`, `Supervisor`).
    pub roles: Vec<String>,
    /// Current state; `None` if the payload carries none.
    pub state: Option<UserState>,
    /// ISO-8601 time of the last state change, as sent.
    pub state_change_time: Option<String>,
    /// State the agent moves to after the current call.
    pub pending_state: Option<UserState>,
    /// Finesse id of the current reason code; `-1` ("none") becomes `None`.
    pub reason_code_id: Option<String>,
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
    pub team_id: Option<String>,
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
    pub fn from_element(e: &Element) -> Result<Self, ParseError> {
        expect_root(e, &["User"], "User")?;
        let login_id = e.text_of("loginId").ok_or(ParseError::Missing {
            parent: "User",
            child: "loginId",
        })?;
        let settings = e.child("settings");
        let mobile_agent = e.child("mobileAgent").and_then(|m| {
            Some(MobileAgent {
                mode: MobileAgentMode::parse(&m.text_of("mode")?),
                dial_number: m.text_of("dialNumber").unwrap_or_default(),
            })
        });
        let reason_code = e
            .child("ReasonCode")
            .filter(|r| !r.children().is_empty())
            .map(ReasonCodeInfo::from_element)
            .transpose()?;
        Ok(Self {
            uri: e.text_of("uri"),
            login_id,
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
                        .map(|x| x.text().to_owned())
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            state: opt_enum(e, "state", UserState::parse),
            state_change_time: e.text_of("stateChangeTime"),
            pending_state: opt_enum(e, "pendingState", UserState::parse),
            reason_code_id: e.text_of("reasonCodeId").filter(|id| id != "-1"),
            reason_code,
            wrap_up_on_incoming: settings
                .and_then(|s| opt_enum(s, "wrapUpOnIncoming", WrapUpMode::parse)),
            wrap_up_on_outgoing: settings
                .and_then(|s| opt_enum(s, "wrapUpOnOutgoing", WrapUpMode::parse)),
            wrap_up_timer: e.number_of("wrapUpTimer"),
            media_type: e.text_of("mediaType"),
            team_id: e.text_of("teamId"),
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
        self.roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case("Supervisor"))
    }
}

/// The body of `PUT /finesse/api/User/{id}` (finesse-api.md §2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRequest {
    /// Requested state: `LOGIN`, `READY`, `NOT_READY` or `LOGOUT`.
    pub state: UserState,
    /// Extension for `LOGIN`.
    pub extension: Option<String>,
    /// Reason code id (the Finesse DB id, not the numeric code) for NOT_READY / LOGOUT.
    pub reason_code_id: Option<String>,
    /// Mobile agent LOGIN.
    pub mobile_agent: Option<MobileAgent>,
    /// Multiline LOGIN on a specific device.
    pub active_device_id: Option<String>,
}

impl UserRequest {
    fn state(state: UserState) -> Self {
        Self {
            state,
            extension: None,
            reason_code_id: None,
            mobile_agent: None,
            active_device_id: None,
        }
    }

    /// `LOGIN` on an extension.
    pub fn login(extension: &str) -> Self {
        Self {
            extension: Some(extension.to_owned()),
            ..Self::state(UserState::Login)
        }
    }

    /// Mobile agent `LOGIN`: `extension` is the CTI port / remote device DN.
    pub fn login_mobile(extension: &str, mode: MobileAgentMode, dial_number: &str) -> Self {
        Self {
            mobile_agent: Some(MobileAgent {
                mode,
                dial_number: dial_number.to_owned(),
            }),
            ..Self::login(extension)
        }
    }

    /// `READY`.
    pub fn ready() -> Self {
        Self::state(UserState::Ready)
    }

    /// `NOT_READY`, optionally with a reason code id.
    pub fn not_ready(reason_code_id: Option<&str>) -> Self {
        Self {
            reason_code_id: reason_code_id.map(str::to_owned),
            ..Self::state(UserState::NotReady)
        }
    }

    /// `LOGOUT`, optionally with a reason code id.
    pub fn logout(reason_code_id: Option<&str>) -> Self {
        Self {
            reason_code_id: reason_code_id.map(str::to_owned),
            ..Self::state(UserState::Logout)
        }
    }

    /// The XML body.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<User>");
        write_leaf(&mut out, "state", self.state.as_str());
        if let Some(ext) = &self.extension {
            write_leaf(&mut out, "extension", ext);
        }
        if let Some(device) = &self.active_device_id {
            write_leaf(&mut out, "activeDeviceId", device);
        }
        if let Some(mobile) = &self.mobile_agent {
            out.push_str("<mobileAgent>");
            write_leaf(&mut out, "mode", mobile.mode.as_str());
            write_leaf(&mut out, "dialNumber", &mobile.dial_number);
            out.push_str("</mobileAgent>");
        }
        if let Some(reason) = &self.reason_code_id {
            write_leaf(&mut out, "reasonCodeId", reason);
        }
        out.push_str("</User>");
        out
    }

    /// Parses a request body (used by tests and by anyone replaying requests).
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, &["User"], "User")?;
        Ok(Self {
            state: opt_enum(&e, "state", UserState::parse).ok_or(ParseError::Missing {
                parent: "User",
                child: "state",
            })?,
            extension: e.text_of("extension"),
            reason_code_id: e.text_of("reasonCodeId"),
            mobile_agent: e.child("mobileAgent").and_then(|m| {
                Some(MobileAgent {
                    mode: MobileAgentMode::parse(&m.text_of("mode")?),
                    dial_number: m.text_of("dialNumber").unwrap_or_default(),
                })
            }),
            active_device_id: e.text_of("activeDeviceId"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bodies_round_trip() {
        for request in [
            UserRequest::login("3001"),
            UserRequest::login_mobile("39001", MobileAgentMode::NailedConnection, "0049301234567"),
            UserRequest::ready(),
            UserRequest::not_ready(Some("7")),
            UserRequest::not_ready(None),
            UserRequest::logout(Some("12")),
        ] {
            assert_eq!(
                UserRequest::parse(request.to_xml().as_bytes()).unwrap(),
                request
            );
        }
    }

    #[test]
    fn login_body_matches_the_documented_shape() {
        assert_eq!(
            UserRequest::login("30411").to_xml(),
            "<User><state>LOGIN</state><extension>30411</extension></User>"
        );
        assert_eq!(
            UserRequest::not_ready(Some("7")).to_xml(),
            "<User><state>NOT_READY</state><reasonCodeId>7</reasonCodeId></User>"
        );
    }

    #[test]
    fn rest_user_with_capitalised_reason_code_and_mobile_agent_parses() {
        let body = br"<User><loginId>4711</loginId><state>not_ready</state>
            <ReasonCode><category>NOT_READY</category><code>120</code><label>Break</label>
            <id>7</id><forAll>true</forAll><systemCode>false</systemCode></ReasonCode>
            <reasonCodeId>7</reasonCodeId><mobileAgent><mode>CALL_BY_CALL</mode>
            <dialNumber>0049</dialNumber></mobileAgent><futureField>x</futureField>
            <pendingState>SOMETHING_NEW</pendingState></User>";
        let user = User::parse(body).unwrap();
        assert_eq!(user.state, Some(UserState::NotReady));
        assert_eq!(
            user.pending_state,
            Some(UserState::Other("SOMETHING_NEW".into()))
        );
        assert_eq!(user.reason_code_id.as_deref(), Some("7"));
        let reason = user.reason_code.unwrap();
        assert_eq!(
            (reason.code.as_deref(), reason.label.as_deref()),
            (Some("120"), Some("Break"))
        );
        assert_eq!(user.mobile_agent.unwrap().mode, MobileAgentMode::CallByCall);
    }

    #[test]
    fn user_without_login_id_is_an_error() {
        assert_eq!(
            User::parse(b"<User><state>READY</state></User>"),
            Err(ParseError::Missing {
                parent: "User",
                child: "loginId"
            })
        );
    }
}
