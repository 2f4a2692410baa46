package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// A URI, a realm or a router URL that cannot be right is a usage error
// (exit status 2) found before connecting, not a protocol violation that
// makes the router drop the session (exit status 1, "session closed").
func TestReview14cWAMPBadURIsAreUsageErrors(t *testing.T) {
	url := wampRouterURL(t)
	host := strings.TrimPrefix(url, "ws://")
	for _, args := range [][]string{
		{"call", url, "com..bad", "1"},
		{"call", url, ""},
		{"publish", url, "com.t.#topic"},
		{"subscribe", url, "com.t topic"},
		{"register", url, "com.t."},
		{"call", "--realm", "", url, "com.t.echo"},
		{"call", "--realm", "my realm", url, "com.t.echo"},
		{"call", "http://" + host, "com.t.echo"},
		{"call", host, "com.t.echo"},
	} {
		var out, errb wampOut
		var ue usageError
		err := run(context.Background(), append([]string{"wamp"}, args...), &out, &errb)
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	// Loose URIs stay allowed: anything but whitespace, '.' runs and '#'.
	_, regErr, stop := background(t, "wamp", "register", url, "com.T-1.echo")
	defer stop()
	regErr.wait(t, "registered com.T-1.echo")
	var out, errb wampOut
	if err := run(context.Background(), []string{"wamp", "call", url, "com.T-1.echo", "1"}, &out, &errb); err != nil || out.String() != `{"args":[1]}`+"\n" {
		t.Errorf("call com.T-1.echo: %q, %v", out.String(), err)
	}
}
