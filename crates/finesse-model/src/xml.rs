//! A small read-only element tree over quick-xml that borrows from the document, plus
//! [`ParseError`], the crate's one error type.
//!
//! Why a tree instead of serde: Finesse spells the same element `User`/`user`,
//! `ReasonCode`/`reasonCode`, `ApiErrors`/`apiErrors` depending on REST versus XMPP
//! (finesse-api.md §6.7), reorders children between releases and adds new ones. Matching names
//! case-insensitively on a tree is simpler and more forgiving than a serde alias for every
//! spelling.
//!
//! Why borrowed: the connector parses every notification of every agent (a dialog with 60
//! call variables is ~300 elements). Names, attribute values and text are slices of the
//! document unless an entity or a `\r` forces a copy, so building the tree costs the child
//! vectors and little else; the models copy out only the values they keep.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};

/// Deepest nesting accepted. Finesse documents are about eight levels deep; the cap keeps a
/// hostile document from exhausting the stack when the tree is dropped.
pub const MAX_DEPTH: usize = 64;

/// Largest document accepted, in bytes (a dialog with 60 ECC variables is about 12 KB).
pub const MAX_DOCUMENT: usize = 1024 * 1024;

/// Longest offending value an [`ParseError::Invalid`] keeps (the rest is cut).
const MAX_ERROR_VALUE: usize = 64;

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
    /// A required value cannot be used (an id with characters no URL path or client event
    /// may carry).
    #[error("<{element}> holds an unusable value {value:?}")]
    Invalid {
        /// The element.
        element: &'static str,
        /// The value, cut to 64 characters.
        value: String,
    },
}

impl ParseError {
    pub(crate) fn invalid(element: &'static str, value: &str) -> Self {
        Self::Invalid {
            element,
            value: value.chars().take(MAX_ERROR_VALUE).collect(),
        }
    }

    pub(crate) fn syntax(position: u64, message: impl Into<String>) -> Self {
        Self::Syntax {
            position,
            message: message.into(),
        }
    }
}

/// One XML element: local name (prefix dropped), attributes, text and child elements, each
/// borrowed from the document where possible.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element<'a> {
    name: Cow<'a, str>,
    attrs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    text: Cow<'a, str>,
    children: Vec<Self>,
}

impl<'a> Element<'a> {
    /// Parses a whole document and returns its root element.
    pub fn parse(input: &'a [u8]) -> Result<Self, ParseError> {
        if input.len() > MAX_DOCUMENT {
            return Err(ParseError::TooLarge);
        }
        let text = std::str::from_utf8(input).map_err(|_| ParseError::Utf8)?;
        Self::parse_str(text)
    }

    /// Parses a whole document given as text.
    pub fn parse_str(input: &'a str) -> Result<Self, ParseError> {
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
            let event = reader
                .read_event()
                .map_err(|e| ParseError::syntax(position, e.to_string()))?;
            match event {
                Event::Start(start) => {
                    if root.is_some() {
                        return Err(ParseError::syntax(
                            position,
                            "content after the root element",
                        ));
                    }
                    if stack.len() >= MAX_DEPTH {
                        return Err(ParseError::TooDeep);
                    }
                    stack.push(Self::from_start(input, &start, position)?);
                }
                Event::Empty(start) => {
                    let element = Self::from_start(input, &start, position)?;
                    attach(&mut stack, &mut root, element, position)?;
                }
                Event::End(_) => {
                    let element = stack
                        .pop()
                        .ok_or_else(|| ParseError::syntax(position, "unmatched end tag"))?;
                    attach(&mut stack, &mut root, element, position)?;
                }
                Event::Text(text) => push_text(&mut stack, text.xml10_content(), position)?,
                Event::CData(data) => push_text(&mut stack, data.xml10_content(), position)?,
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Cow::Owned(c.to_string()),
                        Ok(None) => {
                            let name: &str = &reference;
                            Cow::Borrowed(resolve_predefined_entity(name).ok_or_else(|| {
                                ParseError::syntax(position, format!("unknown entity &{name};"))
                            })?)
                        }
                        Err(e) => return Err(ParseError::syntax(position, e.to_string())),
                    };
                    push_text(&mut stack, resolved, position)?;
                }
                Event::Eof => break,
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            }
        }
        if !stack.is_empty() {
            return Err(ParseError::syntax(
                reader.buffer_position(),
                "document ends inside an element",
            ));
        }
        root.ok_or(ParseError::Empty)
    }

    fn from_start(
        input: &'a str,
        start: &BytesStart<'_>,
        position: u64,
    ) -> Result<Self, ParseError> {
        let qname = start.name();
        let name = match within(input, qname.as_ref()) {
            Some(name) => Cow::Borrowed(local(name)),
            None => Cow::Owned(local(qname.as_ref()).to_owned()),
        };
        let raw = start.attributes_raw();
        if raw.trim().is_empty() {
            return Ok(Self::named(name));
        }
        let Some(raw) = within(input, raw) else {
            return Self::with_owned_attrs(name, raw, position);
        };
        let mut element = Self::named(name);
        for attr in Attributes::new(raw, 0) {
            let attr = attr.map_err(|e| ParseError::syntax(position, e.to_string()))?;
            let key = attr.key.into_inner();
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| ParseError::syntax(position, e.to_string()))?;
            element.attrs.push((Cow::Borrowed(local(key)), value));
        }
        Ok(element)
    }

    fn named(name: Cow<'a, str>) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            text: Cow::Borrowed(""),
            children: Vec::new(),
        }
    }

    /// The (never expected) case of an event that does not borrow from the input: copy.
    fn with_owned_attrs(name: Cow<'a, str>, raw: &str, position: u64) -> Result<Self, ParseError> {
        let mut element = Self::named(name);
        for attr in Attributes::new(raw, 0) {
            let attr = attr.map_err(|e| ParseError::syntax(position, e.to_string()))?;
            let key = local(attr.key.as_ref()).to_owned();
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| ParseError::syntax(position, e.to_string()))?
                .into_owned();
            element.attrs.push((Cow::Owned(key), Cow::Owned(value)));
        }
        Ok(element)
    }

    /// Copies every borrowed part, so the element outlives the document.
    pub fn into_owned(self) -> Element<'static> {
        Element {
            name: Cow::Owned(self.name.into_owned()),
            attrs: self
                .attrs
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                .collect(),
            text: Cow::Owned(self.text.into_owned()),
            children: self.children.into_iter().map(Element::into_owned).collect(),
        }
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

    /// The untrimmed text.
    pub fn raw_text(&self) -> &str {
        &self.text
    }

    /// An attribute value by local name, ignoring ASCII case.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref())
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
    pub fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Self> + 's {
        self.children.iter().filter(move |c| c.is(name))
    }

    /// The trimmed text of child `name`, or `None` when the child is absent or empty
    /// ("empty elements mean no value", finesse-api.md §6.7).
    pub fn text_of_str(&self, name: &str) -> Option<&str> {
        self.child(name).map(Self::text).filter(|t| !t.is_empty())
    }

    /// [`Element::text_of_str`], owned.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.text_of_str(name).map(str::to_owned)
    }

    /// The text of child `name` as a number; absent, empty or unparsable gives `None`.
    pub fn number_of<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.text_of_str(name).and_then(|t| t.parse().ok())
    }

    /// The text of child `name` as a boolean (`true`/`false`, any case).
    pub fn bool_of(&self, name: &str) -> Option<bool> {
        let value = self.text_of_str(name)?;
        if value.eq_ignore_ascii_case("true") {
            Some(true)
        } else if value.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    /// Writes the element back as XML (kept for payloads this version does not model, and
    /// by tests).
    pub fn to_xml(&self) -> String {
        let mut out = String::new();
        self.write_into(&mut out);
        out
    }

    fn write_into(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            out.push_str(&escape(v.as_ref()));
            out.push('"');
        }
        out.push('>');
        out.push_str(&escape(self.text.as_ref()));
        for child in &self.children {
            child.write_into(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

/// `part` as a slice of `whole`, with `whole`'s lifetime, when `part` lies inside it.
///
/// quick-xml's slice reader hands out events that borrow the input, but its accessors tie
/// names and attribute text to the event; this recovers the document's lifetime (by address,
/// without `unsafe`) so the tree can borrow them.
pub(crate) fn within<'a>(whole: &'a str, part: &str) -> Option<&'a str> {
    let start = part.as_ptr().addr().checked_sub(whole.as_ptr().addr())?;
    let end = start.checked_add(part.len())?;
    whole.get(start..end)
}

/// The local part of a qualified name (`stream:features` → `features`).
pub(crate) fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, local)| local)
}

fn attach<'a>(
    stack: &mut [Element<'a>],
    root: &mut Option<Element<'a>>,
    element: Element<'a>,
    position: u64,
) -> Result<(), ParseError> {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(element);
        Ok(())
    } else if root.is_none() {
        *root = Some(element);
        Ok(())
    } else {
        Err(ParseError::syntax(position, "more than one root element"))
    }
}

fn push_text<'a>(
    stack: &mut [Element<'a>],
    text: Cow<'a, str>,
    position: u64,
) -> Result<(), ParseError> {
    match stack.last_mut() {
        Some(parent) => {
            if parent.text.is_empty() {
                parent.text = text;
            } else if text.trim().is_empty() && parent.text.trim().is_empty() {
                // Indentation between children: one run of it says as much as twenty, and
                // keeping the first avoids growing a string per container.
            } else {
                parent.text.to_mut().push_str(&text);
            }
            Ok(())
        }
        // Whitespace around the root is fine; anything else is not a document.
        None if text.trim().is_empty() => Ok(()),
        None => Err(ParseError::syntax(
            position,
            "text outside the root element",
        )),
    }
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
        let e = Element::parse(b"<a x='&quot;1&quot;'/>").unwrap();
        assert_eq!(e.attr("X"), Some("\"1\""));
    }

    #[test]
    fn names_text_and_attributes_borrow_from_the_document() {
        let doc = "<a k='v'><b>text</b></a>";
        let e = Element::parse_str(doc).unwrap();
        assert!(matches!(e.name, Cow::Borrowed(_)));
        assert!(matches!(e.attrs[0].1, Cow::Borrowed(_)));
        assert!(matches!(e.children[0].text, Cow::Borrowed("text")));
        let owned: Element<'static> = e.clone().into_owned();
        assert_eq!(owned, e);
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
        let written = e.to_xml();
        assert_eq!(Element::parse(written.as_bytes()).unwrap(), e);
    }

    #[test]
    fn within_only_accepts_slices_of_the_document() {
        let doc = String::from("<abc/>");
        assert_eq!(within(&doc, &doc[1..4]), Some("abc"));
        let other = String::from("abc");
        assert_eq!(within(&doc, &other), None);
    }
}
