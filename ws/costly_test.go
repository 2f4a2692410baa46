package ws_test

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// costlyGate is a per-message extension whose codec is the identity and a
// CostlyDecoder; decoding a piece that starts with "block" waits until the
// test closes gate (entered tells it a decode waits).
type costlyGate struct {
	entered chan struct{}
	gate    chan struct{}
}

func (e *costlyGate) Name() string                { return "x-costly" }
func (e *costlyGate) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-costly"}} }
func (e *costlyGate) Accept([]ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	return ws.ExtensionOffer{Name: "x-costly"}, costlyCodec{e}, true, nil
}
func (e *costlyGate) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return costlyCodec{e}, nil }

type costlyCodec struct{ e *costlyGate }

func (costlyCodec) Rsv() byte                                    { return ws.Rsv1 }
func (costlyCodec) Encodes(ws.Opcode, int) bool                  { return true }
func (costlyCodec) CostlyDecode() bool                           { return true }
func (costlyCodec) Encode(dst, p []byte, _ bool) ([]byte, error) { return append(dst, p...), nil }
func (g costlyCodec) Decode(dst, p []byte, _ bool, _ int64) ([]byte, error) {
	if bytes.HasPrefix(p, []byte("block")) {
		g.e.entered <- struct{}{}
		<-g.e.gate
	}
	return append(dst, p...), nil
}

// TestCostlyDecodesLeaveAProcessor: on the goroutine driver, at most
// GOMAXPROCS-1 costly decodes (CostlyDecoder: bzip2) run at once, as on
// the event loop's decoding pool. With one decode more than that waiting
// at the gate, the last starts only when one ends; all messages are echoed
// once the gate opens. (On one processor the test cannot fail.)
func TestCostlyDecodesLeaveAProcessor(t *testing.T) {
	limit := max(1, runtime.GOMAXPROCS(0)-1)
	ext := &costlyGate{entered: make(chan struct{}, 8), gate: make(chan struct{})}
	opened := false
	defer func() {
		if !opened {
			close(ext.gate)
		}
	}()
	opts := &ws.Options{PingInterval: -1, Extensions: []ws.Extension{ext}}
	url := "ws://" + serveRaw(t, &ws.Server{Handler: echoHandler{}, Options: opts}) + "/"
	ctx := context.Background()
	clients := make([]*ws.Conn, limit+1)
	for i := range clients {
		clients[i] = dialT(t, url, opts)
		if err := clients[i].WriteMessage(ctx, ws.OpBinary, []byte("block:"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := range limit {
		select {
		case <-ext.entered:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d decodes started", i)
		}
	}
	// The last message was sent before the others' decodes started:
	// without the bound its goroutine would decode it at once. It is given
	// a moment to (a wait for something that must not happen).
	select {
	case <-ext.entered:
		t.Fatalf("%d costly decodes ran at once with GOMAXPROCS %d", limit+1, runtime.GOMAXPROCS(0))
	case <-time.After(300 * time.Millisecond):
	}
	opened = true
	close(ext.gate)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for i, c := range clients {
		if _, p, err := c.ReadMessage(rctx); err != nil || string(p) != "block:"+strconv.Itoa(i) {
			t.Fatalf("client %d: echo %q, %v", i, p, err)
		}
	}
}
