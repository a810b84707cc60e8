//! Minimal XML support: a string writer for the documents we produce and a small element tree
//! for the documents peers send (REST bodies, XMPP stanzas).
//!
//! Finesse documents are small and shallow; a tree is the simplest correct way to read them,
//! and writing by hand keeps element order exactly as Finesse sends it.

use std::fmt::Write as _;

use quick_xml::XmlVersion;
use quick_xml::events::Event;

/// Escapes text or attribute content (`&`, `<`, `>`, `"`, `'`, and `\r`, which a reader would
/// otherwise turn into `\n`): quick-xml's escape, the one the connector uses too.
pub(crate) use quick_xml::escape::escape;

/// Appends elements to a string. Empty leaves are written `<x></x>`, as Finesse does.
#[derive(Debug, Default)]
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        Self {
            out: String::with_capacity(1024),
        }
    }

    /// `<name>`
    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `</name>`
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>` with the text escaped.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name)
    }

    /// `<name>number</name>`
    pub(crate) fn num(&mut self, name: &str, value: impl std::fmt::Display) -> &mut Self {
        self.open(name);
        let _ = write!(self.out, "{value}");
        self.close(name)
    }

    /// Appends already-formed XML.
    pub(crate) fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// A parsed element: local name, namespace (from `xmlns`, inherited), attributes, children and
/// the concatenated text directly inside it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) ns: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Self>,
    pub(crate) text: String,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct XmlError(pub(crate) String);

impl Element {
    /// The attribute with this local name.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child with this name (case-insensitive, since Finesse casing varies).
    pub(crate) fn child(&self, name: &str) -> Option<&Self> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The trimmed text of the first child with this name.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// Children with this name.
    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Self> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }
}

fn local(name: &str) -> String {
    match name.rsplit_once(':') {
        Some((_, local)) => local.to_owned(),
        None => name.to_owned(),
    }
}

fn start_element(
    start: &quick_xml::events::BytesStart<'_>,
    parent_ns: &str,
) -> Result<Element, XmlError> {
    let mut element = Element {
        name: local(start.name().as_ref()),
        ns: parent_ns.to_owned(),
        ..Element::default()
    };
    for attr in start.attributes() {
        let attr = attr.map_err(|e| XmlError(format!("bad attribute: {e}")))?;
        let key = attr.key.as_ref().to_owned();
        let value = attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| XmlError(format!("bad attribute value: {e}")))?
            .into_owned();
        if key == "xmlns" {
            element.ns.clone_from(&value);
        }
        let key = match key.rsplit_once(':') {
            Some((prefix, local)) if prefix != "xmlns" => local.to_owned(),
            _ => key,
        };
        element.attrs.push((key, value));
    }
    Ok(element)
}

/// Parses one complete document (an optional declaration, then one root element).
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| XmlError(format!("at byte {}: {e}", reader.buffer_position())))?;
        match event {
            Event::Start(start) => {
                let ns = stack.last().map_or("", |p| p.ns.as_str()).to_owned();
                stack.push(start_element(&start, &ns)?);
            }
            Event::Empty(start) => {
                let ns = stack.last().map_or("", |p| p.ns.as_str()).to_owned();
                let element = start_element(&start, &ns)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return finish(&mut reader, element),
                }
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(XmlError("unbalanced end tag".to_owned()));
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return finish(&mut reader, element),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                } else if !t.xml10_content().trim().is_empty() {
                    return Err(XmlError("text outside the root element".to_owned()));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .ok_or_else(|| XmlError(format!("unknown entity &{};", r.xml10_content())))?
                        .to_owned(),
                    Err(e) => return Err(XmlError(format!("bad character reference: {e}"))),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::DocType(_) => return Err(XmlError("DTDs are not accepted".to_owned())),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return Err(XmlError("document ended early".to_owned())),
        }
    }
}

fn finish(reader: &mut quick_xml::Reader<&[u8]>, root: Element) -> Result<Element, XmlError> {
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => return Ok(root),
            Ok(Event::Text(t)) if t.xml10_content().trim().is_empty() => {}
            Ok(Event::Comment(_) | Event::PI(_)) => {}
            Ok(_) => return Err(XmlError("content after the root element".to_owned())),
            Err(e) => return Err(XmlError(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements_text_entities_and_namespaces() {
        let doc = parse(
            "<?xml version='1.0'?><iq type='set' id='a&amp;b'><bind xmlns='urn:x'>\
             <resource>r&lt;1&#x41;</resource></bind></iq>",
        )
        .unwrap();
        assert_eq!(doc.name, "iq");
        assert_eq!(doc.attr("id"), Some("a&b"));
        let bind = doc.child("bind").unwrap();
        assert_eq!(bind.ns, "urn:x");
        assert_eq!(bind.child("resource").unwrap().ns, "urn:x");
        assert_eq!(bind.child_text("resource"), Some("r<1A"));
    }

    #[test]
    fn rejects_malformed_documents() {
        assert!(parse("<User><state>READY</User>").is_err());
        assert!(parse("<User>").is_err());
        assert!(parse("<a/><b/>").is_err());
        assert!(parse("").is_err());
        assert!(parse("<!DOCTYPE x [<!ENTITY e 'x'>]><a>&e;</a>").is_err());
    }

    #[test]
    fn writer_escapes_and_writes_empty_leaves_like_finesse() {
        let mut w = XmlWriter::new();
        w.open("a").leaf("b", "x<y & 'z'").leaf("c", "").close("a");
        assert_eq!(
            w.finish(),
            "<a><b>x&lt;y &amp; &apos;z&apos;</b><c></c></a>"
        );
    }
}
