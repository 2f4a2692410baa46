package deflate

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
)

// cancelAfterEncode wraps an extension so that its codec's next Encode
// ends with a call of the cancel function armed: a context that expires
// while a message is being compressed.
type cancelAfterEncode struct {
	ws.Extension
	cancel atomic.Pointer[context.CancelFunc]
}

func (e *cancelAfterEncode) Accepted(ans ws.ExtensionOffer) (ws.Codec, error) {
	c, err := e.Extension.Accepted(ans)
	if err != nil {
		return nil, err
	}
	return cancelCodec{c, e}, nil
}

type cancelCodec struct {
	ws.Codec
	e *cancelAfterEncode
}

func (c cancelCodec) Encode(dst, p []byte, final bool) ([]byte, error) {
	dst, err := c.Codec.Encode(dst, p, final)
	if f := c.e.cancel.Swap(nil); f != nil {
		(*f)()
	}
	return dst, err
}

// TestReview14WriteCancelledAfterEncode: a WriteMessage (WriteMessages, a
// NextWriter stream) whose context ends while the message is compressed returns the
// context's error, and the message does not go. With context takeover the
// compressor's window then holds a message the peer never got: the
// connection must not carry another message compressed against it (the
// peer would decode it wrong, or fail with 1007); it is closed with 1011
// instead.
func TestReview14WriteCancelledAfterEncode(t *testing.T) {
	writes := map[string]func(c *ws.Conn, ctx context.Context, p []byte) error{
		"WriteMessage": func(c *ws.Conn, ctx context.Context, p []byte) error {
			return c.WriteMessage(ctx, ws.OpText, p)
		},
		"WriteMessages": func(c *ws.Conn, ctx context.Context, p []byte) error {
			return c.WriteMessages(ctx, ws.OpText, [][]byte{p, p})
		},
		"NextWriter": func(c *ws.Conn, ctx context.Context, p []byte) error {
			w, err := c.NextWriter(ctx, ws.OpText)
			if err != nil {
				return err
			}
			if _, err := w.Write(p); err != nil {
				return err
			}
			return w.Close()
		},
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			url := exttest.Serve(t, &ws.Options{Extensions: []ws.Extension{New(Options{})}})
			ext := &cancelAfterEncode{Extension: New(Options{})}
			c := exttest.Dial(t, url, &ws.Options{Extensions: []ws.Extension{ext}})
			ctx, done := context.WithTimeout(context.Background(), 10*time.Second)
			defer done()
			first := bytes.Repeat([]byte("first message, sent and echoed. "), 20)
			if err := c.WriteMessage(ctx, ws.OpText, first); err != nil {
				t.Fatal(err)
			}
			if _, got, err := c.ReadMessage(ctx); err != nil || !bytes.Equal(got, first) {
				t.Fatalf("echo of the first message: %v", err)
			}
			lost := bytes.Repeat([]byte("the lost one: never on the wire "), 20)
			wctx, cancel := context.WithCancel(context.Background())
			ext.cancel.Store(&cancel)
			if err := write(c, wctx, lost); !errors.Is(err, context.Canceled) {
				t.Fatalf("write cancelled while encoding: %v", err)
			}
			if err := c.WriteMessage(ctx, ws.OpText, lost); err == nil {
				_, got, err := c.ReadMessage(ctx)
				if err == nil && bytes.Equal(got, lost) {
					return // the message arrived as sent: fine too
				}
				t.Fatalf("next message after the cancelled one: echoed %q..., %v", got[:min(len(got), 40)], err)
			}
			_, _, err := c.ReadMessage(ctx)
			var ce *ws.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.StatusInternalError {
				t.Fatalf("read after the cancelled message: %v, want a close with 1011", err)
			}
		})
	}
}
