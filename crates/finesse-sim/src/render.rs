//! Finesse XML for every object the simulator serves or publishes.
//!
//! Element names, order and nesting follow the real captures in `shared/finesse-captures/`
//! (notifications) and finesse-api.md (REST). The root name is a parameter because casing
//! differs: `<User>` / `<Dialog>` in REST and collections, `<user>` / `<dialog>` as a
//! notification's data. REST dialogs additionally carry `mediaId` and put `callvariables`
//! before `dialedNumber`, as observed.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::cluster::NodeId;
use crate::directory::{ContactRecord, PhoneBookRecord, QueueRecord, ReasonCodeRecord};
use crate::state::World;
use crate::state::model::{AgentState, Dialog, Direction, PState, Reason};
use crate::xml::XmlWriter;

/// Finesse timestamps: ISO-8601 UTC with milliseconds.
pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(format).unwrap_or_default()
}

fn reason_code(w: &mut XmlWriter, name: &str, r: &Reason) {
    w.open(name)
        .leaf("category", r.category)
        .num("code", r.code)
        .leaf("forAll", if r.for_all { "true" } else { "false" })
        .num("id", r.id)
        .leaf("label", &r.label)
        .leaf("systemCode", if r.system { "true" } else { "false" })
        .leaf("uri", &format!("/finesse/api/ReasonCode/{}", r.id))
        .close(name);
}

/// The full User object (REST `User`, notification `user`).
pub(crate) fn user(world: &World, id: &str, root: &str) -> Option<String> {
    let record = world.record(id)?;
    let agent = world.agents.get(id)?;
    let team = world.directory.team(record.team_id);
    let mut w = XmlWriter::new();
    w.open(root)
        .leaf("dialogs", &format!("/finesse/api/User/{id}/Dialogs"))
        .leaf("extension", &agent.extension)
        .leaf("firstName", &record.first_name)
        .leaf("lastName", &record.last_name)
        .leaf("loginId", &record.login_id)
        .leaf("loginName", &record.login_name)
        .leaf("mediaType", "1");
    if let Some(m) = &agent.mobile {
        w.open("mobileAgent")
            .leaf("dialNumber", &m.dial_number)
            .leaf("mode", &m.mode)
            .close("mobileAgent");
    }
    w.leaf("pendingState", agent.pending.map_or("", AgentState::as_str));
    if let Some(r) = &agent.reason {
        reason_code(&mut w, "reasonCode", r);
    }
    w.leaf(
        "reasonCodeId",
        &agent
            .reason
            .as_ref()
            .map_or_else(|| "-1".to_owned(), |r| r.id.to_string()),
    );
    w.open("roles");
    for role in &record.roles {
        w.leaf("role", role);
    }
    w.close("roles");
    w.open("settings")
        .leaf("wrapUpOnIncoming", &record.wrap_up_on_incoming)
        .leaf("wrapUpOnOutgoing", &record.wrap_up_on_outgoing)
        .close("settings");
    w.leaf("state", agent.state.as_str())
        .leaf("stateChangeTime", &agent.state_change_time)
        .num("teamId", record.team_id)
        .leaf("teamName", team.map_or("", |t| t.name.as_str()));
    if record.is_supervisor() {
        w.open("teams");
        for team in record
            .supervised_teams
            .iter()
            .filter_map(|t| world.directory.team(*t))
        {
            w.open("Team")
                .num("id", team.id)
                .leaf("name", &team.name)
                .leaf("uri", &format!("/finesse/api/Team/{}", team.id))
                .close("Team");
        }
        w.close("teams");
    }
    w.leaf("uri", &format!("/finesse/api/User/{id}"))
        .num("wrapUpTimer", record.wrap_up_timer)
        .close(root);
    Some(w.finish())
}

/// The summary user of Team objects and team notifications (finesse-api.md §4.5).
pub(crate) fn team_user(world: &World, id: &str, root: &str) -> Option<String> {
    let record = world.record(id)?;
    let agent = world.agents.get(id)?;
    let mut w = XmlWriter::new();
    w.open(root)
        .leaf("dialogs", &format!("/finesse/api/User/{id}/Dialogs"))
        .leaf("extension", &agent.extension)
        .leaf("firstName", &record.first_name)
        .leaf("lastName", &record.last_name)
        .leaf("loginId", &record.login_id)
        .leaf("pendingState", agent.pending.map_or("", AgentState::as_str));
    if let Some(r) = &agent.reason {
        reason_code(&mut w, "reasonCode", r);
    }
    w.leaf("state", agent.state.as_str())
        .leaf("stateChangeTime", &agent.state_change_time)
        .leaf("uri", &format!("/finesse/api/User/{id}"))
        .close(root);
    Some(w.finish())
}

/// A voice dialog in notification shape (`Dialog` inside collections, `dialog` for a PUT).
pub(crate) fn dialog(world: &World, d: &Dialog, root: &str) -> String {
    dialog_shape(world, d, root, false)
}

/// A voice dialog in REST shape (`mediaId`, callvariables before dialedNumber).
pub(crate) fn rest_dialog(world: &World, d: &Dialog) -> String {
    dialog_shape(world, d, "Dialog", true)
}

fn variables(w: &mut XmlWriter, d: &Dialog) {
    w.open("callvariables");
    for (name, value) in &d.variables {
        w.open("CallVariable")
            .leaf("name", name)
            .leaf("value", value)
            .close("CallVariable");
    }
    w.close("callvariables");
}

fn dialog_shape(world: &World, d: &Dialog, root: &str, rest: bool) -> String {
    let mut w = XmlWriter::new();
    w.open(root)
        .leaf("associatedDialogUri", &d.associated_dialog_uri)
        .leaf("fromAddress", &d.from_address)
        .num("id", d.id)
        .open("mediaProperties")
        .leaf("DNIS", &d.dnis)
        .leaf("callType", &d.call_type);
    if rest {
        variables(&mut w, d);
        w.leaf("dialedNumber", &d.dialed_number)
            .leaf("mediaId", "1");
    } else {
        w.leaf("dialedNumber", &d.dialed_number);
    }
    w.leaf("outboundClassification", &d.outbound_classification);
    if let Some((name, number)) = &d.queue {
        w.leaf("queueName", name).leaf("queueNumber", number);
    }
    if let Some(reason) = &d.wrap_up_reason {
        w.leaf("wrapUpReason", reason);
    }
    if !rest {
        variables(&mut w, d);
    }
    w.close("mediaProperties")
        .leaf("mediaType", "Voice")
        .open("participants");
    for (i, p) in d.participants.iter().enumerate() {
        w.open("Participant").open("actions");
        for action in world.actions(d, i) {
            w.leaf("action", action.as_str());
        }
        w.close("actions")
            .leaf("mediaAddress", &p.address)
            .leaf(
                "mediaAddressType",
                if p.device { "AGENT_DEVICE" } else { "" },
            )
            .leaf("startTime", &p.start_time)
            .leaf("state", p.state.as_str())
            .leaf("stateCause", &p.cause)
            .leaf("stateChangeTime", &p.state_change_time)
            .close("Participant");
    }
    w.close("participants");
    if let Some((time, number)) = &d.callback {
        w.open("scheduledCallbackInfo")
            .leaf("callbackNumber", number)
            .leaf("callbackTime", time)
            .close("scheduledCallbackInfo");
    }
    if !d.secondary_id.is_empty() {
        w.leaf("secondaryId", &d.secondary_id);
    }
    w.leaf("state", d.state.as_str())
        .leaf("toAddress", &d.to_address)
        .leaf("uri", &d.uri())
        .close(root);
    w.finish()
}

/// `GET /finesse/api/User/{id}/Dialogs`: the dialogs the agent sees; `<Dialogs/>` when none.
pub(crate) fn user_dialogs(world: &World, agent: &str) -> String {
    let dialogs: Vec<&Dialog> = world
        .dialogs
        .values()
        .filter(|d| d.seen_by.contains(agent))
        .collect();
    if dialogs.is_empty() {
        return "<Dialogs/>".to_owned();
    }
    let mut w = XmlWriter::new();
    w.open("Dialogs");
    for d in dialogs {
        w.raw(&rest_dialog(world, d));
    }
    w.close("Dialogs");
    w.finish()
}

/// SystemInfo as seen from one node.
pub(crate) fn system_info(world: &World, node: NodeId, root: &str) -> String {
    let view = &world.nodes[node.index()];
    let mut w = XmlWriter::new();
    w.open(root)
        .leaf("currentTimestamp", &timestamp(OffsetDateTime::now_utc()))
        .leaf("deploymentType", world.settings.flavour.deployment_type())
        .leaf(
            "lastCTIHeartbeatStatus",
            if view.in_service {
                "success"
            } else {
                "failure"
            },
        );
    for (name, n) in [
        ("primaryNode", &world.nodes[0]),
        ("secondaryNode", &world.nodes[1]),
    ] {
        if !n.enabled {
            continue;
        }
        w.open(name)
            .leaf("host", &n.host)
            .num("httpsPort", n.rest_port)
            .num("xmppPort", n.xmpp_port)
            .leaf("xmppSecurePort", "")
            .close(name);
    }
    let domain = &world.settings.xmpp_domain;
    w.leaf(
        "status",
        if view.in_service {
            "IN_SERVICE"
        } else {
            "OUT_OF_SERVICE"
        },
    )
    .leaf("statusReason", "")
    .leaf("systemAuthMode", "NON_SSO")
    .leaf("timezoneOffset", "0")
    .leaf("uri", "/finesse/api/SystemInfo")
    .leaf("xmppDomain", domain)
    .leaf("xmppPubSubDomain", &format!("pubsub.{domain}"))
    .close(root);
    w.finish()
}

fn reason_code_record(w: &mut XmlWriter, r: &ReasonCodeRecord) {
    w.open("ReasonCode")
        .leaf("category", &r.category)
        .num("code", r.code)
        .leaf("forAll", if r.for_all { "true" } else { "false" })
        .num("id", r.id)
        .leaf("label", &r.label)
        .leaf("systemCode", if r.system_code { "true" } else { "false" })
        .leaf("uri", &format!("/finesse/api/ReasonCode/{}", r.id))
        .close("ReasonCode");
}

/// One reason code.
pub(crate) fn reason_code_object(r: &ReasonCodeRecord) -> String {
    let mut w = XmlWriter::new();
    reason_code_record(&mut w, r);
    w.finish()
}

/// Reason codes of a category (`ALL` for both); system codes are never listed.
pub(crate) fn reason_codes(world: &World, category: &str) -> String {
    let mut w = XmlWriter::new();
    w.open("ReasonCodes");
    for r in world
        .directory
        .reason_codes
        .iter()
        .filter(|r| !r.system_code && (category == "ALL" || r.category == category))
    {
        reason_code_record(&mut w, r);
    }
    w.close("ReasonCodes");
    w.finish()
}

/// One wrap-up reason, or all of them.
pub(crate) fn wrap_up_reasons(world: &World, only: Option<u32>) -> Option<String> {
    let mut w = XmlWriter::new();
    let mut found = false;
    if only.is_none() {
        w.open("WrapUpReasons");
    }
    for r in world
        .directory
        .wrap_up_reasons
        .iter()
        .filter(|r| only.is_none_or(|id| r.id == id))
    {
        found = true;
        w.open("WrapUpReason")
            .leaf("forAll", if r.for_all { "true" } else { "false" })
            .num("id", r.id)
            .leaf("label", &r.label)
            .leaf("uri", &format!("/finesse/api/WrapUpReason/{}", r.id))
            .close("WrapUpReason");
    }
    if only.is_none() {
        w.close("WrapUpReasons");
        return Some(w.finish());
    }
    found.then(|| w.finish())
}

/// Phone books (without their contacts).
pub(crate) fn phone_books<'a>(books: impl Iterator<Item = &'a PhoneBookRecord>) -> String {
    let mut w = XmlWriter::new();
    w.open("PhoneBooks");
    for b in books {
        w.raw(&phone_book(b));
    }
    w.close("PhoneBooks");
    w.finish()
}

/// One phone book.
pub(crate) fn phone_book(b: &PhoneBookRecord) -> String {
    let mut w = XmlWriter::new();
    w.open("PhoneBook")
        .leaf(
            "contacts",
            &format!("/finesse/api/PhoneBook/{}/Contacts", b.id),
        )
        .num("id", b.id)
        .leaf("name", &b.name)
        .leaf("type", &b.kind)
        .leaf("uri", &format!("/finesse/api/PhoneBook/{}", b.id))
        .close("PhoneBook");
    w.finish()
}

/// One contact of a phone book.
pub(crate) fn contact(book: u32, c: &ContactRecord) -> String {
    let mut w = XmlWriter::new();
    w.open("Contact")
        .leaf("description", &c.description)
        .leaf("firstName", &c.first_name)
        .num("id", c.id)
        .leaf("lastName", &c.last_name)
        .leaf("phoneNumber", &c.phone_number)
        .leaf(
            "uri",
            &format!("/finesse/api/PhoneBook/{book}/Contact/{}", c.id),
        )
        .close("Contact");
    w.finish()
}

/// The contacts of a phone book, optionally a `Range: objects=a-b` slice (1-based).
pub(crate) fn contacts(book: &PhoneBookRecord, range: Option<(usize, usize)>) -> String {
    let mut w = XmlWriter::new();
    w.open("Contacts");
    let (from, to) = range.unwrap_or((1, usize::MAX));
    for c in book
        .contacts
        .iter()
        .skip(from.saturating_sub(1))
        .take(to.saturating_sub(from).saturating_add(1))
    {
        w.raw(&contact(book.id, c));
    }
    w.close("Contacts");
    w.finish()
}

/// A team with its members' summaries.
pub(crate) fn team(world: &World, id: u32) -> Option<String> {
    let team = world.directory.team(id)?;
    let mut w = XmlWriter::new();
    w.open("Team")
        .num("id", team.id)
        .leaf("name", &team.name)
        .leaf("uri", &format!("/finesse/api/Team/{id}"))
        .open("users");
    for member in world.directory.team_members(id) {
        if let Some(xml) = team_user(world, &member.login_id, "User") {
            w.raw(&xml);
        }
    }
    w.close("users").close("Team");
    Some(w.finish())
}

/// A queue with statistics computed from the states of the agents skilled in it.
pub(crate) fn queue(world: &World, q: &QueueRecord) -> String {
    let mut counts = [0u32; 9];
    let mut members = 0;
    for record in world.directory.queue_members(q.id) {
        let Some(agent) = world.agents.get(&record.login_id) else {
            continue;
        };
        members += 1;
        let slot = match agent.state {
            AgentState::Logout => continue,
            AgentState::Ready => 0,
            AgentState::NotReady => 1,
            AgentState::Reserved
            | AgentState::ReservedOutbound
            | AgentState::ReservedOutboundPreview => 2,
            AgentState::Talking | AgentState::Hold => match talking_direction(world, &agent.id) {
                Direction::Incoming => 3,
                Direction::Outgoing => 4,
                Direction::Internal => 5,
            },
            AgentState::Work => 6,
            AgentState::WorkReady => 7,
        };
        counts[slot] += 1;
        counts[8] += 1;
    }
    let stat = |v: u32| {
        if members == 0 {
            "-1".to_owned()
        } else {
            v.to_string()
        }
    };
    let mut w = XmlWriter::new();
    w.open("Queue")
        .num("id", q.id)
        .leaf("name", &q.name)
        .open("statistics")
        .leaf("agentsBusyOther", &stat(counts[2]))
        .leaf("agentsLoggedOn", &stat(counts[8]))
        .leaf("agentsNotReady", &stat(counts[1]))
        .leaf("agentsReady", &stat(counts[0]))
        .leaf("agentsTalkingInbound", &stat(counts[3]))
        .leaf("agentsTalkingInternal", &stat(counts[5]))
        .leaf("agentsTalkingOutbound", &stat(counts[4]))
        .leaf("agentsWrapUpNotReady", &stat(counts[6]))
        .leaf("agentsWrapUpReady", &stat(counts[7]))
        .leaf("callsInQueue", &stat(q.calls_in_queue))
        .leaf(
            "startTimeOfLongestCallInQueue",
            &q.start_time_of_longest_call_in_queue,
        )
        .close("statistics")
        .leaf("uri", &format!("/finesse/api/Queue/{}", q.id))
        .close("Queue");
    w.finish()
}

fn talking_direction(world: &World, agent: &str) -> Direction {
    world
        .dialogs
        .values()
        .find(|d| {
            d.agent_index(agent)
                .is_some_and(|i| matches!(d.participants[i].state, PState::Active | PState::Held))
        })
        .map_or(Direction::Internal, |d| d.direction)
}
