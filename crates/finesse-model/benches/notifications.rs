//! Decoding notifications as they arrive over XMPP: every real capture in `tests/fixtures`
//! (the `.stanza.xml` files as logged, every bare `Update` escaped inside the `message` →
//! `event` → `items` → `item` → `notification` envelope Finesse sends), through
//! [`finesse_model::parse_message`], best of seven timed rounds.
//!
//! `cargo bench -p finesse-model --bench notifications`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // bench code
#![allow(clippy::cast_precision_loss)] // figures for a report

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use finesse_model::parse_message;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `(file name, stanza bytes)` for every capture.
fn stanzas() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for dir in ["notifications", "errors"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.sort();
        for path in paths {
            if !path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
            {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            let stanza = if name.ends_with(".stanza.xml") {
                text
            } else {
                format!(
                    "<message from='pubsub.fin-a' to='1001@fin-a' id='m1'>\
                     <event xmlns='http://jabber.org/protocol/pubsub#event'>\
                     <items node='/finesse/api/User/1001'><item id='x'>\
                     <notification xmlns='urn:xmpp:push:0'>{}</notification>\
                     </item></items></event></message>",
                    escape(&text)
                )
            };
            out.push((name, stanza.into_bytes()));
        }
    }
    out
}

fn decode(stanza: &[u8]) -> usize {
    parse_message(stanza)
        .unwrap()
        .iter()
        .filter(|i| i.update.is_ok())
        .count()
}

fn run(label: &str, set: &[&(String, Vec<u8>)]) {
    let bytes: usize = set.iter().map(|(_, b)| b.len()).sum();
    for _ in 0..200 {
        for (name, stanza) in set {
            assert_eq!(decode(stanza), 1, "{name}");
        }
    }
    let rounds = 2000 / set.len().max(1) + 50;
    let mut best = Duration::MAX;
    for _ in 0..7 {
        let started = Instant::now();
        for _ in 0..rounds {
            for (_, stanza) in set {
                black_box(decode(black_box(stanza)));
            }
        }
        best = best.min(started.elapsed());
    }
    let per = best.as_nanos() as f64 / (rounds * set.len()) as f64;
    let mbs = (bytes * rounds) as f64 / best.as_secs_f64() / 1e6;
    println!(
        "{label:<22} {:>3} stanzas, {:>6} B avg: {per:>9.0} ns/stanza {mbs:>7.1} MB/s",
        set.len(),
        bytes / set.len()
    );
}

fn main() {
    let all = stanzas();
    let pick = |part: &str| -> Vec<_> { all.iter().filter(|(n, _)| n.contains(part)).collect() };
    run("all captures", &all.iter().collect::<Vec<_>>());
    run("user notifications", &pick("-user-"));
    run("dialog notifications", &pick("-dialog-"));
    run("apiErrors", &pick("apierror"));
}
