package cli

import (
	"context"
	"errors"
	"testing"
)

// --timeout 0 means no bound: the call goes through instead of failing at
// once on an expired deadline. A negative --timeout is a usage error.
func TestReview14cWAMPTimeoutZero(t *testing.T) {
	url := wampRouterURL(t)
	ctx := context.Background()
	_, regErr, stop := background(t, "wamp", "register", "--timeout", "0", url, "com.t.echo0")
	defer stop()
	regErr.wait(t, "registered com.t.echo0")

	for _, action := range []string{"call", "publish"} {
		var out, errb wampOut
		err := run(ctx, []string{"wamp", action, "--timeout", "0", url, "com.t.echo0", "7"}, &out, &errb)
		if err != nil {
			t.Errorf("%s --timeout 0: %v", action, err)
		}
		if action == "call" && out.String() != `{"args":[7]}`+"\n" {
			t.Errorf("call --timeout 0: %q", out.String())
		}
	}

	var out, errb wampOut
	var ue usageError
	if err := run(ctx, []string{"wamp", "call", "--timeout", "-1s", url, "com.t.echo0"}, &out, &errb); !errors.As(err, &ue) {
		t.Errorf("--timeout -1s: %v, want a usage error", err)
	}
}
