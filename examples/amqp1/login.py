#!/usr/bin/env python3
"""A Generic Connector client over AMQP 1.0 (RabbitMQ's AMQP 1.0 plugin, port 5672), with
Qpid Proton: the wire protocol of Qpid JMS and of most AMQP 1.0 libraries.

It opens a receiver on its destination (`/exchange/<clients>/<destination>`: RabbitMQ binds a
private queue with the destination as key), registers it (Hello), binds the agent (Connect),
logs in (Login), prints the events until the agent's AgentInfo, then asks for the state with a
correlation id and prints the answer (`reply <correlation-id> <body>`).

Each command goes to `/amq/queue/<commands>` with the JMS type where Qpid JMS puts it, the
`subject` (GC_JMS_TYPE_IN=property sends it as application property `JMSType`, =annotation as
message annotation `x-opt-jms-type`, as older Qpid JMS did), a unique message id, and the
parameters as an amqp-value string body. Events arrive as a data section (bytes) holding UTF-8
text, `content-type` text/plain, with the connector's message id and the request's
correlation id. With GC_REPLY_QUEUE=<name> the state request also carries `reply-to:
/queue/<name>` and the answer is read there (RabbitMQ declares that queue, durable, when the
receiver opens it, and keeps it).

    pip install python-qpid-proton
    python3 examples/amqp1/login.py            # agent 1006 / secret on extension 3006

Settings come from the environment (defaults in brackets): GC_AMQP1_URL
[amqp://guest:guest@127.0.0.1:5672], GC_AGENT [1006], GC_PASSWORD [secret], GC_EXTENSION [3006],
GC_DESTINATION [amqp1-<pid>], GC_COMMAND_QUEUE [gc.commands], GC_CLIENTS_EXCHANGE [gc.clients],
GC_JMS_TYPE_IN [subject], GC_REPLY_QUEUE [none], GC_WAIT seconds [15].
"""
import os
import sys
import uuid

from proton import Message, symbol
from proton.utils import BlockingConnection

env = os.environ.get
agent, password, extension = env("GC_AGENT", "1006"), env("GC_PASSWORD", "secret"), env("GC_EXTENSION", "3006")
destination = env("GC_DESTINATION", f"amqp1-{os.getpid()}")
commands, clients = env("GC_COMMAND_QUEUE", "gc.commands"), env("GC_CLIENTS_EXCHANGE", "gc.clients")
jms_type_in, reply_queue = env("GC_JMS_TYPE_IN", "subject"), env("GC_REPLY_QUEUE")
wait = float(env("GC_WAIT", "15"))

connection = BlockingConnection(env("GC_AMQP1_URL", "amqp://guest:guest@127.0.0.1:5672"), allowed_mechs="PLAIN")
events = connection.create_receiver(f"/exchange/{clients}/{destination}")  # bound before Hello
sender = connection.create_sender(f"/amq/queue/{commands}")


def send(jms_type, body="", **properties):
    """A command: the JMS type (subject), a unique id, the parameters as a text body."""
    message = Message(body=body, id=f"ID:{uuid.uuid4()}", durable=True, **properties)
    if jms_type_in == "property":
        message.properties = {"JMSType": jms_type}
    elif jms_type_in == "annotation":
        message.annotations = {symbol("x-opt-jms-type"): jms_type}
    else:
        message.subject = jms_type
    sender.send(message)


def text(receiver):
    message = receiver.receive(timeout=wait)
    receiver.accept()
    body = message.body  # a data section: bytes (a memoryview)
    return message, bytes(body).decode() if not isinstance(body, str) else body


send(f"Hello#{destination}")
send(f"Connect#{agent}", f"{destination},{password}")
send(f"Login#{agent}", f"{password},{extension}")
while True:
    _, body = text(events)
    print(body, flush=True)
    if f"{agent}#Error#" in body:
        sys.exit(1)
    if f"{agent}#AgentInfo#" in body:
        break

correlation = f"state-{destination}"
if reply_queue:
    replies = connection.create_receiver(f"/queue/{reply_queue}")
    send(f"GetState#{agent}", correlation_id=correlation, reply_to=f"/queue/{reply_queue}")
else:
    replies = events  # the answer also comes to our destination, with our correlation id
    send(f"GetState#{agent}", correlation_id=correlation)
message, body = text(replies)
print(f"reply {message.correlation_id} {body}", flush=True)
connection.close()
