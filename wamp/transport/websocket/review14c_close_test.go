package websocket_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// TestReview14cSendRacingClose: Sends from several goroutines while Close
// runs: each returns nil or ErrClosed (no other error, no panic), and
// every Send that returned nil reached the peer before the close frame.
// (The race that could drop an accepted message, an Add just as Drain's
// wait ended, is pinned down by coalesce's TestReview14cDrainRacesAdd;
// this is the same promise through the public API.)
func TestReview14cSendRacingClose(t *testing.T) {
	for round := range 10 {
		var received atomic.Int64
		peerDone := make(chan struct{})
		url := rawServer(t, []string{"wamp.2.json"}, func(c *ws.Conn) {
			defer close(peerDone)
			for {
				if _, _, err := c.ReadMessage(context.Background()); err != nil {
					return
				}
				received.Add(1)
			}
		})
		c := dial(t, url, websocket.Options{Serializers: all})
		var sent atomic.Int64
		var wg sync.WaitGroup
		started := make(chan struct{}, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := &wamp.Published{Request: 1, Publication: 2}
				for i := 0; ; i++ {
					err := c.Send(context.Background(), m)
					if err != nil {
						if !errors.Is(err, websocket.ErrClosed) {
							t.Errorf("Send racing Close: %v", err)
						}
						return
					}
					sent.Add(1)
					if i == 10 {
						started <- struct{}{}
					}
				}
			}()
		}
		<-started // Close while the senders send
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		<-peerDone
		if s, r := sent.Load(), received.Load(); s != r {
			t.Fatalf("round %d: %d Sends returned nil, the peer received %d messages", round, s, r)
		}
	}
}

// TestReview14cCloseEndsRoomWait: a Send waiting for room in a full queue
// (the peer reads nothing) returns ErrClosed when Close is called, and so
// does the Send stuck in the write (Close abandons it after its drain).
func TestReview14cCloseEndsRoomWait(t *testing.T) {
	c := dial(t, stalledServer(t), websocket.Options{Serializers: all, WriteQueue: 64 << 10, WriteTimeout: time.Minute})
	m := bigPublish()
	// Two senders: one becomes the writer stuck in its write (or queues
	// behind it), the other then finds the queue full and waits for room.
	res := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				if err := c.Send(context.Background(), m); err != nil {
					res <- err
					return
				}
			}
		}()
	}
	// Wait until that Send waits for room (the writer is stuck in its write).
	deadline := time.Now().Add(20 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if waitsForRoom(stacks) {
			break
		}
		select {
		case err := <-res:
			t.Fatalf("Send: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no Send waits for room:\n%s", stacks)
		}
		runtime.Gosched()
	}
	if err := c.Close(); err != nil {
		t.Logf("Close: %v", err)
	}
	for range 2 {
		if err := <-res; !errors.Is(err, websocket.ErrClosed) {
			t.Fatalf("Send waiting for room or stuck writing, after Close: %v", err)
		}
	}
}

// waitsForRoom reports whether one of the goroutines in stacks waits in
// coalesce's Add for room (blocked in its select, not writing).
func waitsForRoom(stacks string) bool {
	for g := range strings.SplitSeq(stacks, "\n\n") {
		if strings.Contains(g, "[select") && strings.Contains(g, "coalesce.(*Queue).Add(") &&
			!strings.Contains(g, "coalesce.(*Queue).flush(") {
			return true
		}
	}
	return false
}
