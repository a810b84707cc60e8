//! The REST client against wiremock: request shapes, error mapping, retries and timeouts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::{creds, fresh_id, test_tls};
use gc_finesse::model::{
    CallVariable, DialogAction, MobileAgentMode, ReasonCategory, Reply, Request, TargetState,
};
use gc_finesse::rest::{Credentials, RequestId, RestClient, RestConfig};
use gc_finesse::tls::TlsSettings;
use gc_finesse::{Error, model};
use gc_protocol::{DialNumber, DialogId, ErrorCode, Extension, ObjectId, ReasonCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast() -> RestConfig {
    RestConfig {
        request_timeout: Duration::from_millis(400),
        connect_timeout: Duration::from_millis(400),
        retry_delay: Duration::from_millis(10),
        ..RestConfig::default()
    }
}

fn basic(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

fn ext(e: &str) -> Extension {
    Extension::parse(e).unwrap()
}

fn num(n: &str) -> DialNumber {
    DialNumber::parse(n).unwrap()
}

/// `perform` with a fresh request id.
async fn perform(rest: &RestClient, c: &Credentials, request: Request) -> Result<Reply, Error> {
    rest.perform(c, &fresh_id(), &request).await
}

async fn get_user(rest: &RestClient, c: &Credentials) -> Result<model::User, Error> {
    match perform(rest, c, Request::GetUser).await? {
        Reply::User(user) => Ok(*user),
        other => panic!("expected a user, got {other:?}"),
    }
}

fn ready() -> Request {
    Request::SetState {
        state: TargetState::Ready,
        reason: None,
    }
}

fn on_dialog(dialog: &str, action: DialogAction) -> Request {
    Request::DialogAction {
        dialog: DialogId::parse(dialog).unwrap(),
        target: ext("3001"),
        action,
    }
}

#[tokio::test]
async fn login_puts_the_documented_body_as_the_agent_with_the_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/finesse/api/User/1001"))
        .and(header("authorization", basic("1001", "secret").as_str()))
        .and(header("requestId", "gc-login-1"))
        .and(header("content-type", "application/xml"))
        .and(body_string(
            "<User><state>LOGIN</state><extension>3001</extension></User>",
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let rest = RestClient::new(&server.uri(), fast()).unwrap();
    let login = Request::Login {
        extension: ext("3001"),
        mobile: None,
    };
    let reply = rest
        .perform(
            &creds("1001", "secret"),
            &RequestId::new("gc-login-1"),
            &login,
        )
        .await
        .unwrap();
    assert_eq!(reply, Reply::Accepted);
}

#[tokio::test]
async fn every_user_and_dialog_operation_sends_its_body() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let rest = RestClient::new(&server.uri(), fast()).unwrap();
    let c = creds("1001", "secret");
    let reason = ReasonCode::parse("7").ok();
    let vars = vec![CallVariable::new("callVariable1", "CUST-1")];
    let d = |action| on_dialog("16819504", action);
    let sent = vec![
        Request::Login {
            extension: ext("3001"),
            mobile: Some((num("0049"), MobileAgentMode::NailedConnection)),
        },
        ready(),
        Request::SetState {
            state: TargetState::NotReady,
            reason: reason.clone(),
        },
        Request::SetState {
            state: TargetState::Logout,
            reason,
        },
        Request::MakeCall {
            from: ext("3001"),
            to: num("3002"),
        },
        d(DialogAction::Answer),
        d(DialogAction::Hold),
        d(DialogAction::Retrieve),
        d(DialogAction::ConsultCall { to: num("3003") }),
        d(DialogAction::Transfer),
        d(DialogAction::TransferSst { to: num("8810") }),
        d(DialogAction::Conference),
        d(DialogAction::UpdateCallData {
            variables: vars,
            wrap_up_reason: Some("Billing".into()),
        }),
        Request::SilentMonitor {
            from: ext("3001"),
            to: ext("3002"),
        },
        Request::BargeCall {
            from: ext("3001"),
            to: ext("3002"),
            monitor_dialog: DialogId::parse("16819504").unwrap(),
        },
        d(DialogAction::ParticipantDrop {
            participant: ext("3003"),
        }),
        d(DialogAction::Accept),
        d(DialogAction::Reject),
        d(DialogAction::Close),
        d(DialogAction::Drop),
    ];
    for request in &sent {
        assert_eq!(
            perform(&rest, &c, request.clone()).await.unwrap(),
            Reply::Accepted
        );
    }

    let requests = server.received_requests().await.unwrap();
    let seen: Vec<(String, String, String)> = requests
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.url.path().to_owned(),
                String::from_utf8(r.body.clone()).unwrap(),
            )
        })
        .collect();
    let agent = c.agent.clone();
    let expected: Vec<(String, String, String)> = sent
        .iter()
        .map(|r| {
            (
                r.method().as_str().to_owned(),
                r.path(&agent),
                r.body().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen, expected);
    // Every write carried a distinct requestId.
    let mut ids: Vec<_> = requests
        .iter()
        .map(|r| {
            r.headers
                .get("requestId")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), requests.len());
}

#[tokio::test]
async fn reads_parse_their_bodies() {
    let server = MockServer::start().await;
    let mount = |p: &'static str, body: &'static str| {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
    };
    mount(
        "/finesse/api/User/1001",
        "<User><loginId>1001</loginId><state>READY</state><extension>3001</extension></User>",
    )
    .mount(&server)
    .await;
    mount(
        "/finesse/api/User/1001/Dialogs",
        "<Dialogs><Dialog><id>5</id><state>ACTIVE</state></Dialog></Dialogs>",
    )
    .mount(&server)
    .await;
    Mock::given(method("GET"))
        .and(path("/finesse/api/User/1001/ReasonCodes"))
        .and(query_param("category", "NOT_READY"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            "<ReasonCodes><ReasonCode><uri>/finesse/api/ReasonCode/7</uri><category>NOT_READY</category><code>1</code><label>Break</label></ReasonCode></ReasonCodes>",
        ))
        .mount(&server)
        .await;
    mount("/finesse/api/User/1001/WrapUpReasons", "<WrapUpReasons><WrapUpReason><label>Sale</label><uri>/finesse/api/WrapUpReason/2</uri></WrapUpReason></WrapUpReasons>").mount(&server).await;
    mount("/finesse/api/User/1001/PhoneBooks", "<PhoneBooks><PhoneBook><uri>/finesse/api/PhoneBook/4</uri><name>G</name><type>GLOBAL</type></PhoneBook></PhoneBooks>").mount(&server).await;
    mount("/finesse/api/PhoneBook/4/Contacts", "<Contacts><Contact><firstName>A</firstName><phoneNumber>123</phoneNumber><uri>/finesse/api/PhoneBook/4/Contact/9</uri></Contact></Contacts>").mount(&server).await;
    mount("/finesse/api/Team/1", "<Team><id>1</id><name>T</name><users><User><loginId>1002</loginId><state>TALKING</state></User></users></Team>").mount(&server).await;
    mount("/finesse/api/User/1001/Queues", "<Queues><Queue><uri>/finesse/api/Queue/3</uri><name>Q</name><statistics><callsInQueue>2</callsInQueue></statistics></Queue></Queues>").mount(&server).await;
    mount(
        "/finesse/api/SystemInfo",
        "<SystemInfo><status>IN_SERVICE</status><xmppDomain>fin-a</xmppDomain></SystemInfo>",
    )
    .mount(&server)
    .await;

    let rest = RestClient::new(&server.uri(), fast()).unwrap();
    let c = creds("1001", "secret");
    assert_eq!(
        get_user(&rest, &c).await.unwrap().extension.as_deref(),
        Some("3001")
    );
    let Reply::Dialogs(dialogs) = perform(&rest, &c, Request::GetDialogs).await.unwrap() else {
        panic!("dialogs expected")
    };
    assert_eq!(dialogs[0].id.as_str(), "5");
    let Reply::ReasonCodes(codes) =
        perform(&rest, &c, Request::GetReasonCodes(ReasonCategory::NotReady))
            .await
            .unwrap()
    else {
        panic!("reason codes expected")
    };
    assert_eq!(
        (codes[0].id.clone(), codes[0].label.as_deref()),
        (ReasonCode::parse("7").ok(), Some("Break"))
    );
    let Reply::WrapUpReasons(reasons) =
        perform(&rest, &c, Request::GetWrapUpReasons).await.unwrap()
    else {
        panic!("wrap-up reasons expected")
    };
    assert_eq!(reasons[0].label.as_deref(), Some("Sale"));
    let Reply::PhoneBooks(books) = perform(&rest, &c, Request::GetPhoneBooks).await.unwrap() else {
        panic!("phone books expected")
    };
    assert_eq!(books[0].id, ObjectId::parse("4").ok());
    let book = ObjectId::parse("4").unwrap();
    let Reply::Contacts(contacts) = perform(&rest, &c, Request::GetContacts(book))
        .await
        .unwrap()
    else {
        panic!("contacts expected")
    };
    assert_eq!(contacts[0].phone_number.as_deref(), Some("123"));
    let team = ObjectId::parse("1").unwrap();
    let Reply::Team(team) = perform(&rest, &c, Request::GetTeam(team)).await.unwrap() else {
        panic!("a team expected")
    };
    assert_eq!(team.users[0].login_id.as_str(), "1002");
    let Reply::Queues(queues) = perform(&rest, &c, Request::GetQueues).await.unwrap() else {
        panic!("queues expected")
    };
    assert_eq!(
        queues[0].statistics.as_ref().unwrap().calls_in_queue,
        Some(2)
    );
    assert!(rest.system_info(Some(&c)).await.unwrap().is_in_service());
}

#[tokio::test]
async fn a_401_is_not_repeated_with_the_same_password() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/finesse/api/User/1001"))
        .and(header("authorization", basic("1001", "wrong").as_str()))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/finesse/api/User/1001"))
        .and(header("authorization", basic("1001", "right").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<User><loginId>1001</loginId></User>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rest = RestClient::new(&server.uri(), fast()).unwrap();
    let wrong = creds("1001", "wrong");
    let first = get_user(&rest, &wrong).await.unwrap_err();
    assert!(matches!(first, Error::Unauthorized { .. }));
    assert_eq!(first.gc_code(), ErrorCode::SubscriptionFailed);
    assert!(first.is_auth_failure());
    assert!(
        !format!("{first} {first:?}").contains("wrong"),
        "no password in errors"
    );
    // Same password again: refused locally, Finesse never sees it (expect(1) above).
    let second = get_user(&rest, &wrong).await.unwrap_err();
    assert!(matches!(second, Error::CredentialsBlocked { .. }));
    assert_eq!(second.gc_code(), ErrorCode::SubscriptionFailed);
    // A node switch keeps the memory.
    let other = rest.with_base(&server.uri()).unwrap();
    assert!(matches!(
        get_user(&other, &wrong).await,
        Err(Error::CredentialsBlocked { .. })
    ));
    // A new password gets its chance.
    get_user(&rest, &creds("1001", "right")).await.unwrap();
}

#[tokio::test]
async fn status_codes_map_to_gc_error_codes() {
    let server = MockServer::start().await;
    let api_errors = "<ApiErrors><ApiError><ErrorType>Invalid State</ErrorType>\
        <ErrorMessage>CF_INVALID_OBJECT_STATE</ErrorMessage><ErrorData>22</ErrorData></ApiError></ApiErrors>";
    Mock::given(method("GET"))
        .and(path("/finesse/api/User/9999"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/finesse/api/User/1001"))
        .respond_with(ResponseTemplate::new(400).set_body_string(api_errors))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/finesse/api/Dialog/404"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/finesse/api/Dialog/503"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/finesse/api/Dialog/500"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/finesse/api/Dialog/400"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/finesse/api/User/1001/Dialogs"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<Dialogs><Dialog>"))
        .mount(&server)
        .await;
    Mock::given(method("PUT")).and(path("/finesse/api/Dialog/401"))
        .respond_with(ResponseTemplate::new(401).set_body_string(
            "<ApiErrors><ApiError><ErrorType>Invalid Supervisor</ErrorType><ErrorMessage>x</ErrorMessage></ApiError></ApiErrors>",
        )).mount(&server).await;

    let rest = RestClient::new(&server.uri(), fast()).unwrap();
    let c = creds("1001", "secret");
    let missing = creds("9999", "secret");
    let answer = |dialog: &str| on_dialog(dialog, DialogAction::Answer);

    let err = get_user(&rest, &missing).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::UserNotFound);
    let err = perform(&rest, &c, ready()).await.unwrap_err();
    assert!(matches!(&err, Error::Api { status: 400, .. }));
    assert_eq!(err.gc_code(), ErrorCode::CfInvalidObjectState);
    let err = perform(&rest, &c, answer("404")).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::NoDialogId);
    let err = perform(&rest, &c, answer("503")).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::FinesseUnavailable);
    assert!(err.is_node_failure() && err.is_transient());
    let err = perform(&rest, &c, answer("500")).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::GeneralError);
    let err = perform(&rest, &c, answer("400")).await.unwrap_err();
    assert_eq!(err.gc_code(), ErrorCode::PleaseRetry);
    let err = perform(&rest, &c, Request::GetDialogs).await.unwrap_err();
    assert!(matches!(err, Error::Parse(_)));
    assert_eq!(err.gc_code(), ErrorCode::GeneralError);
    let err = perform(&rest, &c, answer("401")).await.unwrap_err();
    assert!(
        !err.is_auth_failure(),
        "Invalid Supervisor is not a bad password"
    );
    // ... and so it does not block the next request.
    assert!(
        perform(&rest, &c, answer("401"))
            .await
            .is_err_and(|e| matches!(e, Error::Api { .. }))
    );
}

#[tokio::test]
async fn a_hanging_server_times_out_reads_twice_and_writes_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(202).set_delay(Duration::from_secs(30)))
        .expect(1)
        .mount(&server)
        .await;
    let rest = RestClient::new(&server.uri(), fast()).unwrap();
    let c = creds("1001", "secret");
    let read = get_user(&rest, &c).await.unwrap_err();
    assert!(
        matches!(read, Error::Timeout { retried: true, .. }),
        "{read:?}"
    );
    assert_eq!(read.gc_code(), ErrorCode::NotReachable);
    assert!(read.is_node_failure());
    let write = perform(&rest, &c, ready()).await.unwrap_err();
    assert!(
        matches!(write, Error::Timeout { retried: false, .. }),
        "{write:?}"
    );
    assert_eq!(write.gc_code(), ErrorCode::PleaseRetry);
}

#[tokio::test]
async fn a_refused_connection_is_tried_twice_then_not_reachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let rest = RestClient::new(&format!("http://{addr}"), fast()).unwrap();
    let err = perform(&rest, &creds("1001", "secret"), ready())
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::NotReachable { attempts: 2, .. }),
        "{err:?}"
    );
    assert_eq!(err.gc_code(), ErrorCode::NotReachable);
    assert!(err.is_node_failure());
}

#[tokio::test]
async fn https_with_a_custom_ca_works_and_without_it_fails() {
    let tls = test_tls();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server.clone());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let body = "<SystemInfo><status>IN_SERVICE</status></SystemInfo>";
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    let url = format!("https://{addr}");
    let trusted = RestClient::new(
        &url,
        RestConfig {
            tls: TlsSettings::with_ca_pem(tls.ca_pem.clone()),
            ..fast()
        },
    )
    .unwrap();
    assert!(trusted.system_info(None).await.unwrap().is_in_service());
    let other_ca = test_tls();
    let untrusted = RestClient::new(
        &url,
        RestConfig {
            tls: TlsSettings::with_ca_pem(other_ca.ca_pem),
            ..fast()
        },
    )
    .unwrap();
    assert!(untrusted.system_info(None).await.is_err());
}

#[tokio::test]
async fn a_base_url_with_a_path_keeps_it_and_reads_send_no_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/prefix/finesse/api/User/1001"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<User><loginId>1001</loginId></User>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let rest = RestClient::new(&format!("{}/prefix/", server.uri()), fast()).unwrap();
    assert_eq!(rest.base_url(), format!("{}/prefix", server.uri()));
    get_user(&rest, &creds("1001", "secret")).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].headers.get("requestId").is_none());
}

#[test]
fn bad_configuration_is_reported() {
    assert!(matches!(
        RestClient::new("fin-a:8445", fast()),
        Err(Error::Config(_))
    ));
    let bad_ca = RestConfig {
        tls: TlsSettings::with_ca_pem("not a pem"),
        ..fast()
    };
    assert!(matches!(
        RestClient::new("https://fin-a:8445", bad_ca),
        Err(Error::Config(_))
    ));
}
