//! End to end, the seed's Supervisor Commands table: supervisor 2001 (Sabine Hoffmann,
//! extension 3901, teams 1 and 2) logs in through RabbitMQ and works on agent 1002 (Jonas
//! Weber, extension 3002, team 1), with the exact events on both destinations and, as JSON,
//! on the events exchange.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{Desk, Env, Options, vars};

/// The supervisor's login: State, AgentInfo (supervisor true), then O-012 and O-013.
async fn supervisor(env: &Env) -> Desk {
    let mut desk = env.desk("2001", "3901").await;
    desk.expect(
        "2001#TeamInfoIDs#TeamID#1,2#Sabine Hoffmann",
        json!({"type": "TeamInfoIDs", "teamIds": ["1", "2"], "agentId": "2001"}),
    )
    .await;
    desk.expect(
        "2001#TeamInfoNames#TeamName#Billing,Technical Support#Sabine Hoffmann",
        json!({"type": "TeamInfoNames", "teamNames": ["Billing", "Technical Support"], "agentId": "2001"}),
    )
    .await;
    desk
}

/// Agent 1002 READY, then talking to 4012 on a routed call; returns the dialog.
async fn agent_talking(env: &Env, jonas: &mut Desk) -> u64 {
    env.send("MakeReady#1002", "").await;
    jonas.client.expect("1002#State#READY##Jonas Weber").await;
    let dialog = env
        .sim
        .control
        .offer_inbound_call("1002", "4012", &[])
        .await
        .unwrap();
    jonas.until("1002#State#RESERVED").await;
    env.send("AnswerCall#1002", &dialog.to_string()).await;
    jonas.until("1002#State#TALKING").await;
    dialog
}

fn monitor_line(state: &str, dialog: u64, from: &str) -> String {
    format!(
        "2001#InboundCall#{state}#DialogID:{dialog}#{from}#{}#<time>#Sabine Hoffmann",
        vars(&[])
    )
}

/// Row "Get Queue Info" → O-019 for every queue, with the live agent counts (2001 NOT_READY in
/// VIP_SG; 1002 NOT_READY in Billing_SG and VIP_SG).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_queue_list_answers_the_queue_statistics() {
    let env = Env::start(Options::default()).await;
    let mut sabine = supervisor(&env).await;
    let _jonas = env.desk("1002", "3002").await;
    env.send("getqueuelist#2001", "").await;
    let queue = |name: &str, not_ready: u32, calls: u32| {
        format!(
            "QueueName:{name},AgentsNotReady:{not_ready},AgentsReady:0,AgentsTalkingInbound:0,AgentsTalkingInternal:0,\
AgentsTalkingOutbound:0,AgentsWrapUpNotReady:0,AgentsWrapUpReady:0,CallsInQueue:{calls},StartTimeOfLongestCallInQueue:"
        )
    };
    sabine
        .expect(
            &format!(
                "2001#QueueList#{}#{}#{}",
                queue("Billing_SG", 1, 2),
                queue("Support_SG", 0, 0),
                queue("VIP_SG", 2, 1)
            ),
            json!({"type": "QueueList", "agentId": "2001", "queues": [
                {"name": "Billing_SG", "agentsNotReady": "1", "callsInQueue": "2"},
                {"name": "Support_SG", "agentsNotReady": "0", "callsInQueue": "0"},
                {"name": "VIP_SG", "agentsNotReady": "2", "callsInQueue": "1"}]}),
        )
        .await;
    env.stop().await;
}

/// Rows "Get Team Users" (with and without `,true`) and "Get Team Users State": O-020 lists
/// team 1; only with the subscription do member changes reach the supervisor (O-021), until
/// the supervisor logs out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn team_users_and_member_state_changes() {
    let env = Env::start(Options::default()).await;
    let mut sabine = supervisor(&env).await;
    let mut jonas = env.desk("1002", "3002").await;
    let user = |first: &str, last: &str, ext: &str, id: &str, state: &str| {
        format!(
            "FirstName:{first},LastName:{last},Extension:{ext},LoginID:{id},State:{state},PendingState:,MediaType:,StateChangeTime:<time>"
        )
    };
    let team_1 = format!(
        "2001#TeamUsersList#{}#{}#{}#{}#{}",
        user("Maria", "Meier", "", "1001", "LOGOUT"),
        user("Jonas", "Weber", "3002", "1002", "NOT_READY"),
        user("Aisha", "Khan", "", "1003", "LOGOUT"),
        user("Lukas", "Schmidt", "", "1004", "LOGOUT"),
        user("Sabine", "Hoffmann", "3901", "2001", "NOT_READY"),
    );
    env.send("getteamusers#2001", "1").await;
    sabine
        .expect(
            &team_1,
            json!([{"type": "Agents", "users": [
                {"firstName": "Maria", "lastName": "Meier", "extension": ""},
                {"firstName": "Jonas", "lastName": "Weber", "extension": "3002"},
                {"firstName": "Aisha", "lastName": "Khan", "extension": ""},
                {"firstName": "Lukas", "lastName": "Schmidt", "extension": ""},
                {"firstName": "Sabine", "lastName": "Hoffmann", "extension": "3901"}]}]),
        )
        .await;
    // Not subscribed: 1002 going READY is not forwarded.
    env.send("MakeReady#1002", "").await;
    jonas.client.expect("1002#State#READY##Jonas Weber").await;
    env.sync_state(&mut sabine, "2001#State#NOT_READY##Sabine Hoffmann")
        .await;

    env.send("getteamuserstate#2001", "1002").await;
    sabine
        .expect(
            "2001#TeamMemberStateChanged#1#READY#1002",
            json!({"type": "TeamMemberStateChanged", "teamId": "1", "loginId": "1002", "state": "READY", "agentId": "2001"}),
        )
        .await;

    env.send("getteamusers#2001", "1,true").await;
    sabine.until("2001#TeamUsersList#").await;
    sabine.events.next().await;
    env.send("MakeNotReadyWithReason#1002", "3").await;
    jonas
        .client
        .expect("1002#State#NOT_READY#3#Jonas Weber")
        .await;
    sabine
        .expect(
            "2001#TeamMemberStateChanged#1#NOT_READY#1002",
            json!({"type": "TeamMemberStateChanged", "teamId": "1", "loginId": "1002", "firstName": "Jonas",
                   "extension": "3002", "state": "NOT_READY", "reasonCode": "3", "agentId": "2001"}),
        )
        .await;

    // The supervisor logs out: the team feed ends with the session.
    env.send("Logout#2001", "").await;
    // (Its own change may still come over the team feed first.)
    sabine.until("2001#State#LOGOUT##Sabine Hoffmann").await;
    env.send("MakeReady#1002", "").await;
    jonas.client.expect("1002#State#READY##Jonas Weber").await;
    env.send("GetState#2001", "").await;
    sabine
        .client
        .expect("2001#State#LOGOUT##Sabine Hoffmann")
        .await;
    env.stop().await;
}

/// Rows "Silent Monitor" (the agent's extension) and "End Silent Monitor" (the monitoring
/// dialog): the monitoring call is shown to the supervisor and dropped. Errors: no extension
/// (MISSING_EXTENSION) and an extension nobody talks on (Finesse's error, passed through).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_monitor_and_end_silent_monitor() {
    let env = Env::start(Options::default()).await;
    let mut sabine = supervisor(&env).await;
    let mut jonas = env.desk("1002", "3002").await;
    let call = agent_talking(&env, &mut jonas).await;

    env.send("silentmonitor#2001", "3002").await;
    let shown = support::masked(&sabine.client.text().await);
    let dialogs = env.sim.control.dialogs().await.unwrap();
    let monitor = dialogs
        .iter()
        .find(|d| d.id != call)
        .expect("a monitoring dialog");
    assert_eq!(monitor.call_type, "SUPERVISOR_MONITOR");
    let monitor = monitor.id;
    assert_eq!(shown, monitor_line("ACTIVE", monitor, "3901"));
    sabine
        .expect_event(json!({"type": "InboundCall", "dialogId": monitor.to_string(), "state": "ACTIVE", "agentId": "2001"}))
        .await;
    sabine
        .expect(
            "2001#State#TALKING##Sabine Hoffmann",
            json!({"type": "State", "state": "TALKING"}),
        )
        .await;

    env.send("endsilentmonitor#2001", &monitor.to_string())
        .await;
    sabine
        .expect(
            &monitor_line("DROP", monitor, "3901"),
            json!({"type": "InboundCall", "dialogId": monitor.to_string(), "state": "DROPPED", "agentId": "2001"}),
        )
        .await;
    sabine
        .expect(
            "2001#State#NOT_READY##Sabine Hoffmann",
            json!({"type": "State", "state": "NOT_READY"}),
        )
        .await;
    assert_eq!(env.sim.control.dialogs().await.unwrap().len(), 1);

    env.send("silentmonitor#2001", "").await;
    sabine
        .expect(
            "2001#Error#MISSING_EXTENSION",
            json!({"type": "Error", "code": "MISSING_EXTENSION"}),
        )
        .await;
    env.send("silentmonitor#2001", "3003").await;
    sabine
        .expect(
            "2001#Error#BAD_DESTINATION",
            json!({"type": "Error", "code": "BAD_DESTINATION"}),
        )
        .await;
    // The agent's call was never disturbed.
    env.send("getdialogstate#1002", &call.to_string()).await;
    jonas
        .client
        .expect(&format!(
            "1002#DialogState#ACTIVE#{call}#Jonas Weber#4012#{}####",
            vars(&[])
        ))
        .await;
    env.stop().await;
}

/// Rows "Make a Barge Call" (bargein with the agent and the monitoring dialog) and "Drop
/// Participant": the supervisor joins the agent's call as a conference, then drops the agent
/// from it; O-022 shows the parties before and after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn barge_in_then_drop_participant() {
    let env = Env::start(Options::default()).await;
    let mut sabine = supervisor(&env).await;
    let mut jonas = env.desk("1002", "3002").await;
    let call = agent_talking(&env, &mut jonas).await;
    env.send("silentmonitor#2001", "3002").await;
    sabine.until("2001#State#TALKING").await;
    let monitor = env
        .sim
        .control
        .dialogs()
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.id != call)
        .unwrap()
        .id;

    // Neither a dialog the supervisor has nor a member it can place on a call (1002 on an
    // unknown dialog would be resolved to its current monitored call).
    env.send("bargein#2001", "1004,999").await;
    sabine.client.expect("2001#Error#NO_DIALOG_ID").await;
    env.send("bargein#2001", &format!("1002,{monitor}")).await;
    // The monitoring dialog becomes part of the agent's call.
    sabine
        .expect_seq(&[
            monitor_line("ACTIVE", call, "4012"),
            monitor_line("DROP", monitor, "3901"),
        ])
        .await;
    let finesse = env.sim.control.dialog(call).await.unwrap();
    assert_eq!(finesse.call_type, "CONFERENCE");
    env.send("getDialogParticipants#2001", &call.to_string())
        .await;
    sabine
        .client
        .expect("2001#ConferenceParticipants#4012,3002,3901")
        .await;

    env.send("dropparticipant#2001", &format!("3002,{call}"))
        .await;
    jonas
        .until(&format!("1002#InboundCall#WRAP_UP#DialogID:{call}#"))
        .await;
    jonas
        .client
        .expect("1002#State#WORK_READY##Jonas Weber")
        .await;
    let parties: Vec<(String, String)> = env
        .sim
        .control
        .dialog(call)
        .await
        .unwrap()
        .participants
        .into_iter()
        .map(|p| (p.address, p.state))
        .collect();
    assert_eq!(
        parties,
        [
            ("4012".to_owned(), "ACTIVE".to_owned()),
            ("3002".to_owned(), "WRAP_UP".to_owned()),
            ("3901".to_owned(), "ACTIVE".to_owned()),
        ]
    );
    env.send("dropparticipant#2001", "").await;
    sabine.until("2001#Error#MISSING_EXTENSION").await;
    env.stop().await;
}
