//! Splits the incoming XMPP byte stream into the stream header, complete top-level stanzas and
//! the stream end. Pure: bytes in, frames out; "need more bytes" is `Ok(None)`, not an error.
//!
//! It only finds element boundaries (tags, quoted attribute values, comments, CDATA,
//! processing instructions) and hands each complete stanza out as bytes, unparsed: a
//! notification `message` goes to [`finesse_model::parse_message`], which reads its escaped
//! payload without building a tree of the stanza; the few other stanzas (`iq`, `presence`,
//! stream features) are parsed into an [`Element`] by [`Stanza::element`]. A malformed stanza
//! or stream is an error for this one connection only.

use finesse_model::xml::{Element, MAX_DEPTH, MAX_DOCUMENT, ParseError};

/// One unit read from the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// `<stream:stream …>` opened (again after STARTTLS and SASL).
    StreamOpen {
        /// The stream id the server assigned.
        id: Option<String>,
    },
    /// A complete top-level element (`message`, `iq`, `presence`, `stream:features` …).
    Stanza(Stanza),
    /// `</stream:stream>`: the server closed the stream.
    StreamClose,
}

/// One complete top-level element, as received.
#[derive(Clone, PartialEq, Eq)]
pub struct Stanza {
    bytes: Box<[u8]>,
    /// Length of the local name, which starts after `<` and any prefix.
    name: std::ops::Range<usize>,
}

impl Stanza {
    fn new(bytes: &[u8]) -> Self {
        let qname = tag_name(bytes);
        let local = qname.iter().rposition(|b| *b == b':').map_or(0, |i| i + 1);
        Self {
            bytes: bytes.into(),
            name: 1 + local..1 + qname.len(),
        }
    }

    /// The stanza's bytes, from its start tag to its end tag.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Whether the local name of the root element is `name` (ASCII case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.bytes
            .get(self.name.clone())
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
    }

    /// The stanza parsed into an element tree.
    pub fn element(&self) -> Result<Element<'_>, ParseError> {
        Element::parse(&self.bytes)
    }
}

impl std::fmt::Debug for Stanza {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Stanza")
            .field(&String::from_utf8_lossy(&self.bytes))
            .finish()
    }
}

/// Why the byte stream cannot be read further.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FramingError {
    /// Not well-formed XML at the stream level, or a stanza that does not parse.
    #[error("malformed XMPP stream: {0}")]
    Malformed(String),
    /// One stanza is larger than the limit.
    #[error("stanza larger than {MAX_DOCUMENT} bytes")]
    TooLarge,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Start,
    Empty,
    End,
    /// Comment, processing instruction, CDATA: skipped.
    Other,
}

/// Incremental splitter. Feed it bytes with [`Splitter::buffer`], take frames with
/// [`Splitter::next_frame`].
#[derive(Debug, Default)]
pub struct Splitter {
    buf: Vec<u8>,
    /// Where scanning resumes.
    pos: usize,
    /// Names of the elements open inside the current stanza, as `(offset, length)` in `buf`
    /// (empty between stanzas): end tags must match them.
    open: Vec<(usize, usize)>,
    /// Start of the current stanza in `buf`.
    start: usize,
}

impl Splitter {
    /// A splitter with a small initial buffer (sessions are many; keep each cheap).
    pub fn new() -> Self {
        Self::default()
    }

    /// The buffer to append received bytes to.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Appends bytes (tests and callers without their own read loop).
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Forgets everything (a new stream after STARTTLS or SASL success).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.buf.shrink_to(1024);
        self.pos = 0;
        self.open = Vec::new();
        self.start = 0;
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FramingError> {
        loop {
            if self.open.is_empty() {
                // Between stanzas only whitespace (keep-alives) may appear.
                while self.pos < self.buf.len() && self.buf[self.pos].is_ascii_whitespace() {
                    self.pos += 1;
                }
                if self.pos >= self.buf.len() {
                    self.consume(self.pos);
                    return Ok(None);
                }
                if self.buf[self.pos] != b'<' {
                    return Err(FramingError::Malformed("text between stanzas".into()));
                }
                self.start = self.pos;
            } else {
                let Some(offset) = memchr(b'<', &self.buf[self.pos..]) else {
                    self.pos = self.buf.len();
                    return self.check_size();
                };
                self.pos += offset;
            }
            let Some((tag, end)) = scan_tag(&self.buf, self.pos)? else {
                return self.check_size();
            };
            let tag_start = self.pos;
            self.pos = end;
            match (tag, self.open.len()) {
                (Tag::Empty, 0) => return Ok(Some(self.finish(end))),
                (Tag::Other | Tag::Empty, _) => {}
                (Tag::Start, 0) if is_stream_tag(&self.buf[tag_start..end]) => {
                    let id = stream_id(&self.buf[tag_start..end]);
                    self.consume(end);
                    return Ok(Some(Frame::StreamOpen { id }));
                }
                (Tag::End, 0) => {
                    self.consume(end);
                    return Ok(Some(Frame::StreamClose));
                }
                (Tag::Start, depth) => {
                    if depth >= MAX_DEPTH {
                        return Err(FramingError::Malformed("stanza nested too deep".into()));
                    }
                    let name = tag_name(&self.buf[tag_start..end]).len();
                    self.open.push((tag_start + 1, name));
                }
                (Tag::End, _) => {
                    let closed = end_name(&self.buf[tag_start..end]);
                    let matches = self
                        .open
                        .pop()
                        .and_then(|(at, len)| self.buf.get(at..at + len))
                        .is_some_and(|name| name == closed);
                    if !matches {
                        return Err(FramingError::Malformed(format!(
                            "mismatched end tag </{}>",
                            String::from_utf8_lossy(closed)
                        )));
                    }
                    if self.open.is_empty() {
                        return Ok(Some(self.finish(end)));
                    }
                }
            }
        }
    }

    fn finish(&mut self, end: usize) -> Frame {
        let stanza = Stanza::new(&self.buf[self.start..end]);
        self.consume(end);
        Frame::Stanza(stanza)
    }

    fn check_size(&self) -> Result<Option<Frame>, FramingError> {
        if self.buf.len() - self.start > MAX_DOCUMENT {
            Err(FramingError::TooLarge)
        } else {
            Ok(None)
        }
    }

    fn consume(&mut self, end: usize) {
        self.buf.drain(..end);
        self.pos -= end;
        self.start = 0;
        if self.buf.capacity() > 16 * 1024 && self.buf.len() < 1024 {
            self.buf.shrink_to(2048);
        }
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|b| *b == needle)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Finds the end of the markup starting at `buf[at] == b'<'`. `Ok(None)`: incomplete.
fn scan_tag(buf: &[u8], at: usize) -> Result<Option<(Tag, usize)>, FramingError> {
    let rest = &buf[at..];
    let closing = |marker: &[u8], open: usize| {
        find(&rest[open..], marker).map(|i| (Tag::Other, at + open + i + marker.len()))
    };
    if rest.len() < 2 {
        return Ok(None);
    }
    match rest[1] {
        b'?' => return Ok(closing(b"?>", 2)),
        b'!' => {
            if rest.len() < 4 {
                return Ok(None);
            }
            if rest.starts_with(b"<!--") {
                return Ok(closing(b"-->", 4));
            }
            if rest.len() < 9 {
                return Ok(None);
            }
            if rest.starts_with(b"<![CDATA[") {
                return Ok(closing(b"]]>", 9));
            }
            return Err(FramingError::Malformed(
                "DTD or unknown markup in stream".into(),
            ));
        }
        _ => {}
    }
    let mut quote: Option<u8> = None;
    for (i, &b) in rest.iter().enumerate().skip(1) {
        match (quote, b) {
            (Some(q), b) if b == q => quote = None,
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'<') => return Err(FramingError::Malformed("'<' inside a tag".into())),
            (None, b'>') => {
                let kind = if rest[1] == b'/' {
                    Tag::End
                } else if rest[i - 1] == b'/' {
                    Tag::Empty
                } else {
                    Tag::Start
                };
                return Ok(Some((kind, at + i + 1)));
            }
            _ => {}
        }
    }
    Ok(None)
}

fn tag_name(tag: &[u8]) -> &[u8] {
    let inner = &tag[1..];
    let end = inner
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'>' || *b == b'/')
        .unwrap_or(inner.len());
    &inner[..end]
}

/// The name in an end tag (`</name >` → `name`).
fn end_name(tag: &[u8]) -> &[u8] {
    let inner = tag.get(2..tag.len().saturating_sub(1)).unwrap_or_default();
    let end = inner
        .iter()
        .position(u8::is_ascii_whitespace)
        .unwrap_or(inner.len());
    &inner[..end]
}

fn is_stream_tag(tag: &[u8]) -> bool {
    let name = tag_name(tag);
    name == b"stream:stream" || name == b"stream"
}

fn stream_id(tag: &[u8]) -> Option<String> {
    let name = String::from_utf8_lossy(tag_name(tag)).into_owned();
    let mut doc = tag.to_vec();
    doc.extend_from_slice(format!("</{name}>").as_bytes());
    Element::parse(&doc).ok()?.attr("id").map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' \
        xmlns:stream='http://etherx.jabber.org/streams' id='abc' from='fin' version='1.0'>\
        <stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
        <mechanism>PLAIN</mechanism></mechanisms></stream:features> \n\
        <message to='a&gt;b'><body attr=\"x>y\">1 &lt; 2<!-- c -->\
        <![CDATA[<not a tag>]]></body><empty/></message>\
        <iq type='result' id='x'/></stream:stream>";

    fn all_frames(s: &mut Splitter) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Some(f) = s.next_frame().unwrap() {
            out.push(f);
        }
        out
    }

    #[test]
    fn splits_a_stream_into_frames() {
        let mut s = Splitter::new();
        s.push(STREAM.as_bytes());
        let frames = all_frames(&mut s);
        assert_eq!(frames.len(), 5);
        assert_eq!(
            frames[0],
            Frame::StreamOpen {
                id: Some("abc".into())
            }
        );
        let Frame::Stanza(features) = &frames[1] else {
            panic!()
        };
        assert!(features.is("features"));
        assert!(features.element().unwrap().is("features"));
        let Frame::Stanza(message) = &frames[2] else {
            panic!()
        };
        assert!(message.is("MESSAGE"));
        let message = message.element().unwrap();
        assert_eq!(message.attr("to"), Some("a>b"));
        assert_eq!(message.child("body").unwrap().text(), "1 < 2<not a tag>");
        assert!(matches!(&frames[3], Frame::Stanza(iq) if iq.is("iq")));
        assert_eq!(frames[4], Frame::StreamClose);
        assert!(s.buffer().is_empty());
    }

    #[test]
    fn byte_by_byte_feeding_gives_the_same_frames() {
        let mut whole = Splitter::new();
        whole.push(STREAM.as_bytes());
        let expected = all_frames(&mut whole);
        let mut s = Splitter::new();
        let mut got = Vec::new();
        for b in STREAM.as_bytes() {
            s.push(&[*b]);
            got.extend(all_frames(&mut s));
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn malformed_input_is_an_error() {
        for bad in [
            "<stream:stream>hello",
            "<stream:stream><a></b>",
            "<stream:stream><!DOCTYPE x>",
            "<stream:stream><a <b>",
        ] {
            let mut s = Splitter::new();
            s.push(bad.as_bytes());
            let result = (0..4).try_for_each(|_| s.next_frame().map(|_| ()));
            assert!(result.is_err(), "{bad}");
        }
    }

    #[test]
    fn a_truncated_stanza_waits_for_more() {
        let mut s = Splitter::new();
        s.push(b"<stream:stream><message><body>par");
        assert!(matches!(s.next_frame(), Ok(Some(Frame::StreamOpen { .. }))));
        assert_eq!(s.next_frame(), Ok(None));
        s.push(b"t</body></message>");
        assert!(matches!(s.next_frame(), Ok(Some(Frame::Stanza(_)))));
    }
}
