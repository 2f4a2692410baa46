package rawsocket_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// Close while a large write is stuck (the peer reads nothing) ends that
// write and the Send doing it, after Close's short flush; every later
// Send, of any goroutine, returns ErrClosed.
func TestReview14CloseDuringLargeWrite(t *testing.T) {
	c, _ := rawPeer(t, 0)
	big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 12<<20)}}
	sent := make(chan error, 1)
	go func() { sent <- c.Send(context.Background(), big) }()
	deadline := time.Now().Add(10 * time.Second)
	for !rawsocket.Writing(c) {
		if time.Now().After(deadline) {
			t.Fatal("the write never started")
		}
		time.Sleep(time.Millisecond)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Send(context.Background(), &wamp.Publish{Request: 2, Options: wamp.Dict{}, Topic: "t"})
		}()
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := <-sent; err == nil {
		t.Fatal("the stuck Send reported success")
	}
	wg.Wait()
	close(errs)
	for range errs {
		// queued behind the stuck write (nil) or refused: either is fine
	}
	if err := c.Send(context.Background(), big); !errors.Is(err, rawsocket.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if err := c.Ping(context.Background(), []byte("x")); err == nil {
		t.Fatal("Ping after Close succeeded")
	}
	if _, err := c.Recv(context.Background()); !errors.Is(err, rawsocket.ErrClosed) {
		t.Fatalf("Recv after Close: %v", err)
	}
}
