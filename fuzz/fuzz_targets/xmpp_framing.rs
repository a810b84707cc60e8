//! The XMPP byte stream from a Finesse node: `Splitter`, the incremental framer each session
//! runs on what it reads from the socket, and every stanza it yields through the decoder the
//! session uses (`parse_message` for a `message`, the element tree for the rest).
//!
//! Input: one byte choosing the read size, then the stream. Property: feeding the stream in
//! reads of that size gives exactly the frames (and the same first error) as feeding it all at
//! once; framing does not depend on how TCP cut the bytes.
#![no_main]

use gc_finesse::model::parse_message;
use gc_finesse::xmpp::framing::{Frame, FramingError, Splitter};
use libfuzzer_sys::fuzz_target;

/// Frames until the splitter needs more bytes or fails.
fn drain(splitter: &mut Splitter, out: &mut Vec<Frame>) -> Result<(), FramingError> {
    while let Some(frame) = splitter.next_frame()? {
        out.push(frame);
    }
    Ok(())
}

fn split(stream: &[u8], read_size: usize) -> (Vec<Frame>, Result<(), FramingError>) {
    let mut splitter = Splitter::new();
    let mut frames = Vec::new();
    for read in stream.chunks(read_size) {
        splitter.buffer().extend_from_slice(read);
        if let Err(error) = drain(&mut splitter, &mut frames) {
            return (frames, Err(error));
        }
    }
    (frames, Ok(()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, stream)) = data.split_first() else {
        return;
    };
    let whole = split(stream, stream.len().max(1));
    for frame in &whole.0 {
        if let Frame::Stanza(stanza) = frame {
            if stanza.is("message") {
                let _ = parse_message(stanza.bytes());
            } else {
                let _ = stanza.element();
            }
        }
    }
    let read_size = usize::from(first % 64) + 1;
    let pieces = split(stream, read_size);
    assert_eq!(pieces, whole, "read size {read_size}");
});
