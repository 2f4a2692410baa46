package client

import (
	"context"
	"io"
	"slices"
	"strconv"

	"github.com/autobahn-go/autobahn/wamp"
)

// Progressive call invocations, the callee's side (WAMP spec, "Progressive
// Call Invocations"): the session announces
// callee.features.progressive_call_invocations (with call_canceling, which
// a dealer requires for it). The first INVOCATION of a stream
// (Details.progress=true) starts the handler of a registration made with
// RegisterOptions.Progressive; the next ones, with the same request ID,
// are its parts, which the reader queues (at most JoinOptions.EventQueue)
// for Invocation.NextPart. The handler answers once, when it returns;
// parts that come after that are discarded.

// maxEndedStreams bounds how many request IDs of streams answered before
// their last part came a session remembers, to discard their further
// parts; past it the oldest is forgotten.
const maxEndedStreams = 64

// invocationParts are the parts of a progressive call invocation that
// came after the first and wait for NextPart (under Session.mu).
type invocationParts struct {
	queue []*wamp.Invocation
	last  bool            // the last part (without progress) has come
	taken bool            // NextPart has returned the last part
	wake  chan struct{}   // buffered 1: a part came
	ctx   context.Context // the handler's
}

// MoreParts reports whether the invocation is a progressive call
// invocation whose last part NextPart has not returned yet.
func (inv *Invocation) MoreParts() bool {
	if inv.parts == nil {
		return false
	}
	inv.s.mu.Lock()
	defer inv.s.mu.Unlock()
	return !inv.parts.taken
}

// NextPart waits for the next part of a progressive call invocation and
// returns it: its Args and Kwargs, and Details.progress, set on all but
// the last part. It returns io.EOF when there are no more parts (the last
// was returned, or the call is not progressive), and ctx's error, or the
// handler's once the call is interrupted or the session ends.
func (inv *Invocation) NextPart(ctx context.Context) (*wamp.Invocation, error) {
	ps := inv.parts
	if ps == nil {
		return nil, io.EOF
	}
	s := inv.s
	for {
		s.mu.Lock()
		if ps.taken {
			s.mu.Unlock()
			return nil, io.EOF
		}
		if len(ps.queue) > 0 {
			m := ps.queue[0]
			ps.queue[0] = nil
			ps.queue = ps.queue[1:]
			if progress, _ := m.Details["progress"].(bool); !progress {
				ps.taken = true
			}
			s.mu.Unlock()
			return m, nil
		}
		s.mu.Unlock()
		select {
		case <-ps.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ps.ctx.Done():
			return nil, ps.ctx.Err()
		}
	}
}

// addPart queues m, the next part of inv, for NextPart; it is called with
// s.mu held, and unlocks it. When more parts wait than the event queue
// limit, the call is answered with wamp.error.unavailable and the handler's
// ctx canceled.
func (s *Session) addPart(inv *runningInvocation, m *wamp.Invocation) {
	ps := inv.parts
	if ps == nil || ps.last {
		s.mu.Unlock()
		s.log.Warn("wamp/client: INVOCATION with the request ID of a running one", "request", m.Request)
		return
	}
	progress, _ := m.Details["progress"].(bool)
	ps.last = !progress
	if inv.answered || inv.interrupted != "" {
		s.mu.Unlock()
		return // its answer is sent or on its way: the part goes nowhere
	}
	if s.evLimit > 0 && len(ps.queue) >= s.evLimit {
		inv.answered = true
		inv.cancel()
		clear(ps.queue) // NextPart returns the handler's ctx error now
		ps.queue = nil
		s.unqueue(inv)
		s.mu.Unlock()
		s.log.Warn("wamp/client: too many parts of a progressive call wait for the handler", "limit", s.evLimit)
		s.send(s.ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrUnavailable,
			Args: wamp.List{"callee too slow: more than " + strconv.Itoa(s.evLimit) + " parts of this progressive call wait for its handler"}})
		return
	}
	ps.queue = append(ps.queue, m)
	s.mu.Unlock()
	select {
	case ps.wake <- struct{}{}:
	default:
	}
}

// unqueue takes inv, answered already, out of the invocation queue, where
// its handler has not started yet (under s.mu).
func (s *Session) unqueue(inv *runningInvocation) {
	if !inv.queued {
		return
	}
	delete(s.invocations, inv.Request)
	if i := slices.Index(s.invQueue, inv); i >= 0 {
		s.invQueue = slices.Delete(s.invQueue, i, i+1)
	}
	inv.queued = false
	// Answered before its last part came (addPart runs for parts only).
	if !inv.parts.last {
		s.endStream(inv.Request)
	}
}

// endStream remembers (under s.mu) that the stream of request req was
// answered before its last part came: its further parts are discarded.
func (s *Session) endStream(req wamp.ID) {
	if len(s.endedStreams) == maxEndedStreams {
		s.endedStreams = slices.Delete(s.endedStreams, 0, 1)
	}
	s.endedStreams = append(s.endedStreams, req)
}

// streamEnded reports (under s.mu) whether an INVOCATION with request req
// is a part of a stream that was answered (to be discarded); the last
// part (progress false) lets the request ID go.
func (s *Session) streamEnded(req wamp.ID, progress bool) bool {
	i := slices.Index(s.endedStreams, req)
	if i < 0 {
		return false
	}
	if !progress {
		s.endedStreams = slices.Delete(s.endedStreams, i, i+1)
	}
	return true
}
