package rawsocket_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// peer accepts one RawSocket connection on a loopback listener and hands
// its socket to the test, which then writes frames by hand; it returns
// the client end.
func peer(t *testing.T) (*rawsocket.Conn, net.Conn) {
	t.Helper()
	return peerWith(t, rawsocket.Options{Serializer: json.Serializer{}})
}

// peerWith is peer with the client's options.
func peerWith(t *testing.T, opts rawsocket.Options) (*rawsocket.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan net.Conn, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		if _, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}}); err != nil {
			nc.Close()
			nc = nil
		}
		got <- nc
	}()
	c, err := rawsocket.Dial(ctxT(t), "tcp", ln.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	nc := <-got
	if nc == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { nc.Close() })
	return c, nc
}

// regular returns the regular frame of m (JSON).
func regular(t *testing.T, m wamp.Message) []byte {
	t.Helper()
	p, err := json.Serializer{}.AppendMessage(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return append(rawsocket.AppendHeader(nil, rawsocket.FrameRegular, len(p)), p...)
}

// AwaitInput waits for input without reading a frame: false for a bounded
// wait with nothing sent; true once input is there, whereupon Recv
// returns the message, also one written in pieces (the header alone
// first) and one many times the read buffer, and two in one write.
func TestAwaitInput(t *testing.T) {
	c, nc := peer(t)
	ctx := ctxT(t)
	if c.AwaitInput(5 * time.Millisecond) {
		t.Fatal("AwaitInput reported input nobody sent")
	}
	small := &wamp.Published{Request: 1, Publication: 2}
	large := &wamp.Event{Subscription: 1, Publication: 2, Details: wamp.Dict{}, Args: wamp.List{strings.Repeat("x", 1<<20)}}
	for _, tc := range []struct {
		name   string
		writes [][]byte
		want   []wamp.Message
	}{
		{"small", [][]byte{regular(t, small)}, []wamp.Message{small}},
		{"pieces", [][]byte{regular(t, small)[:4], regular(t, small)[4:]}, []wamp.Message{small}},
		{"large", [][]byte{regular(t, large)}, []wamp.Message{large}},
		{"two", [][]byte{append(regular(t, small), regular(t, small)...)}, []wamp.Message{small, small}},
	} {
		done := make(chan bool)
		go func() { done <- c.AwaitInput(0) }()
		go func() {
			for _, w := range tc.writes {
				_, _ = nc.Write(w)
			}
		}()
		if !<-done {
			t.Fatalf("%s: AwaitInput(0) reported no input", tc.name)
		}
		for _, want := range tc.want {
			m, err := c.Recv(ctx)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if m.Type() != want.Type() || (want == large && m.(*wamp.Event).Args[0] != large.Args[0]) {
				t.Fatalf("%s: got %v", tc.name, m.Type())
			}
		}
	}
}

// Closing a connection whose reader waits in AwaitInput wakes it (true),
// and Recv reports the end: ErrClosed after Close, io.EOF-like when the
// peer goes away.
func TestAwaitInputClose(t *testing.T) {
	for _, name := range []string{"local", "peer"} {
		t.Run(name, func(t *testing.T) {
			c, nc := peer(t)
			done := make(chan bool)
			go func() { done <- c.AwaitInput(0) }()
			if name == "local" {
				c.Close()
			} else {
				nc.Close()
			}
			if !<-done {
				t.Fatal("AwaitInput reported no input at the end")
			}
			_, err := c.Recv(context.Background())
			if err == nil {
				t.Fatal("Recv after the close succeeded")
			}
			if name == "local" && !errors.Is(err, rawsocket.ErrClosed) {
				t.Fatalf("Recv after Close: %v", err)
			}
		})
	}
}
