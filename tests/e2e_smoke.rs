//! End to end, the happy path: a client logs an agent in, takes a call and logs out, through
//! RabbitMQ, the connector binary and the Finesse simulator as separate processes.

mod support;

use support::{Env, Options};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_logs_in_takes_a_call_and_logs_out() {
    let env = Env::start(Options::default()).await;
    let mut crm = env.login("1001", "3001").await;

    env.send("MakeReady#1001", "").await;
    crm.until("1001#State#READY").await;

    let dialog = env
        .sim
        .control
        .offer_inbound_call("1001", "4012", &[("callVariable1", "gold")])
        .await
        .unwrap();
    let new_call = crm.until("1001#NewInboundCall#").await;
    assert_eq!(
        new_call,
        format!(
            "1001#NewInboundCall#4012#4012|callVariable1=gold|callVariable2=|callVariable3=|callVariable4=|callVariable5=|callVariable6=|callVariable7=|callVariable8=|callVariable9=|callVariable10=#DialogID:{dialog}"
        )
    );

    env.send("AnswerCall#1001", &dialog.to_string()).await;
    crm.until("1001#InboundCall#ACTIVE").await;
    env.send("ReleaseCall#1001", &dialog.to_string()).await;
    // Agent 1001 wraps up incoming calls (REQUIRED): the call stays until wrap-up ends.
    crm.until("1001#InboundCall#WRAP_UP").await;
    env.send("wrapup#1001", &format!("Billing question,{dialog}"))
        .await;
    env.send("MakeNotReady#1001", "").await;
    crm.until("1001#InboundCall#DROP").await;
    crm.until("1001#State#NOT_READY").await;

    env.send("Logout#1001", "").await;
    crm.until("1001#State#LOGOUT").await;
    env.stop().await;
}
