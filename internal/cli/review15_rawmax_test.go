package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// --max-message bounds RawSocket too: the router announces the largest
// RawSocket maximum not above it (it announced 16 MiB whatever the flag).
func TestReview15ServeRawSocketMaxMessage(t *testing.T) {
	for _, tc := range []struct {
		flag string
		want int
	}{
		{"65536", 64 << 10},
		{"100000", 64 << 10},
		{"100", rawsocket.MinMaxMessageLen},
		{"0", rawsocket.MaxFrameLen},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			lines, stop := startServe(t, 2, "--driver", "std", "--addr", "127.0.0.1:0",
				"--rawsocket-addr", "127.0.0.1:0", "--max-message", tc.flag)
			defer stop()
			addr := find(t, `rawsocket tcp://(\S+)`, strings.Join(lines, ""))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := rawsocket.Dial(ctx, "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.MaxSendLen(); got != tc.want {
				t.Errorf("--max-message %s: the router takes %d-octet messages, want %d", tc.flag, got, tc.want)
			}
		})
	}
}

// --max-conns bounds RawSocket sessions too: one more is refused in the
// handshake with code 4 (maximum connection count reached), and a slot
// comes back when a session ends. They were not bounded at all.
func TestReview15ServeRawSocketMaxConns(t *testing.T) {
	lines, stop := startServe(t, 2, "--driver", "std", "--addr", "127.0.0.1:0",
		"--rawsocket-addr", "127.0.0.1:0", "--max-conns", "1")
	defer stop()
	addr := find(t, `rawsocket tcp://(\S+)`, strings.Join(lines, ""))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func() (*rawsocket.Conn, error) {
		return rawsocket.Dial(ctx, "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}})
	}
	first, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	var he *rawsocket.HandshakeError
	if c, err := dial(); !errors.As(err, &he) || he.Code != rawsocket.CodeMaxConnections {
		if c != nil {
			c.Close()
		}
		t.Fatalf("a second session with --max-conns 1: %v, want the handshake's code 4", err)
	}
	first.Close()
	for {
		c, err := dial()
		if err == nil {
			c.Close()
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the first session's slot did not come back: %v", err)
		}
		time.Sleep(5 * time.Millisecond) // polled with ctx's deadline
	}
}
