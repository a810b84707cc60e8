//! The `finesse-sim` binary: `--config FILE` prints where it listens, and it serves there.

mod common;

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test]
async fn the_binary_prints_its_addresses_and_serves_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sim.toml");
    std::fs::write(
        &config,
        "flavour = \"UCCX\"\nxmpp_domain = \"fin-a.example.local\"\n[secondary]\nenabled = false\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_finesse-sim"))
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    while printed.len() < 3 {
        let line = tokio::time::timeout(common::PATIENCE, lines.next_line())
            .await
            .expect("the binary prints its addresses")
            .unwrap()
            .expect("the binary keeps running");
        printed.push(line);
    }
    assert_eq!(printed[0], "finesse-sim (UCCX) listening:");
    assert!(
        printed[1].trim_start().starts_with("primary"),
        "{printed:?}"
    );
    assert!(
        printed[1].contains("(domain fin-a.example.local)"),
        "{printed:?}"
    );
    assert!(
        printed[2].trim_start().starts_with("control"),
        "{printed:?}"
    );
    let rest = printed[1]
        .split_whitespace()
        .skip_while(|w| *w != "REST")
        .nth(1)
        .unwrap()
        .to_owned();
    let control = printed[2].split_whitespace().nth(1).unwrap().to_owned();

    let http = common::http_client(None);
    let info = http
        .get(format!("{rest}/finesse/api/SystemInfo"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        common::text_of(&info, "deploymentType").as_deref(),
        Some("UCCX")
    );
    assert!(!info.contains("secondaryNode"), "{info}");
    let client = finesse_sim::control::ControlClient::new(control).unwrap();
    client.health().await.unwrap();
    assert_eq!(client.nodes().await.unwrap().len(), 1);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn the_binary_prints_the_default_directory_that_ships_in_data() {
    let output = Command::new(env!("CARGO_BIN_EXE_finesse-sim"))
        .arg("--print-default-directory")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let printed: finesse_sim::Directory = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed, finesse_sim::Directory::default_data_set());
}

#[tokio::test]
async fn a_bad_configuration_is_reported_with_exit_code_64() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "lockout_threshold = 0\nunknown_key = 1\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_finesse-sim"))
        .arg("--config")
        .arg(&config)
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(64));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown_key"), "{stderr}");
}
