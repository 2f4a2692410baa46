package wsloop

import "crypto/tls"

// ConnectionState returns the TLS state of a wss:// connection; on ws://
// the zero state (HandshakeComplete false). ws.Conn.ConnectionState finds
// it through ws.Conn.NetConn, which is c on the loop.
//
// c.x (wss://: for life; a Server's ws:// connection: nil, from before
// OnOpen) and c.x.tls are set on the loop before the ws.Conn exists, and
// so are its state and tc (dropped once a server's connection moved to the record
// layer: then state holds the handshake's outcome); neither changes
// after, so any goroutine that has the ws.Conn may call this;
// tls.Conn.ConnectionState takes its own lock.
func (c *conn) ConnectionState() tls.ConnectionState {
	if c.tls() == nil {
		return tls.ConnectionState{}
	}
	if st := c.tls().state; st != nil {
		return *st
	}
	return c.tls().tc.ConnectionState()
}
