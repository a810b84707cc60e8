//! Event rendering, both formats: a `State`, an `InboundCall` with ten call variables and a
//! team list (O-020, 20 members), the shapes the connector renders most.
//!
//!     cargo bench -p gc-protocol --bench render
//!
//! Criterion writes each benchmark's median to `target/criterion/<group>/<name>/new/estimates.json`.

#![allow(clippy::unwrap_used)] // a bench program: fail loudly

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gc_protocol::event::TeamMember;
use gc_protocol::{AgentId, CallData, Event, Format, Participant};

fn state() -> Event {
    Event::State {
        agent: AgentId::parse("1001").unwrap(),
        state: "NOT_READY".into(),
        reason_code: "7".into(),
        pending_state: String::new(),
        state_change_time: "2019-09-17 12:46:21".into(),
        full_name: "Maria Meier".into(),
    }
}

fn inbound_call() -> Event {
    let call_variables = (1..=10)
        .map(|i| (format!("callVariable{i}"), format!("value {i}, \"quoted\"")))
        .collect();
    Event::InboundCall {
        agent: AgentId::parse("1001").unwrap(),
        full_name: "Maria Meier".into(),
        call: CallData {
            dialog_id: "16871253".into(),
            state: "ACTIVE".into(),
            from_address: "4012".into(),
            to_address: "3001".into(),
            ani: "4012".into(),
            call_variables,
            start_time: "2019-09-17 15:32:15".into(),
            participants: vec![
                Participant {
                    media_address: "4012".into(),
                    state: "ACTIVE".into(),
                    address_type: String::new(),
                },
                Participant {
                    media_address: "3001".into(),
                    state: "ACTIVE".into(),
                    address_type: "AGENT_DEVICE".into(),
                },
            ],
            prev_dialog_id: None,
            agent_start_time: String::new(),
            failure_cause: String::new(),
            call_type: "ACD_IN".into(),
        },
    }
}

fn team_list() -> Event {
    let users = (0..20)
        .map(|i| TeamMember {
            first_name: format!("Agent{i}"),
            last_name: "Müller".into(),
            extension: format!("30{i:02}"),
            login_id: format!("10{i:02}"),
            state: "READY".into(),
            pending_state: String::new(),
            media_type: "1".into(),
            state_change_time: "2019-09-17 12:46:21".into(),
            reason_code: String::new(),
        })
        .collect();
    Event::TeamUsersList {
        agent: AgentId::parse("2001").unwrap(),
        users,
    }
}

fn render(c: &mut Criterion) {
    let events = [
        ("state", state()),
        ("inbound_call", inbound_call()),
        ("team_list", team_list()),
    ];
    for (format, label) in [(Format::Legacy, "legacy"), (Format::Json, "json")] {
        let mut group = c.benchmark_group(format!("render_{label}"));
        for (name, event) in &events {
            group.bench_function(*name, |b| b.iter(|| black_box(event).render(format)));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = render
}
criterion_main!(benches);
