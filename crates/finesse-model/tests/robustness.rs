//! Arbitrary and damaged bytes never panic the parsers: they are read or refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use finesse_model::{ApiErrors, Dialog, Element, Update, User, parse_message};
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse_message(&bytes);
        let _ = Update::parse(&bytes);
        let _ = User::parse(&bytes);
        let _ = Dialog::parse_list(&bytes);
        let _ = ApiErrors::parse(&bytes);
        let _ = Element::parse(&bytes);
    }

    #[test]
    fn mutated_real_stanzas_never_panic(cuts in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let stanza = mutate(STANZA, &cuts);
        let _ = parse_message(&stanza);
        let dialog = mutate(DIALOG, &cuts);
        let _ = Update::parse(&dialog);
    }

    #[test]
    fn truncated_stanzas_are_errors(cut in 0usize..STANZA.len()) {
        let truncated = &STANZA.as_bytes()[..cut];
        prop_assert!(parse_message(truncated).is_err() || STANZA[cut..].trim().is_empty());
    }
}
