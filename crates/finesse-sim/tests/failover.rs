//! Two nodes sharing one cluster state: stopping a node closes its ports and cuts its
//! sessions while the other keeps serving; OUT_OF_SERVICE answers 503 and is announced in
//! SystemInfo.

mod common;

use common::{Rest, Xmpp, login_ready, start, text_of};
use finesse_sim::NodeId;
use finesse_sim::control::NodeStatus;

#[tokio::test]
async fn stopping_a_node_closes_its_ports_and_the_other_node_keeps_serving() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    let primary = cluster.node(NodeId::Primary);
    let secondary = cluster.node(NodeId::Secondary);
    assert_ne!(primary.rest_addr, secondary.rest_addr);
    assert_ne!(primary.xmpp_addr, secondary.xmpp_addr);

    // The agent works on the primary.
    let (rest, mut xmpp) = login_ready(&cluster, "1001", "3001").await;
    assert_eq!(rest.get("/User/1001").await.status, 200);

    control.stop_node(NodeId::Primary).await.unwrap();
    // Its ports are gone and its sessions were cut.
    assert!(
        tokio::net::TcpStream::connect(primary.rest_addr)
            .await
            .is_err()
    );
    assert!(
        tokio::net::TcpStream::connect(primary.xmpp_addr)
            .await
            .is_err()
    );
    assert!(
        !xmpp.read_more().await,
        "the primary's XMPP session must end"
    );
    let nodes = control.nodes().await.unwrap();
    assert!(!nodes[0].running && nodes[1].running, "{nodes:?}");
    assert!(!cluster.node(NodeId::Primary).running);

    // The secondary serves the same cluster state: the agent is still READY there.
    let mut xmpp_b = Xmpp::login(&cluster, NodeId::Secondary, "1001", "secret").await;
    let rest_b = Rest::new(&cluster, NodeId::Secondary, "1001");
    let user = rest_b.get("/User/1001").await;
    assert_eq!(text_of(&user.body, "state").as_deref(), Some("READY"));
    let info = rest_b.get("/SystemInfo").await;
    assert_eq!(text_of(&info.body, "status").as_deref(), Some("IN_SERVICE"));
    let id = control
        .offer_inbound_call("1001", "0301234567", &[])
        .await
        .unwrap();
    xmpp_b.dialog_event("POST", |n| n.dialog_id() == id).await;
    rest_b
        .action(
            id,
            "ANSWER",
            "<targetMediaAddress>3001</targetMediaAddress>",
            "on-b",
        )
        .await;
    xmpp_b.user_state("TALKING").await;

    // The primary comes back on the same ports.
    control.start_node(NodeId::Primary).await.unwrap();
    let again = cluster.node(NodeId::Primary);
    assert_eq!(again.rest_addr, primary.rest_addr);
    assert_eq!(again.xmpp_addr, primary.xmpp_addr);
    let user = rest.get("/User/1001").await;
    assert_eq!(text_of(&user.body, "state").as_deref(), Some("TALKING"));
    let mut xmpp_a = Xmpp::login(&cluster, NodeId::Primary, "1001", "secret").await;
    rest.action(
        id,
        "DROP",
        "<targetMediaAddress>3001</targetMediaAddress>",
        "drop",
    )
    .await;
    xmpp_a
        .dialog_event("PUT", |n| n.request_id() == "drop")
        .await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn out_of_service_answers_503_and_publishes_system_info() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    let mut on_a = Xmpp::login(&cluster, NodeId::Primary, "1002", "secret").await;
    let mut on_b = Xmpp::login(&cluster, NodeId::Secondary, "1003", "secret").await;
    control
        .set_node_status(NodeId::Primary, NodeStatus::OutOfService)
        .await
        .unwrap();
    let n = on_a
        .wait_notification("SystemInfo", |n| n.node == "/finesse/api/SystemInfo")
        .await;
    assert_eq!(n.data().name, "SystemInfo");
    assert_eq!(n.data().text_at("status"), "OUT_OF_SERVICE");
    assert_eq!(n.source(), "/finesse/api/SystemInfo");

    let rest_a = Rest::new(&cluster, NodeId::Primary, "1002");
    let refused = rest_a.get("/User/1002").await;
    assert_eq!(refused.status, 503);
    assert_eq!(
        text_of(&refused.body, "ErrorType").as_deref(),
        Some("Service Unavailable")
    );
    let info = rest_a.get("/SystemInfo").await;
    assert_eq!(info.status, 200);
    assert_eq!(
        text_of(&info.body, "status").as_deref(),
        Some("OUT_OF_SERVICE")
    );
    // The other node is unaffected.
    let rest_b = Rest::new(&cluster, NodeId::Secondary, "1003");
    assert_eq!(rest_b.get("/User/1003").await.status, 200);
    rest_b
        .state(
            "<User><state>LOGIN</state><extension>3003</extension></User>",
            "b",
        )
        .await;
    assert_eq!(on_b.user_state("NOT_READY").await.request_id(), "b");

    control
        .set_node_status(NodeId::Primary, NodeStatus::InService)
        .await
        .unwrap();
    let n = on_a
        .wait_notification("SystemInfo", |n| n.node == "/finesse/api/SystemInfo")
        .await;
    assert_eq!(n.data().text_at("status"), "IN_SERVICE");
    assert_eq!(rest_a.get("/User/1002").await.status, 200);
    cluster.shutdown().await;
}

#[tokio::test]
async fn dropping_xmpp_cuts_the_sessions_but_the_node_keeps_serving() {
    let cluster = start().await;
    let control = cluster.control().unwrap();
    let (rest, mut xmpp) = login_ready(&cluster, "1001", "3001").await;

    control.drop_xmpp(NodeId::Primary).await.unwrap();
    assert!(!xmpp.read_more().await, "the XMPP session must end");
    // REST is untouched and the node still accepts XMPP: the agent signs in again, still READY.
    let user = rest.get("/User/1001").await;
    assert_eq!(text_of(&user.body, "state").as_deref(), Some("READY"));
    let _again = Xmpp::login(&cluster, NodeId::Primary, "1001", "secret").await;
    let nodes = control.nodes().await.unwrap();
    assert!(nodes[0].running, "{nodes:?}");
    assert_eq!(
        control.agent_state("1001").await.unwrap().xmpp_sessions,
        1,
        "one session: the new one"
    );
}
