package wsloop_test

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
)

// gateExt is a per-message extension for tests: its codec is the identity,
// applied (RSV1) to messages that start with "block", and its decoding of a
// piece that starts with "block" waits until the test opens the gate. It
// says its decoding is costly (ws.CostlyDecoder), like bzip2.
type gateExt struct {
	entered chan struct{} // a decode waits at the gate
	gate    chan struct{} // closed: decodes go on
}

func newGateExt() *gateExt {
	return &gateExt{entered: make(chan struct{}, 16), gate: make(chan struct{})}
}

func (e *gateExt) Name() string                { return "x-gate" }
func (e *gateExt) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-gate"}} }
func (e *gateExt) Accept([]ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	return ws.ExtensionOffer{Name: "x-gate"}, gateCodec{e}, true, nil
}
func (e *gateExt) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return gateCodec{e}, nil }

type gateCodec struct{ e *gateExt }

func (gateCodec) Rsv() byte                                    { return ws.Rsv1 }
func (gateCodec) Encodes(ws.Opcode, int) bool                  { return true }
func (gateCodec) CostlyDecode() bool                           { return true }
func (gateCodec) Encode(dst, p []byte, _ bool) ([]byte, error) { return append(dst, p...), nil }
func (g gateCodec) Decode(dst, p []byte, _ bool, limit int64) ([]byte, error) {
	if bytes.HasPrefix(p, []byte("block")) {
		g.e.entered <- struct{}{}
		<-g.e.gate
	}
	if bytes.HasPrefix(p, []byte("corrupt")) {
		return dst, errors.New("gate: corrupt input")
	}
	if limit >= 0 && int64(len(p)) > limit {
		return dst, ws.ErrMessageTooBig
	}
	return append(dst, p...), nil
}

// TestDecodeOffTheLoop: a connection's message whose decoding is costly
// is decoded off the loop. While its decoding waits (at the test's gate),
// another client's handshake and echo on the same single loop complete;
// once it is done the message, and the messages the peer sent after it,
// are echoed in order. Decoded on the loop, the decode would hold the loop
// and every connection on it: the second client could not connect.
func TestDecodeOffTheLoop(t *testing.T) {
	ext := newGateExt()
	opened := false
	defer func() {
		if !opened {
			close(ext.gate)
		}
	}()
	opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{ext}}
	u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1})
	a := dial(t, u, opts)
	ctx := context.Background()
	for _, m := range []string{"block:1", "after:2", "after:3"} {
		if err := a.WriteMessage(ctx, ws.OpText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-ext.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start decoding")
	}

	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	b, err := ws.Dial(dctx, u, &ws.Options{PingInterval: -1})
	if err != nil {
		t.Fatalf("a second client could not connect while a message was decoded: %v", err)
	}
	defer b.Close(ws.StatusNormalClosure, "")
	if err := b.WriteMessage(dctx, ws.OpText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, p, err := b.ReadMessage(dctx); err != nil || string(p) != "hello" {
		t.Fatalf("the second client's echo: %q, %v", p, err)
	}

	opened = true
	close(ext.gate)
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	for _, want := range []string{"block:1", "after:2", "after:3"} {
		_, p, err := a.ReadMessage(rctx)
		if err != nil || string(p) != want {
			t.Fatalf("echo: %q, %v; want %q", p, err, want)
		}
	}
}

// TestDecodeOffTheLoopFaults: a piece decoded off the loop that the codec
// refuses closes the connection with 1007; one over MaxMessagePayload with
// 1009; and a peer that drops the connection while its message is being
// decoded gets its OnClose at once (the decoding goroutine then lets the
// message go; the leak check sees it end).
func TestDecodeOffTheLoopFaults(t *testing.T) {
	ext := newGateExt()
	close(ext.gate)
	opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{ext}, MaxMessagePayload: 1 << 10}
	u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct {
		msg  string
		code ws.StatusCode
	}{
		{"corrupt", ws.StatusInvalidFramePayloadData},
		{strings.Repeat("x", 2<<10), ws.StatusMessageTooBig},
	} {
		a := dial(t, u, &ws.Options{PingInterval: -1, Extensions: []ws.Extension{ext}})
		if err := a.WriteMessage(ctx, ws.OpText, []byte(c.msg)); err != nil {
			t.Fatal(err)
		}
		_, _, err := a.ReadMessage(ctx)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != c.code {
			t.Errorf("%.10q: %v, want close %d", c.msg, err, c.code)
		}
	}

	if goroutineFallback {
		// The fallback stops reading a paused connection, so it sees the
		// peer's reset only when the decode is done (eventloop's doc).
		return
	}
	gated := newGateExt()
	h := newEcho()
	u, _ = serve(t, h, &ws.Options{PingInterval: -1, Extensions: []ws.Extension{gated}}, eventloop.Config{Loops: 1})
	a, err := ws.Dial(ctx, u, &ws.Options{PingInterval: -1, Extensions: []ws.Extension{gated}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.CloseNow()
	if err := a.WriteMessage(ctx, ws.OpText, []byte("block")); err != nil {
		t.Fatal(err)
	}
	<-gated.entered
	_ = a.NetConn().(*net.TCPConn).SetLinger(0)
	_ = a.NetConn().Close()
	end := h.waitEnd(t)
	close(gated.gate)
	if !strings.HasPrefix(end, "false 1006") {
		t.Errorf("OnClose: %s", end)
	}
}

// TestDecodeOffTheLoopCodecs: real codecs through both paths. bzip2 is
// always decoded off the loop; deflate off the loop when a message carries
// more than ws.InlineDecodeMax compressed bytes, else on it. Messages of
// every size, whole and fragmented, text and binary, interleaved, come
// back intact and in order.
func TestDecodeOffTheLoopCodecs(t *testing.T) {
	for _, c := range []struct {
		name string
		ext  ws.Extension
	}{
		{"bzip2", bzip2.New(bzip2.Options{})},
		{"deflate", deflate.New(deflate.Options{})},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{c.ext}}
			// Room for every echo: the client reads only after it sent all
			// (an echo that does not fit is dropped by this handler).
			u, _ := serve(t, newEcho(), opts, eventloop.Config{Loops: 1, WriteHighWatermark: 8 << 20})
			rng := rand.New(rand.NewPCG(1, 2))
			var msgs [][]byte
			for _, n := range []int{1, 100, 2 << 10, 40 << 10, 150 << 10} {
				random := make([]byte, n) // incompressible: as many bytes compressed
				for i := range random {
					random[i] = 'a' + byte(rng.IntN(26))
				}
				msgs = append(msgs, random, bytes.Repeat([]byte("ab"), n/2+1))
			}
			for _, frag := range []int{0, 3000} {
				copts := *opts
				copts.AutoFragmentSize = frag
				cl := dial(t, u, &copts)
				// A bound on a hang, not on speed: bzip2 under -race takes
				// some 3 s of CPU here, past 20 s of wall time at a load of
				// 16 on 2 cores (a 20 s bound failed so).
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				done := make(chan error, 1)
				go func() {
					for i, m := range msgs {
						op := ws.OpText
						if i%3 == 0 {
							op = ws.OpBinary
						}
						if err := cl.WriteMessage(ctx, op, m); err != nil {
							done <- err
							return
						}
					}
					done <- nil
				}()
				for i, want := range msgs {
					_, p, err := cl.ReadMessage(ctx)
					if err != nil || !bytes.Equal(p, want) {
						t.Fatalf("fragments of %d: message %d (%d bytes): %d bytes back, %v", frag, i, len(want), len(p), err)
					}
				}
				if err := <-done; err != nil {
					t.Fatal(err)
				}
				cancel()
			}
		})
	}
}
