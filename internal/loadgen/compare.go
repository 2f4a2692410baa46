package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one server of a Compare matrix: a command that serves an echo
// on ws://ADDR/echo, where "{addr}" in Args is replaced by a free loopback
// address.
type Server struct {
	Name string
	Args []string // program and arguments
	// TLS: the server serves wss://ADDR/echo, with any certificate (the
	// generator does not verify it: a benchmark server's is self-signed).
	TLS bool
}

// ParseServer parses "name=program arg {addr} ..." (the --server flag).
func ParseServer(s string) (Server, error) {
	name, cmd, ok := strings.Cut(s, "=")
	args := strings.Fields(cmd)
	if !ok || name == "" || len(args) == 0 || !strings.Contains(cmd, "{addr}") {
		return Server{}, fmt.Errorf("loadgen: server %q: want name=program args, with {addr} where the listen address goes", s)
	}
	return Server{Name: name, Args: args}, nil
}

// Cell is one load of the matrix.
type Cell struct {
	Conns int `json:"conns"`
	Size  int `json:"size"`
}

func (c Cell) String() string { return fmt.Sprintf("%d×%s", c.Conns, sizeLabel(c.Size)) }

func sizeLabel(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " B"
}

// Compare runs every server under every cell, Rounds times, and reports
// medians and, for the ranking, medians of per-round ratios (see
// ServerResult.Relative). A round measures idle memory (a pass over the
// servers), then each cell in turn, all servers back to back, each
// started afresh for each pass, in an order rotated by one per round, so
// that the machine's slow and fast moments fall on all servers alike and a
// cell's servers are measured close together in time; a server runs on
// GOMAXPROCS=1, pinned to ServerCPU with taskset when that is >= 0 (run
// the generator pinned elsewhere: `taskset -c 1 autobahn bench compare ...`).
type Compare struct {
	Servers   []Server
	Cells     []Cell
	IdleConns int // 0: no idle measurement
	Rounds    int
	Warmup    time.Duration
	Duration  time.Duration
	ServerCPU int // -1: not pinned
	Sources   int
	// InFlight and Batch are the closed loop's, as in Run (default 1, not
	// batched).
	InFlight int
	Batch    bool
	// MsgRate, when above 0, runs every cell in the open loop at this
	// total rate (messages per second) instead: every server then answers
	// the same load, so its CPU per message is compared at equal load
	// rather than at whatever rate the generator reached against it.
	MsgRate float64
	// Engine is Run.Engine for every cell ("" or "loop", "uring").
	Engine string
	// Log, if set, gets one line per measurement as it is made.
	Log io.Writer

	clocks map[string]bool // the ServerUse.CPUClock of every sample
}

// Sample is one measurement of a server in one cell and round.
type Sample struct {
	MsgPerSecond    float64       `json:"msg_per_s"`
	MsgPerCPUSecond float64       `json:"msg_per_cpu_s"`
	ServerCPU       float64       `json:"server_cpu_percent"`
	P50             time.Duration `json:"p50_ns"`
	P90             time.Duration `json:"p90_ns"`
	P99             time.Duration `json:"p99_ns"`
	P999            time.Duration `json:"p99_9_ns"`
	Max             time.Duration `json:"max_ns"`
	GeneratorCPU    float64       `json:"generator_cpu_percent"`
	// ServerWait and GeneratorWait are ServerUse.WaitPercent and
	// Result.GeneratorWaitPercent: how much the machine's other work held
	// each side back in this measurement.
	ServerWait    float64 `json:"server_run_delay_percent,omitempty"`
	GeneratorWait float64 `json:"generator_run_delay_percent,omitempty"`
	Errors        int64   `json:"errors"`
	Err           string  `json:"error,omitempty"`
}

// ServerResult is a server's samples and their medians.
type ServerResult struct {
	Name       string              `json:"name"`
	Cells      map[string][]Sample `json:"cells"`   // by Cell.String(), one per round
	Medians    map[string]Sample   `json:"medians"` // by Cell.String()
	IdleRSS    []float64           `json:"idle_rss_per_conn_bytes,omitempty"`
	IdleMedian float64             `json:"idle_rss_per_conn_median_bytes,omitempty"`
	// IdleErrors are the idle measurements left out of IdleRSS, one per
	// round: the server did not hold every connection (refused some,
	// closed some).
	IdleErrors []string `json:"idle_errors,omitempty"`
	// Relative is, by cell, the median over the rounds of the server's msg
	// per server-CPU-second over the round's reference, the geometric mean
	// of all servers' in the same round and cell: the statistic to rank by
	// on a shared machine, whose load moves a whole round (see normalize).
	Relative map[string]float64 `json:"relative_msg_per_cpu_s,omitempty"`
	// Normalized is Relative times the geometric mean of the rounds'
	// references: Relative's order on the scale of msg per server-CPU-second.
	Normalized map[string]float64 `json:"normalized_msg_per_cpu_s,omitempty"`
}

// CompareResult is the outcome of a Compare.
type CompareResult struct {
	Cells     []Cell          `json:"cells"`
	Rounds    int             `json:"rounds"`
	IdleConns int             `json:"idle_conns"`
	InFlight  int             `json:"in_flight,omitempty"`
	Batch     bool            `json:"batch,omitempty"`
	MsgRate   float64         `json:"msg_rate,omitempty"` // open loop at this total rate; 0: closed loop
	Engine    string          `json:"engine,omitempty"`   // the generator's I/O ("" is the loop)
	Servers   []*ServerResult `json:"servers"`
	// Machine is where and when the matrix ran (see ReadMachine).
	Machine *Machine `json:"machine,omitempty"`
	// ServerCPUClock is where the servers' CPU times came from
	// (ServerUse.CPUClock; both names, comma-separated, if samples
	// differed).
	ServerCPUClock string `json:"server_cpu_clock,omitempty"`
}

// Start runs the matrix.
func (m *Compare) Start(ctx context.Context) (*CompareResult, error) {
	if len(m.Servers) == 0 || len(m.Cells) == 0 || m.Rounds < 1 || m.Duration <= 0 {
		return nil, errors.New("loadgen: compare needs servers, cells, rounds >= 1 and a duration")
	}
	if !(m.MsgRate == 0 || m.MsgRate >= minMsgRate && !math.IsInf(m.MsgRate, 0)) || m.Warmup < 0 {
		// Refused before any server starts: every cell would fail, and a
		// NaN or infinite rate cannot be written as JSON.
		return nil, fmt.Errorf("loadgen: compare: message rate %v, warm-up %v: want 0 (closed loop) or %g to a finite number per second, no negative warm-up", m.MsgRate, m.Warmup, minMsgRate)
	}
	mach := ReadMachine()
	mach.ServerCPU = m.ServerCPU
	if _, err := exec.LookPath("taskset"); err != nil {
		mach.ServerCPU = -1
	}
	res := &CompareResult{Cells: m.Cells, Rounds: m.Rounds, IdleConns: m.IdleConns, Machine: &mach, InFlight: m.InFlight, Batch: m.Batch, MsgRate: m.MsgRate, Engine: m.Engine}
	m.clocks = map[string]bool{}
	by := map[string]*ServerResult{}
	for _, s := range m.Servers {
		if by[s.Name] != nil {
			return nil, fmt.Errorf("loadgen: server %q twice", s.Name)
		}
		sr := &ServerResult{Name: s.Name, Cells: map[string][]Sample{}, Medians: map[string]Sample{}}
		by[s.Name] = sr
		res.Servers = append(res.Servers, sr)
	}
	for round := range m.Rounds {
		// One pass for the idle memory, then one per cell.
		for pass := -1; pass < len(m.Cells); pass++ {
			if pass < 0 && m.IdleConns <= 0 {
				continue
			}
			for i := range m.Servers {
				s := m.Servers[(i+round)%len(m.Servers)]
				if err := m.runServer(ctx, s, by[s.Name], round, pass); err != nil {
					return nil, err
				}
			}
		}
	}
	mach.LoadAfter = readLoadAvg()
	for _, sr := range res.Servers {
		for k, v := range sr.Cells {
			sr.Medians[k] = medianSample(v)
		}
		if len(sr.IdleRSS) > 0 {
			sr.IdleMedian = median(sr.IdleRSS)
		}
	}
	res.normalize()
	for _, name := range []string{CPUClockExact, CPUClockTicks} {
		if m.clocks[name] {
			res.ServerCPUClock = strings.TrimPrefix(res.ServerCPUClock+", "+name, ", ")
		}
	}
	return res, nil
}

// runServer starts s, measures it in cell m.Cells[pass] (pass -1: its idle
// memory), and stops it.
func (m *Compare) runServer(ctx context.Context, s Server, sr *ServerResult, round, pass int) error {
	proc, url, err := m.start(ctx, s)
	if err != nil {
		return fmt.Errorf("loadgen: server %s: %w", s.Name, err)
	}
	defer proc.stop()
	dial := Dial{URL: url, Sources: m.Sources}
	if s.TLS {
		dial.URL, dial.TLSConfig = "wss"+strings.TrimPrefix(url, "ws"), &tls.Config{InsecureSkipVerify: true}
	}
	if pass < 0 {
		idle := &Idle{Dial: dial, Hold: m.Warmup, PID: proc.cmd.Process.Pid}
		idle.Conns = m.IdleConns
		r, err := idle.Start(ctx)
		if err != nil {
			return fmt.Errorf("loadgen: server %s, idle: %w", s.Name, err)
		}
		if held := r.Connected - int(r.UnexpectedCloses); held < m.IdleConns {
			// RSS grown by connections the server refused or dropped is
			// not its memory per idle connection.
			e := fmt.Sprintf("round %d: %d of %d idle connections held (%d connect errors, %d closed by the server)", round+1, max(held, 0), m.IdleConns, r.ConnectErrors, r.UnexpectedCloses)
			sr.IdleErrors = append(sr.IdleErrors, e)
			m.logf("round %d %-14s idle: not counted, %s", round+1, s.Name, e)
			return nil
		}
		sr.IdleRSS = append(sr.IdleRSS, r.RSSPerConn)
		m.logf("round %d %-14s idle %d conns: %.0f B RSS per connection, %d/%d pongs", round+1, s.Name, r.Connected, r.RSSPerConn, r.Pongs, r.Pinged)
		return nil
	}
	c := m.Cells[pass]
	sizes, err := ParseSizes(strconv.Itoa(c.Size))
	if err != nil {
		return err
	}
	run := &Run{Dial: dial, Sizes: sizes, InFlight: m.InFlight, Batch: m.Batch, MsgRate: m.MsgRate, Engine: m.Engine,
		Warmup: m.Warmup, Duration: m.Duration, PID: proc.cmd.Process.Pid}
	run.Conns = c.Conns
	var smp Sample
	r, err := run.Start(ctx)
	switch {
	case err != nil:
		smp.Err = err.Error()
	case r.ConnectErrors > 0:
		// Fewer connections than the cell's: another load than the other
		// servers', not a measurement of this cell.
		smp.Err = fmt.Sprintf("%d of %d connections failed to open (%s)", r.ConnectErrors, c.Conns, r.FirstConnectError)
	case r.UnexpectedCloses > 0:
		// The same for connections the server closed during the run: the
		// others carried the load, and if that happened in the warm-up no
		// measured message was lost to tell it.
		smp.Err = fmt.Sprintf("%d of %d connections closed by the server during the run", r.UnexpectedCloses, c.Conns)
	case r.Unreliable != "":
		smp.Err = "not a measurement: " + r.Unreliable
	default:
		l := r.Latency
		smp = Sample{MsgPerSecond: r.MsgPerSecond, P50: l.P50, P90: l.P90, P99: l.P99, P999: l.P999, Max: l.Max,
			GeneratorCPU: r.GeneratorCPUPercent, GeneratorWait: r.GeneratorWaitPercent, Errors: r.Errors}
		if r.Server != nil {
			smp.MsgPerCPUSecond, smp.ServerCPU, smp.ServerWait = r.Server.MsgPerCPUSecond, r.Server.CPUPercent, r.Server.WaitPercent
			m.clocks[r.Server.CPUClock] = true
		}
	}
	sr.Cells[c.String()] = append(sr.Cells[c.String()], smp)
	m.logf("round %d %-14s %-12s %8.0f msg/s %8.0f msg per server-CPU-s (CPU %3.0f %%, waited %3.0f %%; generator waited %3.0f %%) p99 %v errors %d %s",
		round+1, s.Name, c, smp.MsgPerSecond, smp.MsgPerCPUSecond, smp.ServerCPU, smp.ServerWait, smp.GeneratorWait, round3(smp.P99), smp.Errors, smp.Err)
	return ctx.Err()
}

func (m *Compare) logf(format string, a ...any) {
	if m.Log != nil {
		fmt.Fprintf(m.Log, format+"\n", a...)
	}
}

// serverProc is a running server.
type serverProc struct {
	cmd  *exec.Cmd
	done chan error
}

// start runs s on a free loopback port and waits until it accepts.
func (m *Compare) start(ctx context.Context, s Server) (*serverProc, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := make([]string, 0, len(s.Args)+3)
	if m.ServerCPU >= 0 {
		if tp, err := exec.LookPath("taskset"); err == nil {
			args = append(args, tp, "-c", strconv.Itoa(m.ServerCPU))
		}
	}
	for _, a := range s.Args {
		args = append(args, strings.ReplaceAll(a, "{addr}", addr))
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	p := &serverProc{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	// Up when it accepts: poll, bounded (a server prints nothing we could
	// wait for).
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-p.done:
			return nil, "", fmt.Errorf("exited before accepting: %v", err)
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			p.stop()
			return nil, "", ctx.Err()
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, "", fmt.Errorf("not accepting on %s after 10 s", addr)
		}
	}
	return p, "ws://" + addr + "/echo", nil
}

// stop ends the server: SIGTERM, then SIGKILL after 5 s.
func (p *serverProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func medianDur(v []time.Duration) time.Duration {
	f := make([]float64, len(v))
	for i, d := range v {
		f[i] = float64(d)
	}
	return time.Duration(median(f))
}

// medianSample takes the median of every field over the rounds that ran
// without an error (an error if none did).
func medianSample(v []Sample) Sample {
	var ok []Sample
	for _, s := range v {
		if s.Err == "" {
			ok = append(ok, s)
		}
	}
	if len(ok) == 0 {
		return v[0]
	}
	pick := func(f func(Sample) float64) float64 {
		x := make([]float64, len(ok))
		for i, s := range ok {
			x[i] = f(s)
		}
		return median(x)
	}
	dur := func(f func(Sample) time.Duration) time.Duration {
		x := make([]time.Duration, len(ok))
		for i, s := range ok {
			x[i] = f(s)
		}
		return medianDur(x)
	}
	var errs int64
	for _, s := range ok {
		errs += s.Errors
	}
	return Sample{
		MsgPerSecond:    pick(func(s Sample) float64 { return s.MsgPerSecond }),
		MsgPerCPUSecond: pick(func(s Sample) float64 { return s.MsgPerCPUSecond }),
		ServerCPU:       pick(func(s Sample) float64 { return s.ServerCPU }),
		GeneratorCPU:    pick(func(s Sample) float64 { return s.GeneratorCPU }),
		ServerWait:      pick(func(s Sample) float64 { return s.ServerWait }),
		GeneratorWait:   pick(func(s Sample) float64 { return s.GeneratorWait }),
		P50:             dur(func(s Sample) time.Duration { return s.P50 }),
		P90:             dur(func(s Sample) time.Duration { return s.P90 }),
		P99:             dur(func(s Sample) time.Duration { return s.P99 }),
		P999:            dur(func(s Sample) time.Duration { return s.P999 }),
		Max:             dur(func(s Sample) time.Duration { return s.Max }),
		Errors:          errs,
	}
}

// WriteMarkdown writes the medians as Markdown tables: messages per
// server-CPU-second (the measure that does not depend on how busy the
// machine is), messages per second, p99 latency, and idle memory.
func (res *CompareResult) WriteMarkdown(w io.Writer) error {
	head := "| server |"
	rule := "|---|"
	for _, c := range res.Cells {
		head += " " + c.String() + " |"
		rule += "---:|"
	}
	tables := []struct {
		title string
		cell  func(Sample) string
	}{
		{"messages per server-CPU-second", func(s Sample) string {
			if res.behind(s) {
				return kilo(s.MsgPerCPUSecond) + behindMark
			}
			return kilo(s.MsgPerCPUSecond)
		}},
		{"messages per second", func(s Sample) string { return kilo(s.MsgPerSecond) }},
		{"p99 latency", func(s Sample) string { return round3(s.P99).String() }},
	}
	for _, t := range tables {
		fmt.Fprintf(w, "\n%s, median of %d rounds:\n\n%s\n%s\n", t.title, res.Rounds, head, rule)
		for _, sr := range res.Servers {
			line := "| " + mdCell(sr.Name) + " |"
			for _, c := range res.Cells {
				s := sr.Medians[c.String()]
				if s.Err != "" {
					line += " error |"
				} else {
					line += " " + t.cell(s) + " |"
				}
			}
			fmt.Fprintln(w, line)
		}
		if t.title == tables[0].title && res.anyBehind() {
			fmt.Fprintf(w, "\n%s\n", res.behindNote())
		}
	}
	if res.ranked() {
		fmt.Fprintf(w, "\nmessages per server-CPU-second, for ranking: the median over %d rounds of each round's ratio to the geometric mean of all servers in that round, times the rounds' geometric mean:\n\n%s\n%s\n", res.Rounds, head, rule)
		for _, sr := range res.Servers {
			line := "| " + mdCell(sr.Name) + " |"
			for _, c := range res.Cells {
				if v, ok := sr.Normalized[c.String()]; ok && res.behind(sr.Medians[c.String()]) {
					line += " " + kilo(v) + behindMark + " |"
				} else if ok {
					line += " " + kilo(v) + " |"
				} else {
					line += " – |"
				}
			}
			fmt.Fprintln(w, line)
		}
	}
	if res.IdleConns > 0 {
		fmt.Fprintf(w, "\nidle RSS per connection (%d connections), median of %d rounds:\n\n| server | bytes |\n|---|---:|\n", res.IdleConns, res.Rounds)
		for _, sr := range res.Servers {
			fmt.Fprintf(w, "| %s | %.0f |\n", mdCell(sr.Name), sr.IdleMedian)
		}
	}
	return nil
}

// mdCell is s as the text of a Markdown table cell: its pipes escaped,
// its line breaks made spaces, so that a server's name keeps its row.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func kilo(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

// round3 rounds to 3 significant digits.
func round3(d time.Duration) time.Duration { return round(d) }
