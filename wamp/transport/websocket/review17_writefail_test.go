package websocket_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

// When this side's write fails (here: the peer reads nothing until
// Options.WriteTimeout), Recv says so: "websocket: write failed", an error
// matching ws.ErrClosed and the write's own (os.ErrDeadlineExceeded), not
// io.EOF. It said "websocket: peer closed: EOF", so a user debugged the
// peer for what was this side's timeout. Over TCP and over TLS.
func TestReview17RecvAfterWriteFailure(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		name := map[bool]string{false: "ws", true: "wss"}[tlsOn]
		t.Run(name, func(t *testing.T) {
			release := make(chan struct{})
			serializers := []wamp.Serializer{json.Serializer{}}
			srv := startServer(t, tlsOn, websocket.Options{Serializers: serializers}, func(*websocket.Conn) { <-release })
			defer close(release) // before the server's cleanup waits for its handler
			opts := websocket.Options{Serializers: serializers, WriteTimeout: 100 * time.Millisecond}
			if tlsOn {
				pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
				opts.WS = &ws.Options{TLSConfig: &tls.Config{RootCAs: pool}}
			}
			c := dial(t, name+strings.TrimPrefix(srv.URL, map[bool]string{false: "http", true: "https"}[tlsOn]), opts)
			recvd := make(chan error, 1)
			go func() {
				_, err := c.Recv(context.Background())
				recvd <- err
			}()
			// More than the socket buffers hold (within the 16 MiB
			// default message limit): the write cannot finish.
			big := &wamp.Publish{Request: 1, Options: wamp.Dict{}, Topic: "t", Args: wamp.List{strings.Repeat("x", 12<<20)}}
			if err := c.Send(ctxT(t), big); !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Send: %v, want a write timeout", err)
			}
			check := func(what string, err error) {
				t.Helper()
				if !strings.Contains(fmtErr(err), "write failed") || errors.Is(err, io.EOF) ||
					!errors.Is(err, ws.ErrClosed) || !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("%s: %v, want a write failure matching ws.ErrClosed and the write's timeout, not io.EOF", what, err)
				}
			}
			select {
			case err := <-recvd:
				check("Recv after the write failed", err)
			case <-ctxT(t).Done():
				t.Fatal("Recv did not return after the write failed")
			}
			_, err := c.Recv(context.Background())
			check("a later Recv", err)
		})
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
