//go:build linux && !eventloop_goroutines

package eventloop_test

import (
	"context"
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
