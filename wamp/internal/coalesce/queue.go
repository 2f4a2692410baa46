package coalesce

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// Queue is one connection's write queue, written as the package doc
// describes. Call Init before use.
type Queue struct {
	mu        sync.Mutex
	b         []byte // queued messages, back to back
	ends      []int  // message i is b[ends[i-1]:ends[i]]
	spareB    []byte // the writer's previous buffers, for reuse
	spareEnds []int
	box       *[]byte       // carries a buffer to and from bufs (see release)
	busy      bool          // a write is under way (a Send's or the writer goroutine's)
	err       error         // why writing stopped; later Adds return it
	room      chan struct{} // closed when a full queue empties; nil if nobody waits
	idle      chan struct{} // closed when the writer goes idle; nil if nobody waits
	pol       Policy

	limit     int
	write     func(ctx context.Context, b []byte, ends []int) error
	fail      func(error)
	closed    <-chan struct{}
	closedErr error
}

// Init sets up q:
//   - limit: Add waits while more than limit octets are queued (a message
//     is always accepted into an empty queue);
//   - write writes the messages b holds (message i ends at ends[i]) with
//     as few system calls as it can, within the transport's own write
//     timeout; only one write runs at a time. Its ctx is always
//     Background: no Send's ctx bounds a write, which may carry other
//     Sends' messages (that ctx ending would abandon them half-written
//     and, since a half-written message cannot be resumed, fail the
//     connection);
//   - fail is called, without q's lock, after the first write that fails
//     (the transport closes its connection; every later Add returns that
//     error);
//   - a wait for room ends with closedErr when closed is closed.
func (q *Queue) Init(limit int, write func(ctx context.Context, b []byte, ends []int) error, fail func(error), closed <-chan struct{}, closedErr error) {
	q.limit, q.write, q.fail, q.closed, q.closedErr = limit, write, fail, closed, closedErr
}

// Add queues one message, which build appends to b (returning the longer
// slice; on error what it appended is dropped), and writes it unless a
// write is under way. It waits, within ctx, while the queue is over its
// limit: ctx bounds only that wait. Once queued, the message is written
// whatever ctx does, and an Add that writes itself waits for its write,
// which the transport's write timeout bounds (not ctx: the write may carry
// messages of other Adds, which already returned).
func (q *Queue) Add(ctx context.Context, build func(b []byte) ([]byte, error)) error {
	q.mu.Lock()
	for q.err == nil && len(q.ends) > 0 && len(q.b) >= q.limit {
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-q.closed:
			return q.closedErr
		}
		q.mu.Lock()
	}
	if err := q.appendLocked(build); err != nil {
		q.mu.Unlock()
		return err
	}
	if q.busy {
		q.mu.Unlock()
		return nil // the write under way takes it
	}
	q.busy = true
	async, yield := q.pol.Lead(time.Now())
	q.mu.Unlock()
	if async {
		go q.writeLoop() // a burst: keep producing while it writes
		return nil
	}
	if yield {
		runtime.Gosched() // let ready senders queue behind us first
	}
	if err := q.flush(); err != nil {
		return err
	}
	q.mu.Lock()
	if len(q.ends) == 0 || q.err != nil {
		q.idleLocked()
		q.mu.Unlock()
		return nil
	}
	q.mu.Unlock()
	go q.writeLoop() // what was queued during our write
	return nil
}

// TryAdd is Add for a caller that must not wait (an idle connection's
// poller callback answering a ping): it queues build's message unless the
// queue is over its limit (then ok is false and nothing is queued), and
// never writes itself: if no write is under way, a writer goroutine
// writes it, and exists only while it writes.
func (q *Queue) TryAdd(build func(b []byte) ([]byte, error)) (ok bool, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err == nil && len(q.ends) > 0 && len(q.b) >= q.limit {
		return false, nil
	}
	if err := q.appendLocked(build); err != nil {
		return false, err
	}
	if !q.busy {
		q.busy = true
		go q.writeLoop()
	}
	return true, nil
}

// appendLocked queues build's message, or returns why not (q.err, or
// build's error: then what it appended is dropped, with the buffer it may
// have grown for it, as large as the refused message: q.b, which build
// only appended to, still holds the queued messages, and an idle queue
// holds no buffer); q.mu must be held.
func (q *Queue) appendLocked(build func(b []byte) ([]byte, error)) error {
	if q.err != nil {
		return q.err
	}
	if q.b == nil {
		q.b = q.pooled()
	}
	b, err := build(q.b)
	if err != nil {
		if !q.busy && len(q.ends) == 0 {
			q.releaseLocked()
		}
		return err
	}
	q.b = b
	q.ends = append(q.ends, len(b))
	return nil
}

// writeLoop is the writer goroutine: it writes until the queue is empty.
func (q *Queue) writeLoop() {
	runtime.Gosched()
	for {
		q.mu.Lock()
		if len(q.ends) == 0 || q.err != nil {
			q.idleLocked()
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		if q.flush() != nil {
			return
		}
	}
}

// flush writes everything queued; only the writer (the Send that set busy,
// or the writer goroutine after it) calls it.
func (q *Queue) flush() error {
	q.mu.Lock()
	b, ends := q.b, q.ends
	q.b, q.ends, q.spareB, q.spareEnds = q.spareB[:0], q.spareEnds[:0], nil, nil
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	q.mu.Unlock()
	if len(ends) == 0 {
		return nil
	}
	start := time.Now()
	err := q.write(context.Background(), b, ends)
	end := time.Now()
	q.mu.Lock()
	q.pol.Wrote(len(ends), start, end)
	if cap(b) <= maxPooled {
		q.spareB, q.spareEnds = b[:0], ends[:0] // small buffers serve the next round
	}
	if err == nil {
		q.mu.Unlock()
		return nil
	}
	if q.err == nil {
		q.err = err
	}
	if q.room != nil {
		close(q.room) // the Adds waiting for room return q.err
		q.room = nil
	}
	q.idleLocked() // before fail, whose Close may wait for the writer
	q.mu.Unlock()
	q.fail(err)
	return err
}

// bufs holds the buffers of idle queues: an idle connection holds none
// (the buffer of its last write would stay otherwise), and a busy one
// still allocates none per message. The boxes travel with the buffers.
var bufs sync.Pool // of *[]byte

// maxPooled is the largest buffer kept for reuse.
const maxPooled = 64 << 10

// pooled returns an empty buffer from bufs, or nil; q.mu must be held.
func (q *Queue) pooled() []byte {
	bp, _ := bufs.Get().(*[]byte)
	if bp == nil {
		return nil
	}
	b := (*bp)[:0]
	*bp = nil
	q.box = bp
	return b
}

// releaseLocked gives the buffers of an empty queue to bufs; q.mu must be
// held.
func (q *Queue) releaseLocked() {
	for _, b := range [2][]byte{q.b, q.spareB} {
		if cap(b) == 0 || cap(b) > maxPooled {
			continue
		}
		bp := q.box
		if bp == nil {
			bp = new([]byte)
		}
		q.box = nil
		*bp = b[:0]
		bufs.Put(bp)
	}
	q.b, q.spareB = nil, nil
}

// idleLocked marks the writer gone; q.mu must be held.
func (q *Queue) idleLocked() {
	q.busy = false
	if len(q.ends) == 0 {
		q.releaseLocked()
	}
	if q.idle != nil {
		close(q.idle)
		q.idle = nil
	}
}

// Reusable reports whether q holds nothing queued, no write is under way,
// none failed, nothing waits on it and Drain was not called: its owner may
// then (holding off further Adds) Reset it for another connection.
func (q *Queue) Reusable() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return !q.busy && len(q.ends) == 0 && q.err == nil && q.room == nil && q.idle == nil
}

// Reset makes a Reusable queue another connection's, as Init does but
// keeping its write and fail (which the owner binds to whichever
// connection it serves) and forgetting its write timing (its Policy).
func (q *Queue) Reset(limit int, closed <-chan struct{}, closedErr error) {
	q.mu.Lock()
	q.limit, q.closed, q.closedErr, q.pol = limit, closed, closedErr, Policy{}
	q.mu.Unlock()
}

// Drain waits, at most timeout, until the writer has written what was
// queued (for Close, so that a GOODBYE or ABORT sent just before it is
// not lost); then every later Add returns closedErr. It reports whether
// a write is still under way (stuck: the transport should abandon it).
func (q *Queue) Drain(timeout time.Duration) (stuck bool) {
	var t *time.Timer
	q.mu.Lock()
	// An Add may start another write the moment the one waited for ends
	// (before Drain has the lock again): wait for that one too, so that
	// an Add is either written or refused, never accepted and dropped
	// (a writer goroutine finding q.err set leaves what is queued).
	for q.busy && q.err == nil {
		if t == nil {
			t = time.NewTimer(timeout)
			defer t.Stop()
		}
		if q.idle == nil {
			q.idle = make(chan struct{})
		}
		idle := q.idle
		q.mu.Unlock()
		select {
		case <-idle:
		case <-t.C:
			q.mu.Lock()
			stuck = q.busy
			if q.err == nil {
				q.err = q.closedErr
			}
			q.mu.Unlock()
			return stuck
		}
		q.mu.Lock()
	}
	if q.err == nil {
		q.err = q.closedErr
	}
	q.mu.Unlock()
	return false
}
