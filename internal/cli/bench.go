package cli

// autobahn bench: a WebSocket load generator on the event-loop client
// (internal/loadgen), for any ws:// or wss:// server (--insecure: a
// self-signed certificate).
//
//	autobahn bench run [flags] ws://HOST:PORT/PATH
//	    N connections (-c) over 127.0.0.x source addresses, ramped up at
//	    --ramp per second; closed loop (--inflight k per connection,
//	    --batch: the k in one write) or
//	    open loop (--msg-rate R in total, latency from the intended send
//	    time); --size 32 or a distribution "32:9,4k:1"; --text, --compress;
//	    --warmup, --duration; --pid PID adds the server's CPU and RSS. A
//	    live progress line on a terminal (plain lines otherwise), then a
//	    summary table and the latency distribution, or --json.
//	autobahn bench idle -n N [flags] ws://HOST:PORT/PATH
//	    N idle connections held for --hold, the server's RSS per connection
//	    (--pid) and the kernel's TCP memory, then a ping on every connection
//	    and the pongs counted.
//	autobahn bench compare [flags]
//	    builds the echo servers of the bench module (--bench-dir, default
//	    ./bench; --servers picks) or takes --server name="cmd {addr}"
//	    (--server-tls: it serves wss://), runs
//	    each on GOMAXPROCS=1 pinned to --server-cpu, under every cell of
//	    --conns × --sizes and an idle run of --idle connections, --rounds
//	    times in a rotated order, and prints Markdown tables of the medians
//	    (or --json), and with --svg FILE a bar chart. Every server answers
//	    the same offered load (--msg-rate, 10,000 messages per second by
//	    default), so CPU per message compares like with like; --msg-rate 0
//	    (or --inflight, --batch, --engine uring) is the closed loop, each
//	    server at its peak.
//	autobahn bench report [flags] RESULT.json
//	    a compare --json result as the Markdown section BENCHMARKS.md
//	    includes (machine, load average, command, tables) and three SVG
//	    charts; --update FILE splices it between the file's markers
//	    (bench_report.go; bench/report-ws.sh runs both).
//	autobahn bench kernels [flags]
//	    xor.Mask and utf8.Valid, every implementation nvx can run here,
//	    against copy() and a read-only pass at --sizes 16 B … 1 MiB: a
//	    table, --json, --svg FILE a line chart (bench_kernels.go).
//	autobahn bench wamp [flags] URL
//	    RPC calls/s and PubSub events/s against a WAMP router (ws://, rs://;
//	    ours, nexus, …), with progress, call latencies, --json, --pid
//	    (bench_wamp.go).
//
// The target must echo every message as it came (autobahn serve's /echo
// does). The generator's own CPU is reported too: when it nears 100 % of a
// core, add --loops.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/autobahn-go/autobahn/internal/loadgen"
)

func init() {
	commands["bench"] = command{summary: "benchmark a WebSocket echo server: bench run URL (throughput, latency), bench idle URL (memory per connection); bench compare, report, kernels, wamp URL (autobahn bench -h)", run: runBench}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, "usage: autobahn bench run [flags] URL    throughput and latency against an echo server")
		fmt.Fprintln(stdout, "       autobahn bench idle -n N [flags] URL    memory per idle connection")
		fmt.Fprintln(stdout, "       autobahn bench compare [flags]          the servers of bench/servers (or --server), rounds interleaved")
		fmt.Fprintln(stdout, "       autobahn bench report [flags] FILE      a compare --json result as a BENCHMARKS.md section and SVG charts")
		fmt.Fprintln(stdout, "       autobahn bench kernels [flags]          xor.Mask and utf8.Valid per implementation vs copy(), by size")
		fmt.Fprintln(stdout, "       autobahn bench wamp [flags] URL         RPC calls/s and PubSub events/s against a WAMP router")
		fmt.Fprintln(stdout, "Run `autobahn bench run -h` for the flags.")
		return nil
	}
	switch args[0] {
	case "run":
		return benchRun(ctx, args[1:], stdout, stderr)
	case "idle":
		return benchIdle(ctx, args[1:], stdout, stderr)
	case "compare":
		return benchCompare(ctx, args[1:], stdout, stderr)
	case "report":
		return benchReport(ctx, args[1:], stdout, stderr)
	case "kernels":
		return benchKernels(ctx, args[1:], stdout, stderr)
	case "wamp":
		return benchWAMP(ctx, args[1:], stdout, stderr)
	}
	return usageError{fmt.Errorf("bench: unknown mode %q (run, idle, compare, report, kernels, wamp)", args[0])}
}

// dialFlags are the flags both modes share.
func dialFlags(fs *flag.FlagSet, d *loadgen.Dial, defConns int) {
	fs.IntVar(&d.Conns, "c", defConns, "connections")
	fs.IntVar(&d.Conns, "n", defConns, "connections (same as -c)")
	fs.Float64Var(&d.Rate, "ramp", 0, "ramp-up: connections opened per second (0: as fast as possible)")
	fs.IntVar(&d.Sources, "sources", 32, "spread the connections over source addresses 127.0.0.2.. (for a loopback target; 0: off)")
	fs.BoolVar(&d.Compress, "compress", false, "offer permessage-deflate")
	fs.IntVar(&d.Loops, "loops", 1, "event loops of the generator")
	fs.BoolFunc("insecure", "wss://: do not verify the server's certificate (a self-signed benchmark server)", func(string) error {
		d.TLSConfig = &tls.Config{InsecureSkipVerify: true}
		return nil
	})
}

// flagCheck is one flag's value and whether it is in range, for
// checkFlags: the usage error names the flag (the load generator's own
// check, after the flags, does not, and it is no usage error).
type flagCheck struct {
	ok    bool
	flag  string
	value any
	want  string
}

// checkFlags returns a usage error of bench cmd for the first check that
// failed.
func checkFlags(cmd string, checks ...flagCheck) error {
	for _, c := range checks {
		if !c.ok {
			return usageError{fmt.Errorf("bench %s: -%s %v: want %s", cmd, c.flag, c.value, c.want)}
		}
	}
	return nil
}

// dialChecks are the checks of dialFlags' flags.
func dialChecks(d *loadgen.Dial) []flagCheck {
	return []flagCheck{
		{d.Conns >= 1 && d.Conns <= 1<<20, "c", d.Conns, "1..1048576 connections"},
		{d.Sources >= 0 && d.Sources <= 250, "sources", d.Sources, "0..250"},
		{d.Rate >= 0, "ramp", d.Rate, "0 (as fast as possible) or more"},
		{d.Loops >= 1, "loops", d.Loops, "1 or more"},
	}
}

// echoURLs and routerURLs are what parseWithURL accepts: the URL of an
// echo server (bench run, idle) or of a WAMP router (bench wamp).
var (
	echoURLs   = urlKind{"ws:// or wss://", "ws://127.0.0.1:9000/echo", []string{"ws", "wss", "http", "https"}}
	routerURLs = urlKind{"ws://, wss://, rs://, rss:// or unix://", "ws://127.0.0.1:9000/ws", []string{"ws", "wss", "rs", "rss", "unix"}}
)

// urlKind names the schemes a command takes and gives an example, for the
// usage error of a URL without one (an address such as 127.0.0.1:9000).
type urlKind struct {
	want, example string
	schemes       []string
}

// check refuses a URL without one of k's schemes, saying what to type.
func (k urlKind) check(cmd, rawURL string) error {
	if u, err := neturl.Parse(rawURL); err == nil && slices.Contains(k.schemes, u.Scheme) {
		return nil
	}
	return fmt.Errorf("%s: URL %q: want %s, e.g. %s", cmd, rawURL, k.want, k.example)
}

// parseWithURL parses flags (parse: fs's, from setUsage) and exactly one
// URL of kind k, in any order.
func parseWithURL(fs *flag.FlagSet, parse func([]string) error, args []string, k urlKind) (string, error) {
	var pos []string
	for {
		if err := parse(args); err != nil {
			return "", usageError{err}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return "", usageError{fmt.Errorf("bench %s: want one %s URL (e.g. %s), got %d arguments", fs.Name(), k.want, k.example, len(pos))}
	}
	if err := k.check("bench "+fs.Name(), pos[0]); err != nil {
		return "", usageError{err}
	}
	return pos[0], nil
}

func benchRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn bench run [flags] URL", `  autobahn bench run -c 1000 -size 32 -duration 10s ws://127.0.0.1:9000/echo
  autobahn bench run -c 100 -msg-rate 50000 -size "32:9,4k:1" ws://127.0.0.1:9000/echo   open loop
  autobahn bench run -pid $(pidof myserver) -json ws://127.0.0.1:8080/ws > result.json
`)
	r := &loadgen.Run{}
	dialFlags(fs, &r.Dial, 100)
	fs.IntVar(&r.InFlight, "inflight", 1, "closed loop: messages in flight per connection")
	fs.BoolVar(&r.Batch, "batch", false, "closed loop: send the --inflight messages together in one write once all are answered")
	fs.Float64Var(&r.MsgRate, "msg-rate", 0, "open loop: messages per second in total (0: closed loop)")
	fs.IntVar(&r.MaxInFlight, "max-inflight", 1024, "open loop: unanswered messages per connection before sends count as errors")
	fs.StringVar(&r.Engine, "engine", "loop", "closed loop's I/O: loop (the event-loop client) or uring (io_uring, Linux, ws:// and wss://: fewer system calls, so the generator needs less CPU per message)")
	size := fs.String("size", "32", `message size in bytes, or a distribution "32:9,4k:1" (size:weight)`)
	fs.BoolVar(&r.Text, "text", false, "send text messages (default binary)")
	fs.DurationVar(&r.Warmup, "warmup", time.Second, "traffic before measuring")
	fs.DurationVar(&r.Duration, "duration", 5*time.Second, "measured time")
	fs.DurationVar(&r.Drain, "drain", 2*time.Second, "wait this long at most for the last answers")
	fs.IntVar(&r.PID, "pid", 0, "the server's process ID, for its CPU time (its child processes' included: a prefork server's workers) and RSS (Linux /proc)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	every := fs.Duration("progress", time.Second, "progress interval (0: none)")
	url, err := parseWithURL(fs, parse, args, echoURLs)
	if err != nil {
		return err
	}
	if r.Sizes, err = loadgen.ParseSizes(*size); err != nil {
		return usageError{err}
	}
	if err := checkFlags("run", append(dialChecks(&r.Dial),
		flagCheck{r.Duration > 0, "duration", r.Duration, "more than 0"},
		flagCheck{r.Warmup >= 0, "warmup", r.Warmup, "0 or more"},
		flagCheck{r.MsgRate >= 0, "msg-rate", r.MsgRate, "0 (closed loop) or more"},
		flagCheck{r.InFlight >= 1 && r.InFlight <= 1<<16, "inflight", r.InFlight, "1..65536"},
		flagCheck{r.MaxInFlight >= 1 && r.MaxInFlight <= 1<<16, "max-inflight", r.MaxInFlight, "1..65536"},
		flagCheck{r.Engine == "" || r.Engine == "loop" || r.Engine == "uring", "engine", r.Engine, "loop or uring"},
	)...); err != nil {
		return err
	}
	pw := newProgressWriter(stdout, stderr, *asJSON)
	if *every > 0 {
		r.Progress, r.ProgressEvery = pw.run, *every
	}
	r.URL = url
	uringProcs(r.Engine)
	res, err := r.Start(ctx)
	pw.end()
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(stdout)
}

func benchIdle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn bench idle -n N [flags] URL", `  autobahn bench idle -n 10000 -pid $(pidof myserver) ws://127.0.0.1:9000/echo
`)
	r := &loadgen.Idle{}
	dialFlags(fs, &r.Dial, 1000)
	fs.DurationVar(&r.Hold, "hold", 5*time.Second, "how long the connections stay idle before the memory is read")
	fs.DurationVar(&r.PongTimeout, "pong-timeout", 5*time.Second, "wait this long at most for the pongs")
	fs.IntVar(&r.PID, "pid", 0, "the server's process ID, for its RSS (Linux /proc)")
	fs.BoolVar(&r.Marginal, "marginal", false, "open the connections in two halves, each held -hold, and also report what the second half added per connection (without the server's one-time costs)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	url, err := parseWithURL(fs, parse, args, echoURLs)
	if err != nil {
		return err
	}
	if err := checkFlags("idle", append(dialChecks(&r.Dial),
		flagCheck{r.Hold >= 0, "hold", r.Hold, "0 or more"},
	)...); err != nil {
		return err
	}
	r.URL = url
	res, err := r.Start(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteText(stdout)
}

// progressWriter prints run progress: one line rewritten in place on a
// terminal, plain lines otherwise. With --json it writes to stderr, so
// that stdout holds only the JSON.
type progressWriter struct {
	w    io.Writer
	tty  bool
	used bool
}

func newProgressWriter(stdout, stderr io.Writer, asJSON bool) *progressWriter {
	w := stdout
	if asJSON {
		w = stderr
	}
	return &progressWriter{w: w, tty: isTerminal(w)}
}

func (p *progressWriter) run(pr loadgen.Progress) {
	line := fmt.Sprintf("%-7s %5.1fs  conns %d  msg/s %.0f  p50 %v  p99 %v  errors %d",
		pr.Phase, pr.Elapsed.Seconds(), pr.Conns, pr.MsgRate, shortDur(pr.P50), shortDur(pr.P99), pr.Errors)
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K"+line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.used = true
}

// end finishes the live line before the result.
func (p *progressWriter) end() {
	if p.tty && p.used {
		fmt.Fprintln(p.w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// shortDur prints a duration with 3 significant digits.
func shortDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Microsecond:
		return d.String()
	case d < time.Millisecond:
		return fmt.Sprintf("%.3gµs", float64(d)/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.3gms", float64(d)/1e6)
	}
	return fmt.Sprintf("%.3gs", d.Seconds())
}

// uringProcs gives the io_uring engine a second scheduler slot: its
// thread waits in the kernel for completions, and with one slot every
// such wait hands the slot to another thread (about 5 % of its CPU).
func uringProcs(engine string) {
	if engine == "uring" && runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
}
