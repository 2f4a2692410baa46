package wsloop

import (
	"errors"
	"io"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// driver is the eventloop.Handler under a Server or a Client: it runs the
// opening handshake on the loop, then pushes every input to the ws.Conn.
type driver struct {
	srv    *Server // nil for a Client
	opts   *ws.Options
	bounds ws.OutputBounds // the loop's write watermarks
}

// handshake is the state of a connection before it is a ws.Conn.
type handshake struct {
	req     ws.Request  // server: reused while the request head arrives
	release func()      // server: the connection slot
	key     string      // client: Sec-WebSocket-Key
	request []byte      // client: the request to send
	done    chan error  // client: the outcome, for Dial
	resp    ws.Response // client
}

func (d *driver) OnOpen(ec *eventloop.Conn) {
	c, _ := ec.Context().(*conn)
	if c == nil { // accepted
		c = &conn{d: d, ec: ec, h: d.srv.Handler, hs: &handshake{}}
		ec.SetContext(c)
		release, err := d.srv.admit()
		if err != nil {
			_, _ = ec.Write(ws.AppendReject(nil, 503, err.Error(), nil))
			_ = ec.Close()
			return
		}
		c.hs.release = release
		_ = ec.SetDeadline(time.Now().Add(d.opts.HandshakeTimeout))
		return
	}
	c.ec = ec
	if _, err := ec.Write(c.hs.request); err != nil {
		c.dialed(err)
	}
}

func (d *driver) OnData(ec *eventloop.Conn, in []byte) int {
	c := ec.Context().(*conn)
	if c.c != nil {
		c.enter()
		c.c.Feed(in, c.h)
		c.leave()
		return len(in)
	}
	if c.hs == nil {
		return len(in) // failed handshake, closing
	}
	var n int
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
	c.h.OnOpen(c.c)
	c.dialed(nil) // a client's Dial returns after OnOpen
	c.hs = nil
	if n < len(in) {
		c.c.Feed(in[n:], c.h)
	}
	c.leave()
	return len(in)
}

// accept answers the opening handshake once its head is in; n == 0 means
// more input is needed (or the request was refused and ec closes).
func (d *driver) accept(c *conn, in []byte) (int, error) {
	hs := c.hs
	n, err := ws.ParseRequest(&hs.req, in, ws.HandshakeLimits{})
	if err == nil && n == 0 {
		return 0, nil
	}
	if err == nil {
		err = ws.CheckRequest(&hs.req)
	}
	var acc ws.Accept
	if err == nil {
		acc, err = ws.Negotiate(ws.NewConnectRequest(&hs.req, c.ec.RemoteAddr()), c.h, d.opts)
	}
	if err != nil {
		var he *ws.HandshakeError
		if !errors.As(err, &he) {
			he = &ws.HandshakeError{Status: 400, Reason: err.Error()}
		}
		_, _ = c.ec.Write(ws.AppendReject(nil, he.Status, he.Reason, nil))
		c.fail()
		return 0, err
	}
	resp := ws.AppendResponse(nil, &hs.req, acc.Protocol, acc.Extensions, ws.HeaderFields(acc.Header))
	if _, err := c.ec.Write(resp); err != nil {
		c.fail()
		return 0, err
	}
	_ = c.ec.SetDeadline(time.Time{})
	c.c = ws.NewPushConn(c, ws.RoleServer, acc.Negotiated(), d.opts, d.bounds)
	d.srv.track(c, hs.release)
	return n, nil
}

// response checks the server's answer to a client's handshake.
func (d *driver) response(c *conn, in []byte) (int, error) {
	hs := c.hs
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
		c.fail()
		return 0, err
	}
	_ = c.ec.SetDeadline(time.Time{})
	c.c = ws.NewPushConn(c, ws.RoleClient, neg, d.opts, d.bounds)
	return n, nil
}

// dialed reports the outcome of a client handshake to Dial, once.
func (c *conn) dialed(err error) {
	if c.hs != nil && c.hs.done != nil {
		c.hs.done <- err
		c.hs.done = nil
	}
}

// fail ends a connection whose handshake failed.
func (c *conn) fail() {
	if c.hs != nil && c.hs.release != nil {
		c.hs.release()
	}
	c.hs = nil
	_ = c.ec.Close()
}

func (d *driver) OnWritable(ec *eventloop.Conn) {
	c := ec.Context().(*conn)
	c.enter()
	c.leave()
}

func (d *driver) OnClose(ec *eventloop.Conn, err error) {
	c, _ := ec.Context().(*conn)
	if c == nil {
		return
	}
	c.gone()
	if c.c == nil {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		c.dialed(err)
		if c.hs != nil && c.hs.release != nil {
			c.hs.release()
		}
		c.hs = nil
		return
	}
	if err == nil {
		err = ws.ErrClosed
	}
	c.c.FeedEnd(c.h, err)
	if d.srv != nil {
		d.srv.untrack(c)
	}
}
