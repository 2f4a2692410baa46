package client_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
)

// r14Router is a scripted router for one join: it answers HELLO with
// onHello and AUTHENTICATE with onAuth (nil answers: none), and records
// every message the client sends.
type r14Router struct {
	onHello func(*wamp.Hello) []wamp.Message
	onAuth  func(*wamp.Authenticate) []wamp.Message
	// wrap, when set, wraps the client's end of the transport.
	wrap func(wamp.Transport) wamp.Transport
	// ctx, when set, is Join's (else ctxT's).
	ctx context.Context

	mu   sync.Mutex
	seen []wamp.Message
	done chan struct{}
}

// stopped waits until the transport has closed (Join closes it when it
// fails) and returns everything the client sent.
func (r *r14Router) stopped() []wamp.Message {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]wamp.Message(nil), r.seen...)
}

// r14Recv is memTransport.Recv, except that it returns the messages sent
// before the transport closed first.
func r14Recv(t *memTransport) (wamp.Message, error) {
	select {
	case b := <-t.in:
		return json.Serializer{}.Unmarshal(b)
	default:
	}
	select {
	case b := <-t.in:
		return json.Serializer{}.Unmarshal(b)
	case <-t.closed:
		select {
		case b := <-t.in:
			return json.Serializer{}.Unmarshal(b)
		default:
			return nil, errors.New("closed")
		}
	}
}

// join runs the router on one end of an in-memory transport and joins
// over the other; the router stops when the test ends.
func (r *r14Router) join(t *testing.T, opts client.JoinOptions) (*client.Session, error) {
	t.Helper()
	a, b := memPair()
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		for {
			m, err := r14Recv(b)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.seen = append(r.seen, m)
			r.mu.Unlock()
			var out []wamp.Message
			switch m := m.(type) {
			case *wamp.Hello:
				if r.onHello != nil {
					out = r.onHello(m)
				}
			case *wamp.Authenticate:
				if r.onAuth != nil {
					out = r.onAuth(m)
				}
			}
			for _, o := range out {
				b.Send(context.Background(), o)
			}
		}
	}()
	t.Cleanup(func() { a.Close(); <-r.done })
	var ct wamp.Transport = a
	if r.wrap != nil {
		ct = r.wrap(a)
	}
	ctx := r.ctx
	if ctx == nil {
		ctx = ctxT(t)
	}
	s, err := client.Join(ctx, ct, "realm1", opts)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

// r14ClientNonce returns the SCRAM client nonce of a HELLO.
func r14ClientNonce(h *wamp.Hello) string {
	extra, _ := h.Details["authextra"].(wamp.Dict)
	n, _ := extra["nonce"].(string)
	return n
}
