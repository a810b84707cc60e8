//! Turning what Finesse reports into the events clients see.

use gc_protocol::event::{
    AgentSummary, Contact as ContactOut, Phonebook, QueueStats, ReasonCategory as Category, Team,
    TeamMember,
};
use gc_protocol::{AgentId, CallData, Event, Participant, event::finesse_time};

use super::Engine;
use crate::finesse::{
    Contact, Dialog, PhoneBook, Queue, ReasonCodeInfo, Team as FinesseTeam, TeamUser, User,
    WrapUpReason,
};

/// O-001 from a User.
pub(super) fn state(agent: &AgentId, user: &User) -> Event {
    Event::State {
        agent: agent.clone(),
        state: user.state.clone(),
        reason_code: user.reason_code_id.clone(),
        pending_state: user.pending_state.clone(),
        state_change_time: finesse_time(&user.state_change_time),
        full_name: user.full_name(),
    }
}

/// O-011, and O-012 / O-013 for supervisors.
pub(super) fn agent_info(agent: &AgentId, user: &User) -> Vec<Event> {
    let team = user.team.as_ref().map_or_else(Team::default, |t| Team {
        id: t.id.clone(),
        name: t.name.clone(),
    });
    let teams: Vec<Team> = user
        .teams
        .iter()
        .map(|t| Team {
            id: t.id.clone(),
            name: t.name.clone(),
        })
        .collect();
    let mut events = vec![Event::AgentInfo {
        agent: agent.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        supervisor: user.supervisor,
        wrap_up_mode: user.wrap_up_on_incoming.clone(),
        team,
        teams: teams.clone(),
    }];
    if user.supervisor {
        events.push(Event::TeamInfoIds {
            agent: agent.clone(),
            team_ids: teams.iter().map(|t| t.id.clone()).collect(),
            full_name: user.full_name(),
        });
        events.push(Event::TeamInfoNames {
            agent: agent.clone(),
            team_names: teams.iter().map(|t| t.name.clone()).collect(),
            full_name: user.full_name(),
        });
    }
    events
}

/// A dialog as call data, with the state and failure cause the client is shown.
pub(super) fn call_data(dialog: &Dialog, state: String, failure_cause: String) -> CallData {
    CallData {
        dialog_id: dialog.id.clone(),
        state,
        from_address: dialog.from_address.clone(),
        to_address: dialog.to_address.clone(),
        ani: dialog.from_address.clone(),
        call_variables: dialog.call_variables.clone(),
        start_time: finesse_time(dialog.start_time()),
        // The agent's own leg: set by the caller, who knows the agent's extension.
        agent_start_time: String::new(),
        participants: dialog
            .participants
            .iter()
            .map(|p| Participant {
                media_address: p.media_address.clone(),
                state: p.state.clone(),
                address_type: p.media_address_type.clone(),
            })
            .collect(),
        prev_dialog_id: dialog.prev_dialog_id().map(str::to_owned),
        failure_cause: if failure_cause.is_empty() {
            "FAILED".into()
        } else {
            failure_cause
        },
        call_type: dialog.call_type.clone(),
    }
}

fn member(user: &TeamUser) -> TeamMember {
    TeamMember {
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        extension: user.extension.clone(),
        login_id: user.login_id.clone(),
        state: user.state.clone(),
        pending_state: user.pending_state.clone(),
        media_type: user.media_type.clone(),
        state_change_time: finesse_time(&user.state_change_time),
        reason_code: user.reason_code_id.clone(),
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
pub(super) fn team_member_changed(agent: &AgentId, team_id: &str, user: &TeamUser) -> Event {
    Event::TeamMemberStateChanged {
        agent: agent.clone(),
        team_id: team_id.to_owned(),
        member: member(user),
    }
}

/// O-021 answering getteamuserstate (the member's User read by the supervisor).
pub(super) fn team_member_from_user(agent: &AgentId, user: &User) -> Event {
    let team_user = TeamUser {
        login_id: user.login_id.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        extension: user.extension.clone(),
        state: user.state.clone(),
        pending_state: user.pending_state.clone(),
        reason_code_id: user.reason_code_id.clone(),
        state_change_time: user.state_change_time.clone(),
        media_type: user.media_type.clone(),
    };
    let team_id = user.team.as_ref().map(|t| t.id.clone()).unwrap_or_default();
    team_member_changed(agent, &team_id, &team_user)
}

/// O-019.
pub(super) fn queue_list(agent: &AgentId, queues: &[Queue]) -> Event {
    Event::QueueList {
        agent: agent.clone(),
        queues: queues
            .iter()
            .map(|q| QueueStats {
                name: q.name.clone(),
                agents_not_ready: q.agents_not_ready.clone(),
                agents_ready: q.agents_ready.clone(),
                agents_talking_inbound: q.agents_talking_inbound.clone(),
                agents_talking_internal: q.agents_talking_internal.clone(),
                agents_talking_outbound: q.agents_talking_outbound.clone(),
                agents_wrap_up_not_ready: q.agents_wrap_up_not_ready.clone(),
                agents_wrap_up_ready: q.agents_wrap_up_ready.clone(),
                calls_in_queue: q.calls_in_queue.clone(),
                start_time_of_longest_call_in_queue: finesse_time(
                    &q.start_time_of_longest_call_in_queue,
                ),
            })
            .collect(),
    }
}

/// O-29 / O-30.
pub(super) fn phonebooks(agent: &AgentId, books: &[PhoneBook], team_only: bool) -> Event {
    let books: Vec<Phonebook> = books
        .iter()
        .filter(|b| !team_only || b.kind.eq_ignore_ascii_case("TEAM"))
        .map(|b| Phonebook {
            name: b.name.clone(),
            kind: b.kind.clone(),
            id: b.id.clone(),
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
                description: c.description.clone(),
                first_name: c.first_name.clone(),
                last_name: c.last_name.clone(),
                phone_number: c.phone_number.clone(),
                id: c.id.clone(),
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
                .map(|c| (c.id.clone(), c.label.clone()))
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
                .map(|r| (r.id.clone(), r.label.clone()))
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
                first_name: u.first_name.clone(),
                last_name: u.last_name.clone(),
                extension: u.extension.clone(),
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
