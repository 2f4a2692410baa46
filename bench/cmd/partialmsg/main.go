// Command partialmsg measures issue 15's "30 × 15 MiB partial messages"
// row: N peers each send all but the last byte of a large message and
// hold it there, against an echo server (the event loop, ws/wsloop, or
// goroutines, ws.Server) whose ws.Options carry a MemoryBudget; it reports
// the server's RSS once every peer sent, and how each peer's connection
// ended (1013: refused for the budget). The server runs in its own process
// (-serve), the peers in another (-addr, -pid); without either, both run
// in one process.
//
//	partialmsg -serve 127.0.0.1:19200 -driver loop -budget 134217728 &
//	partialmsg -addr 127.0.0.1:19200 -pid $! -peers 30 -size 15728640
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

func main() {
	driver := flag.String("driver", "loop", "loop (ws/wsloop) or goroutines (ws.Server)")
	peers := flag.Int("peers", 30, "peers holding a partial message")
	size := flag.Int("size", 15<<20, "message size")
	budget := flag.Int64("budget", 128<<20, "ws.MemoryBudget in bytes (0: the default)")
	serveOnly := flag.String("serve", "", "run only the server, on this address, until killed")
	target := flag.String("addr", "", "run only the peers, against this server address")
	pid := flag.Int("pid", 0, "with -addr: the server's process id, for its RSS")
	flag.Parse()
	if *target != "" {
		peersOnly(*target, *pid, *peers, *size)
		return
	}
	opts := &ws.Options{PingInterval: -1}
	var b *ws.MemoryBudget
	if *budget > 0 {
		b = ws.NewMemoryBudget(*budget)
		opts.MemoryBudget = b
	}
	listen := "127.0.0.1:0"
	if *serveOnly != "" {
		listen = *serveOnly
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	switch *driver {
	case "loop":
		ln.Close()
		srv := &wsloop.Server{Handler: echo{}, Options: opts, Config: eventloop.Config{Loops: 1}}
		if _, err := srv.Listen("tcp", addr); err != nil {
			log.Fatal(err)
		}
		go srv.Run()
	default:
		srv := &ws.Server{Handler: echo{}, Options: opts}
		go func() {
			for {
				nc, err := ln.Accept()
				if err != nil {
					return
				}
				go srv.ServeConn(context.Background(), nc)
			}
		}()
	}
	if *serveOnly != "" {
		fmt.Println("serving on", addr)
		select {}
	}
	// Peers in this process: the RSS includes their one shared message
	// buffer (use -serve and -addr for the server's alone).
	runtime.GC()
	peersOnly(addr, os.Getpid(), *peers, *size)
	if b != nil {
		fmt.Printf("budget used=%d MB refused=%d\n", b.Used()>>20, b.Refused())
	}
	os.Exit(0)
}

func dial(addr string) (net.Conn, *bufio.Reader, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	req := "GET /echo HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + ws.NewKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReader(nc)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		if line == "\r\n" {
			return nc, br, nil
		}
	}
}

// closeCode waits for the server's close frame (or the end).
func closeCode(br *bufio.Reader) string {
	p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient})
	buf := make([]byte, 4096)
	for {
		n, err := br.Read(buf)
		if err != nil {
			return "eof"
		}
		in := buf[:n]
		for len(in) > 0 {
			k, ev, err := p.Parse(in)
			in = in[k:]
			if err != nil {
				return "bad frame"
			}
			if ev.Kind == ws.EventClose {
				return strconv.Itoa(int(ev.Code))
			}
		}
	}
}

func rss(pid int) int64 {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// peersOnly runs the peers against a server in another process and
// reports that process's RSS once every peer sent its message but the
// last byte. The message bytes are one shared buffer.
func peersOnly(addr string, pid, peers, size int) {
	payload := bytes.Repeat([]byte("x"), size-1)
	base := rss(pid)
	var mu sync.Mutex
	codes := map[string]int{}
	var sent sync.WaitGroup
	for range peers {
		sent.Add(1)
		go func() {
			nc, br, err := dial(addr)
			if err != nil {
				mu.Lock()
				codes["dial failed"]++
				mu.Unlock()
				sent.Done()
				return
			}
			defer nc.Close()
			go func() {
				defer sent.Done()
				h := ws.AppendHeader(nil, ws.Header{Fin: true, Op: ws.OpBinary, Length: int64(size), Masked: true})
				if _, err := nc.Write(h); err == nil {
					_, _ = nc.Write(payload)
				}
			}()
			code := closeCode(br)
			mu.Lock()
			codes[code]++
			mu.Unlock()
		}()
	}
	sent.Wait()
	time.Sleep(500 * time.Millisecond) // let the server take in what was sent
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("peers=%d size=%d: server rss base=%d MB after=%d MB; closed: %v (the rest hold their message)\n",
		peers, size, base>>20, rss(pid)>>20, codes)
}
