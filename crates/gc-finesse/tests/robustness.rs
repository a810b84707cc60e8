//! Arbitrary bytes never panic the parsers or the stream framer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use gc_finesse::model::notification::parse_message_bytes;
use gc_finesse::model::xml::Element;
use gc_finesse::model::{ApiErrors, Dialog, Update, User};
use gc_finesse::xmpp::framing::Splitter;
use proptest::prelude::*;

const STANZA: &str = include_str!("fixtures/notifications/zoomint-user-login-not-ready.stanza.xml");
const DIALOG: &str = include_str!("fixtures/notifications/kr-dialog-held-put.xml");

fn mutate(base: &str, cuts: &[(usize, u8)]) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for (at, b) in cuts {
        if bytes.is_empty() {
            break;
        }
        let i = at % bytes.len();
        bytes[i] = *b;
    }
    bytes
}

fn feed_all(bytes: &[u8], chunk: usize) {
    let mut s = Splitter::new();
    s.push(b"<stream:stream>");
    for piece in bytes.chunks(chunk.max(1)) {
        s.push(piece);
        while let Ok(Some(_)) = s.next_frame() {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_notification_parser(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_message_bytes(&bytes);
        let _ = Update::parse(&bytes);
        let _ = User::parse(&bytes);
        let _ = Dialog::parse_list(&bytes);
        let _ = ApiErrors::parse(&bytes);
        let _ = Element::parse(&bytes);
        feed_all(&bytes, 7);
    }

    #[test]
    fn mutated_real_stanzas_never_panic(cuts in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), chunk in 1usize..64) {
        let stanza = mutate(STANZA, &cuts);
        let _ = parse_message_bytes(&stanza);
        feed_all(&stanza, chunk);
        let dialog = mutate(DIALOG, &cuts);
        let _ = Update::parse(&dialog);
    }

    #[test]
    fn truncated_stanzas_are_errors_or_incomplete_never_panics(cut in 0usize..STANZA.len()) {
        let truncated = &STANZA.as_bytes()[..cut];
        prop_assert!(parse_message_bytes(truncated).is_err() || STANZA[cut..].trim().is_empty());
        feed_all(truncated, 13);
    }
}
