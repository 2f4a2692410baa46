package main

import (
	"strings"
	"testing"
)

// The binary's exit statuses for command lines that cannot work: 2, with
// the reason on stderr and nothing on stdout, before any connection (no
// router listens at these URLs).
func TestReview14cUsageExitStatus(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"nvx", "-bogus"}, "nvx: flag provided but not defined"},
		{[]string{"nvx", "-no-bench", "extra"}, `nvx: unexpected argument "extra"`},
		{[]string{"wamp", "call", "--timeout", "-1s", "ws://127.0.0.1:1/ws", "com.x"}, "--timeout"},
		{[]string{"wamp", "call", "ws://127.0.0.1:1/ws", "com..x"}, "not a WAMP URI"},
		{[]string{"wamp", "call", "--realm", "", "ws://127.0.0.1:1/ws", "com.x"}, "--realm"},
		{[]string{"wamp", "call", "http://127.0.0.1:1/ws", "com.x"}, "want ws://"},
	} {
		out, errOut, status := autobahn(t, tc.args...)
		if status != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want 2 and %q", tc.args, status, out, errOut, tc.want)
		}
	}
}
