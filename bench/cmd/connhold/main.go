// Command connhold opens many WebSocket connections from one source
// address, holds them, pings every one on SIGUSR1 and counts the pongs,
// then waits for the server to close them and counts the close codes: one
// client process of bench/run-100k.sh. Each connection costs a goroutine
// and a 256-byte read buffer here; keep -conns under the process's open
// file limit.
//
// Output, one line per phase on stdout:
//
//	dialed ok=N failed=F secs=S
//	pongs got=N of=M secs=S
//	closed going_away=N other=M dropped=D
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	target      = flag.String("url", "ws://127.0.0.1:9000/echo", "server URL (ws:// or wss://, certificate not verified)")
	conns       = flag.Int("conns", 1000, "connections")
	src         = flag.String("src", "", "local source address (e.g. 127.0.0.11), for more ephemeral ports")
	parallel    = flag.Int("parallel", 64, "dials in flight")
	pingTimeout = flag.Duration("ping-timeout", 30*time.Second, "wait this long for the pongs")
	maxWait     = flag.Duration("max-wait", 3*time.Minute, "exit after this long in all, whatever happened")
)

// wsConn is one connection: a reader goroutine owns br; writes (our
// pings, pongs and close replies) take mu.
type wsConn struct {
	nc net.Conn
	mu sync.Mutex
}

func (c *wsConn) write(op byte, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(frame(op, payload))
	return err
}

// frame is a masked client frame (payload ≤ 125 bytes: control frames).
func frame(op byte, payload []byte) []byte {
	var key [4]byte
	_, _ = rand.Read(key[:])
	b := append([]byte{0x80 | op, 0x80 | byte(len(payload))}, key[:]...)
	for i, p := range payload {
		b = append(b, p^key[i%4])
	}
	return b
}

var (
	pongs, goingAway, otherClose, dropped atomic.Int64
	finished                              sync.WaitGroup
)

func main() {
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") {
		log.Fatalf("connhold: need a ws:// or wss:// URL: %v", err)
	}
	deadline := time.AfterFunc(*maxWait, func() {
		fmt.Printf("closed going_away=%d other=%d dropped=%d timeout=1\n", goingAway.Load(), otherClose.Load(), dropped.Load())
		os.Exit(1)
	})
	defer deadline.Stop()
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)

	start := time.Now()
	cs := make([]*wsConn, *conns)
	var failed atomic.Int64
	var firstErr atomic.Value
	work := make(chan int)
	var wg sync.WaitGroup
	for range *parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				c, br, err := dial(u)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				cs[i] = c
				finished.Add(1)
				go readLoop(c, br)
			}
		}()
	}
	for i := range *conns {
		work <- i
	}
	close(work)
	wg.Wait()
	fmt.Printf("dialed ok=%d failed=%d secs=%.1f\n", int64(*conns)-failed.Load(), failed.Load(), time.Since(start).Seconds())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintln(os.Stderr, "connhold: first dial error:", e)
	}

	<-usr1
	start = time.Now()
	sent := 0
	for _, c := range cs {
		if c != nil && c.write(0x9, []byte("ping")) == nil {
			sent++
		}
	}
	for pongs.Load() < int64(sent) && time.Since(start) < *pingTimeout {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("pongs got=%d of=%d secs=%.1f\n", pongs.Load(), sent, time.Since(start).Seconds())

	finished.Wait() // every connection closed by the server (or dropped)
	fmt.Printf("closed going_away=%d other=%d dropped=%d\n", goingAway.Load(), otherClose.Load(), dropped.Load())
}

// dial opens one connection and does the opening handshake.
func dial(u *url.URL) (*wsConn, *bufio.Reader, error) {
	d := net.Dialer{Timeout: 30 * time.Second}
	if *src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(*src)}
	}
	nc, err := d.Dial("tcp", u.Host)
	if err != nil {
		return nil, nil, err
	}
	if u.Scheme == "wss" {
		tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			nc.Close()
			return nil, nil, err
		}
		nc = tc
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, 256)
	status, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		nc.Close()
		return nil, nil, fmt.Errorf("handshake: %q %v", status, err)
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, nil, err
		}
		if line == "\r\n" {
			break
		}
	}
	_ = nc.SetDeadline(time.Time{})
	return &wsConn{nc: nc}, br, nil
}

// readLoop reads the server's frames: pongs are counted, pings answered,
// a close frame counted by code and answered, then the connection ends.
func readLoop(c *wsConn, br *bufio.Reader) {
	defer finished.Done()
	defer c.nc.Close()
	var hdr [2]byte
	buf := make([]byte, 0, 125)
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			dropped.Add(1)
			return
		}
		op, n := hdr[0]&0x0f, int64(hdr[1]&0x7f)
		switch n {
		case 126:
			var ext [2]byte
			if _, err := io.ReadFull(br, ext[:]); err != nil {
				dropped.Add(1)
				return
			}
			n = int64(binary.BigEndian.Uint16(ext[:]))
		case 127:
			var ext [8]byte
			if _, err := io.ReadFull(br, ext[:]); err != nil {
				dropped.Add(1)
				return
			}
			n = int64(binary.BigEndian.Uint64(ext[:]) & (1<<62 - 1))
		}
		if op >= 0x8 && n <= 125 {
			buf = buf[:n]
			if _, err := io.ReadFull(br, buf); err != nil {
				dropped.Add(1)
				return
			}
		} else if _, err := br.Discard(int(n)); err != nil {
			dropped.Add(1)
			return
		}
		switch op {
		case 0xA:
			pongs.Add(1)
		case 0x9:
			_ = c.write(0xA, buf)
		case 0x8:
			code := 1005
			if len(buf) >= 2 {
				code = int(binary.BigEndian.Uint16(buf))
			}
			if code == 1001 {
				goingAway.Add(1)
			} else {
				otherClose.Add(1)
			}
			_ = c.write(0x8, buf[:min(len(buf), 2)])
			// The server closes the TCP connection after our reply.
			_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.Copy(io.Discard, br)
			return
		}
	}
}
