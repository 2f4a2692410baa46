//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// holdPort binds ip:port without listening (a connect to it is refused) or, with hole, listens
// there with a full accept queue (a connect to it stays in SYN-SENT: the kernel drops its SYNs).
func holdPort(t *testing.T, ip [4]byte, port int, hole bool) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: ip, Port: port}); err != nil {
		t.Skipf("%v:%d is taken: %v", ip, port, err)
	}
	if !hole {
		return
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	dialStd(t, net.JoinHostPort(net.IP(ip[:]).String(), strconv.Itoa(port))) // backlog 0 holds one
}

// TestDialRacesAddresses: Dial to a name whose first address does not answer connects to the
// next one after the fallback delay (RFC 8305, net.Dialer's FallbackDelay), without waiting for
// the first to time out; the attempt that lost is closed, and OnOpen runs for the winner only.
// The pollers tried the addresses one after another, so the dial waited for ctx to end.
func TestDialRacesAddresses(t *testing.T) {
	opens := make(chan *Conn, 4)
	l, addr := serve(t, Config{Loops: 2}, &funcs{open: func(c *Conn) { opens <- c }})
	_, ps, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(ps)
	holdPort(t, [4]byte{127, 0, 0, 2}, port, true)
	fakeHosts(t, map[string][]string{"he.test": {"127.0.0.2", "127.0.0.1"}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := l.Dial(ctx, "tcp", "he.test:"+ps)
	if err != nil {
		t.Fatalf("Dial with a black-holed first address: %v", err)
	}
	defer c.Close()
	if ra, _ := c.RemoteAddr().(*net.TCPAddr); ra == nil || !ra.IP.Equal(net.IPv4(127, 0, 0, 1)) {
		t.Fatalf("dialed %v, want 127.0.0.1", c.RemoteAddr())
	}
	if n := synSentTo(port); n != 0 {
		t.Errorf("%d attempts still connecting after Dial returned", n)
	}
	waitFor(t, "the accepted side", func() bool { return l.Stats().Accepted == 1 })
	// Two opens: the dialed connection's and its accepted peer's.
	if a, b := <-opens, <-opens; (a == c) == (b == c) {
		t.Fatal("OnOpen did not run once for the connection Dial returned")
	}
	select {
	case <-opens:
		t.Fatal("OnOpen ran for more than the dialed and the accepted connections")
	default:
	}
	if st := l.Stats(); st.Dialed != 1 || st.Conns != 2 {
		t.Fatalf("stats after one dial: %+v", st)
	}
}

// TestDialRaceEndsWithCtx: a dial whose addresses all black-hole ends when ctx does, with every
// attempt closed.
func TestDialRaceEndsWithCtx(t *testing.T) {
	l, addr := serve(t, Config{Loops: 1}, &funcs{})
	_, ps, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(ps)
	holdPort(t, [4]byte{127, 0, 0, 2}, port, true)
	holdPort(t, [4]byte{127, 0, 0, 3}, port, true)
	fakeHosts(t, map[string][]string{"holes.test": {"127.0.0.2", "127.0.0.3"}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		c, err := l.Dial(ctx, "tcp", "holes.test:"+ps)
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	waitFor(t, "both attempts", func() bool { return synSentTo(port) == 2 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial: %v, want context.Canceled", err)
	}
	waitFor(t, "the attempts to close", func() bool { return synSentTo(port) == 0 })
	if st := l.Stats(); st.Conns != 0 || st.Dialed != 0 {
		t.Fatalf("stats after a cancelled dial: %+v", st)
	}
}

// TestDialJoinsErrors: when every address fails, Dial's error names each one's failure, not only
// the first's.
func TestDialJoinsErrors(t *testing.T) {
	l, addr := serve(t, Config{Loops: 1}, &funcs{})
	_, ps, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(ps)
	holdPort(t, [4]byte{127, 0, 0, 2}, port, false)
	holdPort(t, [4]byte{127, 0, 0, 3}, port, false)
	fakeHosts(t, map[string][]string{"refused.test": {"127.0.0.2", "127.0.0.3"}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := l.Dial(ctx, "tcp", "refused.test:"+ps)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial: %v, want ECONNREFUSED", err)
	}
	for _, a := range []string{"127.0.0.2", "127.0.0.3"} {
		if !strings.Contains(err.Error(), a) {
			t.Errorf("Dial's error %q does not name %s", err, a)
		}
	}
}

// TestDialGivenUpDuringOnOpen: a Dial whose ctx ends while OnOpen runs returns ctx's error, and
// the connection it will not return is closed with that error rather than left open, unowned.
func TestDialGivenUpDuringOnOpen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	inOpen, release := make(chan struct{}), make(chan struct{})
	closed := make(chan error, 1)
	l, _ := serve(t, Config{Loops: 1}, &funcs{
		open: func(c *Conn) {
			if c.RemoteAddr().String() == ln.Addr().String() {
				close(inOpen)
				<-release
			}
		},
		close: func(c *Conn, err error) {
			if c.RemoteAddr().String() == ln.Addr().String() {
				closed <- err
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := l.Dial(ctx, "tcp", ln.Addr().String())
		done <- err
	}()
	<-inOpen
	cancel()
	err = <-done
	close(release)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial: %v, want context.Canceled", err)
	}
	select {
	case err := <-closed:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("OnClose of the connection Dial gave up: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection Dial gave up is still open")
	}
	waitFor(t, "no open connection", func() bool { return l.Stats().Conns == 0 })
}

// TestDialRaceEndsAtShutdown: Shutdown ends a dial racing several addresses with ErrShutdown, and
// closes every attempt.
func TestDialRaceEndsAtShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	holdPort(t, [4]byte{127, 0, 0, 2}, port, true)
	holdPort(t, [4]byte{127, 0, 0, 3}, port, true)
	fakeHosts(t, map[string][]string{"holes.test": {"127.0.0.2", "127.0.0.3"}})
	l, err := New(Config{Loops: 2}, &funcs{})
	if err != nil {
		t.Fatal(err)
	}
	run := make(chan error, 1)
	go func() { run <- l.Run() }()
	waitFor(t, "Run to start", func() bool { return l.state.Load() != loopNew })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dialed := make(chan error, 1)
	go func() {
		c, err := l.Dial(ctx, "tcp", "holes.test:"+strconv.Itoa(port))
		if c != nil {
			c.Close()
		}
		dialed <- err
	}()
	waitFor(t, "both attempts", func() bool { return synSentTo(port) == 2 })
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
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatalf("Dial still connecting after Shutdown returned (ended with %v once cancelled)", <-dialed)
	}
	if n := synSentTo(port); n != 0 {
		t.Fatalf("%d attempts still connecting after Shutdown", n)
	}
}
