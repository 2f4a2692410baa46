package wsloop_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// TestDecodePoolLeavesAProcessor: the pool that decodes costly messages
// off the loop runs at most GOMAXPROCS-1 decodes at once (at least one),
// so that four bzip2 bombs cannot take every processor from the loops and
// from the process's other goroutines. With one decode more than that
// waiting at the gate, the last starts only when one ends; all messages
// are echoed once the gate opens. (On one processor the bound is the old
// one: the test cannot tell them apart there.)
func TestDecodePoolLeavesAProcessor(t *testing.T) {
	limit := max(1, runtime.GOMAXPROCS(0)-1)
	ext := newGateExt()
	opened := false
	defer func() {
		if !opened {
			close(ext.gate)
		}
	}()
	opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{ext}}
	u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1})
	ctx := context.Background()
	clients := make([]*ws.Conn, limit+1)
	for i := range clients {
		clients[i] = dial(t, u, opts)
		if err := clients[i].WriteMessage(ctx, ws.OpBinary, []byte("block:"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range limit {
		select {
		case <-ext.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d decodes started", i)
		}
	}
	// The last message was sent before the others' decodes started: a
	// pool with a worker per processor would start it at once. It is
	// given a moment to (a wait for something that must not happen).
	select {
	case <-ext.entered:
		t.Fatalf("%d decodes ran at once with GOMAXPROCS %d: the pool left no processor", limit+1, runtime.GOMAXPROCS(0))
	case <-time.After(300 * time.Millisecond):
	}
	opened = true
	close(ext.gate)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i, c := range clients {
		if _, p, err := c.ReadMessage(rctx); err != nil || string(p) != "block:"+strconv.Itoa(i) {
			t.Fatalf("client %d: echo %q, %v", i, p, err)
		}
	}
}
