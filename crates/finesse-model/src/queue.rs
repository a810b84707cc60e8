//! Queues with statistics (finesse-api.md §4.6).

use gc_protocol::ObjectId;

use crate::xml::{Element, ParseError};
use crate::{expect_root, opt_id};

/// Live queue statistics. Finesse sends `-1` (or empty) for queues no user is assigned to;
/// both become `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueStatistics {
    /// Calls waiting.
    pub calls_in_queue: Option<i64>,
    /// Start time of the longest waiting call (ISO-8601, as sent).
    pub start_time_of_longest_call_in_queue: Option<String>,
    /// Agents READY.
    pub agents_ready: Option<i64>,
    /// Agents NOT_READY.
    pub agents_not_ready: Option<i64>,
    /// Agents busy with other work.
    pub agents_busy_other: Option<i64>,
    /// Agents logged on.
    pub agents_logged_on: Option<i64>,
    /// Agents talking inbound.
    pub agents_talking_inbound: Option<i64>,
    /// Agents talking outbound.
    pub agents_talking_outbound: Option<i64>,
    /// Agents talking internal.
    pub agents_talking_internal: Option<i64>,
    /// Agents in wrap-up, then NOT_READY.
    pub agents_wrap_up_not_ready: Option<i64>,
    /// Agents in wrap-up, then READY.
    pub agents_wrap_up_ready: Option<i64>,
}

/// A queue (skill group / CSQ).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queue {
    /// Queue id (from `id`, else the last segment of `uri`).
    pub id: Option<ObjectId>,
    /// `/finesse/api/Queue/{id}`.
    pub uri: Option<String>,
    /// Queue name.
    pub name: Option<String>,
    /// Statistics, when present.
    pub statistics: Option<QueueStatistics>,
}

fn stat(e: &Element<'_>, name: &str) -> Option<i64> {
    e.number_of::<i64>(name).filter(|v| *v >= 0)
}

impl Queue {
    /// Parses a `Queue`/`queue` element.
    pub fn from_element(e: &Element<'_>) -> Result<Self, ParseError> {
        expect_root(e, "Queue", "Queue")?;
        let statistics = e.child("statistics").map(|s| QueueStatistics {
            calls_in_queue: stat(s, "callsInQueue"),
            start_time_of_longest_call_in_queue: s.text_of("startTimeOfLongestCallInQueue"),
            agents_ready: stat(s, "agentsReady"),
            agents_not_ready: stat(s, "agentsNotReady"),
            agents_busy_other: stat(s, "agentsBusyOther"),
            agents_logged_on: stat(s, "agentsLoggedOn"),
            agents_talking_inbound: stat(s, "agentsTalkingInbound"),
            agents_talking_outbound: stat(s, "agentsTalkingOutbound"),
            agents_talking_internal: stat(s, "agentsTalkingInternal"),
            agents_wrap_up_not_ready: stat(s, "agentsWrapUpNotReady"),
            agents_wrap_up_ready: stat(s, "agentsWrapUpReady"),
        });
        Ok(Self {
            id: opt_id(e, "id", ObjectId::parse),
            uri: e.text_of("uri"),
            name: e.text_of("name"),
            statistics,
        })
    }

    /// Parses a REST body whose root is `Queue`.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Self::from_element(&Element::parse(body)?)
    }

    /// Parses a `Queues` collection body.
    pub fn parse_list(body: &[u8]) -> Result<Vec<Self>, ParseError> {
        let e = Element::parse(body)?;
        expect_root(&e, "Queues", "Queues")?;
        e.children_named("Queue").map(Self::from_element).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_with_statistics_parse_and_minus_one_means_none() {
        let list = Queue::parse_list(
            br"<Queues><Queue><uri>/finesse/api/Queue/5031</uri><name>Billing_SG</name>
            <statistics><callsInQueue>3</callsInQueue>
            <startTimeOfLongestCallInQueue>2025-03-04T09:14:00.000Z</startTimeOfLongestCallInQueue>
            <agentsReady>2</agentsReady><agentsNotReady>1</agentsNotReady>
            <agentsBusyOther>0</agentsBusyOther><agentsLoggedOn>4</agentsLoggedOn>
            <agentsTalkingInbound>1</agentsTalkingInbound><agentsTalkingOutbound>0</agentsTalkingOutbound>
            <agentsTalkingInternal>0</agentsTalkingInternal><agentsWrapUpNotReady>0</agentsWrapUpNotReady>
            <agentsWrapUpReady>0</agentsWrapUpReady></statistics></Queue>
            <Queue><uri>/finesse/api/Queue/9</uri><name>Idle</name><statistics>
            <callsInQueue>-1</callsInQueue><startTimeOfLongestCallInQueue></startTimeOfLongestCallInQueue>
            <agentsReady>-1</agentsReady></statistics></Queue></Queues>",
        )
        .unwrap();
        let s = list[0].statistics.as_ref().unwrap();
        assert_eq!(list[0].id, ObjectId::parse("5031").ok());
        assert_eq!(
            (s.calls_in_queue, s.agents_ready, s.agents_logged_on),
            (Some(3), Some(2), Some(4))
        );
        let idle = list[1].statistics.as_ref().unwrap();
        assert_eq!((idle.calls_in_queue, idle.agents_ready), (None, None));
        assert_eq!(idle.start_time_of_longest_call_in_queue, None);
    }
}
