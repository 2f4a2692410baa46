package loadgen

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram is log-linear, like HdrHistogram with two significant
// binary digits more than a power of two: values below 2^(subBits+1) ns
// have a bucket each (exact), and every power of two above is split into
// 2^subBits equal buckets. A bucket is then at most 1/2^subBits (0.78 %)
// of its lower bound wide, which is the precision of every reported
// quantile. Values from 2^maxBits ns (about 36 minutes) up land in the top
// bucket (Max stays exact). The memory is fixed: numBuckets counters
// (35 KiB), whatever is recorded.
const (
	subBits    = 7
	subCount   = 1 << subBits
	maxBits    = 41
	numBuckets = 2*subCount + (maxBits-subBits-1)*subCount
	// Precision is the largest relative error of a reported quantile: it
	// is at most this fraction above the exact value at the same rank.
	Precision = 1.0 / subCount
)

// bucketOf returns the bucket index of v ns (v >= 0).
func bucketOf(v int64) int {
	if v < 2*subCount {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - subBits - 1 // >= 1
	if e > maxBits-subBits-1 {
		return numBuckets - 1
	}
	return 2*subCount + (e-1)*subCount + int(uint64(v)>>uint(e)) - subCount
}

// bucketRange returns the smallest and the largest value of bucket i.
func bucketRange(i int) (lo, hi int64) {
	if i < 2*subCount {
		return int64(i), int64(i)
	}
	e := (i-2*subCount)/subCount + 1
	top := int64(i-2*subCount)%subCount + subCount
	return top << uint(e), (top+1)<<uint(e) - 1
}

// Histogram records latencies with a bounded memory and a documented
// precision (see Precision). Record is safe from any number of goroutines
// at once and never allocates; Snapshot may run meanwhile.
type Histogram struct {
	counts [numBuckets]atomic.Uint64
	sum    atomic.Int64 // ns, for the mean
	min    atomic.Int64 // ns+1, 0: none yet
	max    atomic.Int64
}

// Record adds one value; negative durations count as 0.
func (h *Histogram) Record(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(v)].Add(1)
	h.sum.Add(v)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			break
		}
	}
	for {
		m := h.min.Load()
		if (m != 0 && v+1 >= m) || h.min.CompareAndSwap(m, v+1) {
			break
		}
	}
}

// Snapshot returns a copy of the counts so far.
func (h *Histogram) Snapshot() *Snapshot {
	s := &Snapshot{Sum: h.sum.Load(), Max: h.max.Load()}
	if m := h.min.Load(); m > 0 {
		s.Min = m - 1
	}
	for i := range h.counts {
		n := h.counts[i].Load()
		s.counts[i] = n
		s.Count += n
	}
	return s
}

// Snapshot is a histogram at one moment: quantiles, count, min, mean, max.
type Snapshot struct {
	counts [numBuckets]uint64
	Count  uint64
	Sum    int64 // ns
	Min    int64 // ns
	Max    int64 // ns
}

// Merge adds o's counts to s.
func (s *Snapshot) Merge(o *Snapshot) {
	if o.Count == 0 {
		return
	}
	if s.Count == 0 || o.Min < s.Min {
		s.Min = o.Min
	}
	s.Max = max(s.Max, o.Max)
	s.Sum += o.Sum
	s.Count += o.Count
	for i := range s.counts {
		s.counts[i] += o.counts[i]
	}
}

// Quantile returns the value at quantile q (0 <= q <= 1): the value of
// rank ceil(q*Count) among the recorded ones in ascending order, reported
// as the largest value of its bucket (at most Precision above the exact
// one) but never above Max or below Min. q >= 1 is Max; an empty snapshot
// returns 0.
func (s *Snapshot) Quantile(q float64) time.Duration {
	if s.Count == 0 {
		return 0
	}
	if q >= 1 || math.IsNaN(q) {
		return time.Duration(s.Max)
	}
	rank := uint64(math.Ceil(q * float64(s.Count)))
	rank = max(rank, 1)
	var n uint64
	for i, c := range s.counts {
		n += c
		if n >= rank {
			_, hi := bucketRange(i)
			return time.Duration(min(max(hi, s.Min), s.Max))
		}
	}
	return time.Duration(s.Max)
}

// Mean returns the mean of the recorded values.
func (s *Snapshot) Mean() time.Duration {
	if s.Count == 0 {
		return 0
	}
	return time.Duration(s.Sum / int64(s.Count))
}

// CountAbove returns how many recorded values are at least d (counted by
// bucket: values within Precision below d may count too).
func (s *Snapshot) CountAbove(d time.Duration) uint64 {
	var n uint64
	for i := bucketOf(max(int64(d), 0)); i < numBuckets; i++ {
		n += s.counts[i]
	}
	return n
}
