package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A flag after URL (flag parsing stops there) is a usage error naming it;
// it went out as a call or publish argument and did nothing (an
// --insecure there left the certificate checked), or made subscribe say
// it "takes no arguments". Arguments that only look like flags (-1) and
// flag-like text given as JSON still go out.
func TestReview17WAMPFlagAfterURL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const url = "ws://127.0.0.1:1/ws" // nothing listens: the check comes first
	var ue usageError
	for _, args := range [][]string{
		{"call", url, "com.t.p", "--insecure"},
		{"call", url, "com.t.p", "1", "-timeout=5s"},
		{"publish", url, "com.t.topic", "x", "--realm", "realm2"},
		{"subscribe", url, "com.t.topic", "--timeout", "5s"},
	} {
		var out, errb wampOut
		err := run(ctx, append([]string{"wamp"}, args...), &out, &errb)
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "after URL") {
			t.Errorf("wamp %q: %v, want a usage error about a flag after URL", args, err)
		}
	}
	for _, args := range [][]string{
		{"call", "--timeout", "2s", url, "com.t.p", "-1", `"--insecure"`},
	} {
		var out, errb wampOut
		if err := run(ctx, append([]string{"wamp"}, args...), &out, &errb); err == nil || errors.As(err, &ue) {
			t.Errorf("wamp %q: %v, want it to try connecting", args, err)
		}
	}
}
