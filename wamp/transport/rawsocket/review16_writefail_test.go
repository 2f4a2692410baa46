package rawsocket_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// When a write fails (here: the peer reads nothing until WriteTimeout),
// the connection closes and Recv says why: an error matching the write's
// (os.ErrDeadlineExceeded) as well as ErrClosed. It returned ErrClosed
// alone, so that a session whose router stopped reading ended with
// "connection closed", as if its user had closed it.
func TestReview16RecvAfterWriteFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			peer <- nil
			return
		}
		hello := make([]byte, 4)
		if _, err := io.ReadFull(nc, hello); err == nil {
			nc.Write([]byte{rawsocket.Magic, 0xF0 | hello[1]&0x0F, 0, 0})
		}
		peer <- nc // reads nothing more
	}()
	c, err := rawsocket.Dial(ctxT(t), "tcp", ln.Addr().String(), rawsocket.Options{Serializer: json.Serializer{}, WriteTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	nc := <-peer
	if nc == nil {
		t.Fatal("peer: accept failed")
	}
	defer nc.Close()
	recvd := make(chan error, 1)
	go func() {
		_, err := c.Recv(context.Background())
		recvd <- err
	}()
	// More than the socket buffers hold: the write cannot finish.
	big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 12<<20)}}
	if err := c.Send(ctxT(t), big); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Send: %v, want a write timeout", err)
	}
	err = <-recvd
	if !errors.Is(err, rawsocket.ErrClosed) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Recv after the write failed: %v, want ErrClosed and the write's error", err)
	}
	if _, err := c.Recv(context.Background()); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a later Recv: %v, want the write's error", err)
	}
}
