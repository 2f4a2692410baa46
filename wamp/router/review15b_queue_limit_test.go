package router_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// New refuses a queue soft limit whose hard limit (twice it) is past
// math.MaxInt: math.MaxInt, as "no bound", made the hard limit negative,
// and every session that had a reply queued behind another (200 calls at
// once) was closed with wamp.close.system_overload.
func TestReview15bQueueSoftLimitOverflow(t *testing.T) {
	for _, cfg := range []router.Config{
		{QueueSoftLimit: math.MaxInt, Realms: []router.RealmConfig{{Name: realm1}}},
		{Realms: []router.RealmConfig{{Name: realm1, QueueSoftLimit: math.MaxInt/2 + 1}}},
	} {
		if r, err := router.New(cfg); err == nil {
			_ = r.Close(context.Background())
			t.Errorf("New accepted QueueSoftLimit %d / %d", cfg.QueueSoftLimit, cfg.Realms[0].QueueSoftLimit)
		} else if !strings.Contains(err.Error(), "QueueSoftLimit") {
			t.Errorf("New: %v; want QueueSoftLimit named", err)
		}
	}
	// The largest limit taken works: 200 calls at once, every one answered.
	r := newRouter(t, func(c *router.Config) {
		c.QueueSoftLimit = math.MaxInt / 2
		c.Realms[0].QueueSoftLimit = math.MaxInt / 2
	})
	callee, caller := join(t, r), join(t, r)
	ctx := ctxT(t)
	if _, err := callee.Register(ctx, "p", func(context.Context, *client.Invocation) (*client.Result, error) {
		return &client.Result{}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for range 200 {
		wg.Go(func() {
			if _, err := caller.Call(ctx, "p", nil, nil, nil); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("call: %v (closed: %v)", err, r.Stats().Closed)
	}
}
