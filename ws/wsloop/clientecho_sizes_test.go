package wsloop_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// reviewSink is a goroutine server's handler that hands over its
// connection and every message it reads.
type reviewSink struct {
	ws.BaseHandler
	open chan *ws.Conn
	msgs chan reviewMsg
}

type reviewMsg struct {
	op ws.Opcode
	p  []byte
}

func (h *reviewSink) OnOpen(c *ws.Conn) { h.open <- c }
func (h *reviewSink) OnMessage(_ *ws.Conn, op ws.Opcode, p []byte) {
	h.msgs <- reviewMsg{op, append([]byte(nil), p...)}
}

// TestReviewClientEchoesEverySize: with default options the loop, as
// client, echoes from its callback every message size the limits admit,
// text and binary, fragmented by the sender or not.
func TestReviewClientEchoesEverySize(t *testing.T) {
	for _, frag := range []int{0, 1 << 20} {
		t.Run(fmt.Sprint("frag=", frag), func(t *testing.T) {
			sink := &reviewSink{open: make(chan *ws.Conn, 1), msgs: make(chan reviewMsg, 1)}
			u := serveStd(t, &ws.Server{Handler: sink, Options: &ws.Options{AutoFragmentSize: frag}})
			cl := &wsloop.Client{}
			defer cl.Close()
			h := &bigEcho{errs: make(chan error, 64)}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c, err := cl.Dial(ctx, u, h)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.CloseNow() }()
			sc := <-sink.open
			for _, n := range bigSizes {
				for _, op := range []ws.Opcode{ws.OpText, ws.OpBinary} {
					msg := bytes.Repeat([]byte{'a' + byte(n%26)}, n)
					if err := sc.WriteMessage(ctx, op, msg); err != nil {
						t.Fatalf("%d bytes: write: %v", n, err)
					}
					select {
					case m := <-sink.msgs:
						if m.op != op || !bytes.Equal(m.p, msg) {
							t.Fatalf("%d bytes %v: got %d bytes %v", n, op, len(m.p), m.op)
						}
					case err := <-h.errs:
						t.Fatalf("%d bytes %v: the loop's echo failed: %v", n, op, err)
					case <-ctx.Done():
						t.Fatalf("%d bytes %v: no echo", n, op)
					}
				}
			}
		})
	}
}
