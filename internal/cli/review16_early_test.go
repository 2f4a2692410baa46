package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// brokenListener is a listener whose Accept fails for good once broken.
type brokenListener struct {
	net.Listener
	once   sync.Once
	broken chan struct{}
}

var errListenerBroken = errors.New("listener broken by the test")

func (l *brokenListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	select {
	case <-l.broken:
		if c != nil {
			_ = c.Close()
		}
		return nil, errListenerBroken
	default:
	}
	return c, err
}

// breakNow makes the pending and every later Accept fail.
func (l *brokenListener) breakNow() {
	l.once.Do(func() { close(l.broken) })
	_ = l.Listener.Close()
}

// runServeUntil runs serve with args until it returns on its own (the
// channel) or the test ends; it returns once serve printed a line
// containing want, with the line.
func runServeUntil(t *testing.T, want string, args ...string) (string, <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, append([]string{"serve"}, args...), pw, io.Discard, Extension{})
		pw.Close()
		errc <- err
		done <- err
	}()
	t.Cleanup(func() { cancel(); <-done })
	br := bufio.NewReader(pr)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("serve %v: %v before a line with %q", args, err, want)
		}
		if strings.Contains(line, want) {
			go func() { _, _ = io.Copy(io.Discard, br) }()
			return line, errc
		}
	}
}

// The metrics port's server ending early (its listener failed) ends
// serve with its error, the other servers shut down: serve ran on
// without its metrics port, and only said so when stopped.
func TestReview16ServeMetricsListenerFails(t *testing.T) {
	lns := make(chan *brokenListener, 4)
	listenHook = func(ln net.Listener) net.Listener {
		b := &brokenListener{Listener: ln, broken: make(chan struct{})}
		lns <- b
		return b
	}
	t.Cleanup(func() { listenHook = nil })
	_, errc := runServeUntil(t, "metrics on http://", "--driver", "loop", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0")
	var ln *brokenListener
	select {
	case ln = <-lns: // the only listener of listenTCP: the metrics port's
	default:
		t.Fatal("the metrics port was not opened through listenTCP")
	}
	ln.breakNow()
	select {
	case err := <-errc:
		if !errors.Is(err, errListenerBroken) || !strings.Contains(err.Error(), "--metrics-addr") {
			t.Fatalf("serve returned %v, want the metrics listener's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve still runs 5 s after its metrics port's listener failed")
	}
}

// So does the net/http server of --driver std, and the event loop of
// --loop-addr beside it is shut down, not left running.
func TestReview16ServeStdListenerFails(t *testing.T) {
	lns := make(chan *brokenListener, 4)
	listenHook = func(ln net.Listener) net.Listener {
		b := &brokenListener{Listener: ln, broken: make(chan struct{})}
		lns <- b
		return b
	}
	t.Cleanup(func() { listenHook = nil })
	line, errc := runServeUntil(t, "event-loop WebSocket echo on", "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0")
	loopAddr := find(t, `ws://(127\.0\.0\.1:\d+)/`, line)
	(<-lns).breakNow()
	select {
	case err := <-errc:
		if !errors.Is(err, errListenerBroken) {
			t.Fatalf("serve returned %v, want the listener's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve still runs 5 s after its listener failed")
	}
	if c, err := net.Dial("tcp", loopAddr); err == nil {
		c.Close()
		t.Fatalf("serve returned, and its event loop still listens on %s", loopAddr)
	}
}

// So does the RawSocket listener's accept loop (--rawsocket-addr): it
// logged "no more connections" and serve ran on without RawSocket.
func TestReview16ServeRawSocketListenerFails(t *testing.T) {
	lns := make(chan *brokenListener, 4)
	listenHook = func(ln net.Listener) net.Listener {
		b := &brokenListener{Listener: ln, broken: make(chan struct{})}
		lns <- b
		return b
	}
	t.Cleanup(func() { listenHook = nil })
	_, errc := runServeUntil(t, "rawsocket tcp://", "--driver", "loop", "--addr", "127.0.0.1:0", "--rawsocket-addr", "127.0.0.1:0")
	var ln *brokenListener
	select {
	case ln = <-lns: // the only listener of listenTCP: RawSocket's
	default:
		t.Fatal("the RawSocket port was not opened through listenTCP")
	}
	ln.breakNow()
	select {
	case err := <-errc:
		if !errors.Is(err, errListenerBroken) || !strings.Contains(err.Error(), "--rawsocket-addr") {
			t.Fatalf("serve returned %v, want the RawSocket listener's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve still runs 5 s after its RawSocket listener failed")
	}
}
