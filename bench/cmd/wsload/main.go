// Command wsload is a WebSocket echo load generator: N connections each
// send a masked S-byte message, wait for the echo and send the next (closed
// loop), for D seconds after a warm-up. It prints msg/s and, with -pid, the
// server's CPU seconds and msg per server-CPU-second (from /proc/PID/stat).
// With -idle it holds N connections and prints the server's RSS per
// connection.
//
// The client is deliberately lean (pre-masked frames, no UTF-8 checks) so
// that the server is what is measured.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/bench/internal/procstat"
)

var (
	target   = flag.String("url", "ws://127.0.0.1:9000/echo", "server URL")
	conns    = flag.Int("conns", 100, "connections")
	size     = flag.Int("size", 32, "message size in bytes")
	duration = flag.Duration("duration", 5*time.Second, "measured time (idle mode: hold time)")
	warmup   = flag.Duration("warmup", time.Second, "time before measuring")
	pid      = flag.Int("pid", 0, "server process id, for its CPU and RSS")
	label    = flag.String("label", "", "label printed first on the result line")
	text     = flag.Bool("text", false, "send text (ASCII) instead of binary")
	idle     = flag.Bool("idle", false, "idle mode: measure the server's memory per connection")
)

func main() {
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil || u.Scheme != "ws" {
		log.Fatalf("need a ws:// URL: %v", err)
	}
	rss0 := procstat.RSSKB(*pid)
	cs := make([]net.Conn, 0, *conns)
	for i := 0; i < *conns; i++ {
		c, err := dial(u)
		if err != nil {
			log.Fatalf("connection %d: %v", i, err)
		}
		cs = append(cs, c)
	}
	defer func() {
		for _, c := range cs {
			_ = c.Close()
		}
	}()
	if *idle {
		time.Sleep(*duration)
		rss1 := procstat.RSSKB(*pid)
		fmt.Printf("%s conns=%d rss_before=%dKB rss_after=%dKB per_conn=%.2fKB\n", *label, *conns, rss0, rss1, float64(rss1-rss0)/float64(*conns))
		return
	}
	frame := maskedFrame(*size, *text)
	var count atomic.Int64
	var measuring atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var failed atomic.Int64
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(c, 64<<10)
			buf := make([]byte, *size+16)
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := func() error {
					if _, err := c.Write(frame); err != nil {
						return err
					}
					return readFrame(br, buf, *size)
				}()
				if err != nil {
					select {
					case <-stop: // the deadline that ends the run
					default:
						failed.Add(1)
					}
					return
				}
				if measuring.Load() {
					count.Add(1)
				}
			}
		}()
	}
	time.Sleep(*warmup)
	cpu0 := procstat.Ticks(*pid)
	start := time.Now()
	measuring.Store(true)
	time.Sleep(*duration)
	measuring.Store(false)
	elapsed := time.Since(start)
	cpu1 := procstat.Ticks(*pid)
	n := count.Load()
	close(stop)
	for _, c := range cs {
		_ = c.SetDeadline(time.Now())
	}
	wg.Wait()
	line := fmt.Sprintf("%s conns=%d size=%d msg/s=%.0f", *label, *conns, *size, float64(n)/elapsed.Seconds())
	if *pid > 0 {
		cpu := float64(cpu1-cpu0) / 100
		line += fmt.Sprintf(" server_cpu_s=%.2f msg_per_cpu_s=%.0f", cpu, float64(n)/max(cpu, 0.01))
	}
	if f := failed.Load(); f > 0 {
		line += fmt.Sprintf(" failed_conns=%d", f)
	}
	fmt.Println(line)
}

func dial(u *url.URL) (net.Conn, error) {
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		c.Close()
		return nil, err
	}
	var head []byte
	one := make([]byte, 1)
	for !bytes.HasSuffix(head, []byte("\r\n\r\n")) {
		if _, err := io.ReadFull(c, one); err != nil {
			c.Close()
			return nil, err
		}
		head = append(head, one[0])
		if len(head) > 8192 {
			c.Close()
			return nil, errors.New("response head too large")
		}
	}
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101")) {
		c.Close()
		return nil, fmt.Errorf("handshake refused: %q", head)
	}
	return c, nil
}

// maskedFrame builds one client frame with a fixed key (a load tool may).
func maskedFrame(n int, text bool) []byte {
	op := byte(0x82)
	if text {
		op = 0x81
	}
	b := []byte{op}
	switch {
	case n > 0xFFFF:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	case n > 125:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|byte(n))
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b = append(b, key[:]...)
	for i := 0; i < n; i++ {
		b = append(b, byte('a'+i%26)^key[i%4])
	}
	return b
}

// readFrame reads one unmasked, unfragmented data frame of want bytes,
// skipping control frames (pings from the server).
func readFrame(br *bufio.Reader, buf []byte, want int) error {
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return err
		}
		n := int(h[1] & 0x7F)
		switch n {
		case 126:
			if _, err := io.ReadFull(br, buf[:2]); err != nil {
				return err
			}
			n = int(binary.BigEndian.Uint16(buf))
		case 127:
			if _, err := io.ReadFull(br, buf[:8]); err != nil {
				return err
			}
			n = int(binary.BigEndian.Uint64(buf))
		}
		if n > len(buf) {
			return fmt.Errorf("frame of %d bytes", n)
		}
		if _, err := io.ReadFull(br, buf[:n]); err != nil {
			return err
		}
		if h[0]&0x08 == 0 { // data frame
			if n != want || h[0]&0x80 == 0 {
				return fmt.Errorf("unexpected frame %x len %d", h[0], n)
			}
			return nil
		}
	}
}
