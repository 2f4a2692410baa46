package deflate

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// TestReview14AbandonedStream: a stream (NextWriter) whose context is
// cancelled before its first frame goes is abandoned with the context's
// error; the connection goes on, and the next message arrives as it was
// sent, with and without context takeover. (The compressor must not keep
// what the abandoned stream gave it: the peer never saw those bytes.)
func TestReview14AbandonedStream(t *testing.T) {
	for _, o := range []Options{{ClientNoContextTakeover: true}, {}, {ClientNoContextTakeover: true, ClientMaxWindowBits: 10}} {
		url := exttest.Serve(t, &ws.Options{Extensions: []ws.Extension{New(Options{})}})
		c := exttest.Dial(t, url, &ws.Options{Extensions: []ws.Extension{New(o)}, AutoFragmentSize: 1024})
		sctx, cancel := context.WithCancel(context.Background())
		w, err := c.NextWriter(sctx, ws.OpBinary)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		// More than one buffer: the first one is flushed as a frame.
		if _, err := w.Write(bytes.Repeat([]byte("abandoned "), 300)); !errors.Is(err, context.Canceled) {
			t.Fatalf("%+v: Write after cancel: %v", o, err)
		}
		if err := w.Close(); !errors.Is(err, context.Canceled) {
			t.Fatalf("%+v: Close after cancel: %v", o, err)
		}
		ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
		msg := bytes.Repeat([]byte("hello world "), 100)
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			done()
			t.Fatalf("%+v: next message: %v", o, err)
		}
		_, got, err := c.ReadMessage(ctx)
		done()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%+v: echo of the next message: %d bytes %q..., %v", o, len(got), got[:min(len(got), 30)], err)
		}
	}
}
