//! End to end, the call rows of the seed's Agent Commands table: making, answering, holding,
//! retrieving, releasing, transferring (blind and consulted), conferencing, dialog queries,
//! call data, wrap-up, outbound preview and dialer calls, with the exact events on the agents'
//! destinations and, as JSON, on the events exchange. The simulator plays the caller, the
//! dialer and Finesse.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::{Desk, Env, Options, directory_name, vars};

fn full(agent: &str) -> String {
    let (first, last, _) = directory_name(agent);
    format!("{first} {last}")
}

/// O-001 with no reason code.
fn state(agent: &str, state: &str) -> String {
    format!("{agent}#State#{state}##{}", full(agent))
}

/// O-008, new format, times masked.
fn inbound(agent: &str, state: &str, dialog: u64, from: &str, vars: &str) -> String {
    format!(
        "{agent}#InboundCall#{state}#DialogID:{dialog}#{from}#{vars}#<time>#{}",
        full(agent)
    )
}

/// O-009.
fn new_inbound(agent: &str, from: &str, vars: &str, dialog: u64) -> String {
    format!("{agent}#NewInboundCall#{from}#{from}|{vars}#DialogID:{dialog}")
}

/// O-010, new format, times masked.
fn consult(agent: &str, state: &str, dialog: u64, from: &str, vars: &str) -> String {
    format!(
        "{agent}#ConsultCall#{state}#AssDialogID:{dialog}#{from}#{vars}#<time>#{}",
        full(agent)
    )
}

/// The JSON of an InboundCall state on the events exchange.
fn call_json(agent: &str, state: &str, dialog: u64) -> Value {
    json!({"type": "InboundCall", "agentId": agent, "state": state, "dialogId": dialog.to_string()})
}

fn state_json(state: &str) -> Value {
    json!({"type": "State", "state": state})
}

/// The JSON of a released call: exactly the seed's "Release Call Output" shape.
fn released_json(agent: &str, dialog: u64) -> Value {
    json!({"type": "InboundCall", "dialogId": dialog.to_string(), "prevDialogId": null, "state": "DROPPED", "agentId": agent})
}

/// Makes the agent READY and offers it a call from 4012; reads the announcement.
async fn ringing(env: &Env, desk: &mut Desk, vars_text: &str, variables: &[(&str, &str)]) -> u64 {
    let agent = desk.agent.clone();
    env.send(&format!("MakeReady#{agent}"), "").await;
    desk.expect(&state(&agent, "READY"), state_json("READY"))
        .await;
    let dialog = env
        .sim
        .control
        .offer_inbound_call(&agent, "4012", variables)
        .await
        .unwrap();
    desk.expect(
        &new_inbound(&agent, "4012", vars_text, dialog),
        json!({"type": "NewInboundCall", "dialogId": dialog.to_string(), "fromAddress": "4012", "agentId": agent}),
    )
    .await;
    desk.expect(
        &inbound(&agent, "ALERTING", dialog, "4012", vars_text),
        call_json(&agent, "ALERTING", dialog),
    )
    .await;
    desk.expect(&state(&agent, "RESERVED"), state_json("RESERVED"))
        .await;
    dialog
}

/// An answered inbound call from 4012 without call variables.
async fn talking(env: &Env, desk: &mut Desk) -> u64 {
    let agent = desk.agent.clone();
    let dialog = ringing(env, desk, &vars(&[]), &[]).await;
    env.send(&format!("AnswerCall#{agent}"), &dialog.to_string())
        .await;
    desk.expect(
        &inbound(&agent, "ACTIVE", dialog, "4012", &vars(&[])),
        call_json(&agent, "ACTIVE", dialog),
    )
    .await;
    desk.expect(&state(&agent, "TALKING"), state_json("TALKING"))
        .await;
    dialog
}

/// Rows "Answer a call", "Hold a call", "Unhold a call", "Release a call", "Update Dialog
/// Wrap-up Codes" and "Make Work Ready": an inbound call with a call variable from ringing to
/// the end of its wrap-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_call_is_answered_held_retrieved_released_and_wrapped_up() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;
    let gold = vars(&[(1, "gold")]);
    let dialog = ringing(&env, &mut desk, &gold, &[("callVariable1", "gold")]).await;
    let id = dialog.to_string();

    env.send("AnswerCall#1001", &id).await;
    desk.expect(
        &inbound("1001", "ACTIVE", dialog, "4012", &gold),
        json!({"type": "InboundCall", "dialogId": id, "state": "ACTIVE", "prevDialogId": null, "fromAddress": "4012",
               "callVariables": [{"callVariable1": "gold"}, {"callVariable2": ""}, {"callVariable3": ""}, {"callVariable4": ""}, {"callVariable5": ""},
                                 {"callVariable6": ""}, {"callVariable7": ""}, {"callVariable8": ""}, {"callVariable9": ""}, {"callVariable10": ""}, {"ani": "4012"}],
               "participants": [{"mediaAddress": "4012", "state": "ACTIVE", "addressType": ""}, {"mediaAddress": "3001", "state": "ACTIVE", "addressType": "AGENT_DEVICE"}],
               "agentId": "1001"}),
    )
    .await;
    desk.expect(&state("1001", "TALKING"), state_json("TALKING"))
        .await;

    env.send("HoldCall#1001", &id).await;
    desk.expect(
        &inbound("1001", "HELD", dialog, "4012", &gold),
        call_json("1001", "HELD", dialog),
    )
    .await;
    desk.expect(&state("1001", "HOLD"), state_json("HOLD"))
        .await;

    env.send("RetrieveCall#1001", &id).await;
    desk.expect(
        &inbound("1001", "ACTIVE", dialog, "4012", &gold),
        call_json("1001", "ACTIVE", dialog),
    )
    .await;
    desk.expect(&state("1001", "TALKING"), state_json("TALKING"))
        .await;

    // 1001 wraps up incoming calls (REQUIRED); it was READY, so the wrap-up is WORK_READY.
    env.send("ReleaseCall#1001", &id).await;
    desk.expect(
        &inbound("1001", "WRAP_UP", dialog, "4012", &gold),
        call_json("1001", "WRAP_UP", dialog),
    )
    .await;
    desk.expect(&state("1001", "WORK_READY"), state_json("WORK_READY"))
        .await;

    // "No response is received when this event is called."
    env.send("wrapup#1001", &format!("Escalated,{id}")).await;
    env.sync_state(&mut desk, "1001#State#WORK_READY##Maria Meier")
        .await;
    let finesse_dialog = env.sim.control.dialog(dialog).await.unwrap();
    assert_eq!(finesse_dialog.wrap_up_reason.as_deref(), Some("Escalated"));

    env.send("makeworkready#1001", "").await;
    desk.expect(
        &inbound("1001", "DROP", dialog, "4012", &gold),
        released_json("1001", dialog),
    )
    .await;
    desk.expect(&state("1001", "READY"), state_json("READY"))
        .await;
    assert!(env.sim.control.dialogs().await.unwrap().is_empty());
    env.stop().await;
}

/// Row "Make Work Not Ready": asked during a call it is pending (the answer is the TALKING
/// state), and the wrap-up after the call ends in WORK; MakeNotReady then ends the wrap-up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_not_ready_during_a_call_wraps_up_into_work() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1003", "3003").await;
    let dialog = talking(&env, &mut desk).await;
    env.send("makeworknotready#1003", "").await;
    desk.expect(
        &state("1003", "TALKING"),
        json!({"type": "State", "state": "TALKING", "pendingState": "NOT_READY"}),
    )
    .await;
    env.sim.control.remote_hangup(dialog).await.unwrap();
    desk.expect(
        &inbound("1003", "WRAP_UP", dialog, "4012", &vars(&[])),
        call_json("1003", "WRAP_UP", dialog),
    )
    .await;
    desk.expect(&state("1003", "WORK"), state_json("WORK"))
        .await;
    env.send("MakeNotReady#1003", "").await;
    desk.expect(
        &inbound("1003", "DROP", dialog, "4012", &vars(&[])),
        released_json("1003", dialog),
    )
    .await;
    desk.expect(&state("1003", "NOT_READY"), state_json("NOT_READY"))
        .await;
    env.stop().await;
}

/// Row "Make a call" → Inbound Call INITIATING, INITIATED, ACTIVE; the far end hangs up and
/// the call is released (no wrap-up on outgoing calls: OPTIONAL). Without a number:
/// MISSING_NUMBER, and Finesse sees nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn make_call_dials_out_from_the_agent_extension() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1002", "3002").await;

    env.send("MakeCall#1002", "").await;
    desk.expect(
        "1002#Error#MISSING_NUMBER",
        json!({"type": "Error", "code": "MISSING_NUMBER", "agentId": "1002"}),
    )
    .await;

    env.send("MakeCall#1002", "4012").await;
    let first = desk.client.next().await;
    let dialogs = env.sim.control.dialogs().await.unwrap();
    assert_eq!(dialogs.len(), 1);
    let (dialog, to) = (dialogs[0].id, dialogs[0].to_address.clone());
    assert_eq!(to, "4012", "dialled number");
    assert_eq!(
        support::masked(&first.body),
        inbound("1002", "INITIATING", dialog, "3002", &vars(&[]))
    );
    desk.expect_event(call_json("1002", "INITIATING", dialog))
        .await;
    desk.expect(&state("1002", "TALKING"), state_json("TALKING"))
        .await;
    desk.expect(
        &inbound("1002", "INITIATED", dialog, "3002", &vars(&[])),
        call_json("1002", "INITIATED", dialog),
    )
    .await;
    env.sim.control.remote_answer(dialog).await.unwrap();
    desk.expect(
        &inbound("1002", "ACTIVE", dialog, "3002", &vars(&[])),
        call_json("1002", "ACTIVE", dialog),
    )
    .await;
    env.sim.control.remote_hangup(dialog).await.unwrap();
    desk.expect(
        &inbound("1002", "DROP", dialog, "3002", &vars(&[])),
        released_json("1002", dialog),
    )
    .await;
    desk.expect(&state("1002", "NOT_READY"), state_json("NOT_READY"))
        .await;
    env.stop().await;
}

/// Row "Blind Transfer" (Transfer_sst): the call leaves 1001 (wrap-up) and rings at 1002,
/// which answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blind_transfer_moves_the_call_to_another_agent() {
    let env = Env::start(Options::default()).await;
    let mut maria = env.desk("1001", "3001").await;
    let mut jonas = env.desk("1002", "3002").await;
    env.send("MakeReady#1002", "").await;
    jonas
        .expect(&state("1002", "READY"), state_json("READY"))
        .await;
    let dialog = talking(&env, &mut maria).await;

    env.send("Transfer_sst#1001", &format!("3002,{dialog}"))
        .await;
    maria
        .expect(
            &inbound("1001", "WRAP_UP", dialog, "4012", &vars(&[])),
            call_json("1001", "WRAP_UP", dialog),
        )
        .await;
    maria
        .expect(&state("1001", "WORK_READY"), state_json("WORK_READY"))
        .await;
    jonas
        .expect(
            &new_inbound("1002", "4012", &vars(&[]), dialog),
            json!({"type": "NewInboundCall", "dialogId": dialog.to_string()}),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "ALERTING", dialog, "4012", &vars(&[])),
            call_json("1002", "ALERTING", dialog),
        )
        .await;
    jonas
        .expect(&state("1002", "RESERVED"), state_json("RESERVED"))
        .await;
    env.send("AnswerCall#1002", &dialog.to_string()).await;
    jonas
        .expect(
            &inbound("1002", "ACTIVE", dialog, "4012", &vars(&[])),
            call_json("1002", "ACTIVE", dialog),
        )
        .await;
    let parties: Vec<(String, String)> = env
        .sim
        .control
        .dialog(dialog)
        .await
        .unwrap()
        .participants
        .into_iter()
        .map(|p| (p.address, p.state))
        .collect();
    assert!(
        parties.contains(&("3002".into(), "ACTIVE".into())),
        "{parties:?}"
    );
    assert!(
        parties.contains(&("4012".into(), "ACTIVE".into())),
        "{parties:?}"
    );
    env.stop().await;
}

/// 1001 talks to 4012 and consults 1002 (NOT_READY, so no reservation): the held original,
/// ConsultCall INITIATED and ACTIVE for 1001, a new inbound call answered by 1002.
async fn consulting(env: &Env) -> (Desk, Desk, u64, u64) {
    let mut maria = env.desk("1001", "3001").await;
    let mut jonas = env.desk("1002", "3002").await;
    let original = talking(env, &mut maria).await;
    env.send("ConsultCall#1001", &format!("3002,{original}"))
        .await;
    maria
        .expect(
            &inbound("1001", "HELD", original, "4012", &vars(&[])),
            call_json("1001", "HELD", original),
        )
        .await;
    maria
        .expect(&state("1001", "HOLD"), state_json("HOLD"))
        .await;
    let consult_dialog = env
        .sim
        .control
        .dialogs()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id != original)
        .expect("the consult dialog")
        .id;
    maria
        .expect(
            &consult("1001", "INITIATED", consult_dialog, "3001", &vars(&[])),
            json!({"type": "ConsultCall", "state": "INITIATED", "assDialogId": consult_dialog.to_string(), "fromAddress": "3001", "toAddress": "3002", "agentId": "1001"}),
        )
        .await;
    maria
        .expect(&state("1001", "TALKING"), state_json("TALKING"))
        .await;
    jonas
        .expect(
            &new_inbound("1002", "3001", &vars(&[]), consult_dialog),
            json!({"type": "NewInboundCall", "fromAddress": "3001"}),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "ALERTING", consult_dialog, "3001", &vars(&[])),
            call_json("1002", "ALERTING", consult_dialog),
        )
        .await;
    env.send("AnswerCall#1002", &consult_dialog.to_string())
        .await;
    maria
        .expect(
            &consult("1001", "ACTIVE", consult_dialog, "3001", &vars(&[])),
            json!({"type": "ConsultCall", "state": "ACTIVE", "assDialogId": consult_dialog.to_string()}),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "ACTIVE", consult_dialog, "3001", &vars(&[])),
            call_json("1002", "ACTIVE", consult_dialog),
        )
        .await;
    jonas
        .expect(&state("1002", "TALKING"), state_json("TALKING"))
        .await;
    (maria, jonas, original, consult_dialog)
}

/// Rows "Transfer Initiation" (ConsultCall) and "Complete Transfer" (TransferCall with the
/// agent's extension and the original dialog): 1001's consult is dropped and its call goes
/// to wrap-up; 1002 keeps the caller.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consult_then_transfer_hands_the_caller_over() {
    let env = Env::start(Options::default()).await;
    let (mut maria, mut jonas, original, consult_dialog) = consulting(&env).await;

    env.send("TransferCall#1001", &format!("3001,{original}"))
        .await;
    maria
        .expect(
            &consult("1001", "DROP", consult_dialog, "3001", &vars(&[])),
            json!({"type": "ConsultCall", "state": "DROPPED", "assDialogId": consult_dialog.to_string()}),
        )
        .await;
    maria
        .expect(&state("1001", "WORK_READY"), state_json("WORK_READY"))
        .await;
    maria
        .expect(
            &inbound("1001", "WRAP_UP", original, "4012", &vars(&[])),
            call_json("1001", "WRAP_UP", original),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "DROP", consult_dialog, "3001", &vars(&[])),
            released_json("1002", consult_dialog),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "ACTIVE", original, "4012", &vars(&[])),
            call_json("1002", "ACTIVE", original),
        )
        .await;
    // The caller talks to 1002 now.
    env.send("getDialogParticipants#1002", &original.to_string())
        .await;
    jonas
        .expect(
            "1002#ConferenceParticipants#4012,3001,3002",
            json!({"type": "ConferenceParticipants", "agentId": "1002"}),
        )
        .await;
    let finesse = env.sim.control.dialog(original).await.unwrap();
    let active: Vec<&str> = finesse
        .participants
        .iter()
        .filter(|p| p.state == "ACTIVE")
        .map(|p| p.address.as_str())
        .collect();
    assert_eq!(active, ["4012", "3002"]);
    env.stop().await;
}

/// Rows "Conference Initiation" (ConsultCall), "Get Dialog State" with the consult as the
/// associated dialog (O-014), "Complete Conference" (Conferencecall) and "Get Dialog
/// Participants" (O-022): after the conference all three parties are on the original call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consult_then_conference_joins_all_three() {
    let env = Env::start(Options::default()).await;
    let (mut maria, mut jonas, original, consult_dialog) = consulting(&env).await;
    let none = vars(&[]);

    env.send("getdialogstate#1001", &original.to_string()).await;
    maria
        .expect(
            &format!(
                "1001#DialogState#HELD#{original}#Maria Meier#4012#{none}#{consult_dialog}#ACTIVE#3001#{none}"
            ),
            json!({"type": "DialogState", "dialogId": original.to_string(), "state": "HELD", "agentId": "1001"}),
        )
        .await;

    env.send("Conferencecall#1001", &format!("3001,{original}"))
        .await;
    maria
        .expect(
            &consult("1001", "DROP", consult_dialog, "3001", &none),
            json!({"type": "ConsultCall", "state": "DROPPED"}),
        )
        .await;
    maria
        .expect(
            &inbound("1001", "ACTIVE", original, "4012", &none),
            json!({"type": "InboundCall", "state": "ACTIVE", "dialogId": original.to_string(),
                   "participants": [{"mediaAddress": "4012", "state": "ACTIVE", "addressType": ""},
                                    {"mediaAddress": "3001", "state": "ACTIVE", "addressType": "AGENT_DEVICE"},
                                    {"mediaAddress": "3002", "state": "ACTIVE", "addressType": "AGENT_DEVICE"}]}),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "DROP", consult_dialog, "3001", &none),
            released_json("1002", consult_dialog),
        )
        .await;
    jonas
        .expect(
            &inbound("1002", "ACTIVE", original, "4012", &none),
            call_json("1002", "ACTIVE", original),
        )
        .await;

    env.send("getDialogParticipants#1001", &original.to_string())
        .await;
    maria
        .expect(
            "1001#ConferenceParticipants#4012,3001,3002",
            json!({"type": "ConferenceParticipants", "participants": ["4012", "3001", "3002"], "agentId": "1001"}),
        )
        .await;
    env.stop().await;
}

/// Rows "Get Dialog State" (O-014; NOT_FOUND for a dialog the agent does not have), "Get
/// Dialog State Controls" (O-015 then O-017) and "Update Dialog Variable" (the changed call
/// is shown; Finesse has the value).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialog_queries_and_call_data() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1004", "3004").await;
    let dialog = talking(&env, &mut desk).await;
    let id = dialog.to_string();
    let none = vars(&[]);

    env.send("getdialogstate#1004", &id).await;
    desk.expect(
        &format!("1004#DialogState#ACTIVE#{id}#Lukas Schmidt#4012#{none}####"),
        json!({"type": "DialogState", "dialogId": id, "state": "ACTIVE", "agentId": "1004"}),
    )
    .await;
    env.send("getdialogstate#1004", "999").await;
    desk.expect(
        &format!("1004#DialogState#NOT_FOUND#999#Lukas Schmidt##{none}####"),
        json!({"type": "DialogState", "dialogId": "999", "state": "NOT_FOUND"}),
    )
    .await;

    env.send("getdialogstatecontrols#1004", &id).await;
    desk.expect(
        &format!("1004#InboundCall#DialogState#ACTIVE#{id}#Lukas Schmidt"),
        json!({"type": "DialogStateControls", "dialogType": "InboundCall", "dialogId": id, "state": "ACTIVE"}),
    )
    .await;
    // The agent's allowed actions in the simulator: HOLD, DROP, CONSULT_CALL, TRANSFER_SST,
    // UPDATE_CALL_DATA (and SEND_DTMF, which has no control).
    let actions = env
        .sim
        .control
        .dialog(dialog)
        .await
        .unwrap()
        .participants
        .into_iter()
        .find(|p| p.address == "3004")
        .unwrap()
        .actions;
    let control = |action: &str| actions.iter().any(|a| a == action);
    let expected: Vec<String> = [
        "ANSWER",
        "HOLD",
        "RETRIEVE",
        "DROP",
        "CONSULT_CALL",
        "TRANSFER",
        "CONFERENCE",
        "TRANSFER_SST",
        "UPDATE_CALL_DATA",
    ]
    .iter()
    .enumerate()
    .map(|(i, a)| format!("{},{}", i + 1, control(a)))
    .collect();
    desk.expect(
        &format!("1004#Control#{}", expected.join("|")),
        json!({"type": "Control", "agentId": "1004"}),
    )
    .await;

    env.send(
        "update_call_variable#1004",
        &format!("{id},callVariable3,silver"),
    )
    .await;
    desk.expect(
        &inbound("1004", "ACTIVE", dialog, "4012", &vars(&[(3, "silver")])),
        call_json("1004", "ACTIVE", dialog),
    )
    .await;
    let finesse = env.sim.control.dialog(dialog).await.unwrap();
    assert!(
        finesse
            .variables
            .contains(&("callVariable3".into(), "silver".into()))
    );
    env.stop().await;
}

/// Row "Refresh" during a call: State, AgentInfo and the call again (State and AgentInfo in
/// this order; the call comes from a second read that may answer first).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_republishes_the_call() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1005", "3005").await;
    let dialog = talking(&env, &mut desk).await;
    env.send("refresh#1005", "").await;
    let mut got: Vec<String> = Vec::new();
    for _ in 0..3 {
        got.push(support::masked(&desk.client.text().await));
        desk.events.next().await;
    }
    let call = inbound("1005", "ACTIVE", dialog, "4012", &vars(&[]));
    let info = "1005#AgentInfo#Sofia#Rossi#false#REQUIRED#Sofia Rossi".to_owned();
    let without_call: Vec<&String> = got.iter().filter(|l| **l != call).collect();
    assert_eq!(
        without_call,
        [&state("1005", "TALKING"), &info],
        "refresh answered {got:?}"
    );
    assert_eq!(got.len() - without_call.len(), 1, "the call once: {got:?}");
    env.stop().await;
}

/// Row "Accept Outbound Preview Call" → Inbound Call (ACCEPTED); the dialer then calls the
/// customer on a new dialog, which the client sees as the agent's call (Inbound Call states,
/// not a second NewOutboundPreviewCall); the customer answers and hangs up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbound_preview_is_accepted() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1006", "3006").await;
    env.send("MakeReady#1006", "").await;
    desk.expect(&state("1006", "READY"), state_json("READY"))
        .await;
    let reservation = env
        .sim
        .control
        .offer_preview("1006", "4015", &[("BACampaign", "Spring")])
        .await
        .unwrap();
    let with_ba = format!("{}|BACampaign=Spring", vars(&[]));
    desk.expect(
        &format!("1006#NewOutboundPreviewCall#7999#ani=7999|{with_ba}#DialogID:{reservation}"),
        json!({"type": "NewOutboundPreviewCall", "dialogId": reservation.to_string(), "fromAddress": "7999", "agentId": "1006"}),
    )
    .await;
    desk.expect(
        &state("1006", "RESERVED_OUTBOUND_PREVIEW"),
        state_json("RESERVED_OUTBOUND_PREVIEW"),
    )
    .await;

    env.send(
        "AcceptOutboundPreview#1006",
        &format!("{reservation},ACCEPT"),
    )
    .await;
    desk.expect(
        &inbound("1006", "ACCEPTED", reservation, "7999", &vars(&[])),
        call_json("1006", "ACCEPTED", reservation),
    )
    .await;
    desk.expect(&state("1006", "TALKING"), state_json("TALKING"))
        .await;
    // The dialer calls the customer on a new dialog (same call type) and the reservation goes.
    // The customer call is the accepted call, shown as the agent's call: no second preview.
    let first = desk.client.next().await;
    let customer = env
        .sim
        .control
        .dialogs()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id != reservation)
        .expect("the dialer calls the customer")
        .id;
    assert_eq!(
        support::masked(&first.body),
        inbound("1006", "INITIATED", customer, "7999", &vars(&[]))
    );
    desk.expect_event(call_json("1006", "INITIATED", customer))
        .await;
    desk.expect(
        &inbound("1006", "DROP", reservation, "7999", &vars(&[])),
        released_json("1006", reservation),
    )
    .await;
    env.sim.control.remote_answer(customer).await.unwrap();
    desk.expect(
        &inbound("1006", "ACTIVE", customer, "7999", &vars(&[])),
        call_json("1006", "ACTIVE", customer),
    )
    .await;
    env.sim.control.remote_hangup(customer).await.unwrap();
    desk.expect(
        &inbound("1006", "DROP", customer, "7999", &vars(&[])),
        released_json("1006", customer),
    )
    .await;
    desk.expect(&state("1006", "READY"), state_json("READY"))
        .await;
    env.stop().await;
}

/// Rows "Reject Outbound Preview Call" and "Close Outbound Preview Call" → Inbound Call DROP;
/// the agent is READY again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outbound_preview_is_rejected_or_closed() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1007", "3007").await;
    for (command, word) in [
        ("RejectOutboundPreview", "REJECT"),
        ("CloseOutboundPreview", "CLOSE"),
    ] {
        env.send("MakeReady#1007", "").await;
        desk.expect(&state("1007", "READY"), state_json("READY"))
            .await;
        let reservation = env
            .sim
            .control
            .offer_preview("1007", "4016", &[])
            .await
            .unwrap();
        desk.expect(
            &format!(
                "1007#NewOutboundPreviewCall#7999#ani=7999|{}#DialogID:{reservation}",
                vars(&[])
            ),
            json!({"type": "NewOutboundPreviewCall", "dialogId": reservation.to_string()}),
        )
        .await;
        desk.expect(
            &state("1007", "RESERVED_OUTBOUND_PREVIEW"),
            state_json("RESERVED_OUTBOUND_PREVIEW"),
        )
        .await;
        env.send(&format!("{command}#1007"), &format!("{reservation},{word}"))
            .await;
        desk.expect(
            &inbound("1007", "DROP", reservation, "7999", &vars(&[])),
            released_json("1007", reservation),
        )
        .await;
        desk.expect(&state("1007", "READY"), state_json("READY"))
            .await;
        assert!(
            env.sim.control.dialogs().await.unwrap().is_empty(),
            "{command}"
        );
    }
    env.stop().await;
}

/// O-028: a dialer (predictive) call is announced once, from its second packet, as
/// NewOutboundCall with the BA variables, then its states.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialer_call_is_announced_as_new_outbound_call() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1008", "3008").await;
    env.send("MakeReady#1008", "").await;
    desk.expect(&state("1008", "READY"), state_json("READY"))
        .await;
    let dialog = env
        .sim
        .control
        .offer_outbound_call("1008", "4017", &[("BACampaign", "Spring")])
        .await
        .unwrap();
    let with_ba = format!("{}|BACampaign=Spring", vars(&[]));
    desk.expect(
        &state("1008", "RESERVED_OUTBOUND"),
        state_json("RESERVED_OUTBOUND"),
    )
    .await;
    desk.expect(
        &format!("1008#NewOutboundCall#7999#ani=7999|{with_ba}#DialogID:{dialog}"),
        json!({"type": "NewOutboundCall", "dialogId": dialog.to_string(), "calltype": "OUTBOUND", "agentId": "1008"}),
    )
    .await;
    desk.expect(
        &inbound("1008", "ALERTING", dialog, "7999", &vars(&[])),
        call_json("1008", "ALERTING", dialog),
    )
    .await;
    env.send("AnswerCall#1008", &dialog.to_string()).await;
    desk.expect(
        &inbound("1008", "ACTIVE", dialog, "7999", &vars(&[])),
        call_json("1008", "ACTIVE", dialog),
    )
    .await;
    desk.expect(&state("1008", "TALKING"), state_json("TALKING"))
        .await;
    env.stop().await;
}

/// Rows "Pause / Resume Zoom Call Recording" with a recording controller: the controller is
/// told the agent, its extension, the active call and the action; success has no answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoom_recording_asks_the_recording_controller() {
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/recording", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/recording",
        axum::routing::post({
            let seen = seen.clone();
            move |body: String| async move {
                seen.lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                "ok"
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let env = Env::start(Options {
        env: vec![("GC_RECORDING__CONTROLLER_URL".into(), url)],
        ..Options::default()
    })
    .await;
    let mut desk = env.desk("1001", "3001").await;
    let dialog = talking(&env, &mut desk).await;
    env.send("ZOOMPauseRecording#1001", "").await;
    env.send("ZOOMResumeRecording#1001", "").await;
    let deadline = tokio::time::Instant::now() + support::PATIENCE;
    while seen.lock().unwrap().len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the controller was not called twice"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // No answer to either (success is silent): the next event is the GetState answer.
    env.sync_state(&mut desk, "1001#State#TALKING##Maria Meier")
        .await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            json!({"agentId": "1001", "extension": "3001", "dialogId": dialog.to_string(), "action": "pause"}),
            json!({"agentId": "1001", "extension": "3001", "dialogId": dialog.to_string(), "action": "resume"}),
        ]
    );
    server.abort();
    env.stop().await;
}
