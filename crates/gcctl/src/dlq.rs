//! The dead-letter queue: commands the connector could not answer on any destination, each
//! with `x-gc-reason`. Listing and showing browse the queue (messages are read without being
//! acknowledged and go back when gcctl's channel closes); replaying publishes a copy to where
//! the command was first sent and then removes it from the queue. Passwords are masked.

use anyhow::Context as _;
use lapin::options::{
    BasicAckOptions, BasicGetOptions, BasicNackOptions, BasicPublishOptions, ConfirmSelectOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel};

use crate::broker::{self, Names};
use crate::print::Style;
use crate::redact;

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Action {
    /// One line per dead letter: number, message id, JMS type, reason.
    List {
        /// Show at most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Every property and header of one dead letter, and its body (passwords masked).
    Show {
        /// Its number in `dlq list`, or its message id.
        which: String,
    },
    /// Sends dead letters again to where they were first sent, then removes them.
    Replay {
        /// Its number in `dlq list`, or its message id.
        #[arg(required_unless_present = "all")]
        which: Option<String>,
        /// Every dead letter (up to --limit).
        #[arg(long, conflicts_with = "which")]
        all: bool,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
}

/// One browsed dead letter.
struct Letter {
    tag: u64,
    body: Vec<u8>,
    properties: BasicProperties,
}

impl Letter {
    fn header(&self, name: &str) -> Option<String> {
        self.properties
            .headers()
            .as_ref()?
            .inner()
            .get(name)
            .map(value_text)
    }

    fn message_id(&self) -> String {
        self.properties
            .message_id()
            .as_ref()
            .map(ToString::to_string)
            .or_else(|| self.header("JMSMessageID"))
            .unwrap_or_else(|| "-".to_owned())
    }

    fn jms_type(&self) -> String {
        self.header("JMSType")
            .or_else(|| self.properties.kind().as_ref().map(ToString::to_string))
            .unwrap_or_default()
    }

    /// The JMS type as printed: passwords masked, `-` for none.
    fn shown_type(&self) -> String {
        match self.jms_type() {
            none if none.is_empty() => "-".to_owned(),
            jms_type => redact::jms_type(&jms_type),
        }
    }

    fn body_text(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        redact::body(&self.jms_type(), &text)
    }

    /// Whether the connector replaced the body (it carried a password): not worth replaying.
    fn redacted(&self) -> bool {
        self.body.starts_with(b"<redacted") || self.header("x-gc-redacted").is_some()
    }
}

fn value_text(value: &AMQPValue) -> String {
    match value {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.to_string(),
        AMQPValue::ByteArray(b) => format!("<{} bytes>", b.as_slice().len()),
        other => format!("{other:?}"),
    }
}

/// Reads up to `limit` dead letters without acknowledging them.
async fn browse(channel: &Channel, queue: &str, limit: usize) -> anyhow::Result<Vec<Letter>> {
    let mut letters = Vec::new();
    while letters.len() < limit {
        let got = channel
            .basic_get(ShortString::from(queue), BasicGetOptions { no_ack: false })
            .await
            .with_context(|| format!("reading the dead-letter queue {queue}"))?;
        let Some(message) = got else { break };
        let delivery = message.delivery;
        letters.push(Letter {
            tag: delivery.delivery_tag,
            body: delivery.data,
            properties: delivery.properties,
        });
    }
    Ok(letters)
}

/// The letter `which` names: a 1-based number or a message id.
fn pick<'a>(letters: &'a [Letter], which: &str) -> Option<&'a Letter> {
    match which.parse::<usize>() {
        Ok(n)
            if n >= 1 && n <= letters.len() && letters.iter().all(|l| l.message_id() != which) =>
        {
            letters.get(n - 1)
        }
        _ => letters.iter().find(|l| l.message_id() == which),
    }
}

pub(crate) async fn run(names: &Names, action: Action, style: &Style) -> anyhow::Result<()> {
    let connection = broker::connect(names).await?;
    let channel = connection.create_channel().await?;
    let result = match action {
        Action::List { limit } => list(&channel, names, limit, style).await,
        Action::Show { which } => show(&channel, names, &which).await,
        Action::Replay { which, all, limit } => {
            replay(&channel, names, which.as_deref(), all, limit, style).await
        }
    };
    // Closing the channel returns every letter not acknowledged to the queue.
    let _ = channel.close(200, ShortString::from("bye")).await;
    let _ = connection.close(200, ShortString::from("bye")).await;
    result
}

async fn list(channel: &Channel, names: &Names, limit: usize, style: &Style) -> anyhow::Result<()> {
    let letters = browse(channel, &names.dlq, limit).await?;
    println!("{} dead letter(s) in {}", letters.len(), names.dlq);
    for (i, letter) in letters.iter().enumerate() {
        println!(
            "{:>3}  {}  {}  {}",
            i + 1,
            letter.message_id(),
            letter.shown_type(),
            style.bad(&letter.header("x-gc-reason").unwrap_or_default())
        );
    }
    Ok(())
}

async fn show(channel: &Channel, names: &Names, which: &str) -> anyhow::Result<()> {
    let letters = browse(channel, &names.dlq, usize::MAX).await?;
    let letter = pick(&letters, which)
        .with_context(|| format!("no dead letter {which} in {}", names.dlq))?;
    let p = &letter.properties;
    println!(
        "reason:         {}",
        letter.header("x-gc-reason").unwrap_or_default()
    );
    println!("message id:     {}", letter.message_id());
    println!("JMS type:       {}", letter.shown_type());
    let shown = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    println!(
        "correlation id: {}",
        shown(p.correlation_id().as_ref().map(ToString::to_string))
    );
    println!(
        "reply to:       {}",
        shown(p.reply_to().as_ref().map(ToString::to_string))
    );
    println!(
        "content type:   {}",
        shown(p.content_type().as_ref().map(ToString::to_string))
    );
    println!(
        "timestamp:      {}",
        shown(p.timestamp().map(|t| t.to_string()))
    );
    println!("headers:");
    if let Some(headers) = p.headers() {
        for (name, value) in headers.inner() {
            let text = match name.as_str() {
                "JMSType" => redact::jms_type(&value_text(value)),
                // AMQP 1.0 sections may hold the password: only their size.
                n if n.starts_with("x-amqp-1.0") => match value {
                    AMQPValue::LongString(s) => format!("<{} bytes>", s.as_bytes().len()),
                    other => format!("<{}>", value_text(other).len()),
                },
                _ => value_text(value),
            };
            println!("  {name}: {text}");
        }
    }
    println!("body:");
    println!("{}", letter.body_text());
    Ok(())
}

async fn replay(
    channel: &Channel,
    names: &Names,
    which: Option<&str>,
    all: bool,
    limit: usize,
    style: &Style,
) -> anyhow::Result<()> {
    let letters = browse(channel, &names.dlq, if all { limit } else { usize::MAX }).await?;
    let chosen: Vec<&Letter> = if all {
        letters.iter().collect()
    } else {
        let which = which.unwrap_or_default();
        vec![
            pick(&letters, which)
                .with_context(|| format!("no dead letter {which} in {}", names.dlq))?,
        ]
    };
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    let mut replayed = 0;
    for letter in chosen {
        if letter.redacted() {
            println!(
                "{}  {}  skipped: its body was redacted (it carried a password); send it again",
                letter.message_id(),
                letter.shown_type()
            );
            channel
                .basic_nack(
                    letter.tag,
                    BasicNackOptions {
                        requeue: true,
                        multiple: false,
                    },
                )
                .await?;
            continue;
        }
        let exchange = letter.header("x-gc-original-exchange").unwrap_or_default();
        let routing_key = letter
            .header("x-gc-original-routing-key")
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| names.commands.clone());
        channel
            .basic_publish(
                ShortString::from(exchange.as_str()),
                ShortString::from(routing_key.as_str()),
                BasicPublishOptions::default(),
                &letter.body,
                original_properties(&letter.properties),
            )
            .await?
            .await
            .context("publishing the replayed command")?;
        channel
            .basic_ack(letter.tag, BasicAckOptions::default())
            .await?;
        replayed += 1;
        println!(
            "{}  {}  {}",
            letter.message_id(),
            letter.shown_type(),
            style.good(&format!(
                "replayed to {} {routing_key}",
                if exchange.is_empty() {
                    "(default exchange)"
                } else {
                    &exchange
                }
            ))
        );
    }
    println!("{replayed} replayed");
    Ok(())
}

/// The dead letter's properties without what dead-lettering added (`x-gc-*` headers, the
/// dead-letter TTL).
fn original_properties(p: &BasicProperties) -> BasicProperties {
    let headers: FieldTable = p
        .headers()
        .as_ref()
        .map(|h| {
            h.inner()
                .iter()
                .filter(|(name, _)| !name.as_str().starts_with("x-gc-"))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect::<std::collections::BTreeMap<_, _>>()
                .into()
        })
        .unwrap_or_default();
    let mut copy = BasicProperties::default()
        .with_headers(headers)
        .with_delivery_mode(2);
    if let Some(v) = p.content_type() {
        copy = copy.with_content_type(v.clone());
    }
    if let Some(v) = p.correlation_id() {
        copy = copy.with_correlation_id(v.clone());
    }
    if let Some(v) = p.reply_to() {
        copy = copy.with_reply_to(v.clone());
    }
    if let Some(v) = p.message_id() {
        copy = copy.with_message_id(v.clone());
    }
    if let Some(v) = p.kind() {
        copy = copy.with_type(v.clone());
    }
    if let Some(v) = p.timestamp() {
        copy = copy.with_timestamp(*v);
    }
    copy
}
