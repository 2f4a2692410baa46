package rawsocket_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// writeSlowly writes b to nc one octet per Write.
func writeSlowly(t *testing.T, nc net.Conn, b []byte) {
	t.Helper()
	for i := range b {
		if _, err := nc.Write(b[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
}

// Every length exponent a client may offer (0..15: 2^(9+n) octets) is
// taken as the server's send limit, with the hello arriving one octet at
// a time; the reply carries the server's own exponent.
func TestReview14HandshakeEveryExponent(t *testing.T) {
	for n := range 16 {
		a, sc, ec := pipe(t, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}, MaxMessageLen: 4096})
		a.SetDeadline(time.Now().Add(10 * time.Second))
		writeSlowly(t, a, []byte{rawsocket.Magic, byte(n)<<4 | rawsocket.SerializerJSON, 0, 0})
		reply := make([]byte, 4)
		if _, err := io.ReadFull(a, reply); err != nil {
			t.Fatal(err)
		}
		if want := []byte{rawsocket.Magic, 3<<4 | rawsocket.SerializerJSON, 0, 0}; !bytes.Equal(reply, want) {
			t.Fatalf("exponent %d: reply %x, want %x", n, reply, want)
		}
		select {
		case s := <-sc:
			want := min(1<<(9+n), rawsocket.MaxFrameLen)
			if s.MaxSendLen() != want || s.MaxRecvLen() != 4096 {
				t.Fatalf("exponent %d: send %d (want %d), recv %d", n, s.MaxSendLen(), want, s.MaxRecvLen())
			}
			s.Close()
		case err := <-ec:
			t.Fatalf("exponent %d: %v", n, err)
		}
		a.Close()
	}
}

// A client that sends 3 octets of its 4 and stops fails Accept at the
// handshake timeout, with no reply.
func TestReview14HandshakeThreeOctets(t *testing.T) {
	a, sc, ec := pipe(t, rawsocket.ServerOptions{Serializers: []wamp.Serializer{json.Serializer{}}, HandshakeTimeout: 50 * time.Millisecond})
	writeSlowly(t, a, []byte{rawsocket.Magic, 0xF1, 0})
	select {
	case s := <-sc:
		s.Close()
		t.Fatal("accepted 3 octets")
	case err := <-ec:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Accept: %v, want the handshake timeout", err)
		}
	}
}

// Frames whose headers and payloads arrive one octet at a time: a PING
// is answered with its payload, a regular frame is decoded; a frame of
// a reserved type (3..7) fails Recv.
func TestReview14FramesOctetByOctet(t *testing.T) {
	c, nc := rawPeer(t, 0)
	pub, err := json.Serializer{}.AppendMessage(nil, &wamp.Publish{Request: 7, Options: wamp.Dict{}, Topic: "a.b"})
	if err != nil {
		t.Fatal(err)
	}
	in := rawsocket.AppendHeader(nil, rawsocket.FramePing, 5)
	in = append(in, "hello"...)
	in = rawsocket.AppendHeader(in, rawsocket.FrameRegular, len(pub))
	in = append(in, pub...)
	got := make(chan wamp.Message, 1)
	errc := make(chan error, 1)
	go func() {
		m, err := c.Recv(context.Background())
		if err != nil {
			errc <- err
			return
		}
		got <- m
		_, err = c.Recv(context.Background())
		errc <- err
	}()
	writeSlowly(t, nc, in)
	if ft, p := readRawFrame(t, nc); ft != rawsocket.FramePong || string(p) != "hello" {
		t.Fatalf("answer %d %q, want PONG \"hello\"", ft, p)
	}
	select {
	case m := <-got:
		if p, ok := m.(*wamp.Publish); !ok || p.Request != 7 || p.Topic != "a.b" {
			t.Fatalf("message %#v", m)
		}
	case err := <-errc:
		t.Fatal(err)
	}
	writeSlowly(t, nc, []byte{3, 0, 0, 0})
	if err := <-errc; !errors.Is(err, rawsocket.ErrBadFrameType) {
		t.Fatalf("reserved frame type: %v", err)
	}
}
