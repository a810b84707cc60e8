//! gc-load itself at a tiny scale: it spawns finesse-sim and generic-connector (the workspace's
//! binaries next to it, built by `cargo build --workspace --bins`, which scripts/test runs),
//! logs 5 agents in and runs the open-loop mix for 2 s. Needs RabbitMQ on 127.0.0.1:5672
//! (guest/guest) and fails, never skips, without it.

use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

#[test]
fn five_agents_for_two_seconds_lose_no_command() {
    let broker = "127.0.0.1:5672".parse().unwrap();
    assert!(
        TcpStream::connect_timeout(&broker, Duration::from_secs(5)).is_ok(),
        "RabbitMQ is not reachable on 127.0.0.1:5672; run scripts/rabbitmq-up (this test never skips)"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_gc-load"))
        .args([
            "--spawn",
            "--agents",
            "5",
            "--destinations",
            "2",
            "--mode",
            "open",
            "--rate",
            "50",
            "--count",
            "100",
            "--warmup",
            "0",
            "--drain",
            "10",
            "--time-limit",
            "120",
            "--json",
        ])
        .env("GC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "gc-load failed: {:?}\n{stderr}",
        output.status
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("gc-load --json prints one JSON object ({e})\n{stderr}"));

    assert_eq!(report["login"]["logged_in"], 5, "{report}");
    assert_eq!(report["login"]["lost"], 0, "{report}");
    let open = &report["open"];
    assert_eq!(open["lost"], 0, "{report}");
    assert!(open["answered"].as_u64().unwrap() >= 90, "{report}");
    assert!(
        open["latency_us"]["p50"].as_f64().unwrap() > 0.0,
        "{report}"
    );
    assert!(
        open["per_command"]["GetState"]["count"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert!(
        open["cpu"]["gc_load"]["share_of_one_core"].is_number(),
        "{report}"
    );
    assert_eq!(report["complete"], true, "{report}");
}
