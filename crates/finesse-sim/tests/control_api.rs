//! The JSON control API through its typed client: directory loading, the event log, views
//! of agents and dialogs, and its error answers.

mod common;

use common::{Rest, login_ready, start, text_of};
use finesse_sim::control::{Event, InboundOffer};
use finesse_sim::{Directory, NodeId, SimError};

#[tokio::test]
async fn a_directory_file_replaces_the_agents() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("directory.json");
    std::fs::write(
        &path,
        serde_json::to_string(&Directory::generated(3)).unwrap(),
    )
    .unwrap();
    control.load_directory_file(&path).await.unwrap();
    assert_eq!(control.directory().await.unwrap().agents.len(), 3);
    let rest = Rest::new(&cluster, NodeId::Primary, "10002");
    let user = rest.get("/User/10002").await;
    assert_eq!(user.status, 200, "{}", user.body);
    assert_eq!(
        text_of(&user.body, "loginName").as_deref(),
        Some("agent00002")
    );
    assert_eq!(
        Rest::new(&cluster, NodeId::Primary, "1001")
            .get("/User/1001")
            .await
            .status,
        401
    );

    // An inconsistent directory is refused and the old one stays.
    let mut broken = Directory::default_data_set();
    broken.agents[0].team_id = 42;
    let err = control.load_directory(&broken).await.unwrap_err();
    assert!(
        matches!(err, SimError::Control { status: 400, .. }),
        "{err}"
    );
    assert_eq!(control.directory().await.unwrap().agents.len(), 3);
    control
        .load_directory(&Directory::default_data_set())
        .await
        .unwrap();
    assert_eq!(
        Rest::new(&cluster, NodeId::Primary, "1001")
            .get("/User/1001")
            .await
            .status,
        200
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn the_event_log_lists_requests_and_notifications_in_order() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    let start_seq = control.events(0).await.unwrap().last;
    let (_rest, _xmpp) = login_ready(&cluster, "1001", "3001").await;
    let requests = control.requests(start_seq).await.unwrap();
    let login = requests
        .iter()
        .find(|r| r.request_id.as_deref() == Some("login-1001"))
        .unwrap();
    assert_eq!(login.method, "PUT");
    assert_eq!(login.path, "/finesse/api/User/1001");
    assert_eq!(login.status, 202);
    assert_eq!(login.user.as_deref(), Some("1001"));
    assert!(login.body.contains("<extension>3001</extension>"));
    let notifications = control.notifications(start_seq).await.unwrap();
    let outcome = notifications
        .iter()
        .find(|n| n.request_id == "login-1001")
        .unwrap();
    assert!(outcome.seq > login.seq);
    assert_eq!(outcome.node, "/finesse/api/User/1001");
    assert_eq!(outcome.recipients, ["1001@finesse.local/gc-1001"]);
    assert!(outcome.payload.contains("<state>NOT_READY</state>"));
    let all = control.events(start_seq).await.unwrap();
    assert!(all.events.windows(2).all(|w| w[0].seq() < w[1].seq()));
    assert!(all.events.iter().any(|e| matches!(e, Event::Request(_))));
    control.clear_events().await.unwrap();
    assert!(control.events(0).await.unwrap().events.is_empty());
    cluster.shutdown().await;
}

#[tokio::test]
async fn call_offers_are_checked_and_dialogs_can_be_inspected() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    // A routed call needs a READY agent; unknown agents and queues are reported.
    let err = control
        .offer_inbound_call("1002", "0301", &[])
        .await
        .unwrap_err();
    assert!(
        matches!(err, SimError::Control { status: 409, .. }),
        "{err}"
    );
    let err = control
        .offer_preview("9999", "0301", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown agent"), "{err}");
    let (_rest, mut xmpp) = login_ready(&cluster, "1002", "3002").await;
    let offer = InboundOffer {
        agent: "1002".to_owned(),
        from: "0301".to_owned(),
        variables: vec![("callVariable3".to_owned(), "x".to_owned())],
        call_type: Some("ACD_IN".to_owned()),
        dialed_number: Some("8811".to_owned()),
        queue: Some(5031),
    };
    let id = control.offer_inbound(&offer).await.unwrap();
    let n = xmpp.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(
        n.dialog().text_at("mediaProperties/queueName"),
        "Billing_SG"
    );
    assert_eq!(n.dialog().text_at("mediaProperties/callType"), "ACD_IN");
    let view = control.dialog(id).await.unwrap();
    assert_eq!(view.call_type, "ACD_IN");
    assert_eq!(view.to_address, "8811");
    let agent_leg = view
        .participants
        .iter()
        .find(|p| p.address == "3002")
        .unwrap();
    assert_eq!(agent_leg.state, "ALERTING");
    assert_eq!(agent_leg.actions, ["ANSWER"]);
    assert_eq!(control.agent_state("1002").await.unwrap().state, "RESERVED");
    // Nothing rings at the remote side of an inbound call; a second answer is refused.
    let err = control.remote_answer(id).await.unwrap_err();
    assert!(
        matches!(err, SimError::Control { status: 409, .. }),
        "{err}"
    );
    assert!(control.dialog(123).await.is_err());
    let nodes = control.nodes().await.unwrap();
    assert_eq!(nodes.len(), 2);
    assert!(nodes.iter().all(|n| n.running));
    cluster.shutdown().await;
}
