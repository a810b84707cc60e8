//! A `finesse-sim` child: a generated directory of agents, one or two nodes, its addresses
//! read from the lines it prints at start.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::{START, TestbedError, binary};

/// What to start the simulator with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimConfig {
    /// Generated agents: `10001…`, extensions `40001…`, password `secret`.
    pub agents: usize,
    /// Requests and notifications the simulator keeps for its control API's log. gc-load keeps
    /// it small (the simulator's work per request stays flat); gc-soak's audit needs every
    /// request between two polls.
    pub event_log_capacity: usize,
    /// A secondary node (Finesse failover) besides the primary.
    pub two_nodes: bool,
}

impl SimConfig {
    /// The simulator's configuration file.
    fn toml(&self) -> String {
        let mut text = format!(
            "grace_period_secs = 60.0\nevent_log_capacity = {}\n\
             directory = {{ generated = {} }}\n",
            self.event_log_capacity, self.agents
        );
        if !self.two_nodes {
            text.push_str("[secondary]\nenabled = false\n");
        }
        text
    }

    fn nodes(self) -> usize {
        if self.two_nodes { 2 } else { 1 }
    }
}

/// The REST and XMPP addresses of one simulator node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// `http://127.0.0.1:<port>`.
    pub rest: String,
    /// `127.0.0.1:<port>`.
    pub xmpp: String,
}

/// A running simulator. It is killed on drop or by [`Sim::stop`].
#[derive(Debug)]
pub struct Sim {
    child: Child,
    /// The control API's base URL.
    pub control: String,
    /// The primary node, then the secondary (when started with two); never empty.
    nodes: Vec<Node>,
    /// The XMPP domain.
    pub domain: String,
    dir: PathBuf,
}

impl Sim {
    /// Starts `finesse-sim` from `bin_dir` with its configuration in a temporary directory
    /// named after `run`, and waits (bounded) until it printed every address.
    pub async fn start(bin_dir: &Path, run: &str, config: SimConfig) -> Result<Self, TestbedError> {
        let dir = std::env::temp_dir().join(run);
        std::fs::create_dir_all(&dir)
            .map_err(TestbedError::io(format!("creating {}", dir.display())))?;
        let file = dir.join("sim.toml");
        std::fs::write(&file, config.toml())
            .map_err(TestbedError::io(format!("writing {}", file.display())))?;
        let mut child = Command::new(binary(bin_dir, "finesse-sim")?)
            .arg("--config")
            .arg(&file)
            .env("RUST_LOG", "finesse_sim=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(TestbedError::io("starting finesse-sim"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| TestbedError::Simulator("gave no standard output".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = Printed::default();
        let deadline = Instant::now() + START;
        while printed.control.is_none() {
            let line = tokio::time::timeout_at(deadline, lines.next_line())
                .await
                .map_err(|_| TestbedError::Simulator("did not print its addresses in time".into()))?
                .map_err(TestbedError::io("reading finesse-sim's output"))?
                .ok_or_else(|| TestbedError::Simulator("exited at start".into()))?;
            printed.read(&line);
        }
        // Keep reading so the simulator never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        if printed.nodes.len() != config.nodes() {
            return Err(TestbedError::Simulator(format!(
                "printed {} node(s), expected {}",
                printed.nodes.len(),
                config.nodes()
            )));
        }
        Ok(Self {
            child,
            control: printed.control.unwrap_or_default(),
            nodes: printed.nodes,
            domain: printed.domain,
            dir,
        })
    }

    /// The primary node.
    pub fn primary(&self) -> &Node {
        // `start` returns only with every node it asked for, at least one.
        &self.nodes[0]
    }

    /// The secondary node, when there is one.
    pub fn secondary(&self) -> Option<&Node> {
        self.nodes.get(1)
    }

    /// The simulator's process id (for its CPU and memory figures).
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Kills it and removes its directory.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the simulator printed so far.
#[derive(Debug, Default)]
struct Printed {
    control: Option<String>,
    nodes: Vec<Node>,
    domain: String,
}

impl Printed {
    /// Reads one line: `control <url> …` or `<node> REST <url> XMPP <address> (domain <d>)`;
    /// anything else is ignored.
    fn read(&mut self, line: &str) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["control", url, ..] => self.control = Some((*url).to_owned()),
            [_, "REST", rest, "XMPP", xmpp, "(domain", domain] => {
                self.nodes.push(Node {
                    rest: (*rest).to_owned(),
                    xmpp: (*xmpp).to_owned(),
                });
                domain.trim_end_matches(')').clone_into(&mut self.domain);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Node, Printed, SimConfig};

    #[test]
    fn one_node_disables_the_secondary() {
        let one = SimConfig {
            agents: 200,
            event_log_capacity: 1000,
            two_nodes: false,
        };
        assert_eq!(
            one.toml(),
            "grace_period_secs = 60.0\nevent_log_capacity = 1000\n\
             directory = { generated = 200 }\n[secondary]\nenabled = false\n"
        );
        let two = SimConfig {
            two_nodes: true,
            ..one
        };
        assert!(!two.toml().contains("[secondary]"));
        assert_eq!((one.nodes(), two.nodes()), (1, 2));
    }

    #[test]
    fn addresses_are_read_from_what_the_simulator_prints() {
        let mut printed = Printed::default();
        for line in [
            "finesse-sim (UCCE) listening:",
            "  primary   REST http://127.0.0.1:40001  XMPP 127.0.0.1:40002  (domain finesse.sim)",
            "  secondary REST http://127.0.0.1:40003  XMPP 127.0.0.1:40004  (domain finesse.sim)",
            "  control   http://127.0.0.1:40005",
        ] {
            printed.read(line);
        }
        assert_eq!(printed.control.as_deref(), Some("http://127.0.0.1:40005"));
        assert_eq!(printed.domain, "finesse.sim");
        assert_eq!(
            printed.nodes,
            [
                Node {
                    rest: "http://127.0.0.1:40001".into(),
                    xmpp: "127.0.0.1:40002".into()
                },
                Node {
                    rest: "http://127.0.0.1:40003".into(),
                    xmpp: "127.0.0.1:40004".into()
                },
            ]
        );
    }
}
