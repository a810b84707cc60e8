#!/usr/bin/env python3
"""A short demo against a running connector with the built-in simulator: agent 1001 logs in,
goes ready, takes an inbound call, holds and retrieves it, hangs up, wraps up and logs out. Every event the
connector publishes is printed as it arrives.

    python3 examples/python/demo.py

Environment: GC_AMQP_URL, GC_SIM_CONTROL (the simulator's control API, default
http://127.0.0.1:18090), GC_AGENT [1001], GC_EXTENSION [3001].
"""
import json
import os
import sys
import time
import urllib.request

import pika

env = os.environ.get
url = env("GC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f")
control = env("GC_SIM_CONTROL", "http://127.0.0.1:18090")
agent, extension = env("GC_AGENT", "1001"), env("GC_EXTENSION", "3001")
destination = f"demo-{os.getpid()}"

channel = pika.BlockingConnection(pika.URLParameters(url)).channel()
events = channel.queue_declare("", exclusive=True).method.queue
channel.queue_bind(events, "gc.clients", routing_key=destination)


def send(jms_type, body=""):
    print(f"  -> {jms_type} {body}".rstrip(), flush=True)
    channel.basic_publish("", "gc.commands", body.encode(), pika.BasicProperties(headers={"JMSType": jms_type}))


seen = []  # events already printed but not yet waited for


def wait_for(fragment, seconds=15):
    """Returns the first event containing `fragment`, printing events as they arrive (and those
    that follow it at once, so the output reads in order)."""
    for i, text in enumerate(seen):
        if fragment in text:
            del seen[: i + 1]
            return text
    deadline, found = time.time() + seconds, None
    for _m, _p, body in channel.consume(events, inactivity_timeout=0.3):
        if body:
            text = body.decode()
            print(f"  <- {text}", flush=True)
            if found is None and fragment in text:
                found = text
            elif found is not None:
                seen.append(text)
        elif found is not None:
            break
        if found is None and time.time() > deadline:
            channel.cancel()
            sys.exit(f"demo: nothing with {fragment!r} within {seconds} s")
    channel.cancel()
    return found


def simulator(path, payload):
    request = urllib.request.Request(control + path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


print("Register the destination and log the agent in")
send(f"Hello#{destination}")
wait_for("System#")
send(f"Connect#{agent}", f"{destination},secret")
send(f"Login#{agent}", f"secret,{extension}")
wait_for("#AgentInfo#")
send(f"MakeReady#{agent}")
wait_for("#State#READY")

print("A customer calls (the simulator's control API offers the call)")
simulator("/calls/inbound", {"agent": agent, "from": "4012", "variables": [["callVariable1", "gold customer"]]})
new_call = wait_for("#NewInboundCall#")
dialog = new_call.rsplit("DialogID:", 1)[1]
send(f"AnswerCall#{agent}", dialog)
wait_for("#InboundCall#ACTIVE")
send(f"HoldCall#{agent}", dialog)
wait_for("#InboundCall#HELD")
send(f"RetrieveCall#{agent}", dialog)
wait_for("#InboundCall#ACTIVE")
send(f"ReleaseCall#{agent}", dialog)
wait_for("#InboundCall#WRAP_UP")

print("Wrap up (agent 1001 must wrap up incoming calls), go not ready, log out")
send(f"wrapup#{agent}", f"Billing question,{dialog}")
send(f"MakeNotReady#{agent}")
wait_for("#InboundCall#DROP")
wait_for("#State#NOT_READY")
send(f"Logout#{agent}")
wait_for("#State#LOGOUT")
print("demo: done")
