//go:build linux && !eventloop_goroutines

package eventloop_test

import (
	"context"
	"errors"
	"syscall"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
)

// Config.ReusePort lets a second one-loop Loop (another prefork process)
// listen on the port of the first; without it the port is taken.
func TestReusePortOneLoop(t *testing.T) {
	var loops []*eventloop.Loop
	defer func() {
		for _, l := range loops {
			if err := l.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
		}
	}()
	newLoop := func(reuse bool) *eventloop.Loop {
		l, err := eventloop.New(eventloop.Config{Loops: 1, ReusePort: reuse}, echo{})
		if err != nil {
			t.Fatal(err)
		}
		loops = append(loops, l)
		return l
	}
	addr, err := newLoop(true).Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newLoop(true).Listen("tcp", addr.String()); err != nil {
		t.Fatalf("a second ReusePort listener: %v", err)
	}
	if _, err := newLoop(false).Listen("tcp", addr.String()); err == nil {
		t.Fatal("a listener without ReusePort took the shared port")
	}
}

// Several loops share a port through SO_REUSEPORT sockets of their own;
// without Config.ReusePort that must not let a second server of the same
// kind join them (the kernel would split the connections between the two
// processes, silently): its Listen fails as a plain bind would.
func TestLoopsDoNotSharePort(t *testing.T) {
	var loops []*eventloop.Loop
	defer func() {
		for _, l := range loops {
			if err := l.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
		}
	}()
	newLoop := func(n int, reuse bool) *eventloop.Loop {
		l, err := eventloop.New(eventloop.Config{Loops: n, ReusePort: reuse}, echo{})
		if err != nil {
			t.Fatal(err)
		}
		loops = append(loops, l)
		return l
	}
	addr, err := newLoop(2, false).Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 2, 3} {
		if _, err := newLoop(n, false).Listen("tcp", addr.String()); !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatalf("a second server with %d loops on a taken port: %v, want EADDRINUSE", n, err)
		}
	}
	// A port the first ReusePort server holds is shared on purpose (prefork).
	shared, err := newLoop(2, true).Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newLoop(2, true).Listen("tcp", shared.String()); err != nil {
		t.Fatalf("a second ReusePort server: %v", err)
	}
	if _, err := newLoop(2, false).Listen("tcp", shared.String()); !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("a server without ReusePort joined a ReusePort group: %v", err)
	}
}
