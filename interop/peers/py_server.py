"""Echo server with Autobahn|Python (Twisted): prints its port, echoes until killed
(wss with cert.pem key.pem)."""
import sys

from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet import reactor


class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


factory = WebSocketServerFactory()
factory.protocol = Echo
factory.setProtocolOptions(maxMessagePayloadSize=8 << 20, maxFramePayloadSize=8 << 20)
if len(sys.argv) > 2:  # wss: py_server.py cert.pem key.pem
    from twisted.internet import ssl
    tls = ssl.DefaultOpenSSLContextFactory(sys.argv[2], sys.argv[1])
    port = reactor.listenSSL(0, factory, tls, interface="127.0.0.1")
else:
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
print(port.getHost().port, flush=True)
reactor.run()
