//! The settings as a whole: layers, typed sections and every problem reported together.

use std::path::Path;
use std::time::Duration;

use gc_protocol::Format;
use secrecy::ExposeSecret;

use super::*;

#[test]
fn defaults_load_and_mean_the_built_in_simulator() {
    let s = Settings::load(None, []).unwrap();
    assert!(s.finesse.is_none());
    assert_eq!(s.broker.command_queue, "gc.commands");
    assert_eq!(s.max_agents, None);
    assert_eq!(s.default_format, Format::Legacy);
}

#[test]
fn a_cluster_is_listed_in_broker_urls_and_replaces_broker_url() {
    let env = [
        (
            "GC_BROKER__URLS",
            "amqp://gc:hunter2@mq1:5672/%2f, amqp://gc:hunter2@mq2:5672/%2f,amqp://gc:hunter2@mq3/%2f",
        ),
        ("GC_BROKER__QUEUE_TYPE", "quorum"),
        ("GC_BROKER__DELIVERY_LIMIT", "5"),
    ];
    let s = Settings::load(None, env).unwrap();
    assert_eq!(
        s.broker.url.expose_secret(),
        "amqp://gc:hunter2@mq1:5672/%2f"
    );
    assert_eq!(s.broker.more_urls.len(), 2);
    assert_eq!(s.broker.queue_type, gc_broker::QueueType::Quorum);
    assert_eq!(s.broker.delivery_limit, Some(5));
    let shown = s.broker.display_urls();
    assert_eq!(
        shown,
        "amqp://gc:***@mq1:5672/%2f, amqp://gc:***@mq2:5672/%2f, amqp://gc:***@mq3/%2f"
    );
    // The defaults: one node, classic queues, a limit that only quorum queues use.
    let d = Settings::load(None, []).unwrap();
    assert!(d.broker.more_urls.is_empty());
    assert_eq!(d.broker.queue_type, gc_broker::QueueType::Classic);
    assert_eq!(d.broker.delivery_limit, Some(20));
    // Bad entries are reported by position, never quoted.
    let bad = [
        (
            "GC_BROKER__URLS",
            "amqp://gc:hunter2@mq1/%2f,http://gc:hunter2@mq2",
        ),
        ("GC_BROKER__QUEUE_TYPE", "stream"),
    ];
    let err = Settings::load(None, bad).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{:?}", err.problems);
    assert!(err.problems.iter().any(|p| p.contains("entry 2")));
    assert!(!err.to_string().contains("hunter2"));
    let mixed = [(
        "GC_BROKER__URLS",
        "amqp://gc:pw@mq1/%2f,amqps://gc:pw@mq2/%2f",
    )];
    assert!(Settings::load(None, mixed).is_err());
}

#[test]
fn every_problem_is_reported_together() {
    let env = [
        ("GC_CLIENTS__DEFAULT_FORMAT", "xml"),
        ("GC_BROKER__URL", "http://x"),
        ("GC_FINESSE__PRIMARY_URL", "https://fin-a:8445"),
        ("GC_REDUNDANCY__ENABLED", "true"),
    ];
    let err = Settings::load(None, env).unwrap_err();
    assert_eq!(err.problems.len(), 4, "{:?}", err.problems);
}

#[test]
fn the_amqp_password_never_shows() {
    let env = [("GC_BROKER__URL", "amqp://gc:hunter2@mq:5672/%2f")];
    let s = Settings::load(None, env).unwrap();
    assert_eq!(s.broker.display_url(), "amqp://gc:***@mq:5672/%2f");
    assert!(!format!("{s:?}").contains("hunter2"));
}

#[test]
fn sync_keys_are_checked_and_never_shown() {
    let current = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let previous = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";
    let env = [
        ("GC_REDUNDANCY__ENABLED", "true"),
        ("GC_REDUNDANCY__SYNC_KEY", current),
        ("GC_REDUNDANCY__SYNC_KEY_PREVIOUS", previous),
    ];
    let s = Settings::load(None, env).unwrap();
    assert_eq!(s.sync_max_age, Duration::from_mins(2));
    assert!(s.sync_key_previous.is_some());
    let shown = format!("{s:?}");
    assert!(!shown.contains(current) && !shown.contains(previous));
    let env = [
        ("GC_REDUNDANCY__SYNC_KEY_PREVIOUS", "c2hvcnQ="),
        ("GC_REDUNDANCY__SYNC_MAX_AGE_SECS", "1"),
    ];
    let err = Settings::load(None, env).unwrap_err();
    assert_eq!(err.problems.len(), 3, "{:?}", err.problems);
    assert!(!err.problems.join(" ").contains("c2hvcnQ"));
}

#[test]
fn broker_tls_files_are_read_and_checked_with_the_other_problems() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let certified = rcgen::generate_simple_self_signed(vec!["mq".to_owned()]).unwrap();
    std::fs::write(&ca, certified.cert.pem()).unwrap();
    let ca = ca.to_str().unwrap();
    let s = Settings::load(
        None,
        [
            ("GC_BROKER__URL", "amqps://gc:hunter2@mq:5671/%2f"),
            ("GC_BROKER__CA_FILE", ca),
        ],
    )
    .unwrap();
    assert_eq!(s.broker.tls.ca_file.as_deref(), Some(Path::new(ca)));
    assert_eq!(s.broker.tls.client_cert_file, None);

    // A certificate without a key, together with another problem: both reported.
    let err = Settings::load(
        None,
        [
            ("GC_BROKER__URL", "amqps://gc:hunter2@mq:5671/%2f"),
            ("GC_BROKER__CLIENT_CERT_FILE", ca),
            ("GC_CLIENTS__DEFAULT_FORMAT", "xml"),
        ],
    )
    .unwrap_err();
    assert_eq!(err.problems.len(), 2, "{:?}", err.problems);
    assert!(err.problems[0].contains("broker.client_key_file"));
    let err = Settings::load(None, [("GC_BROKER__CLIENT_KEY_FILE", ca)]).unwrap_err();
    assert!(err.problems[0].contains("broker.client_cert_file"), "{err}");

    // A CA file that cannot be read: named, and the URL's password is not.
    let err = Settings::load(
        None,
        [
            ("GC_BROKER__URL", "amqps://gc:hunter2@mq:5671/%2f"),
            ("GC_BROKER__CA_FILE", "/nonexistent/ca.pem"),
        ],
    )
    .unwrap_err();
    assert_eq!(err.problems.len(), 1, "{:?}", err.problems);
    assert!(err.problems[0].contains("/nonexistent/ca.pem"));
    assert!(!err.to_string().contains("hunter2"));

    // TLS files with a plain URL.
    let err = Settings::load(None, [("GC_BROKER__CA_FILE", ca)]).unwrap_err();
    assert!(err.problems[0].contains("amqps://"), "{err}");
}

#[test]
fn a_finesse_cluster_is_read() {
    let env = [
        ("GC_FINESSE__PRIMARY_URL", "https://fin-a:8445"),
        ("GC_FINESSE__PRIMARY_XMPP", "fin-a:5222"),
        ("GC_FINESSE__SECONDARY_URL", "https://fin-b:8445"),
        ("GC_FINESSE__SECONDARY_XMPP", "fin-b:5222"),
    ];
    let s = Settings::load(None, env).unwrap();
    let f = s.finesse.unwrap();
    assert_eq!(f.xmpp_domain, "fin-a");
    assert_eq!(f.secondary.unwrap().xmpp_port, 5222);
}

#[test]
fn a_syntax_error_gives_its_position_never_the_line() {
    let dir = std::env::temp_dir().join(format!("gc-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "[broker]\nurl = \"amqp://gc:hunter2@mq/%2f\" trailing\n",
    )
    .unwrap();
    let err = Settings::load(Some(&path), []).unwrap_err();
    let shown = err.to_string();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("line 2, column"), "{shown}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn runtime_worker_threads_default_to_one_and_are_bounded() {
    assert_eq!(Settings::load(None, []).unwrap().worker_threads, 1);
    let s = Settings::load(None, [("GC_RUNTIME__WORKER_THREADS", "0")]).unwrap();
    assert_eq!(s.worker_threads, 0);
    let s = Settings::load(None, [("GC_RUNTIME__WORKER_THREADS", "4")]).unwrap();
    assert_eq!(s.worker_threads, 4);
    let err = Settings::load(None, [("GC_RUNTIME__WORKER_THREADS", "-1")]).unwrap_err();
    assert!(
        err.problems
            .iter()
            .any(|p| p.contains("runtime.worker_threads")),
        "{:?}",
        err.problems
    );
}
