package wsloop_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// TestReviewStreamNotHeldByFollowers: a NextWriter stream that waits for
// room before each write (its writer's WaitWritable, as documented for streams) goes on
// while a message another goroutine wrote meanwhile waits behind it. That
// message goes out only after the stream; counted against the stream, it
// kept the pending output over the watermarks for as long as the stream
// was open: the stream's WaitWritable waited for ever (for its own end),
// and its writes without waiting failed with ErrQueueFull.
func TestReviewStreamNotHeldByFollowers(t *testing.T) {
	h := &holder{open: make(chan *ws.Conn, 1)}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1})
	c := dial(t, u, &ws.Options{PingInterval: -1})
	sc := <-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := sc.NextWriter(ctx, ws.OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("s"), 40<<10)
	if _, err := w.Write(chunk); err != nil {
		t.Fatal(err)
	}
	// Another goroutine's message, accepted while the stream holds the tail.
	follower := bytes.Repeat([]byte("f"), 200<<10)
	if err := sc.WriteMessage(ctx, ws.OpBinary, follower); err != nil {
		t.Fatal(err)
	}
	read := make(chan [][]byte, 1)
	go func() {
		var got [][]byte
		for range 2 {
			_, p, err := c.ReadMessage(ctx)
			if err != nil {
				t.Error(err)
				break
			}
			got = append(got, append([]byte(nil), p...))
		}
		read <- got
	}()
	want := append([]byte(nil), chunk...)
	for i := range 8 {
		wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
		err := w.(interface {
			WaitWritable(context.Context) error
		}).WaitWritable(wctx)
		wcancel()
		if err != nil {
			_ = w.Close()
			t.Fatalf("stream write %d: WaitWritable: %v (%d bytes pending)", i, err, sc.Pending())
		}
		if _, err := w.Write(chunk); err != nil {
			_ = w.Close()
			t.Fatalf("stream write %d: %v", i, err)
		}
		want = append(want, chunk...)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := <-read
	if len(got) != 2 || !bytes.Equal(got[0], want) || !bytes.Equal(got[1], follower) {
		t.Fatalf("got %d messages", len(got))
	}
}

// TestWaitBehindStream: a goroutine that waits for room (Conn.WaitWritable)
// while the messages held behind an open stream fill the bound waits until
// the stream ends and they drain; it is not told there is room while its
// write would still be refused (which would have it spin), and the stream
// goes on meanwhile with its writer's own WaitWritable.
func TestWaitBehindStream(t *testing.T) {
	h := &holder{open: make(chan *ws.Conn, 1)}
	u, _ := serve(t, h, &ws.Options{PingInterval: -1}, eventloop.Config{Loops: 1})
	c := dial(t, u, &ws.Options{PingInterval: -1})
	sc := <-h.open
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := sc.NextWriter(ctx, ws.OpBinary)
	if err != nil {
		t.Fatal(err)
	}
	streamWait := w.(interface {
		WaitWritable(context.Context) error
	}).WaitWritable
	chunk := bytes.Repeat([]byte("s"), 40<<10)
	if _, err := w.Write(chunk); err != nil {
		t.Fatal(err)
	}
	follower := bytes.Repeat([]byte("f"), 16<<10)
	held := 0
	for {
		err := sc.WriteMessage(ctx, ws.OpBinary, follower)
		if err == ws.ErrQueueFull {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		held++
	}
	read := make(chan int, 1)
	go func() {
		n := 0
		for range held + 2 {
			if _, _, err := c.ReadMessage(ctx); err != nil {
				t.Error(err)
				break
			}
			n++
		}
		read <- n
	}()
	for i := range 8 {
		if err := streamWait(ctx); err != nil {
			t.Fatalf("stream write %d: its WaitWritable: %v", i, err)
		}
		if _, err := w.Write(chunk); err != nil {
			t.Fatalf("stream write %d: %v", i, err)
		}
	}
	// The stream's own output drained to its watermarks (what is ahead of
	// it); what waits behind it (held × 16 KiB) is over the high one.
	if err := streamWait(ctx); err != nil {
		t.Fatal(err)
	}
	// Done already: a wait ends with ctx's error, an answer "room now"
	// with nil.
	done, stop := context.WithCancel(ctx)
	stop()
	if err := sc.WaitWritable(done); err != context.Canceled {
		t.Fatalf("WaitWritable: %v while %d messages wait behind the open stream, want it to wait", err, held)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sc.WaitWritable(ctx); err != nil {
		t.Fatalf("WaitWritable after the stream: %v", err)
	}
	if err := sc.WriteMessage(ctx, ws.OpBinary, follower); err != nil {
		t.Fatalf("write after the wait: %v", err)
	}
	if n := <-read; n != held+2 {
		t.Fatalf("read %d messages, want %d", n, held+2)
	}
}
