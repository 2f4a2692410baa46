package router

import (
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// outQueue is a session's outbound queue: every message the router sends to
// the session goes through it, and one owner, the writer, takes messages
// out and writes them. The queue starts the writer (run, on a goroutine of
// its own, with a writerKit) when a message comes and none runs; the
// writer that finds the queue empty waits up to hotWait for more (wait),
// then retires, so an idle session holds no writer goroutine and a busy
// one does not start one per message. The writer that finds the queue
// closed writes the final message and is the last: no writer starts after
// it.
// It counts the estimated encoded size of what it holds; push refuses a
// message past the limit the caller names (soft for invocations and
// events, hard for replies), so the router never queues more than that
// and never drops a message without the caller knowing.
//
// Lock order: realm.mu, then outQueue.mu; the queue calls nothing while
// holding mu.
type outQueue struct {
	soft    int // the limit of limitSoft pushes
	hard    int // the limit of limitHard pushes
	mu      sync.Mutex
	items   []queued
	head    int
	bytes   int  // estimated size of items[head:] plus the batch being written
	closed  bool // no more pushes; final is the last message written
	writing bool // a writer runs (or the last one has run)
	final   wamp.Message
	run     func()     // the writer, started on a goroutine of its own
	kit     *writerKit // the running writer's; nil when none runs
}

// hotWait is how long a writer waits for the next message before it
// retires: a session that is sent something every 100 ms or more often
// keeps its writer (and its grown stack), an idle one holds none. Longer
// keeps more writers alive through a storm of joins (each WELCOME starts
// one): at 1 s the RSS per idle session after 10,000 joins grew by a
// quarter (bench/run-router.sh idle).
const hotWait = 100 * time.Millisecond

// writerKit is what a running writer uses: its hot-wait timer, the
// channel (buffered 1) pushes wake it on, and its batch. Kits are pooled:
// a writer takes one when it starts and gives it back when it retires, so
// an idle session holds none and a restart allocates nothing.
type writerKit struct {
	timer *time.Timer
	wake  chan struct{}
	buf   []queued
}

var kits = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &writerKit{timer: t, wake: make(chan struct{}, 1)}
}}

// maxKitBatch is the largest batch slice a pooled kit keeps.
const maxKitBatch = 1024

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
	// tooLarge: not queued, the session goes on: the transport cannot
	// carry a message this large to the peer (on the event loop only, for
	// the messages payload_size.go answers for; a goroutine transport's
	// writer finds it out when it sends).
	tooLarge
	// unencodable: not queued, the session goes on: the peer's serializer
	// cannot encode the message (a NaN or an infinity for JSON); as
	// tooLarge, on the event loop only and for the messages
	// payload_size.go answers for.
	unencodable
)

// setLimits sets the soft and hard limits (the realm's, on joining).
func (q *outQueue) setLimits(soft, hard int) {
	q.mu.Lock()
	q.soft, q.hard = soft, hard
	q.mu.Unlock()
}

// push queues m when the queue is empty or m fits under the limit l names.
func (q *outQueue) push(m wamp.Message, size int, l limit) pushResult {
	q.mu.Lock()
	limit := q.hard
	if l == limitSoft {
		limit = q.soft
	}
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
	start := q.startLocked()
	q.mu.Unlock()
	if start {
		go q.run()
	}
	return pushed
}

// startLocked reports whether the caller is to start the writer: none
// runs. When one runs, it wakes it.
func (q *outQueue) startLocked() bool {
	if q.writing {
		if q.kit != nil {
			select {
			case q.kit.wake <- struct{}{}:
			default:
			}
		}
		return false
	}
	q.kit = kits.Get().(*writerKit)
	q.writing = true
	return true
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
	start := q.startLocked()
	q.mu.Unlock()
	if start {
		go q.run()
	}
	return true
}

// isClosed reports whether close was called.
func (q *outQueue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

// take is the writer's: it returns the waiting messages (appended to
// buf); done with the final message when the queue is closed and nothing
// else waits (the writer is then the last); or nothing when nothing waits
// and the queue is open (the writer then waits). The caller calls written
// for every message it has written.
func (q *outQueue) take(buf []queued) (batch []queued, final wamp.Message, done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head < len(q.items) {
		batch = append(buf, q.items[q.head:]...)
		clear(q.items[q.head:])
		q.items, q.head = q.items[:0], 0
		return batch, nil, false
	}
	if q.closed {
		final, q.final = q.final, nil
		return buf, final, true
	}
	return buf, nil, false
}

// wait is the writer's when take returned nothing: it waits up to hotWait
// for a push or the close, and reports false when none came and the
// writer has retired: its kit went back to the pool, the queue let a big
// array go, and the next push starts a new writer.
func (q *outQueue) wait(k *writerKit) bool {
	k.timer.Reset(hotWait)
	select {
	case <-k.wake:
		return true
	case <-k.timer.C:
	}
	q.mu.Lock()
	if q.head < len(q.items) || q.closed {
		q.mu.Unlock()
		return true // came meanwhile
	}
	if cap(q.items) > 4 {
		q.items = nil
	}
	q.items, q.head = q.items[:0], 0
	q.writing, q.kit = false, nil
	q.mu.Unlock()
	q.putKit(k)
	return false
}

// putKit gives a retired or last writer's kit back to the pool; no push
// can wake it any more.
func (q *outQueue) putKit(k *writerKit) {
	k.timer.Stop()
	select {
	case <-k.wake:
	default:
	}
	if cap(k.buf) > maxKitBatch {
		k.buf = nil
	}
	kits.Put(k)
}

// written accounts for a message taken and written (or given up).
func (q *outQueue) written(size int) {
	q.mu.Lock()
	q.bytes -= size
	q.mu.Unlock()
}
