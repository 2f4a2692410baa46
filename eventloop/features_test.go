//go:build linux

package eventloop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pattern returns n bytes of a stream whose byte at offset i is i%251, from offset off.
func pattern(off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte((off + i) % 251)
	}
	return b
}

// checkPattern reports where b, read from offset off of a pattern stream, first differs from it.
func checkPattern(off int, b []byte) error {
	for i, x := range b {
		if x != byte((off+i)%251) {
			return fmt.Errorf("byte %d is %d, want %d", off+i, x, (off+i)%251)
		}
	}
	return nil
}

// noneFor fails the test if cond becomes true within d; it polls.
func noneFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			t.Fatal(what)
		}
	}
}

// TestAsyncWriteThenClose: AsyncWrite followed by Close from another goroutine delivers every byte
// before the close, on every backend: small data, data larger than the socket buffers, and data
// held back behind a queue above the high watermark.
func TestAsyncWriteThenClose(t *testing.T) {
	cases := []struct {
		name   string
		cfg    Config
		pre    int // bytes the server writes in OnOpen, before the AsyncWrites
		chunks int
		size   int
		wait   bool // let the loop take the AsyncWrite wake-up before Close
	}{
		{"small", Config{}, 0, 1, 1000, false},
		{"large", Config{}, 0, 1, 1<<20 + 12345, false},
		{"behind-queue", Config{WriteHighWatermark: 64 << 10}, 256 << 10, 4, 30 << 10, false},
		{"held-behind-queue", Config{WriteHighWatermark: 64 << 10}, 256 << 10, 4, 30 << 10, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opened := make(chan *Conn, 1)
			closed := make(chan error, 1)
			var pre int // bytes of the pre-write accepted
			tc.cfg.Loops = 1
			l, addr := serve(t, tc.cfg, &funcs{
				open: func(c *Conn) {
					pre = 0
					if fd := c.Fd(); fd >= 0 && tc.pre > 0 {
						setSndBuf(fd, 16<<10)
					}
					if tc.pre > 0 {
						// The fallback refuses what the loop would queue: count what went.
						if _, err := c.Write(pattern(0, tc.pre)); err == nil {
							pre = tc.pre
						}
					}
					opened <- c
				},
				close: func(c *Conn, err error) { closed <- err },
			})
			for i := 0; i < 50; i++ {
				cl := dialStd(t, addr)
				sc := <-opened
				w0 := l.Stats().Wakeups
				off := pre
				for k := 0; k < tc.chunks; k++ {
					if err := sc.AsyncWrite(pattern(off, tc.size)); err != nil {
						t.Fatalf("AsyncWrite: %v", err)
					}
					off += tc.size
				}
				if tc.wait && !fallback {
					waitFor(t, "the AsyncWrite wake-up", func() bool { return l.Stats().Wakeups > w0 })
				}
				go sc.Close()
				cl.SetReadDeadline(time.Now().Add(10 * time.Second))
				got, err := io.ReadAll(cl)
				if err != nil {
					t.Fatalf("round %d: read: %v", i, err)
				}
				if len(got) != off {
					t.Fatalf("round %d: peer got %d of %d bytes", i, len(got), off)
				}
				if err := checkPattern(0, got); err != nil {
					t.Fatalf("round %d: %v", i, err)
				}
				if err := <-closed; err != nil {
					t.Fatalf("round %d: OnClose: %v", i, err)
				}
				cl.Close()
			}
		})
	}
}

// TestAddrsAfterClose: the addresses of a connection stay right after its close, also once its fd
// number serves a new connection.
func TestAddrsAfterClose(t *testing.T) {
	opened := make(chan *Conn, 1)
	closed := make(chan struct{}, 1)
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open:  func(c *Conn) { opened <- c },
		close: func(c *Conn, err error) { closed <- struct{}{} },
	})
	cl := dialStd(t, addr)
	sc := <-opened
	wantL, wantR := cl.RemoteAddr().String(), cl.LocalAddr().String()
	cl.Close()
	<-closed
	cl2 := dialStd(t, addr) // likely the same fd number on the server
	sc2 := <-opened
	for _, c := range []struct {
		what string
		got  net.Addr
		want string
	}{
		{"LocalAddr after close", sc.LocalAddr(), wantL},
		{"RemoteAddr after close", sc.RemoteAddr(), wantR},
		{"LocalAddr of the next connection", sc2.LocalAddr(), cl2.RemoteAddr().String()},
		{"RemoteAddr of the next connection", sc2.RemoteAddr(), cl2.LocalAddr().String()},
	} {
		if c.got == nil || c.got.String() != c.want {
			t.Errorf("%s = %v, want %s", c.what, c.got, c.want)
		}
	}

	// A unix socket: the local address is the path.
	ul, err := New(Config{Loops: 1}, &funcs{
		open:  func(c *Conn) { opened <- c },
		close: func(c *Conn, err error) { closed <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/s"
	if _, err := ul.Listen("unix", path); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ul.Run() }()
	defer func() { ul.Shutdown(context.Background()); <-done }()
	uc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	sc = <-opened
	uc.Close()
	<-closed
	if a := sc.LocalAddr(); a == nil || a.Network() != "unix" || a.String() != path {
		t.Errorf("unix LocalAddr after close = %v, want %s", a, path)
	}
}

// readSink is a handler that keeps all input and checks it against the pattern.
type readSink struct {
	funcs
	mu    sync.Mutex
	got   int
	calls atomic.Int64
	bad   error
}

func (h *readSink) OnData(c *Conn, in []byte) int {
	h.calls.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := checkPattern(h.got, in); err != nil && h.bad == nil {
		h.bad = err
	}
	h.got += len(in)
	return len(in)
}

func (h *readSink) total() (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got, h.bad
}

// TestPauseReadBackpressure: a connection paused in OnOpen reads nothing, so its peer's writes
// block once the socket buffers are full; after ResumeRead every byte arrives, in order.
func TestPauseReadBackpressure(t *testing.T) {
	opened := make(chan *Conn, 1)
	h := &readSink{}
	h.open = func(c *Conn) {
		c.PauseRead()
		opened <- c
	}
	_, addr := serve(t, Config{Loops: 1}, h)
	cl := dialStd(t, addr)
	sc := <-opened
	const limit = 64 << 20
	sent := 0
	for sent < limit {
		cl.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := cl.Write(pattern(sent, 64<<10))
		sent += n
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("write: %v", err)
			}
			break
		}
	}
	if sent >= limit {
		t.Fatalf("peer wrote %d bytes to a paused connection: no back-pressure", sent)
	}
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("OnData called %d times while paused", n)
	}
	sc.ResumeRead()
	waitFor(t, "every byte after ResumeRead", func() bool { n, _ := h.total(); return n >= sent })
	if n, err := h.total(); n != sent || err != nil {
		t.Fatalf("server got %d of %d bytes: %v", n, sent, err)
	}
}

// TestPauseReadKeepsInput: OnData consumes part of its input and pauses; the rest stays, OnData is
// not called while paused, and after ResumeRead (from another goroutine) it gets the rest without
// the peer sending anything more; later input follows in order.
func TestPauseReadKeepsInput(t *testing.T) {
	var mu sync.Mutex
	var got []byte
	var calls atomic.Int64
	first := make(chan *Conn, 1)
	_, addr := serve(t, Config{Loops: 1}, &funcs{data: func(c *Conn, in []byte) int {
		mu.Lock()
		defer mu.Unlock()
		if calls.Add(1) == 1 {
			got = append(got, in[:10]...)
			c.PauseRead()
			first <- c
			return 10
		}
		got = append(got, in...)
		return len(in)
	}})
	cl := dialStd(t, addr)
	cl.Write(pattern(0, 1000))
	sc := <-first
	noneFor(t, 150*time.Millisecond, "OnData called while paused", func() bool { return calls.Load() > 1 })
	go sc.ResumeRead()
	waitFor(t, "the kept input after ResumeRead", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 1000 })
	cl.Write(pattern(1000, 500))
	waitFor(t, "the later input", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) >= 1500 })
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1500 {
		t.Fatalf("got %d bytes, want 1500", len(got))
	}
	if err := checkPattern(0, got); err != nil {
		t.Fatal(err)
	}
}

// TestPauseReadFromGoroutine: PauseRead from another goroutine stops OnData for input that comes
// after it, and the loop does not spin on the unread input; ResumeRead brings it.
func TestPauseReadFromGoroutine(t *testing.T) {
	opened := make(chan *Conn, 1)
	h := &readSink{}
	h.open = func(c *Conn) { opened <- c }
	l, addr := serve(t, Config{Loops: 1}, h)
	cl := dialStd(t, addr)
	sc := <-opened
	sc.PauseRead()
	cl.Write(pattern(0, 3000))
	ev0 := l.Stats().Events
	noneFor(t, 150*time.Millisecond, "OnData called while paused", func() bool { return h.calls.Load() > 0 })
	if ev := l.Stats().Events - ev0; ev > 3 {
		t.Fatalf("%d poller events while paused: the loop spins on the unread input", ev)
	}
	sc.ResumeRead()
	waitFor(t, "the input after ResumeRead", func() bool { n, _ := h.total(); return n >= 3000 })
	if n, err := h.total(); n != 3000 || err != nil {
		t.Fatalf("got %d bytes: %v", n, err)
	}
}

// TestPauseReadIdle: the idle timeout does not close a paused connection; it runs again after
// ResumeRead.
func TestPauseReadIdle(t *testing.T) {
	opened := make(chan *Conn, 1)
	closed := make(chan error, 1)
	_, addr := serve(t, Config{Loops: 1, IdleTimeout: 100 * time.Millisecond, TimerResolution: 10 * time.Millisecond}, &funcs{
		open: func(c *Conn) {
			c.PauseRead()
			opened <- c
		},
		close: func(c *Conn, err error) { closed <- err },
	})
	dialStd(t, addr)
	sc := <-opened
	noneFor(t, 500*time.Millisecond, "a paused connection closed", func() bool { return len(closed) > 0 })
	start := time.Now()
	sc.ResumeRead()
	select {
	case err := <-closed:
		if err != ErrTimeout {
			t.Fatalf("OnClose: %v, want ErrTimeout", err)
		}
		if d := time.Since(start); d < 80*time.Millisecond {
			t.Fatalf("idle timeout %v after ResumeRead", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no idle timeout after ResumeRead")
	}
}

// TestPauseReadEOF: the peer sends, then closes, while the connection is paused (and its own write
// side is shut, so the socket hangs up entirely): nothing happens until ResumeRead, then OnData
// gets the input and OnClose io.EOF.
func TestPauseReadEOF(t *testing.T) {
	opened := make(chan *Conn, 1)
	closed := make(chan error, 1)
	var mu sync.Mutex
	var got []byte
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open: func(c *Conn) {
			c.PauseRead()
			c.CloseWrite()
			opened <- c
		},
		data: func(c *Conn, in []byte) int {
			mu.Lock()
			got = append(got, in...)
			mu.Unlock()
			return len(in)
		},
		close: func(c *Conn, err error) { closed <- err },
	})
	cl := dialStd(t, addr)
	sc := <-opened
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, err := io.ReadAll(cl); err != nil || len(b) != 0 {
		t.Fatalf("read %q, %v; want EOF", b, err)
	}
	cl.Write([]byte("abc"))
	cl.Close()
	noneFor(t, 200*time.Millisecond, "a paused connection closed", func() bool { return len(closed) > 0 })
	sc.ResumeRead()
	select {
	case err := <-closed:
		if err != io.EOF {
			t.Fatalf("OnClose: %v, want io.EOF", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose after ResumeRead")
	}
	mu.Lock()
	defer mu.Unlock()
	if string(got) != "abc" {
		t.Fatalf("OnData got %q, want \"abc\"", got)
	}
}

// TestNotifyWritable: with the queue above the low watermark and a peer that reads nothing,
// NotifyWritable costs a wake-up or two and no OnWritable; once the peer reads, OnWritable comes
// exactly once.
func TestNotifyWritable(t *testing.T) {
	opened := make(chan *Conn, 1)
	var writable atomic.Int64
	var queued int
	const low, high = 1 << 20, 4 << 20
	l, addr := serve(t, Config{Loops: 1, WriteLowWatermark: low, WriteHighWatermark: high}, &funcs{
		open: func(c *Conn) {
			boundSendBuffer(c, 64<<10) // a peer that reads nothing leaves the queue above low
			for c.Queued() < 2*low {
				if _, err := c.Write(pattern(queued, 64<<10)); err != nil {
					t.Errorf("Write: %v", err)
					break
				}
				queued += 64 << 10
			}
			opened <- c
		},
		writable: func(c *Conn) { writable.Add(1) },
	})
	cl := dialStd(t, addr)
	cl.SetReadBuffer(64 << 10)
	sc := <-opened
	w0 := l.Stats().Wakeups
	sc.NotifyWritable()
	noneFor(t, 200*time.Millisecond, "OnWritable while the queue is above the low watermark", func() bool {
		if w := l.Stats().Wakeups - w0; w > 2 {
			t.Fatalf("%d wake-ups while waiting for room", w)
		}
		return writable.Load() > 0
	})
	cl.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, queued)
	if _, err := io.ReadFull(cl, buf); err != nil {
		t.Fatal(err)
	}
	if err := checkPattern(0, buf); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OnWritable", func() bool { return writable.Load() > 0 })
	// A round trip: the loop is past any further flush.
	cl.Write([]byte("x"))
	if _, err := io.ReadFull(cl, buf[:1]); err != nil || buf[0] != 'x' {
		t.Fatalf("echo: %q %v", buf[:1], err)
	}
	if n := writable.Load(); n != 1 {
		t.Fatalf("OnWritable called %d times, want 1", n)
	}
}

// TestNotifyWritableNow: with the queue already at or below the low watermark, NotifyWritable
// brings one OnWritable on the next loop turn.
func TestNotifyWritableNow(t *testing.T) {
	opened := make(chan *Conn, 1)
	writable := make(chan struct{}, 4)
	_, addr := serve(t, Config{Loops: 1}, &funcs{
		open:     func(c *Conn) { opened <- c },
		writable: func(c *Conn) { writable <- struct{}{} },
	})
	dialStd(t, addr)
	sc := <-opened
	sc.NotifyWritable()
	select {
	case <-writable:
	case <-time.After(5 * time.Second):
		t.Fatal("no OnWritable")
	}
	noneFor(t, 50*time.Millisecond, "a second OnWritable", func() bool { return len(writable) > 0 })
}

// TestWantWritable: in a callback, with bytes queued below the high
// watermark (where the loop would not call OnWritable by itself),
// WantWritable brings exactly one OnWritable once the queue drained to the
// low watermark, and costs no wake-up meanwhile.
func TestWantWritable(t *testing.T) {
	opened := make(chan *Conn, 1)
	var writable atomic.Int64
	var queued int
	const low, high = 1 << 20, 8 << 20
	l, addr := serve(t, Config{Loops: 1, WriteLowWatermark: low, WriteHighWatermark: high}, &funcs{
		open: func(c *Conn) {
			boundSendBuffer(c, 64<<10) // a peer that reads nothing leaves the queue above low
			for c.Queued() < 2*low {
				if _, err := c.Write(pattern(queued, 64<<10)); err != nil {
					t.Errorf("Write: %v", err)
					break
				}
				queued += 64 << 10
			}
			c.WantWritable()
			opened <- c
		},
		writable: func(c *Conn) { writable.Add(1) },
	})
	cl := dialStd(t, addr)
	cl.SetReadBuffer(64 << 10)
	<-opened
	w0 := l.Stats().Wakeups
	noneFor(t, 100*time.Millisecond, "OnWritable while the queue is above the low watermark", func() bool {
		if w := l.Stats().Wakeups - w0; w > 0 {
			t.Fatalf("%d wake-ups", w)
		}
		return writable.Load() > 0
	})
	cl.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, queued)
	if _, err := io.ReadFull(cl, buf); err != nil {
		t.Fatal(err)
	}
	if err := checkPattern(0, buf); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OnWritable", func() bool { return writable.Load() > 0 })
	cl.Write([]byte("x"))
	if _, err := io.ReadFull(cl, buf[:1]); err != nil || buf[0] != 'x' {
		t.Fatalf("echo: %q %v", buf[:1], err)
	}
	if n := writable.Load(); n != 1 {
		t.Fatalf("OnWritable called %d times, want 1", n)
	}
}
