//! Turning what Finesse reports into the events clients see.

use gc_protocol::event::{
    AgentSummary, Contact as ContactOut, Phonebook, QueueStats, ReasonCategory as Category, Team,
    TeamMember,
};
use gc_protocol::{AgentId, CallData, Event, Participant, event::finesse_time};

use super::Engine;
use crate::finesse::{
    Contact, Dialog, PhoneBook, PhoneBookType, Queue, ReasonCodeInfo, Team as FinesseTeam, User,
    UserState, WrapUpReason, full_name,
};

/// An optional Finesse text as the client sees it (absent: empty).
fn text(value: Option<&String>) -> String {
    value.cloned().unwrap_or_default()
}

/// An optional id or value as the client sees it (absent: empty).
fn shown<T: std::fmt::Display>(value: Option<&T>) -> String {
    value.map(ToString::to_string).unwrap_or_default()
}

/// O-001 from a User.
pub(super) fn state(agent: &AgentId, user: &User) -> Event {
    Event::State {
        agent: agent.clone(),
        state: shown(user.state.as_ref()),
        reason_code: shown(user.reason_code_id.as_ref()),
        pending_state: shown(user.pending_state.as_ref()),
        state_change_time: finesse_time(user.state_change_time.as_deref().unwrap_or_default()),
        full_name: full_name(user),
    }
}

/// O-001 saying the agent is logged out (no reason, nothing pending), with what is known of
/// it: a force_logout of an agent with nothing to log out, the old destination of an agent
/// that moved.
pub(super) fn logged_out(agent: &AgentId, user: Option<&User>) -> Event {
    Event::State {
        agent: agent.clone(),
        state: UserState::Logout.as_str().to_owned(),
        reason_code: String::new(),
        pending_state: String::new(),
        state_change_time: finesse_time(
            user.and_then(|u| u.state_change_time.as_deref())
                .unwrap_or_default(),
        ),
        full_name: user.map(full_name).unwrap_or_default(),
    }
}

/// O-011, and O-012 / O-013 for supervisors.
pub(super) fn agent_info(agent: &AgentId, user: &User) -> Vec<Event> {
    let team = user.team_id.as_ref().map_or_else(Team::default, |id| Team {
        id: id.to_string(),
        name: text(user.team_name.as_ref()),
    });
    let teams: Vec<Team> = user
        .teams
        .iter()
        .map(|t| Team {
            id: shown(t.id.as_ref()),
            name: text(t.name.as_ref()),
        })
        .collect();
    let supervisor = user.is_supervisor();
    let mut events = vec![Event::AgentInfo {
        agent: agent.clone(),
        first_name: text(user.first_name.as_ref()),
        last_name: text(user.last_name.as_ref()),
        supervisor,
        wrap_up_mode: shown(user.wrap_up_on_incoming.as_ref()),
        team,
        teams: teams.clone(),
    }];
    if supervisor {
        events.push(Event::TeamInfoIds {
            agent: agent.clone(),
            team_ids: teams.iter().map(|t| t.id.clone()).collect(),
            full_name: full_name(user),
        });
        events.push(Event::TeamInfoNames {
            agent: agent.clone(),
            team_names: teams.iter().map(|t| t.name.clone()).collect(),
            full_name: full_name(user),
        });
    }
    events
}

/// A dialog as call data, with the state and failure cause the client is shown.
pub(super) fn call_data(dialog: &Dialog, state: String, failure_cause: String) -> CallData {
    let from = text(dialog.from_address.as_ref());
    CallData {
        dialog_id: dialog.id.to_string(),
        state,
        from_address: from.clone(),
        to_address: text(dialog.to_address.as_ref()),
        ani: from,
        call_variables: dialog
            .media_properties
            .call_variables
            .iter()
            .map(|v| (v.name.clone(), v.value.clone()))
            .collect(),
        start_time: finesse_time(crate::finesse::start_time(dialog)),
        // The agent's own leg: set by the caller, who knows the agent's extension.
        agent_start_time: String::new(),
        participants: dialog
            .participants
            .iter()
            .map(|p| Participant {
                media_address: text(p.media_address.as_ref()),
                state: shown(p.state.as_ref()),
                address_type: text(p.media_address_type.as_ref()),
            })
            .collect(),
        prev_dialog_id: crate::finesse::prev_dialog_id(dialog).map(ToString::to_string),
        failure_cause: if failure_cause.is_empty() {
            crate::finesse::ParticipantState::Failed.as_str().to_owned()
        } else {
            failure_cause
        },
        call_type: shown(dialog.media_properties.call_type.as_ref()),
    }
}

fn member(user: &User) -> TeamMember {
    TeamMember {
        first_name: text(user.first_name.as_ref()),
        last_name: text(user.last_name.as_ref()),
        extension: text(user.extension.as_ref()),
        login_id: user.login_id.to_string(),
        state: shown(user.state.as_ref()),
        pending_state: shown(user.pending_state.as_ref()),
        media_type: text(user.media_type.as_ref()),
        state_change_time: finesse_time(user.state_change_time.as_deref().unwrap_or_default()),
        reason_code: shown(user.reason_code_id.as_ref()),
    }
}

/// O-020 (JSON: the seed's Agents list).
pub(super) fn team_users(agent: &AgentId, team: &FinesseTeam) -> Event {
    Event::TeamUsersList {
        agent: agent.clone(),
        users: team.users.iter().map(member).collect(),
    }
}

/// O-021 for a team notification.
pub(super) fn team_member_changed(agent: &AgentId, team_id: &str, user: &User) -> Event {
    Event::TeamMemberStateChanged {
        agent: agent.clone(),
        team_id: team_id.to_owned(),
        member: member(user),
    }
}

/// O-021 answering getteamuserstate (the member's User read by the supervisor).
pub(super) fn team_member_from_user(agent: &AgentId, user: &User) -> Event {
    team_member_changed(agent, &shown(user.team_id.as_ref()), user)
}

/// O-019.
pub(super) fn queue_list(agent: &AgentId, queues: &[Queue]) -> Event {
    let stat = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    Event::QueueList {
        agent: agent.clone(),
        queues: queues
            .iter()
            .map(|q| {
                let s = q.statistics.clone().unwrap_or_default();
                QueueStats {
                    name: text(q.name.as_ref()),
                    agents_not_ready: stat(s.agents_not_ready),
                    agents_ready: stat(s.agents_ready),
                    agents_talking_inbound: stat(s.agents_talking_inbound),
                    agents_talking_internal: stat(s.agents_talking_internal),
                    agents_talking_outbound: stat(s.agents_talking_outbound),
                    agents_wrap_up_not_ready: stat(s.agents_wrap_up_not_ready),
                    agents_wrap_up_ready: stat(s.agents_wrap_up_ready),
                    calls_in_queue: stat(s.calls_in_queue),
                    start_time_of_longest_call_in_queue: finesse_time(
                        s.start_time_of_longest_call_in_queue
                            .as_deref()
                            .unwrap_or_default(),
                    ),
                }
            })
            .collect(),
    }
}

/// O-29 / O-30.
pub(super) fn phonebooks(agent: &AgentId, books: &[PhoneBook], team_only: bool) -> Event {
    let books: Vec<Phonebook> = books
        .iter()
        .filter(|b| !team_only || b.kind == Some(PhoneBookType::Team))
        .map(|b| Phonebook {
            name: text(b.name.as_ref()),
            kind: shown(b.kind.as_ref()),
            id: shown(b.id.as_ref()),
        })
        .collect();
    if team_only {
        Event::TeamPhonebooks {
            agent: agent.clone(),
            books,
        }
    } else {
        Event::Phonebooks {
            agent: agent.clone(),
            books,
        }
    }
}

/// O-31.
pub(super) fn contacts(agent: &AgentId, book: &str, contacts: &[Contact]) -> Event {
    Event::PhonebookContacts {
        agent: agent.clone(),
        phonebook_id: book.to_owned(),
        contacts: contacts
            .iter()
            .map(|c| ContactOut {
                description: text(c.description.as_ref()),
                first_name: text(c.first_name.as_ref()),
                last_name: text(c.last_name.as_ref()),
                phone_number: text(c.phone_number.as_ref()),
                id: shown(c.id.as_ref()),
            })
            .collect(),
    }
}

impl Engine {
    /// O-016 for not-ready or logout reason codes: the Finesse id (what `reasonCodeId` and the
    /// State event carry) with its label.
    pub(super) fn reason_codes_event(
        &self,
        agent: &AgentId,
        category: Category,
        codes: &[ReasonCodeInfo],
    ) -> Event {
        Event::ReasonCodes {
            agent: agent.clone(),
            category,
            codes: codes
                .iter()
                .map(|c| (shown(c.id.as_ref()), text(c.label.as_ref())))
                .collect(),
            full_name: self.full_name(agent),
        }
    }

    /// O-016 for wrap-up reasons.
    pub(super) fn wrap_up_event(&self, agent: &AgentId, reasons: &[WrapUpReason]) -> Event {
        Event::ReasonCodes {
            agent: agent.clone(),
            category: Category::WrapUp,
            codes: reasons
                .iter()
                .map(|r| (shown(r.id.as_ref()), text(r.label.as_ref())))
                .collect(),
            full_name: self.full_name(agent),
        }
    }

    /// getallagents: the agents logged in through this connector.
    pub(super) fn all_agents(&self, agent: &AgentId) -> Event {
        let users = self
            .agents
            .values()
            .filter(|a| a.is_logged_in())
            .filter_map(|a| a.user.as_ref())
            .map(|u| AgentSummary {
                first_name: text(u.first_name.as_ref()),
                last_name: text(u.last_name.as_ref()),
                extension: text(u.extension.as_ref()),
            })
            .collect();
        Event::Agents {
            agent: agent.clone(),
            users,
        }
    }

    fn full_name(&self, agent: &AgentId) -> String {
        self.agents
            .get(agent)
            .map(super::agent::Agent::full_name)
            .unwrap_or_default()
    }
}
