// Command load is a TCP echo load generator running on Autobahn|Go's event loop.
//
// Closed loop: N connections (spread over 127.0.0.x source addresses) each send an S-byte message,
// wait for its echo and send the next, for D seconds after a warm-up. It prints msg/s, p50/p99
// round-trip latency and, with -pid, the server's CPU use from /proc/PID/stat.
//
// Idle mode (-idle): open N connections, ping each once, hold them and print the server's RSS per
// connection (from /proc/PID/status, against its RSS before).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/bits"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/bench/internal/procstat"

	"github.com/autobahn-go/autobahn/eventloop"
)

var (
	addr     = flag.String("addr", "127.0.0.1:9000", "server address")
	conns    = flag.Int("conns", 100, "connections")
	size     = flag.Int("size", 32, "message size in bytes")
	duration = flag.Duration("duration", 10*time.Second, "measured time (idle mode: hold time)")
	warmup   = flag.Duration("warmup", time.Second, "time before measuring")
	sources  = flag.Int("sources", 32, "source addresses 127.0.0.2... to spread connections over")
	pid      = flag.Int("pid", 0, "server process id, for its CPU and RSS")
	loops    = flag.Int("loops", 1, "client event loops")
	idle     = flag.Bool("idle", false, "idle mode: measure the server's memory per connection")
	label    = flag.String("label", "", "label printed first on the result line")
	depth    = flag.Int("depth", 1, "messages in flight per connection; above 1 the echoes of one read are answered with one write, so the client costs less than the server and saturates it (latency is then per batch)")
)

// hist is a log-linear latency histogram: 16 sub-buckets per power of two of nanoseconds.
type hist struct{ b [64 * 16]atomic.Uint64 }

func bucket(ns int64) int {
	if ns < 16 {
		return int(max(ns, 0))
	}
	e := bits.Len64(uint64(ns)) - 5
	return (e+1)*16 + int(uint64(ns)>>uint(e))&15
}

func bucketValue(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	e := i/16 - 1
	return int64(16+i%16) << uint(e)
}

func (h *hist) add(ns int64) { h.b[bucket(ns)].Add(1) }

func (h *hist) quantile(q float64) time.Duration {
	var total uint64
	for i := range h.b {
		total += h.b[i].Load()
	}
	want := uint64(q * float64(total))
	var n uint64
	for i := range h.b {
		n += h.b[i].Load()
		if n > want {
			// The bucket's largest value: never below the values in it,
			// at most 1/16 above.
			if i+1 < len(h.b) {
				return time.Duration(bucketValue(i+1) - 1)
			}
			return time.Duration(bucketValue(i))
		}
	}
	return 0
}

type conn struct {
	sent int64 // loop time of the message in flight
	got  int
}

type client struct {
	msg       []byte
	batch     []byte // depth copies of msg
	epoch     time.Time
	recording atomic.Bool
	done      atomic.Int64
	lat       hist
	pinged    sync.WaitGroup
}

func (h *client) OnOpen(c *eventloop.Conn) {}

func (h *client) OnData(c *eventloop.Conn, in []byte) int {
	st := c.Context().(*conn)
	st.got += len(in)
	if st.sent < 0 {
		if st.got >= len(h.msg) {
			st.sent = 0
			st.got = 0
			h.pinged.Done()
		}
		return len(in)
	}
	k := st.got / len(h.msg)
	if k == 0 {
		return len(in)
	}
	st.got -= k * len(h.msg)
	now := int64(time.Since(h.epoch))
	if h.recording.Load() {
		h.done.Add(int64(k))
		h.lat.add(now - st.sent)
	}
	st.sent = now
	for k > 0 {
		n := min(k, len(h.batch)/len(h.msg))
		c.Write(h.batch[:n*len(h.msg)])
		k -= n
	}
	return len(in)
}

// OnWritable starts the closed loop (Wake) or sends the idle-mode ping.
func (h *client) OnWritable(c *eventloop.Conn) {
	st := c.Context().(*conn)
	if st.sent == 0 && st.got == 0 {
		st.sent = int64(time.Since(h.epoch))
		c.Write(h.batch)
	}
}

func (h *client) OnClose(c *eventloop.Conn, err error) {
	if err != nil && !errors.Is(err, eventloop.ErrShutdown) {
		log.Printf("connection closed: %v", err)
	}
}

// schedstat returns, per thread of pid, the nanoseconds it ran and the nanoseconds it was runnable
// but waited for a CPU (/proc/PID/task/*/schedstat). On a shared machine the second is time the
// server wanted to run and could not.
func schedstat(pid int) map[string][2]int64 {
	m := map[string][2]int64{}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return m
	}
	for _, e := range ents {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, e.Name()))
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) >= 2 {
			run, _ := strconv.ParseInt(f[0], 10, 64)
			wait, _ := strconv.ParseInt(f[1], 10, 64)
			m[e.Name()] = [2]int64{run, wait}
		}
	}
	return m
}

// busiestThread returns the largest share of el that one thread spent running or runnable
// between two schedstat snapshots: for a single-loop server, the loop's thread.
func busiestThread(a, b map[string][2]int64, el time.Duration) float64 {
	var best int64
	for tid, v := range b {
		u := a[tid]
		best = max(best, v[0]-u[0]+v[1]-u[1])
	}
	return float64(best) / float64(el)
}

func main() {
	flag.Parse()
	h := &client{msg: make([]byte, *size), epoch: time.Now()}
	for i := range h.msg {
		h.msg[i] = byte('a' + i%26)
	}
	for range max(*depth, 1) {
		h.batch = append(h.batch, h.msg...)
	}
	l, err := eventloop.New(eventloop.Config{Loops: *loops, IdleTimeout: -1}, h)
	if err != nil {
		log.Fatal(err)
	}
	go l.Run()
	defer l.Shutdown(context.Background())

	var rss0 int64
	if *pid > 0 {
		rss0 = procstat.RSSKB(*pid)
	}
	cs := make([]*eventloop.Conn, *conns)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 1)
	const dialers = 32
	for w := 0; w < dialers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < *conns; i += dialers {
				st := &conn{}
				if *idle {
					st.sent = -1
				}
				local := fmt.Sprintf("127.0.0.%d:0", 2+i%*sources)
				c, err := l.DialWith(ctx, "tcp", *addr, eventloop.DialOptions{LocalAddr: local, Value: st})
				if err != nil {
					select {
					case errc <- err:
					default:
					}
					return
				}
				cs[i] = c
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errc:
		log.Fatalf("dial: %v", err)
	default:
	}

	if *idle {
		h.pinged.Add(*conns)
		for _, c := range cs {
			c.AsyncWrite(h.msg)
		}
		h.pinged.Wait()
		time.Sleep(*duration)
		rss1 := procstat.RSSKB(*pid)
		fmt.Printf("%sconns=%d server_rss_before=%dKB server_rss=%dKB bytes_per_conn=%.0f\n",
			prefix(), *conns, rss0, rss1, float64(rss1-rss0)*1024/float64(*conns))
		return
	}

	for _, c := range cs {
		c.Wake()
	}
	time.Sleep(*warmup)
	h.recording.Store(true)
	t0, cpu0, self0, ss0 := time.Now(), procstat.Ticks(*pid), procstat.Self(), schedstat(*pid)
	st0 := l.Stats()
	time.Sleep(*duration)
	h.recording.Store(false)
	el := time.Since(t0)
	cpu := float64(procstat.Ticks(*pid)-cpu0) / 100
	wants := busiestThread(ss0, schedstat(*pid), el)
	self := procstat.Self() - self0
	st1 := l.Stats()
	n := h.done.Load()
	fmt.Printf("%sconns=%d size=%d msgs=%d msg/s=%.0f p50=%v p99=%v", prefix(), *conns, *size, n,
		float64(n)/el.Seconds(), h.lat.quantile(0.5), h.lat.quantile(0.99))
	if *pid > 0 && cpu > 0 {
		fmt.Printf(" server_cpu=%.2fs server_busy=%.0f%% server_loop_wants=%.0f%% msg_per_server_cpu_s=%.0f",
			cpu, 100*cpu/el.Seconds(), 100*wants, float64(n)/cpu)
	}
	fmt.Printf(" client_busy=%.0f%% client_msgs_per_poll=%.1f\n", 100*self.Seconds()/el.Seconds(),
		float64(st1.Events-st0.Events)/float64(max(st1.Polls-st0.Polls, 1)))
}

func prefix() string {
	if *label == "" {
		return ""
	}
	return *label + " "
}
