package loadgen

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// cutAfter ends its session's transport, on the router's side, once it
// received n messages from the client.
type cutAfter struct {
	wamp.Transport
	left atomic.Int64
}

func (c *cutAfter) Recv(ctx context.Context) (wamp.Message, error) {
	if c.left.Add(-1) < 0 {
		_ = c.Transport.Close()
		return nil, errors.New("review18: transport cut")
	}
	return c.Transport.Recv(ctx)
}

// A caller session that the router ends during the run takes its calls
// with it: the other callers carry the load, and the calls per second are
// theirs. The result says so (CallersLost, as SubscribersLost for the
// PubSub phase); before, a caller lost in the warm-up left no trace, not
// even an error.
func TestReview18WAMPCallersLost(t *testing.T) {
	var n atomic.Int64
	wsURL, _ := testRouterWrap(t, func(c wamp.Transport) wamp.Transport {
		if n.Add(1) != 2 { // the callee joins first, then the callers
			return c
		}
		ca := &cutAfter{Transport: c}
		ca.left.Store(20) // HELLO and some calls
		return ca
	})
	w := &WAMP{URL: wsURL, Only: "rpc", Callers: 2, Size: 16,
		Warmup: 200 * time.Millisecond, Duration: 200 * time.Millisecond, Drain: time.Second}
	res, err := w.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := res.RPC
	if r.Calls != r.Answered+r.Errors {
		t.Errorf("calls %d != answered %d + errors %d", r.Calls, r.Answered, r.Errors)
	}
	if r.CallersLost != 1 || r.CallerError == "" {
		t.Fatalf("callers lost %d (%q), want 1 with its error", r.CallersLost, r.CallerError)
	}
	var sb strings.Builder
	if err := res.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), "callers lost") {
		t.Errorf("the text does not tell the lost caller:\n%s", sb.String())
	}
}
