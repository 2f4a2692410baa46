package wsloop_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// panicExt is an identity per-message extension whose encoder panics on
// a message that starts with "boom" when panics is set (the server's).
type panicExt struct{ panics bool }

func (e panicExt) Name() string                { return "x-panic" }
func (e panicExt) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-panic"}} }
func (e panicExt) Accept([]ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	return ws.ExtensionOffer{Name: "x-panic"}, panicCodec(e), true, nil
}
func (e panicExt) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return panicCodec(e), nil }

type panicCodec struct{ panics bool }

func (panicCodec) Rsv() byte                   { return ws.Rsv1 }
func (panicCodec) Encodes(ws.Opcode, int) bool { return true }
func (c panicCodec) Encode(dst, p []byte, _ bool) ([]byte, error) {
	if c.panics && bytes.HasPrefix(p, []byte("boom")) {
		panic("encoder bug")
	}
	return append(dst, p...), nil
}
func (panicCodec) Decode(dst, p []byte, _ bool, _ int64) ([]byte, error) {
	return append(dst, p...), nil
}

// TestReviewEncodePanicKeepsLoop: an extension's encoder that panics while
// the handler echoes on the loop is contained like any handler panic: the
// connection closes with 1011 and the loop goes on serving. The encoder
// runs under the output queue's lock; a panic there used to leave the lock
// held, and the guard's Close (which queues the close frame under that
// lock) then deadlocked the loop and every connection on it.
func TestReviewEncodePanicKeepsLoop(t *testing.T) {
	srvOpts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{panicExt{panics: true}}}
	cliOpts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{panicExt{}}}
	u, _ := serve(t, newEcho(), srvOpts, eventloop.Config{Loops: 1})
	c := dial(t, u, cliOpts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.WriteMessage(ctx, ws.OpText, []byte("boom")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusInternalError {
		t.Fatalf("after the encoder's panic: %v (want a close with 1011)", err)
	}
	other := dial(t, u, cliOpts)
	if err := other.WriteMessage(ctx, ws.OpText, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := other.ReadMessage(ctx); err != nil || string(p) != "hi" {
		t.Fatalf("the loop stopped serving: %q, %v", p, err)
	}
}
