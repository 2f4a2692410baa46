package rawsocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/internal/idlepoll"
	"github.com/autobahn-go/autobahn/internal/rawio"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/internal/coalesce"
)

// Options configure a client connection (and the shared parts of a server one).
type Options struct {
	// Serializer is the one the client asks for. Required for Dial and Client.
	Serializer wamp.Serializer
	// MaxMessageLen is the largest message we accept; rounded up to a power
	// of two in 512..16 MiB. Zero means 16 MiB.
	MaxMessageLen int
	// HandshakeTimeout bounds the opening handshake; zero means 10 s.
	HandshakeTimeout time.Duration
	// TLSConfig, if set, makes Dial use TLS.
	TLSConfig *tls.Config
	// WriteTimeout bounds each write of queued frames; a peer that reads
	// nothing for that long loses the connection. Zero means
	// DefaultWriteTimeout (30 s).
	WriteTimeout time.Duration
	// WriteQueue is how many queued octets make Send wait. Zero means
	// DefaultWriteQueue (1 MiB).
	WriteQueue int
	// MessageTimeout bounds how long a frame may take to arrive whole
	// once its first octet has come: a peer that sends a header (or part
	// of a frame) and stops is not left holding the connection and its
	// buffers; Recv then fails with an error matching
	// os.ErrDeadlineExceeded. Zero means DefaultMessageTimeout (60 s),
	// negative no bound. Raise it for peers that send large messages
	// slowly.
	MessageTimeout time.Duration
}

// ServerOptions configure the accepting side.
type ServerOptions struct {
	// Serializers the server offers; the client picks one. Required.
	Serializers []wamp.Serializer
	// MaxMessageLen, HandshakeTimeout, WriteTimeout, WriteQueue and
	// MessageTimeout as in Options.
	MaxMessageLen    int
	HandshakeTimeout time.Duration
	WriteTimeout     time.Duration
	WriteQueue       int
	MessageTimeout   time.Duration
	// Admit, if set, is asked once the client's hello has been read and
	// found good: false refuses the client with CodeMaxConnections (the
	// spec's "maximum connection count reached") and Accept fails with
	// ErrMaxConnections; otherwise the release it returns (nil: none) is
	// called once, when the Conn is closed. A server bounds its
	// connections with it.
	Admit func() (release func(), ok bool)
}

// ErrMaxConnections: Accept refused the client because
// ServerOptions.Admit did (CodeMaxConnections).
var ErrMaxConnections = errors.New("rawsocket: maximum connection count reached")

// Conn is a WAMP RawSocket connection. It implements wamp.Transport.
type Conn struct {
	nc      net.Conn
	ser     wamp.Serializer
	maxRecv int // what we announced
	maxSend int // what the peer announced

	rc  syscall.RawConn // rawio.RawConn(nc): reads and writes around nc; nil if unsupported
	r   reader          // raw, or a bufio.Reader where reads are not raw (reader.go)
	raw *rawReader      // with rc: holds a read buffer only while input is buffered
	buf []byte          // payload buffer, owned by Recv
	// mtimeout bounds a frame's arrival from its first octet; <= 0: none.
	mtimeout time.Duration
	// release gives back ServerOptions.Admit's slot when the Conn closes.
	release func()

	// The write side (writer.go).
	wq       coalesce.Queue
	wtimeout time.Duration

	pingMu   sync.Mutex
	pingCh   chan struct{} // waiting Ping, if any
	pingWant []byte        // its payload, which its PONG echoes
	closeMu  sync.Once
	closed   chan struct{}
	failed   error // why a write failed, if that closed the connection; set before closed is closed

	// AwaitInputFunc's wait (await.go), guarded by idleMu.
	idleMu  sync.Mutex
	idleKey idlepoll.Key // the last registration; 0: none
	idleEnd bool         // Close has begun: no more waits
}

var _ wamp.Transport = (*Conn)(nil)

// Dial connects to addr ("tcp", "tcp4", "tcp6" or "unix") and performs the
// client handshake, with TLS when opts.TLSConfig is set (its ServerName
// defaults to addr's host). Options.HandshakeTimeout bounds the TLS
// handshake and the RawSocket one together.
func Dial(ctx context.Context, network, addr string, opts Options) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if cfg := opts.TLSConfig; cfg != nil {
		if cfg.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				host = addr // a Unix socket's path
			}
			cfg = cfg.Clone()
			cfg.ServerName = host
		}
		// Client's first write runs the TLS handshake, within its deadline.
		nc = tls.Client(nc, cfg)
	}
	c, err := Client(ctx, nc, opts)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// Client performs the client handshake over nc. On error nc is left open.
func Client(ctx context.Context, nc net.Conn, opts Options) (*Conn, error) {
	hello, maxRecv, err := clientHello(opts)
	if err != nil {
		return nil, err
	}
	var reply [4]byte
	err = withDeadline(ctx, nc, opts.HandshakeTimeout, func() error {
		if _, err := nc.Write(hello[:]); err != nil {
			return err
		}
		_, err := io.ReadFull(nc, reply[:])
		return err
	})
	if err != nil {
		return nil, err
	}
	maxSend, err := checkReply(hello, reply)
	if err != nil {
		return nil, err
	}
	c := newConn(nc, opts.Serializer, maxRecv, maxSend, opts.WriteTimeout, opts.WriteQueue)
	c.mtimeout = messageTimeout(opts.MessageTimeout)
	return c, nil
}

// clientHello returns the client's opening handshake for opts and the
// maximum message length it announces.
func clientHello(opts Options) (hello [4]byte, maxRecv int, err error) {
	if opts.Serializer == nil {
		return hello, 0, errors.New("rawsocket: Options.Serializer is required")
	}
	id, ok := SerializerID(opts.Serializer)
	if !ok {
		return hello, 0, ErrSerializerUnsupported
	}
	exp := lengthExponent(normMax(opts.MaxMessageLen))
	return [4]byte{Magic, exp<<4 | id, 0, 0}, maxFromExponent(exp), nil
}

// checkReply checks the server's reply to a client's hello and returns the
// maximum message length the server accepts.
func checkReply(hello, reply [4]byte) (maxSend int, err error) {
	switch {
	case reply[0] != Magic:
		return 0, ErrBadMagic
	case reply[1]&0x0F == 0:
		return 0, &HandshakeError{Code: HandshakeCode(reply[1] >> 4)}
	case reply[1]&0x0F != hello[1]&0x0F:
		return 0, ErrSerializerUnsupported
	case reply[2] != 0 || reply[3] != 0:
		return 0, ErrReservedBits
	}
	return maxFromExponent(reply[1] >> 4), nil
}

// Accept performs the server handshake over nc. When it refuses the client
// it sends the error reply first; on any error nc is left open.
func Accept(ctx context.Context, nc net.Conn, opts ServerOptions) (*Conn, error) {
	maxRecv := normMax(opts.MaxMessageLen)
	exp := lengthExponent(maxRecv)
	var (
		hello   [4]byte
		ser     wamp.Serializer
		id      byte
		herr    error
		release func() // Admit's
	)
	err := withDeadline(ctx, nc, opts.HandshakeTimeout, func() error {
		if _, err := io.ReadFull(nc, hello[:]); err != nil {
			return err
		}
		if hello[0] != Magic {
			return ErrBadMagic // fail without a reply, as the spec says
		}
		var code HandshakeCode
		switch {
		case hello[2] != 0 || hello[3] != 0:
			code, herr = CodeReservedBits, ErrReservedBits
		default:
			id = hello[1] & 0x0F
			for _, s := range opts.Serializers {
				if sid, ok := SerializerID(s); ok && sid == id {
					ser = s
					break
				}
			}
			if ser == nil {
				code, herr = CodeSerializerUnsupported, ErrSerializerUnsupported
			}
		}
		if herr == nil && opts.Admit != nil {
			var ok bool
			if release, ok = opts.Admit(); !ok {
				release = nil // nothing was admitted
				code, herr = CodeMaxConnections, ErrMaxConnections
			}
		}
		if herr != nil {
			_, err := nc.Write([]byte{Magic, byte(code) << 4, 0, 0})
			return errors.Join(herr, err)
		}
		_, err := nc.Write([]byte{Magic, exp<<4 | id, 0, 0})
		return err
	})
	if err != nil {
		if release != nil {
			release()
		}
		return nil, err
	}
	c := newConn(nc, ser, maxFromExponent(exp), maxFromExponent(hello[1]>>4), opts.WriteTimeout, opts.WriteQueue)
	c.mtimeout = messageTimeout(opts.MessageTimeout)
	c.release = release
	return c, nil
}

// DefaultMessageTimeout bounds the arrival of a frame, from its first
// octet, when Options.MessageTimeout is zero (as ws.DefaultMessageTimeout
// bounds a WebSocket message's).
const DefaultMessageTimeout = 60 * time.Second

// messageTimeout resolves Options.MessageTimeout: 0 is the default,
// negative none (0 in the Conn).
func messageTimeout(d time.Duration) time.Duration {
	switch {
	case d == 0:
		return DefaultMessageTimeout
	case d < 0:
		return 0
	}
	return d
}

func normMax(n int) int {
	if n <= 0 {
		return MaxMaxMessageLen
	}
	return maxFromExponent(lengthExponent(n))
}

// withDeadline runs f with the earlier of ctx's deadline and timeout set on
// nc, and unblocks it when ctx is canceled.
func withDeadline(ctx context.Context, nc net.Conn, timeout time.Duration, f func() error) error {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	nc.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	err := f()
	stop()
	nc.SetDeadline(time.Time{})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func newConn(nc net.Conn, ser wamp.Serializer, maxRecv, maxSend int, wtimeout time.Duration, wlimit int) *Conn {
	if wtimeout <= 0 {
		wtimeout = DefaultWriteTimeout
	}
	if wlimit <= 0 {
		wlimit = DefaultWriteQueue
	}
	c := &Conn{
		nc: nc, ser: ser, maxRecv: maxRecv, maxSend: maxSend, rc: rawio.RawConn(nc),
		closed: make(chan struct{}), wtimeout: wtimeout,
	}
	if c.rc != nil {
		c.raw = newRawReader(c.rc)
		c.r = c.raw
	} else {
		c.r = bufio.NewReaderSize(nc, readBufSize)
	}
	c.wq.Init(wlimit, c.writeQueued, func(err error) { c.close(err) }, c.closed, ErrClosed)
	return c
}

// Serializer returns the negotiated serializer.
func (c *Conn) Serializer() wamp.Serializer { return c.ser }

// MaxRecvLen is the largest message we accept; MaxSendLen the peer's.
func (c *Conn) MaxRecvLen() int { return c.maxRecv }

// MaxSendLen is the largest message the peer accepts.
func (c *Conn) MaxSendLen() int { return c.maxSend }

// NetConn returns the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// RemoteAddr returns the peer's address (that of NetConn): what a router
// tells its authenticators (router.TransportInfo.RemoteAddr).
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// ConnectionState returns the TLS state when the connection uses TLS.
func (c *Conn) ConnectionState() (tls.ConnectionState, bool) {
	if t, ok := c.nc.(*tls.Conn); ok {
		return t.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// Close closes the connection, after giving frames already queued up to
// a second to leave (so a message sent just before Close, an ABORT or a
// GOODBYE, is not lost). It is safe to call more than once.
func (c *Conn) Close() error { return c.close(nil) }

// close is Close; writeErr is the error of the failed write that closes the
// connection (nil for Close), which Recv then returns with ErrClosed.
func (c *Conn) close(writeErr error) error {
	err := ErrClosed
	c.closeMu.Do(func() {
		if writeErr != nil {
			c.failed = fmt.Errorf("%w: write failed: %w", ErrClosed, writeErr)
		}
		c.wq.Drain(closeFlush)
		close(c.closed)
		c.endIdle() // a closed socket would leave the poller without an event
		err = c.nc.Close()
		if c.release != nil {
			c.release() // ServerOptions.Admit's
		}
	})
	if err == ErrClosed {
		return nil
	}
	return err
}

// guard closes the connection if ctx ends before the returned stop is called.
func (c *Conn) guard(ctx context.Context) func() bool {
	if ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() { c.Close() })
}

// Send serializes m as one regular frame into the write queue and writes
// it, together with whatever else is queued by then, unless a write is
// under way: then it returns at once and that write's goroutine sends it
// (see the package doc). Send waits, within ctx, only
// while more than Options.WriteQueue octets are queued. A message longer
// than the peer's maximum fails with ErrMessageTooLarge and is not sent.
// After a write has failed or the connection is closed, Send returns that
// error. An *wamp.Encoded goes as SendEncoded sends it.
func (c *Conn) Send(ctx context.Context, m wamp.Message) error {
	if e, ok := m.(*wamp.Encoded); ok {
		return c.SendEncoded(ctx, e)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.wq.Add(ctx, func(b []byte) ([]byte, error) {
		start := len(b)
		b, err := c.ser.AppendMessage(append(b, 0, 0, 0, 0), m)
		if err != nil {
			return b, err
		}
		n := len(b) - start - 4
		if n > c.maxSend {
			return b, ErrMessageTooLarge
		}
		AppendHeader(b[start:start], FrameRegular, n)
		return b, nil
	})
}

// Recv reads the next message, answering PINGs and handing PONGs to Ping
// on the way. A frame longer than our maximum fails with ErrMessageTooLarge,
// one that does not arrive whole within Options.MessageTimeout of its
// first octet with an error matching os.ErrDeadlineExceeded; decoding
// errors match wamp.ErrProtocolViolation. All leave the connection
// unusable; close it. After Close it returns ErrClosed, even when frames
// the peer sent before are still buffered; after a write failed (which
// closes the connection) an error matching both ErrClosed and the
// write's error.
func (c *Conn) Recv(ctx context.Context) (wamp.Message, error) {
	stop := c.guard(ctx)
	defer stop()
	for {
		select {
		case <-c.closed:
			return nil, c.closedErr()
		default:
		}
		t, p, err := c.readFrame()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			select {
			case <-c.closed:
				return nil, c.closedErr()
			default:
			}
			return nil, err
		}
		switch t {
		case FrameRegular:
			m, err := c.ser.Unmarshal(p)
			if err != nil {
				return nil, violation(err)
			}
			return m, nil
		case FramePing:
			if err := c.wq.Add(ctx, frame(FramePong, p)); err != nil {
				return nil, err
			}
		case FramePong:
			c.pong(p)
		}
	}
}

// closedErr is what Recv returns once the connection is closed: ErrClosed,
// with the write's error when a failed write closed it; c.closed must be
// closed.
func (c *Conn) closedErr() error {
	if c.failed != nil {
		return c.failed
	}
	return ErrClosed
}

// violation makes a decoding error match wamp.ErrProtocolViolation (the
// serializers report malformed input with errors of their own): a router
// then ends the session with ABORT wamp.error.protocol_violation.
func violation(err error) error {
	if errors.Is(err, wamp.ErrProtocolViolation) {
		return err
	}
	return fmt.Errorf("%w: %w", wamp.ErrProtocolViolation, err)
}

// pong ends the Ping waiting, if any, when p echoes its payload; another
// PONG (a late answer to an earlier Ping that gave up, or an unsolicited
// one) is dropped.
func (c *Conn) pong(p []byte) {
	c.pingMu.Lock()
	if c.pingCh != nil && bytes.Equal(p, c.pingWant) {
		c.pingCh <- struct{}{}
		c.pingCh, c.pingWant = nil, nil
	}
	c.pingMu.Unlock()
}

// maxKeptPayload is the largest payload buffer a connection keeps for the
// next frame (as package ws keeps read buffers up to 64 KiB).
const maxKeptPayload = 64 << 10

// readFrame reads the next frame. Before a read that has to go to the
// socket it yields once, so that goroutines woken by the last frames run
// (and send) first and the read finds more: many routers, nexus's among
// them, write a frame's header and payload with separate system calls.
// Through a nexus router that took read system calls per call down by 20 %
// (BENCHMARKS.md, "WAMP").
//
// The first octet may take as long as it takes (an idle connection); the
// rest of the frame must follow within the message timeout, which a read
// deadline enforces while the frame is not buffered whole.
func (c *Conn) readFrame() (FrameType, []byte, error) {
	if cap(c.buf) > maxKeptPayload {
		c.buf = nil // one large message does not pin its buffer while the connection waits
	}
	var h [4]byte
	if c.r.Buffered() < 4 {
		runtime.Gosched()
	}
	if _, err := io.ReadFull(c.r, h[:1]); err != nil {
		return 0, nil, err
	}
	timed := false
	if c.mtimeout > 0 && c.r.Buffered() < 3 {
		timed = c.nc.SetReadDeadline(time.Now().Add(c.mtimeout)) == nil
	}
	if _, err := io.ReadFull(c.r, h[1:]); err != nil {
		return 0, nil, c.frameErr(err)
	}
	t, n, err := ParseHeader(h[:])
	if err != nil {
		return 0, nil, err
	}
	if n > c.maxRecv {
		return 0, nil, ErrMessageTooLarge
	}
	if c.r.Buffered() < n {
		runtime.Gosched()
		if c.mtimeout > 0 && !timed && c.r.Buffered() < n {
			timed = c.nc.SetReadDeadline(time.Now().Add(c.mtimeout)) == nil
		}
	}
	// Grow with the data that arrives, at most doubling per step.
	c.buf = c.buf[:0]
	for len(c.buf) < n {
		step := min(n-len(c.buf), max(len(c.buf), 64<<10))
		start := len(c.buf)
		if cap(c.buf)-start < step {
			nb := make([]byte, start, start+step)
			copy(nb, c.buf)
			c.buf = nb
		}
		c.buf = c.buf[:start+step]
		if _, err := io.ReadFull(c.r, c.buf[start:]); err != nil {
			return 0, nil, c.frameErr(err)
		}
	}
	if timed {
		c.nc.SetReadDeadline(time.Time{})
	}
	return t, c.buf, nil
}

// frameErr names the message timeout when it cut a frame short.
func (c *Conn) frameErr(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("rawsocket: frame not received whole within the message timeout (%v): %w", c.mtimeout, err)
	}
	return err
}

// Ping sends a PING with payload and waits for the matching PONG (one
// that echoes payload), which arrives through the goroutine calling Recv.
// One Ping at a time. A payload longer than the peer's maximum, or than
// ours (its PONG echoes it), fails with ErrMessageTooLarge and is not
// sent.
func (c *Conn) Ping(ctx context.Context, payload []byte) error {
	ch := make(chan struct{}, 1)
	c.pingMu.Lock()
	if c.pingCh != nil {
		c.pingMu.Unlock()
		return errors.New("rawsocket: a Ping is already waiting")
	}
	c.pingCh, c.pingWant = ch, payload
	c.pingMu.Unlock()
	defer func() {
		c.pingMu.Lock()
		if c.pingCh == ch {
			c.pingCh, c.pingWant = nil, nil
		}
		c.pingMu.Unlock()
	}()
	if len(payload) > min(c.maxSend, c.maxRecv) {
		return ErrMessageTooLarge
	}
	if err := c.wq.Add(ctx, frame(FramePing, payload)); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-c.closed:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}
