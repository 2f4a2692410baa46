package router

import (
	"context"
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
)

// outQueue is a session's outbound queue: every message the router sends to
// the session goes through it, and one owner (the session's writer
// goroutine on goroutine transports) takes messages out and writes them.
// It counts the estimated encoded size of what it holds; push refuses a
// message past the limit the caller names (soft for invocations and
// events, hard for replies), so the router never queues more than that
// and never drops a message without the caller knowing.
//
// Lock order: realm.mu, then outQueue.mu; the queue calls nothing while
// holding mu.
type outQueue struct {
	soft   int // the limit of limitSoft pushes
	hard   int // the limit of limitHard pushes
	mu     sync.Mutex
	items  []queued
	head   int
	bytes  int  // estimated size of items[head:] plus the batch being written
	closed bool // no more pushes; final is the last message written
	final  wamp.Message
	wake   chan struct{} // buffered 1: there is something to take
}

type queued struct {
	m    wamp.Message
	size int
}

// outbox is where a session's messages go: the outQueue a writer goroutine
// drains (goroutine transports), or the event-loop connection itself
// (loopOut). Both count what waits for the client against the same soft and
// hard limits, and push never waits.
type outbox interface {
	// push queues m (of estimated size) unless that takes what waits past
	// the limit l names; a message always goes to an empty outbox.
	push(m wamp.Message, size int, l limit) pushResult
	// close ends the outbox: final (if not nil) goes out after what is
	// queued, or instead of it when discard is set and it can still be
	// taken back. It reports false when the outbox was closed already.
	close(final wamp.Message, discard bool) bool
	isClosed() bool
	// queuedBytes is the size of what waits to be written.
	queuedBytes() int
}

// limit names the bound a message is queued under.
type limit uint8

const (
	limitSoft limit = iota // INVOCATION and EVENT: past it another callee, or the slow-subscriber policy
	limitHard              // replies, INTERRUPT and session messages: past it the session is closed
)

// pushResult says what push did.
type pushResult uint8

const (
	pushed     pushResult = iota
	overLimit             // not queued: the queue holds too much
	queueEnded            // not queued: the session is closing
)

func newOutQueue(soft, hard int) *outQueue {
	return &outQueue{soft: soft, hard: hard, wake: make(chan struct{}, 1)}
}

// push queues m when the queue is empty or m fits under the limit l names.
func (q *outQueue) push(m wamp.Message, size int, l limit) pushResult {
	limit := q.hard
	if l == limitSoft {
		limit = q.soft
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return queueEnded
	}
	if q.bytes > 0 && q.bytes+size > limit {
		q.mu.Unlock()
		return overLimit
	}
	if q.head > 0 && q.head >= len(q.items)/2 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, queued{m, size})
	q.bytes += size
	q.mu.Unlock()
	q.signal()
	return pushed
}

func (q *outQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// queuedBytes returns the estimated size of what waits to be written.
func (q *outQueue) queuedBytes() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// close ends the queue: final (if not nil) is written after what is
// queued, or instead of it when discard is set. It reports false and does
// nothing when the queue was closed already.
func (q *outQueue) close(final wamp.Message, discard bool) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	q.closed, q.final = true, final
	if discard {
		for _, it := range q.items[q.head:] {
			q.bytes -= it.size
		}
		q.items, q.head = nil, 0
	}
	q.mu.Unlock()
	q.signal()
	return true
}

// isClosed reports whether close was called.
func (q *outQueue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// take waits until there are messages to write, or the queue is closed,
// or ctx ends. It returns the waiting messages (appended to buf), and
// done with the final message when the queue is closed and nothing else
// waits. The caller calls written for every message it has written.
func (q *outQueue) take(ctx context.Context, buf []queued) (batch []queued, final wamp.Message, done bool) {
	for {
		q.mu.Lock()
		if q.head < len(q.items) {
			batch = append(buf, q.items[q.head:]...)
			clear(q.items[q.head:])
			q.items, q.head = q.items[:0], 0
			q.mu.Unlock()
			return batch, nil, false
		}
		if q.closed {
			final, q.final = q.final, nil
			q.mu.Unlock()
			return buf, final, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
			return buf, nil, true
		}
	}
}

// written accounts for a message taken and written (or given up).
func (q *outQueue) written(size int) {
	q.mu.Lock()
	q.bytes -= size
	q.mu.Unlock()
}
