package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// Dial is what both modes share: where to connect and how fast.
type Dial struct {
	URL   string
	Conns int // connections to open
	// Rate is the ramp-up in connections per second (0: as fast as the
	// dialers go).
	Rate float64
	// Sources spreads the connections over the source addresses
	// 127.0.0.2 ... 127.0.0.(Sources+1) when the URL's host is an IPv4
	// loopback address, so that more connections than one port range can
	// be opened (0: the kernel picks the address).
	Sources int
	// Compress offers permessage-deflate.
	Compress bool
	// Loops is the number of the client's event loops (default 1).
	Loops int
	// TLSConfig is the client's TLS configuration for a wss:// URL (nil:
	// crypto/tls defaults, the system's roots).
	TLSConfig *tls.Config
}

// maxDialers bounds the dials under way at once.
const maxDialers = 64

func (d *Dial) check() (*url.URL, error) {
	u, err := url.Parse(d.URL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "ws", "wss", "http", "https":
	default:
		return nil, fmt.Errorf("loadgen: URL %q: want a ws:// or wss:// URL", d.URL)
	}
	if d.Conns < 1 || d.Conns > 1<<20 {
		return nil, errors.New("loadgen: connections must be 1..1048576")
	}
	if d.Sources < 0 || d.Sources > 250 {
		return nil, errors.New("loadgen: sources must be 0..250")
	}
	if d.Rate < 0 {
		return nil, errors.New("loadgen: negative ramp-up rate")
	}
	return u, nil
}

// localAddr returns the source address of connection i ("" for any).
func (d *Dial) localAddr(u *url.URL, i int) string {
	ip := net.ParseIP(u.Hostname())
	if d.Sources == 0 || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("127.0.0.%d:0", 2+i%d.Sources)
}

// newClient returns the event-loop client both modes dial with: no
// keepalive pings (a pong must be an answer to ours) and no idle timeout.
func (d *Dial) newClient() *wsloop.Client {
	opts := &ws.Options{PingInterval: -1, TLSConfig: d.TLSConfig}
	if d.Compress {
		opts.Extensions = []ws.Extension{deflate.New(deflate.Options{})}
	}
	return &wsloop.Client{Options: opts, Config: eventloop.Config{Loops: max(d.Loops, 1), IdleTimeout: -1}}
}

// dialAll opens d.Conns connections at d.Rate, newHandler(i) running on
// connection i; each one that opens is passed to opened (from the dialing
// goroutines). It returns the number of failed dials and the first error.
// ctx ends the ramp early.
func (d *Dial) dialAll(ctx context.Context, cl *wsloop.Client, u *url.URL, newHandler func(i int) ws.Handler, opened func(i int, c *ws.Conn)) (failed int64, first error) {
	return d.dialRange(ctx, cl, u, 0, d.Conns, newHandler, opened)
}

// dialRange is dialAll for the n connections from index from on.
func (d *Dial) dialRange(ctx context.Context, cl *wsloop.Client, u *url.URL, from, n int, newHandler func(i int) ws.Handler, opened func(i int, c *ws.Conn)) (failed int64, first error) {
	idx := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var nfail atomic.Int64
	for range min(n, maxDialers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				i += from
				c, err := cl.DialWith(ctx, d.URL, newHandler(i), wsloop.DialOptions{LocalAddr: d.localAddr(u, i)})
				if err != nil {
					if nfail.Add(1) == 1 {
						mu.Lock()
						first = err
						mu.Unlock()
					}
					continue
				}
				opened(i, c)
			}
		}()
	}
	feedPaced(ctx, idx, n, d.Rate)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return nfail.Load(), first
}

// closeAll closes every connection with 1000 and waits, up to timeout, for
// their OnClose (done is closed when the last one ended); then the client
// stops, dropping what is left.
func closeAll(conns []*ws.Conn, cl *wsloop.Client, done <-chan struct{}, timeout time.Duration) {
	for _, c := range conns {
		if c != nil {
			_ = c.Close(ws.StatusNormalClosure, "")
		}
	}
	t := time.NewTimer(timeout)
	select {
	case <-done:
	case <-t.C:
	}
	t.Stop()
	_ = cl.Close()
}

// openCount tracks the open connections and closes allClosed when the
// count, once positive, drops back to zero after closing began.
type openCount struct {
	n       atomic.Int64
	closing atomic.Bool
	once    sync.Once
	done    chan struct{}
}

func newOpenCount() *openCount { return &openCount{done: make(chan struct{})} }

func (o *openCount) opened() { o.n.Add(1) }

func (o *openCount) closed() {
	if o.n.Add(-1) == 0 && o.closing.Load() {
		o.once.Do(func() { close(o.done) })
	}
}

// startClosing marks the start of the end; done is closed once nothing is
// open.
func (o *openCount) startClosing() <-chan struct{} {
	o.closing.Store(true)
	if o.n.Load() == 0 {
		o.once.Do(func() { close(o.done) })
	}
	return o.done
}

// feedPaced sends the connection indexes 0..n-1 to idx for the dialers,
// rate per second (0: as fast as they take them), and closes idx; it stops
// early when ctx ends.
func feedPaced(ctx context.Context, idx chan<- int, n int, rate float64) {
	defer close(idx)
	start := time.Now()
	for i := range n {
		if rate > 0 {
			due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
			if w := time.Until(due); w > 0 {
				t := time.NewTimer(w)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
		}
		select {
		case idx <- i:
		case <-ctx.Done():
			return
		}
	}
}
