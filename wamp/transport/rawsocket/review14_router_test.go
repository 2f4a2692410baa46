package rawsocket_test

import (
	"context"
	"net"
	"sync"
	"testing"

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
	ln, accepted := attachOne(t, r, cbor.Serializer{})
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
