package cli

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// The WAMP router sees the TLS of a session over wss:// on either driver
// (ws.Conn.ConnectionState through the WebSocket transport): the session
// meta API says is_secure.
func TestServeWAMPSessionIsSecure(t *testing.T) {
	for _, driver := range []string{"std", "loop"} {
		t.Run(driver, func(t *testing.T) {
			certFile, keyFile, pool := writeKeyPair(t, t.TempDir(), 1) // serve_flags_test.go
			lines, stop := startServe(t, 2, "--addr", "127.0.0.1:0", "--driver", driver, "--tls-cert", certFile, "--tls-key", keyFile)
			addr := find(t, `WAMP router, realm realm1, on wss://(127\.0\.0\.1:\d+)/ws`, lines[1])
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			tr, err := websocket.Dial(ctx, "wss://"+addr+"/ws", websocket.Options{
				Serializers: []wamp.Serializer{json.Serializer{}},
				WS:          &ws.Options{TLSConfig: &tls.Config{RootCAs: pool}},
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := tr.ConnectionState(); !ok {
				t.Fatal("the client's transport has no TLS state")
			}
			s, err := client.Join(ctx, tr, "realm1", client.JoinOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			res, err := s.Call(ctx, "wamp.session.get", wamp.List{s.ID()}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var details wamp.Dict
			if len(res.Args) > 0 {
				d, _ := res.Args[0].(wamp.Dict)
				details, _ = d["transport"].(wamp.Dict)
			}
			if details["is_secure"] != true {
				t.Fatalf("transport details %v, want is_secure true", details)
			}
			s.Close()
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
