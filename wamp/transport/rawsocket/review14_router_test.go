package rawsocket_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// A router's Authenticator learns the address of a client that comes
// over RawSocket (TransportInfo.RemoteAddr), as it does over WebSocket.
func TestReview14RouterAuthenticatorRemoteAddr(t *testing.T) {
	var (
		mu   sync.Mutex
		seen net.Addr
	)
	dyn := router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
		mu.Lock()
		seen = req.Transport.RemoteAddr
		mu.Unlock()
		return &router.Principal{AuthRole: "user"}, nil
	})
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name: "realm1", Authenticators: map[string]router.Authenticator{"ticket": dyn},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("router Close: %v", err)
		}
	}()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			accepted <- err
			return
		}
		c, err := rawsocket.Accept(context.Background(), nc, rawsocket.ServerOptions{Serializers: []wamp.Serializer{cbor.Serializer{}}})
		if err != nil {
			nc.Close()
			accepted <- err
			return
		}
		accepted <- r.Attach(c)
	}()
	c, err := rawsocket.Dial(ctxT(t), "tcp", ln.Addr().String(), rawsocket.Options{Serializer: cbor.Serializer{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; err != nil {
		c.Close()
		t.Fatal(err)
	}
	s, err := client.Join(ctxT(t), c, "realm1", client.JoinOptions{AuthID: "a", Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	defer s.Close()
	mu.Lock()
	defer mu.Unlock()
	if seen == nil || seen.String() != c.NetConn().LocalAddr().String() {
		t.Fatalf("TransportInfo.RemoteAddr = %v, want %v", seen, c.NetConn().LocalAddr())
	}
}
