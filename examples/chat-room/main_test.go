package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/examples/internal/exampletest"
	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

// members is how many clients join in the test; the room itself holds
// many thousands (run it and point `autobahn bench idle` at it).
const members = 200

// Every member gets every member's message, in the order each sender
// sent them.
func TestChatRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sctx, stop := context.WithCancel(ctx)
	out := exampletest.NewOutput()
	r := &room{}
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"-addr", "127.0.0.1:0"}, out, r) }()
	url := strings.Fields(out.WaitLine(t, "chat room on "))[3]

	conns := make([]*ws.Conn, members)
	for i := range conns {
		c, err := ws.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		conns[i] = c
	}
	// OnOpen runs on the loop after the client's Dial returned: wait for
	// the room to have everyone before talking.
	for r.size() < members {
		select {
		case <-ctx.Done():
			t.Fatalf("%d members joined, want %d", r.size(), members)
		case <-time.After(time.Millisecond):
		}
	}
	senders := []int{0, members / 2, members - 1}
	for round := range 2 {
		for _, s := range senders {
			if err := conns[s].WriteMessage(ctx, ws.OpText, fmt.Appendf(nil, "%d:%d", s, round)); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, c := range conns {
		next := map[int]int{} // sender → next round expected
		for range 2 * len(senders) {
			op, p, err := c.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("member %d: %v", i, err)
			}
			var s, round int
			if _, err := fmt.Sscanf(string(p), "%d:%d", &s, &round); err != nil || op != ws.OpText {
				t.Fatalf("member %d got %v %q", i, op, p)
			}
			if round != next[s] {
				t.Fatalf("member %d: from %d round %d, want %d", i, s, round, next[s])
			}
			next[s]++
		}
	}
	for _, c := range conns {
		c.Close(ws.StatusNormalClosure, "")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
}
