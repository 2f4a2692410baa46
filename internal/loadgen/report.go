package loadgen

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// Result is the outcome of a Run, as `autobahn bench run --json` prints
// it. Counts are of the messages whose (intended) send time fell in the
// measured time: Sent == Received + Errors.
type Result struct {
	Mode       string  `json:"mode"` // "closed" or "open"
	URL        string  `json:"url"`
	Conns      int     `json:"conns"`
	Connected  int     `json:"connected"`
	InFlight   int     `json:"in_flight,omitempty"`   // closed loop
	Batch      bool    `json:"batch,omitempty"`       // closed loop: InFlight sent together (Run.Batch)
	TargetRate float64 `json:"target_rate,omitempty"` // open loop, msg/s
	Sizes      string  `json:"sizes"`
	Text       bool    `json:"text"`
	Compress   bool    `json:"compress"`
	Engine     string  `json:"engine,omitempty"` // Run.Engine: "uring", or empty for the event loop

	DurationSeconds float64 `json:"duration_s"` // measured time
	Sent            int64   `json:"sent"`
	Received        int64   `json:"received"`
	Errors          int64   `json:"errors"`       // = WriteErrors + Lost + Mismatched
	WriteErrors     int64   `json:"write_errors"` // not sent: queue full, closed, open loop's bound
	Lost            int64   `json:"lost"`         // sent, connection ended before the answer
	Mismatched      int64   `json:"mismatched"`   // answer of another size, type or content
	// Unsolicited counts messages that came with none in flight (the
	// target is not an echo); they are not in Sent.
	Unsolicited   int64 `json:"unsolicited"`
	ConnectErrors int64 `json:"connect_errors"`
	// FirstConnectError is the first dial's error, if any failed.
	FirstConnectError string `json:"first_connect_error,omitempty"`
	UnexpectedCloses  int64  `json:"unexpected_closes"` // ended by the server or the network
	// Answered counts the right answers that arrived in the measured
	// time, to messages sent in it or before: the server's work in that
	// time, the count of MsgPerSecond, BytesPerSecond and
	// ServerUse.MsgPerCPUSecond. (Received also counts answers that came
	// during the drain: in the open loop, a server behind the offered
	// rate works off its backlog then.)
	Answered       int64   `json:"answered"`
	MsgPerSecond   float64 `json:"msg_per_s"`
	BytesPerSecond float64 `json:"bytes_per_s"` // payload, one way

	Latency             Latency    `json:"latency"`
	Server              *ServerUse `json:"server,omitempty"`
	GeneratorCPUPercent float64    `json:"generator_cpu_percent"`
	// GeneratorWaitPercent is the share of the measured time the
	// generator's threads spent runnable but waiting for a CPU (summed
	// over threads, so it can exceed 100; Linux).
	GeneratorWaitPercent float64 `json:"generator_run_delay_percent,omitempty"`
	// Unreliable, if not empty, says why the measurement is not one: a
	// measured time far off Run.Duration (the generator was held up) or
	// a CPU share beyond the machine's cores. Its rates are not to be
	// compared with others.
	Unreliable string `json:"unreliable,omitempty"`

	hist *Snapshot
}

// Latency summarizes the measured round trips (ns in JSON).
type Latency struct {
	Count uint64        `json:"count"`
	Min   time.Duration `json:"min_ns"`
	Mean  time.Duration `json:"mean_ns"`
	P50   time.Duration `json:"p50_ns"`
	P90   time.Duration `json:"p90_ns"`
	P99   time.Duration `json:"p99_ns"`
	P999  time.Duration `json:"p99_9_ns"`
	P9999 time.Duration `json:"p99_99_ns"`
	Max   time.Duration `json:"max_ns"`
	// Distribution is the HDR-style percentile ladder: each step halves
	// what is left above the previous percentile.
	Distribution []Percentile `json:"distribution"`
	// Precision is the histogram's relative precision (see Precision).
	Precision float64 `json:"precision"`
}

// Percentile is one step of the ladder.
type Percentile struct {
	Percentile float64       `json:"percentile"`
	Value      time.Duration `json:"value_ns"`
	Count      uint64        `json:"count"` // values at or below
}

// ServerUse is what /proc and the process CPU clock say about the server
// over the measured time.
type ServerUse struct {
	CPUSeconds      float64 `json:"cpu_s"`
	CPUPercent      float64 `json:"cpu_percent"` // of one core
	MsgPerCPUSecond float64 `json:"msg_per_cpu_s"`
	RSSBefore       int64   `json:"rss_before_bytes"`
	RSSAfter        int64   `json:"rss_after_bytes"`
	// CPUClock is where CPUSeconds came from: CPUClockExact or
	// CPUClockTicks.
	CPUClock string `json:"cpu_clock,omitempty"`
	// WaitPercent is the share of the measured time the server's threads
	// spent runnable but waiting for a CPU (runDelay; Linux): how much
	// other work on its CPU held it back.
	WaitPercent float64 `json:"run_delay_percent,omitempty"`
}

// Where a server's CPU time comes from (ServerUse.CPUClock).
const (
	CPUClockExact = "process CPU clock, ns" // the kernel's sum_exec_runtime (Linux)
	CPUClockTicks = "/proc/PID/stat, 10 ms ticks"
)

func cpuClockName(exact bool) string {
	if exact {
		return CPUClockExact
	}
	return CPUClockTicks
}

// Histogram returns the measured latencies.
func (res *Result) Histogram() *Snapshot { return res.hist }

// fill fills res from g's counts: answers right answers of bytes
// payload in el, the measured time.
func (res *Result) fill(g *gen, el time.Duration, answers, bytes int64) {
	res.DurationSeconds = el.Seconds()
	res.Sent, res.Received, res.Errors = g.sent.Load(), g.received.Load(), g.errs.Load()
	res.WriteErrors, res.Lost = g.writeErrs.Load(), g.lost.Load()
	res.Mismatched = res.Errors - res.WriteErrors - res.Lost
	res.UnexpectedCloses = g.unexpectedCloses.Load()
	res.Unsolicited = g.unsolicited.Load()
	res.Answered = answers
	s := g.hist.Snapshot()
	res.hist = s
	if el > 0 {
		res.MsgPerSecond = float64(res.Answered) / el.Seconds()
		res.BytesPerSecond = float64(bytes) / el.Seconds()
	}
	res.Latency = summarize(s)
}

func summarize(s *Snapshot) Latency {
	l := Latency{Count: s.Count, Min: time.Duration(s.Min), Mean: s.Mean(), Max: time.Duration(s.Max), Precision: Precision,
		P50: s.Quantile(0.5), P90: s.Quantile(0.9), P99: s.Quantile(0.99), P999: s.Quantile(0.999), P9999: s.Quantile(0.9999)}
	if s.Count == 0 {
		return l
	}
	// 0, 50, 75, 87.5, ... until one value is left above or the max is
	// reached, then 100.
	for k := 0; ; k++ {
		q := 1 - math.Pow(0.5, float64(k))
		if k > 0 && (1-q)*float64(s.Count) < 1 || k > 40 {
			break
		}
		v := s.Quantile(q)
		if v == time.Duration(s.Max) {
			break
		}
		l.Distribution = append(l.Distribution, Percentile{Percentile: 100 * q, Value: v, Count: s.countAtOrBelow(v)})
	}
	l.Distribution = append(l.Distribution, Percentile{Percentile: 100, Value: time.Duration(s.Max), Count: s.Count})
	return l
}

// countAtOrBelow counts the values in the buckets up to v's.
func (s *Snapshot) countAtOrBelow(v time.Duration) uint64 {
	return s.Count - s.CountAbove(v) + s.counts[bucketOf(int64(v))]
}

// WriteText writes the summary table and the latency ladder.
func (res *Result) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	loop := fmt.Sprintf("closed loop, %d in flight per connection", res.InFlight)
	if res.Batch {
		loop += ", sent in batches of that many (one write each)"
	}
	if res.Mode == "open" {
		loop = fmt.Sprintf("open loop, %.0f msg/s intended", res.TargetRate)
	}
	kind := "binary"
	if res.Text {
		kind = "text"
	}
	if res.Compress {
		kind += ", permessage-deflate offered"
	}
	fmt.Fprintf(tw, "target\t%s\n", res.URL)
	fmt.Fprintf(tw, "load\t%s\n", loop)
	fmt.Fprintf(tw, "connections\t%d of %d (connect errors %d)\n", res.Connected, res.Conns, res.ConnectErrors)
	fmt.Fprintf(tw, "messages\t%s bytes, %s\n", res.Sizes, kind)
	fmt.Fprintf(tw, "measured\t%.2f s\n", res.DurationSeconds)
	fmt.Fprintf(tw, "sent / received\t%d / %d\n", res.Sent, res.Received)
	fmt.Fprintf(tw, "errors\t%d (not sent %d, lost %d, mismatched %d; unexpected closes %d, unsolicited messages %d)\n", res.Errors, res.WriteErrors, res.Lost, res.Mismatched, res.UnexpectedCloses, res.Unsolicited)
	fmt.Fprintf(tw, "throughput\t%.0f msg/s, %.2f MB/s payload\n", res.MsgPerSecond, res.BytesPerSecond/1e6)
	l := res.Latency
	fmt.Fprintf(tw, "latency\tp50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n", round(l.P50), round(l.P90), round(l.P99), round(l.P999), round(l.Max))
	if s := res.Server; s != nil {
		fmt.Fprintf(tw, "server CPU\t%.2f s (%.0f %% of a core), %.0f msg per CPU second\n", s.CPUSeconds, s.CPUPercent, s.MsgPerCPUSecond)
		fmt.Fprintf(tw, "server RSS\t%.1f MiB -> %.1f MiB\n", float64(s.RSSBefore)/(1<<20), float64(s.RSSAfter)/(1<<20))
	}
	fmt.Fprintf(tw, "generator CPU\t%.0f %% of a core\n", res.GeneratorCPUPercent)
	if res.Unreliable != "" {
		fmt.Fprintf(tw, "WARNING\tnot a measurement: %s\n", res.Unreliable)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeLadder(w, l)
}

// writeLadder prints the percentile distribution, HdrHistogram style.
func writeLadder(w io.Writer, l Latency) error {
	if l.Count == 0 {
		_, err := fmt.Fprintln(w, "\nno latencies measured")
		return err
	}
	fmt.Fprintf(w, "\nlatency distribution (%d round trips, precision %.2f %%)\n", l.Count, 100*l.Precision)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "percentile\tvalue\tcount\t1/(1-p)\t\n")
	for _, p := range l.Distribution {
		inv := "inf"
		if p.Percentile < 100 {
			inv = fmt.Sprintf("%.0f", 1/(1-p.Percentile/100))
		}
		fmt.Fprintf(tw, "%.6g\t%v\t%d\t%s\t\n", p.Percentile, round(p.Value), p.Count, inv)
	}
	return tw.Flush()
}

// round shortens a duration for a table: 3 significant digits.
func round(d time.Duration) time.Duration {
	for r := time.Duration(1); r < time.Hour; r *= 10 {
		if d < 1000*r {
			return d.Round(r)
		}
	}
	return d
}

// WriteText writes the idle run's table.
func (res *IdleResult) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s\n", res.URL)
	fmt.Fprintf(tw, "connections\t%d of %d (connect errors %d), held %.1f s\n", res.Connected, res.Conns, res.ConnectErrors, res.HoldSeconds)
	if res.RSSBefore > 0 {
		fmt.Fprintf(tw, "server RSS\t%.1f MiB -> %.1f MiB, %.0f bytes per connection\n", float64(res.RSSBefore)/(1<<20), float64(res.RSSAfter)/(1<<20), res.RSSPerConn)
		if res.RSSAnonPerConn != 0 {
			fmt.Fprintf(tw, "  anonymous memory\t%.0f bytes per connection (without the file pages, such as code paged in)\n", res.RSSAnonPerConn)
		}
		if res.MarginalPerConn != 0 {
			fmt.Fprintf(tw, "  second half alone\t%.0f bytes per connection, %.0f anonymous (%d connections after the first %d: one more connection's cost)\n", res.MarginalPerConn, res.MarginalAnonPerConn, res.Connected-res.FirstHalf, res.FirstHalf)
		}
	}
	if res.NotAllTheServers() {
		fmt.Fprintf(tw, "WARNING\tthe server gained %d file descriptors for %d connections: another process serves this port too (SO_REUSEPORT?), so the bytes per connection are not this server's\n", res.FDsAfter-res.FDsBefore, res.Connected)
	}
	fmt.Fprintf(tw, "kernel TCP memory\t%d -> %d bytes, %.0f per connection (both ends on loopback)\n", res.SockBefore.TCPMem, res.SockAfter.TCPMem, res.KernelPerConn)
	fmt.Fprintf(tw, "TCP sockets in use\t%d -> %d\n", res.SockBefore.TCPInUse, res.SockAfter.TCPInUse)
	fmt.Fprintf(tw, "pings / pongs\t%d / %d\n", res.Pinged, res.Pongs)
	fmt.Fprintf(tw, "unexpected closes\t%d\n", res.UnexpectedCloses)
	return tw.Flush()
}
