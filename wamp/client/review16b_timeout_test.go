package client_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// r16bCalls records the options of the CALLs a session sends.
type r16bCalls struct {
	wamp.Transport
	mu      sync.Mutex
	options []wamp.Dict
}

func (c *r16bCalls) Send(ctx context.Context, m wamp.Message) error {
	if call, ok := m.(*wamp.Call); ok {
		c.mu.Lock()
		c.options = append(c.options, call.Options)
		c.mu.Unlock()
	}
	return c.Transport.Send(ctx, m)
}

// A positive CallOptions.Timeout under a millisecond goes out as
// Options.timeout 1, not 0, which a dealer reads as no timeout at all;
// longer ones are rounded up to whole milliseconds.
func TestReview16bSubMillisecondTimeout(t *testing.T) {
	r := inProcessRouter(t)
	rec := &r16bCalls{Transport: r.Connect()}
	s, err := client.Join(ctxT(t), rec, "realm1", client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, d := range []time.Duration{time.Microsecond, 999 * time.Microsecond, 1500 * time.Microsecond} {
		// Nobody registered it: the answer (or the local deadline) is
		// beside the point, the CALL sent is.
		s.Call(ctxT(t), "com.nobody", nil, nil, &client.CallOptions{Timeout: d})
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []int64{1, 1, 2}
	if len(rec.options) != len(want) {
		t.Fatalf("%d CALLs sent, want %d", len(rec.options), len(want))
	}
	for i, o := range rec.options {
		if ms, _ := wamp.AsInt64(o["timeout"]); ms != want[i] {
			t.Errorf("CALL %d: Options.timeout %v, want %d", i, o["timeout"], want[i])
		}
	}
}
