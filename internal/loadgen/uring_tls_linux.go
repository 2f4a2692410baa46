package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// wss:// on the uring engine when the configuration keeps sessions (else
// see uring_tlsrec_linux.go): each connection's crypto/tls client runs
// over a utlsConn. A dialer goroutine runs the TLS handshake and the
// WebSocket upgrade through it with blocking calls on the socket, like the
// rest of the engine's dial; then the engine switches it to memory and
// owns it: the ciphertext of every completed recv goes in (setInput) and
// the engine reads the plaintext until the transport would block, and
// every frame the engine queues goes through tls.Conn.Write into the
// connection's send queue, which the ring sends.

// errUTLSWouldBlock is what a utlsConn in memory mode returns from Read
// once the engine's input is used up. It is a temporary net.Error on
// purpose: crypto/tls keeps a record's partial input in its own buffer and
// does not make a temporary error sticky, so the next Read, after the
// next recv, goes on where this one stopped.
var errUTLSWouldBlock error = utlsWouldBlock{}

type utlsWouldBlock struct{}

func (utlsWouldBlock) Error() string   { return "loadgen: TLS input would block" }
func (utlsWouldBlock) Timeout() bool   { return true }
func (utlsWouldBlock) Temporary() bool { return true }

// utlsConn is the net.Conn under a uring connection's tls.Conn. Until
// toMemory it passes every call through to sock (the dialer's goroutine
// uses it); afterwards only the engine's goroutine does: Read returns the
// input set with setInput and then errUTLSWouldBlock, Write appends to
// *out (the connection's send queue). It needs no lock: the engine takes
// the connection over after the dialers ended.
type utlsConn struct {
	sock net.Conn // nil in memory mode
	in   []byte   // memory mode: ciphertext not yet read by crypto/tls
	out  *[]byte  // memory mode: where ciphertext goes
	addr [2]net.Addr
}

// toMemory switches c to memory mode: its ciphertext goes to *out.
func (c *utlsConn) toMemory(out *[]byte) {
	c.addr = [2]net.Addr{c.sock.LocalAddr(), c.sock.RemoteAddr()}
	c.sock, c.out = nil, out
}

// setInput hands crypto/tls the bytes of a completed recv without a copy;
// crypto/tls copies what it reads into its own buffer, so once a Read
// returned errUTLSWouldBlock the engine may reuse b.
func (c *utlsConn) setInput(b []byte) { c.in = b }

func (c *utlsConn) Read(p []byte) (int, error) {
	if c.sock != nil {
		return c.sock.Read(p)
	}
	if len(c.in) == 0 {
		c.in = nil
		return 0, errUTLSWouldBlock
	}
	n := copy(p, c.in)
	c.in = c.in[n:]
	return n, nil
}

func (c *utlsConn) Write(b []byte) (int, error) {
	if c.sock != nil {
		return c.sock.Write(b)
	}
	*c.out = append(*c.out, b...)
	return len(b), nil
}

// Close closes the socket while dialing (crypto/tls does so when the
// handshake's context ends); the engine closes its own descriptor.
func (c *utlsConn) Close() error {
	if c.sock != nil {
		return c.sock.Close()
	}
	return nil
}

func (c *utlsConn) LocalAddr() net.Addr {
	if c.sock != nil {
		return c.sock.LocalAddr()
	}
	return c.addr[0]
}

func (c *utlsConn) RemoteAddr() net.Addr {
	if c.sock != nil {
		return c.sock.RemoteAddr()
	}
	return c.addr[1]
}

func (c *utlsConn) SetDeadline(t time.Time) error {
	if c.sock != nil {
		return c.sock.SetDeadline(t)
	}
	return nil
}

func (c *utlsConn) SetReadDeadline(t time.Time) error {
	if c.sock != nil {
		return c.sock.SetReadDeadline(t)
	}
	return nil
}

func (c *utlsConn) SetWriteDeadline(t time.Time) error {
	if c.sock != nil {
		return c.sock.SetWriteDeadline(t)
	}
	return nil
}

// isTLS reports whether u asks for TLS (wss:// or https://).
func isTLS(u *url.URL) bool { return u.Scheme == "wss" || u.Scheme == "https" }

// uringTLSConfig is the client configuration of a run's wss:// dials, as
// the loop engine's: Dial.TLSConfig (nil: crypto/tls defaults and the
// system's roots), the server name from the URL, ALPN http/1.1.
func uringTLSConfig(cfg *tls.Config, u *url.URL) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = u.Hostname()
	}
	if !slices.Contains(cfg.NextProtos, "http/1.1") {
		cfg.NextProtos = append(cfg.NextProtos, "http/1.1")
	}
	return cfg
}

// clientTLS runs the TLS handshake on nc (blocking, bounded by nc's
// deadline and ctx) and returns the tls.Conn and its transport, still in
// pass-through mode for the WebSocket upgrade.
func clientTLS(ctx context.Context, nc net.Conn, cfg *tls.Config) (*tls.Conn, *utlsConn, error) {
	tr := &utlsConn{sock: nc}
	tc := tls.Client(tr, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, nil, err
	}
	return tc, tr, nil
}

// input hands the bytes of a completed recv to c: to its parser on
// ws://; on wss:// to crypto/tls, whose plaintext goes to the parser until
// the input is used up. data nil on wss:// parses what crypto/tls holds
// already (records read ahead during the upgrade).
func (e *uengine) input(c *uconn, data []byte) {
	if c.rec != nil {
		if data != nil {
			e.recInput(c, data)
		}
		return
	}
	if c.tls == nil {
		e.parse(c, data)
		return
	}
	c.tlsIn.setInput(data)
	defer c.tlsIn.setInput(nil)
	if e.plain == nil {
		e.plain = make([]byte, uringPlainBuf)
	}
	for !c.gone {
		n, err := c.tls.Read(e.plain)
		if n > 0 {
			e.parse(c, e.plain[:n])
		}
		if err != nil {
			if !errors.Is(err, errUTLSWouldBlock) {
				// An alert, a broken record or the server's close_notify.
				e.fail(c)
			}
			return
		}
	}
}

// queueFrame queues a frame of op with payload p on c, encrypted on
// wss://, and starts its send unless one is in flight.
func (e *uengine) queueFrame(c *uconn, op ws.Opcode, p []byte) {
	if c.rec != nil {
		e.frame = ws.AppendFrame(e.frame[:0], op, true, true, maskKey(), p)
		e.recFrame(c, e.frame)
		return
	}
	if c.tls == nil {
		c.next = ws.AppendFrame(c.next, op, true, true, maskKey(), p)
		e.flush(c)
		return
	}
	e.frame = ws.AppendFrame(e.frame[:0], op, true, true, maskKey(), p)
	if _, err := c.tls.Write(e.frame); err != nil {
		e.fail(c)
		return
	}
	e.flush(c)
}
