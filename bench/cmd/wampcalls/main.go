// Command wampcalls measures WAMP calls per second through a router
// running in another process (bench/run-wamp-calls.sh starts a nexus
// router): a callee and a caller of one client library (ours, on net's
// goroutines or on ws/wsloop's event loop for WebSocket, or nexus's)
// join over RawSocket (tcp://) or WebSocket (ws://), the callee registers
// an echo procedure, and -inflight goroutines call it back to back until
// -calls calls have returned.
//
// It prints one line in Go benchmark format, for benchstat:
//
//	BenchmarkCalls/tr=…/ser=…/client=… N  ns/op  calls/s  client-µs/call  router-µs/call
//	    client-allocs/call  client-reads/call  client-writes/call
//
// client-µs/call is the CPU time (user+system, getrusage) this process
// spent per call, caller and callee together; router-µs/call is the
// router's, read from /proc/PID/stat when -router-pid is given. When the
// router's CPU is the bottleneck, calls/s is the same for any client and
// client-µs/call is what still tells the clients apart. The system call
// counts come from /proc/self/io.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/bench/internal/procstat"

	nexusclient "github.com/gammazero/nexus/v3/client"
	nexusser "github.com/gammazero/nexus/v3/transport/serialize"
	nexuswamp "github.com/gammazero/nexus/v3/wamp"

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
	target    = flag.String("url", "", "router URL: tcp://HOST:PORT (RawSocket) or ws://HOST:PORT/ (WebSocket)")
	lib       = flag.String("client", "ours", "client library: ours, ours-loop (ours, WebSocket on ws/wsloop's event loop) or nexus")
	ser       = flag.String("ser", "json", "serializer: json, msgpack or cbor")
	calls     = flag.Int("calls", 20000, "measured calls")
	warmup    = flag.Int("warmup", 2000, "calls before measuring")
	inflight  = flag.Int("inflight", 16, "concurrent callers")
	routerPID = flag.Int("router-pid", 0, "router process id, for its CPU time")
	cpuProf   = flag.String("cpuprofile", "", "write a CPU profile of the measured calls to this file")
	memProf   = flag.String("memprofile", "", "write an allocation profile (every allocation) of the measured calls to this file")
	setup     = flag.String("setup", "", "label for the benchmark name (setup=…), e.g. how CPUs were shared")
)

// caller is one library's call function: it calls the echo procedure once.
type caller func(ctx context.Context) error

func main() {
	flag.Parse()
	log.SetFlags(0)
	tr := "rawsocket"
	if strings.HasPrefix(*target, "ws://") {
		tr = "websocket"
	} else if !strings.HasPrefix(*target, "tcp://") {
		log.Fatal("wampcalls: -url must be tcp://… or ws://…")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if *lib == "ours-loop" && tr != "websocket" {
		log.Fatal("wampcalls: -client ours-loop runs WebSocket only (ws://…)")
	}
	var call caller
	var closeAll func()
	switch *lib {
	case "ours", "ours-loop":
		call, closeAll = ours(ctx)
	case "nexus":
		call, closeAll = nexus(ctx)
	default:
		log.Fatalf("wampcalls: unknown -client %q", *lib)
	}
	defer closeAll()

	run(ctx, call, *warmup)
	if *memProf != "" {
		runtime.MemProfileRate = 1
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	if *cpuProf != "" {
		f, err := os.Create(*cpuProf)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
	}
	r0, w0 := syscalls()
	cpu0, rcpu0, t0 := procstat.Self(), time.Duration(procstat.Ticks(*routerPID))*procstat.Tick, time.Now()
	run(ctx, call, *calls)
	elapsed := time.Since(t0)
	pprof.StopCPUProfile()
	cpu1, rcpu1 := procstat.Self(), time.Duration(procstat.Ticks(*routerPID))*procstat.Tick
	r1, w1 := syscalls()
	runtime.ReadMemStats(&ms1)
	if *memProf != "" {
		f, err := os.Create(*memProf)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			log.Fatal(err)
		}
		f.Close()
	}

	n := float64(*calls)
	name := "BenchmarkCalls"
	if *setup != "" {
		name += "/setup=" + *setup
	}
	line := fmt.Sprintf("%s/tr=%s/ser=%s/client=%s %d %.0f ns/op %.0f calls/s %.2f client-µs/call",
		name, tr, *ser, *lib, *calls, float64(elapsed.Nanoseconds())/n, n/elapsed.Seconds(),
		float64((cpu1-cpu0).Microseconds())/n)
	if *routerPID > 0 {
		line += fmt.Sprintf(" %.2f router-µs/call", float64((rcpu1-rcpu0).Microseconds())/n)
	}
	line += fmt.Sprintf(" %.1f client-allocs/call", float64(ms1.Mallocs-ms0.Mallocs)/n)
	if r1 > 0 {
		line += fmt.Sprintf(" %.2f client-reads/call %.2f client-writes/call", float64(r1-r0)/n, float64(w1-w0)/n)
	}
	fmt.Println(line)
}

// run makes n calls with -inflight goroutines.
func run(ctx context.Context, call caller, n int) {
	var left atomic.Int64
	left.Store(int64(n))
	var wg sync.WaitGroup
	for range *inflight {
		wg.Go(func() {
			for left.Add(-1) >= 0 {
				if err := call(ctx); err != nil {
					log.Fatalf("wampcalls: call: %v", err)
				}
			}
		})
	}
	wg.Wait()
}

func ours(ctx context.Context) (caller, func()) {
	var s wamp.Serializer
	switch *ser {
	case "json":
		s = json.Serializer{}
	case "msgpack":
		s = msgpack.Serializer{}
	case "cbor":
		s = cbor.Serializer{}
	default:
		log.Fatalf("wampcalls: unknown -ser %q", *ser)
	}
	var (
		loopOnce   sync.Once
		loopClient *wsloop.Client
	)
	join := func() *client.Session {
		var (
			t   wamp.Transport
			err error
		)
		if addr, ok := strings.CutPrefix(*target, "tcp://"); ok {
			t, err = rawsocket.Dial(ctx, "tcp", addr, rawsocket.Options{Serializer: s})
		} else if *lib == "ours-loop" {
			o := websocket.Options{Serializers: []wamp.Serializer{s}}
			loopOnce.Do(func() { loopClient = &wsloop.Client{Options: o.WSOptions()} })
			t, err = websocket.DialLoop(ctx, loopClient, *target, o)
		} else {
			t, err = websocket.Dial(ctx, *target, websocket.Options{Serializers: []wamp.Serializer{s}})
		}
		if err != nil {
			log.Fatalf("wampcalls: dial: %v", err)
		}
		sess, err := client.Join(ctx, t, "realm1", client.JoinOptions{})
		if err != nil {
			log.Fatalf("wampcalls: join: %v", err)
		}
		return sess
	}
	callee, cl := join(), join()
	if _, err := callee.Register(ctx, "com.bench.echo", func(ctx context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}, nil); err != nil {
		log.Fatalf("wampcalls: register: %v", err)
	}
	args := wamp.List{int64(1), "hello"}
	return func(ctx context.Context) error {
			_, err := cl.Call(ctx, "com.bench.echo", args, nil, nil)
			return err
		}, func() {
			cl.Close()
			callee.Close()
			if loopClient != nil {
				loopClient.Close()
			}
		}
}

func nexus(ctx context.Context) (caller, func()) {
	var s nexusser.Serialization
	switch *ser {
	case "json":
		s = nexusser.JSON
	case "msgpack":
		s = nexusser.MSGPACK
	case "cbor":
		s = nexusser.CBOR
	default:
		log.Fatalf("wampcalls: unknown -ser %q", *ser)
	}
	join := func() *nexusclient.Client {
		c, err := nexusclient.ConnectNet(ctx, *target, nexusclient.Config{
			Realm: "realm1", Serialization: s, Logger: log.New(io.Discard, "", 0),
		})
		if err != nil {
			log.Fatalf("wampcalls: connect: %v", err)
		}
		return c
	}
	callee, cl := join(), join()
	if err := callee.Register("com.bench.echo", func(ctx context.Context, inv *nexuswamp.Invocation) nexusclient.InvokeResult {
		return nexusclient.InvokeResult{Args: inv.Arguments}
	}, nil); err != nil {
		log.Fatalf("wampcalls: register: %v", err)
	}
	args := nexuswamp.List{int64(1), "hello"}
	return func(ctx context.Context) error {
			_, err := cl.Call(ctx, "com.bench.echo", nil, args, nil, nil)
			return err
		}, func() {
			cl.Close()
			callee.Close()
		}
}

// syscalls returns this process's read and write system call counts
// (syscr and syscw in /proc/self/io; zero where that file is missing).
func syscalls() (r, w int64) {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "syscr":
			r = n
		case "syscw":
			w = n
		}
	}
	return r, w
}
