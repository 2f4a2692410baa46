package router

import (
	"context"
	"errors"
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
