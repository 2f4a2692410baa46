package rawsocket_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// Options.HandshakeTimeout bounds Dial's opening handshake with TLS too:
// a server that accepts the connection and then says nothing (no TLS
// handshake) fails Dial once it passes, even with a ctx without deadline
// (ctx's long deadline here only keeps a failure from hanging the test).
func TestReview14DialTLSHandshakeTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 1)
	go func() { // accepts, and neither reads nor writes
		nc, err := ln.Accept()
		if err == nil {
			held <- nc
		}
		close(held)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err = rawsocket.Dial(ctx, "tcp", ln.Addr().String(), rawsocket.Options{
		Serializer:       json.Serializer{},
		HandshakeTimeout: 100 * time.Millisecond,
		TLSConfig:        &tls.Config{ServerName: "localhost"},
	})
	if nc := <-held; nc != nil {
		nc.Close()
	}
	if err == nil || ctx.Err() != nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Dial: %v (ctx: %v); want the handshake timeout", err, ctx.Err())
	}
}
