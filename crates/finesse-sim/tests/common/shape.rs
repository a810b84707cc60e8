//! Structural comparison of XML documents: element names and nesting, not text.
//!
//! The simulator's notifications are compared with the real captures in
//! `tests/fixtures/finesse-captures` (copied from shared/finesse-captures with their NOTICE).

use std::collections::BTreeSet;
use std::path::PathBuf;

use quick_xml::events::Event;

/// A parsed element (tests only; namespaces ignored, entities resolved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Self>,
    pub text: String,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Follows a `/`-separated path of child names.
    pub fn at(&self, path: &str) -> Option<&Self> {
        path.split('/')
            .try_fold(self, |node, name| node.child(name))
    }

    pub fn text_at(&self, path: &str) -> String {
        self.at(path)
            .map(|n| n.text.trim().to_owned())
            .unwrap_or_default()
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child_names(&self) -> Vec<String> {
        self.children.iter().map(|c| c.name.clone()).collect()
    }
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_owned()
}

fn element(start: &quick_xml::events::BytesStart<'_>) -> Node {
    Node {
        name: local(start.name().as_ref()),
        attrs: start
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                (
                    local(a.key.as_ref()),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect(),
        ..Node::default()
    }
}

/// Parses a document (comments and declarations skipped).
pub fn parse(xml: &str) -> Node {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("bad XML ({e}): {xml}"))
        {
            Event::Start(s) => stack.push(element(&s)),
            Event::Empty(s) => stack.last_mut().unwrap().children.push(element(&s)),
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::CData(t) => stack.last_mut().unwrap().text.push_str(&t.into_inner()),
            Event::GeneralRef(r) => {
                let text = match r.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .unwrap()
                        .to_owned(),
                };
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1, "one root element expected: {xml}");
    root.children.remove(0)
}

/// Every element path (`Update/data/user/state`), without repeats.
pub fn paths(node: &Node) -> BTreeSet<String> {
    fn walk(node: &Node, prefix: &str, out: &mut BTreeSet<String>) {
        let path = if prefix.is_empty() {
            node.name.clone()
        } else {
            format!("{prefix}/{}", node.name)
        };
        out.insert(path.clone());
        for child in &node.children {
            walk(child, &path, out);
        }
    }
    let mut out = BTreeSet::new();
    walk(node, "", &mut out);
    out
}

pub fn fixture_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/finesse-captures")
        .join(relative)
}

/// A capture, as a parsed document.
pub fn capture(relative: &str) -> Node {
    let text = std::fs::read_to_string(fixture_path(relative)).unwrap();
    parse(&text)
}

/// Asserts that ours has exactly the capture's element paths, apart from `optional` paths
/// (prefixes) that either side may have.
pub fn assert_same_shape(ours: &Node, capture: &Node, optional: &[&str]) {
    let keep = |set: BTreeSet<String>| -> BTreeSet<String> {
        set.into_iter()
            .filter(|p| {
                !optional
                    .iter()
                    .any(|o| p == o || p.starts_with(&format!("{o}/")))
            })
            .collect()
    };
    let ours_paths = keep(paths(ours));
    let capture_paths = keep(paths(capture));
    let missing: Vec<_> = capture_paths.difference(&ours_paths).collect();
    let extra: Vec<_> = ours_paths.difference(&capture_paths).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "shape differs from the capture\nmissing: {missing:?}\nextra: {extra:?}"
    );
}
