//! The REST API through an HTTP client: objects, synchronous errors, asynchronous errors with
//! CF codes, the agent state machine, lockout, HTTPS.

mod common;

use common::{Rest, Xmpp, start, text_of, texts_of};
use finesse_sim::{Cluster, NodeId, SimConfig, TlsConfig};

#[tokio::test]
async fn user_object_has_finesse_fields_and_logs_in_by_login_name() {
    let cluster = start().await;
    let rest = Rest::new(&cluster, NodeId::Primary, "1001");
    let answer = rest.get("/User/1001").await;
    assert_eq!(answer.status, 200);
    assert!(answer.body.starts_with("<User>"), "{}", answer.body);
    assert_eq!(text_of(&answer.body, "state").as_deref(), Some("LOGOUT"));
    assert_eq!(text_of(&answer.body, "firstName").as_deref(), Some("Maria"));
    assert_eq!(
        text_of(&answer.body, "teamName").as_deref(),
        Some("Billing")
    );
    // UCCE resolves the login name too.
    let by_name = Rest::new(&cluster, NodeId::Primary, "mmeier")
        .get("/User/mmeier")
        .await;
    assert_eq!(text_of(&by_name.body, "loginId").as_deref(), Some("1001"));
    cluster.shutdown().await;
}

#[tokio::test]
async fn configuration_objects_are_served_by_category_and_team() {
    let cluster = start().await;
    let rest = Rest::new(&cluster, NodeId::Primary, "1001");
    let not_ready = rest.get("/User/1001/ReasonCodes?category=NOT_READY").await;
    assert_eq!(not_ready.status, 200);
    assert_eq!(texts_of(&not_ready.body, "category").len(), 5);
    assert!(
        texts_of(&not_ready.body, "category")
            .iter()
            .all(|c| c == "NOT_READY")
    );
    let logout = rest.get("/User/1001/ReasonCodes?category=LOGOUT").await;
    assert_eq!(
        texts_of(&logout.body, "label"),
        ["End of shift", "Personal", "Training"]
    );
    let missing = rest.get("/User/1001/ReasonCodes").await;
    assert_eq!(missing.status, 400);
    assert_eq!(
        text_of(&missing.body, "ErrorType").as_deref(),
        Some("Parameter Missing")
    );
    let all = rest.get("/TeamResource/1/ReasonCodes?category=ALL").await;
    assert_eq!(texts_of(&all.body, "ReasonCode").len(), 8);
    let one = rest.get("/User/1001/ReasonCode/2").await;
    assert_eq!(text_of(&one.body, "label").as_deref(), Some("Lunch"));
    assert_eq!(text_of(&one.body, "code").as_deref(), Some("101"));

    let wrap = rest.get("/User/1001/WrapUpReasons").await;
    assert!(texts_of(&wrap.body, "label").contains(&"Billing question".to_owned()));
    assert_eq!(rest.get("/WrapUpReason/3").await.status, 200);
    assert_eq!(rest.get("/WrapUpReason/99").await.status, 404);

    // Team 1 sees the global book and its own team book, not team 2's.
    let books = rest.get("/User/1001/PhoneBooks").await;
    assert_eq!(
        texts_of(&books.body, "name"),
        ["Company Directory", "Billing Partners"]
    );
    assert_eq!(texts_of(&books.body, "type"), ["GLOBAL", "TEAM"]);
    let team2 = rest.get("/TeamResource/2/PhoneBooks").await;
    assert!(texts_of(&team2.body, "name").contains(&"Support Escalation".to_owned()));
    let contacts = rest.get("/PhoneBook/1/Contacts").await;
    assert_eq!(texts_of(&contacts.body, "Contact").len(), 3);
    let ranged = rest
        .http
        .get(format!("{}/finesse/api/PhoneBook/1/Contacts", rest.base))
        .basic_auth("1001", Some("secret"))
        .header("Range", "objects=2-3")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status().as_u16(), 206);
    let ranged = ranged.text().await.unwrap();
    assert_eq!(texts_of(&ranged, "lastName"), ["Helpdesk", "Brandt"]);
    let contact = rest.get("/PhoneBook/2/Contact/1").await;
    assert_eq!(
        text_of(&contact.body, "phoneNumber").as_deref(),
        Some("00498912345600")
    );

    let queue = rest.get("/Queue/5031").await;
    assert_eq!(text_of(&queue.body, "name").as_deref(), Some("Billing_SG"));
    assert_eq!(text_of(&queue.body, "agentsLoggedOn").as_deref(), Some("0"));
    assert_eq!(text_of(&queue.body, "callsInQueue").as_deref(), Some("2"));
    let queues = rest.get("/User/1001/Queues").await;
    assert_eq!(texts_of(&queues.body, "Queue").len(), 2);

    let info = rest.get("/SystemInfo").await;
    assert_eq!(text_of(&info.body, "status").as_deref(), Some("IN_SERVICE"));
    assert_eq!(
        text_of(&info.body, "deploymentType").as_deref(),
        Some("UCCE")
    );
    assert_eq!(
        text_of(&info.body, "xmppDomain").as_deref(),
        Some("finesse.local")
    );
    assert_eq!(
        text_of(&info.body, "xmppPubSubDomain").as_deref(),
        Some("pubsub.finesse.local")
    );
    assert!(info.body.contains("<secondaryNode>"));
    cluster.shutdown().await;
}

#[tokio::test]
async fn team_with_users_is_for_its_supervisors_and_queue_statistics_follow_states() {
    let cluster = start().await;
    let supervisor = Rest::new(&cluster, NodeId::Primary, "2001");
    let agent = Rest::new(&cluster, NodeId::Primary, "1001");
    let mut xmpp = Xmpp::login(&cluster, NodeId::Primary, "1001", "secret").await;
    agent
        .state(
            "<User><state>LOGIN</state><extension>3001</extension></User>",
            "l1",
        )
        .await;
    xmpp.user_state("NOT_READY").await;
    agent.state("<User><state>READY</state></User>", "r1").await;
    xmpp.user_state("READY").await;

    let team = supervisor.get("/Team/1").await;
    assert_eq!(team.status, 200, "{}", team.body);
    assert_eq!(text_of(&team.body, "name").as_deref(), Some("Billing"));
    assert_eq!(
        texts_of(&team.body, "loginId"),
        ["1001", "1002", "1003", "1004", "2001"]
    );
    assert!(team.body.contains("<state>READY</state>"));
    assert_eq!(agent.get("/Team/1").await.status, 401);

    let queue = agent.get("/Queue/5031").await;
    assert_eq!(text_of(&queue.body, "agentsReady").as_deref(), Some("1"));
    assert_eq!(text_of(&queue.body, "agentsLoggedOn").as_deref(), Some("1"));
    let sup_queues = supervisor.get("/User/2001/Queues").await;
    assert_eq!(texts_of(&sup_queues.body, "Queue").len(), 3);
    cluster.shutdown().await;
}

#[tokio::test]
async fn synchronous_errors_are_api_errors() {
    let cluster = start().await;
    let rest = Rest::new(&cluster, NodeId::Primary, "1001");
    let cases = [
        (
            "<User><state>LOGIN</state></User>",
            400,
            "Parameter Missing",
        ),
        (
            "<User><extension>3001</extension></User>",
            400,
            "Parameter Missing",
        ),
        ("<User><state>DANCING</state></User>", 400, "Invalid Input"),
        ("<User><state>READY</state>", 400, "Bad Request"),
        ("<Dialog/>", 400, "Bad Request"),
        ("<User><state>LOGOUT</state></User>", 400, "Invalid State"),
        (
            "<User><state>NOT_READY</state><reasonCodeId>77</reasonCodeId></User>",
            400,
            "Invalid Input",
        ),
        (
            "<User><state>LOGIN</state><extension>3001</extension><mobileAgent><mode>X</mode>\
             <dialNumber>1</dialNumber></mobileAgent></User>",
            400,
            "Invalid Input",
        ),
        (
            "<User><state>LOGIN</state><extension>3001</extension><mobileAgent><mode>CALL_BY_CALL</mode>\
             </mobileAgent></User>",
            400,
            "Parameter Missing",
        ),
    ];
    for (body, status, error_type) in cases {
        let answer = rest.put("/User/1001", body, "x").await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        assert!(
            answer.body.starts_with("<ApiErrors><ApiError>"),
            "{}",
            answer.body
        );
        assert_eq!(
            text_of(&answer.body, "ErrorType").as_deref(),
            Some(error_type),
            "{body}"
        );
    }
    let other = rest
        .put("/User/1002", "<User><state>READY</state></User>", "x")
        .await;
    assert_eq!(other.status, 401);
    assert_eq!(
        text_of(&other.body, "ErrorType").as_deref(),
        Some("Invalid Authorization User Specified")
    );
    assert_eq!(rest.get("/User/9999").await.status, 404);
    assert_eq!(rest.get("/Dialog/1234").await.status, 404);
    assert_eq!(rest.get("/NoSuchThing").await.status, 404);
    let bad_password = Rest::new(&cluster, NodeId::Primary, "1002").with_password("nope");
    let denied = bad_password.get("/User/1002").await;
    assert_eq!(denied.status, 401);
    assert_eq!(
        text_of(&denied.body, "ErrorMessage").as_deref(),
        Some("UNAUTHORIZED")
    );
    let legacy = rest.post("/User/1001", "<x/>", "x").await;
    assert_eq!(legacy.status, 405);
    cluster.shutdown().await;
}

#[tokio::test]
async fn invalid_transitions_arrive_as_async_api_errors_with_cf_codes() {
    let cluster = start().await;
    let rest = Rest::new(&cluster, NodeId::Primary, "1003");
    let mut xmpp = Xmpp::login(&cluster, NodeId::Primary, "1003", "secret").await;

    // READY while logged out: 202, then CF_INVALID_OBJECT_STATE on the user node.
    rest.state("<User><state>READY</state></User>", "ready-too-early")
        .await;
    let error = xmpp.api_error().await;
    assert_eq!(error.node, "/finesse/api/User/1003");
    assert_eq!(error.source(), "/finesse/api/User/1003");
    assert_eq!(error.request_id(), "ready-too-early");
    assert_eq!(error.event(), "put");
    assert_eq!(
        error.data().text_at("apiError/errorMessage"),
        "CF_INVALID_OBJECT_STATE"
    );
    assert_eq!(error.data().text_at("apiError/errorData"), "22");
    assert_eq!(error.data().text_at("apiError/errorType"), "Invalid State");

    // An unknown device: Invalid Device with the peripheral detail.
    rest.state(
        "<User><state>LOGIN</state><extension>7777</extension></User>",
        "bad-device",
    )
    .await;
    let error = xmpp.api_error().await;
    assert_eq!(error.data().text_at("apiError/errorType"), "Invalid Device");
    assert_eq!(
        error.data().text_at("apiError/errorMessage"),
        "CF_INVALID_LOGON_DEVICE_SPECIFIED"
    );
    assert_eq!(
        error.data().text_at("apiError/peripheralErrorCode"),
        "10125"
    );

    // Not ready with a LOGOUT reason code, then LOGOUT from READY (UCCE refuses).
    rest.state(
        "<User><state>LOGIN</state><extension>3003</extension></User>",
        "l",
    )
    .await;
    xmpp.user_state("NOT_READY").await;
    rest.state(
        "<User><state>NOT_READY</state><reasonCodeId>11</reasonCodeId></User>",
        "wrong-cat",
    )
    .await;
    let error = xmpp.api_error().await;
    assert_eq!(
        error.data().text_at("apiError/errorMessage"),
        "CF_INVALID_AGENT_REASON_CODE"
    );
    rest.state("<User><state>READY</state></User>", "r").await;
    xmpp.user_state("READY").await;
    rest.state("<User><state>LOGOUT</state></User>", "logout-from-ready")
        .await;
    let error = xmpp.api_error().await;
    assert_eq!(error.request_id(), "logout-from-ready");
    assert_eq!(
        error.data().text_at("apiError/errorMessage"),
        "CF_INVALID_OBJECT_STATE"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn agent_state_machine_with_reasons_and_request_ids() {
    let cluster = start().await;
    let rest = Rest::new(&cluster, NodeId::Primary, "1002");
    let mut xmpp = Xmpp::login(&cluster, NodeId::Primary, "1002", "secret").await;
    let answer = rest
        .put(
            "/User/1002",
            "<User><state>LOGIN</state><extension>3002</extension></User>",
            "gc-login-1",
        )
        .await;
    assert_eq!(answer.status, 202);
    assert!(answer.body.is_empty());
    assert_eq!(answer.request_id.as_deref(), Some("gc-login-1"));
    let n = xmpp.user_state("NOT_READY").await;
    assert_eq!(n.request_id(), "gc-login-1");
    assert_eq!(n.data().text_at("extension"), "3002");
    assert_eq!(n.data().text_at("reasonCodeId"), "-1");

    rest.state(
        "<User><state>NOT_READY</state><reasonCodeId>2</reasonCodeId></User>",
        "nr",
    )
    .await;
    let n = xmpp
        .wait_notification("not ready with reason", |n| {
            n.data().text_at("reasonCodeId") == "2"
        })
        .await;
    assert_eq!(n.request_id(), "nr");
    assert_eq!(n.data().text_at("reasonCode/label"), "Lunch");
    assert_eq!(n.data().text_at("reasonCode/code"), "101");

    // A forced sign-in while signed in keeps the state.
    rest.state(
        "<User><state>LOGIN</state><extension>3002</extension></User>",
        "again",
    )
    .await;
    let n = xmpp
        .wait_notification("re-login", |n| n.request_id() == "again")
        .await;
    assert_eq!(n.data().text_at("state"), "NOT_READY");

    rest.state(
        "<User><state>LOGOUT</state><reasonCodeId>11</reasonCodeId></User>",
        "out",
    )
    .await;
    let n = xmpp.user_state("LOGOUT").await;
    assert_eq!(n.request_id(), "out");
    assert_eq!(n.data().text_at("reasonCodeId"), "11");
    assert_eq!(n.data().text_at("extension"), "");
    cluster.shutdown().await;
}

#[tokio::test]
async fn mobile_agents_sign_in_with_mode_and_dial_number() {
    let cluster = start().await;
    // 1008 is configured as a mobile agent; 1007 is not.
    let rest = Rest::new(&cluster, NodeId::Primary, "1008");
    let mut xmpp = Xmpp::login(&cluster, NodeId::Primary, "1008", "secret").await;
    rest.state(
        "<User><state>LOGIN</state><extension>39008</extension><mobileAgent>\
         <mode>NAILED_CONNECTION</mode><dialNumber>0049301234567</dialNumber></mobileAgent></User>",
        "mobile",
    )
    .await;
    let n = xmpp.user_state("NOT_READY").await;
    assert_eq!(n.data().text_at("mobileAgent/mode"), "NAILED_CONNECTION");
    assert_eq!(n.data().text_at("mobileAgent/dialNumber"), "0049301234567");

    let other = Rest::new(&cluster, NodeId::Primary, "1007");
    let mut other_xmpp = Xmpp::login(&cluster, NodeId::Primary, "1007", "secret").await;
    other
        .state(
            "<User><state>LOGIN</state><extension>39007</extension><mobileAgent>\
             <mode>CALL_BY_CALL</mode><dialNumber>0049301234568</dialNumber></mobileAgent></User>",
            "not-mobile",
        )
        .await;
    let error = other_xmpp.api_error().await;
    assert_eq!(
        error.data().text_at("apiError/errorType"),
        "Mode Not Allowed"
    );
    cluster.shutdown().await;
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_user_for_the_configured_time() {
    let config = SimConfig {
        lockout_duration_secs: 1.5,
        ..common::config()
    };
    let cluster = Cluster::start(config).await.unwrap();
    let good = Rest::new(&cluster, NodeId::Primary, "1004");
    let bad = good.clone().with_password("wrong");
    assert_eq!(good.get("/User/1004").await.status, 200);
    for _ in 0..5 {
        assert_eq!(bad.get("/User/1004").await.status, 401);
    }
    // Now even the right password is refused, on REST and on XMPP.
    assert_eq!(good.get("/User/1004").await.status, 401);
    let mut xmpp = Xmpp::connect(&cluster, NodeId::Secondary).await;
    let failure = xmpp.auth("1004", "secret").await.unwrap_err();
    assert!(failure.contains("account-disabled"), "{failure}");
    let control = cluster.control().unwrap();
    assert!(control.agent_state("1004").await.unwrap().locked);
    // Other users are not affected.
    assert_eq!(
        Rest::new(&cluster, NodeId::Primary, "1003")
            .get("/User/1003")
            .await
            .status,
        200
    );
    // After the lockout the right password works again.
    loop {
        if !control.agent_state("1004").await.unwrap().locked {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(good.get("/User/1004").await.status, 200);
    cluster.shutdown().await;
}

#[tokio::test]
async fn four_wrong_passwords_then_a_right_one_reset_the_count() {
    let cluster = start().await;
    let good = Rest::new(&cluster, NodeId::Primary, "1005");
    let bad = good.clone().with_password("wrong");
    for _ in 0..4 {
        assert_eq!(bad.get("/User/1005").await.status, 401);
    }
    assert_eq!(good.get("/User/1005").await.status, 200);
    for _ in 0..4 {
        assert_eq!(bad.get("/User/1005").await.status, 401);
    }
    assert_eq!(good.get("/User/1005").await.status, 200);
    cluster.shutdown().await;
}

#[tokio::test]
async fn https_with_a_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec![
        "finesse.local".to_owned(),
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
    ])
    .unwrap();
    let cert_pem = certified.cert.pem();
    std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(
        dir.path().join("key.pem"),
        certified.signing_key.serialize_pem(),
    )
    .unwrap();
    let config = SimConfig {
        tls: Some(TlsConfig {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
            rest: true,
            xmpp: true,
            xmpp_require_tls: false,
        }),
        ..common::config()
    };
    let cluster = Cluster::start(config).await.unwrap();
    let base = cluster.node(NodeId::Primary).base_url;
    assert!(base.starts_with("https://"), "{base}");
    let mut rest = Rest::new(&cluster, NodeId::Primary, "1001");
    rest.http = common::http_client(Some(cert_pem.as_bytes()));
    let answer = rest.get("/User/1001").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(text_of(&answer.body, "loginId").as_deref(), Some("1001"));
    // A client that does not trust the certificate cannot talk to it.
    let untrusting = common::http_client(None);
    assert!(
        untrusting
            .get(format!("{base}/finesse/api/SystemInfo"))
            .send()
            .await
            .is_err()
    );
    cluster.shutdown().await;
}
