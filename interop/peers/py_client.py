"""Echo check with Autobahn|Python (Twisted) as the client: py_client.py ws://host:port/echo
(or py_client.py wss://host:port/echo ca.pem)"""
import sys

from autobahn.twisted.websocket import WebSocketClientFactory, WebSocketClientProtocol, connectWS
from twisted.internet import reactor

MSGS = [(b"", False), ("hello κόσμε 🚀".encode(), False), (bytes([0, 1, 2, 255]), True),
        (("é" * 70000).encode(), False), (bytes([7]) * (1 << 20), True)]
result = {"ok": False, "i": 0}


class Client(WebSocketClientProtocol):
    def onOpen(self):
        self.sendMessage(*self.msg(0))

    def msg(self, i):
        return MSGS[i]

    def onMessage(self, payload, isBinary):
        want, binary = self.msg(result["i"])
        if payload != want or isBinary != binary:
            print("mismatch at message", result["i"], file=sys.stderr)
            self.sendClose(1000)
            return
        result["i"] += 1
        if result["i"] < len(MSGS):
            self.sendMessage(*self.msg(result["i"]))
        else:
            self.sendClose(1000, "python done")

    def onClose(self, wasClean, code, reason):
        result["ok"] = wasClean and code == 1000 and result["i"] == len(MSGS)
        if not result["ok"]:
            print("close: clean=%s code=%s reason=%s" % (wasClean, code, reason), file=sys.stderr)
        reactor.stop()


factory = WebSocketClientFactory(sys.argv[1])
factory.protocol = Client
factory.setProtocolOptions(maxMessagePayloadSize=8 << 20, maxFramePayloadSize=8 << 20)
contextFactory = None
if len(sys.argv) > 2:  # wss:// with a CA file to trust
    from twisted.internet import ssl
    with open(sys.argv[2]) as f:
        ca = ssl.Certificate.loadPEM(f.read())
    contextFactory = ssl.optionsForClientTLS(factory.host, trustRoot=ca)
connectWS(factory, contextFactory)
reactor.callLater(20, reactor.stop)
reactor.run()
print("ok" if result["ok"] else "failed")
sys.exit(0 if result["ok"] else 1)
