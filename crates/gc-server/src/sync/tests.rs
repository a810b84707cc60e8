use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gc_protocol::{AgentId, DestinationName, Extension, Format};

use super::seal::key_from_bytes;
use super::*;

const MAX_AGE: Duration = Duration::from_mins(2);

/// The fixed clock of these tests.
fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_hours(500_000)
}

fn key(n: u8) -> SyncKey {
    key_from_bytes([n; 32])
}

fn codec(sender: &str, key: SyncKey, epoch: u64) -> SyncCodec {
    SyncCodec::sealed_with_epoch(sender, key, None, MAX_AGE, epoch)
}

fn agent(id: &str, password: &str) -> PeerSync {
    PeerSync::Agent {
        agent: AgentId::parse(id).unwrap(),
        password: Password::new(password),
        extension: Some(Extension::parse("3001").unwrap()),
        subscription_time: "2026-11-25 12:30:00".into(),
        destination: Some(DestinationName::parse("crm-7").unwrap()),
    }
}

fn destination(name: &str) -> PeerSync {
    PeerSync::Destination {
        name: DestinationName::parse(name).unwrap(),
        format: Format::Json,
    }
}

fn removed(id: &str) -> PeerSync {
    PeerSync::AgentRemoved(AgentId::parse(id).unwrap())
}

fn executed(id: &str) -> PeerSync {
    PeerSync::Executed {
        message_id: id.into(),
    }
}

/// A leader `a` and a standby `b` sharing key 1.
fn pair() -> (SyncCodec, SyncCodec) {
    (codec("gc-a", key(1), 11), codec("gc-b", key(1), 22))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn every_kind_round_trips_sealed_and_nothing_shows_in_clear() {
    let (mut a, mut b) = pair();
    for sync in [
        agent("1001", "hunter2"),
        removed("1001"),
        destination("crm-7"),
        executed("ID:a#b,c"),
    ] {
        let body = a.encode(&sync, t0()).unwrap();
        assert!(body.starts_with(b"GCS\x01"));
        for clear in [&b"hunter2"[..], b"1001", b"crm-7", b"ID:a", b"Agent"] {
            assert!(!contains(&body, clear));
        }
        assert_eq!(b.decode(Some("gc-a"), &body, t0()), Ok(sync));
    }
}

#[test]
fn any_password_survives_the_seal() {
    let (mut a, mut b) = pair();
    let sync = agent("1001", " pass#word ");
    let body = a.encode(&sync, t0()).unwrap();
    assert_eq!(b.decode(Some("gc-a"), &body, t0()), Ok(sync));
}

#[test]
fn unsealed_messages_are_refused_and_counted_when_the_group_has_a_key() {
    let (_, mut b) = pair();
    let metrics = Metrics::new();
    for text in [
        "AgentRemoved#1001",
        "Destination#crm-7#json",
        "AgentState#1001#secret#3001#2026-11-25 12:30:00#crm-7",
    ] {
        assert_eq!(
            b.decode(Some("gc-a"), text.as_bytes(), t0()),
            Err(SyncRejection::Unsealed)
        );
        assert_eq!(
            b.receive(Some("gc-a"), text.as_bytes(), t0(), &metrics),
            None
        );
    }
    assert!(
        metrics
            .render()
            .contains("gc_sync_rejected_total{reason=\"unsealed\"} 3"),
        "{}",
        metrics.render()
    );
}

#[test]
fn replays_are_refused_and_counted() {
    let (mut a, mut b) = pair();
    let metrics = Metrics::new();
    let body = a.encode(&removed("1001"), t0()).unwrap();
    assert!(b.receive(Some("gc-a"), &body, t0(), &metrics).is_some());
    assert_eq!(
        b.decode(Some("gc-a"), &body, t0()),
        Err(SyncRejection::Replayed)
    );
    assert_eq!(b.receive(Some("gc-a"), &body, t0(), &metrics), None);
    assert!(
        metrics
            .render()
            .contains("gc_sync_rejected_total{reason=\"replayed\"} 1")
    );
}

#[test]
fn a_message_republished_under_another_sender_is_refused() {
    let mut a = codec("gc-a", key(1), 11);
    let mut b = codec("gc-b", key(1), 22);
    let mut c = codec("gc-c", key(1), 33);
    let body = a.encode(&agent("1001", "hunter2"), t0()).unwrap();
    // Re-published by someone else with app_id gc-b, received by gc-c.
    assert_eq!(
        c.decode(Some("gc-b"), &body, t0()),
        Err(SyncRejection::BadSeal)
    );
    assert_eq!(c.decode(None, &body, t0()), Err(SyncRejection::Malformed));
    // The genuine one still goes through afterwards.
    assert_eq!(
        c.decode(Some("gc-a"), &body, t0()),
        Ok(agent("1001", "hunter2"))
    );
    // gc-b's own mirror does not take a message under its own name either.
    assert_eq!(
        b.decode(Some("gc-b"), &body, t0()),
        Err(SyncRejection::BadSeal)
    );
}

#[test]
fn a_session_cannot_be_moved_to_another_agent() {
    let (mut a, mut b) = pair();
    let body = a.encode(&agent("1001", "hunter2"), t0()).unwrap();
    // AES-GCM's stream would let a flipped bit turn 1001 into 1002; the tag does not.
    // Envelope header 24 bytes, stamp 24 bytes, then `AgentState#1001`: the last digit at 14.
    let mut moved = body.clone();
    moved[24 + 24 + 14] ^= b'1' ^ b'2';
    assert_eq!(
        b.decode(Some("gc-a"), &moved, t0()),
        Err(SyncRejection::BadSeal)
    );
    // The old form's sealed password blob cannot ride along in another agent's message.
    let old_form = format!("AgentState#1002#gcm:{}#3001#2026-11-25 12:30:00#crm-7", {
        STANDARD.encode(&body[24..])
    });
    assert_eq!(
        b.decode(Some("gc-a"), old_form.as_bytes(), t0()),
        Err(SyncRejection::Unsealed)
    );
}

#[test]
fn bodies_spliced_from_two_messages_are_refused() {
    let (mut a, mut b) = pair();
    let first = a.encode(&agent("1001", "hunter2"), t0()).unwrap();
    let second = a.encode(&agent("1002", "other"), t0()).unwrap();
    // The first's header and nonce, the second's ciphertext.
    let mut spliced = first[..24].to_vec();
    spliced.extend_from_slice(&second[24..]);
    assert_eq!(
        b.decode(Some("gc-a"), &spliced, t0()),
        Err(SyncRejection::BadSeal)
    );
    // The first half of one, the second half of the other.
    let cut = first.len().min(second.len()) / 2;
    let mut spliced = first[..cut].to_vec();
    spliced.extend_from_slice(&second[cut..]);
    assert_eq!(
        b.decode(Some("gc-a"), &spliced, t0()),
        Err(SyncRejection::BadSeal)
    );
}

#[test]
fn state_messages_are_taken_in_order_only() {
    let (mut a, mut b) = pair();
    let metrics = Metrics::new();
    let login = a.encode(&agent("1001", "hunter2"), t0()).unwrap();
    let logout = a.encode(&removed("1001"), t0()).unwrap();
    assert!(b.receive(Some("gc-a"), &logout, t0(), &metrics).is_some());
    // The older session arriving late must not bring the agent back.
    assert_eq!(
        b.decode(Some("gc-a"), &login, t0()),
        Err(SyncRejection::OutOfOrder)
    );
    assert_eq!(b.receive(Some("gc-a"), &login, t0(), &metrics), None);
    assert!(
        metrics
            .render()
            .contains("gc_sync_rejected_total{reason=\"out_of_order\"} 1")
    );
    // Gaps are fine (a message lost on the way).
    let _lost = a.encode(&destination("crm-7"), t0()).unwrap();
    let next = a.encode(&destination("crm-8"), t0()).unwrap();
    assert_eq!(
        b.decode(Some("gc-a"), &next, t0()),
        Ok(destination("crm-8"))
    );
}

#[test]
fn stale_messages_are_refused_both_ways() {
    let (mut a, mut b) = pair();
    let metrics = Metrics::new();
    let body = a.encode(&removed("1001"), t0()).unwrap();
    let late = t0() + MAX_AGE + Duration::from_secs(1);
    assert_eq!(
        b.decode(Some("gc-a"), &body, late),
        Err(SyncRejection::Stale)
    );
    let early = t0() - MAX_AGE - Duration::from_secs(1);
    assert_eq!(b.receive(Some("gc-a"), &body, early, &metrics), None);
    assert!(
        metrics
            .render()
            .contains("gc_sync_rejected_total{reason=\"stale\"} 1")
    );
    // Within the window it is fine (and was not recorded by the refusals).
    assert!(
        b.decode(Some("gc-a"), &body, t0() + MAX_AGE - Duration::from_secs(1))
            .is_ok()
    );
}

#[test]
fn journal_entries_are_taken_in_any_order_but_once() {
    let (a, mut b) = pair();
    let journal = a.journal();
    let entries: Vec<Vec<u8>> = (1..=4)
        .map(|n| journal.encode(&format!("msg-{n}"), t0()).unwrap())
        .collect();
    for n in [3, 1, 4, 2] {
        assert_eq!(
            b.decode(Some("gc-a"), &entries[n - 1], t0()),
            Ok(executed(&format!("msg-{n}")))
        );
    }
    for entry in &entries {
        assert_eq!(
            b.decode(Some("gc-a"), entry, t0()),
            Err(SyncRejection::Replayed)
        );
    }
}

#[test]
fn the_journal_and_the_state_streams_do_not_hold_each_other_up() {
    let (mut a, mut b) = pair();
    let journal = a.journal();
    let entry = journal.encode("msg-1", t0()).unwrap();
    let state = a.encode(&destination("crm-7"), t0()).unwrap();
    let later = a.encode(&executed("msg-2"), t0()).unwrap();
    // The state message overtakes both journal entries, which come in reverse.
    assert!(b.decode(Some("gc-a"), &state, t0()).is_ok());
    assert_eq!(b.decode(Some("gc-a"), &later, t0()), Ok(executed("msg-2")));
    assert_eq!(b.decode(Some("gc-a"), &entry, t0()), Ok(executed("msg-1")));
}

#[test]
fn a_wrong_key_is_refused_and_warned_about() {
    let mut a = codec("gc-a", key(1), 11);
    let mut other = codec("gc-x", key(9), 99);
    let metrics = Metrics::new();
    let body = other.encode(&removed("1001"), t0()).unwrap();
    assert_eq!(
        a.decode(Some("gc-x"), &body, t0()),
        Err(SyncRejection::UnknownKey)
    );
    assert_eq!(a.receive(Some("gc-x"), &body, t0(), &metrics), None);
    assert!(
        metrics
            .render()
            .contains("gc_sync_rejected_total{reason=\"unknown_key\"} 1")
    );
    // Another key passed off under our key's id does not open either.
    let mut forged = body.clone();
    forged[4..12].copy_from_slice(&a.encode(&removed("1"), t0()).unwrap()[4..12]);
    assert_eq!(
        a.decode(Some("gc-x"), &forged, t0()),
        Err(SyncRejection::BadSeal)
    );
}

#[test]
fn warnings_are_rate_limited_per_reason() {
    let mut warnings = Warnings::default();
    assert!(warnings.warn(SyncRejection::BadSeal, Some("gc-x"), t0()));
    assert!(!warnings.warn(
        SyncRejection::BadSeal,
        Some("gc-x"),
        t0() + Duration::from_secs(30)
    ));
    assert!(warnings.warn(
        SyncRejection::Stale,
        Some("gc-x"),
        t0() + Duration::from_secs(30)
    ));
    assert!(warnings.warn(SyncRejection::BadSeal, Some("gc-x"), t0() + WARN_EVERY));
}

#[test]
fn rotation_opens_with_the_previous_key_and_seals_with_the_current_one() {
    // Step 1 done on b only: b has the new key (2) as current and the old one (1) as previous.
    let mut a = codec("gc-a", key(1), 11);
    let mut b = SyncCodec::sealed_with_epoch("gc-b", key(2), Some(key(1)), MAX_AGE, 22);
    assert_eq!(b.key_ids(), vec![key(2).id(), key(1).id()]);
    let from_a = a.encode(&removed("1001"), t0()).unwrap();
    assert_eq!(b.decode(Some("gc-a"), &from_a, t0()), Ok(removed("1001")));
    let from_b = b.encode(&removed("1002"), t0()).unwrap();
    assert_eq!(from_b[4..12], key(2).id().0);
    // a does not have the new key yet.
    assert_eq!(
        a.decode(Some("gc-b"), &from_b, t0()),
        Err(SyncRejection::UnknownKey)
    );
    // Step 1 on a as well: both keys, so both directions work.
    let mut a = SyncCodec::sealed_with_epoch("gc-a", key(2), Some(key(1)), MAX_AGE, 12);
    assert_eq!(a.decode(Some("gc-b"), &from_b, t0()), Ok(removed("1002")));
    // Step 2: previous dropped; the old key no longer opens anything.
    let mut b = codec("gc-b", key(2), 23);
    let mut old = codec("gc-old", key(1), 1);
    let stale_key = old.encode(&removed("1003"), t0()).unwrap();
    assert_eq!(
        b.decode(Some("gc-old"), &stale_key, t0()),
        Err(SyncRejection::UnknownKey)
    );
    let fresh = a.encode(&removed("1004"), t0()).unwrap();
    assert_eq!(b.decode(Some("gc-a"), &fresh, t0()), Ok(removed("1004")));
}

#[test]
fn oversize_bodies_are_refused_before_decoding() {
    let (_, mut b) = pair();
    let metrics = Metrics::new();
    // A well-formed-looking start, then junk: had it been decoded it would be bad_seal.
    let mut body = b"GCS\x01".to_vec();
    body.resize(MAX_SYNC_BYTES + 1, b'x');
    assert_eq!(
        b.decode(Some("gc-a"), &body, t0()),
        Err(SyncRejection::Oversize)
    );
    assert_eq!(b.receive(Some("gc-a"), &body, t0(), &metrics), None);
    assert!(
        metrics
            .render()
            .contains("gc_sync_rejected_total{reason=\"oversize\"} 1")
    );
    let mut plain = SyncCodec::plaintext();
    assert_eq!(
        plain.decode(Some("gc-a"), &vec![b'#'; MAX_SYNC_BYTES + 1], t0()),
        Err(SyncRejection::Oversize)
    );
}

#[test]
fn a_restarted_sender_is_followed_and_its_old_life_refused() {
    let (mut a, mut b) = pair();
    let mut old = Vec::new();
    for n in 0..5 {
        old.push(a.encode(&destination(&format!("crm-{n}")), t0()).unwrap());
    }
    for body in &old[..4] {
        assert!(b.decode(Some("gc-a"), body, t0()).is_ok());
    }
    // gc-a restarts: a new epoch, its sequences from 1 again.
    let mut a = codec("gc-a", key(1), 12);
    let first = a.encode(&removed("1001"), t0()).unwrap();
    assert_eq!(b.decode(Some("gc-a"), &first, t0()), Ok(removed("1001")));
    let entry = a.journal().encode("msg-1", t0()).unwrap();
    assert_eq!(b.decode(Some("gc-a"), &entry, t0()), Ok(executed("msg-1")));
    // Its previous life's messages (even one never delivered) are over.
    assert_eq!(
        b.decode(Some("gc-a"), &old[4], t0()),
        Err(SyncRejection::Replayed)
    );
    let second = a.encode(&removed("1002"), t0()).unwrap();
    assert_eq!(b.decode(Some("gc-a"), &second, t0()), Ok(removed("1002")));
}

#[test]
fn truncated_and_foreign_bodies_are_malformed() {
    let (mut a, mut b) = pair();
    let body = a.encode(&removed("1001"), t0()).unwrap();
    assert_eq!(
        b.decode(Some("gc-a"), &body[..30], t0()),
        Err(SyncRejection::Malformed)
    );
    let mut version = body.clone();
    version[3] = 2;
    assert_eq!(
        b.decode(Some("gc-a"), &version, t0()),
        Err(SyncRejection::Malformed)
    );
}

#[test]
fn plaintext_groups_share_in_clear_and_cannot_open_sealed_ones() {
    let mut plain = SyncCodec::plaintext();
    let body = plain.encode(&agent("1001", "hunter2"), t0()).unwrap();
    assert_eq!(
        body,
        b"AgentState#1001#hunter2#3001#2026-11-25 12:30:00#crm-7".to_vec()
    );
    assert_eq!(
        plain.decode(Some("gc-a"), &body, t0()),
        Ok(agent("1001", "hunter2"))
    );
    assert_eq!(
        plain.journal().encode("msg-1", t0()).unwrap(),
        b"Executed#msg-1".to_vec()
    );
    assert_eq!(
        plain.decode(None, b"hello", t0()),
        Err(SyncRejection::Malformed)
    );
    let (mut a, _) = pair();
    let sealed = a.encode(&removed("1001"), t0()).unwrap();
    assert_eq!(
        plain.decode(Some("gc-a"), &sealed, t0()),
        Err(SyncRejection::UnknownKey)
    );
}

#[test]
fn keys_must_be_32_bytes_and_ids_are_stable_and_distinct() {
    assert!(SyncKey::from_base64("c2hvcnQ=").is_none());
    assert!(SyncKey::from_base64("not base64!").is_none());
    let k = SyncKey::from_base64("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=").unwrap();
    assert_eq!(
        k.id(),
        key_from_bytes(*b"0123456789abcdef0123456789abcdef").id()
    );
    assert_ne!(key(1).id(), key(2).id());
    assert_eq!(k.id().to_string().len(), 16);
    assert!(!format!("{k:?}").contains("MDEy"));
}
