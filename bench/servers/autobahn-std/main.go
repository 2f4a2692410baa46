// Command autobahn-std is Autobahn|Go's WebSocket echo server on goroutines
// (ws/wshttp inside net/http; with -raw, ws.Server.Serve on a listener with
// the zero-copy handshake; with -loop, the same handler on the event loop,
// ws/wsloop), a benchmark peer: echo on /echo. With -tls it serves wss://
// with a self-signed certificate made at start.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/autobahn-go/autobahn/bench/internal/selfsigned"
	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9000", "listen address")
	raw := flag.Bool("raw", false, "serve with ws.Server.Serve instead of net/http")
	loop := flag.Bool("loop", false, "serve on the event loop (ws/wsloop) instead of goroutines")
	useTLS := flag.Bool("tls", false, "serve wss:// with a self-signed certificate made at start")
	memprofile := flag.String("memprofile", "", "write a heap profile to this file on every SIGUSR1")
	cpuprofile := flag.String("cpuprofile", "", "profile the CPU between two SIGUSR2s and write it to this file")
	kernels := flag.String("nvx", "", "force kernel implementations, kernel=impl[,...] (nvx.Select), e.g. aesgcm=generic")
	lockThread := flag.Bool("lock-thread", false, "with -loop: eventloop.Config.LockOSThread (an idle loop blocks its thread in epoll_wait instead of parking on the runtime's poller)")
	flag.Parse()
	for _, kv := range strings.FieldsFunc(*kernels, func(r rune) bool { return r == ',' }) {
		k, impl, _ := strings.Cut(kv, "=")
		if err := nvx.Select(k, impl); err != nil {
			log.Fatal(err)
		}
	}
	go cpuProfile(*cpuprofile)
	if *memprofile != "" {
		runtime.MemProfileRate = 1 // every allocation: the profile is for finding bytes per connection
	}
	go memstats(*memprofile)
	// Keepalive pings stay on (the default), as does UTF-8 validation.
	var tlsCfg *tls.Config
	if *useTLS {
		var err error
		if tlsCfg, err = selfsigned.Config("autobahn-std benchmark"); err != nil {
			log.Fatal(err)
		}
	}
	if *loop {
		s := &wsloop.Server{Handler: echo{}, TLSConfig: tlsCfg, Config: eventloop.Config{LockOSThread: *lockThread}}
		if _, err := s.Listen("tcp", *addr); err != nil {
			log.Fatal(err)
		}
		log.Fatal(s.Run())
	}
	srv := &ws.Server{Handler: echo{}}
	if *raw {
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			log.Fatal(err)
		}
		if tlsCfg != nil {
			ln = tls.NewListener(ln, tlsCfg)
		}
		log.Fatal(srv.Serve(ln))
	}
	http.Handle("/echo", wshttp.Handler(srv))
	if tlsCfg != nil {
		hs := &http.Server{Addr: *addr, TLSConfig: tlsCfg}
		log.Fatal(hs.ListenAndServeTLS("", ""))
	}
	log.Fatal(http.ListenAndServe(*addr, nil))
}

// memstats prints the Go runtime's view of memory per goroutine after a GC
// on every SIGUSR1 (kill -USR1 <pid> while connections idle), and writes
// a heap profile to memprofile if it is set.
func memstats(memprofile string) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	for range ch {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		g := runtime.NumGoroutine()
		kb := func(v uint64) float64 { return float64(v) / 1024 / float64(g) }
		fmt.Printf("before GC, per goroutine: heap_alloc=%.2fKB heap_inuse=%.2fKB heap_free_retained=%.2fKB stack=%.2fKB spans=%.2fKB gc_meta=%.2fKB other=%.2fKB mapped=%.2fKB\n",
			kb(m.HeapAlloc), kb(m.HeapInuse), kb(m.HeapIdle-m.HeapReleased), kb(m.StackInuse), kb(m.MSpanInuse), kb(m.GCSys), kb(m.OtherSys+m.BuckHashSys+m.MCacheInuse), kb(m.Sys-m.HeapReleased))
		memClasses()
		runtime.GC()
		runtime.ReadMemStats(&m)
		fmt.Printf("goroutines=%d stack/goroutine=%.2fKB heap_alloc/goroutine=%.2fKB\n",
			g, float64(m.StackInuse)/1024/float64(g), float64(m.HeapAlloc)/1024/float64(g))
		if memprofile != "" {
			writeHeapProfile(memprofile)
		}
	}
}

// memClasses prints the runtime's /memory/classes metrics (where the
// process's memory goes, by the runtime's own account), in KiB.
func memClasses() {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	b.WriteString("memory classes (KiB):")
	for _, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 {
			fmt.Fprintf(&b, " %s=%d", strings.TrimSuffix(strings.TrimPrefix(s.Name, "/memory/classes/"), ":bytes"), s.Value.Uint64()>>10)
		}
	}
	fmt.Println(b.String())
}

func writeHeapProfile(path string) {
	f, err := os.Create(path)
	if err != nil {
		log.Print(err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		log.Print(err)
	}
}

// cpuProfile starts a CPU profile on the first SIGUSR2 and writes it to
// path on the second (kill -USR2 <pid> while the load runs, twice).
func cpuProfile(path string) {
	if path == "" {
		return
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR2)
	<-ch
	f, err := os.Create(path)
	if err != nil {
		log.Print(err)
		return
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Print(err)
		return
	}
	<-ch
	pprof.StopCPUProfile()
	f.Close()
}
