package wsloop

import (
	"net"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/internal/tlsrec"
)

// errWouldBlock is what a memConn in loop mode returns from Read when the
// loop has fed it nothing more. It is a temporary net.Error on purpose:
// crypto/tls (conn.go, readRecordOrCCS) keeps a record's partial input in
// its raw input buffer and does not make a temporary error sticky, so the
// next Read, once more input was fed, goes on where this one stopped.
var errWouldBlock error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "wsloop: TLS input would block" }
func (wouldBlock) Timeout() bool   { return true }
func (wouldBlock) Temporary() bool { return true }

// memConn is the net.Conn under a tls.Conn on the loop: its Read returns
// the ciphertext the loop fed, its Write collects the ciphertext the loop
// sends. It has two modes.
//
// During the handshake a goroutine runs tls.Conn.Handshake (crypto/tls
// keeps a handshake's state on that goroutine's stack, so it cannot be
// suspended and resumed from the loop): Read waits for input the loop
// copies in (feed), Write queues to the socket with AsyncWrite.
//
// Afterwards (loop mode) only the loop uses it: Read returns the bytes of
// the current OnData call (setInput lends them, without a copy) and then
// errWouldBlock; Write appends to out, which the loop sends with
// eventloop.Conn.Send and gives back to a pool, so that an idle
// connection holds no buffer here. The loop's calls take no lock: the
// handshake goroutine, the only other user, returned before toLoop, and
// its last call (handshakeDone) and the loop's handshakeResult are
// ordered by mu. closeConn still locks, as it may meet the goroutine.
//
// In both modes Read stops at the end of every TLS record (it follows the
// record headers from the connection's first byte), so crypto/tls never
// holds more than the record it is reading: once its Read returned a
// record's plaintext and drained reports true, it holds no input at all,
// and the loop need not call it again only to hear errWouldBlock (which
// costs crypto/tls a call and an allocation).
//
// The fields every message uses come first, in one cache line with
// tlsLayer's (which holds the memConn): with a thousand connections they
// are seldom in the cache.
type memConn struct {
	loop   bool // loop mode: set by toLoop, after which only the loop calls (unlocked)
	closed bool // the connection is gone: Read fails
	// Read's place in the record stream (the reader's: the handshake
	// goroutine's, then the loop's).
	rb  tlsrec.Boundary
	in  []byte  // ciphertext not yet read by crypto/tls
	out *[]byte // loop mode: ciphertext to send
	// capture follows a server's handshake (tls_rec.go), on the
	// handshake goroutine; the loop takes it after handshakeDone.
	capture *tlsrec.Capture

	wire   memWire
	mu     sync.Mutex
	cond   sync.Cond // the handshake goroutine waits for input
	paused bool      // handshake mode: in holds maxHandshakeInput or more
	done   bool      // the handshake returned, with hsErr
	hsErr  error
}

// maxHandshakeInput bounds the input a connection buffers for its
// handshake goroutine: past it the loop stops reading the connection
// until the goroutine took it all.
const maxHandshakeInput = 64 << 10

// memWire is what a memConn needs of its socket (an *eventloop.Conn):
// the handshake goroutine writes with AsyncWrite, and input past
// maxHandshakeInput pauses reading; all of them are safe from any
// goroutine.
type memWire interface {
	AsyncWrite([]byte) error
	PauseRead()
	ResumeRead()
	LocalAddr() net.Addr
	RemoteAddr() net.Addr
}

func newMemConn(w memWire) *memConn {
	m := &memConn{}
	m.init(w)
	return m
}

// init readies a zero memConn, in place (cond refers to mu).
func (m *memConn) init(w memWire) {
	m.wire = w
	m.cond.L = &m.mu
}

// feed copies input for the handshake goroutine, and stops the loop
// reading past maxHandshakeInput.
func (m *memConn) feed(b []byte) {
	m.mu.Lock()
	m.in = append(m.in, b...)
	pause := len(m.in) >= maxHandshakeInput && !m.paused
	m.paused = m.paused || pause
	m.mu.Unlock()
	m.cond.Signal()
	if pause {
		m.wire.PauseRead()
	}
}

// handshakeDone records the outcome of the handshake goroutine; it
// reports whether the connection closed meanwhile (the loop will not look
// at the outcome then: see closeConn).
func (m *memConn) handshakeDone(err error) (closed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.done, m.hsErr = true, err
	return m.closed
}

// handshakeResult reports whether the handshake returned, and how.
func (m *memConn) handshakeResult() (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.done, m.hsErr
}

// toLoop switches to loop mode, once the handshake goroutine returned.
func (m *memConn) toLoop() {
	m.mu.Lock()
	m.loop = true
	resume := m.paused
	m.paused = false
	m.mu.Unlock()
	if resume {
		m.wire.ResumeRead()
	}
}

// setInput hands the loop's input to crypto/tls without a copy (loop
// mode): the caller reads until errWouldBlock and then clears it.
func (m *memConn) setInput(b []byte) {
	if len(m.in) == 0 {
		m.in = b
	} else {
		m.in = append(m.in, b...) // what the handshake left
	}
}

// clearInput drops the reference to the loop's buffer (loop mode).
func (m *memConn) clearInput() {
	m.in = nil
}

func (m *memConn) Read(p []byte) (int, error) {
	if m.loop {
		switch {
		case len(m.in) > 0:
			return m.take(p), nil
		case m.closed:
			return 0, net.ErrClosed
		}
		return 0, errWouldBlock
	}
	m.mu.Lock()
	for len(m.in) == 0 {
		switch {
		case m.closed:
			m.mu.Unlock()
			return 0, net.ErrClosed
		case m.loop:
			m.mu.Unlock()
			return 0, errWouldBlock
		}
		m.cond.Wait()
	}
	n := m.take(p)
	resume := false
	if len(m.in) == 0 {
		m.in = nil
		resume, m.paused = m.paused, false
	}
	m.mu.Unlock()
	if resume {
		m.wire.ResumeRead()
	}
	return n, nil
}

// take moves input to p, up to the end of the current record (len(m.in)
// > 0: at least one byte when p has room).
func (m *memConn) take(p []byte) int {
	n := 0
	for n < len(p) && len(m.in) > 0 {
		k := copy(p[n:], m.in[:min(m.rb.Next(), len(m.in))])
		ended := m.rb.Took(p[n : n+k])
		n += k
		m.in = m.in[k:]
		if ended {
			break
		}
	}
	return n
}

// drained reports (loop mode) that all input fed was read and ended a
// record: after a tls.Conn.Read that returned plaintext, crypto/tls holds
// no input either.
func (m *memConn) drained() bool {
	return len(m.in) == 0 && m.rb.AtStart()
}

func (m *memConn) Write(b []byte) (int, error) {
	if m.loop {
		if m.closed {
			return 0, net.ErrClosed
		}
		if m.out == nil {
			m.out = outPool.Get().(*[]byte)
		}
		*m.out = append(*m.out, b...)
		return len(b), nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return 0, net.ErrClosed
	}
	if m.capture != nil {
		m.capture.Wrote(b)
	}
	if err := m.wire.AsyncWrite(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// takeOut returns the ciphertext written in loop mode (nil if none); the
// caller sends it and gives it back with putOut.
func (m *memConn) takeOut() *[]byte {
	b := m.out
	m.out = nil
	return b
}

// outPool holds the loops' ciphertext buffers; a buffer grown past
// maxPooledOut by a large message is not kept.
var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

const maxPooledOut = 256 << 10

func putOut(b *[]byte) {
	if cap(*b) > maxPooledOut {
		return
	}
	*b = (*b)[:0]
	outPool.Put(b)
}

// Close makes Read fail, which ends a handshake goroutine waiting for
// input; the socket is the loop's to close.
func (m *memConn) Close() error {
	m.closeConn()
	return nil
}

// closeConn is Close for the loop (OnClose): it reports whether the
// handshake goroutine returned already, and how. Of closeConn and
// handshakeDone, the later one sees the other's outcome. The input stays
// for a handshake goroutine still running: a client's reads what came
// behind its handshake for Dial's error (tlsLayer.refusal).
func (m *memConn) closeConn() (done bool, hsErr error) {
	m.mu.Lock()
	done, hsErr = m.done, m.hsErr
	m.closed = true
	if done {
		m.in = nil
	}
	out := m.out
	m.out = nil
	m.mu.Unlock()
	m.cond.Broadcast()
	if out != nil {
		putOut(out)
	}
	return done, hsErr
}

func (m *memConn) LocalAddr() net.Addr  { return m.wire.LocalAddr() }
func (m *memConn) RemoteAddr() net.Addr { return m.wire.RemoteAddr() }

// Deadlines are the loop's (the handshake timeout closes the connection,
// which ends a waiting Read); crypto/tls sets none on its own.
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }
