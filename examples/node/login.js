#!/usr/bin/env node
// A Generic Connector client with amqplib (AMQP 0-9-1).
//
// It binds a private queue to the clients exchange with its destination as key, registers the
// destination (Hello), binds the agent (Connect), logs in (Login), prints the events until the
// agent's AgentInfo, then asks for the state with a reply queue and a correlation id and prints
// the answer as "reply <correlation-id> <body>".
//
//   cd examples/node && npm install && node login.js     # agent 1004 / secret on extension 3004
//
// Settings come from the environment (defaults in brackets): GC_AMQP_URL
// [amqp://guest:guest@127.0.0.1:5672/%2f], GC_AGENT [1004], GC_PASSWORD [secret], GC_EXTENSION
// [3004], GC_DESTINATION [node-<pid>], GC_COMMAND_QUEUE [gc.commands], GC_CLIENTS_EXCHANGE
// [gc.clients], GC_WAIT seconds [15].
"use strict";
const amqp = require("amqplib");
const { randomUUID } = require("node:crypto");

const env = (name, fallback) => process.env[name] || fallback;
const agent = env("GC_AGENT", "1004");
const password = env("GC_PASSWORD", "secret");
const extension = env("GC_EXTENSION", "3004");
const destination = env("GC_DESTINATION", `node-${process.pid}`);
const commands = env("GC_COMMAND_QUEUE", "gc.commands");
const clients = env("GC_CLIENTS_EXCHANGE", "gc.clients");
const waitMs = Number(env("GC_WAIT", "15")) * 1000;

/** The next message of a queue of arrivals, or exit after waitMs. */
function receiver(channel, queue) {
  const arrived = [];
  const waiting = [];
  channel.consume(queue, (msg) => (waiting.length ? waiting.shift()(msg) : arrived.push(msg)), { noAck: true });
  return () =>
    arrived.length
      ? Promise.resolve(arrived.shift())
      : new Promise((resolve) => {
          waiting.push(resolve);
          setTimeout(() => {
            console.error(`nothing arrived within ${waitMs} ms`);
            process.exit(1);
          }, waitMs).unref();
        });
}

async function main() {
  const connection = await amqp.connect(env("GC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"));
  const channel = await connection.createChannel();
  const { queue: events } = await channel.assertQueue("", { exclusive: true });
  await channel.bindQueue(events, clients, destination); // our events arrive here
  const { queue: replyQueue } = await channel.assertQueue("", { exclusive: true });
  const nextEvent = receiver(channel, events);
  const nextReply = receiver(channel, replyQueue);

  // A command: the JMS type in the JMSType header, the parameters as the body, a unique id.
  const send = (jmsType, body = "", options = {}) =>
    channel.sendToQueue(commands, Buffer.from(body), {
      headers: { JMSType: jmsType },
      messageId: `ID:${randomUUID()}`,
      persistent: true,
      ...options,
    });

  send(`Hello#${destination}`);
  send(`Connect#${agent}`, `${destination},${password}`);
  send(`Login#${agent}`, `${password},${extension}`);
  for (;;) {
    const text = (await nextEvent()).content.toString("utf8");
    console.log(text);
    if (text.includes(`${agent}#Error#`)) process.exit(1);
    if (text.includes(`${agent}#AgentInfo#`)) break;
  }

  const correlationId = `state-${destination}`;
  send(`GetState#${agent}`, "", { replyTo: replyQueue, correlationId });
  const reply = await nextReply();
  console.log(`reply ${reply.properties.correlationId} ${reply.content.toString("utf8")}`);
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
