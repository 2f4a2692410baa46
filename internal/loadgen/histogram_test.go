package loadgen

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactQuantile is the reference: the value of rank ceil(q*n).
func exactQuantile(sorted []int64, q float64) int64 {
	if q >= 1 {
		return sorted[len(sorted)-1]
	}
	r := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[r-1]
}

func TestHistogramBuckets(t *testing.T) {
	// Every bucket's range starts right after the previous one's and the
	// values of a range map back to their bucket.
	var next int64
	for i := range numBuckets {
		lo, hi := bucketRange(i)
		if lo != next || hi < lo {
			t.Fatalf("bucket %d: [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if i >= 2*subCount && float64(hi-lo+1) > Precision*float64(lo) {
			t.Fatalf("bucket %d: [%d, %d] wider than the precision", i, lo, hi)
		}
		for _, v := range []int64{lo, hi, lo + (hi-lo)/2} {
			if b := bucketOf(v); b != i && i != numBuckets-1 {
				t.Fatalf("bucketOf(%d) = %d, want %d", v, b, i)
			}
		}
		next = hi + 1
	}
	if bucketOf(math.MaxInt64) != numBuckets-1 || bucketOf(-5) != 0 {
		t.Fatal("out-of-range values must clamp")
	}
}

func TestHistogramQuantilesAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() int64{
		"uniform 0..1ms":   func() int64 { return rng.Int64N(1_000_000) },
		"exponential 50µs": func() int64 { return int64(rng.ExpFloat64() * 50_000) },
		"small exact":      func() int64 { return rng.Int64N(200) },
		"bimodal stall": func() int64 {
			if rng.IntN(100) == 0 {
				return 200_000_000 + rng.Int64N(1000)
			}
			return 20_000 + rng.Int64N(5000)
		},
		"constant": func() int64 { return 123_456 },
	}
	qs := []float64{0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1}
	for name, gen := range dists {
		t.Run(name, func(t *testing.T) {
			var h Histogram
			vals := make([]int64, 20000)
			for i := range vals {
				vals[i] = gen()
				h.Record(time.Duration(vals[i]))
			}
			slices.Sort(vals)
			s := h.Snapshot()
			if s.Count != uint64(len(vals)) || s.Min != vals[0] || s.Max != vals[len(vals)-1] {
				t.Fatalf("count/min/max = %d/%d/%d, want %d/%d/%d", s.Count, s.Min, s.Max, len(vals), vals[0], vals[len(vals)-1])
			}
			var sum int64
			for _, v := range vals {
				sum += v
			}
			if s.Mean() != time.Duration(sum/int64(len(vals))) {
				t.Fatalf("mean %v, want %v", s.Mean(), time.Duration(sum/int64(len(vals))))
			}
			prev := time.Duration(-1)
			for _, q := range qs {
				got, want := int64(s.Quantile(q)), exactQuantile(vals, q)
				if got < want || float64(got-want) > Precision*float64(want) {
					t.Errorf("q%.4f = %d, exact %d: outside [exact, exact*(1+%.4f)]", q, got, want, Precision)
				}
				if time.Duration(got) < prev {
					t.Errorf("q%.4f = %d below the previous quantile %d", q, got, prev)
				}
				prev = time.Duration(got)
			}
		})
	}
}

func TestHistogramEmptyMergeAndCountAbove(t *testing.T) {
	var a, b Histogram
	if s := a.Snapshot(); s.Count != 0 || s.Quantile(0.5) != 0 || s.Mean() != 0 || s.Min != 0 {
		t.Fatalf("empty snapshot: %+v", s)
	}
	for i := 1; i <= 100; i++ {
		a.Record(time.Duration(i) * time.Microsecond)
		b.Record(time.Duration(i) * time.Millisecond)
	}
	b.Record(-time.Second) // counts as 0
	s := a.Snapshot()
	s.Merge(b.Snapshot())
	if s.Count != 201 || s.Min != 0 || s.Max != int64(100*time.Millisecond) {
		t.Fatalf("merged: count %d min %d max %d", s.Count, s.Min, s.Max)
	}
	if n := s.CountAbove(time.Millisecond); n != 100 {
		t.Fatalf("CountAbove(1ms) = %d, want 100", n)
	}
	if q := s.Quantile(0.5); q < 100*time.Microsecond || q > 101*time.Microsecond {
		t.Fatalf("median %v, want 100µs", q)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	for i := range b.N {
		h.Record(time.Duration(i & 0xFFFFF))
	}
}
