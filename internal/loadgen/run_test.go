package loadgen

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// echo answers every message with itself and notes the peers' addresses.
type echo struct {
	ws.BaseHandler
	mu      sync.Mutex
	sources map[string]bool
	ext     atomic.Value // the last connection's extensions
}

func (e *echo) OnOpen(c *ws.Conn) {
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	e.mu.Lock()
	e.sources[host] = true
	e.mu.Unlock()
	e.ext.Store(c.Extensions())
}

func (e *echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// loopEcho serves an echo on the event loop at 127.0.0.1:0.
func loopEcho(t *testing.T, opts *ws.Options) (string, *echo) {
	t.Helper()
	h := &echo{sources: map[string]bool{}}
	srv := &wsloop.Server{Handler: h, Options: opts, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		_ = srv.Shutdown(context.Background())
		<-ran
	})
	return "ws://" + addr.String() + "/echo", h
}

// checkCounts checks what every run must satisfy.
func checkCounts(t *testing.T, res *Result) {
	t.Helper()
	if res.Sent != res.Received+res.Errors {
		t.Errorf("sent %d != received %d + errors %d", res.Sent, res.Received, res.Errors)
	}
	if res.Errors != res.WriteErrors+res.Lost+res.Mismatched {
		t.Errorf("errors %d != %d + %d + %d", res.Errors, res.WriteErrors, res.Lost, res.Mismatched)
	}
	l := res.Latency
	if l.Count != uint64(res.Received) {
		t.Errorf("latency count %d, received %d", l.Count, res.Received)
	}
	seq := []time.Duration{l.Min, l.P50, l.P90, l.P99, l.P999, l.P9999, l.Max}
	for i := 1; i < len(seq); i++ {
		if seq[i] < seq[i-1] {
			t.Errorf("percentiles not monotone: %v", seq)
		}
	}
	for i := 1; i < len(l.Distribution); i++ {
		a, b := l.Distribution[i-1], l.Distribution[i]
		if b.Percentile <= a.Percentile || b.Value < a.Value || b.Count < a.Count {
			t.Errorf("ladder step %d not monotone: %+v then %+v", i, a, b)
		}
	}
}

func TestLoadgenClosedLoop(t *testing.T) {
	url, h := loopEcho(t, &ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}})
	sizes, _ := ParseSizes("16:3,300:1")
	var progress []Progress
	r := &Run{
		Dial:     Dial{URL: url, Conns: 8, Sources: 4, Compress: true},
		InFlight: 3, Sizes: sizes, Text: true,
		Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
		Progress: func(p Progress) { progress = append(progress, p) }, ProgressEvery: 100 * time.Millisecond,
	}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Connected != 8 || res.Received == 0 || res.Errors != 0 || res.UnexpectedCloses != 0 {
		t.Fatalf("result %+v", res)
	}
	if len(h.sources) != 4 || !h.sources["127.0.0.2"] || !h.sources["127.0.0.5"] {
		t.Fatalf("source addresses %v, want 127.0.0.2..5", h.sources)
	}
	if ext, _ := h.ext.Load().(string); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("extensions %q: deflate not negotiated", ext)
	}
	if len(progress) == 0 || progress[len(progress)-1].Phase != "done" {
		t.Fatalf("progress reports %+v", progress)
	}
	var sb strings.Builder
	if err := res.WriteText(&sb); err != nil || !strings.Contains(sb.String(), "closed loop, 3 in flight") || !strings.Contains(sb.String(), "1/(1-p)") {
		t.Fatalf("text output (%v):\n%s", err, sb.String())
	}
}

// stallEcho echoes on goroutines (ws.Server: one reader per connection)
// and holds every n-th message for stall first, which holds up every
// message behind it on that connection.
func stallEcho(t *testing.T, n int64, stall time.Duration) string {
	t.Helper()
	var count atomic.Int64
	h := &stallHandler{n: n, stall: stall, count: &count}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: h}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		_ = ln.Close() // Shutdown leaves the listener to its owner
		_ = srv.Shutdown(context.Background())
		<-done
	})
	return "ws://" + ln.Addr().String() + "/"
}

type stallHandler struct {
	ws.BaseHandler
	n     int64
	stall time.Duration
	count *atomic.Int64
}

func (h *stallHandler) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	if h.count.Add(1)%h.n == 0 {
		time.Sleep(h.stall) // the stall under test: this handler runs on the connection's goroutine
	}
	_ = c.WriteMessage(context.Background(), ws.OpBinary, p)
}

// The open loop reports a stall in every message it delayed; the closed
// loop, which stops sending while it waits, in one message per stall.
func TestLoadgenOpenLoopSeesStall(t *testing.T) {
	const stall = 100 * time.Millisecond
	run := func(open bool) *Result {
		r := &Run{
			Dial:   Dial{URL: stallEcho(t, 40, stall), Conns: 1},
			Warmup: 0, Duration: 400 * time.Millisecond,
		}
		if open {
			r.MsgRate = 200
		}
		res, err := r.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, res)
		return res
	}
	open := run(true)
	if open.Mode != "open" || open.Received == 0 {
		t.Fatalf("open loop result %+v", open)
	}
	// At 200 msg/s, a 100 ms stall delays the ~20 messages due during it
	// by up to 100 ms: about 14 of them by 30 ms or more, per stall.
	if n := open.Histogram().CountAbove(30 * time.Millisecond); n < 8 {
		t.Fatalf("open loop: %d latencies >= 30ms, want >= 8 (a stall of %v every 40 messages): %+v", n, stall, open.Latency)
	}
	closed := run(false)
	if closed.Received == 0 || closed.Latency.Max < stall {
		t.Fatalf("closed loop: max %v, want >= %v", closed.Latency.Max, stall)
	}
	// Each stall delays exactly one message of the closed loop.
	if n, stalls := closed.Histogram().CountAbove(stall), closed.Received/40+1; n > uint64(stalls) {
		t.Fatalf("closed loop: %d latencies >= %v, more than the %d stalls", n, stall, stalls)
	}
}

func TestLoadgenIdle(t *testing.T) {
	url, _ := loopEcho(t, nil)
	r := &Idle{Dial: Dial{URL: url, Conns: 12, Sources: 3, Rate: 1000}, Hold: 50 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Connected != 12 || res.Pinged != 12 || res.Pongs != 12 || res.UnexpectedCloses != 0 {
		t.Fatalf("idle result %+v", res)
	}
	var sb strings.Builder
	if err := res.WriteText(&sb); err != nil || !regexp.MustCompile(`pings / pongs +12 / 12`).MatchString(sb.String()) {
		t.Fatalf("text (%v):\n%s", err, sb.String())
	}
}

// Marginal: the connections open in two halves, every one is pinged at
// the end, and the second half's memory per connection is reported (the
// server is this process: its RSS grew by something).
func TestLoadgenIdleMarginal(t *testing.T) {
	url, _ := loopEcho(t, nil)
	r := &Idle{Dial: Dial{URL: url, Conns: 40, Rate: 1000}, Hold: 10 * time.Millisecond, PID: os.Getpid(), Marginal: true}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Connected != 40 || res.FirstHalf != 20 || res.Pongs != 40 {
		t.Fatalf("idle result %+v", res)
	}
	var sb strings.Builder
	_ = res.WriteText(&sb)
	if res.MarginalPerConn != 0 && !strings.Contains(sb.String(), "second half alone") {
		t.Fatalf("no second-half line:\n%s", sb.String())
	}
}

// The server's descriptors are counted: a PID that gains none for the
// connections (as a server beside another on one SO_REUSEPORT port gains
// about half) gets a warning, its own process (both ends here) none.
func TestLoadgenIdleOtherProcess(t *testing.T) {
	url, _ := loopEcho(t, nil)
	other := exec.Command("sleep", "30")
	if err := other.Start(); err != nil {
		t.Skip("no sleep command:", err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	for _, tc := range []struct {
		pid  int
		warn bool
	}{{os.Getpid(), false}, {other.Process.Pid, true}} {
		r := &Idle{Dial: Dial{URL: url, Conns: 20, Sources: 2, Rate: 1000}, Hold: 10 * time.Millisecond, PID: tc.pid}
		res, err := r.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		_ = res.WriteText(&sb)
		if res.NotAllTheServers() != tc.warn || strings.Contains(sb.String(), "WARNING") != tc.warn {
			t.Errorf("pid %d: fds %d -> %d for %d connections, warning %v:\n%s", tc.pid, res.FDsBefore, res.FDsAfter, res.Connected, res.NotAllTheServers(), sb.String())
		}
	}
}

func TestLoadgenErrors(t *testing.T) {
	ctx := context.Background()
	for _, r := range []*Run{
		{Dial: Dial{URL: "ftp://127.0.0.1:1/", Conns: 1}, Duration: time.Second},
		{Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 0}, Duration: time.Second},
		{Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 1}},
		{Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 1, Sources: 300}, Duration: time.Second},
	} {
		if _, err := r.Start(ctx); err == nil {
			t.Errorf("%+v: no error", r.Dial)
		}
	}
	// Nothing listens: every dial fails, and the run says so.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = (&Run{Dial: Dial{URL: "ws://" + addr + "/", Conns: 2}, Duration: time.Second}).Start(ctx)
	if err == nil || !strings.Contains(err.Error(), "no connection opened") {
		t.Fatalf("refused: %v", err)
	}
	_, err = (&Idle{Dial: Dial{URL: "ws://" + addr + "/", Conns: 2}}).Start(ctx)
	if err == nil {
		t.Fatal("idle refused: no error")
	}
}

// The open loop's bound per connection: what is due beyond it is counted
// as not sent, and the counts still add up.
func TestLoadgenOpenLoopBound(t *testing.T) {
	r := &Run{
		Dial:    Dial{URL: stallEcho(t, 20, 100*time.Millisecond), Conns: 1},
		MsgRate: 200, MaxInFlight: 4, Duration: 300 * time.Millisecond,
	}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.WriteErrors == 0 || res.Received == 0 {
		t.Fatalf("a 100 ms stall at 200 msg/s with 4 in flight at most: %d not sent, %d received", res.WriteErrors, res.Received)
	}
}

// A run whose context ends reports what ran, with finite numbers.
func TestLoadgenCancelled(t *testing.T) {
	url, _ := loopEcho(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	r := &Run{
		Dial: Dial{URL: url, Conns: 2}, Duration: time.Minute,
		Progress: func(p Progress) { // the first report of the measured time ends the run
			if p.Phase == "measure" {
				once.Do(cancel)
			}
		},
		ProgressEvery: 50 * time.Millisecond,
	}
	res, err := r.Start(ctx)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.DurationSeconds >= 60 {
		t.Fatalf("ran %v s after the cancellation", res.DurationSeconds)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatalf("JSON: %v", err)
	}
}

// notEcho answers every message with one byte more, and greets first.
type notEcho struct{ ws.BaseHandler }

func (notEcho) OnOpen(c *ws.Conn) {
	_ = c.WriteMessage(context.Background(), ws.OpBinary, []byte("hello"))
}

func (notEcho) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), ws.OpBinary, append(p, 'x'))
}

// A target that is not an echo: every answer is counted as mismatched
// (or unsolicited), none as received.
func TestLoadgenNotAnEcho(t *testing.T) {
	srv := &wsloop.Server{Handler: notEcho{}, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	defer func() { _ = srv.Shutdown(context.Background()); <-ran }()
	r := &Run{Dial: Dial{URL: "ws://" + addr.String() + "/", Conns: 2}, Duration: 200 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Received != 0 || res.Mismatched == 0 {
		t.Fatalf("not an echo: sent %d received %d mismatched %d unsolicited %d lost %d", res.Sent, res.Received, res.Mismatched, res.Unsolicited, res.Lost)
	}
}
