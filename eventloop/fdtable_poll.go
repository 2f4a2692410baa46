//go:build (linux || darwin || freebsd || netbsd || openbsd || dragonfly) && !eventloop_goroutines

package eventloop

import (
	"sync"
	"sync/atomic"
)

// fdTable finds a Loop's connections by file descriptor, for all its
// loops. File descriptors are numbered per process, so a table per loop
// would span every descriptor of the process in each loop: L loops cost
// L × 8 bytes per connection, 128 B on 16 cores. One table for the Loop
// costs 8.
//
// The table is in chunks made on first use, which never move: a loop reads
// a slot while another makes a chunk. The list of chunks is copied when it
// grows (under mu) and published whole. Each slot is written only by the
// loop that owns its connection (insert, close), but a loop may read the
// slot of another's connection: an event left from a descriptor it closed,
// which the kernel gave to a connection of another loop. So the slots are
// atomic, and the reader checks that the connection is its own.
type fdTable struct {
	mu     sync.Mutex
	chunks atomic.Pointer[[]*fdChunk]
}

const fdChunkBits = 10

// fdChunk holds the connections of 1024 consecutive descriptors (8 KiB).
type fdChunk [1 << fdChunkBits]atomic.Pointer[Conn]

// get returns the connection registered for fd, or nil.
func (t *fdTable) get(fd int) *Conn {
	cs := t.chunks.Load()
	if cs == nil || fd < 0 {
		return nil
	}
	i := fd >> fdChunkBits
	if i >= len(*cs) || (*cs)[i] == nil {
		return nil
	}
	return (*cs)[i][fd&(1<<fdChunkBits-1)].Load()
}

// set registers c (nil: none) for fd.
func (t *fdTable) set(fd int, c *Conn) {
	t.chunk(fd)[fd&(1<<fdChunkBits-1)].Store(c)
}

// chunk returns the chunk of fd, made if needed.
func (t *fdTable) chunk(fd int) *fdChunk {
	i := fd >> fdChunkBits
	if cs := t.chunks.Load(); cs != nil && i < len(*cs) && (*cs)[i] != nil {
		return (*cs)[i]
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var old []*fdChunk
	if cs := t.chunks.Load(); cs != nil {
		old = *cs
	}
	if i < len(old) && old[i] != nil {
		return old[i]
	}
	cs := make([]*fdChunk, max(len(old), i+1))
	copy(cs, old)
	cs[i] = new(fdChunk)
	t.chunks.Store(&cs)
	return cs[i]
}

// each calls f for every connection of lp in the table. f may remove it.
func (t *fdTable) each(lp *loop, f func(c *Conn)) {
	cs := t.chunks.Load()
	if cs == nil {
		return
	}
	for _, ch := range *cs {
		if ch == nil {
			continue
		}
		for i := range ch {
			if c := ch[i].Load(); c != nil && c.lp == lp {
				f(c)
			}
		}
	}
}
