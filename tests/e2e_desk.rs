//! The browser agent desk (desk/) in headless Chromium, over RabbitMQ Web-STOMP, against a real
//! connector and simulator: log in, go ready, receive a simulated call, answer, hold, retrieve
//! and release it, wrap up.
//! The screenshot it takes while the call is active is saved to target/desk/desk.png
//! (docs/images/desk.png in the README is one).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::PathBuf;

use support::webdriver::Browser;
use support::{Env, Options};

/// RabbitMQ's Web-STOMP endpoint (scripts/rabbitmq-up enables the plugin).
fn web_stomp() -> String {
    std::env::var("GC_WEB_STOMP_URL").unwrap_or_else(|_| "ws://127.0.0.1:15674/ws".into())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_takes_a_call_in_the_browser_desk() {
    assert!(
        std::net::TcpStream::connect("127.0.0.1:15674").is_ok(),
        "nothing listens on 127.0.0.1:15674: run scripts/rabbitmq-up (it enables rabbitmq_web_stomp)"
    );
    let env = Env::start(Options::default()).await;
    let browser = Browser::start().await;
    let page = root().join("desk/index.html").canonicalize().unwrap();
    let destination = format!("desk-1001-{}", env.tag);
    let url = format!(
        "file://{}?ws={}&commands={}&clients={}&destination={destination}&agent=1001&extension=3001",
        page.display(),
        web_stomp(),
        env.names.commands,
        env.names.clients,
    );
    browser.open(&url).await;
    browser.type_into("#password", "secret").await;
    browser.click("#login").await;
    browser.wait_text("#state", "NOT_READY").await;
    browser.wait_text("#agent-name", "Maria Meier (1001)").await;
    browser.wait_text("#system", "system: IN_SERVICE").await;

    browser.click("#ready").await;
    browser.wait_text("#state", "READY").await;

    let dialog = env
        .sim
        .control
        .offer_inbound_call("1001", "4012", &[("callVariable1", "gold customer")])
        .await
        .unwrap();
    browser.wait_text("#call-id", &dialog.to_string()).await;
    browser.wait_text("#call-from", "4012").await;
    browser.wait_text("#state", "RESERVED").await;

    browser.click("#answer").await;
    browser.wait_text("#call-state", "ACTIVE").await;
    browser.wait_text("#state", "TALKING").await;
    browser.click("#hold").await;
    browser.wait_text("#call-state", "HELD").await;
    browser.click("#retrieve").await;
    browser.wait_text("#call-state", "ACTIVE").await;
    let shot = root().join("target/desk/desk.png");
    browser.screenshot(&shot).await;
    let size = std::fs::metadata(&shot).unwrap().len();
    assert!(size > 10_000, "a screenshot of {size} bytes");

    // Released: agent 1001 has wrap-up REQUIRED, so the call and the agent go to wrap-up.
    browser.click("#release").await;
    browser.wait_text("#call-state", "WRAP_UP").await;
    browser.wait_text("#state", "WORK_READY").await;
    browser.click("#ready").await;
    browser.wait_text("#state", "READY").await;
    // The password never reaches the page's log.
    let log = browser.text("#log").await;
    assert!(!log.contains("secret"), "{log}");
    assert_eq!(
        browser
            .script("return document.querySelectorAll('#log li.Error').length")
            .await,
        serde_json::json!(0),
        "{log}"
    );
    browser.close().await;
    env.stop().await;
}
