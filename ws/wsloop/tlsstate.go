package wsloop

import "crypto/tls"

// ConnectionState returns the TLS state of a wss:// connection; on ws://
// the zero state (HandshakeComplete false). ws.Conn.ConnectionState finds
// it through ws.Conn.NetConn, which is c on the loop.
//
// c.tls is set on the loop before the ws.Conn exists and never changes
// after, so any goroutine that has the ws.Conn may call this;
// tls.Conn.ConnectionState takes its own lock.
func (c *conn) ConnectionState() tls.ConnectionState {
	if c.tls == nil {
		return tls.ConnectionState{}
	}
	return c.tls.tc.ConnectionState()
}
