package wsloop

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"slices"
	"sync"

	"github.com/autobahn-go/autobahn/ws"
)

// ListenAndServeTLS is ListenAndServe for wss://: every connection runs
// TLS with cfg (which must hold a certificate: Certificates or
// GetCertificate) on the loop. See Server.TLSConfig.
func ListenAndServeTLS(ctx context.Context, addr string, h ws.Handler, opts *ws.Options, cfg *tls.Config) error {
	if cfg == nil {
		return errors.New("wsloop: ListenAndServeTLS needs a tls.Config")
	}
	return listenAndServe(ctx, &Server{Handler: h, Options: opts, TLSConfig: cfg}, addr)
}

// clientTLSConfig is the configuration of one wss:// dial to host.
func clientTLSConfig(cfg *tls.Config, host string) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	if !slices.Contains(cfg.NextProtos, "http/1.1") {
		cfg.NextProtos = append(cfg.NextProtos, "http/1.1")
	}
	return cfg
}

// tlsLayer is a connection's TLS on the loop: a tls.Conn over a memConn.
// The handshake runs on a goroutine of its own (memConn explains why),
// which ends with the handshake; from then on the loop feeds every input
// to the tls.Conn and reads the plaintext until it would block, and every
// output goes through tls.Conn.Write into the memConn and out with
// eventloop.Conn.Send. Fields other than mem are the loop's.
type tlsLayer struct {
	tc   *tls.Conn
	mem  *memConn
	open bool   // the handshake is done: the loop reads and writes
	head []byte // plaintext of an HTTP head not complete yet
	err  error  // why TLS ended the connection, for OnClose
}

// startTLS starts c's TLS handshake (c.ec is open): server side for an
// accepted connection, client side with cfg.
func (d *driver) startTLS(c *conn, client bool, cfg *tls.Config) {
	m := newMemConn(c.ec)
	t := &tlsLayer{mem: m}
	if client {
		t.tc = tls.Client(m, cfg)
	} else {
		t.tc = tls.Server(m, cfg)
	}
	c.tls = t
	ec := c.ec
	var dialed chan error // a client's Dial, if the connection closes first
	if client {
		dialed = c.hs.done
	}
	go func() {
		// Bounded: a server's handshakes count as pending
		// (Server.MaxPendingHandshakes) and end by HandshakeTimeout,
		// which closes the connection and so fails the memConn's Read.
		err := d.handshake(c, t.tc)
		if !m.handshakeDone(err) {
			_ = ec.Wake() // the loop goes on in tlsHandshaken
			return
		}
		// Closed while the handshake ran (the peer refused it, or
		// Dial's deadline): OnClose left the Dial's answer to us.
		if dialed != nil {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			dialed <- err // buffered, and nobody else sends
		}
	}()
}

// handshake runs tc's handshake; a panic of the application's callbacks
// in it (GetCertificate, VerifyPeerCertificate...) fails the connection
// and is logged and counted like a Handler's (unless PanicCrash).
func (d *driver) handshake(c *conn, tc *tls.Conn) (err error) {
	if !d.opts.PanicCrash {
		defer func() {
			if v := recover(); v != nil {
				d.panicked(c, v)
				err = errors.New("wsloop: TLS handshake panicked")
			}
		}()
	}
	return tc.Handshake()
}

// errNoCertificate: Server.TLSConfig cannot serve a handshake.
var errNoCertificate = errors.New("wsloop: Server.TLSConfig has no certificate (Certificates, GetCertificate or GetConfigForClient)")

// serverTLSConfig is the server's copy of cfg: ALPN offers http/1.1
// unless cfg says otherwise.
func serverTLSConfig(cfg *tls.Config) (*tls.Config, error) {
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errNoCertificate
	}
	cfg = cfg.Clone()
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"http/1.1"}
	}
	return cfg, nil
}

// tlsData takes the loop's input for a TLS connection: all of it, always
// (the tls.Conn and the layers above keep what they need).
func (d *driver) tlsData(c *conn, in []byte) int {
	t := c.tls
	if !t.open {
		t.mem.feed(in) // for the handshake goroutine
		return len(in)
	}
	t.mem.setInput(in)
	d.tlsRead(c)
	t.mem.clearInput()
	return len(in)
}

// tlsHandshaken goes on once the handshake goroutine returned (it woke
// the loop): the connection fails, or the loop takes the tls.Conn over.
// Until then it does nothing.
func (d *driver) tlsHandshaken(c *conn) {
	t := c.tls
	done, err := t.mem.handshakeResult()
	if !done {
		return
	}
	if err != nil {
		t.err = err
		c.dialed(err)
		c.fail()
		return
	}
	t.open = true
	t.mem.toLoop()
	if d.srv == nil { // a client sends its request now
		if err := c.write(c.hs.request); err != nil {
			c.dialed(err)
			c.fail()
			return
		}
	}
	d.tlsRead(c) // what came behind the handshake
}

// tlsRead decrypts the input fed so far and passes the plaintext on.
func (d *driver) tlsRead(c *conn) {
	t := c.tls
	buf := plainPool.Get().(*[]byte)
	defer plainPool.Put(buf)
	for {
		n, err := t.tc.Read(*buf)
		if n > 0 {
			d.plainIn(c, (*buf)[:n])
		}
		if err == nil {
			continue
		}
		// What crypto/tls wrote meanwhile (an alert, a key update) goes
		// before anything else.
		if ferr := t.flush(c); ferr != nil {
			_ = c.ec.Close()
			return
		}
		if !errors.Is(err, errWouldBlock) {
			t.err = err // io.EOF: the peer's close_notify
			if c.wsConn() == nil {
				c.dialed(err)
				c.fail()
			} else {
				_ = c.ec.Close()
			}
		}
		return
	}
}

// plainIn hands decrypted input on: to the HTTP handshake, which needs a
// whole head at once (collected in head, bounded by the handshake's
// limit on head size), or to the ws.Conn.
func (d *driver) plainIn(c *conn, p []byte) {
	t := c.tls
	if c.wsConn() == nil && c.hs != nil {
		t.head = append(t.head, p...)
		if d.onPlain(c, t.head) == 0 && c.hs != nil {
			return // more of the head to come
		}
		t.head = nil
		return
	}
	d.onPlain(c, p)
}

// flush sends the ciphertext crypto/tls wrote on the loop.
func (t *tlsLayer) flush(c *conn) error {
	out := t.mem.takeOut()
	if out == nil {
		return nil
	}
	err := c.ec.Send(*out)
	putOut(out)
	return err
}

// write sends b (an HTTP head) on the wire, encrypted on a TLS
// connection.
func (c *conn) write(b []byte) error {
	if c.tls == nil {
		_, err := c.ec.Write(b)
		return err
	}
	return c.send(b)
}

// send sends output the ws.Conn bounds itself (eventloop.Conn.Send),
// encrypted on a TLS connection.
func (c *conn) send(b []byte) error {
	t := c.tls
	if t == nil {
		return c.ec.Send(b)
	}
	if _, err := t.tc.Write(b); err != nil {
		return err
	}
	return t.flush(c)
}

// closeNotify sends TLS's close_notify before the write side is shut.
func (c *conn) closeNotify() {
	if t := c.tls; t != nil && t.open {
		_ = t.tc.CloseWrite()
		_ = t.flush(c)
	}
}

// tlsClosed ends c's TLS with the connection (OnClose): a handshake
// goroutine still waiting for input returns. It gives the error to
// report if TLS ended the connection.
func (c *conn) tlsClosed(err error) error {
	t := c.tls
	if t == nil {
		return err
	}
	done, hsErr := t.mem.closeConn()
	t.head = nil
	if !t.open && c.hs != nil && c.hs.done != nil {
		if !done {
			c.hs.done = nil // the handshake goroutine answers Dial
		} else if hsErr != nil {
			err = hsErr // crypto/tls's reason, for Dial
		}
	}
	if err == nil {
		err = t.err
	}
	return err
}

// plainPool holds the loops' plaintext buffers, one record each.
var plainPool = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}
