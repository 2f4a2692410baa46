package wsloop_test

import (
	"os"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review18Pollers counts this process's open epoll and eventfd
// descriptors, which the package's leak check leaves out (the runtime
// has its own).
func review18Pollers(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	n := 0
	for _, e := range ents {
		target, _ := os.Readlink("/proc/self/fd/" + e.Name())
		if strings.HasPrefix(target, "anon_inode:[eventpoll]") || strings.HasPrefix(target, "anon_inode:[eventfd]") {
			n++
		}
	}
	return n
}

// TestReview18StatsBeforeListen: Stats on a Server that never listened
// reports zeros and opens nothing. It made the loops (a poller and a
// wake-up descriptor each on the poller backend), which stayed open for
// a server never started or shut down.
func TestReview18StatsBeforeListen(t *testing.T) {
	before := review18Pollers(t)
	srv := &wsloop.Server{Handler: ws.BaseHandler{}, Config: eventloop.Config{Loops: 2}}
	if st := srv.Stats(); st != (eventloop.Stats{}) {
		t.Fatalf("Stats before Listen = %+v, want zeros", st)
	}
	if after := review18Pollers(t); after > before {
		t.Fatalf("Stats before Listen opened %d poller descriptors", after-before)
	}
	// The server still starts as usual afterwards.
	if _, err := srv.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
}
