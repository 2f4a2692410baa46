//go:build linux

package eventloop

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

func TestShutdownLive(t *testing.T) {
	const n = 50
	var closes atomic.Int64
	var bad atomic.Value
	l, err := New(Config{}, &funcs{close: func(c *Conn, err error) {
		if err != ErrShutdown {
			bad.Store(fmt.Sprint(err))
		}
		closes.Add(1)
	}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := l.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	var cs []*net.TCPConn
	for i := 0; i < n; i++ {
		c := dialStd(t, a.String())
		c.Write([]byte("x"))
		io.ReadFull(c, make([]byte, 1))
		cs = append(cs, c)
	}
	if got := l.Stats().Conns; got != n {
		t.Fatalf("Conns = %d, want %d", got, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if closes.Load() != n || bad.Load() != nil {
		t.Fatalf("%d OnClose, bad error %v", closes.Load(), bad.Load())
	}
	for _, c := range cs {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("client read after shutdown: %v", err)
		}
	}
	if err := l.Run(); err != ErrClosed {
		t.Fatalf("Run after Shutdown: %v", err)
	}
	if _, err := l.Listen("tcp", "127.0.0.1:0"); err != ErrClosed {
		t.Fatalf("Listen after Shutdown: %v", err)
	}
}

// TestShutdownForced: a peer that never reads keeps its queue; Shutdown's context ends the wait.
func TestShutdownForced(t *testing.T) {
	if fallback {
		t.Skip("the fallback's kernel buffers absorb the queue")
	}
	l, err := New(Config{Loops: 1, WriteHighWatermark: 1 << 20}, &funcs{data: func(c *Conn, in []byte) int {
		for c.Queued() == 0 {
			c.Write(make([]byte, 256<<10))
		}
		return len(in)
	}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := l.Listen("tcp", "127.0.0.1:0")
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	c := dialStd(t, a.String())
	c.Write([]byte("go"))
	waitFor(t, "queued output", func() bool { return l.Stats().BytesWritten > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := l.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown: %v", err)
	}
	<-done
}

func TestShutdownBeforeRun(t *testing.T) {
	l, err := New(Config{}, &funcs{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := l.Run(); err != ErrClosed {
		t.Fatalf("Run: %v", err)
	}
}

func TestTimeouts(t *testing.T) {
	closed := make(chan error, 2)
	cleared := make(chan struct{}, 1) // the input cleared the deadline before it passed
	h := &funcs{
		open: func(c *Conn) {
			if c.Context() == nil {
				dl := time.Now().Add(100 * time.Millisecond)
				c.SetContext(dl)
				c.SetDeadline(dl)
			}
		},
		data: func(c *Conn, in []byte) int {
			// Open, and before the deadline once cleared: its timer cannot
			// have fired (the fallback's runs on a goroutine of its own).
			if c.SetDeadline(time.Time{}) == nil && time.Now().Before(c.Context().(time.Time)) {
				select {
				case cleared <- struct{}{}:
				default:
				}
			}
			return len(in)
		},
		close: func(c *Conn, err error) { closed <- err },
	}
	_, addr := serve(t, Config{IdleTimeout: 300 * time.Millisecond, TimerResolution: 10 * time.Millisecond}, h)
	start := time.Now()
	dialStd(t, addr)
	if err := <-closed; err != ErrTimeout {
		t.Fatalf("deadline: %v", err)
	}
	if d := time.Since(start); d < 90*time.Millisecond || d > 2*time.Second {
		t.Fatalf("deadline fired after %v", d)
	}
	// Input clears the deadline; the idle timeout still closes the silent connection. That needs
	// the "x" read before the deadline: when it was not (a slow machine), the deadline closed the
	// connection and the attempt shows nothing, so it is made again.
	for attempt := 1; ; attempt++ {
		start = time.Now()
		c := dialStd(t, addr)
		c.Write([]byte("x"))
		err := <-closed
		select {
		case <-cleared:
		default:
			if attempt == 5 {
				t.Fatalf("in %d attempts the input never cleared the deadline before it passed", attempt)
			}
			t.Logf("attempt %d: the input came after the deadline; again", attempt)
			continue
		}
		if err != ErrTimeout {
			t.Fatalf("idle: %v", err)
		}
		if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
			t.Fatalf("idle timeout after %v", d)
		}
		return
	}
}

// TestDeadlineEarlierThanIdle: a deadline set after the idle timeout put the connection far out in
// the timing wheel still fires on time.
func TestDeadlineEarlierThanIdle(t *testing.T) {
	closed := make(chan error, 1)
	_, addr := serve(t, Config{TimerResolution: 10 * time.Millisecond}, &funcs{
		open:  func(c *Conn) { c.SetDeadline(time.Now().Add(100 * time.Millisecond)) },
		close: func(c *Conn, err error) { closed <- err },
	})
	start := time.Now()
	dialStd(t, addr)
	select {
	case err := <-closed:
		if err != ErrTimeout {
			t.Fatalf("OnClose: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline did not fire")
	}
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("deadline fired after %v", d)
	}
}

func TestInputTooLarge(t *testing.T) {
	closed := make(chan error, 1)
	_, addr := serve(t, Config{MaxPendingInput: 1000}, &funcs{
		data:  func(c *Conn, in []byte) int { return 0 },
		close: func(c *Conn, err error) { closed <- err },
	})
	c := dialStd(t, addr)
	c.Write(make([]byte, 3000))
	if err := <-closed; err != ErrInputTooLarge {
		t.Fatalf("OnClose: %v", err)
	}
}
