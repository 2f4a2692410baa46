"""permessage-deflate / -bzip2 / -snappy with Autobahn|Python (Twisted):
    py_compress.py server EXT [nct]       prints its port, echoes until killed
    py_compress.py client EXT URL [nct]   echo check against URL, exits 0 on success
EXT is deflate, bzip2 or snappy; nct asks for no context takeover both ways."""
import json
import sys

from autobahn.twisted.websocket import (WebSocketClientFactory, WebSocketClientProtocol,
                                        WebSocketServerFactory, WebSocketServerProtocol, connectWS)
from autobahn.websocket import compress
from twisted.internet import reactor

import snappy.snappy


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_T = _crc32c_table()


def _crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


# Debian's python3-snappy 0.5.3 C extension raises SystemError in _crc32c on
# Python >= 3.10 (PY_SSIZE_T_CLEAN); compression itself works. Use a plain
# CRC-32C so that Autobahn's permessage-snappy runs unchanged.
try:
    snappy.snappy._crc32c(b"x")
except SystemError:
    snappy.snappy._crc32c = _crc32c

mode, ext = sys.argv[1], sys.argv[2]
nct = sys.argv[-1] == "nct"
NAMES = {"deflate": "Deflate", "bzip2": "Bzip2", "snappy": "Snappy"}
Offer = getattr(compress, "PerMessage%sOffer" % NAMES[ext])
OfferAccept = getattr(compress, "PerMessage%sOfferAccept" % NAMES[ext])
ResponseAccept = getattr(compress, "PerMessage%sResponseAccept" % NAMES[ext])


def offer():
    if ext == "bzip2":
        return Offer()
    return Offer(request_no_context_takeover=nct)


def accept_offer(offers):
    for o in offers:
        if isinstance(o, Offer):
            if ext == "bzip2":
                return OfferAccept(o)
            return OfferAccept(o, request_no_context_takeover=nct and o.accept_no_context_takeover,
                               no_context_takeover=nct or None)
    return None


def accept_response(response):
    if ext == "bzip2":
        return ResponseAccept(response)
    return ResponseAccept(response, no_context_takeover=nct or None)


LIMITS = dict(maxMessagePayloadSize=8 << 20, maxFramePayloadSize=8 << 20)
if mode == "server":
    class Echo(WebSocketServerProtocol):
        def onMessage(self, payload, isBinary):
            self.sendMessage(payload, isBinary)

    factory = WebSocketServerFactory()
    factory.protocol = Echo
    factory.setProtocolOptions(perMessageCompressionAccept=accept_offer, **LIMITS)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()
    sys.exit(0)

doc = json.dumps([{"id": i, "user": "user%d" % (i % 50), "tags": ["a", "b"]} for i in range(2000)]).encode()
MSGS = [(b"", False), ("hello κόσμε 🚀".encode(), False), (doc, False), (bytes([7]) * 300000, True), (doc[:500], False)]
result = {"ok": False, "i": 0, "ext": ""}


class Client(WebSocketClientProtocol):
    def onOpen(self):
        result["ext"] = ", ".join(e.EXTENSION_NAME for e in self.websocket_extensions_in_use)
        self.sendMessage(*MSGS[0])

    def onMessage(self, payload, isBinary):
        want, binary = MSGS[result["i"]]
        if payload != want or isBinary != binary:
            print("mismatch at message", result["i"], file=sys.stderr)
            self.sendClose(1000)
            return
        result["i"] += 1
        if result["i"] < len(MSGS):
            self.sendMessage(*MSGS[result["i"]])
        else:
            self.sendClose(1000, "python done")

    def onClose(self, wasClean, code, reason):
        result["ok"] = wasClean and code == 1000 and result["i"] == len(MSGS) and result["ext"] == "permessage-" + ext
        if not result["ok"]:
            print("close: clean=%s code=%s reason=%s ext=%r" % (wasClean, code, reason, result["ext"]), file=sys.stderr)
        reactor.stop()


factory = WebSocketClientFactory(sys.argv[3])
factory.protocol = Client
factory.setProtocolOptions(perMessageCompressionOffers=[offer()], perMessageCompressionAccept=accept_response, **LIMITS)
connectWS(factory)
reactor.callLater(30, reactor.stop)
reactor.run()
print("ok" if result["ok"] else "failed")
sys.exit(0 if result["ok"] else 1)
