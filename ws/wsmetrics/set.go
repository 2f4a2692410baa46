package wsmetrics

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Set is a set of WebSocket server counters. The zero value is ready to
// use; a Set must not be copied after first use. All methods are safe for
// concurrent use and no-ops on a nil *Set.
type Set struct {
	opened, closed    atomic.Uint64
	bytesIn, bytesOut atomic.Uint64                    // the message counts are the histograms' totals
	durationNanos     atomic.Uint64                    // sum of the durations observed
	sizeIn, sizeOut   histogram                        // message payload sizes, bytes
	durations         histogram                        // connection lifetimes, nanoseconds
	closeCodes        [numCloseCodes + 1]atomic.Uint64 // 1000..1015, then other
	rejected          [len(RejectStatuses) + 1]atomic.Uint64
}

// SizeBuckets are the upper bounds (bytes, inclusive) of the message-size
// histograms; larger messages fall in +Inf.
var SizeBuckets = [...]uint64{16, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20}

// DurationBuckets are the upper bounds (inclusive) of the connection
// duration histogram; longer connections fall in +Inf.
var DurationBuckets = [...]time.Duration{
	10 * time.Millisecond, 100 * time.Millisecond, time.Second, 10 * time.Second,
	time.Minute, 10 * time.Minute, time.Hour,
}

// RejectStatuses are the HTTP statuses of refused handshakes counted
// apart; any other is counted as "other".
var RejectStatuses = [...]int{400, 403, 404, 405, 406, 413, 426, 429, 431, 500, 503}

// Close codes 1000..1000+numCloseCodes-1 are counted apart.
const numCloseCodes = 16

type histogram struct {
	counts [len(SizeBuckets) + 1]atomic.Uint64 // per bucket (not cumulative); last: +Inf
}

func (h *histogram) observe(v uint64, bounds []uint64) {
	i := 0
	for i < len(bounds) && v > bounds[i] {
		i++
	}
	h.counts[i].Add(1)
}

// sizeBucket is the index in SizeBuckets (16·4^i) of the smallest bound
// at least n, or len(SizeBuckets) for +Inf: observe's scan, computed.
func sizeBucket(n uint64) int {
	if n <= SizeBuckets[0] {
		return 0
	}
	return min((bits.Len64(n-1)-3)/2, len(SizeBuckets))
}

// durationBounds is DurationBuckets in nanoseconds, for histogram.observe.
var durationBounds = func() []uint64 {
	b := make([]uint64, len(DurationBuckets))
	for i, d := range DurationBuckets {
		b[i] = uint64(d)
	}
	return b
}()

// epoch is the origin of Open's monotonic timestamps.
var epoch = time.Now()

// Open counts a connection as opened and returns its start time, for
// Close. On a nil Set it returns 0.
func (s *Set) Open() int64 {
	if s == nil {
		return 0
	}
	s.opened.Add(1)
	return int64(time.Since(epoch))
}

// Close counts a connection opened at start (Open's result) as closed
// with code, the status code its Handler's OnClose got.
func (s *Set) Close(code uint16, start int64) {
	if s == nil {
		return
	}
	d := max(int64(time.Since(epoch))-start, 0)
	s.durations.observe(uint64(d), durationBounds)
	s.durationNanos.Add(uint64(d))
	i := int(code) - 1000
	if i < 0 || i >= numCloseCodes {
		i = numCloseCodes
	}
	s.closeCodes[i].Add(1)
	s.closed.Add(1)
}

// Received counts a message of n payload bytes delivered to the
// application.
func (s *Set) Received(n int) {
	if s == nil {
		return
	}
	s.bytesIn.Add(uint64(n))
	s.sizeIn.counts[sizeBucket(uint64(n))].Add(1)
}

// Sent counts a message of n payload bytes accepted for sending.
func (s *Set) Sent(n int) {
	if s == nil {
		return
	}
	s.bytesOut.Add(uint64(n))
	s.sizeOut.counts[sizeBucket(uint64(n))].Add(1)
}

// Rejected counts an opening handshake refused with HTTP status.
func (s *Set) Rejected(status int) {
	if s == nil {
		return
	}
	i := 0
	for i < len(RejectStatuses) && RejectStatuses[i] != status {
		i++
	}
	s.rejected[i].Add(1)
}
