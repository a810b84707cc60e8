//! Call data shared by the call events, and the rules for call variables and times.

/// A dialog as the call events show it.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CallData {
    /// Finesse dialog id.
    pub dialog_id: String,
    /// Finesse dialog state (`ALERTING`, `ACTIVE`, `HELD`, `DROPPED`, `FAILED`, …), or the
    /// agent participant's state where that is what the client follows.
    pub state: String,
    /// The calling number.
    pub from_address: String,
    /// The called number.
    pub to_address: String,
    /// The caller's number as the network gave it (ANI).
    pub ani: String,
    /// Call variables in Finesse's order: `callVariable1..10`, ECC and BA* variables.
    pub call_variables: Vec<(String, String)>,
    /// When the call started, `yyyy-MM-dd HH:mm:ss` (see [`finesse_time`]): the JSON
    /// `startTime` ("Starting Time of call").
    pub start_time: String,
    /// When the agent's own leg of the call started, `yyyy-MM-dd HH:mm:ss`: the legacy
    /// `<call_start_time>` of O-008 and O-010 ("Shows the agent start time in call"), which on a
    /// transfer or consult is later than the call's start. Empty when unknown (then
    /// [`start_time`](Self::start_time) is shown).
    pub agent_start_time: String,
    /// The participants.
    pub participants: Vec<Participant>,
    /// The previous dialog id when the call was transferred to this agent.
    pub prev_dialog_id: Option<String>,
    /// Why the call failed (for state `FAILED`).
    pub failure_cause: String,
    /// Finesse call type (`ACD_IN`, `OUT`, `OUTBOUND_PREVIEW`, …).
    pub call_type: String,
}

/// A dialog participant.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Participant {
    /// Extension or number.
    pub media_address: String,
    /// Participant state.
    pub state: String,
    /// `AGENT_DEVICE`, or empty for a network party.
    pub address_type: String,
}

/// The numbered call variables every client sees, in order.
const NUMBERED: [&str; 10] = [
    "callVariable1",
    "callVariable2",
    "callVariable3",
    "callVariable4",
    "callVariable5",
    "callVariable6",
    "callVariable7",
    "callVariable8",
    "callVariable9",
    "callVariable10",
];

impl CallData {
    /// The seed's legacy `<call_start_time>`: the agent's start time in the call, or the call's
    /// start when the agent's is unknown.
    pub fn legacy_start_time(&self) -> &str {
        if self.agent_start_time.is_empty() {
            &self.start_time
        } else {
            &self.agent_start_time
        }
    }

    /// Every call variable an O-028 client sees: `callVariable1` to `callVariable10` always, in
    /// order (empty when Finesse sent none), then every other variable (ECC, BA*) in Finesse's
    /// order.
    pub fn normalized_variables(&self) -> Vec<(&str, &str)> {
        self.variables(true).collect()
    }

    /// The call variables an event shows: `callVariable1` to `callVariable10` always, in order
    /// (the seed's "A total of 10 call variables", empty when Finesse sent none); with
    /// `others`, then every other variable in Finesse's order. Only O-028 and the outbound
    /// preview pass the others ("BA Call variables List (Passed as it is to the GC Client)").
    pub fn variables(&self, others: bool) -> impl Iterator<Item = (&str, &str)> {
        let numbered = NUMBERED.iter().map(|name| {
            let value = self
                .call_variables
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map_or("", |(_, v)| v.as_str());
            (*name, value)
        });
        let others = self
            .call_variables
            .iter()
            .filter(move |(n, _)| others && !NUMBERED.iter().any(|k| k.eq_ignore_ascii_case(n)))
            .map(|(n, v)| (n.as_str(), v.as_str()));
        numbered.chain(others)
    }

    /// Whether the dialog is gone: Finesse `DROPPED`, `DELETED` or `FAILED` (the legacy text
    /// shows these as `DROP`, or `FAILED` with its cause).
    pub fn is_released(&self) -> bool {
        ["DROPPED", "DELETED", "FAILED"]
            .iter()
            .any(|s| self.state.eq_ignore_ascii_case(s))
    }

    /// Whether the dialog failed.
    pub fn is_failed(&self) -> bool {
        self.state.eq_ignore_ascii_case("FAILED")
    }
}

/// Converts a Finesse timestamp (`2025-03-04T09:20:11.402Z`) to the seed's
/// `yyyy-MM-dd HH:mm:ss` (`2025-03-04 09:20:11`), in UTC as Finesse gives it. Anything that is
/// not such a timestamp is returned unchanged, and empty stays empty.
pub fn finesse_time(iso: &str) -> String {
    let iso = iso.trim();
    let bytes = iso.as_bytes();
    let shaped = bytes.len() >= 19
        && bytes[..19].iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T' || *b == b' ',
            13 | 16 => *b == b':',
            _ => b.is_ascii_digit(),
        });
    if shaped {
        // The first 19 bytes are ASCII (checked above), so slicing at 10 and 11 is safe.
        format!("{} {}", &iso[..10], &iso[11..19])
    } else {
        iso.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finesse_times_lose_their_t_millis_and_zone() {
        assert_eq!(
            finesse_time("2025-03-04T09:20:11.402Z"),
            "2025-03-04 09:20:11"
        );
        assert_eq!(finesse_time("2019-09-17 12:46:21"), "2019-09-17 12:46:21");
        assert_eq!(finesse_time(""), "");
        assert_eq!(finesse_time("soon"), "soon");
        assert_eq!(finesse_time("2025-03-04T09:20:1é"), "2025-03-04T09:20:1é");
    }

    #[test]
    fn numbered_variables_come_first_then_the_rest() {
        let call = CallData {
            call_variables: vec![
                ("BACampaign".into(), "Spring".into()),
                ("callVariable2".into(), "two".into()),
            ],
            ..CallData::default()
        };
        let vars = call.normalized_variables();
        assert_eq!(vars.len(), 11);
        assert_eq!(vars[1], ("callVariable2", "two"));
        assert_eq!(vars[0], ("callVariable1", ""));
        assert_eq!(vars[10], ("BACampaign", "Spring"));
    }
}
