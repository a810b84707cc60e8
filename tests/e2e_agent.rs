//! End to end, the seed's Agent Commands table (system, session, state and query rows): each
//! command sent through RabbitMQ as a CRM client sends it (JMSType header, CSV body), with the
//! exact events asserted on the client's bound queue and, as JSON, on the events exchange.
//! Call rows are in e2e_calls.rs, phone books in e2e_admin.rs.

// Helpers outside #[test] functions build fixtures and read the simulator; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use serde_json::json;
use support::{Env, Options, Props};

/// Rows "Send Heartbeat while not logged in" (Hello) and "while logged in" (Beat): both are
/// answered with the System status, on the destination and on reply_to with the correlation id.
/// A Beat from a destination the connector does not know asks it to reconnect (O-026).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_and_beat_answer_the_system_status() {
    let env = Env::start(Options::default()).await;
    let destination = env.destination("1001");
    let mut crm = env.client(&destination).await;
    let mut system = env.tap(&env.names.events, "system.all").await;
    let mut reply = env.reply_queue().await;

    env.send_with(
        &format!("Hello#{destination}"),
        b"",
        Props {
            reply_to: Some(reply.queue.clone()),
            correlation_id: Some("hello-1".into()),
            ..Props::default()
        },
    )
    .await;
    crm.expect("System#IN_SERVICE").await;
    let answer = reply.next().await;
    assert_eq!(answer.body, "System#IN_SERVICE");
    assert_eq!(answer.correlation_id(), Some("hello-1"));
    assert_eq!(
        system.json().await,
        json!({"type": "System", "status": "IN_SERVICE"})
    );

    // Beat of a logged-in agent's destination.
    let mut desk = {
        drop(crm);
        env.desk("1001", "3001").await
    };
    env.send(&format!("Beat#{destination}"), "").await;
    desk.client.expect("System#IN_SERVICE").await;

    // A Beat from a destination nobody said Hello for.
    let stranger = format!("crm-unknown-{}", env.tag);
    let mut unknown = env.client(&stranger).await;
    env.send(&format!("Beat#{stranger}"), "").await;
    unknown
        .expect(&format!("DESTINATION#{stranger}#RECONNECT"))
        .await;
    env.stop().await;
}

/// Row "Connect AgentID with Client Unique Name": no response. The next thing the destination
/// receives is the answer to the agent's next command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_has_no_response_and_binds_the_agent() {
    let env = Env::start(Options::default()).await;
    let destination = env.destination("1003");
    let mut crm = env.connect_on("1003", &destination, None).await;
    env.send("GetState#1003", "").await;
    crm.expect("1003#State#LOGOUT##Aisha Khan").await;
    env.stop().await;
}

/// Row "Agent Login" → Agent State, Agent Info (exactly these two); Finesse has the agent
/// signed in on the extension.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_answers_state_and_agent_info() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1002", "3002").await;
    let view = env.sim.control.agent_state("1002").await.unwrap();
    assert_eq!(
        (view.state.as_str(), view.extension.as_str()),
        ("NOT_READY", "3002")
    );
    assert_eq!(view.xmpp_sessions, 1, "one notification session");
    env.sync_state(&mut desk, "1002#State#NOT_READY##Jonas Weber")
        .await;
    env.stop().await;
}

/// Row "Mobile Agent Login" → Agent State, Agent Info; Finesse receives the mobile agent's
/// phone and mode ("true" = call by call).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mobile_agent_login_answers_state_and_agent_info() {
    let env = Env::start(Options::default()).await;
    let destination = env.destination("1008");
    let mut crm = env.connect_on("1008", &destination, None).await;
    env.send("MobileAgentLogin#1008", "secret,3008,00493012345,true")
        .await;
    crm.expect_seq(&[
        "1008#State#NOT_READY##Tomasz Kowalski",
        "1008#AgentInfo#Tomasz#Kowalski#false#REQUIRED#Tomasz Kowalski",
    ])
    .await;
    let requests = env.sim.control.requests(0).await.unwrap();
    let login = requests
        .iter()
        .find(|r| r.method == "PUT" && r.path == "/finesse/api/User/1008")
        .expect("the LOGIN request reached Finesse");
    assert!(
        login.body.contains("<state>LOGIN</state>"),
        "{}",
        login.body
    );
    assert!(login.body.contains("00493012345"), "{}", login.body);
    assert!(login.body.contains("CALL_BY_CALL"), "{}", login.body);
    env.stop().await;
}

/// Rows "Make agent ready", "Make agent not ready", "Not Ready with reason code" and "Get agent
/// current state" → Agent State each, the reason code id in the fourth field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_and_get_state_answer_agent_state() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;

    env.send("MakeReady#1001", "").await;
    desk.expect(
        "1001#State#READY##Maria Meier",
        json!({"type": "State", "agentId": "1001", "state": "READY", "reasonCode": ""}),
    )
    .await;
    assert_eq!(
        env.sim.control.agent_state("1001").await.unwrap().state,
        "READY"
    );

    env.send("MakeNotReadyWithReason#1001", "2").await;
    desk.expect(
        "1001#State#NOT_READY#2#Maria Meier",
        json!({"type": "State", "state": "NOT_READY", "reasonCode": "2"}),
    )
    .await;

    env.send("GetState#1001", "").await;
    desk.expect(
        "1001#State#NOT_READY#2#Maria Meier",
        json!({"type": "State", "state": "NOT_READY", "reasonCode": "2"}),
    )
    .await;

    env.send("MakeReady#1001", "").await;
    desk.expect("1001#State#READY##Maria Meier", json!({"state": "READY"}))
        .await;
    env.send("MakeNotReady#1001", "").await;
    desk.expect(
        "1001#State#NOT_READY##Maria Meier",
        json!({"state": "NOT_READY", "reasonCode": ""}),
    )
    .await;
    let view = env.sim.control.agent_state("1001").await.unwrap();
    assert_eq!(
        (view.state.as_str(), view.reason_code_id),
        ("NOT_READY", -1)
    );
    env.stop().await;
}

/// Rows "Get Agent Wrap-up / Logout / Not Ready Reason Codes" → Reason Codes (O-016) with the
/// simulator's reason code ids and labels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reason_code_lists() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;
    env.send("wrapupreasoncode#1001", "").await;
    desk.expect(
        "1001#ReasonCodes#Category:WrapUp#Codes:1,2,3,4#Labels:Billing question,Issue resolved,Escalated,Callback requested#Maria Meier",
        json!({"type": "ReasonCodes", "category": "WrapUp", "reasonCodes": [{"1": "Billing question"}, {"2": "Issue resolved"}, {"3": "Escalated"}, {"4": "Callback requested"}], "agentId": "1001"}),
    )
    .await;
    env.send("reasoncodelogout#1001", "").await;
    desk.expect(
        "1001#ReasonCodes#Category:LOGOUT#Codes:11,12,13#Labels:End of shift,Personal,Training#Maria Meier",
        json!({"type": "ReasonCodes", "category": "LOGOUT", "reasonCodes": [{"11": "End of shift"}, {"12": "Personal"}, {"13": "Training"}]}),
    )
    .await;
    env.send("reasoncodenotready#1001", "").await;
    desk.expect(
        "1001#ReasonCodes#Category:NOT_READY#Codes:1,2,3,4,5#Labels:Break,Lunch,Meeting,Training,Back office#Maria Meier",
        json!({"type": "ReasonCodes", "category": "NOT_READY", "reasonCodes": [{"1": "Break"}, {"2": "Lunch"}, {"3": "Meeting"}, {"4": "Training"}, {"5": "Back office"}]}),
    )
    .await;
    env.stop().await;
}

/// Row "Agent Logout" → Agent State LOGOUT. From READY the connector goes NOT_READY first
/// (UCCE logs out only from NOT_READY).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_answers_state_logout() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;
    env.send("MakeReady#1001", "").await;
    desk.expect("1001#State#READY##Maria Meier", json!({"state": "READY"}))
        .await;
    env.send("Logout#1001", "").await;
    desk.expect(
        "1001#State#NOT_READY##Maria Meier",
        json!({"state": "NOT_READY"}),
    )
    .await;
    desk.expect(
        "1001#State#LOGOUT##Maria Meier",
        json!({"type": "State", "state": "LOGOUT"}),
    )
    .await;
    let view = env.sim.control.agent_state("1001").await.unwrap();
    assert_eq!(view.state, "LOGOUT");
    env.connector().wait_gauge("gc_agents_logged_in", 0).await;
    env.stop().await;
}

/// Row "Logout with Reason" → Agent State LOGOUT with the reason code id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_with_reason_answers_state_logout_with_the_reason() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1002", "3002").await;
    env.send("logoutwithreason#1002", "12").await;
    desk.expect(
        "1002#State#LOGOUT#12#Jonas Weber",
        json!({"type": "State", "state": "LOGOUT", "reasonCode": "12"}),
    )
    .await;
    let view = env.sim.control.agent_state("1002").await.unwrap();
    assert_eq!((view.state.as_str(), view.reason_code_id), ("LOGOUT", 12));
    env.stop().await;
}

/// Row "Abrupt Agent Disconnection" (force_logout) → Agent State LOGOUT; the connector then
/// forgets the agent: its next command is answered RE_LOGIN (O-007) on reply_to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_logout_logs_out_and_forgets_the_agent() {
    let env = Env::start(Options {
        env: vec![("GC_CLIENTS__FORCE_LOGOUT_REASON".into(), "13".into())],
        ..Options::default()
    })
    .await;
    let mut desk = env.desk("1003", "3003").await;
    env.send("force_logout#1003", "").await;
    desk.expect(
        "1003#State#LOGOUT#13#Aisha Khan",
        json!({"type": "State", "state": "LOGOUT", "reasonCode": "13"}),
    )
    .await;
    assert_eq!(
        env.sim.control.agent_state("1003").await.unwrap().state,
        "LOGOUT"
    );

    let mut reply = env.reply_queue().await;
    env.send_with(
        "MakeReady#1003",
        b"",
        Props {
            reply_to: Some(reply.queue.clone()),
            correlation_id: Some("after-force".into()),
            ..Props::default()
        },
    )
    .await;
    let answer = reply.next().await;
    assert_eq!(answer.body, "1003#State#RE_LOGIN");
    assert_eq!(answer.correlation_id(), Some("after-force"));
    desk.expect_event(json!({"type": "State", "state": "RE_LOGIN", "agentId": "1003"}))
        .await;
    env.stop().await;
}

/// Row "Get Logged in Agents" → Get All Agents (the agents logged in on this connector).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_all_agents_lists_the_logged_in_agents() {
    let env = Env::start(Options::default()).await;
    let mut maria = env.desk("1001", "3001").await;
    let _jonas = env.desk("1002", "3002").await;
    env.send("getallagents#1001", "").await;
    maria
        .expect(
            "1001#Agents#FirstName:Maria,LastName:Meier,Extension:3001#FirstName:Jonas,LastName:Weber,Extension:3002",
            json!([{"type": "Agents", "users": [
                {"firstName": "Maria", "lastName": "Meier", "extension": "3001"},
                {"firstName": "Jonas", "lastName": "Weber", "extension": "3002"}
            ]}]),
        )
        .await;
    env.stop().await;
}

/// Row "Refresh": the state and agent info again (and the calls, when there are any: see
/// e2e_calls.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_republishes_state_and_agent_info() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1004", "3004").await;
    env.send("refresh#1004", "").await;
    desk.expect(
        "1004#State#NOT_READY##Lukas Schmidt",
        json!({"type": "State", "state": "NOT_READY"}),
    )
    .await;
    desk.expect(
        "1004#AgentInfo#Lukas#Schmidt#false#REQUIRED#Lukas Schmidt",
        json!({"type": "AgentInfo", "firstName": "Lukas", "team": {"id": "1", "name": "Billing"}}),
    )
    .await;
    env.stop().await;
}

/// Rows "Pause / Resume Zoom Call Recording" without a recording controller configured:
/// RECORDING_NOT_CONFIGURED.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zoom_recording_without_a_controller_is_not_configured() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1001", "3001").await;
    for command in ["ZOOMPauseRecording#1001", "ZOOMResumeRecording#1001"] {
        env.send(command, "").await;
        desk.expect(
            "1001#Error#RECORDING_NOT_CONFIGURED",
            json!({"type": "Error", "code": "RECORDING_NOT_CONFIGURED", "agentId": "1001"}),
        )
        .await;
    }
    env.stop().await;
}

/// Commands of one agent reach Finesse in the order the client sent them, even when the client
/// does not wait for answers: ten MakeReady / MakeNotReady pairs in a row end NOT_READY, and
/// the State answers alternate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_of_one_agent_are_performed_in_the_order_sent() {
    let env = Env::start(Options::default()).await;
    let mut desk = env.desk("1005", "3005").await;
    for _ in 0..10 {
        env.send("MakeReady#1005", "").await;
        env.send("MakeNotReady#1005", "").await;
    }
    for _ in 0..10 {
        desk.expect_seq(&[
            "1005#State#READY##Sofia Rossi",
            "1005#State#NOT_READY##Sofia Rossi",
        ])
        .await;
    }
    let states: Vec<String> = env
        .sim
        .control
        .requests(0)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path == "/finesse/api/User/1005")
        .filter_map(|r| {
            let start = r.body.find("<state>")? + "<state>".len();
            let end = r.body.find("</state>")?;
            Some(r.body[start..end].to_owned())
        })
        .collect();
    let mut expected = vec!["LOGIN".to_owned()];
    for _ in 0..10 {
        expected.push("READY".into());
        expected.push("NOT_READY".into());
    }
    assert_eq!(states, expected, "the order Finesse saw");
    assert_eq!(
        env.sim.control.agent_state("1005").await.unwrap().state,
        "NOT_READY"
    );
    env.stop().await;
}
