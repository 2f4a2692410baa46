// Command bombp99 measures issue 15's "four bzip2 bombs on a loop: other
// connections' echo p99 on that loop stays under 50 ms during the
// attack". An echo server with permessage-bzip2 runs on one event loop
// (ws/wsloop, eventloop.Config{Loops: 1}; -driver goroutines runs
// ws.Server instead, for comparison); -echoers clients echo a small
// message every -interval on it, and after a quiet phase -waves waves of
// 4 attackers each send a bzip2 bomb at once (a message of -bomb zeros,
// a few hundred bytes on the wire, past the 16 MiB message limit: the
// server inflates up to the limit and closes with 1009). It prints the
// echo round trips' p50, p99 and maximum before and during the attack,
// and how each bomb's connection ended.
//
//	bombp99 -driver loop -echoers 8 -waves 3
//
// Server and clients share the process (and its 2 cores, here): a decode
// that ran on the loop would stall every echo of that loop for its
// duration (~0.9 CPU-s per 16 MiB bomb).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// sample is one echo round trip, started at.
type sample struct {
	at  time.Time
	rtt time.Duration
}

func main() {
	driver := flag.String("driver", "loop", "loop (ws/wsloop, one loop) or goroutines (ws.Server)")
	echoers := flag.Int("echoers", 8, "clients echoing on the same loop")
	interval := flag.Duration("interval", 10*time.Millisecond, "time between an echoer's messages")
	waves := flag.Int("waves", 3, "waves of 4 bombs sent at once")
	bombSize := flag.Int("bomb", 17<<20, "bytes a bomb inflates to")
	quiet := flag.Duration("quiet", 2*time.Second, "echo alone before the attack")
	traceFile := flag.String("trace", "", "write a runtime trace of the attack to this file (go tool trace)")
	serveAddr := flag.String("serve", "", "only serve, on this address, until SIGINT or SIGTERM (the clients run elsewhere: -connect)")
	connect := flag.String("connect", "", "only the clients, against the server of a -serve run at this address")
	flag.Parse()

	opts := &ws.Options{Extensions: []ws.Extension{bzip2.New(bzip2.Options{})}, PingInterval: -1}
	listenAddr := "127.0.0.1:0"
	if *serveAddr != "" {
		listenAddr = *serveAddr
	}
	var ln net.Listener
	var addr string
	var err error
	if *connect == "" {
		if ln, err = net.Listen("tcp", listenAddr); err != nil {
			log.Fatal(err)
		}
		addr = ln.Addr().String()
	}
	stop := func() {}
	switch {
	case *connect != "":
		addr = *connect
	case *driver == "loop":
		ln.Close()
		srv := &wsloop.Server{Handler: echo{}, Options: opts, Config: eventloop.Config{Loops: 1}}
		if _, err := srv.Listen("tcp", addr); err != nil {
			log.Fatal(err)
		}
		go func() { _ = srv.Run() }()
		stop = func() { _ = srv.Shutdown(context.Background()) }
	case *driver == "goroutines":
		srv := &ws.Server{Handler: echo{}, Options: opts}
		go func() { _ = srv.Serve(ln) }()
		stop = func() { _ = srv.Shutdown(context.Background()) }
	default:
		log.Fatalf("bombp99: -driver %q: want loop or goroutines", *driver)
	}
	if *serveAddr != "" {
		fmt.Printf("bombp99 -driver %s: serving on %s\n", *driver, addr)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		stop()
		return
	}
	url := "ws://" + addr + "/"

	// The bomb is compressed once, here, and sent as it is by every
	// attacker from a bare socket (a ws client would compress it again:
	// ~1 CPU-s each, taken from the server in this process).
	t0 := time.Now()
	bomb, err := encodeBomb(*bombSize)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("bombp99 -driver %s: %d echoers every %v, %d waves of 4 bombs of %d MiB (bzip2, %d bytes on the wire); %d cores\n",
		*driver, *echoers, *interval, *waves, *bombSize>>20, len(bomb), runtime.NumCPU())
	fmt.Printf("bomb encoded in %v; a first one: %s\n", time.Since(t0).Round(time.Millisecond), attack(addr, bomb))

	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var samples []sample
	var echoErrs []error
	var wg sync.WaitGroup
	for range *echoers {
		c, err := ws.Dial(context.Background(), url, &ws.Options{PingInterval: -1})
		if err != nil {
			log.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close(ws.StatusNormalClosure, "")
			msg := []byte("echo round trip under attack....") // 32 bytes
			tick := time.NewTicker(*interval)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				start := time.Now()
				if err := c.WriteMessage(context.Background(), ws.OpText, msg); err != nil {
					mu.Lock()
					echoErrs = append(echoErrs, err)
					mu.Unlock()
					return
				}
				rctx, rcancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, _, err := c.ReadMessage(rctx)
				rcancel()
				if err != nil {
					mu.Lock()
					echoErrs = append(echoErrs, err)
					mu.Unlock()
					return
				}
				mu.Lock()
				samples = append(samples, sample{start, time.Since(start)})
				mu.Unlock()
			}
		}()
	}

	time.Sleep(*quiet)
	ends := map[string]int{}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			log.Fatal(err)
		}
		defer f.Close()
		if err := trace.Start(f); err != nil {
			log.Fatal(err)
		}
	}
	attackStart := time.Now()
	for range *waves {
		var aw sync.WaitGroup
		var amu sync.Mutex
		for range 4 {
			aw.Add(1)
			go func() {
				defer aw.Done()
				end := attack(addr, bomb)
				amu.Lock()
				ends[end]++
				amu.Unlock()
			}()
		}
		aw.Wait()
	}
	attackEnd := time.Now()
	if *traceFile != "" {
		trace.Stop()
	}
	time.Sleep(*quiet / 2)
	cancel()
	wg.Wait()
	stop()

	mu.Lock()
	defer mu.Unlock()
	var before, during []time.Duration
	for _, s := range samples {
		switch {
		case s.at.Before(attackStart):
			before = append(before, s.rtt)
		case s.at.Before(attackEnd):
			during = append(during, s.rtt)
		}
	}
	fmt.Printf("attack: %d bombs in %v; their connections ended: %v\n",
		4**waves, attackEnd.Sub(attackStart).Round(time.Millisecond), ends)
	fmt.Printf("echo before the attack: %s\n", stats(before))
	fmt.Printf("echo during the attack: %s\n", stats(during))
	if len(echoErrs) > 0 {
		fmt.Printf("echo errors: %d, first %v\n", len(echoErrs), echoErrs[0])
	}
}

// encodeBomb returns a masked (zero key) permessage-bzip2 frame whose
// message inflates to size zero bytes.
func encodeBomb(size int) ([]byte, error) {
	ext := bzip2.New(bzip2.Options{})
	_, codec, _, err := ext.Accept(ext.Offers())
	if err != nil {
		return nil, err
	}
	p, err := codec.Encode(nil, make([]byte, size), true)
	if err != nil {
		return nil, err
	}
	h := ws.Header{Fin: true, Rsv: codec.Rsv(), Op: ws.OpBinary, Masked: true, Length: int64(len(p))}
	return append(ws.AppendHeader(nil, h), p...), nil
}

// attack dials with permessage-bzip2 from a bare socket, sends the bomb
// and reports how the connection ended ("close 1009" expected).
func attack(addr string, bomb []byte) string {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(60 * time.Second))
	ext := bzip2.New(bzip2.Options{})
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + ws.NewKey() +
		"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: " + ws.FormatExtensions(ext.Offers()) + "\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		return "write: " + err.Error()
	}
	br := bufio.NewReader(nc)
	negotiated := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "handshake: " + err.Error()
		}
		negotiated = negotiated || strings.HasPrefix(strings.ToLower(line), "sec-websocket-extensions:")
		if line == "\r\n" {
			break
		}
	}
	if !negotiated {
		return "bzip2 not negotiated"
	}
	if _, err := nc.Write(bomb); err != nil {
		return "write: " + err.Error()
	}
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient, MaxFramePayload: 1 << 30, MaxMessagePayload: 1 << 30})
	buf := make([]byte, 4096)
	for {
		n, err := br.Read(buf)
		if err != nil {
			return "ended without a close frame: " + err.Error()
		}
		in := buf[:n]
		for len(in) > 0 {
			k, ev, err := p.Parse(in)
			in = in[k:]
			if err != nil {
				return "bad frame: " + err.Error()
			}
			switch ev.Kind {
			case ws.EventClose:
				return fmt.Sprintf("close %d", ev.Code)
			case ws.EventData:
				return "echoed (not refused)"
			}
		}
	}
}

// stats formats the count, p50, p99 and maximum of ds.
func stats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no samples"
	}
	slices.Sort(ds)
	q := func(f float64) time.Duration { return ds[min(len(ds)-1, int(f*float64(len(ds))))] }
	r := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("n=%d p50=%s p99=%s max=%s", len(ds), r(q(0.50)), r(q(0.99)), r(ds[len(ds)-1]))
}
