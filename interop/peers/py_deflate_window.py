"""permessage-deflate with window bits, Autobahn|Python (Twisted):
    py_deflate_window.py server SB CB       prints its port, echoes until killed
    py_deflate_window.py client URL SB CB   echo check against URL, exits 0 on success
The server compresses with a 2**SB window and asks the client for
client_max_window_bits=CB; the client requests server_max_window_bits=SB
and offers client_max_window_bits. Messages repeat themselves from just
inside either window, and across messages (context takeover)."""
import random
import sys

from autobahn.twisted.websocket import (WebSocketClientFactory, WebSocketClientProtocol,
                                        WebSocketServerFactory, WebSocketServerProtocol, connectWS)
from autobahn.websocket.compress import (PerMessageDeflateOffer, PerMessageDeflateOfferAccept,
                                         PerMessageDeflateResponseAccept)
from twisted.internet import reactor

mode = sys.argv[1]
sb, cb = int(sys.argv[-2]), int(sys.argv[-1])
LIMITS = dict(maxMessagePayloadSize=8 << 20, maxFramePayloadSize=8 << 20)

if mode == "server":
    def accept(offers):
        for o in offers:
            if isinstance(o, PerMessageDeflateOffer):
                bits = min(sb, o.request_max_window_bits or 15)
                return PerMessageDeflateOfferAccept(
                    o, request_max_window_bits=cb if o.accept_max_window_bits else 0, window_bits=bits)
        return None

    class Echo(WebSocketServerProtocol):
        def onMessage(self, payload, isBinary):
            self.sendMessage(payload, isBinary)

    factory = WebSocketServerFactory()
    factory.protocol = Echo
    factory.setProtocolOptions(perMessageCompressionAccept=accept, **LIMITS)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()
    sys.exit(0)

rng = random.Random(16)
MSGS = []
for bits in sorted({sb, cb, 9, 15}):
    head = bytes(rng.getrandbits(8) for _ in range(64))
    filler = bytes(rng.getrandbits(8) for _ in range((1 << bits) - 300))
    MSGS += [head + filler + head, filler[-200:] + head, b""]
MSGS += [("κόσμε %d " % i).encode() * 50 for i in range(3)]
result = {"ok": False, "i": 0}


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.sendMessage(MSGS[0], True)

    def onMessage(self, payload, isBinary):
        if payload != MSGS[result["i"]]:
            print("mismatch at message", result["i"], file=sys.stderr)
            self.sendClose(1000)
            return
        result["i"] += 1
        if result["i"] < len(MSGS):
            self.sendMessage(MSGS[result["i"]], True)
        else:
            self.sendClose(1000, "python done")

    def onClose(self, wasClean, code, reason):
        result["ok"] = wasClean and code == 1000 and result["i"] == len(MSGS)
        if not result["ok"]:
            print("close: clean=%s code=%s reason=%s at %d" % (wasClean, code, reason, result["i"]), file=sys.stderr)
        reactor.stop()


factory = WebSocketClientFactory(sys.argv[2])
factory.protocol = Client
factory.setProtocolOptions(
    perMessageCompressionOffers=[PerMessageDeflateOffer(accept_no_context_takeover=False, accept_max_window_bits=True,
                                                        request_max_window_bits=sb)],
    perMessageCompressionAccept=lambda r: PerMessageDeflateResponseAccept(r), **LIMITS)
connectWS(factory)
reactor.callLater(30, reactor.stop)
reactor.run()
sys.exit(0 if result["ok"] else 1)
