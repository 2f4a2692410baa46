package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	wampjson "github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
)

// Limits of a WAMP run (each session is a connection and goroutines).
const (
	MaxWAMPSessions = 4096    // Callers, Subscribers
	MaxWAMPInFlight = 1024    // calls in flight per caller
	MaxWAMPPayload  = 1 << 20 // bytes
)

// WAMP is a load run against a WAMP router (any: ours, nexus, Crossbar.io),
// through the public client (wamp/client.Connect: ws://, wss://, rs://,
// rss://, unix://). It runs two phases, each a warmup then Duration
// measured:
//
//   - RPC: the run registers a procedure of its own on one callee session,
//     which answers with the arguments it got; Callers sessions keep
//     InFlight calls each in flight with a payload of Size bytes, and every
//     call's round trip goes into a latency histogram;
//   - PubSub: one publisher session publishes events [seq, sent-time,
//     payload] to a topic of its own, as fast as Publish returns (or at
//     EventRate per second), to Subscribers sessions; each subscriber
//     counts the events of the measured sequence numbers it got, and the
//     ones it did not get are drops.
//
// Counts: Calls == Answered + Errors, and Published × Subscribers ==
// Received + Drops, once the phase has drained (Drain at most). Events
// per second and per router-CPU-second count the events delivered in the
// measured time (any sequence number), the router's work in the time its
// CPU is measured, not the backlog a router that fell behind works off in
// the drain.
type WAMP struct {
	URL        string
	Realm      wamp.URI // default "realm1"
	Serializer string   // "json", "cbor", "msgpack" ("": the client's default order)

	Callers     int     // caller sessions (default 4; 0 with Only "pubsub")
	InFlight    int     // calls in flight per caller (default 1)
	Subscribers int     // subscriber sessions (default 4)
	EventRate   float64 // events per second to publish (0: as fast as Publish returns)
	Size        int     // payload bytes (default 32)
	Only        string  // "rpc" or "pubsub" runs one phase ("": both)

	Warmup   time.Duration // per phase, not counted
	Duration time.Duration // per phase, measured (default 5 s)
	Drain    time.Duration // wait at most this long for the last answers and events (default 2 s)
	PID      int           // the router's process, for CPU and RSS from /proc

	// TLSConfig is the client's TLS configuration for a wss:// or rss://
	// URL (nil: crypto/tls defaults, the system's roots).
	TLSConfig *tls.Config

	Progress      func(Progress)
	ProgressEvery time.Duration
}

// WAMPResult is the outcome of a WAMP run.
type WAMPResult struct {
	URL         string        `json:"url"`
	Realm       string        `json:"realm"`
	Serializer  string        `json:"serializer"`
	Size        int           `json:"size"`
	Callers     int           `json:"callers"`
	InFlight    int           `json:"inflight"`
	Subscribers int           `json:"subscribers"`
	RPC         *RPCResult    `json:"rpc,omitempty"`
	PubSub      *PubSubResult `json:"pubsub,omitempty"`
}

// RPCResult is the RPC phase.
type RPCResult struct {
	DurationSeconds float64 `json:"duration_s"`
	Calls           uint64  `json:"calls"`
	Answered        uint64  `json:"answered"`
	Errors          uint64  `json:"errors"`
	FirstError      string  `json:"first_error,omitempty"`
	// CallersLost counts the caller sessions that ended during the phase
	// (their calls stopped: the others carried the load), CallerError
	// the first one's error.
	CallersLost    int        `json:"callers_lost"`
	CallerError    string     `json:"caller_error,omitempty"`
	CallsPerSecond float64    `json:"calls_per_s"`
	Latency        Latency    `json:"latency"`
	Server         *ServerUse `json:"server,omitempty"`
}

// PubSubResult is the PubSub phase.
type PubSubResult struct {
	DurationSeconds float64    `json:"duration_s"`
	Published       uint64     `json:"published"`
	PublishErrors   uint64     `json:"publish_errors"`
	Expected        uint64     `json:"expected"` // Published × subscribers
	Received        uint64     `json:"received"`
	Drops           uint64     `json:"drops"`
	Duplicates      uint64     `json:"duplicates"`       // seq not above the last one seen (not in Received)
	SubscribersLost int        `json:"subscribers_lost"` // sessions that ended during the phase
	SubscriberError string     `json:"subscriber_error,omitempty"`
	EventsPerSecond float64    `json:"events_per_s"` // delivered in the measured time, all subscribers
	Latency         Latency    `json:"latency"`      // publish to event
	Server          *ServerUse `json:"server,omitempty"`
}

func (w *WAMP) defaults() error {
	if w.Realm == "" {
		w.Realm = "realm1"
	}
	if w.Callers == 0 && w.Only != "pubsub" {
		w.Callers = 4
	}
	if w.InFlight <= 0 {
		w.InFlight = 1
	}
	if w.Subscribers == 0 && w.Only != "rpc" {
		w.Subscribers = 4
	}
	if w.Size == 0 {
		w.Size = 32
	}
	if w.Duration <= 0 {
		w.Duration = 5 * time.Second
	}
	if w.Drain <= 0 {
		w.Drain = 2 * time.Second
	}
	if w.ProgressEvery <= 0 {
		w.ProgressEvery = time.Second
	}
	switch {
	case w.Only != "" && w.Only != "rpc" && w.Only != "pubsub":
		return fmt.Errorf("loadgen: phase %q: want rpc or pubsub", w.Only)
	case w.Callers < 0 || w.Callers > MaxWAMPSessions, w.Subscribers < 0 || w.Subscribers > MaxWAMPSessions:
		return fmt.Errorf("loadgen: callers and subscribers must be 0..%d", MaxWAMPSessions)
	case w.InFlight > MaxWAMPInFlight:
		return fmt.Errorf("loadgen: inflight must be 1..%d", MaxWAMPInFlight)
	case w.Size < 0 || w.Size > MaxWAMPPayload:
		return fmt.Errorf("loadgen: size must be 0..%d", MaxWAMPPayload)
	case w.EventRate < 0:
		return errors.New("loadgen: negative event rate")
	case math.IsNaN(w.EventRate) || math.IsInf(w.EventRate, 0) || (w.EventRate > 0 && w.EventRate < minMsgRate):
		// The publisher's intended times must fit the clock.
		return fmt.Errorf("loadgen: event rate %v: want 0 (as fast as Publish returns) or %g to a finite number per second", w.EventRate, minMsgRate)
	}
	return nil
}

func (w *WAMP) connect(ctx context.Context, join client.JoinOptions) (*client.Session, error) {
	opts := client.ConnectOptions{Join: join, TLSConfig: w.TLSConfig}
	switch strings.ToLower(w.Serializer) {
	case "":
	case "json":
		opts.Serializers = []wamp.Serializer{wampjson.Serializer{}}
	case "cbor":
		opts.Serializers = []wamp.Serializer{cbor.Serializer{}}
	case "msgpack":
		opts.Serializers = []wamp.Serializer{msgpack.Serializer{}}
	default:
		return nil, fmt.Errorf("loadgen: serializer %q: want json, cbor or msgpack", w.Serializer)
	}
	return client.Connect(ctx, w.URL, w.Realm, opts)
}

// sessions joins n sessions (16 at a time) and returns them all, or
// closes them and returns the first error.
func (w *WAMP) sessions(ctx context.Context, n int, join client.JoinOptions, sess *sessionSet) ([]*client.Session, error) {
	out := make([]*client.Session, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = w.connect(ctx, join)
			if errs[i] == nil {
				sess.add(out[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("loadgen: join %s: %w", w.URL, err)
	}
	return out, nil
}

// sessionSet is every session of a run, for the progress line and the
// final close.
type sessionSet struct {
	mu  sync.Mutex
	all []*client.Session
}

func (s *sessionSet) add(x *client.Session) {
	s.mu.Lock()
	s.all = append(s.all, x)
	s.mu.Unlock()
}

func (s *sessionSet) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.all)
}

// closeAll leaves every session and waits (at most 5 s) for their ends.
func (s *sessionSet) closeAll() {
	s.mu.Lock()
	all := s.all
	s.all = nil
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, x := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = x.Leave(ctx, "")
			x.Close()
			_ = x.Wait(ctx)
		}()
	}
	wg.Wait()
}

// Start runs the phases.
func (w *WAMP) Start(ctx context.Context) (*WAMPResult, error) {
	if err := w.defaults(); err != nil {
		return nil, err
	}
	res := &WAMPResult{URL: w.URL, Realm: string(w.Realm), Serializer: w.Serializer, Size: w.Size,
		Callers: w.Callers, InFlight: w.InFlight, Subscribers: w.Subscribers}
	switch w.Only {
	case "pubsub":
		res.Callers, res.InFlight = 0, 0
	case "rpc":
		res.Subscribers = 0
	}
	payload := strings.Repeat("x", w.Size)
	if w.Only != "pubsub" && w.Callers > 0 {
		r, err := w.runRPC(ctx, payload)
		if err != nil {
			return nil, err
		}
		res.RPC = r
	}
	if w.Only != "rpc" && w.Subscribers > 0 {
		r, err := w.runPubSub(ctx, payload)
		if err != nil {
			return nil, err
		}
		res.PubSub = r
	}
	return res, nil
}

// wampTicker reports progress every ProgressEvery, and at once on every
// phase change, until stop is called.
type wampTicker struct {
	phase atomic.Pointer[string]
	kick  chan string // phase changes; a full buffer skips the extra report
	quit  chan struct{}
	wg    sync.WaitGroup
}

func (w *WAMP) startProgress(phase string, epoch time.Time, sess *sessionSet, count *atomic.Uint64, errs *atomic.Uint64, h *Histogram) *wampTicker {
	t := &wampTicker{quit: make(chan struct{})}
	t.phase.Store(&phase)
	if w.Progress == nil {
		return t
	}
	t.kick = make(chan string, 8)
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		tk := time.NewTicker(w.ProgressEvery)
		defer tk.Stop()
		last, lastT := count.Load(), time.Now()
		for {
			ph := ""
			select {
			case <-tk.C:
				ph = *t.phase.Load()
			case ph = <-t.kick:
			case <-t.quit:
				select {
				case ph = <-t.kick: // the phase changes not reported yet
				default:
					return
				}
			}
			now, n, s := time.Now(), count.Load(), h.Snapshot()
			w.Progress(Progress{Phase: ph, Elapsed: now.Sub(epoch), Conns: int64(sess.count()),
				MsgRate: float64(n-last) / max(now.Sub(lastT).Seconds(), 1e-9),
				P50:     s.Quantile(0.5), P99: s.Quantile(0.99), Errors: int64(errs.Load())})
			last, lastT = n, now
		}
	}()
	return t
}

// setPhase names the phase, and reports it at once.
func (t *wampTicker) setPhase(s string) {
	t.phase.Store(&s)
	if t.kick != nil {
		select {
		case t.kick <- s:
		default:
		}
	}
}

func (t *wampTicker) stop() {
	close(t.quit)
	t.wg.Wait()
}

// serverUse measures the router's process between begin and end.
type serverUse struct {
	pid    int
	before ProcSample
	ok     bool
}

func (u *serverUse) begin(pid int) {
	u.pid = pid
	if pid > 0 {
		var err error
		u.before, err = ReadProc(pid)
		u.ok = err == nil
	}
}

func (u *serverUse) end(el time.Duration, msgs uint64) *ServerUse {
	if !u.ok {
		return nil
	}
	after, err := ReadProc(u.pid)
	if err != nil || after.CPUExact != u.before.CPUExact {
		return nil
	}
	cpu := (after.CPU - u.before.CPU).Seconds()
	s := &ServerUse{CPUSeconds: cpu, RSSBefore: u.before.RSS, RSSAfter: after.RSS, CPUClock: cpuClockName(after.CPUExact)}
	if el > 0 {
		s.CPUPercent = 100 * cpu / el.Seconds()
	}
	if cpu > 0 {
		s.MsgPerCPUSecond = float64(msgs) / cpu
	}
	return s
}
