package rawsocket_test

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// ServerOptions.Admit: a refused client gets the handshake's code 4
// (maximum connection count reached) and Accept ErrMaxConnections; an
// admitted one's release runs once, when its Conn closes.
func TestReview15cAdmit(t *testing.T) {
	var released atomic.Int32
	for _, admit := range []bool{false, true} {
		cn, sn := net.Pipe()
		accepted := make(chan error, 1)
		var sc *rawsocket.Conn
		go func() {
			var err error
			sc, err = rawsocket.Accept(context.Background(), sn, rawsocket.ServerOptions{
				Serializers: []wamp.Serializer{json.Serializer{}},
				Admit: func() (func(), bool) {
					return func() { released.Add(1) }, admit
				},
			})
			accepted <- err
		}()
		c, err := rawsocket.Client(context.Background(), cn, rawsocket.Options{Serializer: json.Serializer{}})
		aerr := <-accepted
		if !admit {
			var he *rawsocket.HandshakeError
			if !errors.As(err, &he) || he.Code != rawsocket.CodeMaxConnections {
				t.Errorf("refused client: %v, want the handshake's code 4", err)
			}
			if !errors.Is(aerr, rawsocket.ErrMaxConnections) {
				t.Errorf("Accept: %v, want ErrMaxConnections", aerr)
			}
			cn.Close()
			sn.Close()
			continue
		}
		if err != nil || aerr != nil {
			t.Fatalf("admitted: client %v, Accept %v", err, aerr)
		}
		c.Close()
		if released.Load() != 0 {
			t.Fatal("released before the server's Conn closed")
		}
		sc.Close()
		sc.Close()
		if n := released.Load(); n != 1 {
			t.Fatalf("released %d times, want 1", n)
		}
	}
}
