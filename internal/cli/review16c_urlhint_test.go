package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// A URL typed without its scheme (127.0.0.1:9000/echo, the way other tools
// take an address) is a usage error that says what to type, with an
// example, not Go's url.Parse complaint ("first path segment in URL
// cannot contain colon") or a dial error. bench wamp takes a router URL,
// so it names the router's schemes, not just ws:// and wss://.
func TestReview16cURLWithoutSchemeSaysWhatToType(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"bench", "run", "127.0.0.1:9000/echo"}, []string{"ws://", "wss://", "e.g. ws://127.0.0.1:9000/echo"}},
		{[]string{"bench", "idle", "-n", "1", "localhost:9000"}, []string{"ws://", "wss://", "e.g. ws://127.0.0.1:9000/echo"}},
		{[]string{"bench", "wamp", "127.0.0.1:9000/ws"}, []string{"rs://", "e.g. ws://127.0.0.1:9000/ws"}},
		{[]string{"bench", "wamp"}, []string{"rs://"}},
		{[]string{"wamp", "call", "127.0.0.1:9000/ws", "com.example.add2"}, []string{"ws://", "rs://", "e.g. ws://127.0.0.1:9000/ws"}},
	} {
		err := run(context.Background(), tt.args, io.Discard, io.Discard)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", tt.args, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: %q does not say %q", tt.args, err, w)
			}
		}
		if strings.Contains(err.Error(), "first path segment") {
			t.Errorf("%q: %q is url.Parse's message, not what to type", tt.args, err)
		}
	}
}
