#!/usr/bin/env python3
"""A Generic Connector client over STOMP (RabbitMQ's STOMP plugin, port 61613), with stomp.py.

It subscribes to its destination on the clients exchange, registers it (Hello), binds the agent
(Connect), logs in (Login), prints the events until the agent's AgentInfo, then asks for the
state with a reply-to and a correlation id and prints the answer (`reply <correlation-id> <body>`).

STOMP carries the JMS type as a frame header, `JMSType:Login#1007`; RabbitMQ passes unknown
headers on as AMQP headers. `amqp-message-id` becomes the AMQP message id (the connector's
de-duplication key), `correlation-id` the correlation id, and `reply-to:/temp-queue/<name>` makes
RabbitMQ create a private reply queue whose messages arrive with `subscription:/temp-queue/<name>`.

    pip install stomp.py
    python3 examples/stomp/login.py            # agent 1007 / secret on extension 3007

Settings come from the environment (defaults in brackets): GC_STOMP_HOST [127.0.0.1],
GC_STOMP_PORT [61613], GC_STOMP_USER [guest], GC_STOMP_PASSCODE [guest], GC_AGENT [1007],
GC_PASSWORD [secret], GC_EXTENSION [3007], GC_DESTINATION [stomp-<pid>], GC_COMMAND_QUEUE
[gc.commands], GC_CLIENTS_EXCHANGE [gc.clients], GC_WAIT seconds [15].
"""
import os
import queue
import sys
import uuid

import stomp

env = os.environ.get
agent, password, extension = env("GC_AGENT", "1007"), env("GC_PASSWORD", "secret"), env("GC_EXTENSION", "3007")
destination = env("GC_DESTINATION", f"stomp-{os.getpid()}")
commands, clients = env("GC_COMMAND_QUEUE", "gc.commands"), env("GC_CLIENTS_EXCHANGE", "gc.clients")
wait = float(env("GC_WAIT", "15"))

frames = queue.Queue()


class Listener(stomp.ConnectionListener):
    def on_message(self, frame):
        frames.put(frame)

    def on_error(self, frame):
        frames.put(frame)


conn = stomp.Connection([(env("GC_STOMP_HOST", "127.0.0.1"), int(env("GC_STOMP_PORT", "61613")))], vhost="/")
conn.set_listener("", Listener())
conn.connect(env("GC_STOMP_USER", "guest"), env("GC_STOMP_PASSCODE", "guest"), wait=True)
# Our events: RabbitMQ binds a private queue to the clients exchange with our destination as key.
# The receipt confirms the binding exists before we say Hello.
receipt = stomp.listener.WaitingListener("bound")
conn.set_listener("bound", receipt)
conn.subscribe(f"/exchange/{clients}/{destination}", id="events", ack="auto", receipt="bound")
receipt.wait_on_receipt()


def send(jms_type, body="", **headers):
    """A command: the JMS type in the JMSType header, the parameters as the body, a unique id."""
    headers = {"JMSType": jms_type, "amqp-message-id": f"ID:{uuid.uuid4()}", "persistent": "true", **headers}
    conn.send(f"/amq/queue/{commands}", body, headers=headers)


def next_frame():
    try:
        frame = frames.get(timeout=wait)
    except queue.Empty:
        sys.exit(f"nothing arrived within {wait} s")
    if frame.cmd == "ERROR":
        sys.exit(f"STOMP error: {frame.headers.get('message')} {frame.body}")
    return frame


send(f"Hello#{destination}")
send(f"Connect#{agent}", f"{destination},{password}")
send(f"Login#{agent}", f"{password},{extension}")
while True:
    text = next_frame().body
    print(text, flush=True)
    if f"{agent}#Error#" in text:
        sys.exit(1)
    if f"{agent}#AgentInfo#" in text:
        break

# A request with a reply queue and a correlation id: the answer comes to both our destination
# and the reply queue, with our correlation id.
correlation = f"state-{destination}"
send(f"GetState#{agent}", **{"reply-to": "/temp-queue/replies", "correlation-id": correlation})
while True:
    frame = next_frame()
    if frame.headers.get("subscription") == "/temp-queue/replies":  # not our destination's copy
        print(f"reply {frame.headers.get('correlation-id')} {frame.body}", flush=True)
        break
conn.disconnect()
