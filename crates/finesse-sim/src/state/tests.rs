//! Unit tests of the state machine, without sockets: operations in, effects out.

use super::model::AgentState;
use super::user::{AuthFailure, UserRequest};
use super::{Effect, InboundOffer, Now, Out, Timer, World};
use crate::config::SimConfig;
use crate::directory::Directory;

fn world() -> World {
    World::new(&SimConfig::default(), Directory::default_data_set())
}

fn now() -> Now {
    Now {
        wall: "2025-03-04T09:15:02.118Z".to_owned(),
        mono: tokio::time::Instant::now(),
    }
}

fn put(world: &mut World, agent: &str, state: &str, extension: Option<&str>) -> Out {
    let req = UserRequest {
        state: Some(state.to_owned()),
        extension: extension.map(str::to_owned),
        ..UserRequest::default()
    };
    let checked = world.check_user_put(agent, agent, &req).unwrap();
    let mut out = Out::default();
    world.apply_user_put(agent, checked, "rid", &now(), &mut out);
    out
}

fn published_nodes(out: &Out) -> Vec<String> {
    out.effects
        .iter()
        .filter_map(|e| match e {
            Effect::Publish { node, .. } => Some(node.clone()),
            _ => None,
        })
        .collect()
}

fn state(world: &World, agent: &str) -> AgentState {
    world.agents[agent].state
}

#[test]
fn login_publishes_on_the_user_node_and_the_team_feed() {
    let mut w = world();
    let out = put(&mut w, "1001", "LOGIN", Some("3001"));
    assert_eq!(state(&w, "1001"), AgentState::NotReady);
    assert_eq!(
        published_nodes(&out),
        ["/finesse/api/User/1001", "/finesse/api/Team/1/Users"]
    );
}

#[test]
fn a_routed_call_reserves_then_wrap_up_ends_by_timer_in_ready() {
    let mut w = world();
    put(&mut w, "1001", "LOGIN", Some("3001"));
    put(&mut w, "1001", "READY", None);
    let mut out = Out::default();
    let offer = InboundOffer {
        agent: "1001".to_owned(),
        from: "0301".to_owned(),
        variables: vec![],
        call_type: None,
        dialed_number: None,
        queue: None,
    };
    let id = w.offer_inbound(&offer, &now(), &mut out).unwrap();
    assert_eq!(state(&w, "1001"), AgentState::Reserved);
    let index = w.dialogs[&id].agent_index("1001").unwrap();
    w.answer(id, index, &now());
    w.sync(id, "", &now(), &mut out);
    assert_eq!(state(&w, "1001"), AgentState::Talking);
    let mut out = Out::default();
    w.remote_hangup(id, &now(), &mut out).unwrap();
    assert_eq!(state(&w, "1001"), AgentState::WorkReady);
    let timer = out
        .effects
        .iter()
        .find_map(|e| match e {
            Effect::Arm { timer, .. } => Some(timer.clone()),
            _ => None,
        })
        .unwrap();
    // A stale generation does nothing; the armed one ends wrap-up.
    let stale = Timer::WrapUp {
        agent: "1001".to_owned(),
        generation: 0,
    };
    w.fire(&stale, &now(), &mut Out::default());
    assert_eq!(state(&w, "1001"), AgentState::WorkReady);
    let mut out = Out::default();
    w.fire(&timer, &now(), &mut out);
    assert_eq!(state(&w, "1001"), AgentState::Ready);
    assert!(w.dialogs.is_empty());
    assert!(published_nodes(&out).contains(&"/finesse/api/User/1001/Dialogs".to_owned()));
}

#[test]
fn five_wrong_passwords_lock_even_the_right_one() {
    let mut w = world();
    for _ in 0..4 {
        assert_eq!(
            w.authenticate("1002", "x", &now()),
            Err(AuthFailure::WrongPassword)
        );
    }
    assert_eq!(
        w.authenticate("1002", "secret", &now()),
        Ok("1002".to_owned())
    );
    for _ in 0..5 {
        assert_eq!(
            w.authenticate("jweber", "x", &now()),
            Err(AuthFailure::WrongPassword)
        );
    }
    assert_eq!(
        w.authenticate("1002", "secret", &now()),
        Err(AuthFailure::Locked)
    );
    assert_eq!(
        w.authenticate("nobody", "secret", &now()),
        Err(AuthFailure::UnknownUser)
    );
}

#[test]
fn presence_loss_arms_the_grace_timer_and_a_return_disarms_it() {
    let mut w = world();
    put(&mut w, "1003", "LOGIN", Some("3003"));
    w.presence("1003", 1, &mut Out::default());
    let mut out = Out::default();
    w.presence("1003", 0, &mut out);
    let Some(Effect::Arm { timer, .. }) = out.effects.first().cloned() else {
        panic!("no grace timer armed");
    };
    w.presence("1003", 1, &mut Out::default());
    w.fire(&timer, &now(), &mut Out::default());
    assert_eq!(state(&w, "1003"), AgentState::NotReady);
    let mut out = Out::default();
    w.presence("1003", 0, &mut out);
    let Some(Effect::Arm { timer, .. }) = out.effects.first().cloned() else {
        panic!("no grace timer armed");
    };
    w.fire(&timer, &now(), &mut Out::default());
    assert_eq!(state(&w, "1003"), AgentState::Logout);
    assert_eq!(w.agents["1003"].reason.as_ref().map(|r| r.code), Some(255));
}

#[test]
fn the_agent_on_an_extension_follows_login_logout_and_directory_reloads() {
    let mut w = world();
    assert_eq!(w.agent_on_extension("3002"), None);
    put(&mut w, "1001", "LOGIN", Some("3002"));
    assert_eq!(w.agent_on_extension("3002").as_deref(), Some("1001"));
    assert_eq!(w.agent_on_extension("3001"), None);
    // The device is busy for anyone else.
    let mut out = put(&mut w, "1002", "LOGIN", Some("3002"));
    assert_eq!(state(&w, "1002"), AgentState::Logout);
    assert!(!out.effects.is_empty(), "the failure is published");
    // Still there after a reload that keeps the agent.
    w.load_directory(Directory::default_data_set(), &now());
    assert_eq!(w.agent_on_extension("3002").as_deref(), Some("1001"));
    out = put(&mut w, "1001", "LOGOUT", None);
    assert!(!out.effects.is_empty());
    assert_eq!(w.agent_on_extension("3002"), None);
    put(&mut w, "1002", "LOGIN", Some("3002"));
    assert_eq!(w.agent_on_extension("3002").as_deref(), Some("1002"));
    // Gone with a directory that no longer has the agent.
    w.load_directory(Directory::generated(3), &now());
    assert_eq!(w.agent_on_extension("3002"), None);
}
