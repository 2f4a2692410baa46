package coalesce

import (
	"testing"
	"time"
)

func TestPolicy(t *testing.T) {
	var p Policy
	t0 := time.Unix(1000, 0)
	// A fresh connection writes inline; the first write probes with a yield.
	if async, yield := p.Lead(t0); async || !yield {
		t.Fatalf("first Lead: async %v yield %v, want inline with a probing yield", async, yield)
	}
	p.Wrote(1, t0, t0.Add(5*time.Microsecond))
	// Request and response: the next Send comes long after the write.
	for i := 1; i < Probe; i++ {
		now := p.lastEnd.Add(20 * time.Microsecond)
		if async, yield := p.Lead(now); async || yield {
			t.Fatalf("Lead %d of a request-response exchange: async %v yield %v", i, async, yield)
		}
		p.Wrote(1, now, now.Add(5*time.Microsecond))
	}
	if _, yield := p.Lead(p.lastEnd.Add(20 * time.Microsecond)); !yield {
		t.Fatalf("no probing yield after %d writes", Probe)
	}
	// A burst from one goroutine: back before the write's duration.
	if async, _ := p.Lead(p.lastEnd.Add(time.Microsecond)); !async {
		t.Fatal("a Send 1 µs after a 5 µs write was not left to the writer")
	}
	// Writes carrying several messages turn the yield on for Warm writes.
	now := p.lastEnd.Add(time.Millisecond)
	p.Wrote(3, now, now.Add(5*time.Microsecond))
	for i := range Warm {
		now = p.lastEnd.Add(time.Millisecond)
		if async, yield := p.Lead(now); async || !yield {
			t.Fatalf("warm Lead %d: async %v yield %v", i, async, yield)
		}
		p.Wrote(1, now, now.Add(5*time.Microsecond))
	}
	if p.warm != 0 {
		t.Fatalf("warm %d after %d single-message writes", p.warm, Warm)
	}
}
