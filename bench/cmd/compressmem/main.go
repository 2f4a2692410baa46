// Command compressmem measures the memory a permessage-deflate connection
// costs, idle and active, on the server and on the client side. Run the
// server and the client as two processes (each holds one end of every
// connection, so 10,000 connections need 10,000 descriptors per process):
//
//	compressmem -mode server -ext ctx -n 10000 -active 5s   # prints its address
//	compressmem -mode client -ext ctx -n 10000 -active 5s -addr 127.0.0.1:PORT
//
// -ext is none (no compression, the baseline), ctx (context takeover) or
// nct (no context takeover). Each side prints the Go heap (HeapInuse +
// StackInuse) and the RSS per connection after every connection exchanged
// one message and went idle, then, with -active, while every connection
// echoes a JSON message every -interval. HEAPPROF=file makes the client
// write a heap profile at its idle measure.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/bench/compress"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

var (
	mode     = flag.String("mode", "server", "server or client")
	ext      = flag.String("ext", "ctx", "none, ctx or nct")
	n        = flag.Int("n", 1000, "connections")
	active   = flag.Duration("active", 0, "how long connections stay active after the idle measure (0: none)")
	interval = flag.Duration("interval", 100*time.Millisecond, "time between the messages of an active connection")
	addr     = flag.String("addr", "127.0.0.1:0", "server address")
)

func extensions() []ws.Extension {
	switch *ext {
	case "ctx":
		return []ws.Extension{deflate.New(deflate.Options{})}
	case "nct":
		return []ws.Extension{deflate.New(deflate.Options{ServerNoContextTakeover: true, ClientNoContextTakeover: true})}
	}
	return nil
}

// usage is the memory in use now: Go heap and stacks, and RSS.
func usage() (heap, rss int64) {
	runtime.GC()
	runtime.GC() // and the pools' victim caches
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			rss = kb << 10
		}
	}
	return int64(m.HeapInuse + m.StackInuse), rss
}

func report(what string, heap0, rss0, heap, rss int64) {
	fmt.Printf("%s %s ext=%s n=%d heap/conn=%d rss/conn=%d\n", *mode, what, *ext, *n,
		(heap-heap0)/int64(*n), (rss-rss0)/int64(*n))
}

// sample measures every 100 ms for d (without forcing collections, so the
// numbers include garbage waiting for the collector) and returns the
// medians.
func sample(d time.Duration) (heap, rss int64) {
	var hs, rs []int64
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		hs = append(hs, int64(m.HeapInuse+m.StackInuse))
		b, _ := os.ReadFile("/proc/self/status")
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				rs = append(rs, kb<<10)
			}
		}
	}
	sort.Slice(hs, func(i, j int) bool { return hs[i] < hs[j] })
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	return hs[len(hs)/2], rs[len(rs)/2]
}

type echo struct {
	ws.BaseHandler
	msgs *atomic.Int64
}

func (h echo) OnMessage(c *ws.Conn, _ ws.Opcode, p []byte) {
	h.msgs.Add(1)
	_ = c.WriteMessage(context.Background(), ws.OpText, p)
}

func server() {
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	var msgs atomic.Int64
	srv := &ws.Server{Handler: echo{msgs: &msgs}, Options: &ws.Options{Extensions: extensions(), PingInterval: -1}}
	heap0, rss0 := usage()
	fmt.Println("addr", ln.Addr())
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.ServeConn(context.Background(), nc)
		}
	}()
	for msgs.Load() < int64(*n) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	heap, rss := usage()
	report("idle", heap0, rss0, heap, rss)
	if *active > 0 {
		time.Sleep(2 * time.Second) // the client measures, then starts
		heap, rss = sample(*active)
		report("active", heap0, rss0, heap, rss)
		fmt.Printf("server active messages=%d\n", msgs.Load())
	}
	_ = ln.Close()
}

func client() {
	msgs := compress.Messages()
	heap0, rss0 := usage()
	conns := make([]*ws.Conn, *n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	ctx := context.Background()
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := ws.Dial(ctx, "ws://"+*addr+"/", &ws.Options{Extensions: extensions(), PingInterval: -1})
			if err != nil {
				log.Fatal(err)
			}
			if err := c.WriteMessage(ctx, ws.OpText, msgs[i%len(msgs)]); err != nil {
				log.Fatal(err)
			}
			if _, _, err := c.ReadMessage(ctx); err != nil {
				log.Fatal(err)
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	time.Sleep(time.Second)
	heap, rss := usage()
	report("idle", heap0, rss0, heap, rss)
	if f, err := os.Create(os.Getenv("HEAPPROF")); err == nil {
		_ = pprof.WriteHeapProfile(f)
		f.Close()
	}
	if *active == 0 {
		return
	}
	time.Sleep(time.Second)
	stop := make(chan struct{})
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(*interval)
			defer t.Stop()
			for k := i; ; k++ {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if c.WriteMessage(ctx, ws.OpText, msgs[k%len(msgs)]) != nil {
					return
				}
				if _, _, err := c.ReadMessage(ctx); err != nil {
					return
				}
			}
		}()
	}
	heap, rss = sample(*active)
	report("active", heap0, rss0, heap, rss)
	close(stop)
	wg.Wait()
}

func main() {
	flag.Parse()
	if *mode == "server" {
		server()
	} else {
		client()
	}
}
