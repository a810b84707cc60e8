//! The voice Dialog (finesse-api.md §3): object, collection, and the PUT/POST request bodies
//! for every `requestedAction` of §3.5.

use super::xml::{Element, ParseError, write_leaf};
use super::{expect_root, open_enum, opt_enum};

open_enum! {
    /// Dialog state (voice, plus the non-voice values).
    DialogState {
        Initiating => "INITIATING",
        Initiated => "INITIATED",
        Alerting => "ALERTING",
        Active => "ACTIVE",
        Failed => "FAILED",
        Dropped => "DROPPED",
        Accepted => "ACCEPTED",
        Offered => "OFFERED",
        Paused => "PAUSED",
        WrappingUp => "WRAPPING_UP",
        Interrupted => "INTERRUPTED",
        Closed => "CLOSED",
        Unknown => "UNKNOWN",
    }
}

open_enum! {
    /// Participant state (one call leg).
    ParticipantState {
        Initiating => "INITIATING",
        Initiated => "INITIATED",
        Alerting => "ALERTING",
        Active => "ACTIVE",
        Held => "HELD",
        Failed => "FAILED",
        Dropped => "DROPPED",
        WrapUp => "WRAP_UP",
        Accepted => "ACCEPTED",
    }
}

open_enum! {
    /// `mediaProperties/callType` (§3.4; an open list).
    CallType {
        AcdIn => "ACD_IN",
        PrerouteAcdIn => "PREROUTE_ACD_IN",
        PrerouteDirectAgent => "PREROUTE_DIRECT_AGENT",
        Transfer => "TRANSFER",
        OtherIn => "OTHER_IN",
        Out => "OUT",
        OverflowIn => "OVERFLOW_IN",
        AutoOut => "AUTO_OUT",
        AgentOut => "AGENT_OUT",
        AgentInside => "AGENT_INSIDE",
        AssistCall => "ASSIST_CALL",
        BargeInConsult => "BARGE_IN_CONSULT",
        Consult => "CONSULT",
        ConsultOffered => "CONSULT_OFFERED",
        Conference => "CONFERENCE",
        Emergency => "EMERGENCY",
        SupervisorMonitor => "SUPERVISOR_MONITOR",
        Outbound => "OUTBOUND",
        OutboundPreview => "OUTBOUND_PREVIEW",
        OutboundCallback => "OUTBOUND_CALLBACK",
        OutboundCallbackPreview => "OUTBOUND_CALLBACK_PREVIEW",
        OutboundPersonalCallback => "OUTBOUND_PERSONAL_CALLBACK",
        OutboundPersonalCallbackPreview => "OUTBOUND_PERSONAL_CALLBACK_PREVIEW",
        OutboundDirectPreview => "OUTBOUND_DIRECT_PREVIEW",
    }
}

open_enum! {
    /// A `requestedAction` (and the `actions/action` a participant may request now).
    Action {
        MakeCall => "MAKE_CALL",
        Answer => "ANSWER",
        Hold => "HOLD",
        Retrieve => "RETRIEVE",
        Drop => "DROP",
        ConsultCall => "CONSULT_CALL",
        Transfer => "TRANSFER",
        TransferSst => "TRANSFER_SST",
        Conference => "CONFERENCE",
        SendDtmf => "SEND_DTMF",
        UpdateCallData => "UPDATE_CALL_DATA",
        SilentMonitor => "SILENT_MONITOR",
        BargeCall => "BARGE_CALL",
        ParticipantDrop => "PARTICIPANT_DROP",
        StartRecording => "START_RECORDING",
        Accept => "ACCEPT",
        Close => "CLOSE",
        Reject => "REJECT",
        Reclassify => "RECLASSIFY",
        UpdateScheduledCallback => "UPDATE_SCHEDULED_CALLBACK",
        CancelScheduledCallback => "CANCEL_SCHEDULED_CALLBACK",
    }
}

/// A call variable: `callVariable1..10`, ECC `user.<name>` (arrays `user.<name>[i]`), or
/// Outbound Option `BA*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallVariable {
    /// Variable name, verbatim.
    pub name: String,
    /// Value (empty when unset).
    pub value: String,
}

impl CallVariable {
    /// Builds a variable.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// `mediaProperties` of a dialog.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MediaProperties {
    /// `mediaId` (`1` for voice; only in REST bodies).
    pub media_id: Option<String>,
    /// DNIS.
    pub dnis: Option<String>,
    /// Number dialled.
    pub dialed_number: Option<String>,
    /// Call type.
    pub call_type: Option<CallType>,
    /// Skill group / CSQ number.
    pub queue_number: Option<String>,
    /// Skill group / CSQ name.
    pub queue_name: Option<String>,
    /// UCCE call key: call id.
    pub call_key_call_id: Option<String>,
    /// UCCE call key: sequence number.
    pub call_key_sequence_num: Option<String>,
    /// UCCE call key: day prefix.
    pub call_key_prefix: Option<String>,
    /// Outbound classification.
    pub outbound_classification: Option<String>,
    /// Wrap-up reason applied to the call.
    pub wrap_up_reason: Option<String>,
    /// UCCX wrap-up items.
    pub wrap_up_items: Vec<String>,
    /// Call variables in document order (empty values kept).
    pub call_variables: Vec<CallVariable>,
    /// UCCE call GUID.
    pub call_guid: Option<String>,
}

impl MediaProperties {
    fn from_element(e: &Element) -> Self {
        Self {
            media_id: e.text_of("mediaId"),
            dnis: e.text_of("DNIS"),
            dialed_number: e.text_of("dialedNumber"),
            call_type: opt_enum(e, "callType", CallType::parse),
            queue_number: e.text_of("queueNumber"),
            queue_name: e.text_of("queueName"),
            call_key_call_id: e.text_of("callKeyCallId"),
            call_key_sequence_num: e.text_of("callKeySequenceNum"),
            call_key_prefix: e.text_of("callKeyPrefix"),
            outbound_classification: e.text_of("outboundClassification"),
            wrap_up_reason: e.text_of("wrapUpReason"),
            wrap_up_items: e
                .child("wrapUpItems")
                .map(|w| {
                    w.children_named("wrapUpItem")
                        .map(|i| i.text().to_owned())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            call_variables: e
                .child("callvariables")
                .map(|c| {
                    c.children_named("CallVariable")
                        .filter_map(|v| {
                            Some(CallVariable {
                                name: v.text_of("name")?,
                                value: v
                                    .child("value")
                                    .map(|x| x.text().to_owned())
                                    .unwrap_or_default(),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default(),
            call_guid: e.text_of("callGUID"),
        }
    }

    /// The value of a call variable by exact name.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.call_variables
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.value.as_str())
    }
}

/// One call leg.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Participant {
    /// Extension or number of the leg.
    pub media_address: Option<String>,
    /// `AGENT_DEVICE` for agent phones; empty for external parties.
    pub media_address_type: Option<String>,
    /// Leg state.
    pub state: Option<ParticipantState>,
    /// `BUSY`, `BAD_DESTINATION`, `OTHER`, … when failed or dropped.
    pub state_cause: Option<String>,
    /// ISO-8601 start time.
    pub start_time: Option<String>,
    /// ISO-8601 time of the last state change.
    pub state_change_time: Option<String>,
    /// What this participant may request now (the authority for the next command).
    pub actions: Vec<Action>,
}

impl Participant {
    fn from_element(e: &Element) -> Self {
        Self {
            media_address: e.text_of("mediaAddress"),
            media_address_type: e.text_of("mediaAddressType"),
            state: opt_enum(e, "state", ParticipantState::parse),
            state_cause: e.text_of("stateCause"),
            start_time: e.text_of("startTime"),
            state_change_time: e.text_of("stateChangeTime"),
            actions: e
                .child("actions")
                .map(|a| {
                    a.children_named("action")
                        .map(Element::text)
                        .filter(|t| !t.is_empty())
                        .map(Action::parse)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether `action` is currently allowed for this participant.
    pub fn can(&self, action: &Action) -> bool {
        self.actions.contains(action)
    }
}

/// A voice dialog (call).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dialog {
    /// Dialog id (from `id`, else the last segment of `uri`).
    pub id: String,
    /// `/finesse/api/Dialog/{id}`.
    pub uri: Option<String>,
    /// Related dialog (e.g. the monitored call of a supervisor's monitor/barge dialog).
    pub associated_dialog_uri: Option<String>,
    /// After transfer/conference: the id of the call that was merged into this one.
    pub secondary_id: Option<String>,
    /// `Voice` for calls.
    pub media_type: Option<String>,
    /// Calling party of the original call.
    pub from_address: Option<String>,
    /// Dialled number of the original call.
    pub to_address: Option<String>,
    /// Direct-preview customer number.
    pub callback_number: Option<String>,
    /// Dialog state.
    pub state: Option<DialogState>,
    /// Media properties and call variables.
    pub media_properties: MediaProperties,
    /// The call legs.
    pub participants: Vec<Participant>,
}

impl Dialog {
    /// Parses a `Dialog`/`dialog` element.
    pub fn from_element(e: &Element) -> Result<Self, ParseError> {
        expect_root(e, &["Dialog"], "Dialog")?;
        let uri = e.text_of("uri");
        let id = e
            .text_of("id")
            .or_else(|| super::reason::last_segment(uri.as_deref()))
            .ok_or(ParseError::Missing {
                parent: "Dialog",
                child: "id",
            })?;
        Ok(Self {
            id,
            uri,
            associated_dialog_uri: e.text_of("associatedDialogUri"),
            secondary_id: e.text_of("secondaryId"),
            media_type: e.text_of("mediaType"),
            from_address: e.text_of("fromAddress"),
            to_address: e.text_of("toAddress"),
            callback_number: e.text_of("callbackNumber"),
            state: opt_enum(e, "state", DialogState::parse),
            media_properties: e
                .child("mediaProperties")
                .map(MediaProperties::from_element)
                .unwrap_or_default(),
            participants: e
                .child("participants")
                .map(|p| {
                    p.children_named("Participant")
                        .map(Participant::from_element)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    /// Parses a REST body whose root is `Dialog`.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }

    /// Parses a `Dialogs`/`dialogs` collection element (`<Dialogs/>` is an empty list).
    pub fn list_from_element(e: &Element) -> Result<Vec<Self>, ParseError> {
        expect_root(e, &["Dialogs"], "Dialogs")?;
        e.children_named("Dialog").map(Self::from_element).collect()
    }

    /// Parses a `Dialogs` REST body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        Self::list_from_element(&Element::parse(body)?)
    }

    /// The participant whose media address is `extension`.
    pub fn participant(&self, extension: &str) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.media_address.as_deref() == Some(extension))
    }
}

/// The body of `PUT /Dialog/{id}` or `POST /User/{id}/Dialogs` (§3.5, §3.6). Build one with
/// the per-action constructors; [`DialogRequest::to_xml`] formats it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogRequest {
    /// The requested action.
    pub action: Action,
    /// The participant the action applies to (normally the agent's own extension).
    pub target_media_address: Option<String>,
    /// Originating extension (MAKE_CALL, SILENT_MONITOR, BARGE_CALL).
    pub from_address: Option<String>,
    /// Destination (MAKE_CALL, CONSULT_CALL, TRANSFER_SST, SILENT_MONITOR, BARGE_CALL).
    pub to_address: Option<String>,
    /// The supervisor's monitor dialog (BARGE_CALL).
    pub associated_dialog_uri: Option<String>,
    /// Wrap-up reason (UPDATE_CALL_DATA).
    pub wrap_up_reason: Option<String>,
    /// Call variables (MAKE_CALL, UPDATE_CALL_DATA).
    pub call_variables: Vec<CallVariable>,
    /// `actionParams/ActionParam` name/value pairs (SEND_DTMF, RECLASSIFY, callbacks).
    pub action_params: Vec<(String, String)>,
}

impl DialogRequest {
    /// A bare request for `action`.
    pub fn new(action: Action) -> Self {
        Self {
            action,
            target_media_address: None,
            from_address: None,
            to_address: None,
            associated_dialog_uri: None,
            wrap_up_reason: None,
            call_variables: Vec::new(),
            action_params: Vec::new(),
        }
    }

    /// An action that only needs the target participant: ANSWER, HOLD, RETRIEVE, DROP,
    /// TRANSFER, CONFERENCE, PARTICIPANT_DROP, ACCEPT, CLOSE, REJECT, START_RECORDING …
    pub fn targeted(action: Action, target: &str) -> Self {
        Self {
            target_media_address: Some(target.to_owned()),
            ..Self::new(action)
        }
    }

    /// MAKE_CALL (POST) with optional call variables (UCCE only).
    pub fn make_call(from: &str, to: &str, variables: Vec<CallVariable>) -> Self {
        Self {
            from_address: Some(from.to_owned()),
            to_address: Some(to.to_owned()),
            call_variables: variables,
            ..Self::new(Action::MakeCall)
        }
    }

    /// CONSULT_CALL or TRANSFER_SST (PUT on the active call).
    pub fn to_destination(action: Action, target: &str, to: &str) -> Self {
        Self {
            to_address: Some(to.to_owned()),
            ..Self::targeted(action, target)
        }
    }

    /// UPDATE_CALL_DATA with call variables and/or a wrap-up reason.
    pub fn update_call_data(variables: Vec<CallVariable>, wrap_up_reason: Option<&str>) -> Self {
        Self {
            call_variables: variables,
            wrap_up_reason: wrap_up_reason.map(str::to_owned),
            ..Self::new(Action::UpdateCallData)
        }
    }

    /// SILENT_MONITOR (POST on the supervisor's Dialogs).
    pub fn silent_monitor(supervisor_extension: &str, agent_extension: &str) -> Self {
        Self {
            from_address: Some(supervisor_extension.to_owned()),
            to_address: Some(agent_extension.to_owned()),
            ..Self::new(Action::SilentMonitor)
        }
    }

    /// BARGE_CALL (POST on the supervisor's Dialogs) into a monitored call.
    pub fn barge_call(
        supervisor_extension: &str,
        agent_extension: &str,
        monitor_uri: &str,
    ) -> Self {
        Self {
            from_address: Some(supervisor_extension.to_owned()),
            to_address: Some(agent_extension.to_owned()),
            associated_dialog_uri: Some(monitor_uri.to_owned()),
            ..Self::new(Action::BargeCall)
        }
    }

    /// SEND_DTMF.
    pub fn send_dtmf(target: &str, digits: &str) -> Self {
        Self {
            action_params: vec![("dtmfString".to_owned(), digits.to_owned())],
            ..Self::targeted(Action::SendDtmf, target)
        }
    }

    /// Whether this request is a POST on the user's Dialogs (creates a dialog) rather than a
    /// PUT on an existing dialog.
    pub fn creates_dialog(&self) -> bool {
        matches!(
            self.action,
            Action::MakeCall | Action::SilentMonitor | Action::BargeCall
        )
    }

    /// The XML body.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<Dialog>");
        write_leaf(&mut out, "requestedAction", self.action.as_str());
        if let Some(from) = &self.from_address {
            write_leaf(&mut out, "fromAddress", from);
        }
        if let Some(to) = &self.to_address {
            write_leaf(&mut out, "toAddress", to);
        }
        if let Some(target) = &self.target_media_address {
            write_leaf(&mut out, "targetMediaAddress", target);
        }
        if let Some(uri) = &self.associated_dialog_uri {
            write_leaf(&mut out, "associatedDialogUri", uri);
        }
        if self.wrap_up_reason.is_some() || !self.call_variables.is_empty() {
            out.push_str("<mediaProperties>");
            if let Some(reason) = &self.wrap_up_reason {
                write_leaf(&mut out, "wrapUpReason", reason);
            }
            if !self.call_variables.is_empty() {
                out.push_str("<callvariables>");
                for v in &self.call_variables {
                    out.push_str("<CallVariable>");
                    write_leaf(&mut out, "name", &v.name);
                    write_leaf(&mut out, "value", &v.value);
                    out.push_str("</CallVariable>");
                }
                out.push_str("</callvariables>");
            }
            out.push_str("</mediaProperties>");
        }
        if !self.action_params.is_empty() {
            out.push_str("<actionParams>");
            for (name, value) in &self.action_params {
                out.push_str("<ActionParam>");
                write_leaf(&mut out, "name", name);
                write_leaf(&mut out, "value", value);
                out.push_str("</ActionParam>");
            }
            out.push_str("</actionParams>");
        }
        out.push_str("</Dialog>");
        out
    }

    /// Parses a request body (for tests and request replay).
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, &["Dialog"], "Dialog")?;
        let media = e
            .child("mediaProperties")
            .map(MediaProperties::from_element);
        Ok(Self {
            action: opt_enum(&e, "requestedAction", Action::parse).ok_or(ParseError::Missing {
                parent: "Dialog",
                child: "requestedAction",
            })?,
            target_media_address: e.text_of("targetMediaAddress"),
            from_address: e.text_of("fromAddress"),
            to_address: e.text_of("toAddress"),
            associated_dialog_uri: e.text_of("associatedDialogUri"),
            wrap_up_reason: media.as_ref().and_then(|m| m.wrap_up_reason.clone()),
            call_variables: media.map(|m| m.call_variables).unwrap_or_default(),
            action_params: e
                .child("actionParams")
                .map(|p| {
                    p.children_named("ActionParam")
                        .filter_map(|a| {
                            Some((a.text_of("name")?, a.text_of("value").unwrap_or_default()))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_body_round_trips() {
        let vars = vec![
            CallVariable::new("callVariable1", "CUST-000981"),
            CallVariable::new("user.crm.caseId", "CS-2291 <&>"),
        ];
        let requests = [
            DialogRequest::make_call("30411", "00493012345678", vars.clone()),
            DialogRequest::targeted(Action::Answer, "30411"),
            DialogRequest::targeted(Action::Hold, "30411"),
            DialogRequest::targeted(Action::Retrieve, "30411"),
            DialogRequest::targeted(Action::Drop, "30411"),
            DialogRequest::to_destination(Action::ConsultCall, "30411", "30577"),
            DialogRequest::targeted(Action::Transfer, "30411"),
            DialogRequest::to_destination(Action::TransferSst, "30411", "8810"),
            DialogRequest::targeted(Action::Conference, "30411"),
            DialogRequest::update_call_data(vars, Some("Billing question")),
            DialogRequest::silent_monitor("30500", "30411"),
            DialogRequest::barge_call("30500", "30411", "/finesse/api/Dialog/16819504"),
            DialogRequest::targeted(Action::ParticipantDrop, "30577"),
            DialogRequest::targeted(Action::Accept, "30411"),
            DialogRequest::targeted(Action::Reject, "30411"),
            DialogRequest::targeted(Action::Close, "30411"),
            DialogRequest::send_dtmf("30411", "12#"),
        ];
        for request in requests {
            let body = request.to_xml();
            assert_eq!(
                DialogRequest::parse(body.as_bytes()).unwrap(),
                request,
                "{body}"
            );
        }
    }

    #[test]
    fn answer_body_matches_the_documented_shape() {
        assert_eq!(
            DialogRequest::targeted(Action::Answer, "30411").to_xml(),
            "<Dialog><requestedAction>ANSWER</requestedAction>\
             <targetMediaAddress>30411</targetMediaAddress></Dialog>"
        );
        assert!(DialogRequest::make_call("1", "2", vec![]).creates_dialog());
        assert!(!DialogRequest::targeted(Action::Drop, "1").creates_dialog());
    }

    #[test]
    fn rest_dialogs_collection_parses_and_empty_is_empty() {
        assert!(Dialog::parse_list(b"<Dialogs/>").unwrap().is_empty());
        let list = Dialog::parse_list(
            br"<Dialogs><Dialog><id>1</id><state>active</state><secondaryId>7</secondaryId>
            <associatedDialogUri>/finesse/api/Dialog/9</associatedDialogUri>
            <mediaProperties><mediaId>1</mediaId><callType>CONSULT</callType><callvariables/>
            <wrapUpItems><wrapUpItem>A</wrapUpItem><wrapUpItem>B</wrapUpItem></wrapUpItems>
            <dialedNumber>3002</dialedNumber></mediaProperties>
            <participants><Participant><mediaAddress>3001</mediaAddress><state>HELD</state>
            <actions><action>RETRIEVE</action><action>TRANSFER</action><action>CONFERENCE</action>
            <action>FUTURE_ACTION</action></actions></Participant></participants></Dialog></Dialogs>",
        )
        .unwrap();
        let d = &list[0];
        assert_eq!(d.state, Some(DialogState::Active));
        assert_eq!(d.secondary_id.as_deref(), Some("7"));
        assert_eq!(
            d.associated_dialog_uri.as_deref(),
            Some("/finesse/api/Dialog/9")
        );
        assert_eq!(d.media_properties.call_type, Some(CallType::Consult));
        assert_eq!(d.media_properties.wrap_up_items, ["A", "B"]);
        let p = d.participant("3001").unwrap();
        assert_eq!(p.state, Some(ParticipantState::Held));
        assert!(p.can(&Action::Conference));
        assert_eq!(p.actions[3], Action::Other("FUTURE_ACTION".into()));
    }
}
