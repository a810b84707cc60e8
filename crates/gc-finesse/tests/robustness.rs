//! Arbitrary bytes never panic the stream framer, nor the decoders it hands stanzas to.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed unwrap is a failed test

use gc_finesse::model::parse_message;
use gc_finesse::xmpp::framing::{Frame, Splitter};
use proptest::prelude::*;

const STANZA: &str = include_str!(
    "../../finesse-model/tests/fixtures/notifications/zoomint-user-login-not-ready.stanza.xml"
);

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

/// Feeds `bytes` in pieces of `chunk` after a stream header, decoding every stanza as a
/// session does.
fn feed_all(bytes: &[u8], chunk: usize) {
    let mut s = Splitter::new();
    s.push(b"<stream:stream>");
    for piece in bytes.chunks(chunk.max(1)) {
        s.push(piece);
        while let Ok(Some(frame)) = s.next_frame() {
            if let Frame::Stanza(stanza) = frame {
                if stanza.is("message") {
                    let _ = parse_message(stanza.bytes());
                } else {
                    let _ = stanza.element();
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic_the_framer(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        feed_all(&bytes, 7);
    }

    #[test]
    fn mutated_real_stanzas_never_panic(cuts in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8), chunk in 1usize..64) {
        feed_all(&mutate(STANZA, &cuts), chunk);
    }

    #[test]
    fn truncated_stanzas_wait_or_fail_never_panic(cut in 0usize..STANZA.len()) {
        feed_all(&STANZA.as_bytes()[..cut], 13);
    }
}
