package ws

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

// TestPongWriteFailsAsClose: when the pong that answers a ping cannot be
// written (the peer reads nothing; the write times out), ReadMessage
// reports the connection's end as it documents, a *CloseError
// (errors.Is(err, ErrClosed), code 1006), not the write's own error.
func TestPongWriteFailsAsClose(t *testing.T) {
	nc, peer := net.Pipe() // a write blocks until the other end reads
	defer peer.Close()
	c := NewConn(nc, RoleServer, nil, Negotiated{}, &Options{PingInterval: -1, CloseTimeout: 50 * time.Millisecond})
	defer c.Close(StatusNormalClosure, "")
	sent := make(chan error, 1)
	go func() {
		_, err := peer.Write(AppendFrame(nil, OpPing, true, true, [4]byte{1, 2, 3, 4}, []byte("ping")))
		sent <- err
	}()
	_, _, err := c.ReadMessage(context.Background())
	var ce *CloseError
	if !errors.Is(err, ErrClosed) || !errors.As(err, &ce) || ce.Code != StatusAbnormalClosure {
		t.Fatalf("ReadMessage: %v, want a *CloseError with code 1006", err)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}
