//! The voice Dialog (finesse-api.md §3): object and collection, with the typed dialog and
//! participant states, call types and `requestedAction`s. The PUT/POST bodies are
//! [`crate::Request`]s.

use gc_protocol::DialogId;

use crate::xml::{Element, ParseError};
use crate::{expect_root, last_segment, open_enum, opt_enum, required_id};

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

impl CallType {
    /// An Outbound Option (dialer) call type: every `OUTBOUND*` value, also one a later
    /// release adds.
    pub fn is_outbound(&self) -> bool {
        self.as_str()
            .get(..8)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("OUTBOUND"))
    }

    /// An Outbound Option preview call type (`OUTBOUND*PREVIEW*`).
    pub fn is_preview(&self) -> bool {
        self.is_outbound() && self.as_str().to_ascii_uppercase().contains("PREVIEW")
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
    fn from_element(e: &Element<'_>) -> Self {
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
    fn from_element(e: &Element<'_>) -> Self {
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    /// Dialog id (from `id`, else the last segment of `uri`).
    pub id: DialogId,
    /// `/finesse/api/Dialog/{id}`.
    pub uri: Option<String>,
    /// Related dialog, from `associatedDialogUri` (e.g. the call a supervisor's monitor or
    /// barge dialog is attached to).
    pub associated_dialog: Option<DialogId>,
    /// After transfer/conference: the id of the call that was merged into this one.
    pub secondary_id: Option<DialogId>,
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
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "Dialog", "Dialog")?;
        Ok(Self {
            id: required_id(e, "id", "Dialog", DialogId::parse)?,
            uri: e.text_of("uri"),
            associated_dialog: e
                .text_of_str("associatedDialogUri")
                .and_then(last_segment)
                .and_then(|id| DialogId::parse(id).ok()),
            secondary_id: e
                .text_of_str("secondaryId")
                .and_then(|id| DialogId::parse(id).ok()),
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
    pub fn list_from_element(e: &Element<'_>) -> Result<Vec<Self>, ParseError> {
        expect_root(e, "Dialogs", "Dialogs")?;
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

    /// When the call started: the earliest participant start (Finesse gives a dialog no start
    /// time of its own). ISO-8601 strings of one format compare in time order.
    pub fn start_time(&self) -> Option<&str> {
        self.participants
            .iter()
            .filter_map(|p| p.start_time.as_deref())
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_and_preview_call_types_include_values_a_later_release_adds() {
        assert!(CallType::OutboundDirectPreview.is_preview());
        assert!(CallType::Outbound.is_outbound() && !CallType::Outbound.is_preview());
        assert!(CallType::parse("OUTBOUND_FUTURE_PREVIEW").is_preview());
        assert!(!CallType::OtherIn.is_outbound() && !CallType::Other("OUT".into()).is_outbound());
    }

    #[test]
    fn a_dialog_without_a_usable_id_is_an_error_and_start_time_is_the_earliest_leg() {
        assert!(Dialog::parse(b"<Dialog><state>ACTIVE</state></Dialog>").is_err());
        let d = Dialog::parse(
            b"<Dialog><uri>/finesse/api/Dialog/42</uri><participants>\
              <Participant><startTime>2025-03-04T09:15:03.000Z</startTime></Participant>\
              <Participant><startTime>2025-03-04T09:15:01.000Z</startTime></Participant>\
              <Participant><startTime></startTime></Participant></participants></Dialog>",
        )
        .unwrap();
        assert_eq!(d.id.as_str(), "42");
        assert_eq!(d.start_time(), Some("2025-03-04T09:15:01.000Z"));
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
        assert_eq!(d.id.as_str(), "1");
        assert_eq!(d.secondary_id, DialogId::parse("7").ok());
        assert_eq!(d.associated_dialog, DialogId::parse("9").ok());
        assert_eq!(d.media_properties.call_type, Some(CallType::Consult));
        assert_eq!(d.media_properties.wrap_up_items, ["A", "B"]);
        let p = d.participant("3001").unwrap();
        assert_eq!(p.state, Some(ParticipantState::Held));
        assert!(p.can(&Action::Conference));
        assert_eq!(p.actions[3], Action::Other("FUTURE_ACTION".into()));
    }
}
