package ws

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestEcho(t *testing.T) {
	h := newEcho()
	u, _ := startServer(t, h, nil)
	for _, frag := range []int{0, 1000} {
		c := dial(t, u, &Options{AutoFragmentSize: frag})
		ctx := context.Background()
		for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 1 << 20} {
			for _, op := range []Opcode{OpText, OpBinary} {
				msg := bytes.Repeat([]byte("aé"), n/3+1)[:n]
				if op == OpText {
					msg = []byte(strings.ToValidUTF8(string(msg), ""))
				}
				if err := c.WriteMessage(ctx, op, msg); err != nil {
					t.Fatal(err)
				}
				gotOp, got, err := c.ReadMessage(ctx)
				if err != nil || gotOp != op || !bytes.Equal(got, msg) {
					t.Fatalf("frag %d size %d %v: got %v %d bytes %v", frag, n, op, gotOp, len(got), err)
				}
			}
		}
		if err := c.Close(StatusNormalClosure, "bye"); err != nil {
			t.Fatal(err)
		}
		clean, code, reason := h.waitClose(t)
		if !clean || code != StatusNormalClosure || reason != "bye" {
			t.Fatalf("server saw clean=%v code=%v reason=%q", clean, code, reason)
		}
	}
}

func TestStreaming(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, nil)
	ctx := context.Background()
	w, err := c.NextWriter(ctx, OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("0123456789"), 10000)
	for i := 0; i < len(want); i += 777 {
		if _, err := w.Write(want[i:min(i+777, len(want))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	op, r, err := c.NextReader(ctx)
	if err != nil || op != OpBinary {
		t.Fatal(op, err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%d bytes, %v", len(got), err)
	}
}

// TestConcurrentWriters runs under -race in make test: many goroutines write
// whole messages, streamed messages and prepared messages at once.
func TestConcurrentWriters(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, nil)
	ctx := context.Background()
	const writers, each = 8, 50
	pm := NewPreparedMessage(OpText, []byte("prepared"))
	var wg sync.WaitGroup
	for g := 0; g < writers; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				msg := fmt.Sprintf("g%d-%d-%s", g, i, strings.Repeat("x", i*37))
				var err error
				switch i % 3 {
				case 0:
					err = c.WriteMessage(ctx, OpText, []byte(msg))
				case 1:
					var w io.WriteCloser
					if w, err = c.NextWriter(ctx, OpText); err == nil {
						_, _ = io.WriteString(w, msg[:len(msg)/2])
						_, _ = io.WriteString(w, msg[len(msg)/2:])
						err = w.Close()
					}
				case 2:
					err = c.WritePrepared(ctx, pm)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	seen := map[string]bool{}
	for i := 0; i < writers*each; i++ {
		_, p, err := c.ReadMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := string(p)
		if s != "prepared" {
			if seen[s] {
				t.Fatalf("duplicate %q", s)
			}
			seen[s] = true
		}
	}
	wg.Wait()
	if len(seen) != writers*(each-each/3) {
		t.Fatalf("%d distinct messages", len(seen))
	}
}

func TestServerPrepared(t *testing.T) {
	pm := NewPreparedMessage(OpBinary, []byte{1, 2, 3})
	h := newEcho()
	h.connect = func(*ConnectRequest) (Accept, error) { return Accept{}, nil }
	u, _ := startServer(t, &preparedHandler{pm: pm}, nil)
	for i := 0; i < 3; i++ {
		c := dial(t, u, nil)
		op, p, err := c.ReadMessage(context.Background())
		if err != nil || op != OpBinary || !bytes.Equal(p, []byte{1, 2, 3}) {
			t.Fatal(op, p, err)
		}
	}
}

type preparedHandler struct {
	BaseHandler
	pm *PreparedMessage
}

func (h *preparedHandler) OnOpen(c *Conn) { _ = c.WritePrepared(context.Background(), h.pm) }

func TestShutdownGoingAway(t *testing.T) {
	h := newEcho()
	u, srv := startServer(t, h, nil)
	c := dial(t, u, nil)
	if err := c.WriteMessage(context.Background(), OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.Shutdown(ctx) }()
	_, _, err := c.ReadMessage(context.Background())
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusGoingAway || !ce.WasClean || !errors.Is(err, ErrClosed) {
		t.Fatalf("client got %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(ctx, u, nil); !errors.Is(err, ErrHandshake) {
		t.Fatalf("dial after shutdown: %v", err)
	}
}

func TestPingTimeoutDrops(t *testing.T) {
	h := newEcho()
	u, _ := startServer(t, h, &Options{PingInterval: 50 * time.Millisecond, PingTimeout: 100 * time.Millisecond})
	r := dialRaw(t, u)
	ev, _, err := r.next()
	if err != nil || ev.Kind != EventPing {
		t.Fatalf("expected a ping, got %v %v", ev.Kind, err)
	}
	clean, code, _ := h.waitClose(t)
	if clean || code != StatusAbnormalClosure {
		t.Fatalf("clean=%v code=%v", clean, code)
	}
}

func TestKeepaliveAnswered(t *testing.T) {
	h := newEcho()
	// A pong must be back within PingTimeout: 300 ms leaves a loaded
	// machine room; the wait below is long enough that a client that did
	// not answer would be dropped (after 330 ms) well within it.
	u, _ := startServer(t, h, &Options{PingInterval: 30 * time.Millisecond, PingTimeout: 300 * time.Millisecond})
	c := dial(t, u, &Options{PingInterval: -1})
	// The reader answers pings while it waits.
	readErr := make(chan error, 1)
	go func() {
		_, _, err := c.ReadMessage(context.Background())
		readErr <- err
	}()
	select {
	case <-h.closed:
		t.Fatal("server dropped a client that answered its pings")
	case err := <-readErr:
		t.Fatalf("read: %v", err)
	case <-time.After(time.Second):
	}
	_ = c.Close(StatusNormalClosure, "")
	if err := <-readErr; !errors.Is(err, ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

func TestMaxConnections(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{MaxConnections: 1})
	c := dial(t, u, nil)
	_, err := Dial(context.Background(), u, nil)
	var he *HandshakeError
	if !errors.As(err, &he) || he.Status != 503 {
		t.Fatalf("second connection: %v", err)
	}
	_ = c.Close(StatusNormalClosure, "")
}

func TestOriginAndSubprotocol(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{Subprotocols: []string{"b", "a"}, AllowedOrigins: []string{"*.good.test"}})
	_, err := Dial(context.Background(), u, &Options{Header: map[string][]string{"Origin": {"http://evil.test"}}})
	var he *HandshakeError
	if !errors.As(err, &he) || he.Status != 403 {
		t.Fatalf("evil origin: %v", err)
	}
	c := dial(t, u, &Options{Subprotocols: []string{"a", "b"}, Header: map[string][]string{"Origin": {"https://x.good.test"}}})
	if c.Subprotocol() != "b" {
		t.Fatalf("subprotocol %q, want the server's preference b", c.Subprotocol())
	}
}

func TestRejectFromOnConnect(t *testing.T) {
	h := newEcho()
	h.connect = func(r *ConnectRequest) (Accept, error) {
		return Accept{}, &HandshakeError{Status: 401, Reason: "who are you"}
	}
	u, _ := startServer(t, h, nil)
	_, err := Dial(context.Background(), u, nil)
	var he *HandshakeError
	if !errors.As(err, &he) || he.Status != 401 {
		t.Fatalf("got %v", err)
	}
}

func TestMessageTooBigToServer(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{MaxMessagePayload: 1024})
	c := dial(t, u, nil)
	ctx := context.Background()
	if err := c.WriteMessage(ctx, OpBinary, make([]byte, 2048)); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage(ctx)
	var ce *CloseError
	if !errors.As(err, &ce) || ce.Code != StatusMessageTooBig {
		t.Fatalf("got %v", err)
	}
}

func TestReadContextCancel(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.ReadMessage(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatal(err)
	}
	if err := c.WriteMessage(context.Background(), OpText, []byte("x")); err == nil {
		t.Fatal("write on a dropped connection succeeded")
	}
}

// TestProxyConnect dials through a minimal HTTP CONNECT proxy.
func TestProxyConnect(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	var mu sync.Mutex
	var seen []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		pc, err := ln.Accept()
		if err != nil {
			return
		}
		defer pc.Close()
		br := bufio.NewReader(pc)
		line, _ := br.ReadString('\n')
		mu.Lock()
		seen = append(seen, line)
		mu.Unlock()
		for {
			l, err := br.ReadString('\n')
			if err != nil || l == "\r\n" {
				break
			}
			mu.Lock()
			seen = append(seen, l)
			mu.Unlock()
		}
		target := strings.Fields(line)[1]
		up, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer up.Close()
		_, _ = pc.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
		go func() { _, _ = io.Copy(up, br); _ = up.(*net.TCPConn).CloseWrite() }()
		_, _ = io.Copy(pc, up)
	}()
	proxyURL := &url.URL{Scheme: "http", Host: ln.Addr().String(), User: url.UserPassword("u", "p")}
	c := dial(t, u, &Options{Proxy: func(*url.URL) (*url.URL, error) { return proxyURL, nil }})
	ctx := context.Background()
	if err := c.WriteMessage(ctx, OpText, []byte("via proxy")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != "via proxy" {
		t.Fatal(string(p), err)
	}
	_ = c.Close(StatusNormalClosure, "")
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(seen[0], "CONNECT 127.0.0.1:") || !strings.Contains(strings.Join(seen, ""), "Proxy-Authorization: Basic dTpw") {
		t.Fatalf("proxy saw %q", seen)
	}
}

func TestProxyFromEnvironment(t *testing.T) {
	t.Setenv("HTTP_PROXY", "proxy.test:3128")
	t.Setenv("HTTPS_PROXY", "")
	t.Setenv("https_proxy", "")
	t.Setenv("NO_PROXY", "internal.test,.corp.test")
	tests := []struct{ url, want string }{
		{"ws://example.test/x", "http://proxy.test:3128"},
		{"ws://127.0.0.1:9000/", ""},
		{"ws://localhost/", ""},
		{"ws://internal.test/", ""},
		{"ws://a.corp.test/", ""},
		{"wss://example.test/", ""},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		p, err := ProxyFromEnvironment(u)
		got := ""
		if p != nil {
			got = p.String()
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %q %v, want %q", tt.url, got, err, tt.want)
		}
	}
}

func TestHandshakeTimeout(t *testing.T) {
	u, _ := startServer(t, newEcho(), &Options{HandshakeTimeout: 100 * time.Millisecond})
	nc, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(u, "ws://"), "/echo"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_, _ = nc.Write([]byte("GET / HTTP/1.1\r\n"))
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	_, err = io.Copy(io.Discard, nc)
	if err != nil || time.Since(start) > 3*time.Second {
		t.Fatalf("server did not drop a slow handshake: %v after %v", err, time.Since(start))
	}
}

func TestCloseArguments(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, nil)
	for _, code := range []StatusCode{StatusAbnormalClosure, 1004, 2000, 5000} {
		if err := c.Close(code, ""); err == nil {
			t.Errorf("Close(%v) accepted", code)
		}
	}
	if err := c.Close(StatusNormalClosure, "\xff"); err == nil {
		t.Error("Close accepted a reason that is not UTF-8")
	}
	if err := c.Close(StatusNoStatusReceived, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteMessage(context.Background(), OpText, []byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("write after close: %v", err)
	}
}

// TestServeListener runs Server.Serve (handshake goroutines, then Start:
// the connection changes goroutines whenever its input runs dry) with
// pipelined messages, so that both the buffered and the idle paths run,
// then shuts down with 1001.
func TestServeListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: newEcho()}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	u := "ws://" + ln.Addr().String() + "/echo"
	ctx := context.Background()
	var conns []*Conn
	for i := 0; i < 4; i++ {
		c := dial(t, u, nil)
		conns = append(conns, c)
		const n = 200
		go func() {
			for k := 0; k < n; k++ {
				msg := []byte(strings.Repeat("x", k*37%5000))
				if err := c.WriteMessage(ctx, OpBinary, append(msg, byte(k))); err != nil {
					return
				}
			}
		}()
		for k := 0; k < n; k++ {
			_, p, err := c.ReadMessage(ctx)
			if err != nil || len(p) != k*37%5000+1 || p[len(p)-1] != byte(k) {
				t.Fatalf("conn %d message %d: %d bytes, %v", i, k, len(p), err)
			}
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- srv.Shutdown(sctx) }()
	for _, c := range conns {
		_, _, err := c.ReadMessage(ctx)
		var ce *CloseError
		if !errors.As(err, &ce) || ce.Code != StatusGoingAway {
			t.Fatalf("client got %v", err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, ErrClosed) { // Shutdown closed ln
		t.Fatal(err)
	}
}

// waitMessageWaiter returns once a writer waits for c's message lock.
func waitMessageWaiter(t *testing.T, c *Conn) {
	t.Helper()
	waitFor(t, "a writer waiting for the message lock", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.p.waiters > 0
	})
}

// A writer waiting for the message lock gives up when its ctx is done or
// the connection ends, and gets the lock when the holder lets go.
func TestMessageLockWaits(t *testing.T) {
	u, _ := startServer(t, newEcho(), nil)
	c := dial(t, u, nil)
	ctx := context.Background()
	w, err := c.NextWriter(ctx, OpText)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := c.WriteMessage(short, OpText, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting writer with a short ctx: %v", err)
	}
	got := make(chan error, 1)
	go func() { got <- c.WriteMessage(ctx, OpText, []byte("second")) }()
	waitMessageWaiter(t, c)
	if _, err := w.Write([]byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("writer after the lock was let go: %v", err)
	}
	for _, want := range []string{"first", "second"} {
		if _, p, err := c.ReadMessage(ctx); err != nil || string(p) != want {
			t.Fatalf("read %q %v, want %q", p, err, want)
		}
	}
	if w, err = c.NextWriter(ctx, OpText); err != nil {
		t.Fatal(err)
	}
	go func() { got <- c.WriteMessage(ctx, OpText, []byte("never")) }()
	waitMessageWaiter(t, c)
	c.drop(ErrClosed)
	if err := <-got; !errors.Is(err, ErrClosed) {
		t.Fatalf("waiting writer on a dropped connection: %v", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done is not closed after the connection ended")
	}
	_ = w.Close()
}

// TestCloseBoundsStuckWrite: a write with no deadline, blocked on a peer
// that reads nothing, does not hold Close past CloseTimeout.
func TestCloseBoundsStuckWrite(t *testing.T) {
	a, b := net.Pipe() // a Write blocks until the other end reads; b never does
	defer b.Close()
	c := NewConn(a, RoleClient, nil, Negotiated{}, &Options{PingInterval: -1, CloseTimeout: 100 * time.Millisecond})
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteMessage(context.Background(), OpBinary, make([]byte, 1000)) }()
	for c.p.frameMu.TryLock() { // until the write holds the frame lock
		c.p.frameMu.Unlock()
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	start := time.Now()
	go func() { closed <- c.Close(StatusNormalClosure, "") }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits behind a stuck write")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Close took %v with a CloseTimeout of 100 ms", d)
	}
	if err := <-wrote; err == nil {
		t.Fatal("the stuck write succeeded")
	}
}

// gid returns the calling goroutine's id, from its stack header.
func gid() string {
	var b [64]byte
	f := strings.Fields(string(b[:runtime.Stack(b[:], false)]))
	return f[1]
}

// goroutineExists reports whether goroutine id is still alive.
func goroutineExists(id string) bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "goroutine "+id+" [")
}

type gidEcho struct {
	BaseHandler
	ids chan string
}

func (h *gidEcho) OnMessage(c *Conn, _ Opcode, p []byte) {
	h.ids <- gid()
	_ = c.WriteMessage(context.Background(), OpText, p)
}

// TestHotConnectionKeepsGoroutine: a connection whose next message comes
// within hotWait is served on the same goroutine (its grown stack is kept,
// not regrown per message); once it idles longer, that goroutine ends and
// a fresh one, with the smallest stack, serves what comes next.
func TestHotConnectionKeepsGoroutine(t *testing.T) {
	h := &gidEcho{ids: make(chan string, 16)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: h, Options: &Options{PingInterval: -1}}
	served := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(served) }() // Start: the hand-off path
	defer func() {
		_ = ln.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		<-served
	}()
	c := dial(t, "ws://"+ln.Addr().String()+"/", &Options{PingInterval: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	echo := func() string {
		t.Helper()
		if err := c.WriteMessage(ctx, OpText, []byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadMessage(ctx); err != nil {
			t.Fatal(err)
		}
		return <-h.ids
	}
	first := echo()
	hot := 0
	for range 10 {
		if echo() == first {
			hot++
		}
	}
	// A round trip takes far less than hotWait; allow a slow machine a miss.
	if hot < 8 {
		t.Fatalf("only %d of 10 quick messages were served on the same goroutine", hot)
	}
	last := echo()
	waitFor(t, "the idle connection's goroutine to end", func() bool { return !goroutineExists(last) })
	if echo() == last {
		t.Fatal("the goroutine that ended served again")
	}
	_ = c.Close(StatusNormalClosure, "")
}
