package websocket

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/ws"
)

// WAMP pushed by the event loop: LoopReceiver decodes every message in the
// loop's OnMessage, straight from the payload ws hands over, and calls the
// Receiver there. Nothing is copied (the serializers copy what a message
// keeps: strings and binary values; wamp.Serializer.Unmarshal does not
// keep its input, and SplitBatched only slices it), nothing is queued, and
// a connection costs no goroutine. SendNow is the matching write: it
// queues and returns, never waiting.

// Receiver takes the messages of a LoopReceiver server's connections,
// decoded, on the loop goroutine that owns each connection. Its methods
// must not block: a slow callback holds up every connection of its loop.
// For one connection the calls never overlap and come in order: OnOpen,
// OnMessage per WAMP message, OnClose once.
//
// The callbacks may call SendNow on any connection, Close, PauseRead and
// ResumeRead; never Send (it may wait for room, and only the loop it
// would hold up makes room) nor Recv.
type Receiver interface {
	// OnOpen: the WAMP transport is up, c.Subprotocol() chosen. It is the
	// place to SetData the connection's state.
	OnOpen(c *Conn)
	// OnMessage hands over one WAMP message (each of a batch in turn, in
	// order); m is the receiver's to keep, it shares nothing with the
	// connection's buffers.
	OnMessage(c *Conn, m wamp.Message)
	// OnClose: the connection ended; err is what Recv would have returned
	// at the end (see LoopReceiver). No OnMessage follows.
	OnClose(c *Conn, err error)
}

// LoopReceiver returns the ws.Handler of a WAMP server on the event loop
// that has no goroutine per connection: every message is decoded on the
// loop and handed to r, for a router that routes a message by a function
// call from there.
//
//	srv := &wsloop.Server{Handler: websocket.LoopReceiver(opts, r), Options: opts.WS}
//
// Its OnConnect chooses the subprotocol as LoopHandler's does. A message
// that does not decode (a frame of the wrong type, malformed WAMP, a bad
// batch) ends the connection: no more messages are delivered, the
// WebSocket is closed with 1003 (unsupported data) for a frame of the
// wrong type, 1007 (invalid payload data) for the rest, and OnClose
// reports the error Recv returns for it (matching wamp.ErrProtocolViolation,
// and ErrFrameType or wamp.ErrBatchFormat where they apply). A batch is
// decoded whole before its first message is delivered, so a bad batch
// delivers none. Otherwise OnClose's err is as Recv's: ErrClosed after
// Close, an error matching io.EOF and ws.ErrClosed when the peer closed
// (errors.As finds the *ws.CloseError), one matching ws.ErrClosed and the
// cause, not io.EOF, when this side's loop dropped the connection (its
// IdleTimeout: eventloop.ErrTimeout, ...), ErrMessageTooLarge for a message
// over opts.WS.MaxMessagePayload.
//
// Output is the loop's queue: SendNow from anywhere, Send from goroutines
// only. opts.WS should be the server's ws.Options (MaxMessagePayload
// bounds what SendNow and Send send). opts.InboxBytes and InboxMessages
// are not used: nothing is queued on the way in. To hold back a peer whose
// messages cannot be handled yet, PauseRead its connection.
func LoopReceiver(opts Options, r Receiver) *LoopServer {
	return &LoopServer{opts: opts, recv: r}
}

// errReceiverRecv: Recv on a LoopReceiver connection.
var errReceiverRecv = fmt.Errorf("websocket: the messages of a LoopReceiver connection go to its Receiver: %w", ws.ErrPushMode)

// errNotLoop: SendNow on a connection that is not on the event loop.
var errNotLoop = errors.New("websocket: SendNow needs a connection on the event loop (LoopReceiver, LoopHandler, DialLoop); use Send")

// openReceiver wraps a new connection of a LoopReceiver server and tells
// the Receiver.
func (h *LoopServer) openReceiver(wc *ws.Conn) {
	c, err := newConn(wc, h.opts, true)
	if err != nil { // cannot happen: OnConnect chose one of opts'
		_ = wc.Close(ws.StatusProtocolError, "no WAMP subprotocol")
		return
	}
	c.recv = h.recv
	c.header = takeHeader(wc)
	wc.SetData(c)
	h.recv.OnOpen(c)
}

// dispatch decodes a received WebSocket message and hands its WAMP
// messages to the Receiver, on the loop. p is ws's buffer, valid only
// during the call: the decoded messages do not refer to it.
func (c *Conn) dispatch(p []byte, binary bool) {
	if c.failed != nil || c.isClosed() {
		return // input read before the close frame went out
	}
	if binary != c.ser.Binary() {
		c.fail(ErrFrameType, ws.StatusUnsupportedData)
		return
	}
	if !c.batched {
		m, err := c.ser.Unmarshal(p)
		if err != nil {
			c.fail(violation(err), ws.StatusInvalidFramePayloadData)
			return
		}
		c.recv.OnMessage(c, m)
		return
	}
	// The whole batch first, as Recv does: a bad one delivers nothing. The
	// slice is the connection's, reused from batch to batch.
	q := c.queue[:0]
	err := wamp.SplitBatched(c.ser, p, func(m wamp.Message) error {
		q = append(q, m)
		return nil
	})
	if err != nil {
		clear(q)
		c.queue = q[:0]
		c.fail(violation(err), ws.StatusInvalidFramePayloadData)
		return
	}
	for _, m := range q {
		if c.isClosed() {
			break // the Receiver closed the connection
		}
		c.recv.OnMessage(c, m)
	}
	clear(q) // the messages are the Receiver's: the slice must not keep them alive
	if cap(q) > 1024 {
		q = nil // let a huge batch's slice go
	}
	c.queue = q[:0]
}

// fail ends a LoopReceiver connection whose peer sent what does not
// decode: the closing handshake with code, and err for OnClose.
func (c *Conn) fail(err error, code ws.StatusCode) {
	c.failed = err
	// The reason must be UTF-8 (a decoder's message may quote the bad
	// input); ws cuts it to what a close frame holds.
	_ = c.c.Close(code, strings.ToValidUTF8("WAMP: "+err.Error(), "?"))
}

// ended tells the Receiver how the connection ended.
func (c *Conn) ended(end error) {
	err := c.failed
	if err == nil {
		err = c.recvErr(context.Background(), end)
	}
	c.recv.OnClose(c, err)
}

// SendNow serializes m as Send does and queues it on a connection of the
// event loop (LoopReceiver, LoopHandler, DialLoop), without ever waiting:
// it is the write for Receiver callbacks, and safe from any goroutine.
// Past the connection's output bound (the loop's write watermarks; see
// ws.OutputBounds) it fails with ws.ErrQueueFull, returned as is: nothing
// was queued and the connection stays open, its peer reading too slowly.
// What to do then is the caller's policy: drop the message, close the
// connection, or hand the message to a goroutine that calls Send, which
// waits for room. Like Send it refuses a message over MaxMessagePayload
// (ErrMessageTooLarge) or a JSON one that is not UTF-8 (ws.ErrInvalidUTF8);
// after Close it returns ErrClosed. On a connection of Dial, Accept or New
// it fails: use Send. An *wamp.Encoded goes as SendEncoded sends it.
func (c *Conn) SendNow(m wamp.Message) error {
	if !c.loop {
		return errNotLoop
	}
	if c.isClosed() {
		return ErrClosed
	}
	bp, b, err := c.encode(m)
	defer putEncodeBuf(bp)
	if err != nil {
		return err
	}
	// In push mode WriteMessage frames the message into the connection's
	// queue (a copy: the buffer goes back to the pool) and returns; the
	// context only matters to writes that wait.
	if err := c.c.WriteMessage(context.Background(), c.op, b); err != nil {
		if c.isClosed() {
			return ErrClosed
		}
		return err
	}
	return nil
}

// PauseRead stops the loop reading a LoopReceiver connection until
// ResumeRead: TCP flow control then holds the peer back, for a Receiver
// that cannot take its messages yet (a router whose destination is full).
// Messages already read may still come to OnMessage. Safe from any
// goroutine, it never waits. It does nothing after Close (the loop must
// read the peer's answer to the close frame) and on other connections (on
// those of LoopHandler and DialLoop the inbox pauses and resumes reading
// itself).
func (c *Conn) PauseRead() {
	if c.loop && c.recv != nil && !c.isClosed() {
		c.c.PauseRead()
		// A Close that came meanwhile may have resumed reading before
		// this pause: undo it. (Close marks the Conn closed before its
		// closing handshake resumes reading.)
		if c.isClosed() {
			c.c.ResumeRead()
		}
	}
}

// ResumeRead undoes PauseRead.
func (c *Conn) ResumeRead() {
	if c.loop && c.recv != nil {
		c.c.ResumeRead()
	}
}

// SetData keeps v with the connection, for a Receiver's own state (a
// session): set it in OnOpen; the callbacks that follow read it with Data.
// It is not synchronized: other goroutines must get v some other way.
func (c *Conn) SetData(v any) { c.data = v }

// Data returns what SetData kept, or nil.
func (c *Conn) Data() any { return c.data }
