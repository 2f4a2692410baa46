package wsloop_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
)

// boomExt is a per-message extension whose codec is the identity, and
// whose decoding panics on a piece that starts with "boom".
type boomExt struct{}

func (boomExt) Name() string                { return "x-boom" }
func (boomExt) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-boom"}} }
func (boomExt) Accept([]ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	return ws.ExtensionOffer{Name: "x-boom"}, boomCodec{}, true, nil
}
func (boomExt) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return boomCodec{}, nil }

type boomCodec struct{}

func (boomCodec) Rsv() byte                                    { return ws.Rsv1 }
func (boomCodec) Encodes(ws.Opcode, int) bool                  { return true }
func (boomCodec) Encode(dst, p []byte, _ bool) ([]byte, error) { return append(dst, p...), nil }
func (boomCodec) Decode(dst, p []byte, _ bool, _ int64) ([]byte, error) {
	if bytes.HasPrefix(p, []byte("boom")) {
		panic("boom codec")
	}
	return append(dst, p...), nil
}

// TestReview15DecodePanicOffTheLoop: a codec whose decoding panics ends
// the connection with 1011 and a logged panic whether the piece was
// decoded on the loop (small) or off it (over InlineDecodeMax), as an
// encoder's panic does. Off the loop the panic was turned into 1007,
// "invalid frame payload data" (blaming the peer for our bug), and
// nothing was logged at the default level.
func TestReview15DecodePanicOffTheLoop(t *testing.T) {
	for _, size := range []int{10, 4 << 10} {
		var logs outBuf
		opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{boomExt{}},
			Logger: slog.New(slog.NewTextHandler(&logs, nil))}
		u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1})
		c := dial(t, u, &ws.Options{PingInterval: -1, Extensions: []ws.Extension{boomExt{}}})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		msg := append([]byte("boom"), bytes.Repeat([]byte{'x'}, size)...)
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			t.Fatal(err)
		}
		_, _, err := c.ReadMessage(ctx)
		cancel()
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusInternalError {
			t.Errorf("%d bytes: %v, want close 1011", len(msg), err)
		}
		if s := logs.String(); !strings.Contains(s, "panicked") || !strings.Contains(s, "boom codec") {
			t.Errorf("%d bytes: the panic was not logged: %q", len(msg), s)
		}
	}
}
