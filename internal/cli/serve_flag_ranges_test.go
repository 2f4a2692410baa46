package cli

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// TestReviewServeFlagRanges: out-of-range values are refused with the
// flag's name, not clamped or turned into "no bound" in silence: a
// negative --handshake-timeout would leave handshakes (and net/http's
// request heads) unbounded, --deflate-level 42 would compress at 9.
func TestReviewServeFlagRanges(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--handshake-timeout", "-1s"}, "--handshake-timeout"},
		{[]string{"--close-timeout", "-1s"}, "--close-timeout"},
		{[]string{"--ping-timeout", "-5s"}, "--ping-timeout"},
		{[]string{"--max-conns", "-1"}, "--max-conns"},
		{[]string{"--compress", "deflate", "--deflate-level", "42"}, "--deflate-level"},
		{[]string{"--compress", "deflate", "--deflate-level", "-3"}, "--deflate-level"},
		{[]string{"--compress", "deflate", "--deflate-server-window-bits", "20"}, "--deflate-server-window-bits"},
		{[]string{"--compress", "deflate", "--deflate-client-window-bits", "7"}, "--deflate-client-window-bits"},
	} {
		_, err := parseServeFlags(tc.args, io.Discard, Extension{})
		var ue usageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: %v, want a usage error naming %s", tc.args, err, tc.want)
		}
	}
	// The documented values still pass.
	for _, args := range [][]string{
		{"--ping-interval", "-1s"}, {"--max-message", "-1"}, {"--max-frame", "-1"}, {"--compress-threshold", "-1"},
		{"--compress", "deflate", "--deflate-level", "9", "--deflate-server-window-bits", "8", "--deflate-client-window-bits", "15"},
		{"--handshake-timeout", "0s", "--max-conns", "0"},
	} {
		if _, err := parseServeFlags(args, io.Discard, Extension{}); err != nil {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}
