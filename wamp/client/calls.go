package client

import (
	"context"

	"github.com/autobahn-go/autobahn/wamp"
)

type pending struct {
	ch       chan wamp.Message // buffered 1: the final answer
	progress func(*wamp.Result)
	// Progressive results waiting for the caller's goroutine to run
	// progress on them (under Session.mu), and its wake-up (buffered 1).
	progQ    []*wamp.Result
	progWake chan struct{}
	// install runs in the reading goroutine before the answer is handed
	// over, so that a handler is in place before the next message is read.
	install func(wamp.Message)
}

// request registers a waiter for id; the caller must call s.forget(id)
// unless the answer arrived.
func (s *Session) request(id wamp.ID, progress func(*wamp.Result)) *pending {
	p := pendingPool.Get().(*pending)
	p.progress = progress
	if progress != nil && p.progWake == nil {
		p.progWake = make(chan struct{}, 1)
	}
	s.mu.Lock()
	s.pending[id] = p
	s.mu.Unlock()
	return p
}

func (s *Session) forget(id wamp.ID) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

// roundTrip sends m and waits for the answer to request id; install, if
// set, runs on the answer in the reading goroutine. When ctx ends first,
// late, if set, runs instead of install on the answer that comes after
// (in the reading goroutine), to undo what the router did for nobody.
func (s *Session) roundTrip(ctx context.Context, id wamp.ID, m wamp.Message, install, late func(wamp.Message)) (wamp.Message, error) {
	p := s.request(id, nil)
	p.install = install
	if err := s.send(ctx, m); err != nil {
		s.forget(id)
		return nil, err
	}
	select {
	case a := <-p.ch:
		p.recycle()
		return a, errorOf(a)
	case <-s.ending:
		if s.taken(id, p) { // answered before the session ended
			a := <-p.ch
			p.recycle()
			return a, errorOf(a)
		}
		return nil, s.closedErr()
	case <-ctx.Done():
		s.mu.Lock()
		if s.pending[id] != p {
			// The reader has taken the answer (and installed it): it is
			// on its way to p.ch, and the caller gets it.
			s.mu.Unlock()
			a := <-p.ch
			p.recycle()
			return a, errorOf(a)
		}
		if late != nil {
			// Left in place, never recycled: its answer goes to late
			// and into p.ch's free slot.
			p.install = late
		} else {
			delete(s.pending, id)
		}
		s.mu.Unlock()
		return nil, ctx.Err()
	}
}

// taken reports whether the reader has taken the answer to request id,
// which is then on its way to p.ch; if not, it forgets id.
func (s *Session) taken(id wamp.ID, p *pending) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pending[id] != p {
		return true
	}
	delete(s.pending, id)
	return false
}

func errorOf(m wamp.Message) error {
	if e, ok := m.(*wamp.Error); ok {
		return &Error{URI: e.Error, Args: e.Args, Kwargs: e.Kwargs, Details: e.Details}
	}
	return nil
}

// recycle returns a waiter whose answer has been received to the pool.
func (p *pending) recycle() {
	p.progress, p.install = nil, nil
	clear(p.progQ)
	p.progQ = p.progQ[:0]
	if p.progWake != nil {
		select {
		case <-p.progWake:
		default:
		}
	}
	pendingPool.Put(p)
}

// runProgress runs p's progress callback on the progressive results that
// wait for it, in the calling goroutine (the one in Call), unless the
// session has ended.
func (s *Session) runProgress(p *pending) {
	for {
		s.mu.Lock()
		if len(p.progQ) == 0 {
			s.mu.Unlock()
			return
		}
		r := p.progQ[0]
		p.progQ[0] = nil
		p.progQ = p.progQ[1:]
		s.mu.Unlock()
		if !s.enter() {
			return
		}
		s.protect("progress callback", func() { p.progress(r) })
		s.exit()
	}
}

// answer hands a final answer to the waiter of request id.
func (s *Session) answer(id wamp.ID, m wamp.Message) {
	s.mu.Lock()
	p := s.pending[id]
	delete(s.pending, id)
	s.mu.Unlock()
	if p != nil {
		if p.install != nil {
			p.install(m)
		}
		p.ch <- m
	}
}
