package loadgen

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runRPC is the RPC phase: one callee, Callers × InFlight calls in flight.
func (w *WAMP) runRPC(ctx context.Context, payload string) (*RPCResult, error) {
	sess := &sessionSet{}
	defer sess.closeAll()
	var (
		hist                    Histogram
		calls, answered, errs   atomic.Uint64
		measuring, stopping     atomic.Bool
		errOnce                 sync.Once
		firstErr                string
		epoch                   = time.Now()
		progressErrs, progressN atomic.Uint64
	)
	tick := w.startProgress("rpc connect", epoch, sess, &progressN, &progressErrs, &hist)
	defer tick.stop()

	callee, err := w.sessions(ctx, 1, client.JoinOptions{MaxConcurrentInvocations: w.Callers * w.InFlight}, sess)
	if err != nil {
		return nil, err
	}
	proc := wamp.URI(fmt.Sprintf("autobahn.bench.echo.%d", callee[0].ID()))
	echo := func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		return &client.Result{Args: inv.Args}, nil
	}
	if _, err := callee[0].Register(ctx, proc, echo, nil); err != nil {
		return nil, fmt.Errorf("loadgen: register %s: %w", proc, err)
	}
	callers, err := w.sessions(ctx, w.Callers, client.JoinOptions{}, sess)
	if err != nil {
		return nil, err
	}
	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	var wg sync.WaitGroup
	for _, c := range callers {
		for range w.InFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stopping.Load() && callCtx.Err() == nil && c.Err() == nil {
					m := measuring.Load()
					if m {
						calls.Add(1)
					}
					t0 := time.Now()
					r, err := c.Call(callCtx, proc, wamp.List{payload}, nil, nil)
					if err == nil && (len(r.Args) != 1 || r.Args[0] != payload) {
						err = fmt.Errorf("loadgen: %s answered %d arguments, not the payload", proc, len(r.Args))
					}
					if !m {
						continue
					}
					if err != nil {
						errs.Add(1)
						progressErrs.Add(1)
						errOnce.Do(func() { firstErr = err.Error() })
						continue
					}
					answered.Add(1)
					progressN.Add(1)
					hist.Record(time.Since(t0))
				}
			}()
		}
	}
	tick.setPhase("rpc warmup")
	err = sleepCtx(ctx, w.Warmup)
	var su serverUse
	su.begin(w.PID)
	start := time.Now()
	measuring.Store(true)
	tick.setPhase("rpc measure")
	if err == nil {
		err = sleepCtx(ctx, w.Duration)
	}
	stopping.Store(true)
	el := time.Since(start)
	tick.setPhase("rpc drain")
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(w.Drain):
		cancelCalls() // the calls still out end with an error
		<-done
	}
	if err != nil {
		return nil, err
	}
	res := &RPCResult{DurationSeconds: el.Seconds(), Calls: calls.Load(), Answered: answered.Load(),
		Errors: errs.Load(), FirstError: firstErr}
	for _, c := range callers {
		if err := c.Err(); err != nil {
			res.CallersLost++
			if res.CallerError == "" {
				res.CallerError = err.Error()
			}
		}
	}
	res.CallsPerSecond = float64(res.Answered) / el.Seconds()
	res.Latency = summarize(hist.Snapshot())
	res.Server = su.end(el, res.Answered)
	return res, nil
}

// subscriber counts the events of the measured sequence numbers.
type subscriber struct {
	last       atomic.Int64 // highest sequence number seen, -1: none
	received   atomic.Uint64
	duplicates atomic.Uint64
}

// runPubSub is the PubSub phase: one publisher, Subscribers subscribers.
func (w *WAMP) runPubSub(ctx context.Context, payload string) (*PubSubResult, error) {
	sess := &sessionSet{}
	defer sess.closeAll()
	var (
		hist                  Histogram
		receivedAll, pubErrs  atomic.Uint64
		inWindow              atomic.Uint64 // events of any sequence number, for the measured time's throughput
		window0, window1      uint64        // inWindow when the measured time starts and ends
		from                  atomic.Int64  // first measured sequence number
		epoch                 = time.Now()
		subs                  = make([]*subscriber, w.Subscribers)
		published             int64
		publishErrs           uint64
		measureStart, measEnd time.Time
		su                    serverUse
	)
	from.Store(math.MaxInt64)
	tick := w.startProgress("pubsub connect", epoch, sess, &receivedAll, &pubErrs, &hist)
	defer tick.stop()

	pub, err := w.sessions(ctx, 1, client.JoinOptions{}, sess)
	if err != nil {
		return nil, err
	}
	topic := wamp.URI(fmt.Sprintf("autobahn.bench.topic.%d", pub[0].ID()))
	// Events are handled in order in one goroutine per session; the
	// queue in front of it is bounded: 16384 events, or fewer so that a
	// full queue holds about 64 MiB at most.
	queue := max(64, min(16384, (64<<20)/(w.Size+64)))
	ss, err := w.sessions(ctx, w.Subscribers, client.JoinOptions{EventQueue: queue}, sess)
	if err != nil {
		return nil, err
	}
	for i, s := range ss {
		st := &subscriber{}
		st.last.Store(-1)
		subs[i] = st
		h := func(ev *wamp.Event) {
			var seq, sent int64
			if client.DecodeArgs(ev.Args, &seq, &sent) != nil {
				return
			}
			inWindow.Add(1)
			if seq < from.Load() {
				return
			}
			if seq <= st.last.Load() {
				st.duplicates.Add(1)
				return
			}
			st.last.Store(seq)
			st.received.Add(1)
			receivedAll.Add(1)
			hist.Record(time.Duration(time.Now().UnixNano() - sent))
		}
		if _, err := s.Subscribe(ctx, topic, h, nil); err != nil {
			return nil, fmt.Errorf("loadgen: subscribe %s: %w", topic, err)
		}
	}

	// The publisher: warmup, then the measured sequence numbers, paced
	// at EventRate if set. A failed Publish keeps its sequence number for
	// the next one, so the measured numbers have no gaps.
	tick.setPhase("pubsub warmup")
	var seq int64
	pubStart := time.Now()
	warmEnd := pubStart.Add(w.Warmup)
	var err2 error
	for {
		if err2 = ctx.Err(); err2 != nil {
			break
		}
		now := time.Now()
		if measureStart.IsZero() && !now.Before(warmEnd) {
			from.Store(seq)
			su.begin(w.PID)
			window0 = inWindow.Load()
			measureStart, measEnd = now, now.Add(w.Duration)
			tick.setPhase("pubsub measure")
		}
		if !measureStart.IsZero() && !now.Before(measEnd) {
			break
		}
		if w.EventRate > 0 { // paced from the warmup's start on
			due := pubStart.Add(time.Duration(float64(seq) / w.EventRate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				if !measureStart.IsZero() {
					d = min(d, time.Until(measEnd))
				}
				time.Sleep(max(d, 0))
				continue
			}
		}
		if err := pub[0].Publish(ctx, topic, wamp.List{seq, time.Now().UnixNano(), payload}, nil, nil); err != nil {
			if !measureStart.IsZero() {
				publishErrs++
				pubErrs.Add(1)
			}
			if pub[0].Err() != nil {
				err2 = fmt.Errorf("loadgen: publisher: %w", pub[0].Err())
				break
			}
			continue
		}
		seq++
	}
	el := time.Since(measureStart)
	window1 = inWindow.Load()
	if err2 != nil {
		return nil, err2
	}
	published = seq - from.Load()
	// The router's work in the time its CPU is measured is the events it
	// delivered in that time, not the events published in it: a router
	// that falls behind works off the rest in the drain, outside the
	// measured CPU time.
	delivered := window1 - window0
	srv := su.end(el, delivered)
	tick.setPhase("pubsub drain")
	expected := uint64(published) * uint64(w.Subscribers)
	deadline := time.Now().Add(w.Drain)
	for receivedAll.Load() < expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond) // polled with a deadline
	}
	res := &PubSubResult{DurationSeconds: el.Seconds(), Published: uint64(published), PublishErrors: publishErrs, Expected: expected, Server: srv}
	for i, st := range subs {
		if err := ss[i].Err(); err != nil {
			res.SubscribersLost++
			if res.SubscriberError == "" {
				res.SubscriberError = err.Error()
			}
		}
		res.Received += st.received.Load()
		res.Duplicates += st.duplicates.Load()
	}
	res.Received = min(res.Received, expected)
	res.Drops = expected - res.Received
	res.EventsPerSecond = float64(delivered) / max(el.Seconds(), 1e-9)
	res.Latency = summarize(hist.Snapshot())
	return res, nil
}
