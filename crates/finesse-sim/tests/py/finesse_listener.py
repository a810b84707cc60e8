"""A Finesse notification listener built on slixmpp (a third-party XMPP client).

The Rust tests start it against the simulator and read JSON lines from its stdout:
  {"event": "session_started", "jid": ...}      after presence, roster, subscriptions and a ping
  {"event": "subscribed", "node": ...}          per --subscribe node
  {"event": "ping", "ok": true}
  {"event": "notification", "node": ..., "itemId": ..., "payloadTag": ...,
   "payload": <the unescaped Update document>, "stanza": <the whole message>}
  {"event": "failed_auth"} / {"event": "disconnected"}

Usage: finesse_listener.py HOST PORT JID PASSWORD [--subscribe NODE]... [--starttls CAFILE]
"""

import argparse
import asyncio
import json
import ssl
import sys

import slixmpp


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Listener(slixmpp.ClientXMPP):
    def __init__(self, jid, password, subscribe, starttls):
        super().__init__(
            jid,
            password,
            plugin_config={"feature_mechanisms": {"unencrypted_plain": not starttls}},
        )
        self.subscribe_to = subscribe
        self.register_plugin("xep_0030")
        self.register_plugin("xep_0060")
        self.register_plugin("xep_0199")
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("pubsub_publish", self.on_publish)
        self.add_event_handler("failed_auth", lambda *_: emit({"event": "failed_auth"}))
        self.add_event_handler("disconnected", lambda *_: emit({"event": "disconnected"}))

    async def on_start(self, _event):
        self.send_presence()
        await self.get_roster()
        pubsub = "pubsub." + self.boundjid.domain
        for node in self.subscribe_to:
            await self.plugin["xep_0060"].subscribe(pubsub, node)
            emit({"event": "subscribed", "node": node})
        await self.plugin["xep_0199"].ping(self.boundjid.domain, timeout=10)
        emit({"event": "ping", "ok": True})
        emit({"event": "session_started", "jid": str(self.boundjid), "tls": self.is_secure()})

    def is_secure(self):
        transport = getattr(self, "transport", None)
        return transport is not None and transport.get_extra_info("sslcontext") is not None

    def on_publish(self, msg):
        items = msg["pubsub_event"]["items"]
        # Not `for item in items`: slixmpp stanzas share one iteration index, and this handler
        # runs inside slixmpp's own loop over the same items (a nested loop never ends).
        for item in list(items.iterables):
            payload = item["payload"]
            emit(
                {
                    "event": "notification",
                    "node": items["node"],
                    "itemId": item["id"],
                    "payloadTag": payload.tag if payload is not None else "",
                    "payload": (payload.text or "") if payload is not None else "",
                    "stanza": str(msg),
                }
            )


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("jid")
    parser.add_argument("password")
    parser.add_argument("--subscribe", action="append", default=[])
    parser.add_argument("--starttls", metavar="CAFILE")
    args = parser.parse_args()

    xmpp = Listener(args.jid, args.password, args.subscribe, args.starttls is not None)
    xmpp.enable_direct_tls = False
    if args.starttls:
        context = ssl.create_default_context(cafile=args.starttls)
        xmpp.ssl_context = context
        xmpp.enable_starttls = True
        xmpp.enable_plaintext = False
    else:
        xmpp.enable_starttls = False
        xmpp.enable_plaintext = True
    xmpp.connect(args.host, args.port)
    await xmpp.disconnected


if __name__ == "__main__":
    asyncio.run(main())
