package cli

import (
	"context"
	"strings"
	"testing"
)

// An event JSON cannot hold (here +Inf, which CBOR carries) is not dropped
// without a word: subscribe says so on stderr, and goes on printing the
// next events on stdout.
func TestReview14cWAMPSubscribeUnprintableEvent(t *testing.T) {
	url := wampRouterURL(t)
	events, subErr, stop := background(t, "wamp", "subscribe", "--serializer", "cbor", url, "com.t.inf")
	defer stop()
	subErr.wait(t, "subscribed to com.t.inf")
	for _, arg := range []string{"1e400", "2"} {
		var out, errb wampOut
		if err := run(context.Background(), []string{"wamp", "publish", "--serializer", "cbor", url, "com.t.inf", arg}, &out, &errb); err != nil {
			t.Fatalf("publish %s: %v", arg, err)
		}
	}
	events.wait(t, `{"args":[2]`) // events arrive in order: the first was handled
	if got := subErr.String(); !strings.Contains(got, "com.t.inf") || !strings.Contains(got, "+Inf") {
		t.Errorf("stderr says nothing of the event it could not print:\n%s", got)
	}
	if strings.Count(events.String(), "\n") != 1 {
		t.Errorf("stdout holds more than the printable event:\n%s", events.String())
	}
}
