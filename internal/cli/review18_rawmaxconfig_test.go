package cli

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// A configuration's RawSocket max_message_size bounds what the router
// takes, as --max-message does (TestReview15ServeRawSocketMaxMessage): the
// router announces the largest RawSocket maximum not above it. It rounded
// up, so max_message_size 100000 let 131072-octet messages in.
func TestReview18ConfigRawSocketMaxMessage(t *testing.T) {
	for _, tc := range []struct {
		size string
		want int
	}{
		{"100000", 64 << 10},
		{"65536", 64 << 10},
		{"512", rawsocket.MinMaxMessageLen},
		{"16777216", rawsocket.MaxFrameLen},
	} {
		t.Run(tc.size, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "router.json")
			conf := `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [
				{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 0, "interface": "127.0.0.1"}, "max_message_size": ` + tc.size + `}]}]}`
			if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			readLine, stop := startServeConfig(t, path) // config_test.go
			defer stop()
			var out strings.Builder
			var m []string
			for m == nil {
				out.WriteString(readLine())
				m = regexp.MustCompile(`rawsocket tcp://(127\.0\.0\.1:\d+)\n`).FindStringSubmatch(out.String())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := rawsocket.Dial(ctx, "tcp", m[1], rawsocket.Options{Serializer: json.Serializer{}})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.MaxSendLen(); got != tc.want {
				t.Errorf("max_message_size %s: the router takes %d-octet messages, want %d", tc.size, got, tc.want)
			}
		})
	}
}
