package loadgen

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// gatedEvents holds the router's EVENTs to one session until open is
// closed: a router that falls behind its publisher.
type gatedEvents struct {
	wamp.Transport
	open <-chan struct{}
}

func (g gatedEvents) Send(ctx context.Context, m wamp.Message) error {
	if _, ok := m.(*wamp.Event); ok {
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.Transport.Send(ctx, m)
}

// A router that delivers nothing in the measured time (its events are
// held until the drain) gets no events per second and none per
// router-CPU-second: the figures count the router's deliveries in the
// time its CPU is measured. They counted every event published in the
// measured time, delivered in the drain or not.
func TestReviewPubSubCountsDeliveriesInWindow(t *testing.T) {
	open := make(chan struct{})
	var openOnce sync.Once
	wsURL, _ := testRouterWrap(t, func(c wamp.Transport) wamp.Transport { return gatedEvents{c, open} })
	t.Cleanup(func() { openOnce.Do(func() { close(open) }) }) // before the router closes
	w := &WAMP{URL: wsURL, Only: "pubsub", Subscribers: 2, Size: 16,
		EventRate: 500, Warmup: 20 * time.Millisecond, Duration: 100 * time.Millisecond, Drain: 10 * time.Second,
		PID: os.Getpid(), ProgressEvery: 5 * time.Millisecond,
		Progress: func(p Progress) {
			if p.Phase == "pubsub drain" {
				openOnce.Do(func() { close(open) })
			}
		}}
	res, err := w.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := res.PubSub
	checkWAMPCounts(t, res)
	if p.Drops != 0 {
		t.Fatalf("%d drops: the held events should all arrive in the drain", p.Drops)
	}
	if p.EventsPerSecond != 0 {
		t.Errorf("events/s %.0f, want 0: nothing was delivered in the measured time (%d delivered in the drain)", p.EventsPerSecond, p.Received)
	}
	if p.Server == nil {
		t.Fatal("no router CPU with PID set")
	}
	if p.Server.MsgPerCPUSecond != 0 {
		t.Errorf("events per router-CPU-second %.0f, want 0: nothing was delivered in the measured time", p.Server.MsgPerCPUSecond)
	}
}
