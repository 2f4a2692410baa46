package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/internal/loadgen"
)

// benchServers are the echo servers of the bench module: the package each
// is built from and its arguments.
var benchServers = []struct {
	name, pkg string
	args      []string
}{
	{"autobahn-std", "autobahn-std", nil},
	{"autobahn-raw", "autobahn-std", []string{"-raw"}},
	{"autobahn-loop", "autobahn-std", []string{"-loop"}},
	{"gorilla", "gorilla", nil},
	{"gobwas", "gobwas", nil},
	// gobwas's low-level API (ws.ReadHeader, ws.Cipher, ws.WriteHeader):
	// one write per echo, nothing validated.
	{"gobwas-low", "gobwas", []string{"-low"}},
	{"coder", "coder", nil},
	{"gws", "gws", nil},
	// With -tls the server serves wss:// (a self-signed certificate): the
	// compare dials it so (see below).
	{"autobahn-loop-tls", "autobahn-std", []string{"-loop", "-tls"}},
}

// defaultCompareRate is bench compare's offered load: 10,000 messages per
// second in total, which every server of bench/servers answers on one
// core of a small machine, so that each is measured at the same load. In
// the closed loop (--msg-rate 0) each server runs at the rate it reaches,
// and CPU per message depends on that rate (batching, wake-ups): on a
// shared machine such runs rank servers less than 10 % apart differently
// from run to run (BENCHMARKS.md, "Do rankings repeat").
const defaultCompareRate = 10000

// compareLoad settles the closed or open loop: --inflight, --batch and
// --engine uring belong to the closed loop, so given without --msg-rate
// they select it; given with a rate above 0 they are an error.
func compareLoad(fs *flag.FlagSet, m *loadgen.Compare) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var closed []string
	for _, name := range []string{"inflight", "batch"} {
		if set[name] {
			closed = append(closed, "--"+name)
		}
	}
	if m.Engine == "uring" {
		closed = append(closed, "--engine uring")
	}
	switch {
	case len(closed) == 0 || m.MsgRate == 0:
		return nil
	case set["msg-rate"]:
		return fmt.Errorf("bench compare: %s run the closed loop, not the open loop of --msg-rate %g (use --msg-rate 0)", strings.Join(closed, " and "), m.MsgRate)
	}
	m.MsgRate = 0
	return nil
}

func benchCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	parse := setUsage(fs, stdout, stderr, "autobahn bench compare [flags]", `  autobahn bench compare                         the servers of bench/servers, from a checkout
  autobahn bench compare -server mine="./myserver -addr {addr}"
`)
	m := &loadgen.Compare{}
	names := make([]string, len(benchServers))
	for i, s := range benchServers {
		names[i] = s.name
	}
	dir := fs.String("bench-dir", "bench", "the bench module, whose servers/ are built")
	pick := fs.String("servers", strings.Join(names, ","), "servers of the bench module to compare (empty: none)")
	var custom []loadgen.Server
	fs.Func("server", `another server: name="program args {addr}" (repeatable); it must echo on ws://{addr}/echo`, func(s string) error {
		sv, err := loadgen.ParseServer(s)
		custom = append(custom, sv)
		return err
	})
	fs.Func("server-tls", `another server serving wss://{addr}/echo (certificate not verified): name="program args {addr}" (repeatable)`, func(s string) error {
		sv, err := loadgen.ParseServer(s)
		sv.TLS = true
		custom = append(custom, sv)
		return err
	})
	conns := fs.String("conns", "1000", "connection counts, comma-separated")
	sizes := fs.String("sizes", "32,4096", "message sizes in bytes, comma-separated")
	fs.IntVar(&m.IdleConns, "idle", 1000, "idle connections for the memory measurement (0: none)")
	fs.IntVar(&m.Rounds, "rounds", 10, "rounds; medians, and medians of per-round ratios for the ranking, are reported (many short rounds rank better on a busy machine than a few long ones)")
	fs.DurationVar(&m.Warmup, "warmup", 500*time.Millisecond, "traffic before each measurement (and the idle hold)")
	fs.DurationVar(&m.Duration, "duration", 1500*time.Millisecond, "measured time per cell")
	fs.IntVar(&m.ServerCPU, "server-cpu", 0, "CPU the servers are pinned to with taskset (-1: not pinned)")
	fs.IntVar(&m.Sources, "sources", 32, "source addresses 127.0.0.2.. to spread connections over")
	fs.IntVar(&m.InFlight, "inflight", 1, "closed loop: messages in flight per connection")
	fs.BoolVar(&m.Batch, "batch", false, "closed loop: send the --inflight messages together in one write once all are answered")
	fs.StringVar(&m.Engine, "engine", "loop", "closed loop's I/O: loop or uring (see bench run -h)")
	fs.Float64Var(&m.MsgRate, "msg-rate", defaultCompareRate, "open loop at this total rate (messages per second) in every cell, so that every server answers the same load and CPU per message compares like with like; 0: the closed loop, each server at the rate it reaches (its peak; the default when --inflight, --batch or --engine uring is given)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	svg := fs.String("svg", "", "also write a bar chart of msg per server-CPU-second to this SVG file")
	if err := parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("bench compare: unexpected argument %q", fs.Arg(0))}
	}
	if err := compareLoad(fs, m); err != nil {
		return usageError{err}
	}
	for _, cs := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(cs))
		if err != nil || n < 1 {
			return usageError{fmt.Errorf("bench compare: --conns %q", *conns)}
		}
		for _, ss := range strings.Split(*sizes, ",") {
			sz, err := loadgen.ParseSizes(strings.TrimSpace(ss))
			if err != nil {
				return usageError{err}
			}
			m.Cells = append(m.Cells, loadgen.Cell{Conns: n, Size: sz.Max()})
		}
	}
	var want []string
	if *pick != "" {
		want = strings.Split(*pick, ",")
	}
	if len(want) > 0 {
		bin, err := os.MkdirTemp("", "autobahn-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(bin)
		built := map[string]bool{}
		for _, name := range want {
			found := false
			for _, s := range benchServers {
				if s.name != strings.TrimSpace(name) {
					continue
				}
				found = true
				if !built[s.pkg] {
					fmt.Fprintf(stderr, "building %s in %s\n", s.pkg, *dir)
					cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, s.pkg), "./servers/"+s.pkg)
					cmd.Dir, cmd.Stdout, cmd.Stderr = *dir, stderr, stderr
					if err := cmd.Run(); err != nil {
						return fmt.Errorf("bench compare: building %s in %s (see --bench-dir): %w", s.pkg, *dir, err)
					}
					built[s.pkg] = true
				}
				a := append([]string{filepath.Join(bin, s.pkg)}, s.args...)
				m.Servers = append(m.Servers, loadgen.Server{Name: s.name, Args: append(a, "-addr", "{addr}"), TLS: slices.Contains(s.args, "-tls")})
			}
			if !found {
				return usageError{fmt.Errorf("bench compare: no server %q in %s", name, strings.Join(names, ", "))}
			}
		}
	}
	m.Servers = append(m.Servers, custom...)
	if len(m.Servers) == 0 {
		return usageError{fmt.Errorf("bench compare: no server to run")}
	}
	m.Log = stderr
	uringProcs(m.Engine)
	res, err := m.Start(ctx)
	if err != nil {
		return err
	}
	res.Machine.Command = "autobahn bench compare " + shellJoin(args)
	if *svg != "" {
		var b strings.Builder
		if err := res.WriteSVG(&b); err != nil {
			return err
		}
		if err := os.WriteFile(*svg, []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return res.WriteMarkdown(stdout)
}
