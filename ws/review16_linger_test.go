package ws

import (
	"context"
	"errors"
	"testing"
	"time"
)

// refusingCodec encodes nothing: every message sent fails the connection
// with 1011 (encodeFailed), from the writer's goroutine.
type refusingCodec struct{}

func (refusingCodec) Rsv() byte                { return Rsv1 }
func (refusingCodec) Encodes(Opcode, int) bool { return true }
func (refusingCodec) Encode(dst, _ []byte, _ bool) ([]byte, error) {
	return dst, errors.New("refused")
}
func (refusingCodec) Decode(dst, p []byte, _ bool, _ int64) ([]byte, error) {
	return append(dst, p...), nil
}

// TestReview16WriterFailLingerBounded: a connection failed by a writer
// (here its extension cannot encode) lingers for its peer's close at most
// CloseTimeout, whatever a reader does to the socket's read deadline
// meanwhile. fail bounded the lingering close only by the read deadline,
// and a reader clears awaitHot's deadline (AwaitInput(d)) on its next read
// or ReadMessage with a context: when that came after fail had set its
// own, the deadline was gone, and with a peer that neither sends nor
// closes WriteMessage never returned and the socket stayed open. The hook
// orders the reader's ReadMessage after the linger's deadline is set.
func TestReview16WriterFailLingerBounded(t *testing.T) {
	c, peer := loopbackPullNeg(t, RoleServer, Negotiated{Codec: refusingCodec{}},
		&Options{PingInterval: -1, CloseTimeout: 200 * time.Millisecond})
	if c.p.rc == nil {
		t.Skip("reads are not raw here: AwaitInput does not wait")
	}

	// A message read after AwaitInput: the wait's read deadline stays set
	// for the next wait (awaitHot), to be cleared by the next read.
	if _, err := peer.Write(AppendFrame(nil, OpText, true, true, [4]byte{1, 2, 3, 4}, []byte("hi"))); err != nil {
		t.Fatal(err)
	}
	if !c.AwaitInput(time.Minute) {
		t.Fatal("AwaitInput: nothing came")
	}
	if _, p, err := c.ReadMessage(context.Background()); err != nil || string(p) != "hi" {
		t.Fatalf("ReadMessage: %q, %v", p, err)
	}
	if c.p.hotDL == 0 {
		t.Fatal("no read deadline left by AwaitInput")
	}

	lingering := make(chan struct{})
	hook := func(lc *Conn) {
		if lc == c {
			close(lingering)
		}
	}
	lingerHook.Store(&hook)
	defer lingerHook.Store(nil)
	wrote := make(chan error, 1)
	go func() { wrote <- c.WriteMessage(context.Background(), OpText, []byte("x")) }()
	<-lingering
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, _, err := c.ReadMessage(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadMessage after the fail: %v, want the connection's end", err)
	}

	select {
	case err := <-wrote:
		if !errors.Is(err, ErrExtension) {
			t.Errorf("WriteMessage: %v, want ErrExtension", err)
		}
	case <-time.After(3 * time.Second):
		t.Error("WriteMessage still lingering 3 s after the fail (CloseTimeout 200 ms): no deadline")
		_ = peer.Close() // lets the linger end
		<-wrote
	}
	select {
	case <-c.Done():
	default:
		t.Error("the connection is not done")
	}
}
