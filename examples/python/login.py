#!/usr/bin/env python3
"""The smallest Generic Connector client: log an agent in and print its events.

It registers a client destination (Hello), binds a private queue to the `gc.clients` exchange
with that destination as routing key, binds the agent to it (Connect), logs in (Login) and prints
every event until the agent's AgentInfo arrives.

    pip install pika
    python3 examples/python/login.py            # agent 1001 / secret on extension 3001

Settings come from the environment (defaults in brackets): GC_AMQP_URL
[amqp://guest:guest@127.0.0.1:5672/%2f], GC_AGENT [1001], GC_PASSWORD [secret],
GC_EXTENSION [3001], GC_DESTINATION [quickstart-<pid>], GC_COMMAND_QUEUE [gc.commands],
GC_CLIENTS_EXCHANGE [gc.clients], GC_WAIT seconds [15].
"""
import os
import sys
import time

import pika

env = os.environ.get
url = env("GC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
agent, password, extension = env("GC_AGENT", "1001"), env("GC_PASSWORD", "secret"), env("GC_EXTENSION", "3001")
destination = env("GC_DESTINATION", f"quickstart-{os.getpid()}")
commands, clients = env("GC_COMMAND_QUEUE", "gc.commands"), env("GC_CLIENTS_EXCHANGE", "gc.clients")

channel = pika.BlockingConnection(pika.URLParameters(url)).channel()
events = channel.queue_declare("", exclusive=True).method.queue
channel.queue_bind(events, clients, routing_key=destination)


def send(jms_type, body=""):
    """A command: the JMS type in the JMSType header, the parameters as the body."""
    properties = pika.BasicProperties(headers={"JMSType": jms_type}, delivery_mode=2)
    channel.basic_publish("", commands, body.encode(), properties)


send(f"Hello#{destination}")
send(f"Connect#{agent}", f"{destination},{password}")
send(f"Login#{agent}", f"{password},{extension}")

deadline = time.time() + float(env("GC_WAIT", "15"))
for _method, _properties, body in channel.consume(events, inactivity_timeout=0.5):
    if body:
        text = body.decode()
        print(text, flush=True)
        if f"{agent}#AgentInfo#" in text:
            sys.exit(0)
        if f"{agent}#Error#" in text:
            sys.exit(1)
    if time.time() > deadline:
        sys.exit(f"no AgentInfo for {agent} within {env('GC_WAIT', '15')} s")
