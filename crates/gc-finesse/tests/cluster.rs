//! The failover shell against two wiremock nodes: SystemInfo probes drive node events and the
//! active REST client.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gc_finesse::tls::TlsSettings;
use gc_finesse::{
    ClusterConfig, Error, FinesseCluster, NodeConfig, NodeEvent, NodeId, RestConfig, XmppConfig,
    XmppEndpoint, XmppSecurity,
};
use tokio::sync::mpsc;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const GUARD: Duration = Duration::from_secs(20);

/// A node whose SystemInfo answer can be switched atomically (no window without a mock).
#[derive(Clone)]
struct Node {
    server: Arc<MockServer>,
    answer: Arc<Mutex<(u16, &'static str)>>,
}

impl Respond for Node {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let (status, body) = *self.answer.lock().unwrap();
        ResponseTemplate::new(status).set_body_string(body)
    }
}

impl Node {
    async fn start(status: u16, body: &'static str) -> Self {
        let node = Self {
            server: Arc::new(MockServer::start().await),
            answer: Arc::new(Mutex::new((status, body))),
        };
        Mock::given(method("GET"))
            .and(path("/finesse/api/SystemInfo"))
            .respond_with(node.clone())
            .mount(&node.server)
            .await;
        node
    }

    fn set(&self, status: u16, body: &'static str) {
        *self.answer.lock().unwrap() = (status, body);
    }

    fn uri(&self) -> String {
        self.server.uri()
    }
}

const IN_SERVICE: &str = "<SystemInfo><status>IN_SERVICE</status></SystemInfo>";
const OUT_OF_SERVICE: &str = "<SystemInfo><status>OUT_OF_SERVICE</status></SystemInfo>";

fn node(server: &Node) -> NodeConfig {
    NodeConfig {
        rest_url: server.uri(),
        xmpp: XmppEndpoint::new("127.0.0.1", 1, "fin", XmppSecurity::Plain),
    }
}

async fn next(events: &mut mpsc::Receiver<NodeEvent>) -> NodeEvent {
    tokio::time::timeout(GUARD, events.recv())
        .await
        .unwrap()
        .unwrap()
}

fn config(primary: &Node, secondary: &Node) -> ClusterConfig {
    ClusterConfig {
        primary: node(primary),
        secondary: Some(node(secondary)),
        rest: RestConfig {
            request_timeout: Duration::from_millis(500),
            retry_delay: Duration::from_millis(5),
            ..RestConfig::default()
        },
        xmpp: Arc::new(XmppConfig::new(&TlsSettings::default()).unwrap()),
        probe_interval: Duration::from_millis(50),
        probe_credentials: Some(common::creds("1001", "secret")),
    }
}

#[tokio::test]
async fn an_out_of_service_primary_fails_over_to_an_in_service_secondary_and_back_is_not_automatic()
{
    let a = Node::start(200, IN_SERVICE).await;
    let b = Node::start(200, IN_SERVICE).await;
    let (tx, mut events) = mpsc::channel(16);
    let cluster = FinesseCluster::start(config(&a, &b), tx).unwrap();
    assert_eq!(
        next(&mut events).await,
        NodeEvent::InService {
            node: NodeId::Primary
        }
    );
    assert_eq!(cluster.active(), Some(NodeId::Primary));
    assert_eq!(cluster.rest().unwrap().base_url(), a.uri());

    a.set(200, OUT_OF_SERVICE);
    assert_eq!(
        next(&mut events).await,
        NodeEvent::OutOfService {
            node: NodeId::Primary
        }
    );
    assert_eq!(
        next(&mut events).await,
        NodeEvent::Switched {
            from: NodeId::Primary,
            to: NodeId::Secondary
        }
    );
    assert_eq!(cluster.active(), Some(NodeId::Secondary));
    assert_eq!(cluster.rest().unwrap().base_url(), b.uri());
    // The primary recovering does not move agents back (no flapping).
    a.set(200, IN_SERVICE);
    b.set(503, "");
    assert_eq!(
        next(&mut events).await,
        NodeEvent::OutOfService {
            node: NodeId::Secondary
        }
    );
    assert_eq!(
        next(&mut events).await,
        NodeEvent::Switched {
            from: NodeId::Secondary,
            to: NodeId::Primary
        }
    );
}

#[tokio::test]
async fn both_nodes_unreachable_is_down_and_rest_says_so() {
    let a = Node::start(200, IN_SERVICE).await;
    let b = Node::start(200, OUT_OF_SERVICE).await;
    let (tx, mut events) = mpsc::channel(16);
    let cluster = FinesseCluster::start(config(&a, &b), tx).unwrap();
    assert_eq!(
        next(&mut events).await,
        NodeEvent::InService {
            node: NodeId::Primary
        }
    );
    a.set(503, "");
    assert_eq!(
        next(&mut events).await,
        NodeEvent::OutOfService {
            node: NodeId::Primary
        }
    );
    assert_eq!(next(&mut events).await, NodeEvent::Down);
    assert_eq!(cluster.active(), None);
    let err = cluster.rest().unwrap_err();
    assert!(matches!(err, Error::Down));
    assert_eq!(err.gc_code(), gc_protocol::ErrorCode::Down);
    a.set(200, IN_SERVICE);
    assert_eq!(
        next(&mut events).await,
        NodeEvent::InService {
            node: NodeId::Primary
        }
    );
    assert_eq!(cluster.active(), Some(NodeId::Primary));
}
