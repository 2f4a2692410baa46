//go:build linux && !eventloop_goroutines

package eventloop

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// socketPair returns both ends of a new non-blocking unix stream socket pair.
func socketPair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fds[0], fds[1]
}

// TestStaleEvent: an event the poller returned for a connection that is closed, and whose fd a
// new connection took, before the event is handled, is dropped instead of reaching the new one.
// The test drives one loop by hand (it does not Run).
func TestStaleEvent(t *testing.T) {
	var mu sync.Mutex
	got := map[*Conn]string{}
	closed := map[*Conn]error{}
	l, err := New(Config{Loops: 1}, &funcs{
		data: func(c *Conn, in []byte) int {
			mu.Lock()
			got[c] += string(in)
			mu.Unlock()
			return len(in)
		},
		close: func(c *Conn, err error) {
			mu.Lock()
			closed[c] = err
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(context.Background()) })
	lp := l.loops[0]
	lp.now = lp.nanotime()
	pair := func() (int, int) { return socketPair(t) }

	// Connection a gets input: the poller reports it.
	fd, peerA := pair()
	defer unix.Close(peerA)
	lp.openAccepted(fd, netip.AddrPort{})
	a := lp.l.fds.get(fd)
	unix.Write(peerA, []byte("old"))
	n, err := lp.p.wait(5000)
	if err != nil || n != 1 {
		t.Fatalf("wait: %d events, %v", n, err)
	}
	if efd, gen, r, _, _ := lp.p.event(0); efd != fd || gen != a.gen || !r {
		t.Fatalf("event fd %d gen %d readable %v; want fd %d gen %d readable", efd, gen, r, fd, a.gen)
	}

	// Before the batch is handled, a closes and b takes its fd number, with input of its own.
	lp.closeConn(a, nil)
	nb, peerB := pair()
	defer unix.Close(peerB)
	if nb != fd { // usually the kernel hands out fd again by itself
		if err := unix.Dup3(nb, fd, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		unix.Close(nb)
	}
	lp.openAccepted(fd, netip.AddrPort{})
	b := lp.l.fds.get(fd)
	if b == nil || b == a || b.gen == a.gen {
		t.Fatalf("new connection %p (gen %d) on fd %d, old %p (gen %d)", b, b.gen, fd, a, a.gen)
	}
	unix.Write(peerB, []byte("new"))

	// The stale event of a must not read b's input.
	lp.events(n)
	mu.Lock()
	if s := got[b]; s != "" {
		t.Errorf("the stale event of the closed connection read %q from the new one", s)
	}
	mu.Unlock()

	// b's own event does.
	n, err = lp.p.wait(5000)
	if err != nil || n != 1 {
		t.Fatalf("wait: %d events, %v", n, err)
	}
	lp.events(n)
	mu.Lock()
	defer mu.Unlock()
	if s := got[b]; s != "new" {
		t.Errorf("new connection read %q, want \"new\"", s)
	}
	if _, ok := closed[b]; ok {
		t.Errorf("new connection closed: %v", closed[b])
	}
	if got[a] != "" {
		t.Errorf("old connection read %q", got[a])
	}
}

// TestStaleEventOtherLoop: the loops share one table of connections by fd. A loop's stale event
// for an fd that it closed, and that the kernel then gave to another loop's connection of the same
// generation (each loop counts its own), is dropped: it must not reach a connection of another loop.
// The test drives two loops by hand (they do not Run).
func TestStaleEventOtherLoop(t *testing.T) {
	var mu sync.Mutex
	got := map[*Conn]string{}
	l, err := New(Config{Loops: 2}, &funcs{
		data: func(c *Conn, in []byte) int {
			mu.Lock()
			got[c] += string(in)
			mu.Unlock()
			return len(in)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(context.Background()) })
	lp0, lp1 := l.loops[0], l.loops[1]
	lp0.now, lp1.now = lp0.nanotime(), lp1.nanotime()
	pair := func() (int, int) { return socketPair(t) }
	fd, peerA := pair()
	defer unix.Close(peerA)
	lp0.openAccepted(fd, netip.AddrPort{})
	a := l.fds.get(fd)
	unix.Write(peerA, []byte("old"))
	n, err := lp0.p.wait(5000)
	if err != nil || n != 1 {
		t.Fatalf("wait: %d events, %v", n, err)
	}
	// a closes; loop 1 opens b on the same fd number, with the generation of a.
	lp0.closeConn(a, nil)
	nb, peerB := pair()
	defer unix.Close(peerB)
	if nb != fd {
		if err := unix.Dup3(nb, fd, unix.O_CLOEXEC); err != nil {
			t.Fatal(err)
		}
		unix.Close(nb)
	}
	lp1.gen = a.gen - 1
	lp1.openAccepted(fd, netip.AddrPort{})
	b := l.fds.get(fd)
	if b == nil || b == a || b.lp != lp1 || b.gen != a.gen {
		t.Fatalf("new connection %p (gen %d) on fd %d, old %p (gen %d)", b, b.gen, fd, a, a.gen)
	}
	unix.Write(peerB, []byte("new"))
	lp0.events(n) // loop 0's stale event for fd
	mu.Lock()
	s := got[b]
	mu.Unlock()
	if s != "" {
		t.Fatalf("loop 0's stale event read %q from loop 1's connection", s)
	}
	// Loop 1's own event reads it.
	if n, err = lp1.p.wait(5000); err != nil || n != 1 {
		t.Fatalf("wait: %d events, %v", n, err)
	}
	lp1.events(n)
	mu.Lock()
	defer mu.Unlock()
	if s := got[b]; s != "new" {
		t.Errorf("loop 1's connection read %q, want \"new\"", s)
	}
}

// TestPollError: when the poller fails (here: its fd no longer is an epoll instance), Run closes the
// connections with the error and returns it, wrapped, instead of retrying forever; the other loops
// stop too.
func TestPollError(t *testing.T) {
	opened := make(chan *Conn, 8)
	closed := make(chan error, 8)
	l, err := New(Config{Loops: 2}, &funcs{
		open:  func(c *Conn) { opened <- c },
		close: func(c *Conn, err error) { closed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := l.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	cl := dialStd(t, addr.String())
	sc := <-opened
	lp := sc.lp

	// Put /dev/null in place of the loop's epoll fd: its next epoll_wait fails with EINVAL. The
	// loop closes the fd it holds (now the /dev/null one) when it stops, so nothing leaks.
	null, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Dup3(null, lp.p.fd, unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(null)
	lp.post(func() {}) // wake the loop, maybe in an epoll_wait on the old instance

	select {
	case err := <-done:
		if !errors.Is(err, unix.EINVAL) {
			t.Fatalf("Run: %v, want an EINVAL poll error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the poller failed")
	}
	if err := <-closed; !errors.Is(err, unix.EINVAL) {
		t.Fatalf("OnClose: %v, want the poll error", err)
	}
	cl.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := cl.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("peer read: %v, want EOF", err)
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown after the failure: %v", err)
	}
	if _, err := l.Listen("tcp", "127.0.0.1:0"); err != ErrClosed {
		t.Fatalf("Listen after the failure: %v", err)
	}
}
