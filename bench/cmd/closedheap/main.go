// Command closedheap measures issue 15's "2,000 closed connections: heap
// back to baseline within 1 s of the last close": an echo server (the
// event loop, ws/wsloop, or goroutines, ws.Server) with permessage-deflate
// (context takeover, default keepalive) takes N connections, each echoes
// one compressed message, then every client closes with a close handshake.
// It prints the live heap (HeapAlloc after runtime.GC) before, at the peak
// and every 100 ms after the last close, and when it came back to the
// baseline (within 1 MiB or 5 %).
//
//	closedheap -driver loop -n 2000
//	closedheap -driver goroutines -n 2000
//
// The clients are bare sockets in the same process (a few KiB each at the
// peak, garbage after their close): the heap is the server's. Each
// process holds both ends of every connection, so -n 2000 needs 4,000
// descriptors.
package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

type echo struct {
	ws.BaseHandler
	closed atomic.Int64
}

func (*echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

func (h *echo) OnClose(*ws.Conn, bool, ws.StatusCode, string) { h.closed.Add(1) }

func main() {
	driver := flag.String("driver", "loop", "loop (ws/wsloop) or goroutines (ws.Server)")
	n := flag.Int("n", 2000, "connections")
	after := flag.Duration("after", 2*time.Second, "how long to sample the heap after the last close")
	flag.Parse()

	h := &echo{}
	opts := &ws.Options{Extensions: []ws.Extension{deflate.New(deflate.Options{})}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	var stop func()
	switch *driver {
	case "loop":
		ln.Close()
		srv := &wsloop.Server{Handler: h, Options: opts}
		if _, err := srv.Listen("tcp", addr); err != nil {
			log.Fatal(err)
		}
		go func() { _ = srv.Run() }()
		stop = func() { _ = srv.Shutdown(context.Background()) }
	case "goroutines":
		srv := &ws.Server{Handler: h, Options: opts}
		go func() { _ = srv.Serve(ln) }()
		stop = func() { ln.Close(); _ = srv.Shutdown(context.Background()) }
	default:
		log.Fatalf("closedheap: -driver %q: want loop or goroutines", *driver)
	}
	defer stop()

	msg := compressed()
	fmt.Printf("closedheap -driver %s -n %d (permessage-deflate, context takeover; %d cores)\n", *driver, *n, runtime.NumCPU())
	cold := liveHeap()
	// A first round grows what the runtime keeps for good (goroutine
	// descriptors, the tables' buckets): the baseline is taken after it.
	round(addr, msg, *n, h)
	base := liveHeap()
	fmt.Printf("heap before any connection %s; after a first round of %d (the baseline) %s\n", mib(cold), *n, mib(base))
	peak, openSecs, last := round(addr, msg, *n, h)
	serverClosed := time.Since(last)
	fmt.Printf("second round: peak %s (%s per connection; opened and echoed in %.1f s); server's OnClose all done %v after the last client close\n",
		mib(peak), kib((peak-base)/uint64(*n)), openSecs, serverClosed.Round(time.Millisecond))
	back := time.Duration(-1)
	for t := time.Duration(0); t <= *after; t += 100 * time.Millisecond {
		time.Sleep(time.Until(last.Add(t)))
		hp := liveHeap()
		if back < 0 && hp <= base+max(1<<20, base/20) {
			back = time.Since(last)
		}
		if t%(500*time.Millisecond) == 0 {
			fmt.Printf("  +%.1f s: %s\n", t.Seconds(), mib(hp))
		}
	}
	if back < 0 {
		fmt.Printf("heap NOT back to the baseline within %v of the last close\n", *after)
	} else {
		fmt.Printf("heap back to the baseline %v after the last close\n", back.Round(time.Millisecond))
	}
}

// round opens n connections that each echo msg, measures the live heap
// (peak), then closes them all and waits for the server's OnClose of each
// (at most 10 s). last is when the last client's close handshake ended.
func round(addr string, msg []byte, n int, h *echo) (peak uint64, openSecs float64, last time.Time) {
	start := time.Now()
	conns := make([]*client, n)
	if err := parallel(n, func(i int) error {
		c, err := dial(addr)
		if err != nil {
			return err
		}
		conns[i] = c
		return c.echo(msg)
	}); err != nil {
		log.Fatalf("closedheap: open: %v", err)
	}
	openSecs = time.Since(start).Seconds()
	peak = liveHeap()
	closed := h.closed.Load()
	if err := parallel(n, func(i int) error { return conns[i].close() }); err != nil {
		log.Fatalf("closedheap: close: %v", err)
	}
	last = time.Now()
	for h.closed.Load() < closed+int64(n) && time.Since(last) < 10*time.Second {
		time.Sleep(time.Millisecond)
	}
	return peak, openSecs, last
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
func kib(b uint64) string { return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10)) }

// parallel runs f(0..n-1) on 32 goroutines; the first error wins.
func parallel(n int, f func(int) error) error {
	var next atomic.Int64
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// compressed is a masked (zero key) text frame carrying a 2 KiB JSON
// message compressed with permessage-deflate (RFC 7692 §7.2.1).
func compressed() []byte {
	var sb strings.Builder
	for i := 0; sb.Len() < 2048; i++ {
		fmt.Fprintf(&sb, `{"id":%d,"name":"sensor-%d","value":%d.%d},`, i, i%17, i*37%1000, i%10)
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	_, _ = fw.Write([]byte(sb.String()))
	_ = fw.Flush()
	p := bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
	return append(ws.AppendHeader(nil, ws.Header{Fin: true, Rsv: ws.Rsv1, Op: ws.OpText, Masked: true, Length: int64(len(p))}), p...)
}

type client struct {
	nc net.Conn
	br *bufio.Reader
}

func dial(addr string) (*client, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	req := "GET /echo HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + ws.NewKey() +
		"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 512)
	deflated := false
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, err
		}
		if strings.HasPrefix(strings.ToLower(line), "sec-websocket-extensions:") && strings.Contains(line, "permessage-deflate") {
			deflated = true
		}
		if line == "\r\n" {
			break
		}
	}
	if !deflated {
		nc.Close()
		return nil, errors.New("permessage-deflate not negotiated")
	}
	return &client{nc: nc, br: br}, nil
}

// frame reads one server frame (unmasked) and returns its opcode and, for
// a control frame, its payload (a data frame's is discarded).
func (c *client) frame() (ws.Opcode, []byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return 0, nil, err
	}
	op, n := ws.Opcode(hdr[0]&0x0f), int64(hdr[1]&0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = int64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(c.br, ext[:]); err != nil {
			return 0, nil, err
		}
		n = int64(binary.BigEndian.Uint64(ext[:]) & (1<<62 - 1))
	}
	if op < ws.OpClose {
		_, err := c.br.Discard(int(n))
		return op, nil, err
	}
	p := make([]byte, n)
	_, err := io.ReadFull(c.br, p)
	return op, p, err
}

// echo sends msg and reads the echo.
func (c *client) echo(msg []byte) error {
	if _, err := c.nc.Write(msg); err != nil {
		return err
	}
	for {
		op, _, err := c.frame()
		if err != nil || op == ws.OpText || op == ws.OpBinary {
			return err
		}
	}
}

// close runs the closing handshake (1000) and waits for the server to end
// the TCP connection.
func (c *client) close() error {
	defer c.nc.Close()
	frame := append(ws.AppendHeader(nil, ws.Header{Fin: true, Op: ws.OpClose, Masked: true, Length: 2}), 0x03, 0xe8)
	if _, err := c.nc.Write(frame); err != nil {
		return err
	}
	for {
		op, _, err := c.frame()
		if err != nil {
			return fmt.Errorf("waiting for the close reply: %w", err)
		}
		if op == ws.OpClose {
			break
		}
	}
	_, _ = io.Copy(io.Discard, c.br) // the server closes TCP first
	return nil
}
