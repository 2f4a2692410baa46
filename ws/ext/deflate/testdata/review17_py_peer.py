#!/usr/bin/env python3
"""Autobahn|Python (Twisted) with permessage-deflate as its users
configure it (written for TestReview17Window8Python):
    review17_py_peer.py server       prints its port, echoes until killed
    review17_py_peer.py client URL   sends "hello" * 100, checks the echo,
                                     closes; exits 0 on success
The client offers client_max_window_bits; the server accepts any
permessage-deflate offer as it stands."""
import sys

from autobahn.twisted.websocket import (WebSocketClientFactory, WebSocketClientProtocol,
                                        WebSocketServerFactory, WebSocketServerProtocol, connectWS)
from autobahn.websocket.compress import (PerMessageDeflateOffer, PerMessageDeflateOfferAccept,
                                         PerMessageDeflateResponseAccept)
from twisted.internet import reactor

if sys.argv[1] == "server":
    def accept(offers):
        for o in offers:
            if isinstance(o, PerMessageDeflateOffer):
                return PerMessageDeflateOfferAccept(o)
        return None

    class Echo(WebSocketServerProtocol):
        def onMessage(self, payload, isBinary):
            self.sendMessage(payload, isBinary)

    factory = WebSocketServerFactory()
    factory.protocol = Echo
    factory.setProtocolOptions(perMessageCompressionAccept=accept)
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    print(port.getHost().port, flush=True)
    reactor.run()
    sys.exit(0)

MSG = b"hello" * 100
result = {"ok": False, "echo": False}


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.sendMessage(MSG, True)

    def onMessage(self, payload, isBinary):
        result["echo"] = payload == MSG
        self.sendClose(1000)

    def onClose(self, wasClean, code, reason):
        result["ok"] = wasClean and result["echo"]
        if not result["ok"]:
            print("close: clean=%s code=%s reason=%s echo=%s" % (wasClean, code, reason, result["echo"]), file=sys.stderr)
        reactor.stop()


factory = WebSocketClientFactory(sys.argv[2])
factory.protocol = Client
factory.setProtocolOptions(
    perMessageCompressionOffers=[PerMessageDeflateOffer(accept_max_window_bits=True)],
    perMessageCompressionAccept=lambda r: PerMessageDeflateResponseAccept(r))
connectWS(factory)
reactor.run()
sys.exit(0 if result["ok"] else 1)
