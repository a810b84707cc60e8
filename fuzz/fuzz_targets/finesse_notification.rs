//! A Finesse XMPP notification: the whole `message` stanza (`parse_message`, which decodes
//! every pubsub item's `Update` in both encodings) and a bare `Update` document.
//!
//! Properties: an element tree written back by `Element::to_xml` parses to the same tree (the
//! connector keeps unmodelled payloads that way), and the escaped encoding of an `Update` (its
//! XML as text inside `notification`, what current Finesse sends) decodes to the same `Update`
//! as the tree itself.
#![no_main]

use gc_finesse::model::{Element, Notification, Update, parse_message};
use gc_server::translate;
use libfuzzer_sys::fuzz_target;

/// XML parsers turn `\r` in text into `\n`, so a tree holding one cannot be written back as
/// the same tree; that is XML, not a defect.
fn has_cr(e: &Element<'_>) -> bool {
    e.raw_text().contains('\r') || e.children().iter().any(has_cr)
}

fuzz_target!(|data: &[u8]| {
    // What a session does with a stanza: decode every item, hand the good ones to the engine.
    for item in parse_message(data).into_iter().flatten() {
        if let Ok(update) = item.update {
            let _ = translate::notification(Notification {
                node: item.node,
                item_id: item.item_id,
                update,
            });
        }
    }
    let Ok(root) = Element::parse(data) else {
        return;
    };
    if has_cr(&root) {
        return;
    }
    let written = root.to_xml();
    // Two attributes whose names differ only by a namespace prefix share a local name and
    // cannot be written back; any other tree must re-parse to itself.
    let Ok(again) = Element::parse_str(&written) else {
        return;
    };
    assert_eq!(again, root, "written as {written}");
    if let Ok(update) = Update::from_element(&root) {
        // The escaping Finesse applies to the payload (text content: `&`, `<`, `>`).
        let escaped = written
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let stanza = format!(
            "<message><event><items node='/finesse/api/User/1'><item id='1'><notification>{escaped}\
             </notification></item></items></event></message>"
        );
        let items = parse_message(stanza.as_bytes());
        let decoded = items.ok().and_then(|items| items.into_iter().next());
        assert_eq!(decoded.map(|i| i.update), Some(Ok(update)), "{stanza}");
    }
});
