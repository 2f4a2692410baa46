package wsloop

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
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

// clientTLSConfig is the configuration of one wss:// dial to host. ALPN
// offers http/1.1 alone, whatever cfg offers (a configuration shared with
// an HTTP client offers h2 too): the upgrade is HTTP/1.1, and a server
// that could pick h2 would take it for an HTTP/2 preface and hang up.
// Renegotiation is refused, whatever cfg allows: a TLS 1.2 handshake
// after the first would have to wait for the server's answer inside a
// Read on the loop, which cannot wait (it began and hung); the server's
// HelloRequest is answered with no_renegotiation and the connection ends
// with that reason, as crypto/tls does with RenegotiateNever.
func clientTLSConfig(cfg *tls.Config, host string) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	cfg.NextProtos = []string{"http/1.1"}
	cfg.Renegotiation = tls.RenegotiateNever
	return cfg
}

// tlsLayer is a connection's TLS on the loop: a tls.Conn over a memConn.
// The handshake runs on a goroutine of its own (memConn explains why),
// which ends with the handshake; from then on the loop feeds every input
// to the tls.Conn and reads the plaintext until it would block (or the
// input's last record was read: memConn.drained), and every
// output goes through tls.Conn.Write into the memConn and out with
// eventloop.Conn.Send. A server's TLS 1.3 connection then moves to rec,
// the loop's own record layer, and tc is dropped (tls_rec.go). Fields
// other than mem are the loop's; tc, open
// and the first fields of mem, which every message uses, share a cache
// line (one allocation).
type tlsLayer struct {
	tc   *tls.Conn
	rec  *tlsrec.Conn // instead of tc after a server's TLS 1.3 handshake (tls_rec.go)
	open bool         // the handshake is done: the loop reads and writes
	// quiet: Quiet asked for rec's compaction, which the loop does once
	// the input it is handing on was handed (recOpen).
	quiet atomic.Bool
	// mem is crypto/tls's transport; dropped (nil) once the record layer
	// took over, with crypto/tls's handshake goroutine long returned.
	mem  *memConn
	head []byte  // plaintext of an HTTP head not complete yet
	part *[]byte // rec: a record cut by the end of an input (partPool)
	err  error   // why TLS ended the connection, for OnClose
	// state is the handshake's outcome once tc is dropped.
	state *tls.ConnectionState
}

// startTLS starts c's TLS handshake (c.ec is open): server side for an
// accepted connection, client side with cfg.
func (d *driver) startTLS(c *conn, client bool, cfg *tls.Config) {
	t := &tlsLayer{mem: new(memConn)}
	m := t.mem
	m.init(c.ec)
	if client {
		if cfg.ClientSessionCache == nil {
			// No sessions kept: the record layer takes over after
			// the handshake (tls_rec.go). cfg is this dial's copy.
			m.capture = tlsrec.NewClientCapture(cfg.KeyLogWriter)
			cfg.KeyLogWriter = m.capture.KeyLogWriter()
		}
		t.tc = tls.Client(m, cfg)
	} else {
		m.capture = &tlsrec.Capture{} // replaced per handshake (withCapture)
		t.tc = tls.Server(m, cfg)
	}
	c.x.tls = t
	ec := c.ec
	var dialed chan error // a client's Dial, if the connection closes first
	if client {
		dialed = c.hs().done
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
				// Closed as it went through: the server's
				// refusal may have come behind it.
				if err = t.refusal(); err == nil {
					err = io.ErrUnexpectedEOF
				}
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

// serverTLSConfig is the server's copy of cfg: ALPN offers cfg's
// protocols but h2, or http/1.1 if that leaves none.
func serverTLSConfig(cfg *tls.Config) (*tls.Config, error) {
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, errNoCertificate
	}
	cfg = cfg.Clone()
	cfg.NextProtos = withoutH2(cfg.NextProtos)
	return withCapture(cfg), nil
}

// withoutH2 returns protos but h2, or http/1.1 if that leaves none. The
// server speaks HTTP/1.1 only: h2, which a configuration shared with
// net/http offers (autocert's too), would be picked by a browser, which
// offers it first, and its preface refused.
func withoutH2(protos []string) []string {
	var out []string
	for _, p := range protos {
		if p != "h2" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		out = []string{"http/1.1"}
	}
	return out
}

// tlsData takes the loop's input for a TLS connection: all of it, always
// (the tls.Conn and the layers above keep what they need).
func (d *driver) tlsData(c *conn, in []byte) int {
	t := c.tls()
	if !t.open {
		t.mem.feed(in) // for the handshake goroutine
		return len(in)
	}
	if t.rec != nil {
		d.recData(c, in)
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
	t := c.tls()
	done, err := t.mem.handshakeResult()
	if !done {
		return
	}
	if err != nil {
		t.err = err
		c.dialed(err)
		d.fail(c)
		return
	}
	t.open = true
	t.mem.toLoop()
	if early := t.takeOver(); len(early) > 0 {
		d.plainIn(c, early)
	}
	if d.srv == nil { // a client sends its request now
		if err := c.write(c.hs().request); err != nil {
			c.dialed(err)
			d.fail(c)
			return
		}
	}
	if t.rec != nil {
		in := t.mem.in
		t.mem.in = nil
		if err := t.flush(c); err != nil { // nothing, unless crypto/tls wrote after its handshake
			_ = c.ec.Close()
			return
		}
		t.mem = nil
		if len(in) > 0 {
			d.recData(c, in) // what came behind the handshake
		}
		return
	}
	d.tlsRead(c) // what came behind the handshake
}

// tlsRead decrypts the input fed so far and passes the plaintext on.
// crypto/tls returns one record per Read; the records of one input are
// gathered (up to plainBatch bytes) and handed on together, so that, as
// on ws:// where one read is one Feed and one write, the ws.Conn is fed
// once and its answers to all of them leave in one tls.Conn.Write (one
// record up to 16 KiB, one seal) and one send.
func (d *driver) tlsRead(c *conn) {
	t := c.tls()
	bp := plainPool.Get().(*[]byte)
	defer plainPool.Put(bp)
	buf, n := *bp, 0
	for {
		m, err := t.tc.Read(buf[n:])
		n += m
		if err == nil && m > 0 && t.mem.drained() {
			// The record read was the input's last (buf had room for
			// all of it): crypto/tls holds nothing more.
			err = errWouldBlock
		}
		if err == nil && len(buf)-n >= maxRecordPlain {
			continue // room for another record
		}
		if n > 0 {
			d.plainIn(c, buf[:n])
			n = 0
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
			d.tlsEnd(c, err)
		}
		return
	}
}

// tlsEnd closes c because TLS ended it: err (io.EOF: the peer's
// close_notify) is the reason OnClose reports.
func (d *driver) tlsEnd(c *conn, err error) {
	c.tls().err = err
	if err == io.EOF && c.st.Load()&sShut == 0 {
		// The peer's close_notify is answered with ours (RFC 5246
		// 7.2.1; RFC 8446 6.1 wants one before we close), unless
		// closing sent it already.
		c.closeNotify()
	}
	if c.wsConn() == nil {
		c.dialed(err)
		d.fail(c)
	} else {
		_ = c.ec.Close()
	}
}

// plainIn hands decrypted input on: to the HTTP handshake, which needs a
// whole head at once (collected in head, bounded by the handshake's
// limit on head size), or to the ws.Conn.
func (d *driver) plainIn(c *conn, p []byte) {
	t := c.tls()
	if c.wsConn() == nil && c.hs() != nil {
		t.head = append(t.head, p...)
		if d.onPlain(c, t.head) == 0 && c.hs() != nil {
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
	if c.tls() == nil {
		_, err := c.ec.Write(b)
		return err
	}
	return c.send(b)
}

// send sends output the ws.Conn bounds itself (eventloop.Conn.Send),
// encrypted on a TLS connection.
func (c *conn) send(b []byte) error {
	t := c.tls()
	if t == nil {
		return c.ec.Send(b)
	}
	if t.rec != nil {
		return t.recSend(c, b)
	}
	if _, err := t.tc.Write(b); err != nil {
		return err
	}
	return t.flush(c)
}

// closeNotify sends TLS's close_notify before the write side is shut.
func (c *conn) closeNotify() {
	if t := c.tls(); t != nil && t.open {
		if t.rec != nil {
			out := outPool.Get().(*[]byte)
			*out = t.rec.AppendCloseNotify(*out)
			_ = c.ec.Send(*out)
			putOut(out)
			return
		}
		_ = t.tc.CloseWrite()
		_ = t.flush(c)
	}
}

// tlsClosed ends c's TLS with the connection (OnClose): a handshake
// goroutine still waiting for input returns. It gives the error to
// report if TLS ended the connection.
func (c *conn) tlsClosed(err error) error {
	t := c.tls()
	if t == nil {
		return err
	}
	dialing := !t.open && c.hs() != nil && c.hs().done != nil
	var refused error
	if dialing && t.mem != nil {
		if done, hsErr := t.mem.handshakeResult(); done && hsErr == nil {
			refused = t.refusal()
		}
	}
	done, hsErr := true, error(nil) // the record layer took over after a handshake
	if t.mem != nil {
		done, hsErr = t.mem.closeConn()
	}
	t.head = nil
	if t.part != nil {
		putPart(t.part)
		t.part = nil
	}
	if dialing {
		switch {
		case !done:
			c.hs().done = nil // the handshake goroutine answers Dial
		case hsErr != nil:
			err = hsErr // crypto/tls's reason, for Dial
		case refused != nil:
			err = refused
		}
	}
	if err == nil {
		err = t.err
	}
	return err
}

// refusal reads, for a Dial, the input that came behind the client's
// handshake when the connection closed before the loop took it over: a
// TLS 1.3 server refuses the client's certificate only then, with an
// alert that is the reason to report. It returns crypto/tls's error for
// that input, or nil. The caller is the one user of the memConn: the
// loop in OnClose once the handshake goroutine returned, or that
// goroutine once OnClose is over (closeConn left it the input).
func (t *tlsLayer) refusal() error {
	t.mem.toLoop()
	bp := plainPool.Get().(*[]byte)
	defer plainPool.Put(bp)
	for {
		_, err := t.tc.Read(*bp)
		switch {
		case err == nil:
		case errors.Is(err, errWouldBlock), errors.Is(err, net.ErrClosed), err == io.EOF:
			return nil
		default:
			return err
		}
	}
}

// maxRecordPlain is the most plaintext one TLS record holds (RFC 8446
// 5.1, RFC 5246 6.2.1), which tls.Conn.Read returns at most per call.
const maxRecordPlain = 16 << 10

// plainBatch is the size of the loops' plaintext buffers (plainPool):
// the records of one input that tlsRead hands on together, four full
// ones, or all of an input the loop read at once (64 KiB by default).
const plainBatch = 4 * maxRecordPlain

// plainPool holds the loops' plaintext buffers, in use only during
// tlsRead (none is held by an idle connection).
var plainPool = sync.Pool{New: func() any { b := make([]byte, plainBatch); return &b }}
