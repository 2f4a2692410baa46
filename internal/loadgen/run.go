package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// Run configures a throughput and latency run.
type Run struct {
	Dial
	// InFlight is the closed loop's messages in flight per connection: a
	// connection sends the next message when an echo comes back
	// (default 1). Ignored when MsgRate is set. The closed loop's latency
	// counts from each actual send: the service time, which omits the
	// waits of the messages a stalled server kept from being sent (see
	// MsgRate for latency at a given load).
	InFlight int
	// Batch makes the closed loop send a connection's InFlight messages
	// together, in one write (ws.Conn.WriteMessages), once the previous
	// batch is all answered: pipelined bursts, which cost the generator
	// one write per batch instead of one per message.
	Batch bool
	// MsgRate switches to the open loop: MsgRate messages per second in
	// total, sent on the connections in turn at fixed intended times
	// whatever the answers do; a message's latency counts from its
	// intended send time, so a stall of the server (or of the generator)
	// shows in every message it delayed (no coordinated omission).
	MsgRate float64
	// MaxInFlight bounds the open loop's unanswered messages per
	// connection (default 1024); a message due beyond it is counted as an
	// error and not sent, so memory stays bounded under any stall.
	MaxInFlight int
	Sizes       Sizes
	Text        bool
	Warmup      time.Duration // traffic before measuring
	Duration    time.Duration // measured time
	// Drain bounds the wait for the last answers after the measured time
	// (default 2 s); what is unanswered then counts as errors.
	Drain time.Duration
	// PID, if set, is the server's process: its CPU time and RSS over the
	// measured time are reported. The CPU time includes that of its
	// descendant processes (a prefork server's workers; Linux), the RSS
	// is PID's alone.
	PID int
	// Progress, if set, is called about every ProgressEvery (default 1 s)
	// from a goroutine of Start, and once more at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Engine is the closed loop's I/O: "" or "loop", the event-loop
	// client; "uring", one io_uring on one locked thread that submits the
	// sends and receives of many connections per system call (Linux, ws://,
	// no Batch, MsgRate or Compress).
	Engine string
}

// Progress is a run's state while it runs.
type Progress struct {
	Phase    string        `json:"phase"` // "connect", "warmup", "measure", "drain"
	Elapsed  time.Duration `json:"elapsed_ns"`
	Conns    int64         `json:"conns"`
	MsgRate  float64       `json:"msg_per_s"` // answers per second since the last report
	P50, P99 time.Duration // of the measured answers so far
	Errors   int64         `json:"errors"`
}

// pending is one message awaiting its echo.
type pending struct {
	t        int64 // send time (open loop: intended), ns since gen.epoch
	size     int32
	measured bool
}

// gen is the state of one run, shared by its connections.
type gen struct {
	cfg     *Run
	epoch   time.Time
	payload []byte
	op      ws.Opcode
	hist    Histogram
	open    *openCount

	sending      atomic.Bool
	measureStart atomic.Int64 // ns since epoch
	measureEnd   atomic.Int64

	sent, received, errs atomic.Int64 // measured messages
	writeErrs, lost      atomic.Int64 // parts of errs
	unsolicited          atomic.Int64 // messages with none in flight
	answers              atomic.Int64 // every answer, for progress
	inflight             atomic.Int64 // measured messages awaiting an answer
	unexpectedCloses     atomic.Int64

	// rightAnswers and rightBytes count every right answer, to messages
	// of any send time; measure reads them with the clock and the CPU
	// times at both ends of the measured time, so that the throughput
	// and the CPU shares are of the same span.
	rightAnswers, rightBytes atomic.Int64
}

func (g *gen) now() int64 { return int64(time.Since(g.epoch)) }

func (g *gen) measured(t int64) bool {
	return t >= g.measureStart.Load() && t < g.measureEnd.Load()
}

// countRight counts an answer of n bytes if it is right (ok).
func (g *gen) countRight(ok bool, n int) {
	if ok {
		g.rightAnswers.Add(1)
		g.rightBytes.Add(int64(n))
	}
}

// lconn is one connection of a run: its handler and its messages in
// flight, in order (an echo server answers in order).
type lconn struct {
	g    *gen
	c    *ws.Conn // set by Start before any send
	mu   sync.Mutex
	ring []pending // grows to max as needed
	max  int
	head int
	n    int
	seq  uint64 // messages sent, picks the next size
	gone bool
	// batch holds the payloads of a Run.Batch write (reused).
	batch [][]byte
}

func (lc *lconn) OnConnect(*ws.ConnectRequest) (ws.Accept, error) { return ws.Accept{}, nil }
func (lc *lconn) OnOpen(*ws.Conn)                                 { lc.g.open.opened() }

// send sends one message due at t (now, or the open loop's intended time);
// it reports whether the connection took it. The write happens under
// lc.mu so that the order of the ring is the order on the wire even when
// two goroutines send (a push-mode write only queues, it never waits).
func (lc *lconn) send(c *ws.Conn, t int64) bool {
	g := lc.g
	m := g.measured(t)
	if m {
		g.sent.Add(1)
	}
	lc.mu.Lock()
	if lc.n == len(lc.ring) && len(lc.ring) < lc.max {
		lc.grow()
	}
	ok := !lc.gone && lc.n < len(lc.ring)
	if ok {
		size := g.cfg.Sizes.at(lc.seq)
		lc.seq++
		lc.ring[(lc.head+lc.n)%len(lc.ring)] = pending{t: t, size: int32(size), measured: m}
		lc.n++
		if ok = c.WriteMessage(context.Background(), g.op, g.payload[:size]) == nil; !ok {
			lc.n--
		}
	}
	if ok && m {
		g.inflight.Add(1)
	}
	lc.mu.Unlock()
	if !ok && m {
		g.errs.Add(1)
		g.writeErrs.Add(1)
	}
	return ok
}

// grow doubles the ring (up to max), keeping the order. lc.mu is held.
func (lc *lconn) grow() {
	r := make([]pending, min(max(2*len(lc.ring), 4), lc.max))
	for i := range lc.n {
		r[i] = lc.ring[(lc.head+i)%len(lc.ring)]
	}
	lc.ring, lc.head = r, 0
}

func (lc *lconn) OnMessage(c *ws.Conn, kind ws.Opcode, p []byte) {
	g := lc.g
	now := g.now()
	lc.mu.Lock()
	if lc.n == 0 {
		lc.mu.Unlock()
		g.unsolicited.Add(1) // nothing was asked: not an echo
		return
	}
	pm := lc.ring[lc.head]
	lc.head = (lc.head + 1) % len(lc.ring)
	lc.n--
	lc.mu.Unlock()
	g.answers.Add(1)
	ok := len(p) == int(pm.size) && kind == g.op && bytes.Equal(p, g.payload[:len(p)])
	g.countRight(ok, len(p))
	if pm.measured {
		g.inflight.Add(-1)
		if ok {
			g.received.Add(1)
			g.hist.Record(time.Duration(now - pm.t))
		} else {
			g.errs.Add(1) // a Mismatched: another size, type or content
		}
	}
	if g.cfg.MsgRate == 0 && g.sending.Load() {
		if g.cfg.Batch {
			lc.sendBatch(c, g.now())
		} else {
			lc.send(c, g.now())
		}
	}
}

func (lc *lconn) OnClose(c *ws.Conn, wasClean bool, code ws.StatusCode, reason string) {
	g := lc.g
	lc.mu.Lock()
	lc.gone = true
	var lost int64
	for i := range lc.n {
		if lc.ring[(lc.head+i)%len(lc.ring)].measured {
			lost++
		}
	}
	lc.n = 0
	lc.mu.Unlock()
	if lost > 0 {
		g.inflight.Add(-lost)
		g.errs.Add(lost)
		g.lost.Add(lost)
	}
	if !g.open.closing.Load() {
		g.unexpectedCloses.Add(1)
	}
	g.open.closed()
}

// Start runs r until its warm-up and measured time are over (or ctx
// ends: the measured time is then what ran) and returns the result.
func (r *Run) Start(ctx context.Context) (*Result, error) {
	u, err := r.check()
	if err != nil {
		return nil, err
	}
	if r.Sizes.table == nil {
		r.Sizes, _ = ParseSizes("32")
	}
	if r.InFlight <= 0 {
		r.InFlight = 1
	}
	if r.MaxInFlight <= 0 {
		r.MaxInFlight = 1024
	}
	if r.Drain <= 0 {
		r.Drain = 2 * time.Second
	}
	if r.ProgressEvery <= 0 {
		r.ProgressEvery = time.Second
	}
	if r.Duration <= 0 || r.Warmup < 0 || r.MsgRate < 0 || r.InFlight > 1<<16 || r.MaxInFlight > 1<<16 {
		return nil, errors.New("loadgen: need a positive duration, no negative warm-up or rate, at most 65536 in flight")
	}
	if math.IsNaN(r.MsgRate) || math.IsInf(r.MsgRate, 0) || (r.MsgRate > 0 && r.MsgRate < minMsgRate) {
		// The open loop's intended send times must fit the clock.
		return nil, fmt.Errorf("loadgen: message rate %v: want 0 (closed loop) or %g to a finite number per second", r.MsgRate, minMsgRate)
	}
	switch r.Engine {
	case "", "loop":
	case "uring":
		return r.startURing(ctx, u)
	default:
		return nil, fmt.Errorf("loadgen: engine %q: want loop or uring", r.Engine)
	}
	g := newGen(r)
	ring := r.InFlight
	if r.MsgRate > 0 {
		ring = r.MaxInFlight
	}

	res := &Result{Mode: "closed", URL: r.URL, Conns: r.Conns, InFlight: r.InFlight, Batch: r.Batch, Sizes: r.Sizes.String(), Text: r.Text, Compress: r.Compress}
	if r.MsgRate > 0 {
		res.Mode, res.InFlight, res.Batch, res.TargetRate = "open", 0, false, r.MsgRate
	}
	prog := newProgressor(r, g)
	defer prog.stop()

	cl := r.newClient()
	if r.MsgRate == 0 {
		// The closed loop queues a connection's InFlight messages at once
		// (the first ones before the loop sent any, a batch in one
		// write): its output bound takes them all, or the sends past it
		// would fail, uncounted in the warm-up, and fewer stay in flight.
		cl.Config.WriteHighWatermark = max(ws.DefaultOutputHigh, r.InFlight*(r.Sizes.Max()+maxClientFrameHeader))
	}
	conns := make([]*ws.Conn, r.Conns)
	lcs := make([]*lconn, r.Conns)
	for i := range lcs {
		lcs[i] = &lconn{g: g, ring: make([]pending, min(ring, 4)), max: ring}
	}
	failed, dialErr := r.dialAll(ctx, cl, u, func(i int) ws.Handler { return lcs[i] }, func(i int, c *ws.Conn) { conns[i] = c; lcs[i].c = c })
	res.ConnectErrors = failed
	live := make([]*lconn, 0, r.Conns)
	for _, lc := range lcs {
		if lc.c != nil {
			live = append(live, lc)
		}
	}
	res.Connected = len(live)
	if len(live) == 0 {
		closeAll(nil, cl, g.open.startClosing(), 0)
		return nil, errors.Join(errors.New("loadgen: no connection opened"), dialErr)
	}
	if dialErr != nil {
		res.FirstConnectError = dialErr.Error()
	}

	// Traffic: the warm-up, then the measured time.
	t0 := g.now()
	g.measureStart.Store(t0 + int64(r.Warmup))
	g.measureEnd.Store(t0 + int64(r.Warmup+r.Duration))
	g.sending.Store(true)
	prog.setPhase("warmup")
	var sched sync.WaitGroup
	if r.MsgRate > 0 {
		sched.Add(1)
		go func() { defer sched.Done(); g.openLoop(ctx, live, t0) }()
	} else if r.Batch {
		for _, lc := range live {
			lc.sendBatch(lc.c, g.now())
		}
	} else {
		for k := 0; k < r.InFlight; k++ {
			for _, lc := range live {
				lc.send(lc.c, g.now())
			}
		}
	}
	w := measure(ctx, g, r, res, prog, t0)
	sched.Wait()
	drain(ctx, g, r, prog)
	closeAll(conns, cl, g.open.startClosing(), time.Second)
	prog.stop()
	res.finish(g, r, w)
	return res, nil
}

// minMsgRate is the least open-loop rate (messages per second): one
// message in about 11.6 days, an interval far inside the clock's range.
const minMsgRate = 1e-6

// maxClientFrameHeader is the longest header of a client's frame: 2
// bytes, an 8-byte length, the 4-byte mask key.
const maxClientFrameHeader = 14

// window is the measured time of a run and what was sampled at its ends.
// Each end is one reading of the clock, the answer counts and the CPU
// times, taken together (take), so that the throughput and the CPU
// shares are of the same span.
type window struct {
	start, end   int64 // g's clock
	ans0, ans1   int64 // g.rightAnswers
	byte0, byte1 int64 // g.rightBytes
	cpu0, cpu1   cpuSample
	self0, self1 time.Duration
	rss0, rss1   int64
	// Run-queue waits (runDelay) of the server and of the generator.
	wait0, wait1         delaySample
	selfWait0, selfWait1 delaySample
	// canceled: ctx ended the measured time early.
	canceled bool
}

type delaySample struct {
	d  time.Duration
	ok bool
}

func sampleDelay(pid int) delaySample {
	if pid <= 0 {
		return delaySample{}
	}
	d, ok := runDelay(pid)
	return delaySample{d, ok}
}

// waitPercent is the share of el that a and b say was spent waiting.
func waitPercent(a, b delaySample, el time.Duration) (float64, bool) {
	if !a.ok || !b.ok || el <= 0 {
		return 0, false
	}
	return 100 * (b.d - a.d).Seconds() / el.Seconds(), true
}

// measureHook, if set (by tests), is called where measure may be held
// up: "start" while it prepares the first sample (reading /proc), "end"
// when the measured time is over, before the last sample.
var measureHook func(stage string)

// measure waits out the warm-up that began at t0 (the traffic is
// already under way), then the measured time, sampling the server's and
// the generator's CPU and the server's RSS at both ends; sending stops
// at the end. An engine calls it once its traffic started, with the
// measured time planned (g.measureStart, g.measureEnd). The measured
// time's rates are of the span from the first sample, however late, to
// the last; it lasts r.Duration.
func measure(ctx context.Context, g *gen, r *Run, res *Result, prog *progressor, t0 int64) window {
	var w window
	sleepUntil(ctx, g, t0+int64(r.Warmup)) // if ctx ended, so does the measured time at once
	prog.setPhase("measure")
	// The slow part of the first sample (finding the server's processes)
	// before the span begins.
	w.rss0 = res.sampleRSS(r.PID)
	var kids []int
	if r.PID > 0 {
		kids = descendants(r.PID)
	}
	if measureHook != nil {
		measureHook("start")
	}
	start := g.now()
	// However late the first sample, the span lasts r.Duration; its
	// messages are those due from the planned start to its end.
	g.measureEnd.Store(start + int64(r.Duration))
	w.take(g, r.PID, kids, true, start)
	if !sleepUntil(ctx, g, g.measureEnd.Load()) {
		g.measureEnd.Store(g.now())
		w.canceled = true
	}
	if measureHook != nil {
		measureHook("end")
	}
	w.take(g, r.PID, kids, false, g.now())
	g.sending.Store(false)
	// Processes the server started in the measured time: all their CPU
	// time is of it (read just after the span).
	if w.cpu1.kids != nil {
		for _, k := range descendants(r.PID) {
			if _, seen := w.cpu1.kids[k]; seen {
				continue
			}
			if c, err := processCPU(k); err == nil {
				w.cpu1.kids[k] = c
			}
		}
	}
	w.rss1 = res.sampleRSS(r.PID)
	return w
}

// take reads g's answer counts and the CPU times and run-queue waits of
// the generator and of the server (pid and its processes kids) with the
// time now of g's clock, as one sample: the start of the measured time
// (first) or its end.
func (w *window) take(g *gen, pid int, kids []int, first bool, now int64) {
	t, ans, b := &w.end, &w.ans1, &w.byte1
	cpu, self, wait, selfWait := &w.cpu1, &w.self1, &w.wait1, &w.selfWait1
	if first {
		t, ans, b = &w.start, &w.ans0, &w.byte0
		cpu, self, wait, selfWait = &w.cpu0, &w.self0, &w.wait0, &w.selfWait0
	}
	*t, *ans, *b = now, g.rightAnswers.Load(), g.rightBytes.Load()
	*self = selfCPU()
	*cpu = sampleCPU(pid, kids)
	*wait, *selfWait = sampleDelay(pid), sampleDelay(os.Getpid())
}

// drain waits, at most r.Drain, for the answers still in flight.
func drain(ctx context.Context, g *gen, r *Run, prog *progressor) {
	prog.setPhase("drain")
	deadline := time.Now().Add(r.Drain)
	for g.inflight.Load() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
}

// finish fills res from g's counts and the samples of w.
func (res *Result) finish(g *gen, r *Run, w window) {
	el := time.Duration(w.end - w.start)
	res.fill(g, el, w.ans1-w.ans0, w.byte1-w.byte0)
	if r.PID > 0 && w.cpu0.ok && w.cpu1.ok && w.cpu0.exact == w.cpu1.exact {
		res.Server = &ServerUse{CPUSeconds: w.cpu1.since(w.cpu0).Seconds(), RSSBefore: w.rss0, RSSAfter: w.rss1, CPUClock: cpuClockName(w.cpu0.exact)}
		if res.Server.CPUSeconds > 0 && el > 0 {
			res.Server.CPUPercent = 100 * res.Server.CPUSeconds / el.Seconds()
			res.Server.MsgPerCPUSecond = float64(res.Answered) / res.Server.CPUSeconds
		}
		res.Server.WaitPercent, _ = waitPercent(w.wait0, w.wait1, el)
	}
	if el > 0 {
		res.GeneratorCPUPercent = 100 * (w.self1 - w.self0).Seconds() / el.Seconds()
	}
	res.GeneratorWaitPercent, _ = waitPercent(w.selfWait0, w.selfWait1, el)
	res.Unreliable = res.unreliable(r.Duration, w.canceled, runtime.NumCPU())
}

// unreliable says why res, a measurement of planned length d on a
// machine of cores CPUs, cannot be trusted, or "": a measured time far
// off d (the generator's timer woke late: the machine is starved) or a
// CPU share no process can have.
func (res *Result) unreliable(d time.Duration, canceled bool, cores int) string {
	el := time.Duration(res.DurationSeconds * float64(time.Second))
	if el > 2*d || el < d/2 && !canceled {
		return fmt.Sprintf("measured %v instead of %v: the generator was held up (a starved machine)", el.Round(time.Millisecond), d)
	}
	// The CPU clocks are exact; /proc/PID/stat counts in ticks of 10 ms,
	// two of which may fall either way.
	limit := 100*float64(cores) + 100*(2*clockTick).Seconds()/max(el.Seconds(), 1e-9)
	if res.GeneratorCPUPercent > limit {
		return fmt.Sprintf("generator CPU %.0f %% on %d cores: not a measurement", res.GeneratorCPUPercent, cores)
	}
	if s := res.Server; s != nil && s.CPUPercent > limit {
		return fmt.Sprintf("server CPU %.0f %% on %d cores: not a measurement", s.CPUPercent, cores)
	}
	return ""
}

// sleepUntil waits until g's clock reads t; false if ctx ended first.
func sleepUntil(ctx context.Context, g *gen, t int64) bool {
	d := time.Duration(t - g.now())
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

type cpuSample struct {
	cpu   time.Duration
	ok    bool
	exact bool // ProcSample.CPUExact
	// kids is the CPU time of each descendant process (a prefork server's
	// workers) by PID, from their process CPU clocks (Linux).
	kids map[int]time.Duration
}

// sampleCPU reads the CPU time of pid and of its processes kids (found
// by descendants, beforehand: the walk is slow).
func sampleCPU(pid int, kids []int) cpuSample {
	if pid <= 0 {
		return cpuSample{}
	}
	p, err := ReadProc(pid)
	s := cpuSample{cpu: p.CPU, ok: err == nil, exact: p.CPUExact}
	if s.ok && s.exact {
		s.kids = map[int]time.Duration{}
		for _, k := range kids {
			if c, err := processCPU(k); err == nil {
				s.kids[k] = c
			}
		}
	}
	return s
}

// since is the CPU time used from s0 to s: the process's and that of its
// descendants alive at s (all of it for those born since s0; a descendant
// that ended in between takes its time since s0 with it).
func (s cpuSample) since(s0 cpuSample) time.Duration {
	d := s.cpu - s0.cpu
	for pid, c := range s.kids {
		d += c - s0.kids[pid]
	}
	return d
}

func (res *Result) sampleRSS(pid int) int64 {
	if pid <= 0 {
		return 0
	}
	p, _ := ReadProc(pid)
	return p.RSS
}

// newGen returns the generator state of r shared by both engines: the
// payload pattern, the opcode, and a measured window not started yet.
func newGen(r *Run) *gen {
	g := &gen{cfg: r, epoch: time.Now(), payload: make([]byte, r.Sizes.Max()), op: ws.OpBinary, open: newOpenCount()}
	for i := range g.payload {
		g.payload[i] = 'a' + byte(i%26)
	}
	if r.Text {
		g.op = ws.OpText
	}
	g.measureStart.Store(1<<63 - 1)
	g.measureEnd.Store(1<<63 - 1)
	return g
}
