// Command sendonly opens many WebSocket connections that send as fast as
// TCP lets them and read nothing, for a while, watching the server's RSS;
// then it reads what the server echoed and checks it: every echoed message
// whole and in the order sent (an echo server may drop messages it had no
// room for, but must not reorder or corrupt them). It is the "send-only
// clients" row of issue 15's checklist.
//
//	sendonly -url ws://127.0.0.1:9001/echo -conns 1000 -size 4096 -duration 10s -pid PID
//
// Output: peak server RSS (VmRSS sampled every 100 ms, and VmHWM), per
// connection, messages sent and echoed, faults.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

func main() {
	target := flag.String("url", "ws://127.0.0.1:9001/echo", "server URL")
	conns := flag.Int("conns", 1000, "connections")
	size := flag.Int("size", 4096, "message size (at least 8: a sequence number)")
	duration := flag.Duration("duration", 10*time.Second, "how long to send without reading")
	pid := flag.Int("pid", 0, "server process id, for its RSS")
	flag.Parse()
	u, err := url.Parse(*target)
	if err != nil {
		log.Fatal(err)
	}
	*size = max(*size, 8)
	base := rss(*pid, "VmRSS")
	cs := make([]net.Conn, 0, *conns)
	brs := make([]*bufio.Reader, 0, *conns)
	for i := 0; i < *conns; i++ {
		nc, br, err := dial(u)
		if err != nil {
			log.Fatalf("conn %d: %v", i, err)
		}
		cs, brs = append(cs, nc), append(brs, br)
	}
	var sent atomic.Int64
	var peak atomic.Int64
	stop := time.Now().Add(*duration)
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
			}
			if r := rss(*pid, "VmRSS"); r > peak.Load() {
				peak.Store(r)
			}
		}
	}()
	counts := make([]uint64, len(cs))
	for i, nc := range cs {
		wg.Go(func() {
			payload := make([]byte, *size)
			var frame []byte
			_ = nc.SetWriteDeadline(stop)
			for seq := uint64(1); time.Now().Before(stop); seq++ {
				binary.BigEndian.PutUint64(payload, seq)
				frame = ws.AppendFrame(frame[:0], ws.OpBinary, true, true, [4]byte{}, payload)
				if _, err := nc.Write(frame); err != nil {
					return
				}
				counts[i] = seq
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	close(done)
	hwm := rss(*pid, "VmHWM")
	// Now read: everything echoed must be whole and in order.
	var echoed, faults atomic.Int64
	for i, nc := range cs {
		wg.Go(func() {
			p := ws.NewParser(ws.ParserConfig{Role: ws.RoleClient, MaxMessagePayload: 1 << 20, MaxFramePayload: 1 << 20})
			buf := make([]byte, 64<<10)
			var last uint64
			for {
				_ = nc.SetReadDeadline(time.Now().Add(2 * time.Second))
				n, err := brs[i].Read(buf)
				if err != nil {
					break
				}
				in := buf[:n]
				for len(in) > 0 {
					k, ev, err := p.Parse(in)
					in = in[k:]
					if err != nil {
						faults.Add(1)
						return
					}
					if ev.Kind == ws.EventData {
						if !ev.First || !ev.Final || len(ev.Payload) != *size {
							continue // a message split over reads: count it by its first piece only
						}
						seq := binary.BigEndian.Uint64(ev.Payload)
						if seq <= last || seq > counts[i] {
							faults.Add(1)
						}
						last = seq
						echoed.Add(1)
					}
				}
			}
			nc.Close()
		})
	}
	wg.Wait()
	n := int64(len(cs))
	fmt.Printf("conns=%d size=%d sent=%d echoed_whole_in_one_read=%d faults=%d\n", n, *size, sent.Load(), echoed.Load(), faults.Load())
	if *pid > 0 {
		fmt.Printf("server rss: base=%d MB peak=%d MB hwm=%d MB; peak-base per conn=%d KB\n",
			base>>20, peak.Load()>>20, hwm>>20, (peak.Load()-base)/n>>10)
	}
}

// dial opens a connection and completes the opening handshake.
func dial(u *url.URL) (net.Conn, *bufio.Reader, error) {
	nc, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, nil, err
	}
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + ws.NewKey() + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, 64<<10)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, nil, err
		}
		if strings.HasPrefix(line, "HTTP/1.1 ") && !strings.HasPrefix(line, "HTTP/1.1 101") {
			return nil, nil, fmt.Errorf("refused: %s", strings.TrimSpace(line))
		}
		if line == "\r\n" {
			return nc, br, nil
		}
	}
}

// rss reads a size field (kB) of /proc/PID/status, in bytes.
func rss(pid int, field string) int64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
