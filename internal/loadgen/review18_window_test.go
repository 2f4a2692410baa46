package loadgen

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// holdMeasure makes measure's stage take d (a starved machine, a slow
// /proc) for the duration of the test.
func holdMeasure(t *testing.T, stage string, d time.Duration) {
	t.Helper()
	measureHook = func(s string) {
		if s == stage {
			time.Sleep(d) // the injected delay, not a synchronization
		}
	}
	t.Cleanup(func() { measureHook = nil })
}

// The throughput and the CPU shares are of one span, read with the answer
// counts. When taking the first sample outlasted the cell (a starved
// machine), the measured time came out as microseconds while the answers
// counted were those of the planned window and the CPU times spanned the
// sampling: a 200 ms cell reported generator CPU of tens of thousands of
// percent.
func TestReview18SlowSampleKeepsSpan(t *testing.T) {
	url, _ := loopEcho(t, nil)
	const d = 200 * time.Millisecond
	holdMeasure(t, "start", 300*time.Millisecond)
	r := &Run{Dial: Dial{URL: url, Conns: 2}, Duration: d, PID: os.Getpid(), Drain: time.Second, InFlight: 4}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	el := time.Duration(res.DurationSeconds * float64(time.Second))
	if el < d/2 {
		t.Errorf("measured %v of a %v cell (%d answers, %.0f msg/s)", el, d, res.Answered, res.MsgPerSecond)
	}
	limit := 100*float64(runtime.NumCPU()) + 10
	if res.GeneratorCPUPercent > limit {
		t.Errorf("generator CPU %.0f %% on %d cores", res.GeneratorCPUPercent, runtime.NumCPU())
	}
	if res.Server == nil || res.Server.CPUPercent > limit {
		t.Errorf("server use %+v on %d cores", res.Server, runtime.NumCPU())
	}
}

// A measured time far longer than planned (the generator's timer woke
// late) is flagged, in the result and its table, rather than reported as
// a measurement.
func TestReview18LateEndFlagged(t *testing.T) {
	url, _ := loopEcho(t, nil)
	const d = 100 * time.Millisecond
	holdMeasure(t, "end", 3*d)
	r := &Run{Dial: Dial{URL: url, Conns: 1}, Duration: d, Drain: time.Second}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Unreliable == "" {
		t.Fatalf("a %v cell measured over %.3f s is not flagged", d, res.DurationSeconds)
	}
	var b strings.Builder
	if err := res.WriteText(&b); err != nil || !strings.Contains(b.String(), "not a measurement: ") {
		t.Errorf("table (%v) does not flag it:\n%s", err, b.String())
	}
}

// What unreliable accepts and refuses.
func TestReview18Unreliable(t *testing.T) {
	const d = 200 * time.Millisecond
	for _, c := range []struct {
		res      Result
		canceled bool
		flagged  bool
	}{
		{Result{DurationSeconds: 0.2, GeneratorCPUPercent: 180, Server: &ServerUse{CPUPercent: 95}}, false, false},
		{Result{DurationSeconds: 0.25}, false, false},
		{Result{DurationSeconds: 0.05}, true, false}, // ended by ctx: what ran
		{Result{DurationSeconds: 0.05}, false, true},
		{Result{DurationSeconds: 0.5}, false, true},
		{Result{DurationSeconds: 0.2, GeneratorCPUPercent: 54060}, false, true},
		{Result{DurationSeconds: 0.2, Server: &ServerUse{CPUPercent: 900}}, false, true},
	} {
		got := c.res.unreliable(d, c.canceled, 2)
		if (got != "") != c.flagged {
			t.Errorf("%+v (server %+v, canceled %v): %q, want flagged %v", c.res, c.res.Server, c.canceled, got, c.flagged)
		}
	}
}
