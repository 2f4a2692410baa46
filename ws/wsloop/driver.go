package wsloop

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/internal/authority"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
)

// driver is the eventloop.Handler under a Server or a Client: it runs the
// opening handshake on the loop, then pushes every input to the ws.Conn.
type driver struct {
	srv    *Server // nil for a Client
	opts   *ws.Options
	bounds ws.OutputBounds // the loop's write watermarks
	// slowClose: the loop's SlowReader is SlowReaderClose, which a write
	// the ws.Conn refuses for room is judged by (conn.OutputRefused).
	slowClose bool
	tls       *tls.Config // server: wss (Server.TLSConfig)
}

// loopConfig returns the loops' configuration for cfg, given by the user,
// and the resolved options o: the write watermarks bound each connection's
// output (64 KiB high by default, ws.DefaultOutputHigh, and a quarter of
// that low), and the loop's idle timeout is off unless cfg sets it while
// o's keepalive is on. Keepalive drops a silent peer sooner
// (PingInterval + PingTimeout), and a connection the loop times, however
// idle, stays in its timing wheel: 8 bytes or more each.
func loopConfig(cfg eventloop.Config, o *ws.Options) eventloop.Config {
	cfg.TCPDelay = cfg.TCPDelay || o.DisableNoDelay
	if cfg.WriteHighWatermark <= 0 {
		cfg.WriteHighWatermark = ws.DefaultOutputHigh
	}
	if cfg.WriteLowWatermark <= 0 || cfg.WriteLowWatermark > cfg.WriteHighWatermark {
		cfg.WriteLowWatermark = cfg.WriteHighWatermark / 4
	}
	if cfg.IdleTimeout == 0 && o.PingInterval > 0 {
		cfg.IdleTimeout = -1
	}
	return cfg
}

// handshake is the state of a connection before it is a ws.Conn.
type handshake struct {
	pending  bool        // server: held by Server.enterPending
	admitted bool        // server: holds a connection slot (Server.admit), once the head is in
	admit    func()      // server: Server.Admit's release, with admitted
	key      string      // client: Sec-WebSocket-Key
	request  []byte      // client: the request to send
	done     chan error  // client: the outcome, for Dial
	resp     ws.Response // client
	tls      *tls.Config // client: wss
	ext      connExtra   // server: a ws:// connection's conn.x during the handshake (ext.hs is this)
	linger   int         // server: after an HTTP answer, the input still to discard (lingerHTTP)
	lingers  bool        // server: lingering after an HTTP answer (lingerHTTP), one of Server.lingers
	checked  int         // server: the request head's bytes parsed so far (incomplete)
	queued   int64       // server: Server.HTTP's answer, its share of Server.httpQueued
}

// A Server recycles what answering a handshake takes, so that accepting a
// connection leaves little garbage: the GC's heap goal, and with it the
// resident memory of a server that accepts many connections, follows the
// garbage as well as the live heap. A connection's handshake state goes
// back to serverHandshakes when the handshake ends; the request head is
// parsed, and the response built, in a head taken for one accept call (the
// head is parsed again while it arrives, its checks resumed where the last
// call stopped, so nothing of it but that length needs to outlive the
// call).
var (
	serverHandshakes = sync.Pool{New: func() any { return new(handshake) }}
	heads            = sync.Pool{New: func() any { return new(head) }}
)

// head is the scratch of one accept call.
type head struct {
	req ws.Request // points into the connection's input
	out []byte     // the response
}

// Bounds of what a recycled head keeps: one for a request with many
// headers or a long response is not kept.
const (
	keepHeaders  = 32
	keepResponse = 1 << 10
)

func putHead(h *head) {
	if cap(h.req.Header) > keepHeaders || cap(h.out) > keepResponse {
		return
	}
	clear(h.req.Header) // the fields point into the connection's input
	*h = head{req: ws.Request{Header: h.req.Header[:0]}, out: h.out[:0]}
	heads.Put(h)
}

// dropHandshake ends c's handshake state; a Server's goes back to the
// pool. A Server's ws:// connection is left with no connExtra.
func (d *driver) dropHandshake(c *conn) {
	hs := c.hs()
	if hs == nil {
		return
	}
	if c.x == &hs.ext {
		c.x = nil
	} else {
		c.x.hs = nil
	}
	if d.srv != nil {
		*hs = handshake{}
		serverHandshakes.Put(hs)
	}
}

func (d *driver) OnOpen(ec *eventloop.Conn) {
	c, _ := ec.Context().(*conn)
	if c == nil { // accepted
		hs := serverHandshakes.Get().(*handshake)
		c = &conn{ec: ec}
		if d.tls != nil {
			c.x = &connExtra{hs: hs} // kept for the TLS layer
		} else {
			hs.ext.hs = hs
			c.x = &hs.ext
		}
		ec.SetContext(c)
		if err := d.srv.enterPending(c); err != nil {
			d.refuseEarly(c, err)
			return
		}
		c.hs().pending = true
		if t := d.opts.HandshakeTimeout; t > 0 { // negative (resolved 0): no bound
			_ = ec.SetDeadline(time.Now().Add(t))
		}
		if d.tls != nil {
			d.startTLS(c, false, d.tls)
		}
		return
	}
	c.ec = ec
	if c.hs().tls != nil {
		d.startTLS(c, true, c.hs().tls) // the request follows the handshake
		return
	}
	if _, err := ec.Write(c.hs().request); err != nil {
		c.dialed(err)
	}
}

// refuseEarly answers c, accepted and refused before its request head
// (enterPending's err), with 503 and closes it. It lingers (lingerHTTP)
// as every HTTP answer does: the request may be in or on its way, and
// closing with it unread would reset the connection, which can destroy
// the answer. A TLS client gets no plaintext answer.
func (d *driver) refuseEarly(c *conn, err error) {
	d.srv.Metrics.Rejected(503)
	if d.tls == nil {
		_, _ = c.ec.Write(ws.AppendReject(nil, 503, err.Error(), nil))
		d.closeHTTP(c)
		return
	}
	d.dropHandshake(c)
	_ = c.ec.Close()
}

func (d *driver) OnData(ec *eventloop.Conn, in []byte) int {
	c := ec.Context().(*conn)
	if c.lingering() {
		return d.discard(c, in)
	}
	if c.tls() != nil {
		return d.tlsData(c, in)
	}
	return d.onPlain(c, in)
}

// onPlain takes c's input (decrypted on a TLS connection): it returns how
// much it consumed (all, or 0 while a handshake head is incomplete).
func (d *driver) onPlain(c *conn, in []byte) (n int) {
	if !d.opts.PanicCrash {
		defer d.guard(c, &n, len(in))
	}
	if c.wsConn() != nil {
		c.enter()
		c.p.Feed(in, d.handler(c))
		c.leave(d)
		return len(in)
	}
	if c.hs() == nil || c.lingering() {
		return len(in) // failed or answered handshake, closing
	}
	var err error
	if d.srv != nil {
		n, err = d.accept(c, in)
	} else {
		n, err = d.response(c, in)
	}
	if err != nil || n == 0 {
		return 0
	}
	c.enter()
	if d.srv != nil {
		// Before OnOpen: a goroutine it starts may look at c.x (the
		// TLS state), which a ws:// connection's drop sets to nil.
		d.dropHandshake(c)
	}
	d.handler(c).OnOpen(c.wsConn())
	if d.srv == nil {
		c.dialed(nil) // a client's Dial returns after OnOpen
		d.dropHandshake(c)
	}
	if n < len(in) {
		c.p.Feed(in[n:], d.handler(c))
	}
	c.leave(d)
	return len(in)
}

// accept answers the opening handshake once its head is in; n == 0 means
// more input is needed (or the request was refused and ec closes).
func (d *driver) accept(c *conn, in []byte) (int, error) {
	hs := c.hs()
	h := heads.Get().(*head)
	defer putHead(h)
	n, err := serverhooks.ParseRequest(&h.req, in, hs.checked)
	if err == nil && n == 0 {
		hs.checked = len(in) // resumed there: linear in the head's size
		return 0, nil
	}
	if hs.pending {
		// The head is in (or refused): from here the connection counts
		// toward MaxConnections instead.
		hs.pending = false
		d.srv.leavePending(c)
		if err == nil && d.srv.HTTP != nil && !upgradeToWebSocket(&h.req) {
			if reason := badHost(&h.req, in); reason != "" {
				d.srv.Metrics.Rejected(400)
				_ = c.write(forMethod(&h.req, ws.AppendReject(nil, 400, reason, nil)))
				d.closeHTTP(c)
				return 0, errAnsweredHTTP
			}
			d.answerHTTP(c, &h.req)
			return 0, errAnsweredHTTP
		}
	}
	if err == nil {
		// Before admission: a request that is no valid upgrade gets its
		// own answer (426, 400...), and one from an origin not allowed
		// its 403, also when the server is full, and takes no slot, nor
		// asks Admit, on its way out. (Negotiate checks the origin
		// again: a request with none, most of them, costs nothing.)
		err = ws.CheckRequest(&h.req)
	}
	if err == nil && len(h.req.Origin) > 0 {
		err = ws.CheckOrigin(string(h.req.Origin), string(h.req.Host), d.opts.AllowedOrigins)
	}
	if err == nil {
		err = d.srv.admit()
		if err == nil {
			hs.admit, err = d.srv.admitAlso()
		}
		hs.admitted = err == nil
		if err != nil {
			err = &ws.HandshakeError{Status: 503, Reason: err.Error()}
		}
	}
	var acc ws.Accept
	if err == nil {
		acc, err = ws.NegotiateRequest(&h.req, c.ec, d.handler(c), d.opts)
	}
	if err != nil {
		if errors.Is(err, ws.ErrHandlerPanic) {
			d.srv.panics.Add(1)
		}
		var he *ws.HandshakeError
		if !errors.As(err, &he) {
			he = &ws.HandshakeError{Status: 400, Reason: err.Error()}
		}
		d.srv.Metrics.Rejected(he.Status)
		_ = c.write(forMethod(&h.req, ws.AppendReject(nil, he.Status, he.Reason, nil)))
		d.closeHTTP(c)
		return 0, err
	}
	h.out = ws.AppendResponse(h.out[:0], &h.req, acc.Protocol, acc.Extensions, ws.HeaderFields(acc.Header))
	if err := c.write(h.out); err != nil { // copies it
		d.fail(c)
		return 0, err
	}
	_ = c.ec.SetDeadline(time.Time{})
	d.judgeRefusals(c)
	c.p = ws.NewPushConn(c, ws.RoleServer, acc.Negotiated(), d.opts, d.bounds)
	c.wsConn().SetMetrics(d.srv.Metrics)
	d.srv.keepAdmit(c, hs.admit)
	d.srv.track(c)
	return n, nil
}

// upgradeToWebSocket reports whether r asks for a WebSocket: one of its
// Upgrade headers lists the token websocket. Another upgrade (h2c,
// TLS/1.0) is an ordinary request, as net/http takes it: a server need
// not upgrade (RFC 9110 7.8), and Server.HTTP answers it.
func upgradeToWebSocket(r *ws.Request) bool {
	for _, f := range r.Header {
		if !bytes.EqualFold(f.Name, []byte("Upgrade")) {
			continue
		}
		for t := range bytes.SplitSeq(f.Value, []byte(",")) {
			// OWS around (RFC 9110 5.6.3); ASCII case only (no
			// Unicode folding: the same length).
			if t = bytes.Trim(t, " \t"); len(t) == len("websocket") && bytes.EqualFold(t, []byte("websocket")) {
				return true
			}
		}
	}
	return false
}

// badHost returns why the Host of r, a plain request whose head starts
// in, is refused with 400, as net/http refuses it, or "": an HTTP/1.1
// request must have one (RFC 9112 3.2), and none may hold a byte that no
// authority holds (RFC 3986 3.2: a space, a quote, a brace...).
func badHost(r *ws.Request, in []byte) string {
	if r.Host == nil && !http10(in) {
		return "missing required Host header"
	}
	if !authority.Valid(r.Host) {
		return "malformed Host header"
	}
	return ""
}

// http10 reports whether the request head at the start of in, parsed
// (ParseRequest checked its request line), is an HTTP/1.0 request.
func http10(in []byte) bool {
	line, _, _ := bytes.Cut(in, []byte("\r\n"))
	return bytes.HasSuffix(line, []byte(" HTTP/1.0"))
}

// errAnsweredHTTP: the request was not an upgrade, and Server.HTTP
// answered it.
var errAnsweredHTTP = errors.New("wsloop: answered a plain HTTP request")

// answerHTTP sends Server.HTTP's answer to req and closes c once it is out.
// The answers queued take Server.httpQueued, up to maxHTTPQueued bytes in
// all (the connection gives its share back when it ends): one that does
// not fit now is answered 503, one that never fits 500, logged.
func (d *driver) answerHTTP(c *conn, req *ws.Request) {
	r := d.srv.HTTP(req)
	if r.Status == 0 {
		r.Status = 200
	}
	if r.Status < 200 || r.Status > 999 {
		// Not a final status (a 1xx is interim, and 101 would claim an
		// upgrade) or not three digits: net/http's handlers cannot answer
		// with one either.
		d.opts.Logger.Error("wsloop: Server.HTTP's answer has no final status; 500 sent instead", "remote", c.ec.RemoteAddr().String(),
			"target", string(req.Target), "status", r.Status)
		r = HTTPResponse{Status: 500, Body: []byte("bad response status\n")}
	}
	var out []byte
	if len(r.Body) <= int(d.srv.maxQueued) {
		out = forMethod(req, ws.AppendHTTPResponse(nil, r.Status, r.Header, r.Body))
	}
	switch n := int64(len(out)); {
	case n == 0 || n > d.srv.maxQueued:
		d.opts.Logger.Error("wsloop: Server.HTTP's answer is too large; 500 sent instead", "remote", c.ec.RemoteAddr().String(),
			"target", string(req.Target), "status", r.Status, "body", len(r.Body), "max", d.srv.maxQueued)
		out = forMethod(req, ws.AppendHTTPResponse(out[:0], 500, nil, []byte("response too large\n")))
	case d.srv.httpQueued.Add(n) > d.srv.maxQueued:
		d.srv.httpQueued.Add(-n)
		d.srv.Metrics.Rejected(503)
		out = forMethod(req, ws.AppendReject(out[:0], 503, "too many answers being sent", nil))
	default:
		c.hs().queued = n // endHandshake gives it back
	}
	_ = c.write(out)
	d.closeHTTP(c)
}

// forMethod returns resp, an HTTP response to req, without its content if
// req is a HEAD request: the same header lines, Content-Length included
// (RFC 9110 §9.3.2). The head ends at its first empty line: no header
// line holds a line break.
func forMethod(req *ws.Request, resp []byte) []byte {
	if string(req.Method) != "HEAD" {
		return resp
	}
	if i := bytes.Index(resp, []byte("\r\n\r\n")); i >= 0 {
		return resp[:i+len("\r\n\r\n")]
	}
	return resp
}

// closeHTTP closes c after its HTTP exchange: the server's answer
// (Server.HTTP's, or a refused handshake), or a client's refusal of the
// server's. On wss:// a close_notify goes first, as after a WebSocket's
// close (RFC 8446 6.1; a strict peer reading to the end takes a bare EOF
// for a truncation). A server lingers (lingerHTTP).
func (d *driver) closeHTTP(c *conn) {
	c.st.Or(sShut) // sent: the peer's close_notify is not answered again (tlsEnd)
	c.closeNotify()
	if d.srv == nil {
		d.fail(c)
		return
	}
	d.lingerHTTP(c)
}

// Bounds of a server's lingering close after an HTTP answer: the input it
// discards, and for how long (or Options.CloseTimeout if shorter); and how
// many connections linger at once (Server.HTTP's answers and refusals,
// those before the request head too: they hold no slot, and nothing else
// bounds their number): more are closed at once, their answer at the
// mercy of a reset.
const (
	httpLingerBytes = 8 << 20
	httpLingerTime  = time.Second
	maxHTTPLingers  = 256
	maxHTTPQueued   = 64 << 20 // Server.HTTP's answers being sent, in all
)

// lingerHTTP ends a server's HTTP exchange on c without destroying its
// answer: the request's body, or a pipelined request, may still be on its
// way, and closing with input unread makes the kernel reset the
// connection, which may destroy the answer before the client reads it (or
// fail the client's write of its body first). So the write side is shut
// once the answer is out (FIN), and the input discarded (discard) until
// the client closes, httpLingerBytes at most, and for httpLingerTime once
// the answer is out.
// The connection holds no slot meanwhile; past the server's bound of
// lingering connections (maxHTTPLingers) it is closed at once.
func (d *driver) lingerHTTP(c *conn) {
	hs := c.hs()
	if hs.pending {
		hs.pending = false
		d.srv.leavePending(c)
	}
	if hs.admitted {
		hs.admitted = false
		d.srv.releaseAll(hs.admit)
		hs.admit = nil
	}
	if d.srv.lingers.Add(1) > d.srv.maxLingers {
		d.srv.lingers.Add(-1)
		d.fail(c)
		return
	}
	hs.lingers = true // endHandshake gives it back
	if c.ec.CloseWrite() != nil {
		d.fail(c)
		return
	}
	hs.linger = httpLingerBytes
	if c.ec.Queued() == 0 {
		d.lingerSent(c)
		return
	}
	// The answer is still on its way (larger than the socket's buffer, to
	// a slow reader): a deadline now would cut it. It is sent under the
	// handshake's bound, from now; the lingering time starts once it is
	// out (OnWritable).
	var at time.Time // HandshakeTimeout off: no bound
	if t := d.opts.HandshakeTimeout; t > 0 {
		at = time.Now().Add(t)
	}
	_ = c.ec.SetDeadline(at)
	c.ec.NotifyWritable()
}

// lingerSent starts the lingering time of c, whose HTTP answer is out:
// httpLingerTime, or Options.CloseTimeout if shorter.
func (d *driver) lingerSent(c *conn) {
	t := httpLingerTime
	if ct := d.opts.CloseTimeout; ct > 0 { // negative (resolved 0): no bound
		t = min(t, ct)
	}
	_ = c.ec.SetDeadline(time.Now().Add(t))
}

// lingering reports whether c discards its input after an HTTP answer.
func (c *conn) lingering() bool {
	hs := c.hs()
	return hs != nil && hs.linger > 0
}

// discard drops in, input that came after c's HTTP answer (lingerHTTP),
// and closes c past httpLingerBytes.
func (d *driver) discard(c *conn, in []byte) int {
	hs := c.hs()
	if hs.linger -= len(in); hs.linger <= 0 {
		hs.linger = 1 // still lingering until OnClose
		_ = c.ec.Close()
	}
	return len(in)
}

// response checks the server's answer to a client's handshake.
func (d *driver) response(c *conn, in []byte) (int, error) {
	hs := c.hs()
	n, err := ws.ParseResponse(&hs.resp, in, ws.HandshakeLimits{})
	if err == nil && n == 0 {
		return 0, nil
	}
	var neg ws.Negotiated
	if err == nil {
		neg, err = ws.CheckResponse(&hs.resp, hs.key, d.opts.Subprotocols, d.opts.Extensions)
	}
	if err != nil {
		c.dialed(err)
		d.closeHTTP(c)
		return 0, err
	}
	_ = c.ec.SetDeadline(time.Time{})
	d.judgeRefusals(c)
	c.p = ws.NewPushConn(c, ws.RoleClient, neg, d.opts, d.bounds)
	return n, nil
}

// dialed reports the outcome of a client handshake to Dial, once.
func (c *conn) dialed(err error) {
	if c.hs() != nil && c.hs().done != nil {
		c.hs().done <- err
		c.hs().done = nil
	}
}

// fail ends a connection whose handshake failed.
func (d *driver) fail(c *conn) {
	d.endHandshake(c)
	_ = c.ec.Close()
}

// endHandshake gives back what a handshake held: its pending or
// connection slot.
func (d *driver) endHandshake(c *conn) {
	if hs := c.hs(); hs != nil {
		if hs.pending {
			d.srv.leavePending(c)
		}
		if hs.lingers {
			d.srv.lingers.Add(-1)
		}
		if hs.queued > 0 {
			d.srv.httpQueued.Add(-hs.queued)
		}
		if hs.admitted {
			d.srv.releaseAll(hs.admit)
		}
	}
	d.dropHandshake(c)
}

// guard contains a panic of the Handler in a callback of the loop (unless
// ws.Options.PanicCrash): the connection is closed with 1011 (its OnClose
// follows as usual), the panic is logged and counted, and the loop goes on
// with its other connections. A panic must not stop a loop that serves
// thousands of them.
func (d *driver) guard(c *conn, n *int, all int) {
	v := recover()
	if v == nil {
		return
	}
	*n = all
	d.panicked(c, v)
	if c.wsConn() == nil {
		c.dialed(errors.New("wsloop: handler panicked"))
		d.fail(c)
		return
	}
	_ = c.wsConn().Close(ws.StatusInternalError, "")
	c.dialed(errors.New("wsloop: handler panicked")) // a client's OnOpen
	d.dropHandshake(c)
	if c.st.Load()&sInCB != 0 {
		c.leave(d) // send the close frame now
	}
}

func (d *driver) OnWritable(ec *eventloop.Conn) {
	c := ec.Context().(*conn)
	if c.lingering() {
		// The HTTP answer has drained to the low watermark (lingerHTTP):
		// what is left fits the socket's buffer.
		if c.ec.Queued() > d.bounds.Low {
			c.ec.NotifyWritable() // woken for another reason
		} else {
			d.lingerSent(c)
		}
		return
	}
	if c.tls() != nil && !c.tls().open {
		d.tlsHandshaken(c)
		return
	}
	c.enter()
	resume := c.st.And(^sResume)&sResume != 0
	if resume && c.wsConn() != nil {
		d.resume(c)
	}
	c.leave(d)
}

// resume goes on with c's input after a message was decoded off the loop
// (ws.FeedResumer): it may call the Handler, under the same guard as
// OnData.
func (d *driver) resume(c *conn) {
	if !d.opts.PanicCrash {
		var n int
		defer d.guard(c, &n, 0)
	}
	c.p.Resume(d.handler(c))
}

func (d *driver) OnClose(ec *eventloop.Conn, err error) {
	c, _ := ec.Context().(*conn)
	if c == nil {
		return
	}
	c.gone()
	err = c.tlsClosed(err)
	if c.wsConn() == nil {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		c.dialed(err)
		d.endHandshake(c)
		return
	}
	if err == nil {
		err = ws.ErrClosed
	}
	if d.srv != nil {
		defer d.srv.untrack(c)
	}
	if !d.opts.PanicCrash {
		defer d.closeGuard(c)
	}
	c.p.FeedEnd(d.handler(c), err)
}

// closeGuard contains a panic of OnClose called from OnClose of the loop;
// the connection is over already.
func (d *driver) closeGuard(c *conn) {
	if v := recover(); v != nil {
		d.panicked(c, v)
	}
}
