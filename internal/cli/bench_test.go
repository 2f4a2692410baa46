package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/loadgen"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// The compare test runs this test binary as its servers: with
// AUTOBAHN_BENCH_CHILD=1 and the arguments "echo-server ADDR" it serves
// serve's echo handler on the event loop at ADDR until SIGTERM ends the
// process (like the bench module's servers, it does not catch it).
func init() {
	if os.Getenv("AUTOBAHN_BENCH_CHILD") != "1" || len(os.Args) != 3 || os.Args[1] != "echo-server" {
		return
	}
	_ = wsloop.ListenAndServe(context.Background(), os.Args[2], echoHandler{log: slog.New(slog.DiscardHandler)}, nil)
	os.Exit(1)
}

// benchTarget serves serve's echo handler on the event loop at 127.0.0.1:0.
func benchTarget(t *testing.T) string {
	t.Helper()
	srv := &wsloop.Server{Handler: echoHandler{log: slog.New(slog.DiscardHandler)}, Config: eventloop.Config{Loops: 1}}
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
	return "ws://" + addr.String() + "/echo"
}

func TestBenchRunJSON(t *testing.T) {
	url := benchTarget(t)
	for _, mode := range [][]string{
		{"--inflight", "2", "--size", "8:1,200:1", "--text"},
		{"--msg-rate", "500"},
	} {
		var out, errb bytes.Buffer
		args := append([]string{"bench", "run", "--json", "-c", "5", "--warmup", "50ms", "--duration", "300ms", "--progress", "100ms"}, mode...)
		if err := run(context.Background(), append(args, url), &out, &errb); err != nil {
			t.Fatalf("%v: %v\n%s", mode, err, errb.String())
		}
		var res loadgen.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%v: stdout is not the JSON result: %v\n%s", mode, err, out.String())
		}
		checkSchema(t, out.Bytes())
		if res.Connected != 5 || res.Sent == 0 || res.Sent != res.Received+res.Errors || res.Errors != 0 {
			t.Errorf("%v: counts: connected %d sent %d received %d errors %d", mode, res.Connected, res.Sent, res.Received, res.Errors)
		}
		l := res.Latency
		if l.Count != uint64(res.Received) || l.P50 <= 0 || !(l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
			t.Errorf("%v: latency %+v", mode, l)
		}
		if len(l.Distribution) < 2 || l.Distribution[len(l.Distribution)-1].Percentile != 100 {
			t.Errorf("%v: distribution %+v", mode, l.Distribution)
		}
		// Progress goes to stderr with --json, as plain lines (not a terminal).
		if p := errb.String(); !strings.Contains(p, "done") || strings.Contains(p, "\r") {
			t.Errorf("%v: progress %q", mode, p)
		}
	}
}

// checkSchema checks the JSON keys scripts rely on.
func checkSchema(t *testing.T, b []byte) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mode", "url", "conns", "connected", "sizes", "duration_s", "sent", "received", "errors",
		"write_errors", "lost", "mismatched", "msg_per_s", "bytes_per_s", "latency", "generator_cpu_percent"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	lat, _ := m["latency"].(map[string]any)
	for _, k := range []string{"count", "min_ns", "mean_ns", "p50_ns", "p90_ns", "p99_ns", "p99_9_ns", "max_ns", "distribution", "precision"} {
		if _, ok := lat[k]; !ok {
			t.Errorf("JSON latency lacks %q", k)
		}
	}
}

func TestBenchRunText(t *testing.T) {
	url := benchTarget(t)
	var out bytes.Buffer
	err := run(context.Background(), []string{"bench", "run", url, "-c", "3", "--warmup", "0s", "--duration", "200ms", "--progress", "50ms"}, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"measure", "conns 3", "sent / received", "closed loop, 1 in flight", "percentile", "generator CPU"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestBenchIdleJSON(t *testing.T) {
	url := benchTarget(t)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"bench", "idle", "-n", "10", "--hold", "20ms", "--json", url}, &out, &errb); err != nil {
		t.Fatal(err, errb.String())
	}
	var res loadgen.IdleResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if res.Connected != 10 || res.Pinged != 10 || res.Pongs != 10 {
		t.Fatalf("idle: %+v", res)
	}
}

func TestBenchUsage(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"bench"}, &out, &out); err != nil || !strings.Contains(out.String(), "bench run") {
		t.Fatalf("bench: %v %q", err, out.String())
	}
	var ue usageError
	for _, args := range [][]string{
		{"bench", "fly"},
		{"bench", "run"},
		{"bench", "run", "ws://a/", "ws://b/"},
		{"bench", "run", "--size", "x", "ws://a/"},
		{"bench", "run", "--no-such-flag", "ws://a/"},
		{"bench", "idle"},
	} {
		if err := run(ctx, args, &out, &out); !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	// A URL the event-loop client cannot dial: a clear error.
	if err := run(ctx, []string{"bench", "run", "ftp://127.0.0.1:1/"}, &out, &out); err == nil || !strings.Contains(err.Error(), "ws://") {
		t.Errorf("ftp: %v", err)
	}
}

func TestBenchCompare(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AUTOBAHN_BENCH_CHILD", "1")
	svg := filepath.Join(t.TempDir(), "chart.svg")
	var out, errb bytes.Buffer
	args := []string{"bench", "compare", "--servers", "", "--server", "one=" + exe + " echo-server {addr}",
		"--server", "two=" + exe + " echo-server {addr}", "--conns", "4", "--sizes", "32,1k", "--idle", "5",
		"--rounds", "2", "--warmup", "20ms", "--duration", "100ms", "--server-cpu", "-1", "--json", "--svg", svg}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res loadgen.CompareResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	// Without --msg-rate every server answers the same offered load.
	if len(res.Servers) != 2 || len(res.Cells) != 2 || res.Rounds != 2 || res.MsgRate != defaultCompareRate {
		t.Fatalf("result %+v", res)
	}
	for _, sr := range res.Servers {
		if len(sr.IdleRSS) != 2 {
			t.Errorf("%s: idle samples %v", sr.Name, sr.IdleRSS)
		}
		for _, c := range res.Cells {
			smp := sr.Cells[c.String()]
			med := sr.Medians[c.String()]
			if len(smp) != 2 || med.Err != "" || med.MsgPerSecond <= 0 || med.Errors != 0 || med.P99 < med.P50 {
				t.Errorf("%s %v: samples %+v median %+v", sr.Name, c, smp, med)
			}
			// The server's PID was known: its CPU was read.
			if med.MsgPerCPUSecond <= 0 {
				t.Errorf("%s %v: no server CPU: %+v", sr.Name, c, med)
			}
		}
	}
	// Rounds alternate: round 1 runs one then two, round 2 two then one.
	log := errb.String()
	r1, r2 := strings.Index(log, "round 1 one"), strings.Index(log, "round 1 two")
	r3, r4 := strings.Index(log, "round 2 two"), strings.Index(log, "round 2 one")
	if !(r1 >= 0 && r1 < r2 && r2 < r3 && r3 < r4) {
		t.Errorf("order of the rounds:\n%s", log)
	}
	// The Markdown tables.
	out.Reset()
	var md strings.Builder
	if err := res.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "| one |") || !strings.Contains(md.String(), "| server | 4×32 B | 4×1 KiB |") {
		t.Errorf("markdown (%v):\n%s", err, md.String())
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.HasPrefix(string(b), "<svg") || !strings.Contains(string(b), ">two<") {
		t.Errorf("chart (%v): %.200s", err, b)
	}
	if err := run(context.Background(), []string{"bench", "compare", "--servers", "nosuch"}, &out, &out); !errors.As(err, new(usageError)) {
		t.Errorf("unknown server: %v", err)
	}
}

// TestBenchCompareMsgRate: with --msg-rate every cell runs the open loop
// at that total rate, so every server answers the same load: the rate
// each reached is near it (not what a closed loop would reach), and the
// report says so.
func TestBenchCompareMsgRate(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AUTOBAHN_BENCH_CHILD", "1")
	var out, errb bytes.Buffer
	const rate = 400
	args := []string{"bench", "compare", "--servers", "", "--server", "one=" + exe + " echo-server {addr}",
		"--server", "two=" + exe + " echo-server {addr}", "--conns", "4", "--sizes", "32", "--idle", "0",
		"--rounds", "1", "--warmup", "50ms", "--duration", "500ms", "--server-cpu", "-1", "--msg-rate", fmt.Sprint(rate), "--json"}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res loadgen.CompareResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if res.MsgRate != rate || len(res.Servers) != 2 {
		t.Fatalf("result %+v", res)
	}
	for _, sr := range res.Servers {
		med := sr.Medians[res.Cells[0].String()]
		// A closed loop on loopback answers tens of thousands per second;
		// the open loop sends rate per second, give or take the edges of
		// the measured window.
		if med.Err != "" || med.MsgPerSecond < rate/2 || med.MsgPerSecond > rate*2 {
			t.Errorf("%s: %+v, want about %d msg/s", sr.Name, med, rate)
		}
	}
	var md strings.Builder
	if err := res.WriteReport(&md, "", loadgen.ReportCharts{}); err != nil || !strings.Contains(md.String(), "open loop, 400 messages per second") {
		t.Errorf("markdown (%v):\n%s", err, md.String())
	}
}

// TestBenchRunEngineURing: bench run --engine uring measures like the
// loop engine (every message answered, latencies recorded) and says which
// engine ran; compare passes it on.
func TestBenchRunEngineURing(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("io_uring is Linux's")
	}
	url := benchTarget(t)
	var out, errb bytes.Buffer
	args := []string{"bench", "run", "--json", "--engine", "uring", "-c", "5", "--inflight", "2", "--warmup", "50ms", "--duration", "300ms", "--progress", "0", url}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		if errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM) {
			t.Skip("io_uring not available:", err)
		}
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res loadgen.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if res.Engine != "uring" || res.Connected != 5 || res.Sent == 0 || res.Sent != res.Received+res.Errors || res.Errors != 0 || res.Latency.P50 <= 0 {
		t.Errorf("engine %q: connected %d sent %d received %d errors %d, p50 %v", res.Engine, res.Connected, res.Sent, res.Received, res.Errors, res.Latency.P50)
	}
	if err := run(context.Background(), []string{"bench", "run", "--engine", "nosuch", url}, &out, &errb); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown engine: %v", err)
	}
}

// TestBenchCompareLoad: bench compare measures at equal load unless a
// closed-loop flag (--inflight, --batch, --engine uring) or --msg-rate 0
// asks for the closed loop; a closed-loop flag beside a rate is refused.
func TestBenchCompareLoad(t *testing.T) {
	for _, tc := range []struct {
		args []string
		rate float64
		bad  bool
	}{
		{nil, defaultCompareRate, false},
		{[]string{"--msg-rate", "500"}, 500, false},
		{[]string{"--msg-rate", "0"}, 0, false},
		{[]string{"--inflight", "4"}, 0, false},
		{[]string{"--batch"}, 0, false},
		{[]string{"--engine", "uring"}, 0, false},
		{[]string{"--inflight", "4", "--msg-rate", "0"}, 0, false},
		{[]string{"--engine", "loop"}, defaultCompareRate, false},
		{[]string{"--inflight", "4", "--msg-rate", "500"}, 0, true},
		{[]string{"--engine", "uring", "--msg-rate", "10000"}, 0, true},
	} {
		fs := flag.NewFlagSet("compare", flag.ContinueOnError)
		m := &loadgen.Compare{}
		fs.IntVar(&m.InFlight, "inflight", 1, "")
		fs.BoolVar(&m.Batch, "batch", false, "")
		fs.StringVar(&m.Engine, "engine", "loop", "")
		fs.Float64Var(&m.MsgRate, "msg-rate", defaultCompareRate, "")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		err := compareLoad(fs, m)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), "--msg-rate 0") {
				t.Errorf("%q: %v, want an error naming --msg-rate 0", tc.args, err)
			}
			continue
		}
		if err != nil || m.MsgRate != tc.rate {
			t.Errorf("%q: rate %g, %v; want %g", tc.args, m.MsgRate, err, tc.rate)
		}
	}
	// Through the command: refused before any server is built.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"bench", "compare", "--servers", "", "--inflight", "2", "--msg-rate", "100"}, &out, &out); !errors.As(err, new(usageError)) {
		t.Errorf("--inflight with --msg-rate: %v", err)
	}
}
