//! Carrying out the engine's effects.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use gc_broker::outbox::{Batch, Settle};
use gc_broker::{DeliveryToken as BrokerToken, OutgoingMessage, Target as BrokerTarget};
use gc_core::finesse::{FinesseFailure, Request};
use gc_core::{Effect, Input, PeerSync, Publication, RecordingAction, Target};
use gc_finesse::{Credentials, RequestId};
use gc_protocol::{AgentId, ErrorCode, Event, Format};
use tokio::time::Instant;

use super::Driver;
use crate::translate;

impl Driver {
    /// Applies the effects of one step; returns what the outbox must do, in order.
    pub(super) async fn apply(&mut self, effects: Vec<Effect>) -> Batch<BrokerToken> {
        let mut batch = Batch::default();
        for effect in effects {
            match effect {
                Effect::Publish(publication) => self.publish(publication, &mut batch),
                Effect::Finesse {
                    agent,
                    password,
                    request_id,
                    request,
                    deadline,
                    journal,
                } => {
                    let deadline = self.instant(deadline);
                    let creds = Credentials::new(agent, password);
                    self.spawn_finesse(creds, request_id, request, deadline, journal);
                }
                Effect::OpenSession { agent, password } => {
                    if let Some(old) = self.sessions.remove(&agent) {
                        tokio::spawn(old.close());
                    }
                    let session = self.cluster.open_session(
                        Credentials::new(agent.clone(), password),
                        self.session_tx.clone(),
                    );
                    self.sessions.insert(agent, session);
                }
                Effect::CloseSession { agent } => {
                    if let Some(session) = self.sessions.remove(&agent) {
                        tokio::spawn(session.close());
                    }
                }
                Effect::SubscribeTeam { agent, team } => {
                    if let Some(session) = self.sessions.get(&agent) {
                        let node = gc_finesse::model::team_node(&team);
                        if tokio::time::timeout(Duration::from_secs(1), session.subscribe(node))
                            .await
                            .is_err()
                        {
                            tracing::warn!(%agent, "team subscription not handed to the session in time");
                        }
                    }
                }
                Effect::UnsubscribeTeam { agent, team } => {
                    if let Some(session) = self.sessions.get(&agent) {
                        let node = gc_finesse::model::team_node(&team);
                        let _ =
                            tokio::time::timeout(Duration::from_secs(1), session.unsubscribe(node))
                                .await;
                    }
                }
                Effect::Recording {
                    agent,
                    request_id,
                    extension,
                    dialog,
                    action,
                } => {
                    self.spawn_recording(
                        agent,
                        request_id,
                        extension.map(|e| e.as_str().to_owned()),
                        dialog.map(|d| d.as_str().to_owned()),
                        action,
                    );
                }
                Effect::Sync(sync) => {
                    if let Some(message) = self.sync_message(&sync) {
                        batch.messages.push(message);
                    }
                }
                Effect::ArmTimer { timer, at } => {
                    let deadline = self.instant(at);
                    match self.timer_keys.get(&timer) {
                        Some(key) => self.timers.reset_at(key, deadline),
                        None => {
                            let key = self.timers.insert_at(timer.clone(), deadline);
                            self.timer_keys.insert(timer, key);
                        }
                    }
                }
                Effect::CancelTimer(timer) => {
                    if let Some(key) = self.timer_keys.remove(&timer) {
                        self.timers.remove(&key);
                    }
                }
                Effect::Ack(token) => {
                    if let Some((token, _)) = self.tokens.remove(&token.0) {
                        batch.settles.push(Settle::Ack(token));
                    }
                }
                Effect::Requeue(token) => {
                    if let Some((token, _)) = self.tokens.remove(&token.0) {
                        batch.settles.push(Settle::Requeue(token));
                    }
                }
                Effect::DeadLetter { token, reason } => {
                    if let Some((token, sensitive)) = self.tokens.remove(&token.0) {
                        self.metrics.command("invalid", "dead_lettered");
                        // The dead-letter queue is read by operators and kept for days: a
                        // password never goes there.
                        let body = sensitive.then(|| Bytes::from_static(REDACTED_BODY));
                        batch.settles.push(Settle::DeadLetter {
                            token,
                            reason,
                            body,
                        });
                    }
                }
            }
        }
        batch
    }

    /// A ConnectorSync message for the outbox, when this instance is part of a group (sealed
    /// here, on the driver task, so its sequence number follows the outbox's order).
    fn sync_message(&mut self, sync: &PeerSync) -> Option<OutgoingMessage> {
        let body = self.sync.as_mut()?.encode(sync, SystemTime::now())?;
        Some(sync_outgoing(body))
    }

    /// One event to each client target, and once as JSON to the integration events exchange.
    fn publish(&self, publication: Publication, batch: &mut Batch<BrokerToken>) {
        let Publication {
            event,
            targets,
            correlation_id,
        } = publication;
        let category = event.category().as_str();
        self.metrics
            .events
            .get_or_create(&crate::metrics::CategoryLabels { category })
            .inc();
        if let Event::Error { code, .. } = &event {
            self.metrics
                .errors
                .get_or_create(&crate::metrics::CodeLabels {
                    code: code.as_str().to_owned(),
                })
                .inc();
        }
        let jms_type = event.jms_type().map(str::to_owned);
        // Each format is rendered once, however many targets share it.
        let mut rendered: [Option<Bytes>; 2] = [None, None];
        let group = self.group.as_deref();
        let mut render = |format: Format| {
            rendered[usize::from(format == Format::Json)]
                .get_or_insert_with(|| Bytes::from(render_event(&event, format, group)))
                .clone()
        };
        for target in targets {
            let (target, format) = match target {
                Target::Destination { name, format } => {
                    (BrokerTarget::Client(name.as_str().to_owned()), format)
                }
                Target::ReplyTo { address, format } => (BrokerTarget::Reply(address), format),
            };
            batch.messages.push(OutgoingMessage {
                target,
                body: render(format),
                content_type: format.content_type(),
                category,
                correlation_id: correlation_id.clone(),
                jms_type: jms_type.clone(),
            });
        }
        batch.messages.push(OutgoingMessage {
            target: BrokerTarget::Events(event.events_routing_key()),
            body: render(Format::Json),
            content_type: Format::Json.content_type(),
            category,
            correlation_id,
            jms_type,
        });
    }

    /// Performs a Finesse request on the agent's lane, as the engine made it; its result comes back as an input. Not
    /// started by `deadline`, it is not started at all; started, it is cut off at `deadline`:
    /// either way the engine hears back in time (PLEASE_RETRY), so no command waits longer than
    /// the request timeout behind a slow Finesse. A write is first journaled with the group's
    /// other instances (`journal`), so a leader that takes over does not perform it again.
    fn spawn_finesse(
        &mut self,
        creds: Credentials,
        request_id: String,
        request: Request,
        deadline: Instant,
        journal: Option<String>,
    ) {
        let cluster = self.cluster.clone();
        let metrics = self.metrics.clone();
        // Sealed in the task, right before it is published: the journal stream's own sequence
        // then follows the order of publication as closely as concurrent tasks allow.
        let journal = journal.and_then(|message_id| {
            let encoder = self.sync.as_ref()?.journal();
            Some((self.broker.clone(), encoder, message_id))
        });
        let agent = creds.agent.clone();
        self.lanes.run(&agent, async move {
                let name = request.name();
                let started = Instant::now();
                let result = if started >= deadline {
                    Err(late("not started before its deadline"))
                } else {
                    if let Some((broker, encoder, message_id)) = journal {
                        let recorded = match encoder.encode(&message_id, SystemTime::now()) {
                            Some(body) => matches!(
                                tokio::time::timeout_at(deadline, broker.publish_sync(body)).await,
                                Ok(Ok(()))
                            ),
                            None => false,
                        };
                        if !recorded {
                            tracing::warn!(agent = %creds.agent, "could not journal a write with the group before performing it");
                        }
                    }
                    let node = cluster.active();
                    let performed = async {
                        match cluster.rest() {
                            Ok(rest) => rest
                                .perform(&creds, &RequestId::new(&request_id), &request)
                                .await,
                            Err(error) => Err(error),
                        }
                    };
                    match tokio::time::timeout_at(deadline, performed).await {
                        Ok(result) => result.map_err(|error| {
                            if let Some(node) = node {
                                cluster.report_error(node, &error);
                            }
                            tracing::debug!(agent = %creds.agent, %error, op = name, "Finesse request failed");
                            translate::failure(&error)
                        }),
                        Err(_) => Err(late("cut off at its deadline")),
                    }
                };
                metrics.finesse(
                    name,
                    if result.is_ok() { "ok" } else { "error" },
                    started.elapsed(),
                );
                Input::FinesseResult {
                    agent: creds.agent,
                    request_id,
                    result,
                }
            });
    }

    /// POSTs a recording action to the recording controller, on the agent's lane.
    fn spawn_recording(
        &mut self,
        agent: AgentId,
        request_id: String,
        extension: Option<String>,
        dialog: Option<String>,
        action: RecordingAction,
    ) {
        let Some((client, url)) = self.recording.clone() else {
            // Answered on the lane too: after the step that asked, like any result.
            let lane = agent.clone();
            let input = Input::RecordingResult {
                agent,
                request_id,
                result: Err("no recording controller".into()),
            };
            self.lanes.run(&lane, async move { input });
            return;
        };
        let lane = agent.clone();
        self.lanes.run(&lane, async move {
            let body = serde_json::json!({
                "agentId": agent.as_str(),
                "extension": extension,
                "dialogId": dialog,
                "action": match action { RecordingAction::Pause => "pause", RecordingAction::Resume => "resume" },
            });
            let request = client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string())
                .timeout(Duration::from_secs(10));
            let result = match request.send().await {
                Ok(response) if response.status().is_success() => Ok(()),
                Ok(response) => Err(format!(
                    "recording controller answered {}",
                    response.status()
                )),
                Err(error) => Err(format!("recording controller unreachable: {error}")),
            };
            Input::RecordingResult {
                agent,
                request_id,
                result,
            }
        });
    }
}

/// An event in a client format. A JSON event names the instance's group as its last key
/// (`"group"`, docs/protocol.md section 2) when one is configured; the legacy `#` text has no
/// room for it (the `gc-group` header carries it for every event).
fn render_event(event: &Event, format: Format, group: Option<&str>) -> Vec<u8> {
    let body = event.render(format).into_bytes();
    match group {
        Some(group) if format == Format::Json => {
            gc_protocol::event::with_group(&body, group).unwrap_or(body)
        }
        _ => body,
    }
}

/// The body of a dead-letter copy of a command that carries a password.
pub(super) const REDACTED_BODY: &[u8] =
    b"<redacted: the body of a Connect, Login or MobileAgentLogin carries a password>";

/// A Finesse request that ran out of time: the client is asked to retry.
fn late(why: &str) -> FinesseFailure {
    FinesseFailure {
        code: ErrorCode::PleaseRetry,
        error_type: String::new(),
        message: format!("Finesse request {why}"),
    }
}

/// A ConnectorSync message as the outbox takes it.
pub(super) fn sync_outgoing(body: Vec<u8>) -> OutgoingMessage {
    OutgoingMessage {
        target: BrokerTarget::Sync,
        body: Bytes::from(body),
        content_type: "application/octet-stream",
        category: "sync",
        correlation_id: None,
        jms_type: None,
    }
}

#[cfg(test)]
mod tests {
    use super::render_event;
    use gc_protocol::event::SystemStatus;
    use gc_protocol::{Event, Format};

    fn status() -> Event {
        Event::System(SystemStatus::InService)
    }

    #[test]
    fn a_json_event_names_its_group_as_its_last_key() {
        let body = render_event(&status(), Format::Json, Some("fin-east"));
        assert_eq!(
            String::from_utf8_lossy(&body),
            r#"{"type":"System","status":"IN_SERVICE","group":"fin-east"}"#
        );
    }

    #[test]
    fn a_text_event_and_an_event_without_group_are_rendered_as_they_are() {
        let event = status();
        assert_eq!(
            render_event(&event, Format::Legacy, Some("fin-east")),
            event.render(Format::Legacy).into_bytes()
        );
        assert_eq!(
            render_event(&event, Format::Json, None),
            event.render(Format::Json).into_bytes()
        );
    }
}
