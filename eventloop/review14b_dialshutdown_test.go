//go:build linux

package eventloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// blackhole returns the address of a listener whose accept queue is full: a connect to it stays
// in SYN-SENT (the kernel drops its SYNs) until the caller gives up.
func blackhole(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	dialStd(t, addr) // fills the queue (backlog 0 holds one connection)
	return addr
}

// synSentTo counts this host's sockets that connect to port and wait in SYN-SENT.
func synSentTo(port int) int {
	n := 0
	suffix := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			if x := strings.Fields(line); len(x) > 3 && strings.HasSuffix(x[2], suffix) && x[3] == "02" {
				n++
			}
		}
	}
	return n
}

// TestReviewDialEndsAtShutdown: Shutdown ends a Dial still connecting with ErrShutdown, on every
// backend (the goroutine fallback left it connecting until its context or the kernel gave up).
func TestReviewDialEndsAtShutdown(t *testing.T) {
	addr := blackhole(t)
	var port int
	fmt.Sscanf(addr[strings.LastIndexByte(addr, ':')+1:], "%d", &port)

	l, err := New(Config{Loops: 1}, &funcs{})
	if err != nil {
		t.Fatal(err)
	}
	run := make(chan error, 1)
	go func() { run <- l.Run() }()
	waitFor(t, "Run to start", func() bool { return l.state.Load() != loopNew })

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dialed := make(chan error, 1)
	go func() {
		c, err := l.Dial(ctx, "tcp", addr)
		if c != nil {
			c.Close()
		}
		dialed <- err
	}()
	waitFor(t, "the connect to wait in SYN-SENT", func() bool { return synSentTo(port) > 0 })

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := l.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-run; err != nil {
		t.Errorf("Run: %v", err)
	}
	select {
	case err := <-dialed:
		if !errors.Is(err, ErrShutdown) {
			t.Fatalf("Dial ended by Shutdown: %v, want ErrShutdown", err)
		}
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatalf("Dial still connecting 15 s after Shutdown returned (ended with %v once cancelled)", <-dialed)
	}
}

// TestReviewConnsCountsOpenOnly: Stats.Conns counts open connections, not a Dial still
// connecting, on every backend (the pollers counted it from the connect on).
func TestReviewConnsCountsOpenOnly(t *testing.T) {
	addr := blackhole(t)
	var port int
	fmt.Sscanf(addr[strings.LastIndexByte(addr, ':')+1:], "%d", &port)

	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	ctx, cancel := context.WithCancel(context.Background())
	dialed := make(chan error, 1)
	go func() {
		_, err := l.Dial(ctx, "tcp", addr)
		dialed <- err
	}()
	waitFor(t, "the connect to wait in SYN-SENT", func() bool { return synSentTo(port) > 0 })
	conns := l.Stats().Conns
	cancel()
	if err := <-dialed; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Dial: %v", err)
	}
	if conns != 0 {
		t.Fatalf("Stats.Conns = %d while a Dial connects, want 0", conns)
	}
	if st := l.Stats(); st.Conns != 0 || st.Closed != 0 || st.Dialed != 0 {
		t.Fatalf("after the cancelled Dial: %+v", st)
	}
}

// TestReviewDialContextErrors: a Dial that its context ends while it connects returns the
// context's error, on every backend (the goroutine fallback returned the net package's "i/o
// timeout" in about one run in five, which is not context.DeadlineExceeded: the socket's deadline,
// set from the context's, could fire before the context was done). Twenty tries make a failure
// all but certain without the fix.
func TestReviewDialContextErrors(t *testing.T) {
	addr := blackhole(t)
	l, _ := serve(t, Config{Loops: 1}, &funcs{})
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := l.Dial(ctx, "tcp", addr)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Dial past its deadline (try %d): %v", i, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Dial(ctx, "tcp", addr); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial with a cancelled context: %v", err)
	}
	if st := l.Stats(); st.Conns != 0 || st.Dialed != 0 {
		t.Fatalf("after the failed dials: %+v", st)
	}
}
