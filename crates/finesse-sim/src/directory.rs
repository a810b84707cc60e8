//! The directory: the configuration a Finesse cluster reads from its database and from the
//! contact center (agents, supervisors, teams, queues, reason codes, wrap-up reasons, phone
//! books). It is static while the simulator runs, except when the control API loads a new one.
//!
//! Files use the same JSON shape as these types (camelCase keys). The default data set is built
//! in code so that it can never fail to load; `data/default-directory.json` is the same data
//! as a file to copy and edit (a test keeps the two equal).

use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// Everything the simulator knows about users and configuration objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Directory {
    /// Agents and supervisors (a supervisor has the `Supervisor` role).
    pub agents: Vec<AgentRecord>,
    /// Teams; membership is each agent's `teamId`.
    pub teams: Vec<TeamRecord>,
    /// Queues (skill groups / CSQs) with their configured statistics.
    pub queues: Vec<QueueRecord>,
    /// NOT_READY and LOGOUT reason codes.
    pub reason_codes: Vec<ReasonCodeRecord>,
    /// Wrap-up reasons.
    pub wrap_up_reasons: Vec<WrapUpReasonRecord>,
    /// Global and team phone books with their contacts.
    pub phone_books: Vec<PhoneBookRecord>,
}

/// One user (agent or supervisor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AgentRecord {
    /// Finesse user id (`loginId`), used in URIs and the XMPP JID.
    pub login_id: String,
    /// Login name (UCCE: differs from the id; accepted in `GET /User/{loginName}`).
    pub login_name: String,
    /// Password for Basic auth and SASL PLAIN.
    pub password: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The extension (device) this user normally signs in on.
    pub extension: String,
    /// The team the user belongs to.
    pub team_id: u32,
    /// `Agent`, `Supervisor`.
    #[serde(default = "agent_role")]
    pub roles: Vec<String>,
    /// Teams this user supervises (supervisors only).
    #[serde(default)]
    pub supervised_teams: Vec<u32>,
    /// Whether the user may sign in as a mobile agent.
    #[serde(default)]
    pub mobile_agent: bool,
    /// `REQUIRED`, `REQUIRED_WITH_WRAP_UP_DATA`, `OPTIONAL` or `NOT_ALLOWED`.
    #[serde(default = "required")]
    pub wrap_up_on_incoming: String,
    /// Same values, for outbound calls.
    #[serde(default = "optional")]
    pub wrap_up_on_outgoing: String,
    /// Wrap-up timer in seconds.
    #[serde(default = "sixty")]
    pub wrap_up_timer: u32,
    /// Queues the user is skilled in.
    #[serde(default)]
    pub queues: Vec<u32>,
}

fn agent_role() -> Vec<String> {
    vec!["Agent".to_owned()]
}
fn required() -> String {
    "REQUIRED".to_owned()
}
fn optional() -> String {
    "OPTIONAL".to_owned()
}
fn sixty() -> u32 {
    60
}

impl AgentRecord {
    /// Whether the user has the Supervisor role.
    pub fn is_supervisor(&self) -> bool {
        self.roles
            .iter()
            .any(|r| r.eq_ignore_ascii_case("Supervisor"))
    }

    /// `First Last`.
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamRecord {
    /// Team id.
    pub id: u32,
    /// Team name.
    pub name: String,
    /// Team phone books assigned to this team (global books are visible to everyone).
    #[serde(default)]
    pub phone_books: Vec<u32>,
}

/// A queue with the statistics that do not follow from agent states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QueueRecord {
    /// Queue id.
    pub id: u32,
    /// Queue name.
    pub name: String,
    /// Calls waiting (agent counts are computed from the agents skilled in the queue).
    #[serde(default)]
    pub calls_in_queue: u32,
    /// ISO time of the oldest waiting call, empty when none.
    #[serde(default)]
    pub start_time_of_longest_call_in_queue: String,
}

/// A reason code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReasonCodeRecord {
    /// Finesse database id (what `reasonCodeId` carries).
    pub id: u32,
    /// `NOT_READY` or `LOGOUT`.
    pub category: String,
    /// The numeric code reported to the CTI server.
    pub code: u32,
    /// Label shown to the agent.
    pub label: String,
    /// Whether it applies to all teams.
    #[serde(default = "yes")]
    pub for_all: bool,
    /// System codes are never listed by the ReasonCode APIs.
    #[serde(default)]
    pub system_code: bool,
}

fn yes() -> bool {
    true
}

/// A wrap-up reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WrapUpReasonRecord {
    /// Id.
    pub id: u32,
    /// Label (the text applied to the call).
    pub label: String,
    /// Whether it applies to all teams.
    #[serde(default = "yes")]
    pub for_all: bool,
}

/// A phone book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PhoneBookRecord {
    /// Id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// `GLOBAL` or `TEAM`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Contacts.
    #[serde(default)]
    pub contacts: Vec<ContactRecord>,
}

/// A phone book contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactRecord {
    /// Id within the phone book.
    pub id: u32,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Number to dial.
    pub phone_number: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
}

impl Directory {
    /// Reads a JSON directory file.
    pub fn from_json_file(path: &Path) -> Result<Self, SimError> {
        let text = std::fs::read_to_string(path).map_err(|source| SimError::File {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text).map_err(|e| match e {
            SimError::Directory(msg) => SimError::Directory(format!("{}: {msg}", path.display())),
            other => other,
        })
    }

    /// Parses and validates a JSON directory.
    pub fn from_json(text: &str) -> Result<Self, SimError> {
        let directory: Self =
            serde_json::from_str(text).map_err(|e| SimError::Directory(e.to_string()))?;
        directory.validate()?;
        Ok(directory)
    }

    /// Checks cross references and uniqueness; reports every problem at once.
    pub fn validate(&self) -> Result<(), SimError> {
        let mut problems = Vec::new();
        let team_ids: HashSet<u32> = self.teams.iter().map(|t| t.id).collect();
        let queue_ids: HashSet<u32> = self.queues.iter().map(|q| q.id).collect();
        let book_ids: HashSet<u32> = self.phone_books.iter().map(|b| b.id).collect();
        unique(self.teams.iter().map(|t| t.id), "team id", &mut problems);
        unique(self.queues.iter().map(|q| q.id), "queue id", &mut problems);
        unique(
            self.reason_codes.iter().map(|r| r.id),
            "reason code id",
            &mut problems,
        );
        unique(
            self.wrap_up_reasons.iter().map(|w| w.id),
            "wrap-up id",
            &mut problems,
        );
        unique(
            self.phone_books.iter().map(|b| b.id),
            "phone book id",
            &mut problems,
        );
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        let mut extensions = HashSet::new();
        for agent in &self.agents {
            let who = &agent.login_id;
            if agent.login_id.is_empty() || agent.login_id.contains(['@', '/', ' ', ':']) {
                problems.push(format!("agent id {who:?} is not usable in a JID"));
            }
            if !ids.insert(agent.login_id.as_str()) {
                problems.push(format!("duplicate agent id {who}"));
            }
            if !names.insert(agent.login_name.as_str()) {
                problems.push(format!("duplicate login name {}", agent.login_name));
            }
            if !extensions.insert(agent.extension.as_str()) {
                problems.push(format!("duplicate extension {}", agent.extension));
            }
            if !team_ids.contains(&agent.team_id) {
                problems.push(format!("agent {who}: unknown team {}", agent.team_id));
            }
            for team in &agent.supervised_teams {
                if !team_ids.contains(team) {
                    problems.push(format!("agent {who}: supervises unknown team {team}"));
                }
            }
            if !agent.supervised_teams.is_empty() && !agent.is_supervisor() {
                problems.push(format!("agent {who}: supervises teams without the role"));
            }
            for queue in &agent.queues {
                if !queue_ids.contains(queue) {
                    problems.push(format!("agent {who}: unknown queue {queue}"));
                }
            }
            for setting in [&agent.wrap_up_on_incoming, &agent.wrap_up_on_outgoing] {
                if !WRAP_UP_SETTINGS.contains(&setting.as_str()) {
                    problems.push(format!("agent {who}: bad wrap-up setting {setting}"));
                }
            }
        }
        for team in &self.teams {
            for book in &team.phone_books {
                if !book_ids.contains(book) {
                    problems.push(format!("team {}: unknown phone book {book}", team.id));
                }
            }
        }
        for code in &self.reason_codes {
            if code.category != "NOT_READY" && code.category != "LOGOUT" {
                problems.push(format!("reason code {}: bad category", code.id));
            }
        }
        for book in &self.phone_books {
            if book.kind != "GLOBAL" && book.kind != "TEAM" {
                problems.push(format!(
                    "phone book {}: type must be GLOBAL or TEAM",
                    book.id
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SimError::Directory(problems.join("; ")))
        }
    }

    /// The user with this id or login name.
    pub fn agent(&self, id_or_name: &str) -> Option<&AgentRecord> {
        self.agents
            .iter()
            .find(|a| a.login_id == id_or_name)
            .or_else(|| self.agents.iter().find(|a| a.login_name == id_or_name))
    }

    /// The team with this id.
    pub fn team(&self, id: u32) -> Option<&TeamRecord> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// The default data set: agents 1001..1008 on teams 1 and 2 (extensions 3001..3008),
    /// supervisor 2001 (extension 3901) supervising both, password `secret` for everyone.
    pub fn default_data_set() -> Self {
        const PEOPLE: [(&str, &str, &str); 8] = [
            ("Maria", "Meier", "mmeier"),
            ("Jonas", "Weber", "jweber"),
            ("Aisha", "Khan", "akhan"),
            ("Lukas", "Schmidt", "lschmidt"),
            ("Sofia", "Rossi", "srossi"),
            ("Daniel", "Novak", "dnovak"),
            ("Emma", "Laurent", "elaurent"),
            ("Tomasz", "Kowalski", "tkowalski"),
        ];
        let mut agents: Vec<AgentRecord> = PEOPLE
            .iter()
            .zip(1u32..)
            .map(|(&(first, last, login), n)| {
                let team_id = if n <= 4 { 1 } else { 2 };
                AgentRecord {
                    login_id: format!("{}", 1000 + n),
                    login_name: login.to_owned(),
                    password: "secret".to_owned(),
                    first_name: first.to_owned(),
                    last_name: last.to_owned(),
                    extension: format!("{}", 3000 + n),
                    team_id,
                    roles: agent_role(),
                    supervised_teams: Vec::new(),
                    mobile_agent: n == 8,
                    wrap_up_on_incoming: required(),
                    wrap_up_on_outgoing: optional(),
                    wrap_up_timer: 60,
                    queues: if team_id == 1 {
                        vec![5031, 5033]
                    } else {
                        vec![5032, 5033]
                    },
                }
            })
            .collect();
        agents.push(AgentRecord {
            login_id: "2001".to_owned(),
            login_name: "shoffmann".to_owned(),
            password: "secret".to_owned(),
            first_name: "Sabine".to_owned(),
            last_name: "Hoffmann".to_owned(),
            extension: "3901".to_owned(),
            team_id: 1,
            roles: vec!["Agent".to_owned(), "Supervisor".to_owned()],
            supervised_teams: vec![1, 2],
            mobile_agent: false,
            wrap_up_on_incoming: optional(),
            wrap_up_on_outgoing: optional(),
            wrap_up_timer: 60,
            queues: vec![5033],
        });
        Self {
            agents,
            ..Self::shared_configuration()
        }
    }

    /// A deterministic directory with `n` agents (ids 10001.., extensions 40001..), password
    /// `secret`, 50 agents per team, plus the default reason codes, wrap-ups, books and queues.
    pub fn generated(n: usize) -> Self {
        const FIRST: [&str; 16] = [
            "Anna", "Ben", "Chiara", "David", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jan",
            "Klara", "Leon", "Mia", "Noah", "Olga", "Paul",
        ];
        const LAST: [&str; 16] = [
            "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ivanova",
            "Jensen", "Keller", "Lang", "Moreau", "Nowak", "Olsen", "Peters", "Quinn",
        ];
        let base = Self::shared_configuration();
        let team_count = n.div_ceil(50).max(1);
        let teams = (1..=team_count)
            .map(|t| TeamRecord {
                id: u32::try_from(t).unwrap_or(u32::MAX),
                name: format!("Team {t:03}"),
                phone_books: vec![2],
            })
            .collect();
        let agents = (0..n)
            .map(|i| AgentRecord {
                login_id: format!("{}", 10_001 + i),
                login_name: format!("agent{:05}", i + 1),
                password: "secret".to_owned(),
                first_name: FIRST[i % FIRST.len()].to_owned(),
                last_name: LAST[(i / FIRST.len()) % LAST.len()].to_owned(),
                extension: format!("{}", 40_001 + i),
                team_id: u32::try_from(i / 50 + 1).unwrap_or(u32::MAX),
                roles: agent_role(),
                supervised_teams: Vec::new(),
                mobile_agent: false,
                wrap_up_on_incoming: required(),
                wrap_up_on_outgoing: optional(),
                wrap_up_timer: 60,
                queues: vec![5031 + u32::try_from(i % 3).unwrap_or(0)],
            })
            .collect();
        Self {
            agents,
            teams,
            ..base
        }
    }

    /// Teams, queues, reason codes, wrap-up reasons and phone books shared by both data sets.
    fn shared_configuration() -> Self {
        let rc = |id, category: &str, code, label: &str| ReasonCodeRecord {
            id,
            category: category.to_owned(),
            code,
            label: label.to_owned(),
            for_all: true,
            system_code: false,
        };
        let contact =
            |id, first: &str, last: &str, number: &str, description: &str| ContactRecord {
                id,
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                phone_number: number.to_owned(),
                description: description.to_owned(),
            };
        let queue = |id, name: &str, waiting| QueueRecord {
            id,
            name: name.to_owned(),
            calls_in_queue: waiting,
            start_time_of_longest_call_in_queue: String::new(),
        };
        Self {
            agents: Vec::new(),
            teams: vec![
                TeamRecord {
                    id: 1,
                    name: "Billing".to_owned(),
                    phone_books: vec![2],
                },
                TeamRecord {
                    id: 2,
                    name: "Technical Support".to_owned(),
                    phone_books: vec![3],
                },
            ],
            queues: vec![
                queue(5031, "Billing_SG", 2),
                queue(5032, "Support_SG", 0),
                queue(5033, "VIP_SG", 1),
            ],
            reason_codes: vec![
                rc(1, "NOT_READY", 100, "Break"),
                rc(2, "NOT_READY", 101, "Lunch"),
                rc(3, "NOT_READY", 102, "Meeting"),
                rc(4, "NOT_READY", 103, "Training"),
                rc(5, "NOT_READY", 104, "Back office"),
                rc(11, "LOGOUT", 200, "End of shift"),
                rc(12, "LOGOUT", 201, "Personal"),
                rc(13, "LOGOUT", 202, "Training"),
            ],
            wrap_up_reasons: vec![
                WrapUpReasonRecord {
                    id: 1,
                    label: "Billing question".to_owned(),
                    for_all: true,
                },
                WrapUpReasonRecord {
                    id: 2,
                    label: "Issue resolved".to_owned(),
                    for_all: true,
                },
                WrapUpReasonRecord {
                    id: 3,
                    label: "Escalated".to_owned(),
                    for_all: true,
                },
                WrapUpReasonRecord {
                    id: 4,
                    label: "Callback requested".to_owned(),
                    for_all: true,
                },
            ],
            phone_books: vec![
                PhoneBookRecord {
                    id: 1,
                    name: "Company Directory".to_owned(),
                    kind: "GLOBAL".to_owned(),
                    contacts: vec![
                        contact(1, "Front", "Desk", "3000", "Reception"),
                        contact(2, "IT", "Helpdesk", "3999", "Internal IT support"),
                        contact(3, "Claudia", "Brandt", "00493012345678", "Key account"),
                    ],
                },
                PhoneBookRecord {
                    id: 2,
                    name: "Billing Partners".to_owned(),
                    kind: "TEAM".to_owned(),
                    contacts: vec![
                        contact(1, "Payment", "Provider", "00498912345600", "Card disputes"),
                        contact(
                            2,
                            "Collections",
                            "Agency",
                            "00494012345611",
                            "Overdue accounts",
                        ),
                    ],
                },
                PhoneBookRecord {
                    id: 3,
                    name: "Support Escalation".to_owned(),
                    kind: "TEAM".to_owned(),
                    contacts: vec![
                        contact(1, "Network", "Operations", "3950", "24x7 NOC"),
                        contact(2, "Field", "Service", "00493098765432", "On-site repairs"),
                    ],
                },
            ],
        }
    }
}

/// A directory with lookup tables, as the running simulator holds it: users by id, login name
/// and extension, teams by id, team and queue members. Every REST request and XMPP login looks
/// users up, so with thousands of agents a linear search per lookup would make signing everyone
/// in quadratic. Read-only (it derefs to the [`Directory`]); replaced as a whole.
#[derive(Debug, Default)]
pub(crate) struct IndexedDirectory {
    directory: Directory,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
    by_extension: HashMap<String, usize>,
    teams: HashMap<u32, usize>,
    team_members: HashMap<u32, Vec<usize>>,
    queue_members: HashMap<u32, Vec<usize>>,
}

impl Deref for IndexedDirectory {
    type Target = Directory;

    fn deref(&self) -> &Directory {
        &self.directory
    }
}

impl From<Directory> for IndexedDirectory {
    fn from(directory: Directory) -> Self {
        let mut index = Self::default();
        for (i, agent) in directory.agents.iter().enumerate() {
            // The first one wins, like a search in file order.
            index.by_id.entry(agent.login_id.clone()).or_insert(i);
            index.by_name.entry(agent.login_name.clone()).or_insert(i);
            index
                .by_extension
                .entry(agent.extension.clone())
                .or_insert(i);
            index.team_members.entry(agent.team_id).or_default().push(i);
            for queue in &agent.queues {
                let members = index.queue_members.entry(*queue).or_default();
                if members.last() != Some(&i) {
                    members.push(i);
                }
            }
        }
        for (i, team) in directory.teams.iter().enumerate() {
            index.teams.entry(team.id).or_insert(i);
        }
        index.directory = directory;
        index
    }
}

impl IndexedDirectory {
    /// The directory itself.
    pub(crate) fn records(&self) -> &Directory {
        &self.directory
    }

    fn at(&self, i: Option<&usize>) -> Option<&AgentRecord> {
        i.and_then(|i| self.directory.agents.get(*i))
    }

    /// The user with this id or login name (as [`Directory::agent`]).
    pub(crate) fn agent(&self, id_or_name: &str) -> Option<&AgentRecord> {
        self.agent_by_id(id_or_name)
            .or_else(|| self.at(self.by_name.get(id_or_name)))
    }

    /// The user with this id.
    pub(crate) fn agent_by_id(&self, id: &str) -> Option<&AgentRecord> {
        self.at(self.by_id.get(id))
    }

    /// Whether some user has this extension in the directory.
    pub(crate) fn has_extension(&self, extension: &str) -> bool {
        self.by_extension.contains_key(extension)
    }

    /// The team with this id (as [`Directory::team`]).
    pub(crate) fn team(&self, id: u32) -> Option<&TeamRecord> {
        self.teams
            .get(&id)
            .and_then(|i| self.directory.teams.get(*i))
    }

    /// The members of a team, in directory order.
    pub(crate) fn team_members(&self, team: u32) -> impl Iterator<Item = &AgentRecord> {
        self.members(self.team_members.get(&team))
    }

    /// The users skilled in a queue, in directory order.
    pub(crate) fn queue_members(&self, queue: u32) -> impl Iterator<Item = &AgentRecord> {
        self.members(self.queue_members.get(&queue))
    }

    fn members<'a>(
        &'a self,
        list: Option<&'a Vec<usize>>,
    ) -> impl Iterator<Item = &'a AgentRecord> {
        list.into_iter()
            .flatten()
            .filter_map(|i| self.directory.agents.get(*i))
    }
}

/// The wrap-up settings Finesse knows.
pub(crate) const WRAP_UP_SETTINGS: [&str; 4] = [
    "REQUIRED",
    "REQUIRED_WITH_WRAP_UP_DATA",
    "OPTIONAL",
    "NOT_ALLOWED",
];

fn unique(ids: impl Iterator<Item = u32>, what: &str, problems: &mut Vec<String>) {
    let mut seen = HashSet::new();
    for id in ids {
        if !seen.insert(id) {
            problems.push(format!("duplicate {what} {id}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_data_set_is_valid_and_matches_the_issue() {
        let d = Directory::default_data_set();
        d.validate().unwrap();
        for n in 1..=8 {
            let agent = d.agent(&format!("{}", 1000 + n)).unwrap();
            assert_eq!(agent.extension, format!("{}", 3000 + n));
            assert_eq!(agent.password, "secret");
        }
        let sup = d.agent("2001").unwrap();
        assert!(sup.is_supervisor());
        assert_eq!(sup.extension, "3901");
        assert_eq!(sup.supervised_teams, vec![1, 2]);
        assert!(d.reason_codes.iter().any(|r| r.category == "LOGOUT"));
        assert!(d.phone_books.iter().any(|b| b.kind == "GLOBAL"));
        assert!(d.phone_books.iter().any(|b| b.kind == "TEAM"));
        assert_eq!(d.agent("mmeier").unwrap().login_id, "1001");
    }

    #[test]
    fn the_shipped_json_file_is_the_default_data_set() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/default-directory.json");
        assert_eq!(
            Directory::from_json_file(&path).unwrap(),
            Directory::default_data_set()
        );
    }

    #[test]
    fn generated_directories_are_deterministic_and_valid() {
        let a = Directory::generated(120);
        a.validate().unwrap();
        assert_eq!(a, Directory::generated(120));
        assert_eq!(a.agents.len(), 120);
        assert_eq!(a.teams.len(), 3);
        assert_eq!(a.agents[119].login_id, "10120");
        assert!(a.agents.iter().all(|x| x.password == "secret"));
    }

    #[test]
    fn the_index_finds_what_a_search_finds() {
        let d = Directory::default_data_set();
        let index = IndexedDirectory::from(d.clone());
        for probe in ["1001", "2001", "mmeier", "shoffmann", "nobody", "3001", ""] {
            assert_eq!(index.agent(probe), d.agent(probe), "{probe}");
        }
        assert_eq!(index.agent_by_id("mmeier"), None);
        assert!(index.has_extension("3901") && !index.has_extension("1001"));
        for team in [0, 1, 2, 3] {
            assert_eq!(index.team(team), d.team(team));
            let members: Vec<_> = index.team_members(team).collect();
            let searched: Vec<_> = d.agents.iter().filter(|a| a.team_id == team).collect();
            assert_eq!(members, searched);
        }
        for queue in [5031, 5032, 5033, 1] {
            let members: Vec<_> = index.queue_members(queue).collect();
            let searched: Vec<_> = d
                .agents
                .iter()
                .filter(|a| a.queues.contains(&queue))
                .collect();
            assert_eq!(members, searched);
        }
    }

    #[test]
    fn a_generated_directory_of_twelve_thousand_agents_is_valid_and_indexed() {
        let started = std::time::Instant::now();
        let d = Directory::generated(12_000);
        d.validate().unwrap();
        let index = IndexedDirectory::from(d);
        assert_eq!(index.agents.len(), 12_000);
        assert_eq!(index.teams.len(), 240);
        assert_eq!(index.agent("22000").unwrap().extension, "52000");
        assert_eq!(index.agent("agent12000").unwrap().login_id, "22000");
        assert_eq!(index.team_members(240).count(), 50);
        assert_eq!(index.queue_members(5031).count(), 4000);
        // Building (and validating) is linear: well under a second even in a debug build.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn validation_reports_every_broken_reference() {
        let mut d = Directory::default_data_set();
        d.agents[0].team_id = 99;
        d.agents[1].extension = d.agents[2].extension.clone();
        let err = d.validate().unwrap_err().to_string();
        assert!(err.contains("unknown team 99"), "{err}");
        assert!(err.contains("duplicate extension"), "{err}");
    }
}
