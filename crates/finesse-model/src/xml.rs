//! A small read-only element tree over quick-xml, plus the helpers the models use to write
//! request bodies.
//!
//! Why a tree instead of serde: Finesse spells the same element `User`/`user`,
//! `ReasonCode`/`reasonCode`, `ApiErrors`/`apiErrors` depending on REST versus XMPP (finesse-api.md
//! §6.7), reorders children between releases and adds new ones. Matching names
//! case-insensitively on a tree is simpler and more forgiving than a serde alias for every
//! spelling, and it lets one parser read both notification encodings (escaped text or child
//! elements). Payloads are a few kilobytes, so the tree costs nothing worth measuring.

use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::escape::{minimal_escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};

/// Deepest nesting accepted. Finesse documents are about eight levels deep; the cap keeps a
/// hostile document from exhausting the stack when the tree is dropped.
pub const MAX_DEPTH: usize = 64;

/// Largest document accepted, in bytes (a dialog with 60 ECC variables is about 12 KB).
pub const MAX_DOCUMENT: usize = 1024 * 1024;

/// Why a piece of Finesse XML could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The bytes are not UTF-8.
    #[error("not UTF-8")]
    Utf8,
    /// The XML is not well-formed (quick-xml's message, with the byte position).
    #[error("malformed XML at byte {position}: {message}")]
    Syntax {
        /// Byte offset where the reader stopped.
        position: u64,
        /// What the reader found wrong.
        message: String,
    },
    /// The document has no root element.
    #[error("empty document")]
    Empty,
    /// Nesting deeper than [`MAX_DEPTH`].
    #[error("elements nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// Larger than [`MAX_DOCUMENT`].
    #[error("document larger than {MAX_DOCUMENT} bytes")]
    TooLarge,
    /// The root element is not the one expected here.
    #[error("expected <{expected}>, found <{found}>")]
    UnexpectedRoot {
        /// The element name(s) we accept.
        expected: &'static str,
        /// The element name we got.
        found: String,
    },
    /// A required element is missing or empty.
    #[error("<{parent}> lacks <{child}>")]
    Missing {
        /// The element that should contain it.
        parent: &'static str,
        /// The missing child.
        child: &'static str,
    },
}

/// One XML element: local name (prefix dropped), attributes, text and child elements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Self>,
}

impl Element {
    /// Parses a whole document and returns its root element.
    pub fn parse(input: &[u8]) -> Result<Self, ParseError> {
        if input.len() > MAX_DOCUMENT {
            return Err(ParseError::TooLarge);
        }
        let text = std::str::from_utf8(input).map_err(|_| ParseError::Utf8)?;
        Self::parse_str(text)
    }

    /// Parses a whole document given as text.
    pub fn parse_str(input: &str) -> Result<Self, ParseError> {
        if input.len() > MAX_DOCUMENT {
            return Err(ParseError::TooLarge);
        }
        let mut reader = Reader::from_str(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        let mut stack: Vec<Self> = Vec::new();
        let mut root: Option<Self> = None;
        loop {
            let position = reader.buffer_position();
            let event = reader.read_event().map_err(|e| ParseError::Syntax {
                position,
                message: e.to_string(),
            })?;
            match event {
                Event::Start(start) => {
                    if root.is_some() {
                        return Err(syntax(position, "content after the root element"));
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err(ParseError::TooDeep);
                    }
                    stack.push(Self::from_start(&start, position)?);
                }
                Event::Empty(start) => {
                    let element = Self::from_start(&start, position)?;
                    attach(&mut stack, &mut root, element, position)?;
                }
                Event::End(_) => {
                    let element = stack
                        .pop()
                        .ok_or_else(|| syntax(position, "unmatched end tag"))?;
                    attach(&mut stack, &mut root, element, position)?;
                }
                Event::Text(text) => {
                    push_text(&mut stack, &text.xml10_content(), position)?;
                }
                Event::CData(data) => {
                    push_text(&mut stack, &data, position)?;
                }
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        Ok(None) => {
                            let name = reference.xml10_content();
                            resolve_predefined_entity(&name)
                                .ok_or_else(|| {
                                    syntax(position, &format!("unknown entity &{name};"))
                                })?
                                .to_owned()
                        }
                        Err(e) => return Err(syntax(position, &e.to_string())),
                    };
                    push_text(&mut stack, &resolved, position)?;
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if !stack.is_empty() {
            return Err(syntax(
                reader.buffer_position(),
                "document ends inside an element",
            ));
        }
        root.ok_or(ParseError::Empty)
    }

    fn from_start(start: &BytesStart<'_>, position: u64) -> Result<Self, ParseError> {
        let name = local(start.name().as_ref());
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| syntax(position, &e.to_string()))?;
            let key = local(attr.key.as_ref());
            #[allow(deprecated)] // `unescape_value` is the plain XML 1.0 rule set we want
            let value = attr
                .unescape_value()
                .map_err(|e| syntax(position, &e.to_string()))?;
            attrs.push((key, value.into_owned()));
        }
        Ok(Self {
            name,
            attrs,
            text: String::new(),
            children: Vec::new(),
        })
    }

    /// Builds an element by hand (tests and request formatting).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Adds a child and returns `self` (builder style).
    #[must_use]
    pub fn with_child(mut self, child: Self) -> Self {
        self.children.push(child);
        self
    }

    /// Sets the text and returns `self` (builder style).
    #[must_use]
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    /// The local name, without any namespace prefix.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the local name is `name`, ignoring ASCII case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The text directly inside this element, trimmed (Finesse pretty-printers put newlines
    /// inside empty elements).
    pub fn text(&self) -> &str {
        self.text.trim()
    }

    /// The untrimmed text (needed for an escaped `Update` document inside `notification`).
    pub fn raw_text(&self) -> &str {
        &self.text
    }

    /// An attribute value by local name, ignoring ASCII case.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All child elements.
    pub fn children(&self) -> &[Self] {
        &self.children
    }

    /// The first child named `name` (ASCII case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Self> {
        self.children.iter().find(|c| c.is(name))
    }

    /// Every child named `name` (ASCII case-insensitive).
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Self> + 'a {
        self.children.iter().filter(move |c| c.is(name))
    }

    /// The trimmed text of child `name`, or `None` when the child is absent or empty
    /// ("empty elements mean no value", finesse-api.md §6.7).
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(Self::text)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    /// The text of child `name` as a number; absent, empty or unparsable gives `None`.
    pub fn number_of<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.child(name).and_then(|c| c.text().parse().ok())
    }

    /// The text of child `name` as a boolean (`true`/`false`, any case).
    pub fn bool_of(&self, name: &str) -> Option<bool> {
        let value = self.child(name)?.text();
        if value.eq_ignore_ascii_case("true") {
            Some(true)
        } else if value.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    /// Writes the element back as XML (used to hand a child-element `Update` to the same
    /// parser as an escaped one, and by tests).
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            let _ = write!(out, " {k}=\"{}\"", escape_attr(v));
        }
        out.push('>');
        out.push_str(&minimal_escape(self.text.as_str()));
        for child in &self.children {
            child.write_into(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn syntax(position: u64, message: &str) -> ParseError {
    ParseError::Syntax {
        position,
        message: message.to_owned(),
    }
}

fn local(qname: &str) -> String {
    match qname.rsplit_once(':') {
        Some((_, local)) => local.to_owned(),
        None => qname.to_owned(),
    }
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
    position: u64,
) -> Result<(), ParseError> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(element);
        Ok(())
    } else if root.is_none() {
        *root = Some(element);
        Ok(())
    } else {
        Err(syntax(position, "more than one root element"))
    }
}

fn push_text(stack: &mut [Element], text: &str, position: u64) -> Result<(), ParseError> {
    match stack.last_mut() {
        Some(parent) => {
            parent.text.push_str(text);
            Ok(())
        }
        // Whitespace around the root is fine; anything else is not a document.
        None if text.trim().is_empty() => Ok(()),
        None => Err(syntax(position, "text outside the root element")),
    }
}

// === writing ===

/// Escapes text for element content.
pub fn escape_text(text: &str) -> String {
    minimal_escape(text).into_owned()
}

/// Escapes text for a double- or single-quoted attribute value.
pub fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Appends `<name>text</name>` with the text escaped.
pub fn write_leaf(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", escape_text(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_insensitively_and_prefixes_are_dropped() {
        let e = Element::parse(b"<stream:Features><Bind xmlns='x'/></stream:Features>").unwrap();
        assert_eq!(e.name(), "Features");
        assert!(e.is("features"));
        assert!(e.child("bind").is_some());
    }

    #[test]
    fn entities_and_char_refs_are_resolved() {
        let e = Element::parse(b"<a>&lt;b&gt; &amp; &#x41;&#66;</a>").unwrap();
        assert_eq!(e.text(), "<b> & AB");
    }

    #[test]
    fn empty_and_whitespace_only_children_mean_no_value() {
        let e = Element::parse(b"<a><x></x><y>\n   </y><z> 7 </z></a>").unwrap();
        assert_eq!(e.text_of("x"), None);
        assert_eq!(e.text_of("y"), None);
        assert_eq!(e.number_of::<i64>("z"), Some(7));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"",
            b"<a></a><b></b>",
            b"text",
            b"<a>&bogus;</a>",
            b"\xff\xfe",
            b"<a x='1' x='2'/>",
        ] {
            assert!(
                Element::parse(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert_eq!(Element::parse(doc.as_bytes()), Err(ParseError::TooDeep));
    }

    #[test]
    fn to_xml_round_trips() {
        let src = "<Update a=\"&quot;q&quot;\"><data><user>a &lt; b</user></data></Update>";
        let e = Element::parse(src.as_bytes()).unwrap();
        assert_eq!(Element::parse(e.to_xml().as_bytes()).unwrap(), e);
    }
}
