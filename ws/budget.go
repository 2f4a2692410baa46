package ws

import (
	"errors"
	"sync/atomic"
)

// MemoryBudget bounds the bytes that the connections sharing it hold for
// their peers, whatever their number: messages being assembled (a message
// that spans frames or reads, and decoded messages) and the output queued
// on push-mode (event-loop) connections. Each connection is bounded on its
// own too (MaxMessagePayload; OutputBounds), but a thousand connections
// each within its bounds can still hold gigabytes; the budget bounds the
// sum.
//
// When it is exhausted, a connection whose incoming message would need
// more is failed with 1013 (try again later): the peer is told that the
// server is overloaded, not that the message is at fault. A push-mode
// write that would need more fails with ErrMemoryBudget and queues
// nothing, like ErrQueueFull. The check comes before the bytes are held,
// the charge after, so connections racing for the last bytes can go over
// by about one piece each (a read's worth of message, or one message
// queued).
//
// A MemoryBudget is safe for concurrent use; share one between the
// Options of every server that should share the bound.
type MemoryBudget struct {
	limit   int64
	used    atomic.Int64
	refused atomic.Uint64
}

// DefaultMemoryBudget is the size of the budget that connections whose
// Options name none share, process-wide: room for 64 messages of the
// default MaxMessagePayload (16 MiB) at once.
const DefaultMemoryBudget = 1 << 30

// defaultBudget is the budget of Options without one.
var defaultBudget = NewMemoryBudget(DefaultMemoryBudget)

// ErrMemoryBudget: a push-mode write found the connection's MemoryBudget
// exhausted; nothing of the message was queued and the connection stays
// open. It matches ErrQueueFull.
var ErrMemoryBudget error = budgetError{}

type budgetError struct{}

func (budgetError) Error() string        { return "ws: memory budget exhausted" }
func (budgetError) Is(target error) bool { return target == ErrQueueFull }

// NewMemoryBudget returns a budget of limit bytes (limit <= 0: no limit).
func NewMemoryBudget(limit int64) *MemoryBudget {
	if limit <= 0 {
		limit = 1<<63 - 1
	}
	return &MemoryBudget{limit: limit}
}

// Limit returns the budget's size in bytes.
func (b *MemoryBudget) Limit() int64 { return b.limit }

// Used returns the bytes charged to the budget now.
func (b *MemoryBudget) Used() int64 { return b.used.Load() }

// Refused returns how many times a connection was failed, or a write
// refused, because the budget was exhausted.
func (b *MemoryBudget) Refused() uint64 { return b.refused.Load() }

// fits reports whether n more bytes fit, counting a refusal if not.
func (b *MemoryBudget) fits(n int64) bool {
	if b.used.Load()+n <= b.limit {
		return true
	}
	b.refused.Add(1)
	return false
}

// add charges n bytes (n < 0: gives them back).
func (b *MemoryBudget) add(n int64) { b.used.Add(n) }

// budget is the connection's MemoryBudget.
func (o *Options) budget() *MemoryBudget {
	if o.MemoryBudget != nil {
		return o.MemoryBudget
	}
	return defaultBudget
}

// errOverBudget is the fault of a connection whose message did not fit in
// its MemoryBudget.
var errOverBudget = errors.New("ws: memory budget exhausted")

func overBudgetErr() error {
	return &ProtocolError{Code: StatusTryAgainLater, Reason: "server memory budget exhausted", Err: errOverBudget}
}

// chargeTo charges the budget for a message buffer of the given capacity
// (what it charged already counts), or returns the 1013 fault when that
// does not fit. c.rmu must be held (or the connection's message owned,
// offload.go).
func (c *Conn) chargeTo(capacity int) error {
	n := int64(capacity) - c.msgCharge
	if n <= 0 {
		return nil
	}
	b := c.opts.budget()
	if !b.fits(n) {
		return overBudgetErr()
	}
	b.add(n)
	c.msgCharge += n
	return nil
}

// growMsg returns msg with room for n more bytes of a message whose
// current frame has rest more to come (last: the frame ends the message),
// charged to the budget before it is allocated: the frame's whole size at
// once (a large single-frame message is allocated once, not grown step by
// step), exactly when the frame ends the message, else at least a quarter
// more than the old capacity (many small frames cost amortized constant
// copying).
func (c *Conn) growMsg(msg []byte, n int, rest int64, last bool) ([]byte, error) {
	need := len(msg) + n
	if need <= cap(msg) {
		return msg, nil
	}
	size := int64(need) + rest
	if !last {
		size = max(size, int64(cap(msg))+int64(cap(msg))/4)
	}
	if m := c.opts.MaxMessagePayload; m > 0 {
		size = max(min(size, m), int64(need))
	}
	if err := c.chargeTo(int(size)); err != nil {
		return msg, err
	}
	nb := make([]byte, len(msg), size)
	copy(nb, msg)
	return nb, nil
}

// uncharge gives back what the message being assembled was charged.
func (c *Conn) uncharge() {
	if c.msgCharge != 0 {
		c.opts.budget().add(-c.msgCharge)
		c.msgCharge = 0
	}
}

// accountLocked brings what the output queue is charged to the budget in
// line with what it holds; an ended queue is charged nothing (what the
// driver still sends is its own). c.out.mu must be held.
func (c *Conn) accountLocked() {
	q := c.out
	want := int64(0)
	if !q.ended {
		want = int64(c.pendingLocked())
	}
	if d := want - q.charged; d != 0 {
		c.opts.budget().add(d)
		q.charged = want
	}
}
