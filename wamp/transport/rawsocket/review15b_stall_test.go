package rawsocket_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// stallPeer accepts a server Conn with the given MessageTimeout from a
// raw peer (over net.Pipe, or TCP, where reads go around net.Conn), which
// then writes b and stops.
func stallPeer(t *testing.T, tcp bool, timeout time.Duration, b []byte) (*rawsocket.Conn, net.Conn) {
	t.Helper()
	var a, srv net.Conn
	if tcp {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		if a, err = net.Dial("tcp", ln.Addr().String()); err != nil {
			t.Fatal(err)
		}
		if srv, err = ln.Accept(); err != nil {
			a.Close()
			t.Fatal(err)
		}
	} else {
		a, srv = net.Pipe()
	}
	t.Cleanup(func() { a.Close(); srv.Close() })
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		a.SetDeadline(time.Now().Add(10 * time.Second))
		hello := []byte{rawsocket.Magic, 0xF0 | rawsocket.SerializerJSON, 0, 0}
		if _, err := a.Write(hello); err != nil {
			return
		}
		if _, err := io.ReadFull(a, make([]byte, 4)); err != nil {
			return
		}
		a.Write(b)
	}()
	s, err := rawsocket.Accept(ctxT(t), srv, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}, MessageTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, a
}

// A peer that sends a frame header, or part of one, or part of a payload,
// and then stops, fails Recv at the message timeout: it held the
// connection, a goroutine and (for a payload) a 64 KiB buffer forever.
func TestReview15bStalledFrameTimesOut(t *testing.T) {
	pub, err := json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "a.b"})
	if err != nil {
		t.Fatal(err)
	}
	frame := append(rawsocket.AppendHeader(nil, rawsocket.FrameRegular, len(pub)), pub...)
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"header-part", frame[:2]},
		{"header", frame[:4]},
		{"payload-part", frame[:len(frame)-1]},
		{"ping-part", append(rawsocket.AppendHeader(nil, rawsocket.FramePing, 100), 1, 2, 3)},
	} {
		for _, tcp := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tcp=%v", tc.name, tcp), func(t *testing.T) {
				s, _ := stallPeer(t, tcp, 100*time.Millisecond, tc.b)
				// The bound of the test: without a message timeout Recv
				// waits until ctx ends.
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				_, err := s.Recv(ctx)
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("Recv of a stalled frame: %v, want the message timeout (os.ErrDeadlineExceeded)", err)
				}
			})
		}
	}
}

// The message timeout bounds a frame's arrival, not the wait for one: a
// message that starts well after it still arrives, and so does one whose
// parts come within it each time.
func TestReview15bIdleIsNotAStall(t *testing.T) {
	pub, err := json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "a.b"})
	if err != nil {
		t.Fatal(err)
	}
	frame := append(rawsocket.AppendHeader(nil, rawsocket.FrameRegular, len(pub)), pub...)
	s, a := stallPeer(t, true, 50*time.Millisecond, nil)
	go func() {
		time.Sleep(200 * time.Millisecond) // an idle spell past the message timeout
		a.Write(frame)
	}()
	m, err := s.Recv(ctxT(t))
	if err != nil {
		t.Fatalf("Recv after an idle spell: %v", err)
	}
	if p, ok := m.(*wamp.Publish); !ok || p.Topic != "a.b" {
		t.Fatalf("Recv: %#v", m)
	}
}
