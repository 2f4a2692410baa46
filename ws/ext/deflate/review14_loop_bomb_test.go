package deflate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/internal/exttest"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview14LoopBomb: the event-loop server bounds decompression as the
// goroutine server does: a bomb sent whole (decoded off the loop) or in
// 1000-byte fragments (whose last piece is small enough to be decoded on
// the loop) ends the connection with 1009; a compressed ping and RSV1 on
// a continuation with 1002.
func TestReview14LoopBomb(t *testing.T) {
	for _, o := range []Options{{}, {ServerNoContextTakeover: true, ClientNoContextTakeover: true}} {
		srv := &wsloop.Server{Handler: echoLoop{}, Config: eventloop.Config{Loops: 1},
			Options: &ws.Options{MaxMessagePayload: 1 << 20, Extensions: []ws.Extension{New(o)}}}
		url := startLoop(t, srv)
		z := bomb(16 << 20)
		exttest.RawBomb(t, url, Name, z, ws.StatusMessageTooBig)
		hs, ps := fragments(z, 1000)
		if got := exttest.RawFrames(t, url, Name, hs, ps); got != ws.StatusMessageTooBig {
			t.Errorf("%+v: fragmented bomb: closed with %v", o, got)
		}
		hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
		if got := exttest.RawFrames(t, url, Name, []ws.Header{{Fin: true, Rsv: ws.Rsv1, Op: ws.OpPing}}, [][]byte{hello}); got != ws.StatusProtocolError {
			t.Errorf("%+v: compressed ping: closed with %v", o, got)
		}
		if got := exttest.RawFrames(t, url, Name, []ws.Header{{Rsv: ws.Rsv1, Op: ws.OpText}, {Fin: true, Rsv: ws.Rsv1, Op: ws.OpContinuation}},
			[][]byte{hello[:3], hello[3:]}); got != ws.StatusProtocolError {
			t.Errorf("%+v: RSV1 on a continuation: closed with %v", o, got)
		}
	}
}

// startLoop runs srv on a loopback port until the test ends.
func startLoop(t *testing.T, srv *wsloop.Server) string {
	t.Helper()
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := errors.Join(srv.Shutdown(ctx), <-ran); err != nil {
			t.Errorf("wsloop.Server: %v", err)
		}
	})
	return "ws://" + addr.String() + "/"
}

type echoLoop struct{ ws.BaseHandler }

func (echoLoop) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}
