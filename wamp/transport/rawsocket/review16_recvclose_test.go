package rawsocket_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// Recv after Close returns ErrClosed, also when frames the peer sent
// before are still buffered: it returned them, one per call, as if the
// connection were open (a session that closed its transport went on
// dispatching the router's messages).
func TestReview16RecvAfterCloseBuffered(t *testing.T) {
	for _, tc := range []struct {
		name string
		pair func(t *testing.T) (*rawsocket.Conn, func(t *testing.T, b []byte))
	}{
		{"tcp", func(t *testing.T) (*rawsocket.Conn, func(*testing.T, []byte)) {
			c, nc := rawPeer(t, 0)
			return c, func(t *testing.T, b []byte) {
				if _, err := nc.Write(b); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"pipe", func(t *testing.T) (*rawsocket.Conn, func(*testing.T, []byte)) {
			// A net.Pipe: the Conn reads through a bufio.Reader.
			a, b := net.Pipe()
			t.Cleanup(func() { a.Close(); b.Close() })
			go func() {
				hello := make([]byte, 4)
				if _, err := io.ReadFull(b, hello); err == nil {
					b.Write([]byte{rawsocket.Magic, 0xF0 | hello[1]&0x0F, 0, 0})
				}
			}()
			c, err := rawsocket.Client(ctxT(t), a, rawsocket.Options{Serializer: json.Serializer{}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c, func(t *testing.T, p []byte) {
				// A pipe's write waits for the reads that take it.
				go b.Write(p)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, write := tc.pair(t)
			var b []byte
			for i := range 3 {
				p, err := json.Serializer{}.AppendMessage(nil, &wamp.Published{Request: wamp.ID(i + 1), Publication: 7})
				if err != nil {
					t.Fatal(err)
				}
				b = append(rawsocket.AppendHeader(b, rawsocket.FrameRegular, len(p)), p...)
			}
			write(t, b)
			if _, err := c.Recv(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			if tc.name == "tcp" && rawsocket.Buffered(c) == 0 {
				t.Fatal("setup: the other frames are not buffered")
			}
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				m, err := c.Recv(context.Background())
				if !errors.Is(err, rawsocket.ErrClosed) {
					t.Fatalf("Recv after Close: %v, %v; want ErrClosed", m, err)
				}
			}
		})
	}
}
