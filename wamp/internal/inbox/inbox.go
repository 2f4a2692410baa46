// Package inbox is the receive queue of a WAMP transport on the event
// loop (wamp/transport/websocket's DialLoop and LoopHandler). The loop
// reads whether the connection's Recv runs or not, and hands every message
// it parses to the connection's Inbox; Recv takes them, in order, on its
// own goroutine and decodes them there.
//
// Messages are held as copies in pooled buffers (Get, Release), so neither
// the loop's read buffer nor an idle connection keeps memory. An Inbox is
// bounded in messages and octets. While Recv lags, the Inbox asks the
// transport to pause reading (SetPause) once it holds a quarter of either
// bound, and to resume once Take brought it down to an eighth: the loop
// stops reading that socket and TCP pushes back on the peer. Past the
// bound itself (input already read when the pause came: at most one read
// buffer's worth, or one message larger than the rest of the bound) Put
// drops what is queued and ends the Inbox with the transport's error; the
// transport closes the connection.
//
// Concurrency: the loop puts (Put, Add, Finish), one goroutine takes;
// Drop may come from any goroutine.
package inbox

import (
	"context"
	"sync"
)

// Msg is a received message: the payload in a pooled buffer (give it back
// with Release once decoded) and the transport's flag (a WebSocket
// message's binary bit).
type Msg struct {
	P      *[]byte
	Binary bool
}

// Inbox holds the messages of one connection from the loop until Recv
// takes them.
type Inbox struct {
	mu       sync.Mutex
	msgs     []Msg
	head     int
	bytes    int64
	maxBytes int64 // 0: no limit
	maxCount int   // 0: no limit
	full     func(count int, bytes int64) error
	end      error // set once: no more messages come
	ready    chan struct{}
	pause    func(paused bool)
	paused   bool
}

// Limit resolves a transport option: 0 means def, negative no limit (0).
func Limit[T ~int | ~int64](v, def T) T {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// New returns an Inbox that holds at most maxCount messages and maxBytes
// octets (0: no limit). full makes the error that ends an overflowing
// Inbox from what it held.
func New(maxBytes int64, maxCount int, full func(count int, bytes int64) error) *Inbox {
	return &Inbox{maxBytes: maxBytes, maxCount: maxCount, full: full, ready: make(chan struct{}, 1)}
}

// SetPause sets the function the Inbox calls, under its lock, to pause
// (true) and resume (false) reading; it must not block or call the Inbox.
// Set it before the first Add.
func (in *Inbox) SetPause(fn func(paused bool)) { in.pause = fn }

// overLocked reports whether the Inbox holds a quarter of a bound (pause
// reading), underLocked whether it holds at most an eighth of each
// (resume).
func (in *Inbox) overLocked() bool {
	k := len(in.msgs) - in.head
	return in.maxCount > 0 && 4*k >= in.maxCount || in.maxBytes > 0 && 4*in.bytes >= in.maxBytes
}

func (in *Inbox) underLocked() bool {
	k := len(in.msgs) - in.head
	return (in.maxCount == 0 || 8*k <= in.maxCount) && (in.maxBytes == 0 || 8*in.bytes <= in.maxBytes)
}

// Put queues a copy of p. See Add.
func (in *Inbox) Put(p []byte, binary bool) bool {
	bp := Get()
	*bp = append(*bp, p...)
	return in.Add(bp, binary)
}

// Add queues the message in bp, a buffer from Get, which the Inbox owns
// from now on. It reports false when the Inbox is full: it then drops what
// it holds and ends with the error of New's full. A message is always
// taken into an empty Inbox (the transport bounds its size). After the end
// messages are dropped.
func (in *Inbox) Add(bp *[]byte, binary bool) bool {
	n := int64(len(*bp))
	in.mu.Lock()
	if in.end != nil {
		in.mu.Unlock()
		Release(bp)
		return true
	}
	if k := len(in.msgs) - in.head; k > 0 &&
		(in.maxCount > 0 && k >= in.maxCount || in.maxBytes > 0 && in.bytes+n > in.maxBytes) {
		in.end = in.full(k, in.bytes)
		for _, m := range in.msgs[in.head:] {
			Release(m.P)
		}
		in.msgs, in.head, in.bytes = nil, 0, 0
		in.mu.Unlock()
		Release(bp)
		in.signal()
		return false
	}
	in.msgs = append(in.msgs, Msg{bp, binary})
	in.bytes += n
	if in.pause != nil && !in.paused && in.overLocked() {
		in.paused = true
		in.pause(true)
	}
	in.mu.Unlock()
	in.signal()
	return true
}

// Finish records why no more messages come, unless an earlier end is known.
func (in *Inbox) Finish(err error) {
	in.mu.Lock()
	if in.end == nil {
		in.end = err
	}
	in.mu.Unlock()
	in.signal()
}

// Drop is Finish for a taker that is gone (its transport was closed):
// it also gives back what the Inbox holds, and resumes reading if the
// Inbox paused it, so that the transport reads on (and finishes its
// closing handshake) while Add drops what still arrives.
func (in *Inbox) Drop(err error) {
	in.mu.Lock()
	if in.end == nil {
		in.end = err
	}
	for _, m := range in.msgs[in.head:] {
		Release(m.P)
	}
	in.msgs, in.head, in.bytes = nil, 0, 0
	if in.paused {
		in.paused = false
		in.pause(false)
	}
	in.mu.Unlock()
	in.signal()
}

func (in *Inbox) signal() {
	select {
	case in.ready <- struct{}{}:
	default:
	}
}

// Take returns the oldest message (the caller gives its buffer back with
// Release), waiting for one; once the Inbox is empty and ended, the end.
// It returns ctx's error when ctx ends and closedErr when closed is closed
// while it waits.
func (in *Inbox) Take(ctx context.Context, closed <-chan struct{}, closedErr error) (Msg, error) {
	for {
		in.mu.Lock()
		if in.head < len(in.msgs) {
			m := in.msgs[in.head]
			in.msgs[in.head] = Msg{}
			in.head++
			in.bytes -= int64(len(*m.P))
			switch {
			case in.head == len(in.msgs) && cap(in.msgs) > 256:
				in.msgs, in.head = nil, 0 // let a burst's slice go
			case in.head == len(in.msgs):
				in.msgs, in.head = in.msgs[:0], 0
			case in.head >= 256 && 2*in.head >= len(in.msgs):
				n := copy(in.msgs, in.msgs[in.head:])
				clear(in.msgs[n:])
				in.msgs, in.head = in.msgs[:n], 0
			}
			if in.paused && in.underLocked() {
				in.paused = false
				in.pause(false)
			}
			in.mu.Unlock()
			return m, nil
		}
		end := in.end
		in.mu.Unlock()
		if end != nil {
			return Msg{}, end
		}
		select {
		case <-in.ready:
		case <-ctx.Done():
			return Msg{}, ctx.Err()
		case <-closed:
			return Msg{}, closedErr
		}
	}
}

// bufs holds the payload copies; a transport gives each back after
// decoding (serializers do not keep their input).
var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Get returns an empty pooled buffer.
func Get() *[]byte {
	bp := bufs.Get().(*[]byte)
	*bp = (*bp)[:0]
	return bp
}

// Release gives a buffer back to the pool (a large one is left to the
// garbage collector, so one big message does not pin its memory).
func Release(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		bufs.Put(bp)
	}
}
