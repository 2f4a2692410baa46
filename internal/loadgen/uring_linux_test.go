package loadgen

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/autobahn-go/autobahn/ws"
	"golang.org/x/sys/unix"
)

// uringOrSkip skips where the kernel refuses io_uring (a sandbox that
// filters it); any other failure is the test's.
func uringOrSkip(t *testing.T) {
	t.Helper()
	r, err := newURing(8, 16)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			t.Skip("io_uring not available:", err)
		}
		t.Fatal(err)
	}
	r.close()
}

// The ABI structs have the kernel's sizes.
func TestURingABISizes(t *testing.T) {
	if a, b, c, d := unsafe.Sizeof(uringParams{}), unsafe.Sizeof(sqe{}), unsafe.Sizeof(cqe{}), unsafe.Sizeof(geteventsArg{}); a != 120 || b != sqeSize || c != cqeSize || d != 24 {
		t.Fatalf("sizes: params %d, sqe %d, cqe %d, getevents arg %d; want 120, 64, 16, 24", a, b, c, d)
	}
}

func TestURingClosedLoop(t *testing.T) {
	uringOrSkip(t)
	url, h := loopEcho(t, nil)
	sizes, _ := ParseSizes("16:3,300:1")
	for _, engine := range []string{"loop", "uring"} {
		r := &Run{
			Dial:     Dial{URL: url, Conns: 40, Sources: 4, Rate: 2000},
			InFlight: 3, Sizes: sizes, Text: true, Engine: engine,
			Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
		}
		res, err := r.Start(context.Background())
		if err != nil {
			t.Fatal(engine, err)
		}
		checkCounts(t, res)
		if res.Connected != 40 || res.Received < 100 || res.Errors != 0 || res.UnexpectedCloses != 0 || res.Unsolicited != 0 {
			t.Fatalf("%s: result %+v", engine, res)
		}
		if (res.Engine == "uring") != (engine == "uring") {
			t.Fatalf("%s: result's engine %q", engine, res.Engine)
		}
		if res.Latency.Count != uint64(res.Received) || res.Latency.Min <= 0 || res.GeneratorCPUPercent <= 0 {
			t.Fatalf("%s: latency %+v, generator CPU %v", engine, res.Latency, res.GeneratorCPUPercent)
		}
	}
	if len(h.sources) != 4 {
		t.Fatalf("source addresses %v, want 4", h.sources)
	}
}

// closer echoes and closes each connection after its n-th message.
type closer struct {
	ws.BaseHandler
	n     int64
	count sync.Map // *ws.Conn -> *atomic.Int64
}

func (h *closer) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	v, _ := h.count.LoadOrStore(c, new(atomic.Int64))
	if v.(*atomic.Int64).Add(1) == h.n {
		_ = c.Close(ws.StatusGoingAway, "bye")
		return
	}
	_ = c.WriteMessage(context.Background(), op, p)
}

func TestURingServerCloses(t *testing.T) {
	uringOrSkip(t)
	h := &closer{n: 50}
	url := serveHandler(t, h)
	r := &Run{Dial: Dial{URL: url, Conns: 10}, InFlight: 2, Engine: "uring", Duration: 300 * time.Millisecond, Drain: 200 * time.Millisecond}
	done := make(chan struct{})
	var res *Result
	var err error
	go func() { defer close(done); res, err = r.Start(context.Background()) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("run did not end")
	}
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.UnexpectedCloses != 10 || res.Errors == 0 || res.Lost == 0 {
		t.Fatalf("result %+v: want 10 unexpected closes and lost messages", res)
	}
}

// serveHandler serves h on a ws.Server (a goroutine per connection).
func serveHandler(t *testing.T, h ws.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &ws.Server{Handler: h}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	t.Cleanup(func() {
		_ = ln.Close()
		_ = srv.Shutdown(context.Background())
		<-done
	})
	return "ws://" + ln.Addr().String() + "/"
}

// rawPeer is a hand-written echo server: it answers every message in
// three fragments written apart, with a ping between the first two, and
// counts the pongs it gets back.
type rawPeer struct {
	bad   bool // answer with a frame of a reserved opcode instead
	ln    net.Listener
	wg    sync.WaitGroup
	pongs atomic.Int64
	mu    sync.Mutex
	conns []net.Conn
}

func newRawPeer(t *testing.T, bad bool) *rawPeer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return servePeer(t, ln, bad)
}

// servePeer runs a rawPeer on ln until the test's end.
func servePeer(t *testing.T, ln net.Listener, bad bool) *rawPeer {
	p := &rawPeer{ln: ln, bad: bad}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			p.mu.Unlock()
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.serve(c) }()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *rawPeer) serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 64<<10)
	have, n := 0, 0
	var req ws.Request
	for n == 0 {
		k, err := c.Read(buf[have:])
		have += k
		if n, _ = ws.ParseRequest(&req, buf[:have], ws.HandshakeLimits{}); n == 0 && err != nil {
			return
		}
	}
	if ws.CheckRequest(&req) != nil {
		return
	}
	if _, err := c.Write(ws.AppendResponse(nil, &req, "", "", nil)); err != nil {
		return
	}
	parser := ws.NewParser(ws.ParserConfig{Role: ws.RoleServer})
	data := append([]byte(nil), buf[n:have]...)
	var msg []byte
	var op ws.Opcode
	for {
		for {
			k, ev, err := parser.Parse(data)
			data = data[k:]
			if err != nil {
				return
			}
			switch ev.Kind {
			case ws.EventData:
				if ev.First {
					msg, op = msg[:0], ev.Op
				}
				msg = append(msg, ev.Payload...)
				if ev.Final && !p.echo(c, op, msg) {
					return
				}
			case ws.EventPong:
				p.pongs.Add(1)
			case ws.EventClose:
				_, _ = c.Write(ws.AppendFrame(nil, ws.OpClose, true, false, [4]byte{}, ws.AppendClosePayload(nil, ev.Code, "")))
				return
			}
			if ev.Kind == ws.EventNone && (k == 0 || len(data) == 0) {
				break
			}
		}
		k, err := c.Read(buf)
		if err != nil {
			return
		}
		data = buf[:k]
	}
}

// echo writes msg back in three fragments and a ping, each on its own.
func (p *rawPeer) echo(c net.Conn, op ws.Opcode, msg []byte) bool {
	if p.bad {
		_, err := c.Write(ws.AppendFrame(nil, ws.Opcode(3), true, false, [4]byte{}, msg))
		return err == nil
	}
	a, b := len(msg)/3, 2*len(msg)/3
	frames := [][]byte{
		ws.AppendFrame(nil, op, false, false, [4]byte{}, msg[:a]),
		ws.AppendFrame(nil, ws.OpPing, true, false, [4]byte{}, []byte("hi")),
		ws.AppendFrame(nil, ws.OpContinuation, false, false, [4]byte{}, msg[a:b]),
		ws.AppendFrame(nil, ws.OpContinuation, true, false, [4]byte{}, msg[b:]),
	}
	for _, f := range frames {
		if _, err := c.Write(f); err != nil {
			return false
		}
	}
	return true
}

// Echoes in fragments with a ping inside, of messages larger than the
// receive buffer, are matched whole, and the pings answered.
func TestURingFragmentedLargeEcho(t *testing.T) {
	uringOrSkip(t)
	p := newRawPeer(t, false)
	sizes, _ := ParseSizes("20:1,50k:1")
	r := &Run{Dial: Dial{URL: "ws://" + p.ln.Addr().String() + "/", Conns: 3}, InFlight: 2, Sizes: sizes,
		Engine: "uring", Duration: 300 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Received < 10 || res.Errors != 0 || res.UnexpectedCloses != 0 || res.Unsolicited != 0 {
		t.Fatalf("result %+v", res)
	}
	if res.BytesPerSecond*res.DurationSeconds < float64(res.Received/3)*(50<<10) {
		t.Fatalf("received %v bytes for %d messages: the large ones are missing", res.BytesPerSecond*res.DurationSeconds, res.Received)
	}
	if p.pongs.Load() < res.Received {
		t.Fatalf("%d pongs for %d echoes", p.pongs.Load(), res.Received)
	}
}

// A server that breaks the protocol fails its connections: their
// messages count as lost, nothing hangs.
func TestURingProtocolError(t *testing.T) {
	uringOrSkip(t)
	p := newRawPeer(t, true)
	r := &Run{Dial: Dial{URL: "ws://" + p.ln.Addr().String() + "/", Conns: 4}, InFlight: 2, Engine: "uring", Duration: 200 * time.Millisecond}
	res, err := r.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, res)
	if res.Received != 0 || res.UnexpectedCloses != 4 || res.Sent != 0 && res.Lost == 0 {
		t.Fatalf("result %+v: want 4 failed connections", res)
	}
}

func TestURingRefuses(t *testing.T) {
	for name, r := range map[string]*Run{
		"open loop": {Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 1}, MsgRate: 10},
		"batch":     {Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 1}, Batch: true},
		"compress":  {Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 1, Compress: true}},
	} {
		r.Engine, r.Duration = "uring", time.Second
		if _, err := r.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "uring engine") {
			t.Errorf("%s: error %v, want a refusal", name, err)
		}
	}
	r := &Run{Dial: Dial{URL: "ws://127.0.0.1:1/", Conns: 1}, Engine: "epoll", Duration: time.Second}
	if _, err := r.Start(context.Background()); err == nil || !strings.Contains(err.Error(), "engine") {
		t.Errorf("unknown engine: error %v", err)
	}
}

// Whatever a server sends, the engine's parsing neither panics nor grows
// without bound: echoes unasked for count as unsolicited, a broken
// stream fails the connection.
func FuzzURingParse(f *testing.F) {
	f.Add([]byte{0x82, 0x03, 'a', 'b', 'c'})
	f.Add(append(ws.AppendFrame(nil, ws.OpPing, true, false, [4]byte{}, []byte("hi")), ws.AppendFrame(nil, ws.OpText, false, false, [4]byte{}, []byte("ab"))...))
	f.Add(ws.AppendFrame(nil, ws.OpClose, true, false, [4]byte{}, ws.AppendClosePayload(nil, ws.StatusGoingAway, "x")))
	f.Add([]byte{0x83, 0x00})
	sizes, _ := ParseSizes("3")
	f.Fuzz(func(t *testing.T, data []byte) {
		// A ring per input: its single issuer is this locked thread.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		r, err := newURing(8, 16)
		if err != nil {
			t.Skip("io_uring not available:", err)
		}
		defer r.close()
		g := &gen{cfg: &Run{Sizes: sizes}, epoch: time.Now(), op: ws.OpBinary, open: newOpenCount()}
		g.measureStart.Store(1<<63 - 1)
		g.measureEnd.Store(1<<63 - 1)
		c := &uconn{fd: -1, rbuf: make([]byte, 16), ring: make([]pending, 1)}
		c.parser.Reset(ws.ParserConfig{Role: ws.RoleClient})
		e := &uengine{g: g, conns: []*uconn{c}, r: r}
		g.open.opened()
		// In pieces, as the socket would deliver them.
		for len(data) > 0 && !c.gone {
			k := min(len(data), 7)
			e.parse(c, data[:k])
			data = data[k:]
		}
		if e.err != nil {
			t.Fatal(e.err)
		}
		if len(c.wbuf)+len(c.next) > 2*(125+14) {
			t.Fatalf("%d bytes queued", len(c.wbuf)+len(c.next))
		}
		// What was queued on the ring fails (fd -1); reap it.
		for e.ops > 0 {
			if err := r.enter(1, time.Second, 0); err != nil {
				t.Fatal(err)
			}
			r.reap(e.complete)
		}
	})
}
