package ws

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrPushMode: ReadMessage and NextReader are not available on a connection
// whose input a driver pushes (Feed); its Handler receives the messages.
var ErrPushMode = errors.New("ws: connection is driven by its Handler (push mode)")

// NewPushConn returns an event-loop driver's handle on a new Conn, its
// opening handshake complete, whose input the driver reads itself and
// hands over with Feed, and whose output it takes with TakeOutput when out
// says there is some (see PushOutput). The Conn (PushConn.Conn) is what
// the Handler gets: its writes never wait; they queue whole frames within
// bounds and return (ErrQueueFull past them), and goroutines that want to
// wait for room call WaitWritable. The keepalive timer starts unless opts
// turn it off.
func NewPushConn(out PushOutput, role Role, neg Negotiated, opts *Options, bounds OutputBounds) PushConn {
	return PushConn{newConn(out, role, nil, neg, opts, &bounds)}
}

// PushConn is an event-loop driver's handle on a push-mode Conn: the calls
// that move bytes in and out, which are the driver's alone (handlers get
// the *Conn). The zero value is no connection.
type PushConn struct{ c *Conn }

// Conn returns the connection the Handler sees.
func (p PushConn) Conn() *Conn { return p.c }

// TakeOutput returns the frames queued for sending, in order, or nil when
// there are none. The bytes are the driver's until it hands the buffer back
// with PutOutput. It is cheap when nothing is queued.
func (p PushConn) TakeOutput() *[]byte { return p.c.takeOutput() }

// OutputSent tells the Conn how many of the bytes taken with TakeOutput
// the driver still holds (its own write queue). The driver calls it after
// sending what it took, and when its queue drained. It wakes the
// goroutines in WaitWritable once the pending bytes fell to the low
// watermark; notify reports that some still wait, and then the driver
// calls OutputSent again when its own queue falls to its low watermark (an
// event loop's writable notification), not before.
func (p PushConn) OutputSent(held int) (notify bool) { return p.c.outputSent(held) }

// readPauser is the optional part of a PushOutput that pauses reading.
type readPauser interface {
	PauseRead()
	ResumeRead()
}

// PauseRead asks the driver of a push-mode Conn to stop reading its input
// until ResumeRead (it does nothing once the close frame is sent: the
// peer's answer must be read): the kernel's buffers fill and TCP flow control holds
// the peer back, instead of a consumer that lags having to drop messages or
// the connection. On a driver that can hold input (a FeedResumer: wsloop),
// no message comes to OnMessage after the one under way when PauseRead is
// called, until ResumeRead; with other drivers messages already read may
// still come. It is
// safe from any goroutine and never waits. It does nothing on a Conn that
// is not in push mode (its reader pauses by not reading) or whose driver
// cannot pause.
func (c *Conn) PauseRead() { c.pause(flagUPause, true) }

// ResumeRead undoes PauseRead. (Reading stays paused while a message of
// the connection is being decoded off the loop.)
func (c *Conn) ResumeRead() { c.pause(flagUPause, false) }

// pause sets one reason to pause reading, the user's (flagUPause) or the
// decoding's (flagOPause), and tells the driver when the sum changes.
func (c *Conn) pause(reason connFlags, v bool) {
	p, ok := c.nc.(readPauser)
	if !ok || !c.push {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v && reason == flagUPause && c.has(flagCloseSent) {
		// Closing: the loop must read the peer's answer to the close
		// frame (Close resumed reading for it), and what comes before
		// it is dropped anyway.
		return
	}
	was := c.has(flagUPause | flagOPause)
	c.setFlag(reason, v)
	switch now := c.has(flagUPause | flagOPause); {
	case now && !was:
		p.PauseRead()
	case was && !now:
		c.resumed()
		p.ResumeRead()
		if r, ok := p.(FeedResumer); ok && reason == flagUPause {
			// Input held since the pause (holdInput) is parsed on the
			// driver's loop, in Resume.
			r.ResumeFeed()
		}
	}
}

// resumed restarts the keepalive's and the message timeout's clocks when
// reading resumes after a pause (which stops both, see keepalive): the
// peer could not be heard while paused. c.mu is held.
func (c *Conn) resumed() {
	now := time.Now()
	c.lastRead.Store(c.clock.stamp(now))
	if c.msgStart.Load() != 0 {
		c.msgStart.Store(c.clock.msgStamp(now))
	}
}

// CloseNow drops the connection at once, without a closing handshake
// (the peer sees the TCP connection end: 1006).
func (c *Conn) CloseNow() error {
	c.drop(ErrClosed)
	return nil
}

// Feed parses input read from the connection: it answers pings, reassembles
// and decodes messages, calls h.OnMessage for each (from the calling
// goroutine; the payload is valid only during the call) and, when the
// connection ends — a close frame, a protocol fault, or an earlier end —
// h.OnClose, once. It reports whether the connection is still open. All of
// in is consumed; Feed modifies it in place (unmasking). Calls for one Conn
// must not overlap.
func (p PushConn) Feed(in []byte, h Handler) bool {
	c := p.c
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.told {
		return false
	}
	if len(in) > 0 {
		c.lastRead.Store(c.clock.stamp(time.Now()))
	}
	if rs := c.readState; rs != nil && rs.off != nil {
		o := rs.off
		// A piece is being decoded off the loop (offload.go): keep the
		// input, in order, for Resume.
		o.backlog = append(o.backlog, in...)
		return true
	}
	owned := false // in is the driver's
	if rs := c.readState; rs != nil && rs.held != nil {
		// Input held since PauseRead: this comes after it.
		rs.held = append(rs.held, in...)
		if c.userPaused() {
			return true
		}
		in, rs.held, owned = rs.held, nil, true
	}
	return c.feedLocked(in, owned, h)
}

// userPaused reports whether PauseRead is in force.
func (c *Conn) userPaused() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.has(flagUPause)
}

// holdInput keeps in, the input after a message whose OnMessage paused
// reading (PauseRead), for Resume or the next Feed after ResumeRead,
// where a driver can call Resume (a FeedResumer that pauses reading): the
// driver stops reading, and so a consumer that pauses when it has enough
// (a WAMP session's inbox) is not handed the rest of a read that may hold
// thousands of messages. What is held is bounded by what the driver read
// before its pause took effect (about one read). c.rmu must be held.
func (c *Conn) holdInput(in []byte) bool {
	if _, ok := c.nc.(offloadDriver); !ok || !c.userPaused() {
		return false
	}
	c.held = append([]byte(nil), in...)
	return true
}

// feedLocked is Feed's parsing, also Resume's; owned says whether in is
// the Conn's own (held or backlog input), not the driver's buffer, so
// that what follows a piece decoded off the loop is kept without a copy
// (else a message in tiny fragments copied the rest of the input once per
// fragment: quadratic work on the loop). c.rmu must be held. The
// readState and its Parser are held only while a frame or a message is
// under way: between messages they go back to readStatePool together
// (one pool round trip per input, as for the Parser alone), so that an
// idle connection does not carry them. (While a message is decoded off
// the loop the readState stays, and its Parser goes back to parserPool.)
func (c *Conn) feedLocked(in []byte, owned bool, h Handler) bool {
	if c.readState == nil {
		rs := readStatePool.Get().(*readState)
		rs.parser.Reset(c.parserConfig())
		c.readState = rs
	} else if c.parser == nil {
		c.parser = parserPool.Get().(*Parser)
		c.parser.Reset(c.parserConfig())
	}
	open := c.feedParse(in, owned, h)
	if p := c.parser; p.idle() {
		p.release()
		if rs := c.readState; rs.msg == nil && rs.off == nil && rs.msgCharge == 0 && rs.held == nil {
			readStatePool.Put(rs)
			c.readState = nil
		} else {
			parserPool.Put(p)
			c.parser = nil
		}
	}
	return open
}

// parserPool holds the Parsers of push-mode connections between messages.
var parserPool = sync.Pool{New: func() any { return new(Parser) }}

// feedParse is feedLocked's loop.
func (c *Conn) feedParse(in []byte, owned bool, h Handler) bool {
	decoded := 0 // decoded on this goroutine in this pass
	for {
		if err := c.finished(); err != nil {
			c.end(h, err)
			return false
		}
		n, ev, err := c.parser.Parse(in)
		in = in[n:]
		if err != nil {
			c.end(h, c.fail(err))
			return false
		}
		switch ev.Kind {
		case EventNone:
			if len(in) == 0 {
				return true
			}
		case EventData:
			if c.offloads(ev, decoded) {
				c.startOffload(ev, in, owned)
				return true
			}
			before := c.msgLen()
			msg, done, err := c.collect(ev)
			if err != nil {
				c.end(h, err)
				return false
			}
			if c.mdec {
				decoded += c.msgLen() - before // msg is nil until the message is done
			}
			if done {
				c.metrics.Received(len(msg))
				h.OnMessage(c, c.mop, msg)
				c.releaseMsg()
				if len(in) > 0 && c.holdInput(in) {
					return true
				}
			}
		case EventPing:
			if err := c.pushControl(OpPong, ev.Payload); err != nil && !errors.Is(err, ErrClosed) {
				c.end(h, err)
				return false
			}
		case EventPong:
			if ph, ok := h.(PongHandler); ok {
				ph.OnPong(c, ev.Payload)
			}
			c.quietPong()
		case EventClose:
			c.end(h, c.peerClosed(ev))
			return false
		}
	}
}

// PongHandler is the optional part of a Handler that sees pongs: a
// push-mode driver (wsloop) calls OnPong for every pong frame, on the
// connection's goroutine like OnMessage; the payload is valid only during
// the call. (A reader on goroutines handles pongs inside ReadMessage.)
type PongHandler interface {
	OnPong(c *Conn, payload []byte)
}

// msgLen is the length of the message gathered so far.
func (c *Conn) msgLen() int {
	if c.msg == nil {
		return 0
	}
	return len(*c.msg)
}

// FeedEnd tells a push-mode Conn that its transport is gone (the peer
// closed it, a timeout, an I/O error: cause). Unless the connection already
// ended, it is dropped and h.OnClose is called. It is what the driver calls
// when its socket closes, whoever closed it.
func (p PushConn) FeedEnd(h Handler, cause error) {
	c := p.c
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.told {
		return
	}
	c.end(h, c.drop(cause))
}

// end tells h how the connection ended, once. c.rmu must be held.
func (c *Conn) end(h Handler, err error) {
	c.told = true
	if rs := c.readState; rs != nil {
		rs.held = nil
	}
	if rs := c.readState; rs != nil && (rs.off == nil || rs.off.done) {
		rs.off = nil
		c.releaseMsg()
	} // else none is under way, or the decoding goroutine owns the message and releases it

	// Even if OnClose panics (and the driver contains it), the connection
	// must not outlive its OnClose.
	defer c.shutdown()
	closed(c, h, err)
}

// NewKey returns a fresh Sec-WebSocket-Key.
func NewKey() string {
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	return base64.StdEncoding.EncodeToString(raw[:])
}

// AppendRequest appends the client's opening handshake for u (a ws or wss
// URL) to dst: key (NewKey), and the subprotocols, extension offers and
// extra headers of opts. A Host in opts.Header replaces u's host (a
// request carries one Host). A subprotocol must be a token (RFC 6455
// §4.1, as a browser's WebSocket requires); a header, free of line
// breaks. CheckResponse checks the answer.
func AppendRequest(dst []byte, u *url.URL, key string, opts *Options) ([]byte, error) {
	host := u.Host
	if opts != nil {
		for _, p := range opts.Subprotocols {
			if p == "" || !isToken([]byte(p)) {
				return dst, errors.New("ws: subprotocol " + strconv.Quote(p) + " is not a token")
			}
		}
		for k, vs := range opts.Header {
			if strings.EqualFold(k, "Host") && len(vs) > 0 {
				host = vs[0]
			}
		}
	}
	if strings.ContainsAny(host, "\r\n") {
		return dst, errors.New("ws: header contains a line break")
	}
	b := bytes.NewBuffer(dst)
	b.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n")
	if opts != nil {
		if len(opts.Subprotocols) > 0 {
			b.WriteString("Sec-WebSocket-Protocol: " + strings.Join(opts.Subprotocols, ", ") + "\r\n")
		}
		if len(opts.Extensions) > 0 {
			b.WriteString("Sec-WebSocket-Extensions: " + offerExtensions(opts.Extensions) + "\r\n")
		}
		for k, vs := range opts.Header {
			if strings.EqualFold(k, "Host") {
				continue // written above
			}
			for _, v := range vs {
				if strings.ContainsAny(k+v, "\r\n") {
					return dst, errors.New("ws: header contains a line break")
				}
				b.WriteString(k + ": " + v + "\r\n")
			}
		}
	}
	b.WriteString("\r\n")
	return b.Bytes(), nil
}
