package rawsocket_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/serialize/ubjson"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// A regular frame that does not decode fails Recv with an error matching
// wamp.ErrProtocolViolation, as the doc says (and as the WebSocket
// transport's Recv does), whichever serializer reports it.
func TestReview15bRecvMalformedIsViolation(t *testing.T) {
	for _, s := range []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}, ubjson.Serializer{}} {
		t.Run(s.Name(), func(t *testing.T) {
			a, sc, ec := pipe(t, rawsocket.ServerOptions{Serializers: []wamp.Serializer{s}})
			id, _ := rawsocket.SerializerID(s)
			a.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := a.Write([]byte{rawsocket.Magic, 0xF0 | id, 0, 0}); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(a, make([]byte, 4)); err != nil {
				t.Fatal(err)
			}
			var c *rawsocket.Conn
			select {
			case c = <-sc:
			case err := <-ec:
				t.Fatal(err)
			}
			defer c.Close()
			wrote := make(chan error, 1)
			go func() {
				// 0xC1 0xC1 is malformed in every one of these formats.
				_, err := a.Write(append(rawsocket.AppendHeader(nil, rawsocket.FrameRegular, 2), 0xC1, 0xC1))
				wrote <- err
			}()
			_, err := c.Recv(ctxT(t))
			if !errors.Is(err, wamp.ErrProtocolViolation) {
				t.Fatalf("Recv of a malformed frame: %v, want an error matching wamp.ErrProtocolViolation", err)
			}
			if err := <-wrote; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A router serving a RawSocket client whose frame does not decode ends
// the session with ABORT wamp.error.protocol_violation, as it does over
// WebSocket; the client saw the connection just close.
func TestReview15bRouterAbortsMalformedFrame(t *testing.T) {
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1"}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, attached := attachOne(t, r, json.Serializer{})
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte{rawsocket.Magic, 0xF0 | rawsocket.SerializerJSON, 0, 0}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(nc, make([]byte, 4)); err != nil {
		t.Fatal(err)
	}
	if err := <-attached; err != nil {
		t.Fatal(err)
	}
	bad := []byte("[1, \"realm1\"")
	if _, err := nc.Write(append(rawsocket.AppendHeader(nil, rawsocket.FrameRegular, len(bad)), bad...)); err != nil {
		t.Fatal(err)
	}
	h := make([]byte, 4)
	if _, err := io.ReadFull(nc, h); err != nil {
		t.Fatalf("no frame from the router after a malformed one: %v", err)
	}
	typ, n, err := rawsocket.ParseHeader(h)
	if err != nil || typ != rawsocket.FrameRegular {
		t.Fatalf("frame header %x: %v", h, err)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(nc, p); err != nil {
		t.Fatal(err)
	}
	m, err := json.Serializer{}.Unmarshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := m.(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("router sent %#v, want ABORT %s", m, wamp.ErrProtocolViolationURI)
	}
}

// attachOne listens on loopback and attaches the first RawSocket
// connection, with ser, to r; the Attach error comes on the channel. The
// listener and r close when the test ends.
func attachOne(t *testing.T, r *router.Router, ser wamp.Serializer) (net.Listener, <-chan error) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	attached := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			attached <- err
			return
		}
		c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{ser}})
		if err != nil {
			nc.Close()
			attached <- err
			return
		}
		attached <- r.Attach(c)
	}()
	return ln, attached
}
