//! End to end, hostile header tables: a client publishes a command whose AMQP headers nest
//! field arrays as deep as one frame allows (about 26,000 levels in RabbitMQ's default
//! 128 KiB frame). RabbitMQ accepts and delivers it as it is; lapin decodes header tables
//! recursively on its `lapin-io-loop` thread, and the engine drops and copies them on tokio
//! workers, so a thread without the stack for it aborts the whole process (stack overflow is
//! not a panic). The connector must survive it and keep answering everyone else.
//!
//! The hostile message is written with a minimal raw AMQP client (below): lapin's own encoder
//! recurses as well, and the point here is what arrives, not what a well-behaved client sends.

// Helpers outside #[test] functions build fixtures and talk to the broker; a panic is a test
// failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use support::{Env, Options};

/// A minimal blocking AMQP 0-9-1 client: handshake, one channel with publisher confirms,
/// publish with raw property bytes, basic.get. Frames are written and read as bytes.
#[allow(unreachable_pub)]
mod raw {
    use super::{Duration, Read, TcpStream, Write};

    const FRAME_END: u8 = 0xCE;

    /// Why a raw operation failed: the broker closed the channel or connection (its reply
    /// text), or the socket failed.
    pub type Refusal = String;

    pub struct Raw {
        stream: TcpStream,
        /// The frame_max both sides agreed on.
        pub frame_max: u32,
    }

    pub struct Frame {
        pub kind: u8,
        pub payload: Vec<u8>,
    }

    impl Frame {
        fn method(&self) -> Option<(u16, u16)> {
            (self.kind == 1 && self.payload.len() >= 4).then(|| {
                (
                    u16::from_be_bytes([self.payload[0], self.payload[1]]),
                    u16::from_be_bytes([self.payload[2], self.payload[3]]),
                )
            })
        }

        /// A connection.close or channel.close as the broker's reply text.
        fn refusal(&self) -> Option<Refusal> {
            match self.method()? {
                (10, 50) | (20, 40) => {
                    let code = u16::from_be_bytes([self.payload[4], self.payload[5]]);
                    let len = usize::from(self.payload[6]);
                    let text = String::from_utf8_lossy(&self.payload[7..7 + len]);
                    Some(format!("{code} {text}"))
                }
                _ => None,
            }
        }
    }

    fn short(out: &mut Vec<u8>, s: &str) {
        out.push(u8::try_from(s.len()).unwrap());
        out.extend_from_slice(s.as_bytes());
    }

    fn long(out: &mut Vec<u8>, b: &[u8]) {
        out.extend_from_slice(&u32::try_from(b.len()).unwrap().to_be_bytes());
        out.extend_from_slice(b);
    }

    fn method(class: u16, method: u16, args: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + args.len());
        out.extend_from_slice(&class.to_be_bytes());
        out.extend_from_slice(&method.to_be_bytes());
        out.extend_from_slice(args);
        out
    }

    /// `amqp://user:pass@host:port/vhost` → (address, user, pass, vhost).
    fn parts(url: &str) -> (String, String, String, String) {
        let rest = url.split_once("://").unwrap().1;
        let (userinfo, rest) = rest.rsplit_once('@').unwrap_or(("guest:guest", rest));
        let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let (address, vhost) = rest.split_once('/').unwrap_or((rest, ""));
        let vhost = match vhost.split('?').next().unwrap_or_default() {
            "" | "%2f" | "%2F" => "/".to_owned(),
            other => other.to_owned(),
        };
        let address = if address.contains(':') {
            address.to_owned()
        } else {
            format!("{address}:5672")
        };
        (address, user.to_owned(), pass.to_owned(), vhost)
    }

    impl Raw {
        /// Connects, authenticates (PLAIN) and opens channel 1 in confirm mode. `frame_max`: what
        /// this client asks for in tune-ok (0: whatever the broker offers).
        pub fn connect(url: &str, frame_max: u32) -> Result<Self, Refusal> {
            let (address, user, pass, vhost) = parts(url);
            let stream = TcpStream::connect(&address).map_err(|e| {
                format!(
                    "RabbitMQ is not reachable at {address} ({e}); run scripts/rabbitmq-up \
                     (these tests never skip)"
                )
            })?;
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            let mut raw = Self {
                stream,
                frame_max: 4096,
            };
            raw.stream.write_all(b"AMQP\x00\x00\x09\x01").unwrap();
            raw.expect(10, 10)?; // connection.start
            let mut args = Vec::new();
            args.extend_from_slice(&0u32.to_be_bytes()); // client properties: empty table
            short(&mut args, "PLAIN");
            long(&mut args, format!("\0{user}\0{pass}").as_bytes());
            short(&mut args, "en_US");
            raw.send(1, 0, &method(10, 11, &args))?;
            let tune = raw.expect(10, 30)?;
            let offered = u32::from_be_bytes(tune.payload[6..10].try_into().unwrap());
            raw.frame_max = match (offered, frame_max) {
                (0, ours) | (ours, 0) => ours,
                (theirs, ours) => theirs.min(ours),
            };
            let mut args = Vec::new();
            args.extend_from_slice(&tune.payload[4..6]); // channel_max as offered
            args.extend_from_slice(&raw.frame_max.to_be_bytes());
            args.extend_from_slice(&0u16.to_be_bytes()); // no heartbeats
            raw.send(1, 0, &method(10, 31, &args))?;
            let mut args = Vec::new();
            short(&mut args, &vhost);
            short(&mut args, "");
            args.push(0);
            raw.send(1, 0, &method(10, 40, &args))?;
            raw.expect(10, 41)?;
            raw.send(1, 1, &method(20, 10, &[0]))?;
            raw.expect(20, 11)?;
            raw.send(1, 1, &method(85, 10, &[0]))?; // confirm.select
            raw.expect(85, 11)?;
            Ok(raw)
        }

        fn send(&mut self, kind: u8, channel: u16, payload: &[u8]) -> Result<(), Refusal> {
            let mut frame = Vec::with_capacity(payload.len() + 8);
            frame.push(kind);
            frame.extend_from_slice(&channel.to_be_bytes());
            long(&mut frame, payload);
            frame.push(FRAME_END);
            self.stream
                .write_all(&frame)
                .map_err(|e| format!("write: {e}"))
        }

        pub fn read(&mut self) -> Result<Frame, Refusal> {
            loop {
                let mut head = [0u8; 7];
                self.stream
                    .read_exact(&mut head)
                    .map_err(|e| format!("read: {e}"))?;
                let size = u32::from_be_bytes(head[3..7].try_into().unwrap()) as usize;
                let mut payload = vec![0u8; size + 1];
                self.stream
                    .read_exact(&mut payload)
                    .map_err(|e| format!("read: {e}"))?;
                assert_eq!(payload.pop(), Some(FRAME_END), "frame end");
                if head[0] != 8 {
                    return Ok(Frame {
                        kind: head[0],
                        payload,
                    });
                }
            }
        }

        fn expect(&mut self, class: u16, id: u16) -> Result<Frame, Refusal> {
            let frame = self.read()?;
            if let Some(refusal) = frame.refusal() {
                return Err(refusal);
            }
            assert_eq!(frame.method(), Some((class, id)), "unexpected frame");
            Ok(frame)
        }

        /// Publishes to the default exchange with the given property flags and property bytes
        /// and waits for the broker's confirm.
        pub fn publish(
            &mut self,
            queue: &str,
            flags: u16,
            properties: &[u8],
            body: &[u8],
        ) -> Result<(), Refusal> {
            let mut args = Vec::new();
            args.extend_from_slice(&0u16.to_be_bytes());
            short(&mut args, "");
            short(&mut args, queue);
            args.push(0);
            self.send(1, 1, &method(60, 40, &args))?;
            let mut header = Vec::with_capacity(14 + properties.len());
            header.extend_from_slice(&60u16.to_be_bytes());
            header.extend_from_slice(&0u16.to_be_bytes());
            header.extend_from_slice(&(body.len() as u64).to_be_bytes());
            header.extend_from_slice(&flags.to_be_bytes());
            header.extend_from_slice(properties);
            self.send(2, 1, &header)?;
            if !body.is_empty() {
                self.send(3, 1, body)?;
            }
            let frame = self.read()?;
            if let Some(refusal) = frame.refusal() {
                return Err(refusal);
            }
            match frame.method() {
                Some((60, 80)) => Ok(()),
                other => Err(format!("no ack: {other:?}")),
            }
        }

        /// basic.get with auto-ack: the content-header frame's payload size, or `None` when the
        /// queue is empty.
        pub fn get(&mut self, queue: &str) -> Result<Option<usize>, Refusal> {
            let mut args = Vec::new();
            args.extend_from_slice(&0u16.to_be_bytes());
            short(&mut args, queue);
            args.push(1); // no-ack
            self.send(1, 1, &method(60, 70, &args))?;
            let frame = self.read()?;
            if let Some(refusal) = frame.refusal() {
                return Err(refusal);
            }
            match frame.method() {
                Some((60, 72)) => Ok(None),
                Some((60, 71)) => {
                    let header = self.read()?;
                    assert_eq!(header.kind, 2, "content header");
                    let body_size = u64::from_be_bytes(header.payload[4..12].try_into().unwrap());
                    let mut read = 0;
                    while read < body_size {
                        read += self.read()?.payload.len() as u64;
                    }
                    Ok(Some(header.payload.len()))
                }
                other => Err(format!("unexpected answer to basic.get: {other:?}")),
            }
        }

        pub fn declare_queue(&mut self, queue: &str) -> Result<(), Refusal> {
            let mut args = Vec::new();
            args.extend_from_slice(&0u16.to_be_bytes());
            short(&mut args, queue);
            args.push(0b0000_1000); // auto-delete
            args.extend_from_slice(&0u32.to_be_bytes());
            self.send(1, 1, &method(50, 10, &args))?;
            self.expect(50, 11).map(drop)
        }

        pub fn delete_queue(&mut self, queue: &str) -> Result<(), Refusal> {
            let mut args = Vec::new();
            args.extend_from_slice(&0u16.to_be_bytes());
            short(&mut args, queue);
            args.push(0);
            self.send(1, 1, &method(50, 40, &args))?;
            self.expect(50, 41).map(drop)
        }
    }

    /// Property flag: only `headers` is present.
    pub const HEADERS_ONLY: u16 = 0x2000;

    /// The property bytes of a header table with `JMSType` and an entry `deep` holding `depth`
    /// nested field arrays (5 bytes a level: `A` and a length), written without recursion.
    pub fn nested_headers(jms_type: &str, depth: usize) -> Vec<u8> {
        let mut entries = Vec::with_capacity(64 + depth * 5);
        short(&mut entries, "JMSType");
        entries.push(b'S');
        long(&mut entries, jms_type.as_bytes());
        short(&mut entries, "deep");
        for level in 0..depth {
            entries.push(b'A');
            let inner = u32::try_from(5 * (depth - 1 - level)).unwrap();
            entries.extend_from_slice(&inner.to_be_bytes());
        }
        let mut table = Vec::with_capacity(entries.len() + 4);
        long(&mut table, &entries);
        table
    }

    /// Property flags: `headers`, `correlation_id` and `message_id` present, in that order.
    pub const HEADERS_CORRELATION_MESSAGE_ID: u16 = 0x2000 | 0x0400 | 0x0080;

    /// Property bytes for [`HEADERS_CORRELATION_MESSAGE_ID`]: a header table with `JMSType` and
    /// an entry whose key is not UTF-8, then a correlation id and a message id that are not
    /// UTF-8 either (lapin's encoder only writes `String`s, hence the raw client).
    pub fn non_utf8_properties(jms_type: &str) -> Vec<u8> {
        let mut entries = Vec::new();
        short(&mut entries, "JMSType");
        entries.push(b'S');
        long(&mut entries, jms_type.as_bytes());
        entries.extend_from_slice(&[3, b'k', 0xff, 0xfe]);
        entries.push(b'S');
        long(&mut entries, b"value");
        let mut properties = Vec::new();
        long(&mut properties, &entries);
        properties.extend_from_slice(&[4, 0xc3, 0x28, b'i', b'd']);
        properties.extend_from_slice(&[5, b'm', 0xff, 0xff, 0xff, b'x']);
        properties
    }

    /// The depth whose content-header frame (8 bytes of framing, 14 of header fields, the
    /// table) is exactly `frame_max` bytes.
    pub fn depth_filling(frame_max: u32, jms_type: &str) -> usize {
        let fixed = 8 + 14 + nested_headers(jms_type, 0).len();
        (frame_max as usize - fixed) / 5
    }
}

/// Publishes the deepest nested header the broker accepts on a fresh raw connection to
/// `queue`; returns the depth. Starts from what fills a whole frame and steps down.
fn publish_deepest(queue: &str, jms_type: &str) -> usize {
    let url = support::amqp_url();
    let frame_max = raw::Raw::connect(&url, 0).unwrap().frame_max;
    let mut depth = raw::depth_filling(frame_max, jms_type);
    loop {
        let mut client = raw::Raw::connect(&url, 0).unwrap();
        let headers = raw::nested_headers(jms_type, depth);
        match client.publish(queue, raw::HEADERS_ONLY, &headers, b"") {
            Ok(()) => return depth,
            Err(refusal) => {
                println!("depth {depth} refused: {refusal}");
                assert!(depth > 1000, "RabbitMQ refuses even shallow nesting");
                depth -= 1;
            }
        }
    }
}

/// RabbitMQ's side, with no connector involved: it accepts a header table nested as deep as
/// its frame allows and delivers it unchanged, and a consumer that negotiated a smaller
/// `frame_max` still receives the whole content-header frame (content headers are never
/// split), so lowering the consumer's `frame_max` bounds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq_delivers_a_header_nested_as_deep_as_a_frame_allows() {
    tokio::task::spawn_blocking(|| {
        let url = support::amqp_url();
        let queue = format!("t.nested.{}", uuid::Uuid::new_v4().simple());
        let mut admin = raw::Raw::connect(&url, 0).unwrap();
        admin.declare_queue(&queue).unwrap();
        let frame_max = admin.frame_max;
        let depth = publish_deepest(&queue, "Beat#nested");
        println!("broker frame_max {frame_max}: accepted nesting depth {depth}");
        assert!(depth >= 20_000, "accepted depth {depth}");
        let mut small = raw::Raw::connect(&url, 8192).unwrap();
        assert_eq!(small.frame_max, 8192);
        let header = small
            .get(&queue)
            .unwrap()
            .expect("the message is delivered");
        println!("delivered content header: {header} bytes to a consumer with frame_max 8192");
        assert!(header > 8192 * 15, "{header}");
        admin.delete_queue(&queue).unwrap();
    })
    .await
    .unwrap();
}

/// The connector survives the deepest header RabbitMQ accepts on its command queue: another
/// client's Hello is still answered, by the same process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_header_does_not_stop_the_connector() {
    let env = Env::start(Options::default()).await;
    let pid = env.connector().pid();
    let nested = format!("nested-{}", env.tag);
    let mut nested_client = env.client(&nested).await;
    let commands = env.names.commands.clone();
    let jms_type = format!("Hello#{nested}");
    let depth = tokio::task::spawn_blocking(move || publish_deepest(&commands, &jms_type))
        .await
        .unwrap();
    println!("published a header nested {depth} deep");
    // The hostile message itself is a valid Hello: it is read and answered like any other.
    nested_client.expect("System#IN_SERVICE").await;

    let destination = format!("after-{}", env.tag);
    let mut client = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    client.expect("System#IN_SERVICE").await;
    assert_eq!(env.connector().pid(), pid);
    assert!(env.connector().metrics().await.contains("gc_"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    env.stop().await;
}

/// The failure the guard prevents, shown with the standard 2 MiB thread stack (an operator's
/// `RUST_MIN_STACK` is respected): lapin's I/O thread overflows its stack decoding the header
/// and the whole connector aborts (SIGABRT), leaving the message on the queue to kill the next
/// start as well.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_default_thread_stacks_the_same_header_aborts_the_connector() {
    use std::os::unix::process::ExitStatusExt as _;
    let options = Options {
        env: vec![("RUST_MIN_STACK".into(), "2097152".into())],
        ..Options::default()
    };
    let mut env = Env::start(options).await;
    let commands = env.names.commands.clone();
    tokio::task::spawn_blocking(move || publish_deepest(&commands, "Beat#nested"))
        .await
        .unwrap();
    let mut connector = env.connector.take().unwrap();
    let status = connector.wait_exit().await;
    assert_eq!(status.signal(), Some(6), "{status:?}");
    env.stop().await;
}

/// A command that cannot be answered (no agent, no `reply_to`) with the deepest header: its
/// dead-letter copy leaves the oversized headers out (they would not fit the broker's frame and
/// the broker would close the connection on every try), says so, and the connector goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deeply_nested_command_is_dead_lettered_without_its_headers() {
    let env = Env::start(Options::default()).await;
    let mut dlq = env.queue(&env.names.dlq).await;
    let commands = env.names.commands.clone();
    tokio::task::spawn_blocking(move || publish_deepest(&commands, "Nonsense"))
        .await
        .unwrap();
    let copy = dlq.next().await;
    assert!(copy.header("x-gc-reason").is_some());
    assert_eq!(copy.header("JMSType").as_deref(), Some("Nonsense"));
    let dropped = copy.header("x-gc-headers-dropped").unwrap_or_default();
    assert!(dropped.contains("too large"), "{dropped}");
    let destination = format!("after-dlq-{}", env.tag);
    let mut client = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    client.expect("System#IN_SERVICE").await;
    env.stop().await;
}

/// A command whose AMQP short strings are not UTF-8 (message id, correlation id, a header
/// key): RabbitMQ delivers the bytes unchecked. Unpatched, lapin's parser refused the content
/// header and dropped the whole connection, the broker redelivered the message, and the
/// connector looped on it forever with every client cut off. With the vendored leniency patch
/// (vendor/amq-protocol-types/PATCHED.md) the command is answered like any other, once, and
/// nothing is left on the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_with_non_utf8_properties_is_answered() {
    let mut env = Env::start(Options::default()).await;
    let hostile = format!("bytes-{}", env.tag);
    let mut hostile_client = env.client(&hostile).await;
    let commands = env.names.commands.clone();
    let jms_type = format!("Hello#{hostile}");
    tokio::task::spawn_blocking(move || {
        let mut client = raw::Raw::connect(&support::amqp_url(), 0).unwrap();
        client
            .publish(
                &commands,
                raw::HEADERS_CORRELATION_MESSAGE_ID,
                &raw::non_utf8_properties(&jms_type),
                b"",
            )
            .unwrap();
    })
    .await
    .unwrap();
    hostile_client.expect("System#IN_SERVICE").await;

    let destination = format!("after-bytes-{}", env.tag);
    let mut client = env.client(&destination).await;
    env.send(&format!("Hello#{destination}"), "").await;
    client.expect("System#IN_SERVICE").await;
    // Answered once: a connection dropped on the message would have had it redelivered and
    // answered again.
    assert!(
        hostile_client.quiet(Duration::from_secs(1)).await,
        "the hostile Hello was answered twice"
    );
    let connector = env.connector.take().unwrap();
    assert!(connector.stop().await.success());
    assert_eq!(env.ready_count(&env.names.commands).await, 0);
    env.stop().await;
}
