// Command routerload drives a WAMP router running in another process
// (bench/run-router.sh starts ours, cmd/ourrouter, and nexus's,
// cmd/nexusrouter) with this module's client and measures the router's
// CPU time (/proc/PID/stat) and resident memory (/proc/PID/status).
//
// Modes (-mode):
//
//	rpc     one callee registers an echo procedure; -callers sessions
//	        with -inflight goroutines each call it back to back for
//	        -duration (after -warmup). Reports calls per router-CPU-second
//	        and the call latency's p50 and p99. With -idle N, N idle
//	        sessions (as in idle) are connected meanwhile, by a second
//	        routerload process (-mode hold; -idle-inproc: by this one,
//	        see holder.go).
//	pubsub  -subs sessions subscribe to one topic; one publisher
//	        publishes for -duration with at most -window publications not
//	        yet delivered to every subscriber, so no router queue overflows.
//	        Reports events (deliveries) per router-CPU-second, and fails
//	        when a subscriber missed an event or got one out of order.
//	idle    joins -sessions sessions (JSON; WebSocket on ws/wsloop's
//	        client loop, or RawSocket for a tcp:// -url, its cell named
//	        tr=rs) and reports the router's RSS growth per session after
//	        -settle.
//
// Each run prints one line in Go benchmark format (benchstat).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/bench/internal/procstat"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

var (
	mode      = flag.String("mode", "rpc", "rpc, pubsub or idle")
	target    = flag.String("url", "", "router URL: tcp://HOST:PORT (RawSocket) or ws://HOST:PORT/ (WebSocket)")
	ser       = flag.String("ser", "json", "serializer: json, msgpack or cbor")
	label     = flag.String("router", "", "router label for the benchmark name (router=…)")
	routerPID = flag.Int("router-pid", 0, "router process id, for its CPU time and RSS")
	duration  = flag.Duration("duration", 3*time.Second, "measured time (rpc, pubsub)")
	warmup    = flag.Duration("warmup", 500*time.Millisecond, "time before measuring (rpc, pubsub)")
	callers   = flag.Int("callers", 1, "caller sessions (rpc)")
	inflight  = flag.Int("inflight", 1, "calls in flight per caller session (rpc)")
	idleN     = flag.Int("idle", 0, "idle sessions (on -url's transport) joined before the calls start (rpc)")
	idleIn    = flag.Bool("idle-inproc", false, "hold the -idle sessions in this process, not in a second one (rpc)")
	gcStats   = flag.Bool("gcstats", false, "send the router SIGUSR1 when the measurement starts and ends (cmd/ourrouter prints its collector's counters) (rpc)")
	subs      = flag.Int("subs", 10, "subscriber sessions (pubsub)")
	window    = flag.Int("window", 8, "publications not yet delivered to every subscriber (pubsub)")
	sessions  = flag.Int("sessions", 1000, "idle sessions (idle)")
	settle    = flag.Duration("settle", 2*time.Second, "wait after joining before reading RSS (idle)")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tr := "rs"
	if strings.HasPrefix(*target, "ws://") {
		tr = "ws"
	} else if !strings.HasPrefix(*target, "tcp://") {
		log.Fatal("routerload: -url must be tcp://… or ws://…")
	}
	var line string
	switch *mode {
	case "rpc":
		line = rpc(ctx, tr)
	case "pubsub":
		line = pubsub(ctx, tr)
	case "idle":
		line = idle(ctx)
	case "hold":
		hold(ctx)
		return
	default:
		log.Fatalf("routerload: unknown -mode %q", *mode)
	}
	fmt.Println(line)
}

func serializer() wamp.Serializer {
	switch *ser {
	case "json":
		return json.Serializer{}
	case "msgpack":
		return msgpack.Serializer{}
	case "cbor":
		return cbor.Serializer{}
	}
	log.Fatalf("routerload: unknown -ser %q", *ser)
	return nil
}

// join opens one session on -url; loop (WebSocket only) dials on cl's
// event loop.
func join(ctx context.Context, cl *wsloop.Client) (*client.Session, error) {
	s := serializer()
	var (
		t   wamp.Transport
		err error
	)
	if addr, ok := strings.CutPrefix(*target, "tcp://"); ok {
		t, err = rawsocket.Dial(ctx, "tcp", addr, rawsocket.Options{Serializer: s})
	} else if cl != nil {
		t, err = websocket.DialLoop(ctx, cl, *target, websocket.Options{Serializers: []wamp.Serializer{s}})
	} else {
		t, err = websocket.Dial(ctx, *target, websocket.Options{Serializers: []wamp.Serializer{s}})
	}
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	return client.Join(ctx, t, "realm1", client.JoinOptions{EventQueue: 1 << 16})
}

func mustJoin(ctx context.Context) *client.Session {
	s, err := join(ctx, nil)
	if err != nil {
		log.Fatalf("routerload: %v", err)
	}
	return s
}

func routerCPU() time.Duration { return time.Duration(procstat.Ticks(*routerPID)) * procstat.Tick }

func rpc(ctx context.Context, tr string) string {
	callee := mustJoin(ctx)
	defer callee.Close()
	if _, err := callee.Register(ctx, "com.bench.echo", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}, nil); err != nil {
		log.Fatalf("routerload: register: %v", err)
	}
	cls := make([]*client.Session, *callers)
	for i := range cls {
		cls[i] = mustJoin(ctx)
		defer cls[i].Close()
	}
	name := fmt.Sprintf("BenchmarkRouterRPC/tr=%s/ser=%s/callers=%d/inflight=%d", tr, *ser, *callers, *inflight)
	if *idleN > 0 && *idleIn {
		closeIdle, idlers := joinIdle(ctx, *idleN)
		defer closeIdle()
		defer func() {
			for _, s := range idlers {
				s.Close()
			}
		}()
	} else if *idleN > 0 {
		defer startHolder(*idleN)()
	}
	if *idleN > 0 {
		name += fmt.Sprintf("/idle=%d", *idleN)
	}
	args := wamp.List{int64(1), "hello"}
	var measuring atomic.Bool
	stop := make(chan struct{})
	lat := make([][]time.Duration, *callers**inflight)
	var wg sync.WaitGroup
	for i := range lat {
		lat[i] = make([]time.Duration, 0, 1<<16)
		cl := cls[i / *inflight]
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				if _, err := cl.Call(ctx, "com.bench.echo", args, nil, nil); err != nil {
					log.Fatalf("routerload: call: %v", err)
				}
				if measuring.Load() {
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		})
	}
	time.Sleep(*warmup)
	signalGCStats()
	c0, t0 := routerCPU(), time.Now()
	measuring.Store(true)
	time.Sleep(*duration)
	measuring.Store(false)
	c1, elapsed := routerCPU(), time.Since(t0)
	signalGCStats()
	close(stop)
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	n := len(all)
	if n == 0 {
		log.Fatal("routerload: no calls completed")
	}
	pct := func(p float64) float64 { return float64(all[int(p*float64(n-1))].Nanoseconds()) / 1e3 }
	return fmt.Sprintf("%s/router=%s %d %.0f ns/op %.0f calls/s %.0f calls/router-cpu-s %.0f p50-µs %.0f p99-µs",
		name, *label, n, float64(elapsed.Nanoseconds())/float64(n), float64(n)/elapsed.Seconds(),
		perCPU(n, c1-c0), pct(0.50), pct(0.99))
}

// signalGCStats sends the router SIGUSR1 with -gcstats.
func signalGCStats() {
	if *gcStats && *routerPID > 0 {
		_ = syscall.Kill(*routerPID, syscall.SIGUSR1)
	}
}

// perCPU is n per second of router CPU time (0 when none was measured).
func perCPU(n int, cpu time.Duration) float64 {
	if cpu <= 0 {
		return 0
	}
	return float64(n) / cpu.Seconds()
}

func pubsub(ctx context.Context, tr string) string {
	type counter struct {
		next atomic.Int64 // the sequence number expected next
		bad  atomic.Int64 // events missing or out of order
	}
	counters := make([]*counter, *subs)
	var delivered atomic.Int64
	wake := make(chan struct{}, 1)
	sessions := make([]*client.Session, *subs)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16) // concurrent joins
	for i := range sessions {
		counters[i] = new(counter)
		c := counters[i]
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			s := mustJoin(ctx)
			mu.Lock()
			sessions[i] = s
			mu.Unlock()
			if _, err := s.Subscribe(ctx, "com.bench.topic", func(e *wamp.Event) {
				seq, _ := e.Args[0].(int64)
				if u, ok := e.Args[0].(uint64); ok {
					seq = int64(u)
				}
				if seq != c.next.Load() {
					c.bad.Add(1)
				}
				c.next.Store(seq + 1)
				delivered.Add(1)
				select {
				case wake <- struct{}{}:
				default:
				}
			}, nil); err != nil {
				log.Fatalf("routerload: subscribe: %v", err)
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	pub := mustJoin(ctx)
	defer pub.Close()
	n := int64(*subs)
	payload := strings.Repeat("x", 64)
	var published int64
	publishFor := func(d time.Duration) {
		end := time.Now().Add(d)
		for time.Now().Before(end) {
			for (published-int64(*window))*n >= delivered.Load() {
				select {
				case <-wake:
				case <-time.After(5 * time.Second):
					log.Fatalf("routerload: events stopped: %d of %d delivered", delivered.Load(), published*n)
				}
			}
			if err := pub.Publish(ctx, "com.bench.topic", wamp.List{published, payload}, nil, nil); err != nil {
				log.Fatalf("routerload: publish: %v", err)
			}
			published++
		}
	}
	publishFor(*warmup)
	d0, c0, t0 := delivered.Load(), routerCPU(), time.Now()
	publishFor(*duration)
	// wait for the tail, so that every event is counted and checked
	deadline := time.Now().Add(10 * time.Second)
	for delivered.Load() < published*n && time.Now().Before(deadline) {
		select {
		case <-wake:
		case <-time.After(100 * time.Millisecond):
		}
	}
	c1, elapsed, d1 := routerCPU(), time.Since(t0), delivered.Load()
	var bad int64
	for _, c := range counters {
		bad += c.bad.Load()
	}
	drops := published*n - d1 + bad
	if drops != 0 {
		fmt.Fprintf(os.Stderr, "routerload: %d events lost or out of order (router=%s subs=%d)\n", drops, *label, *subs)
	}
	ev := int(d1 - d0)
	return fmt.Sprintf("BenchmarkRouterPubSub/tr=%s/ser=%s/subs=%d/router=%s %d %.0f ns/op %.0f events/s %.0f events/router-cpu-s %d drops",
		tr, *ser, *subs, *label, ev, float64(elapsed.Nanoseconds())/float64(ev), float64(ev)/elapsed.Seconds(), perCPU(ev, c1-c0), drops)
}

func idle(ctx context.Context) string {
	rss0 := procstat.RSSKB(*routerPID)
	closeIdle, sessions := joinIdle(ctx, *sessions)
	defer closeIdle()
	time.Sleep(*settle)
	rss1 := procstat.RSSKB(*routerPID)
	for _, s := range sessions {
		s.Close()
	}
	n := len(sessions)
	tr := ""
	if strings.HasPrefix(*target, "tcp://") {
		tr = "tr=rs/"
	}
	return fmt.Sprintf("BenchmarkRouterIdle/%ssessions=%d/router=%s 1 %.0f B/session %d router-rss-KiB",
		tr, n, *label, float64(rss1-rss0)*1024/float64(n), rss1)
}

// joinIdle joins n sessions (32 joins at a time) that then do nothing:
// over WebSocket on one ws/wsloop client, or over RawSocket (goroutines)
// for a tcp:// -url. Call closeIdle after closing the sessions.
func joinIdle(ctx context.Context, n int) (closeIdle func(), _ []*client.Session) {
	var cl *wsloop.Client
	closeIdle = func() {}
	if !strings.HasPrefix(*target, "tcp://") {
		cl = &wsloop.Client{Options: websocket.Options{Serializers: []wamp.Serializer{serializer()}}.WSOptions()}
		closeIdle = func() { cl.Close() }
	}
	sessions := make([]*client.Session, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range sessions {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			s, err := join(ctx, cl)
			if err != nil {
				log.Fatalf("routerload: session %d: %v", i, err)
			}
			sessions[i] = s
		})
	}
	wg.Wait()
	return closeIdle, sessions
}
