//! Call scenarios driven like a real client: REST as the agents, XMPP sessions receiving the
//! notifications, the control API playing the caller and the dialer.
// Helper functions here (not only #[test] bodies) assert with unwrap / expect / panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::xmpp::Notification;
use common::{Rest, Xmpp, login_ready};
use finesse_sim::{Cluster, Directory, DirectorySource, Flavour, NodeId, SimConfig};

const CALLER: &str = "00496912345678";

/// Default data set, with 1-second wrap-up timers for some agents so timers can be observed.
async fn cluster_with(flavour: Flavour) -> Cluster {
    let mut directory = Directory::default_data_set();
    for agent in &mut directory.agents {
        if ["1002", "1004", "1006"].contains(&agent.login_id.as_str()) {
            agent.wrap_up_timer = 1;
        }
    }
    let config = SimConfig {
        flavour,
        directory: DirectorySource::Inline(directory),
        ..common::config()
    };
    Cluster::start(config).await.unwrap()
}

fn target(ext: &str) -> String {
    format!("<targetMediaAddress>{ext}</targetMediaAddress>")
}

async fn inbound_answered(cluster: &Cluster, agent: &str, ext: &str) -> (Rest, Xmpp, u64) {
    let (rest, mut xmpp) = login_ready(cluster, agent, ext).await;
    let control = cluster.control().unwrap();
    let id = control
        .offer_inbound_call(agent, CALLER, &[("callVariable1", "CUST-1")])
        .await
        .unwrap();
    xmpp.dialog_event("POST", |n| n.dialog_id() == id).await;
    rest.action(id, "ANSWER", &target(ext), "answer").await;
    xmpp.dialog_event("PUT", |n| {
        n.dialog_id() == id && n.participant_state(ext) == "ACTIVE"
    })
    .await;
    xmpp.user_state("TALKING").await;
    (rest, xmpp, id)
}

#[tokio::test]
async fn inbound_answer_hold_retrieve_consult_transfer_and_wrap_up() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (a, mut ax) = login_ready(&cluster, "1001", "3001").await;
    let (b, mut bx) = login_ready(&cluster, "1002", "3002").await;

    let id = control
        .offer_inbound_call(
            "1001",
            CALLER,
            &[
                ("callVariable1", "CUST-000981"),
                ("user.crm.caseId", "CS-2291"),
            ],
        )
        .await
        .unwrap();
    ax.user_state("RESERVED").await;
    let offered = ax.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(offered.source(), "/finesse/api/User/1001/Dialogs");
    assert_eq!(offered.data().name, "dialogs");
    assert_eq!(offered.dialog().text_at("state"), "ALERTING");
    assert_eq!(
        offered.dialog().text_at("mediaProperties/callType"),
        "PREROUTE_ACD_IN"
    );
    assert_eq!(offered.participant_state("3001"), "ALERTING");
    assert_eq!(offered.actions("3001"), ["ANSWER"]);
    assert!(
        offered
            .payload
            .contains("<name>user.crm.caseId</name><value>CS-2291</value>")
    );

    // The agent's Dialogs collection shows the same call.
    let listed = a.get("/User/1001/Dialogs").await;
    assert!(
        listed.body.contains(&format!("<id>{id}</id>")),
        "{}",
        listed.body
    );

    a.action(id, "ANSWER", &target("3001"), "ans-1").await;
    let answered = ax.dialog_event("PUT", |n| n.dialog_id() == id).await;
    assert_eq!(answered.request_id(), "ans-1");
    assert_eq!(answered.source(), format!("/finesse/api/Dialog/{id}"));
    assert_eq!(answered.data().name, "dialog");
    assert_eq!(answered.participant_state("3001"), "ACTIVE");
    assert_eq!(answered.participant_state(CALLER), "ACTIVE");
    assert!(
        answered
            .actions("3001")
            .contains(&"CONSULT_CALL".to_owned())
    );
    ax.user_state("TALKING").await;

    a.action(id, "HOLD", &target("3001"), "hold-1").await;
    let held = ax.dialog_event("PUT", |n| n.request_id() == "hold-1").await;
    assert_eq!(held.participant_state("3001"), "HELD");
    assert!(held.actions("3001").contains(&"RETRIEVE".to_owned()));
    ax.user_state("HOLD").await;

    a.action(id, "RETRIEVE", &target("3001"), "retrieve-1")
        .await;
    let retrieved = ax
        .dialog_event("PUT", |n| n.request_id() == "retrieve-1")
        .await;
    assert_eq!(retrieved.participant_state("3001"), "ACTIVE");
    ax.user_state("TALKING").await;

    a.action(
        id,
        "CONSULT_CALL",
        &format!("<toAddress>3002</toAddress>{}", target("3001")),
        "consult-1",
    )
    .await;
    let consult = ax.dialog_event("POST", |n| n.dialog_id() != id).await;
    let consult_id = consult.dialog_id();
    assert_eq!(consult.request_id(), "consult-1");
    assert_eq!(
        consult.dialog().text_at("mediaProperties/callType"),
        "CONSULT"
    );
    assert_eq!(
        consult.dialog().text_at("associatedDialogUri"),
        format!("/finesse/api/Dialog/{id}")
    );
    let offered_b = bx
        .dialog_event("POST", |n| n.dialog_id() == consult_id)
        .await;
    assert_eq!(offered_b.participant_state("3002"), "ALERTING");
    bx.user_state("RESERVED").await;
    b.action(consult_id, "ANSWER", &target("3002"), "b-answer")
        .await;
    bx.user_state("TALKING").await;
    let connected = ax
        .dialog_event("PUT", |n| {
            n.dialog_id() == consult_id && n.participant_state("3001") == "ACTIVE"
        })
        .await;
    assert_eq!(connected.participant_state("3002"), "ACTIVE");

    a.action(id, "TRANSFER", &target("3001"), "transfer-1")
        .await;
    ax.dialog_event("DELETE", |n| n.dialog_id() == consult_id)
        .await;
    let wrap = ax
        .dialog_event("PUT", |n| {
            n.dialog_id() == id && n.participant_state("3001") == "WRAP_UP"
        })
        .await;
    assert_eq!(wrap.actions("3001"), ["UPDATE_CALL_DATA"]);
    assert_eq!(wrap.dialog().text_at("secondaryId"), consult_id.to_string());
    ax.user_state("WORK_READY").await;

    bx.dialog_event("DELETE", |n| n.dialog_id() == consult_id)
        .await;
    let transferred = bx.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(
        transferred.dialog().text_at("mediaProperties/callType"),
        "TRANSFER"
    );
    assert_eq!(transferred.participant_state("3002"), "ACTIVE");
    assert_eq!(transferred.participant_state(CALLER), "ACTIVE");
    assert!(transferred.payload.contains("<value>CUST-000981</value>"));

    // Agent A sets a wrap-up reason and leaves wrap-up by going READY.
    a.action(
        id,
        "UPDATE_CALL_DATA",
        "<mediaProperties><wrapUpReason>Billing question</wrapUpReason></mediaProperties>",
        "wrap-reason",
    )
    .await;
    let updated = ax
        .dialog_event("PUT", |n| n.request_id() == "wrap-reason")
        .await;
    assert_eq!(
        updated.dialog().text_at("mediaProperties/wrapUpReason"),
        "Billing question"
    );
    a.state("<User><state>READY</state></User>", "a-ready")
        .await;
    ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    assert_eq!(ax.user_state("READY").await.request_id(), "a-ready");

    // The caller hangs up on B: B wraps up and the 1-second wrap-up timer makes B READY.
    control.remote_hangup(id).await.unwrap();
    bx.user_state("WORK_READY").await;
    bx.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    bx.user_state("READY").await;
    assert!(control.dialogs().await.unwrap().is_empty());
    cluster.shutdown().await;
}

#[tokio::test]
async fn consult_then_conference_then_a_party_leaves() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let (a, mut ax, id) = inbound_answered(&cluster, "1003", "3003").await;
    let (b, mut bx) = login_ready(&cluster, "1004", "3004").await;
    a.action(
        id,
        "CONSULT_CALL",
        &format!("<toAddress>3004</toAddress>{}", target("3003")),
        "c",
    )
    .await;
    let consult_id = ax
        .dialog_event("POST", |n| n.dialog_id() != id)
        .await
        .dialog_id();
    bx.dialog_event("POST", |n| n.dialog_id() == consult_id)
        .await;
    // Conference before the consulted agent answered is refused asynchronously.
    a.action(consult_id, "CONFERENCE", &target("3003"), "too-early")
        .await;
    let error = ax.api_error().await;
    assert_eq!(error.request_id(), "too-early");
    assert_eq!(error.node, "/finesse/api/User/1003/Dialogs");

    b.action(consult_id, "ANSWER", &target("3004"), "b").await;
    ax.dialog_event("PUT", |n| {
        n.dialog_id() == consult_id && n.participant_state("3004") == "ACTIVE"
    })
    .await;
    a.action(consult_id, "CONFERENCE", &target("3003"), "conf")
        .await;
    ax.dialog_event("DELETE", |n| n.dialog_id() == consult_id)
        .await;
    let conference = ax
        .dialog_event("PUT", |n| n.dialog_id() == id && n.request_id() == "conf")
        .await;
    assert_eq!(
        conference.dialog().text_at("mediaProperties/callType"),
        "CONFERENCE"
    );
    for ext in ["3003", "3004", CALLER] {
        assert_eq!(conference.participant_state(ext), "ACTIVE", "{ext}");
    }
    let joined = bx.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(joined.participant_state("3003"), "ACTIVE");

    // B leaves the conference; A keeps talking with the caller.
    b.action(id, "DROP", &target("3004"), "b-drop").await;
    bx.user_state("WORK_READY").await;
    let after = ax.dialog_event("PUT", |n| n.request_id() == "b-drop").await;
    assert_eq!(after.participant_state("3003"), "ACTIVE");
    assert_eq!(after.participant_state(CALLER), "ACTIVE");
    assert_ne!(after.participant_state("3004"), "ACTIVE");
    let control = cluster.control().unwrap();
    assert_eq!(control.agent_state("1003").await.unwrap().state, "TALKING");
    cluster.shutdown().await;
}

fn ba_variables() -> [(&'static str, &'static str); 4] {
    [
        ("BACampaign", "Renewals"),
        ("BAAccountNumber", "AC-42"),
        ("BACustomerNumber", "00493055550000"),
        ("callVariable1", "lead-7"),
    ]
}

#[tokio::test]
async fn outbound_preview_accept_reject_and_close() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (a, mut ax) = login_ready(&cluster, "1005", "3005").await;
    let customer = "00493055550000";

    // ACCEPT: the reservation is accepted, the customer call starts, the reservation goes.
    let id = control
        .offer_preview("1005", customer, &ba_variables())
        .await
        .unwrap();
    ax.user_state("RESERVED_OUTBOUND_PREVIEW").await;
    let offered = ax.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(
        offered.dialog().text_at("mediaProperties/callType"),
        "OUTBOUND_PREVIEW"
    );
    assert_eq!(
        offered.actions("3005"),
        ["ACCEPT", "CLOSE", "REJECT", "UPDATE_CALL_DATA"]
    );
    assert!(
        offered
            .payload
            .contains("<name>BACampaign</name><value>Renewals</value>")
    );
    a.action(id, "ACCEPT", &target("3005"), "accept").await;
    let accepted = ax.dialog_event("PUT", |n| n.dialog_id() == id).await;
    assert_eq!(accepted.dialog().text_at("state"), "ACCEPTED");
    assert_eq!(accepted.participant_state("3005"), "ACCEPTED");
    let call = ax.dialog_event("POST", |n| n.dialog_id() != id).await;
    assert_eq!(call.dialog().text_at("toAddress"), customer);
    assert_eq!(call.participant_state(customer), "ALERTING");
    ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    ax.user_state("TALKING").await;
    control.remote_answer(call.dialog_id()).await.unwrap();
    let talking = ax
        .dialog_event("PUT", |n| n.dialog_id() == call.dialog_id())
        .await;
    assert_eq!(talking.participant_state("3005"), "ACTIVE");
    // Outbound Option data on the connected call: reclassify, schedule and cancel a callback.
    let params = |pairs: &[(&str, &str)]| {
        let mut inner = String::new();
        for (n, v) in pairs {
            inner.push_str("<ActionParam><name>");
            inner.push_str(n);
            inner.push_str("</name><value>");
            inner.push_str(v);
            inner.push_str("</value></ActionParam>");
        }
        format!("{}<actionParams>{inner}</actionParams>", target("3005"))
    };
    let reclassify = params(&[("outboundClassification", "CLASSIFICATION_ANSWERING_MACHINE")]);
    a.action(call.dialog_id(), "RECLASSIFY", &reclassify, "reclassify")
        .await;
    let n = ax
        .dialog_event("PUT", |n| n.request_id() == "reclassify")
        .await;
    assert_eq!(
        n.dialog().text_at("mediaProperties/outboundClassification"),
        "CLASSIFICATION_ANSWERING_MACHINE"
    );
    assert!(
        n.payload
            .contains("<name>BAResponse</name><value>CLASSIFICATION_ANSWERING_MACHINE</value>")
    );
    let callback = params(&[
        ("callbackTime", "2025-03-05T10:00"),
        ("callbackNumber", "0301111"),
    ]);
    a.action(
        call.dialog_id(),
        "UPDATE_SCHEDULED_CALLBACK",
        &callback,
        "cb",
    )
    .await;
    let n = ax.dialog_event("PUT", |n| n.request_id() == "cb").await;
    assert_eq!(
        n.dialog().text_at("scheduledCallbackInfo/callbackTime"),
        "2025-03-05T10:00"
    );
    a.action(
        call.dialog_id(),
        "CANCEL_SCHEDULED_CALLBACK",
        &target("3005"),
        "cancel",
    )
    .await;
    let n = ax.dialog_event("PUT", |n| n.request_id() == "cancel").await;
    assert!(n.dialog().child("scheduledCallbackInfo").is_none());
    a.action(call.dialog_id(), "DROP", &target("3005"), "bye")
        .await;
    ax.dialog_event("DELETE", |n| n.dialog_id() == call.dialog_id())
        .await;
    ax.user_state("READY").await;

    // REJECT: back to READY.
    let id = control
        .offer_preview("1005", customer, &ba_variables())
        .await
        .unwrap();
    ax.dialog_event("POST", |n| n.dialog_id() == id).await;
    a.action(id, "REJECT", &target("3005"), "reject").await;
    let gone = ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    assert_eq!(gone.request_id(), "reject");
    assert_eq!(ax.user_state("READY").await.request_id(), "reject");

    // CLOSE with a pending NOT_READY: the agent ends NOT_READY.
    let id = control
        .offer_preview("1005", customer, &ba_variables())
        .await
        .unwrap();
    ax.user_state("RESERVED_OUTBOUND_PREVIEW").await;
    a.state(
        "<User><state>NOT_READY</state><reasonCodeId>1</reasonCodeId></User>",
        "pending",
    )
    .await;
    let pending = ax
        .wait_notification("pending", |n| n.request_id() == "pending")
        .await;
    assert_eq!(pending.data().text_at("pendingState"), "NOT_READY");
    a.action(id, "CLOSE", &target("3005"), "close").await;
    ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    let after = ax.user_state("NOT_READY").await;
    assert_eq!(after.data().text_at("reasonCodeId"), "1");
    assert_eq!(after.data().text_at("pendingState"), "");
    cluster.shutdown().await;
}

#[tokio::test]
async fn dialer_call_sends_the_other_in_packet_before_the_outbound_one() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (a, mut ax) = login_ready(&cluster, "1006", "3006").await;
    let id = control
        .offer_outbound_call("1006", "00493055551234", &ba_variables())
        .await
        .unwrap();
    let first = ax.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(
        first.dialog().text_at("mediaProperties/callType"),
        "OTHER_IN"
    );
    assert_eq!(first.dialog().text_at("mediaProperties/dialedNumber"), "");
    assert!(!first.payload.contains("BACampaign"));
    ax.user_state("RESERVED_OUTBOUND").await;
    let second = ax.dialog_event("PUT", |n| n.dialog_id() == id).await;
    assert_eq!(
        second.dialog().text_at("mediaProperties/callType"),
        "OUTBOUND"
    );
    assert_eq!(second.dialog().text_at("toAddress"), "00493055551234");
    assert!(
        second
            .payload
            .contains("<name>BAAccountNumber</name><value>AC-42</value>")
    );
    assert_eq!(second.actions("3006"), ["ANSWER"]);
    a.action(id, "ANSWER", &target("3006"), "ans").await;
    ax.user_state("TALKING").await;
    control.remote_hangup(id).await.unwrap();
    // Outbound wrap-up is OPTIONAL and was not chosen: straight back to READY.
    ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    ax.user_state("READY").await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn make_call_from_ready_goes_through_not_ready_50006_and_back() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (a, mut ax) = login_ready(&cluster, "1007", "3007").await;
    let body = "<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>3007</fromAddress>\
                <toAddress>00491701234567</toAddress><mediaProperties><callvariables><CallVariable>\
                <name>callVariable2</name><value>crm-ctx</value></CallVariable></callvariables>\
                </mediaProperties></Dialog>";
    let answer = a.post("/User/1007/Dialogs", body, "dial").await;
    assert_eq!(answer.status, 202, "{}", answer.body);
    let nr = ax.user_state("NOT_READY").await;
    assert_eq!(nr.data().text_at("reasonCode/code"), "50006");
    let initiating = ax.dialog_event("POST", |_| true).await;
    assert_eq!(initiating.request_id(), "dial");
    assert_eq!(initiating.dialog().text_at("state"), "INITIATING");
    assert_eq!(
        initiating.dialog().text_at("mediaProperties/callType"),
        "AGENT_INSIDE"
    );
    let id = initiating.dialog_id();
    let dialing = ax.dialog_event("PUT", |n| n.dialog_id() == id).await;
    assert_eq!(dialing.dialog().text_at("mediaProperties/callType"), "OUT");
    assert_eq!(dialing.participant_state("3007"), "INITIATED");
    assert_eq!(dialing.participant_state("00491701234567"), "ALERTING");
    ax.user_state("TALKING").await;
    control.remote_answer(id).await.unwrap();
    let active = ax.dialog_event("PUT", |n| n.dialog_id() == id).await;
    assert_eq!(active.dialog().text_at("state"), "ACTIVE");
    a.action(id, "SEND_DTMF", &format!("{}<actionParams><ActionParam><name>dtmfString</name><value>12#</value></ActionParam></actionParams>", target("3007")), "dtmf").await;
    ax.dialog_event("PUT", |n| n.request_id() == "dtmf").await;
    a.action(id, "DROP", &target("3007"), "hangup").await;
    ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    ax.user_state("READY").await;

    // Calling one's own extension is refused synchronously; a bad number fails the leg.
    let own = a
        .post(
            "/User/1007/Dialogs",
            "<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>3007</fromAddress>\
             <toAddress>3007</toAddress></Dialog>",
            "own",
        )
        .await;
    assert_eq!(own.status, 400);
    assert!(own.body.contains("Invalid Destination"));
    let bad = a
        .post(
            "/User/1007/Dialogs",
            "<Dialog><requestedAction>MAKE_CALL</requestedAction><fromAddress>3007</fromAddress>\
             <toAddress>not-a-number</toAddress></Dialog>",
            "bad",
        )
        .await;
    assert_eq!(bad.status, 202);
    let failed = ax
        .dialog_event("PUT", |n| {
            n.request_id() == "bad" && n.dialog().text_at("state") == "FAILED"
        })
        .await;
    assert_eq!(failed.participant_state("3007"), "FAILED");
    assert_eq!(failed.actions("3007"), ["DROP"]);
    cluster.shutdown().await;
}

#[tokio::test]
async fn single_step_transfer_reaches_the_other_agent() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let (a, mut ax, id) = inbound_answered(&cluster, "1001", "3001").await;
    let (_b, mut bx) = login_ready(&cluster, "1002", "3002").await;
    a.action(
        id,
        "TRANSFER_SST",
        &format!("<toAddress>3002</toAddress>{}", target("3001")),
        "sst",
    )
    .await;
    ax.user_state("WORK_READY").await;
    let arrived: Notification = bx.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(
        arrived.dialog().text_at("mediaProperties/callType"),
        "TRANSFER"
    );
    assert_eq!(arrived.participant_state("3002"), "ALERTING");
    bx.user_state("RESERVED").await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn actions_not_allowed_now_fail_with_invalid_action() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (a, mut ax) = login_ready(&cluster, "1002", "3002").await;
    let id = control
        .offer_inbound_call("1002", CALLER, &[])
        .await
        .unwrap();
    ax.dialog_event("POST", |n| n.dialog_id() == id).await;
    a.action(id, "HOLD", &target("3002"), "hold-while-ringing")
        .await;
    let error = ax.api_error().await;
    assert_eq!(error.request_id(), "hold-while-ringing");
    assert_eq!(error.source(), format!("/finesse/api/Dialog/{id}"));
    assert_eq!(error.data().text_at("apiError/errorType"), "Generic Error");
    assert_eq!(
        error.data().text_at("apiError/errorMessage"),
        "INVALID_ACTION HOLD on extension 3002"
    );
    // Synchronous checks: a foreign targetMediaAddress, an unknown action, a missing one.
    let wrong = a
        .put(
            &format!("/Dialog/{id}"),
            &format!(
                "<Dialog><requestedAction>ANSWER</requestedAction>{}</Dialog>",
                target("3001")
            ),
            "x",
        )
        .await;
    assert_eq!(wrong.status, 400);
    let unknown = a
        .put(
            &format!("/Dialog/{id}"),
            "<Dialog><requestedAction>FLY</requestedAction></Dialog>",
            "x",
        )
        .await;
    assert!(unknown.body.contains("Invalid Input"));
    let missing = a.put(&format!("/Dialog/{id}"), "<Dialog/>", "x").await;
    assert!(missing.body.contains("Parameter Missing"));
    // Call variables beyond the CTI limit are refused.
    let long = format!(
        "<Dialog><requestedAction>UPDATE_CALL_DATA</requestedAction><mediaProperties><callvariables>\
         <CallVariable><name>callVariable1</name><value>{}</value></CallVariable></callvariables>\
         </mediaProperties></Dialog>",
        "x".repeat(41)
    );
    assert_eq!(
        a.put(&format!("/Dialog/{id}"), &long, "x").await.status,
        400
    );
    // The caller hangs up before the answer: the dialog goes, the agent is READY again.
    control.remote_hangup(id).await.unwrap();
    let gone = ax.dialog_event("DELETE", |n| n.dialog_id() == id).await;
    assert_eq!(gone.participant_state("3002"), "DROPPED");
    ax.user_state("READY").await;
    cluster.shutdown().await;
}

#[tokio::test]
async fn pending_not_ready_during_a_call_applies_after_wrap_up() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (a, mut ax, id) = inbound_answered(&cluster, "1004", "3004").await;
    a.state(
        "<User><state>NOT_READY</state><reasonCodeId>3</reasonCodeId></User>",
        "later",
    )
    .await;
    let pending = ax
        .wait_notification("pending", |n| n.request_id() == "later")
        .await;
    assert_eq!(pending.data().text_at("state"), "TALKING");
    assert_eq!(pending.data().text_at("pendingState"), "NOT_READY");
    control.remote_hangup(id).await.unwrap();
    // Wrap-up ends in NOT_READY (WORK), and the 1-second timer ends it.
    ax.user_state("WORK").await;
    let done = ax.user_state("NOT_READY").await;
    assert_eq!(done.data().text_at("reasonCodeId"), "3");
    cluster.shutdown().await;
}

#[tokio::test]
async fn supervisor_team_subscription_sees_member_state_changes() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let mut sup = Xmpp::login(&cluster, NodeId::Primary, "2001", "secret").await;
    let answer = sup.subscribe("/finesse/api/Team/1/Users").await;
    assert!(answer.contains("subscription='subscribed'"), "{answer}");
    assert!(
        answer.contains("node='/finesse/api/Team/1/Users'"),
        "{answer}"
    );

    let agent = Rest::new(&cluster, NodeId::Primary, "1001");
    agent
        .state(
            "<User><state>LOGIN</state><extension>3001</extension></User>",
            "l",
        )
        .await;
    let seen = sup
        .wait_notification("team member", |n| n.node == "/finesse/api/Team/1/Users")
        .await;
    assert_eq!(seen.source(), "/finesse/api/User/1001");
    assert_eq!(seen.data().name, "user");
    assert_eq!(seen.data().text_at("loginId"), "1001");
    assert_eq!(seen.data().text_at("state"), "NOT_READY");

    // The supervisor forces the agent READY, then NOT_READY (system reason 999).
    let supervisor = Rest::new(&cluster, NodeId::Primary, "2001");
    supervisor
        .state_of("1001", "<User><state>READY</state></User>")
        .await;
    sup.wait_notification("forced ready", |n| n.data().text_at("state") == "READY")
        .await;
    let with_reason = supervisor
        .put(
            "/User/1001",
            "<User><state>NOT_READY</state><reasonCodeId>1</reasonCodeId></User>",
            "x",
        )
        .await;
    assert_eq!(with_reason.status, 400, "{}", with_reason.body);
    supervisor
        .state_of("1001", "<User><state>NOT_READY</state></User>")
        .await;
    let forced = sup
        .wait_notification("forced not ready", |n| {
            n.data().text_at("state") == "NOT_READY"
        })
        .await;
    assert_eq!(forced.data().text_at("reasonCode/code"), "999");

    // Unsubscribe: the next member change is not delivered, the supervisor's own change is.
    let answer = sup.unsubscribe("/finesse/api/Team/1/Users").await;
    assert!(answer.contains("type='result'"), "{answer}");
    let again = sup.unsubscribe("/finesse/api/Team/1/Users").await;
    assert!(again.contains("not-subscribed"), "{again}");
    agent.state("<User><state>READY</state></User>", "r").await;
    supervisor
        .state(
            "<User><state>LOGIN</state><extension>3901</extension></User>",
            "sup-login",
        )
        .await;
    let next = sup.next_notification().await;
    assert_eq!(next.node, "/finesse/api/User/2001", "{}", next.payload);

    // An agent may not subscribe to a team feed; unknown nodes do not exist.
    let mut plain = Xmpp::login(&cluster, NodeId::Primary, "1002", "secret").await;
    assert!(
        plain
            .subscribe("/finesse/api/Team/1/Users")
            .await
            .contains("forbidden")
    );
    assert!(
        plain
            .subscribe("/finesse/api/Nothing")
            .await
            .contains("item-not-found")
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn silent_monitor_barge_and_participant_drop() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let control = cluster.control().unwrap();
    let (_a, mut ax, id) = inbound_answered(&cluster, "1002", "3002").await;
    let sup = Rest::new(&cluster, NodeId::Primary, "2001");
    let mut sx = Xmpp::login(&cluster, NodeId::Primary, "2001", "secret").await;
    sup.state(
        "<User><state>LOGIN</state><extension>3901</extension></User>",
        "sl",
    )
    .await;
    sx.user_state("NOT_READY").await;

    // An agent cannot monitor; monitoring an agent who is not talking fails asynchronously.
    let agent = Rest::new(&cluster, NodeId::Primary, "1003");
    let refused = agent
        .post(
            "/User/1003/Dialogs",
            "<Dialog><requestedAction>SILENT_MONITOR</requestedAction><fromAddress>3003</fromAddress>\
             <toAddress>3002</toAddress></Dialog>",
            "x",
        )
        .await;
    assert_eq!(refused.status, 401);
    let (_idle, _idle_x) = login_ready(&cluster, "1001", "3001").await;
    let idle = sup
        .post(
            "/User/2001/Dialogs",
            "<Dialog><requestedAction>SILENT_MONITOR</requestedAction><fromAddress>3901</fromAddress>\
             <toAddress>3001</toAddress></Dialog>",
            "monitor-idle",
        )
        .await;
    assert_eq!(idle.status, 202);
    let error = sx.api_error().await;
    assert_eq!(error.request_id(), "monitor-idle");
    assert_eq!(error.data().text_at("apiError/errorData"), "13145");

    let monitor = sup
        .post(
            "/User/2001/Dialogs",
            "<Dialog><requestedAction>SILENT_MONITOR</requestedAction><fromAddress>3901</fromAddress>\
             <toAddress>3002</toAddress></Dialog>",
            "monitor",
        )
        .await;
    assert_eq!(monitor.status, 202, "{}", monitor.body);
    let session = sx
        .dialog_event("POST", |n| n.request_id() == "monitor")
        .await;
    let monitor_id = session.dialog_id();
    assert_eq!(
        session.dialog().text_at("mediaProperties/callType"),
        "SUPERVISOR_MONITOR"
    );
    assert_eq!(
        session.dialog().text_at("associatedDialogUri"),
        format!("/finesse/api/Dialog/{id}")
    );
    assert!(session.actions("3901").contains(&"BARGE_CALL".to_owned()));
    sx.user_state("TALKING").await;
    // The monitored agent does not see the monitor dialog.
    assert_eq!(control.agent_state("1002").await.unwrap().dialogs, vec![id]);

    let barge = format!(
        "<Dialog><requestedAction>BARGE_CALL</requestedAction><fromAddress>3901</fromAddress>\
         <toAddress>3002</toAddress><associatedDialogUri>/finesse/api/Dialog/{monitor_id}</associatedDialogUri></Dialog>"
    );
    assert_eq!(
        sup.post("/User/2001/Dialogs", &barge, "barge").await.status,
        202
    );
    let joined = sx.dialog_event("POST", |n| n.dialog_id() == id).await;
    assert_eq!(joined.participant_state("3901"), "ACTIVE");
    assert!(
        joined
            .actions("3901")
            .contains(&"PARTICIPANT_DROP".to_owned())
    );
    sx.dialog_event("DELETE", |n| n.dialog_id() == monitor_id)
        .await;
    let seen = ax.dialog_event("PUT", |n| n.request_id() == "barge").await;
    assert_eq!(
        seen.dialog().text_at("mediaProperties/callType"),
        "CONFERENCE"
    );
    assert_eq!(seen.participant_state("3901"), "ACTIVE");

    // The supervisor drops the agent from the call.
    sup.action(id, "PARTICIPANT_DROP", &target("3002"), "pdrop")
        .await;
    ax.user_state("WORK_READY").await;
    let rest = sx.dialog_event("PUT", |n| n.request_id() == "pdrop").await;
    assert_eq!(rest.participant_state("3901"), "ACTIVE");
    assert_eq!(rest.participant_state(CALLER), "ACTIVE");
    assert_ne!(rest.participant_state("3002"), "ACTIVE");
    cluster.shutdown().await;
}

#[tokio::test]
async fn supervisor_ends_a_silent_monitor_with_drop() {
    let cluster = cluster_with(Flavour::Ucce).await;
    let (_a, _ax, id) = inbound_answered(&cluster, "1005", "3005").await;
    let sup = Rest::new(&cluster, NodeId::Primary, "2001");
    let mut sx = Xmpp::login(&cluster, NodeId::Primary, "2001", "secret").await;
    sup.state(
        "<User><state>LOGIN</state><extension>3901</extension></User>",
        "sl",
    )
    .await;
    sx.user_state("NOT_READY").await;
    let body = "<Dialog><requestedAction>SILENT_MONITOR</requestedAction><fromAddress>3901</fromAddress>\
                <toAddress>3005</toAddress></Dialog>";
    assert_eq!(sup.post("/User/2001/Dialogs", body, "m").await.status, 202);
    let monitor_id = sx
        .dialog_event("POST", |n| n.request_id() == "m")
        .await
        .dialog_id();
    assert_ne!(monitor_id, id);
    sup.action(monitor_id, "DROP", &target("3901"), "end").await;
    sx.dialog_event("DELETE", |n| n.dialog_id() == monitor_id)
        .await;
    assert_eq!(sx.user_state("NOT_READY").await.request_id(), "end");
    cluster.shutdown().await;
}

#[tokio::test]
async fn uccx_keeps_talking_on_hold_and_allows_logout_from_ready() {
    let cluster = cluster_with(Flavour::Uccx).await;
    let (a, mut ax, id) = inbound_answered(&cluster, "1001", "3001").await;
    a.action(id, "HOLD", &target("3001"), "hold").await;
    let held = ax.dialog_event("PUT", |n| n.request_id() == "hold").await;
    assert_eq!(held.participant_state("3001"), "HELD");
    // No HOLD user state on UCCX; a pending READY during a call is refused.
    a.state("<User><state>READY</state></User>", "pending-ready")
        .await;
    let error = ax.api_error().await;
    assert_eq!(error.request_id(), "pending-ready");
    assert_eq!(
        error.data().text_at("apiError/errorMessage"),
        "CF_INVALID_AGENT_WORKMODE"
    );
    let control = cluster.control().unwrap();
    assert_eq!(control.agent_state("1001").await.unwrap().state, "TALKING");
    a.action(id, "RETRIEVE", &target("3001"), "r").await;
    a.action(id, "DROP", &target("3001"), "d").await;
    // UCCX has no WORK_READY: wrap-up is WORK even after a call taken from READY.
    ax.user_state("WORK").await;
    a.state("<User><state>READY</state></User>", "ready").await;
    ax.user_state("READY").await;
    a.state("<User><state>LOGOUT</state></User>", "out").await;
    assert_eq!(ax.user_state("LOGOUT").await.request_id(), "out");
    cluster.shutdown().await;
}
