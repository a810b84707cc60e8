//! Splits the client's XML stream into the stream header, top-level stanzas and the stream
//! end. Pure: bytes in, frames out; "not enough bytes yet" is `Ok(None)`, not an error.
//!
//! An XMPP stream is one never-ending document, so a normal parser cannot be handed a whole
//! document. The framer finds where each top-level element ends (tracking tag depth, quotes,
//! comments and CDATA) and gives that slice to the element parser.

use crate::xml::{Element, parse};

/// One unit of the client's stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// `<stream:stream …>`; the element carries the header's attributes.
    Open(Element),
    /// `</stream:stream>`
    Close,
    /// A complete top-level element (iq, presence, message, auth, starttls, …).
    Stanza(Element),
}

/// Why the stream cannot be read any further.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FrameError {
    #[error("not well-formed: {0}")]
    Malformed(String),
    #[error("stanza larger than {0} bytes")]
    TooLarge(usize),
}

/// Accumulates bytes and yields frames. Holds no allocation while it has no partial frame, so
/// an idle session costs nothing here.
#[derive(Debug)]
pub(crate) struct Framer {
    buf: Vec<u8>,
    max: usize,
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// End (index of `>`) of the tag starting at `start`, skipping quoted attribute values.
fn tag_end(buf: &[u8], start: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in buf.iter().enumerate().skip(start + 1) {
        match (quote, b) {
            (None, b'"' | b'\'') => quote = Some(b),
            (Some(q), c) if c == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn tag_name(tag: &[u8]) -> &[u8] {
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
        .unwrap_or(tag.len());
    &tag[..end]
}

/// What may follow `<`: a name start, `/`, `!` or `?`. Anything else is not XML, and
/// waiting for more bytes would never help.
fn valid_after_lt(b: u8) -> bool {
    b.is_ascii_alphabetic() || matches!(b, b'_' | b':' | b'/' | b'!' | b'?') || b >= 0x80
}

fn is_stream(name: &[u8]) -> bool {
    name == b"stream" || name.ends_with(b":stream")
}

impl Framer {
    pub(crate) fn new(max: usize) -> Self {
        Self {
            buf: Vec::new(),
            max,
        }
    }

    pub(crate) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    fn incomplete(&self) -> Result<Option<Frame>, FrameError> {
        if self.buf.len() > self.max {
            Err(FrameError::TooLarge(self.max))
        } else {
            Ok(None)
        }
    }

    /// The next complete frame, if the buffer holds one.
    pub(crate) fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        loop {
            let skip = self
                .buf
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            self.buf.drain(..skip);
            if self.buf.is_empty() {
                self.buf = Vec::new();
                return Ok(None);
            }
            if self.buf[0] != b'<' {
                return Err(FrameError::Malformed("text outside a stanza".to_owned()));
            }
            if self.buf.get(1).is_some_and(|b| !valid_after_lt(*b)) {
                return Err(FrameError::Malformed(
                    "'<' not followed by a name".to_owned(),
                ));
            }
            let skip_to = if self.buf.starts_with(b"<?") {
                Some((find(&self.buf, 2, b"?>"), 2))
            } else if self.buf.starts_with(b"<!--") {
                Some((find(&self.buf, 4, b"-->"), 3))
            } else {
                None
            };
            if let Some((found, len)) = skip_to {
                match found {
                    Some(at) => {
                        self.buf.drain(..at + len);
                        continue;
                    }
                    None => return self.incomplete(),
                }
            }
            if self.buf.starts_with(b"</") {
                let Some(end) = find(&self.buf, 2, b">") else {
                    return self.incomplete();
                };
                let name = tag_name(&self.buf[2..end]).to_vec();
                self.buf.drain(..=end);
                return if is_stream(&name) {
                    Ok(Some(Frame::Close))
                } else {
                    Err(FrameError::Malformed("unexpected end tag".to_owned()))
                };
            }
            let Some(end) = tag_end(&self.buf, 0) else {
                return self.incomplete();
            };
            if is_stream(tag_name(&self.buf[1..end])) && self.buf[end - 1] != b'/' {
                let mut tag = self.buf[..end].to_vec();
                tag.extend_from_slice(b"/>");
                self.buf.drain(..=end);
                let text = String::from_utf8(tag)
                    .map_err(|_| FrameError::Malformed("invalid UTF-8".to_owned()))?;
                let header = parse(&text).map_err(|e| FrameError::Malformed(e.to_string()))?;
                return Ok(Some(Frame::Open(header)));
            }
            return match self.element_end()? {
                Some(end) => {
                    let bytes: Vec<u8> = self.buf.drain(..end).collect();
                    let text = String::from_utf8(bytes)
                        .map_err(|_| FrameError::Malformed("invalid UTF-8".to_owned()))?;
                    let element = parse(&text).map_err(|e| FrameError::Malformed(e.to_string()))?;
                    Ok(Some(Frame::Stanza(element)))
                }
                None => self.incomplete(),
            };
        }
    }

    /// Length of the complete element at the start of the buffer, if it is complete.
    fn element_end(&self) -> Result<Option<usize>, FrameError> {
        let mut depth: usize = 0;
        let mut pos = 0;
        while let Some(lt) = find(&self.buf, pos, b"<") {
            let rest = &self.buf[lt..];
            if rest.get(1).is_some_and(|b| !valid_after_lt(*b)) {
                return Err(FrameError::Malformed(
                    "'<' not followed by a name".to_owned(),
                ));
            }
            let (skip_end, needle) = if rest.starts_with(b"<!--") {
                (Some(lt + 4), &b"-->"[..])
            } else if rest.starts_with(b"<![CDATA[") {
                (Some(lt + 9), &b"]]>"[..])
            } else if rest.starts_with(b"<?") {
                (Some(lt + 2), &b"?>"[..])
            } else {
                (None, &b""[..])
            };
            if let Some(from) = skip_end {
                match find(&self.buf, from, needle) {
                    Some(at) => {
                        pos = at + needle.len();
                        continue;
                    }
                    None => return Ok(None),
                }
            }
            let Some(end) = tag_end(&self.buf, lt) else {
                return Ok(None);
            };
            if rest.starts_with(b"</") {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| FrameError::Malformed("unbalanced end tag".to_owned()))?;
            } else if self.buf[end - 1] != b'/' {
                depth += 1;
            }
            pos = end + 1;
            if depth == 0 {
                return Ok(Some(pos));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const STREAM: &str = "<?xml version='1.0'?><stream:stream to='finesse.local' \
        xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>\
        <iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\
        <resource>gc-1001</resource></bind></iq> \n<presence/>\
        <message to='x'><body>a &lt; b <![CDATA[<not a tag>]]></body><!-- <c> --></message>\
        <iq type='get' id=\"p'1\"><ping xmlns='urn:xmpp:ping' a='>'/></iq></stream:stream>";

    fn all(framer: &mut Framer) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Some(frame) = framer.next_frame().unwrap() {
            out.push(frame);
        }
        out
    }

    fn kinds(frames: &[Frame]) -> Vec<String> {
        frames
            .iter()
            .map(|f| match f {
                Frame::Open(_) => "open".to_owned(),
                Frame::Close => "close".to_owned(),
                Frame::Stanza(e) => e.name.clone(),
            })
            .collect()
    }

    #[test]
    fn splits_a_whole_stream() {
        let mut framer = Framer::new(1 << 16);
        framer.push(STREAM.as_bytes());
        let got = all(&mut framer);
        assert_eq!(
            kinds(&got),
            ["open", "iq", "presence", "message", "iq", "close"]
        );
        let Frame::Open(header) = &got[0] else {
            panic!()
        };
        assert_eq!(header.attr("to"), Some("finesse.local"));
        let Frame::Stanza(iq) = &got[4] else { panic!() };
        assert_eq!(iq.attr("id"), Some("p'1"));
    }

    #[test]
    fn an_idle_framer_holds_no_buffer() {
        let mut framer = Framer::new(1 << 16);
        framer.push(b"<presence/><iq type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>");
        assert_eq!(kinds(&all(&mut framer)), ["presence", "iq"]);
        assert_eq!(framer.buf.capacity(), 0);
        framer.push(b"<iq type='get'");
        assert_eq!(framer.next_frame(), Ok(None));
        assert!(framer.buf.capacity() > 0, "a partial frame is kept");
    }

    #[test]
    fn rejects_garbage_and_oversized_stanzas() {
        let mut framer = Framer::new(1 << 16);
        framer.push(b"hello");
        assert!(framer.next_frame().is_err());
        let mut small = Framer::new(1024);
        small.push(b"<iq>");
        small.push(&[b'a'; 2000]);
        assert_eq!(small.next_frame(), Err(FrameError::TooLarge(1024)));
        let mut framer = Framer::new(1 << 16);
        framer.push(b"</iq>");
        assert!(framer.next_frame().is_err());
    }

    proptest! {
        #[test]
        fn any_split_of_the_stream_gives_the_same_frames(cuts in proptest::collection::vec(0..STREAM.len(), 0..8)) {
            let mut whole = Framer::new(1 << 16);
            whole.push(STREAM.as_bytes());
            let expected = all(&mut whole);
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut framer = Framer::new(1 << 16);
            let mut got = Vec::new();
            let mut last = 0;
            for cut in cuts.into_iter().chain([STREAM.len()]) {
                framer.push(&STREAM.as_bytes()[last..cut]);
                last = cut;
                got.extend(all(&mut framer));
            }
            prop_assert_eq!(got, expected);
        }
    }
}
