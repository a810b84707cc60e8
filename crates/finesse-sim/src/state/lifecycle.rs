//! What happens around every call-control step: publishing dialogs to the agents that see them,
//! deriving each agent's state from their calls, wrap-up, and the timers (wrap-up end, XMPP
//! grace period).
//!
//! The rule that keeps this simple: call-control code only edits participants, then calls
//! [`World::sync`]. `sync` sends POST to agents who newly see a dialog, PUT to those who keep
//! seeing it and DELETE to those who no longer do, then re-derives the state of every agent
//! involved.

use std::collections::BTreeSet;

use super::model::{AgentState, DialogKind, DialogState, Direction, PState, Reason};
use super::{Effect, Now, Out, Timer, Update, World};
use crate::config::secs;
use crate::render;

impl World {
    /// Publishes a dialog's change and re-derives the state of every agent on it.
    pub(crate) fn sync(&mut self, dialog_id: u64, request_id: &str, now: &Now, out: &mut Out) {
        let Some(dialog) = self.dialogs.get(&dialog_id) else {
            return;
        };
        let viewers = dialog.viewers();
        let seen = dialog.seen_by.clone();
        let mut touched: BTreeSet<String> = viewers.union(&seen).cloned().collect();
        let collection = render::dialog(self, dialog, "Dialog");
        let single = render::dialog(self, dialog, "dialog");
        let wrapped = format!("<dialogs>{collection}</dialogs>");
        for agent in &touched {
            let node = format!("/finesse/api/User/{agent}/Dialogs");
            let update = match (seen.contains(agent), viewers.contains(agent)) {
                (false, true) => Update {
                    data: wrapped.clone(),
                    event: "POST",
                    request_id: request_id.to_owned(),
                    source: node.clone(),
                },
                (true, true) => Update {
                    data: single.clone(),
                    event: "PUT",
                    request_id: request_id.to_owned(),
                    source: format!("/finesse/api/Dialog/{dialog_id}"),
                },
                (true, false) => Update {
                    data: wrapped.clone(),
                    event: "DELETE",
                    request_id: request_id.to_owned(),
                    source: node.clone(),
                },
                (false, false) => continue,
            };
            out.publish(node, update);
        }
        if let Some(dialog) = self.dialogs.get_mut(&dialog_id) {
            dialog.seen_by.clone_from(&viewers);
            if viewers.is_empty() {
                self.dialogs.remove(&dialog_id);
                touched.extend(self.end_monitors_of(dialog_id, request_id, now, out));
            }
        }
        for agent in touched {
            self.refresh_agent(&agent, request_id, now, out);
        }
    }

    /// Ends the silent-monitor sessions on a dialog that is gone; returns the supervisors.
    fn end_monitors_of(
        &mut self,
        monitored: u64,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) -> Vec<String> {
        let monitors: Vec<u64> = self
            .dialogs
            .values()
            .filter(
                |d| matches!(&d.kind, DialogKind::Monitor { monitored: m, .. } if *m == monitored),
            )
            .map(|d| d.id)
            .collect();
        let mut supervisors = Vec::new();
        for id in monitors {
            if let Some(d) = self.dialogs.get_mut(&id) {
                for p in &mut d.participants {
                    p.state = PState::Dropped;
                    p.state_change_time.clone_from(&now.wall);
                }
                d.state = DialogState::Dropped;
                supervisors.extend(d.seen_by.iter().cloned());
            }
            self.sync(id, request_id, now, out);
        }
        supervisors
    }

    /// Ends monitor sessions whose monitored agent left that dialog (drop, transfer).
    pub(crate) fn end_monitors_without_agent(
        &mut self,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let stale: Vec<u64> = self
            .dialogs
            .values()
            .filter_map(|d| match &d.kind {
                DialogKind::Monitor { monitored, .. } => {
                    let target = d.to_address.as_str();
                    let alive = self
                        .dialogs
                        .get(monitored)
                        .is_some_and(|m| m.address_index(target).is_some());
                    (!alive).then_some(d.id)
                }
                _ => None,
            })
            .collect();
        for id in stale {
            if let Some(d) = self.dialogs.get_mut(&id) {
                for p in &mut d.participants {
                    p.state = PState::Dropped;
                    p.state_change_time.clone_from(&now.wall);
                }
                d.state = DialogState::Dropped;
            }
            self.sync(id, request_id, now, out);
        }
    }

    /// Re-derives an agent's state from the dialogs they see.
    pub(crate) fn refresh_agent(
        &mut self,
        agent: &str,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let Some(current) = self.agents.get(agent).map(|a| a.state) else {
            return;
        };
        if current == AgentState::Logout {
            return;
        }
        let mut states = Vec::new();
        let mut wrap_up = false;
        for d in self.dialogs.values() {
            let Some(i) = d.agent_index(agent) else {
                continue;
            };
            let p = &d.participants[i];
            if p.state == PState::WrapUp {
                wrap_up = true;
                continue;
            }
            if !p.state.is_live() {
                continue;
            }
            if let DialogKind::Monitor { .. } = d.kind
                && !self.ucce()
            {
                continue;
            }
            states.push((p.state, d.kind.clone()));
        }
        if !states.is_empty() {
            let base = self.agents.get(agent).and_then(|a| a.call_base);
            let base = base.unwrap_or(match current {
                AgentState::Ready
                | AgentState::WorkReady
                | AgentState::Reserved
                | AgentState::ReservedOutbound
                | AgentState::ReservedOutboundPreview => AgentState::Ready,
                _ => AgentState::NotReady,
            });
            if let Some(a) = self.agents.get_mut(agent) {
                a.call_base = Some(base);
            }
            let derived = self.derive_call_state(&states, base, current);
            if derived != current {
                let reason = self.agents.get(agent).and_then(|a| a.reason.clone());
                self.set_state(agent, derived, reason, request_id, now, out);
            }
            return;
        }
        if wrap_up {
            if !current.is_wrap_up() {
                self.enter_wrap_up(agent, request_id, now, out);
            }
            return;
        }
        if current.is_in_call() {
            let (target, reason) = self.after_call_target(agent);
            self.finish_call(agent, target, reason, request_id, now, out);
        }
    }

    fn derive_call_state(
        &self,
        states: &[(PState, DialogKind)],
        base: AgentState,
        current: AgentState,
    ) -> AgentState {
        let connected = states.iter().any(|(s, _)| {
            matches!(
                s,
                PState::Active | PState::Initiating | PState::Initiated | PState::Accepted
            )
        });
        if connected {
            return AgentState::Talking;
        }
        if states.iter().any(|(s, _)| *s == PState::Held) {
            return if self.ucce() {
                AgentState::Hold
            } else {
                AgentState::Talking
            };
        }
        for (_, kind) in states {
            match kind {
                DialogKind::Preview => return AgentState::ReservedOutboundPreview,
                DialogKind::Call {
                    reservation: Some(s),
                    ..
                } => return *s,
                DialogKind::Call { routed: true, .. } => return AgentState::Reserved,
                _ => {}
            }
        }
        if base == AgentState::Ready {
            AgentState::Reserved
        } else if current.is_in_call() {
            AgentState::NotReady
        } else {
            current
        }
    }

    /// Where the agent goes when their calls are over: the pending state, else the state they
    /// had before the call.
    fn after_call_target(&mut self, agent: &str) -> (AgentState, Option<Reason>) {
        let Some(a) = self.agents.get_mut(agent) else {
            return (AgentState::NotReady, None);
        };
        a.pending_set_in_call = false;
        let base = a.call_base.take().unwrap_or(AgentState::NotReady);
        match a.pending.take() {
            Some(state) => (state, a.pending_reason.take()),
            None if base == AgentState::Ready => (AgentState::Ready, None),
            None => (AgentState::NotReady, a.reason.clone()),
        }
    }

    fn finish_call(
        &mut self,
        agent: &str,
        target: AgentState,
        reason: Option<Reason>,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let target = match target {
            AgentState::Work | AgentState::WorkReady => AgentState::NotReady,
            other => other,
        };
        let reason = if target == AgentState::Ready {
            None
        } else {
            reason
        };
        self.set_state(agent, target, reason, request_id, now, out);
    }

    fn enter_wrap_up(&mut self, agent: &str, request_id: &str, now: &Now, out: &mut Out) {
        let (target, reason) = self.after_call_target(agent);
        let (state, target) = match target {
            AgentState::Ready | AgentState::WorkReady if self.ucce() => {
                (AgentState::WorkReady, AgentState::Ready)
            }
            AgentState::Ready | AgentState::WorkReady => (AgentState::Work, AgentState::Ready),
            AgentState::Logout => (AgentState::Work, AgentState::Logout),
            _ => (AgentState::Work, AgentState::NotReady),
        };
        let timer = self.settings.wrap_up_override.unwrap_or_else(|| {
            secs(f64::from(
                self.record(agent).map_or(60, |r| r.wrap_up_timer),
            ))
        });
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        a.wrap_gen += 1;
        let generation = a.wrap_gen;
        let keep_reason = if target == AgentState::Ready {
            None
        } else {
            reason
        };
        a.wrap_target = Some((target, keep_reason));
        let current_reason = a.reason.clone();
        self.set_state(agent, state, current_reason, request_id, now, out);
        out.effects.push(Effect::Arm {
            after: timer,
            timer: Timer::WrapUp {
                agent: agent.to_owned(),
                generation,
            },
        });
    }

    /// Ends wrap-up: the WRAP_UP legs are deleted, then the agent moves to `target`.
    pub(crate) fn end_wrap_up(
        &mut self,
        agent: &str,
        target: AgentState,
        reason: Option<Reason>,
        request_id: &str,
        now: &Now,
        out: &mut Out,
    ) {
        let ids: Vec<u64> = self
            .dialogs
            .values()
            .filter(|d| {
                d.agent_index(agent)
                    .is_some_and(|i| d.participants[i].state == PState::WrapUp)
            })
            .map(|d| d.id)
            .collect();
        if let Some(a) = self.agents.get_mut(agent) {
            a.wrap_gen += 1;
            a.wrap_target = None;
            // The state change below is the outcome; keep the derived refresh from moving the
            // agent before it.
            a.state = target;
        }
        for id in ids {
            if let Some(d) = self.dialogs.get_mut(&id)
                && let Some(i) = d.agent_index(agent)
            {
                d.participants[i].state = PState::Dropped;
                d.participants[i].state_change_time.clone_from(&now.wall);
            }
            self.sync(id, request_id, now, out);
        }
        self.set_state(agent, target, reason, request_id, now, out);
    }

    /// Takes an agent's leg out of a call: into WRAP_UP when wrap-up applies, else DROPPED.
    pub(crate) fn leave_call(&mut self, dialog_id: u64, index: usize, cause: &str, now: &Now) {
        let wrap = self.wrap_up_applies(dialog_id, index);
        let Some(d) = self.dialogs.get_mut(&dialog_id) else {
            return;
        };
        let Some(p) = d.participants.get_mut(index) else {
            return;
        };
        p.state = if wrap {
            PState::WrapUp
        } else {
            PState::Dropped
        };
        cause.clone_into(&mut p.cause);
        p.state_change_time.clone_from(&now.wall);
    }

    fn wrap_up_applies(&self, dialog_id: u64, index: usize) -> bool {
        let Some(d) = self.dialogs.get(&dialog_id) else {
            return false;
        };
        let Some(p) = d.participants.get(index) else {
            return false;
        };
        let (Some(agent), true) = (p.agent.as_deref(), p.connected) else {
            return false;
        };
        if !matches!(d.kind, DialogKind::Call { .. }) {
            return false;
        }
        let Some(record) = self.record(agent) else {
            return false;
        };
        let setting = match d.direction {
            Direction::Incoming => &record.wrap_up_on_incoming,
            Direction::Outgoing => &record.wrap_up_on_outgoing,
            Direction::Internal => return false,
        };
        let chosen = self
            .agents
            .get(agent)
            .is_some_and(|a| matches!(a.pending, Some(AgentState::Work | AgentState::WorkReady)));
        setting.starts_with("REQUIRED") || (setting == "OPTIONAL" && chosen)
    }

    /// Ends the call for everyone once at most one party is left in it. Agents never stay
    /// alone in a call; an external party stays (at the route point) if nobody ever talked.
    pub(crate) fn settle(&mut self, dialog_id: u64, now: &Now) {
        let Some(d) = self.dialogs.get(&dialog_id) else {
            return;
        };
        if d.live_count() > 1 {
            return;
        }
        let ever_connected = d.participants.iter().any(|p| p.connected);
        let leaving: Vec<usize> = d
            .participants
            .iter()
            .enumerate()
            .filter(|(_, p)| p.state.is_live() && (p.agent.is_some() || ever_connected))
            .map(|(i, _)| i)
            .collect();
        for i in leaving {
            self.leave_call(dialog_id, i, "", now);
        }
        if let Some(d) = self.dialogs.get_mut(&dialog_id)
            && d.live_count() == 0
            && ever_connected
        {
            d.state = DialogState::Dropped;
        }
    }

    // === timers and presence ===

    pub(crate) fn fire(&mut self, timer: &Timer, now: &Now, out: &mut Out) {
        match timer {
            Timer::WrapUp { agent, generation } => {
                let Some(a) = self.agents.get(agent) else {
                    return;
                };
                if a.wrap_gen != *generation || !a.state.is_wrap_up() {
                    return;
                }
                let (target, reason) = a
                    .wrap_target
                    .clone()
                    .unwrap_or((AgentState::NotReady, None));
                self.end_wrap_up(agent, target, reason, "", now, out);
            }
            Timer::Grace { agent, generation } => {
                let Some(a) = self.agents.get(agent) else {
                    return;
                };
                if a.presence_gen != *generation || a.sessions > 0 || !a.logged_in() {
                    return;
                }
                self.forced_logout(agent, now, out);
            }
        }
    }

    /// Finesse's answer to a desktop that went away: LOGOUT with reason 255. An agent still
    /// on a call is checked again after another grace period.
    fn forced_logout(&mut self, agent: &str, now: &Now, out: &mut Out) {
        let on_call = self.dialogs.values().any(|d| {
            d.agent_index(agent)
                .is_some_and(|i| d.participants[i].state.is_live())
        });
        let reason = Reason::system("LOGOUT", 255, "Forced logout: desktop disconnected");
        if on_call {
            self.arm_grace(agent, out);
            return;
        }
        let wrapping = self.agents.get(agent).is_some_and(|a| a.state.is_wrap_up());
        if wrapping {
            self.end_wrap_up(agent, AgentState::Logout, Some(reason), "", now, out);
        } else {
            self.set_state(agent, AgentState::Logout, Some(reason), "", now, out);
        }
    }

    fn arm_grace(&mut self, agent: &str, out: &mut Out) {
        let grace = self.settings.grace;
        if let Some(a) = self.agents.get_mut(agent) {
            a.presence_gen += 1;
            out.effects.push(Effect::Arm {
                after: grace,
                timer: Timer::Grace {
                    agent: agent.to_owned(),
                    generation: a.presence_gen,
                },
            });
        }
    }

    /// The number of available XMPP sessions of a user changed.
    pub(crate) fn presence(&mut self, agent: &str, sessions: u32, out: &mut Out) {
        let Some(a) = self.agents.get_mut(agent) else {
            return;
        };
        let before = a.sessions;
        a.sessions = sessions;
        if sessions > 0 {
            a.presence_gen += 1;
        } else if before > 0 && a.logged_in() {
            self.arm_grace(agent, out);
        }
    }
}
