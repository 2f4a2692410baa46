package ws

import (
	"crypto/tls"
	"net"
)

// tlsStater is a connection that knows its TLS state: *tls.Conn, and the
// connections of the event-loop driver (ws/wsloop), which run TLS
// themselves.
type tlsStater interface {
	ConnectionState() tls.ConnectionState
}

// maxUnwrap bounds the wrappers ConnectionState looks through.
const maxUnwrap = 8

// ConnectionState returns the state of the TLS connection under c: the
// negotiated version and cipher suite, the ALPN protocol
// (NegotiatedProtocol), the server name the client asked for, the peer's
// certificates (PeerCertificates, and VerifiedChains when they were
// verified), whether the session was resumed, and what channel binding
// needs: TLSUnique (tls-unique, TLS 1.2 only) and ExportKeyingMaterial
// (tls-exporter, RFC 9266). ok is false on a connection without TLS
// (ws://).
//
// It works whatever serves or dialed c: ws/wshttp under a net/http TLS
// server, ws.Server on a tls.Listener, Dial to a wss:// URL, and the event
// loop's server and client (ws/wsloop, TLSConfig). Connections wrapped by
// the application are looked through if the wrapper has a NetConn()
// net.Conn method (as *tls.Conn has). It may be called from any goroutine,
// from OnOpen on; the handshake is complete by then.
func (c *Conn) ConnectionState() (state tls.ConnectionState, ok bool) {
	nc := c.NetConn()
	for range maxUnwrap {
		switch x := nc.(type) {
		case tlsStater:
			s := x.ConnectionState()
			if !s.HandshakeComplete {
				return tls.ConnectionState{}, false
			}
			return s, true
		case interface{ NetConn() net.Conn }:
			nc = x.NetConn()
		default:
			return tls.ConnectionState{}, false
		}
	}
	return tls.ConnectionState{}, false
}
