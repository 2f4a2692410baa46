package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
)

// RetryPolicy is the backoff between connection attempts of a Component,
// like Autobahn's: InitialDelay, multiplied by Growth after each failure,
// capped at MaxDelay, with ±Jitter (a fraction) of random spread. The zero
// value is Autobahn's Component default: retry forever (max_retries=-1),
// 1.5 s first, growth 1.5, at most 300 s apart, jitter 0.1.
type RetryPolicy struct {
	MaxRetries   int           // retries after failed attempts in a row before Run gives up; 0 or < 0 means forever
	InitialDelay time.Duration // default 1.5 s
	MaxDelay     time.Duration // default 300 s
	Growth       float64       // default 1.5 (also for values below 1 and NaN)
	Jitter       float64       // fraction 0..1; 0, above 1 or NaN means 0.1, negative means none
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.InitialDelay <= 0 {
		p.InitialDelay = 1500 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = 300 * time.Second
	}
	if !(p.Growth >= 1) { // also NaN, which would make every delay 0 or less
		p.Growth = 1.5
	}
	switch {
	case p.Jitter < 0:
		p.Jitter = 0
	case !(p.Jitter > 0 && p.Jitter <= 1): // 0, above 1, NaN
		p.Jitter = 0.1
	}
	return p
}

// Delay returns the wait before retry number attempt (0 is the first
// retry); rnd returns a number in [0, 1) (nil: math/rand/v2).
func (p RetryPolicy) Delay(attempt int, rnd func() float64) time.Duration {
	p = p.withDefaults()
	if rnd == nil {
		rnd = rand.Float64
	}
	d := float64(p.InitialDelay)
	for range attempt {
		d *= p.Growth
		if d >= float64(p.MaxDelay) {
			d = float64(p.MaxDelay)
			break
		}
	}
	d += d * p.Jitter * (2*rnd() - 1)
	return time.Duration(min(d, float64(p.MaxDelay)))
}

// Component keeps a session joined: it connects, joins, runs OnJoin, and
// when the session is lost, reconnects after the RetryPolicy's delay. It is
// the Go counterpart of Autobahn's Component/run.
type Component struct {
	// URL is the router to connect to (see Connect for the schemes),
	// used when Connect is nil.
	URL string
	// Connect returns a fresh transport, e.g. a rawsocket.Dial; nil means
	// Dial(ctx, URL, ConnectOptions{}).
	Connect func(ctx context.Context) (wamp.Transport, error)
	Realm   wamp.URI
	Join    JoinOptions
	Retry   RetryPolicy
	// OnJoin runs after every join; its ctx ends when the session does.
	// An error (or a panic, recovered, logged and counted in the
	// session's Stats) leaves the session and counts as a failed attempt,
	// unless the router or the connection had ended the session already
	// (then OnJoin's error is taken for a consequence: the session was
	// lost, as if OnJoin had returned nil).
	OnJoin func(ctx context.Context, s *Session) error
	// OnLeave runs after every session end with its reason, once the
	// session's handlers have returned (Session.Wait; unless Run's ctx
	// ends first). A panic is recovered, logged and counted.
	OnLeave func(s *Session, reason error)
	Logger  *slog.Logger
}

// ErrRetriesExhausted is returned by Run after MaxRetries failed attempts
// in a row (never with the default RetryPolicy, which retries forever).
var ErrRetriesExhausted = errors.New("wamp/client: connection retries exhausted")

// Run keeps the component connected until ctx ends (then it leaves the
// session and returns ctx.Err()) or the retries run out (with the default
// RetryPolicy they never do: Run reconnects, with backoff, until ctx ends).
// A join refused with ABORT counts as a failed attempt, like a failed
// connection.
func (c *Component) Run(ctx context.Context) error {
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	failures := 0
	for {
		joined, err := c.once(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if joined {
			failures = 0
		}
		if c.Retry.MaxRetries > 0 && failures >= c.Retry.MaxRetries && !joined {
			return errors.Join(ErrRetriesExhausted, err)
		}
		d := c.Retry.Delay(failures, nil)
		if !joined {
			failures++
		}
		log.Info("wamp/client: session lost, reconnecting", "err", err, "delay", d)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// once runs one connection; joined reports whether a session was established.
func (c *Component) once(ctx context.Context) (joined bool, err error) {
	connect := c.Connect
	if connect == nil {
		connect = func(ctx context.Context) (wamp.Transport, error) { return Dial(ctx, c.URL, ConnectOptions{}) }
	}
	t, err := connect(ctx)
	if err != nil {
		return false, err
	}
	s, err := Join(ctx, t, c.Realm, c.Join)
	if err != nil {
		return false, err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // OnJoin's ctx ends with the session
		select {
		case <-s.Done():
			cancel()
		case <-sctx.Done():
		}
	}()
	if c.OnJoin != nil {
		// An OnJoin that ends with an error once the router or the
		// connection ended the session (its ctx.Err(), ErrSessionClosed …)
		// lost the session like any other: the attempt joined, and OnLeave
		// gets the session's reason. An OnJoin that closed the session
		// itself failed.
		err := c.onJoin(sctx, s)
		if lost := s.Err(); err != nil && (lost == nil || errors.Is(lost, ErrSessionClosed)) {
			lctx, lcancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.Leave(lctx, "")
			lcancel()
			c.onLeave(ctx, s, err)
			return false, err
		}
	}
	select {
	case <-s.Done():
	case <-ctx.Done():
		lctx, lcancel := context.WithTimeout(context.Background(), 5*time.Second)
		s.Leave(lctx, "")
		lcancel()
	}
	s.Close()
	reason := s.Err()
	c.onLeave(ctx, s, reason)
	return true, reason
}

// onJoin runs OnJoin, turning a panic into an error.
func (c *Component) onJoin(ctx context.Context, s *Session) (err error) {
	defer func() {
		if p := recover(); p != nil {
			c.recovered(s, "Component.OnJoin", p)
			err = fmt.Errorf("wamp/client: Component.OnJoin panicked: %v", p)
		}
	}()
	return c.OnJoin(ctx, s)
}

// onLeave waits for the session's handlers (or ctx), then runs OnLeave.
func (c *Component) onLeave(ctx context.Context, s *Session, reason error) {
	s.Wait(ctx)
	if c.OnLeave == nil {
		return
	}
	defer func() {
		if p := recover(); p != nil {
			c.recovered(s, "Component.OnLeave", p)
		}
	}()
	c.OnLeave(s, reason)
}

// recovered counts a panic of a callback about s in s's Stats and logs it
// with its stack through the Component's Logger, else the session's.
func (c *Component) recovered(s *Session, kind string, p any) {
	s.panics.Add(1)
	log := c.Logger
	if log == nil {
		log = s.log
	}
	log.Error("wamp/client: "+kind+" panicked", "panic", p, "stack", string(debug.Stack()))
}
