package main

import (
	"testing"
	"time"
)

// A quantile is never reported below the values it stands for: every
// recorded latency equal, every quantile is at least that latency (and
// within the 1/16 of a bucket above it).
func TestReview14bQuantileNotBelowValues(t *testing.T) {
	for _, v := range []int64{5, 17, 1000, 1023, 99_999, 12_345_678} {
		var h hist
		for range 100 {
			h.add(v)
		}
		for _, q := range []float64{0, 0.5, 0.99} {
			got := h.quantile(q)
			if got < time.Duration(v) || float64(got) > float64(v)*(1+1.0/16) {
				t.Errorf("%d ns recorded 100 times: quantile(%v) = %d ns, want %d .. %d×17/16", v, q, got, v, v)
			}
		}
	}
}
