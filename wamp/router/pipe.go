package router

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/autobahn-go/autobahn/wamp"
)

// ErrPipeClosed is returned by a Pipe end after either end was closed (Recv
// first returns the messages that were sent before).
var ErrPipeClosed = errors.New("wamp/router: pipe closed")

// DefaultPipeBuffer is how many messages a Pipe direction holds when
// Pipe is given zero.
const DefaultPipeBuffer = 64

// Pipe returns the two ends of an in-memory wamp.Transport: what one end
// sends the other receives, in order. Each direction holds up to buffer
// messages (zero means DefaultPipeBuffer); Send waits while it is full.
// Closing either end closes both; Recv still returns what was sent before
// the close, then ErrPipeClosed.
//
// Messages cross by reference, not encoded: the receiver gets the very
// value the sender sent, so neither side may modify a message (or its
// Args, Kwargs, Details) after sending it or after receiving it. The
// router never modifies messages; wamp/client does not either, but an
// invocation handler that writes into inv.Args writes into the caller's.
func Pipe(buffer int) (wamp.Transport, wamp.Transport) {
	if buffer <= 0 {
		buffer = DefaultPipeBuffer
	}
	sh := &pipeShared{closed: make(chan struct{})}
	a2b, b2a := make(chan wamp.Message, buffer), make(chan wamp.Message, buffer)
	return &pipeEnd{sh: sh, in: b2a, out: a2b}, &pipeEnd{sh: sh, in: a2b, out: b2a}
}

type pipeShared struct {
	once   sync.Once
	closed chan struct{}
}

type pipeEnd struct {
	sh      *pipeShared
	in, out chan wamp.Message
}

func (p *pipeEnd) Send(ctx context.Context, m wamp.Message) error {
	select {
	case <-p.sh.closed:
		return ErrPipeClosed
	default:
	}
	select {
	case p.out <- m:
		return nil
	case <-p.sh.closed:
		return ErrPipeClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *pipeEnd) Recv(ctx context.Context) (wamp.Message, error) {
	select {
	case m := <-p.in:
		return m, nil
	default:
	}
	select {
	case m := <-p.in:
		return m, nil
	case <-p.sh.closed:
		select {
		case m := <-p.in:
			return m, nil
		default:
			return nil, ErrPipeClosed
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *pipeEnd) Close() error {
	p.sh.once.Do(func() { close(p.sh.closed) })
	return nil
}

// Option values the router reads as an enumeration; wamp's parser
// (rules.go) refuses any other value of these keys.
var (
	matchValues      = []string{wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard}
	invokeValues     = []string{InvokeSingle, InvokeRoundRobin, InvokeRandom, InvokeFirst, InvokeLast}
	cancelModeValues = []string{"skip", "kill", "killnowait"}
)

// badOptions checks the enumerated options of a SUBSCRIBE, REGISTER or
// CANCEL, and the exclude and eligible lists of a PUBLISH, as the wire
// parser does, for messages that did not come through it (a Pipe): the
// router would otherwise read an unknown match as exact, an unknown
// invoke as a policy of its own, an unknown cancel mode as skip, and an
// exclude list of another type ([]wamp.ID) as no list. It returns "" or
// the protocol violation.
func badOptions(m wamp.Message) string {
	check := func(opts wamp.Dict, key string, want []string) string {
		v, ok := opts[key]
		if !ok {
			return ""
		}
		if s, isString := v.(string); isString && slices.Contains(want, s) {
			return ""
		}
		return fmt.Sprintf("%s.Options.%s: want one of %q, got %#v", m.Type(), key, want, v)
	}
	switch m := m.(type) {
	case *wamp.Subscribe:
		return check(m.Options, "match", matchValues)
	case *wamp.Register:
		if msg := check(m.Options, "match", matchValues); msg != "" {
			return msg
		}
		return check(m.Options, "invoke", invokeValues)
	case *wamp.Cancel:
		return check(m.Options, "mode", cancelModeValues)
	case *wamp.Publish:
		return badPublishLists(m.Options)
	}
	return ""
}

// badPublishLists checks the exclude and eligible lists of PUBLISH
// options: lists of IDs in 1..2^53 and lists of strings, as idList and
// stringList read them.
func badPublishLists(opts wamp.Dict) string {
	if len(opts) == 0 {
		return ""
	}
	for _, key := range [...]string{"exclude", "eligible"} {
		v, ok := opts[key]
		if !ok {
			continue
		}
		l, isList := v.([]any)
		if !isList {
			return fmt.Sprintf("PUBLISH.Options.%s: want a list of IDs, got %T", key, v)
		}
		for _, e := range l {
			if id, ok := wamp.AsID(e); !ok || id == 0 {
				return fmt.Sprintf("PUBLISH.Options.%s: want a list of IDs, got an element %#v", key, e)
			}
		}
	}
	for _, key := range [...]string{"exclude_authid", "exclude_authrole", "eligible_authid", "eligible_authrole"} {
		v, ok := opts[key]
		if !ok {
			continue
		}
		switch l := v.(type) {
		case []string:
		case []any:
			for _, e := range l {
				if _, ok := e.(string); !ok {
					return fmt.Sprintf("PUBLISH.Options.%s: want a list of strings, got an element %#v", key, e)
				}
			}
		default:
			return fmt.Sprintf("PUBLISH.Options.%s: want a list of strings, got %T", key, v)
		}
	}
	return ""
}
