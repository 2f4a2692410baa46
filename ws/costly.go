package ws

import (
	"runtime"
	"sync"
)

// Costly decodes on the goroutine driver.
//
// A goroutine-driven Conn decodes on its own reading goroutine. A
// CostlyDecoder's message (bzip2: most of a CPU-second for a few hundred
// bytes) takes a processor for that long there, and four of them at once
// took both processors of a 2-core machine from every other connection
// (echo p50 21 ms, p99 172 ms; bounded: 0.13 ms and 16–35 ms,
// bench/cmd/bombp99 -driver goroutines). So at most GOMAXPROCS-1 such
// decodes (at least one) run at once in the process, the event-loop
// drivers' decoding pool (offload.go) included: its workers take the same
// slots. The others wait for a slot, their connection's reading paused
// meanwhile (TCP flow control holds the peer); the wait is bounded by the
// decodes ahead, each bounded by MaxMessagePayload.

// costly counts the slots taken: decodes on connections' goroutines and
// the decoding pool's.
var costly = struct {
	mu      sync.Mutex
	cond    sync.Cond
	running int
}{}

func init() { costly.cond.L = &costly.mu }

// costlyEnter waits for a slot for a costly decode; costlyLeave frees it.
func costlyEnter() {
	costly.mu.Lock()
	for costly.running >= max(1, runtime.GOMAXPROCS(0)-1) {
		costly.cond.Wait()
	}
	costly.running++
	costly.mu.Unlock()
}

func costlyLeave() {
	costly.mu.Lock()
	costly.running--
	costly.mu.Unlock()
	costly.cond.Signal()
}

// costlyDecode reports whether decoding a piece of c's messages takes a
// slot (costlyEnter): on a goroutine-driven Conn whose codec is a
// CostlyDecoder. (A push-mode Conn decodes those off its loop, or on the
// driver's goroutine, which must not wait here.)
func (c *Conn) costlyDecode() bool {
	if c.push {
		return false
	}
	cd, ok := c.codec.(CostlyDecoder)
	return ok && cd.CostlyDecode()
}
