package client

import (
	"context"
	"slices"

	"github.com/autobahn-go/autobahn/wamp"
)

// readLoop reads the router's messages and dispatches each; it runs no
// user code (handlers run on the event goroutine and the invokers).
func (s *Session) readLoop() {
	defer s.exit()
	for {
		m, err := s.t.Recv(context.Background())
		if err != nil {
			s.shutdown(err)
			return
		}
		if stop := s.dispatch(m); stop {
			return
		}
	}
}

func (s *Session) eventLoop() {
	defer s.exit()
	for {
		f := s.nextEvent()
		if f == nil {
			select {
			case <-s.evWake:
				continue
			case <-s.done:
				return
			}
		}
		select {
		case <-s.done:
			return
		default:
		}
		s.protect("event handler", f)
	}
}

// queueEvent appends f to the event queue without blocking; it reports
// false when the queue is full.
func (s *Session) queueEvent(f func()) bool {
	s.evMu.Lock()
	if s.evLimit > 0 && len(s.evQueue)-s.evHead >= s.evLimit {
		s.evMu.Unlock()
		return false
	}
	if s.evHead > 0 && s.evHead >= len(s.evQueue)/2 {
		// Slide the waiting events to the front (amortized O(1)), so a
		// queue that never quite drains does not grow without end.
		n := copy(s.evQueue, s.evQueue[s.evHead:])
		clear(s.evQueue[n:])
		s.evQueue, s.evHead = s.evQueue[:n], 0
	}
	s.evQueue = append(s.evQueue, f)
	s.evMu.Unlock()
	select {
	case s.evWake <- struct{}{}:
	default:
	}
	return true
}

// nextEvent takes the first waiting event, or returns nil.
func (s *Session) nextEvent() func() {
	s.evMu.Lock()
	defer s.evMu.Unlock()
	if s.evHead == len(s.evQueue) {
		if cap(s.evQueue) > 1024 {
			s.evQueue = nil // let a burst's backing array go
		}
		s.evQueue, s.evHead = s.evQueue[:0], 0
		return nil
	}
	f := s.evQueue[s.evHead]
	s.evQueue[s.evHead] = nil
	s.evHead++
	return f
}

// dispatch handles one message from the router; it reports true when the
// session has ended.
func (s *Session) dispatch(m wamp.Message) bool {
	switch m := m.(type) {
	case *wamp.Result:
		if progress, _ := m.Details["progress"].(bool); progress {
			// Handed to the caller's goroutine, which runs the callback.
			s.mu.Lock()
			p := s.pending[m.Request]
			full := false
			if p != nil && p.progress != nil {
				if full = s.evLimit > 0 && len(p.progQ) >= s.evLimit; !full {
					p.progQ = append(p.progQ, m)
				}
			}
			s.mu.Unlock()
			if full {
				s.log.Warn("wamp/client: progressive results queue full, closing the session", "limit", s.evLimit)
				s.shutdown(ErrEventQueueFull)
				return true
			}
			if p != nil && p.progress != nil {
				select {
				case p.progWake <- struct{}{}:
				default:
				}
			}
			return false
		}
		s.answer(m.Request, m)
	case *wamp.Error:
		s.answer(m.Request, m)
	case *wamp.Published:
		s.answer(m.Request, m)
	case *wamp.Subscribed:
		s.answer(m.Request, m)
	case *wamp.Registered:
		s.answer(m.Request, m)
	case *wamp.Unsubscribed:
		if m.Request == 0 { // revoked by the router
			if id, ok := wamp.AsID(m.Details["subscription"]); ok {
				s.mu.Lock()
				revoked := s.subs[id]
				delete(s.subs, id)
				delete(s.retainedTo, id)
				s.mu.Unlock()
				reason, _ := m.Details["reason"].(string)
				for _, sub := range revoked {
					sub.off.Store(true)
					sub.rev.revoke(reason) // revocation.go
				}
			}
			return false
		}
		s.answer(m.Request, m)
	case *wamp.Unregistered:
		if m.Request == 0 {
			if id, ok := wamp.AsID(m.Details["registration"]); ok {
				s.mu.Lock()
				delete(s.regs, id)
				s.mu.Unlock()
			}
			return false
		}
		s.answer(m.Request, m)
	case *wamp.Event:
		s.mu.Lock()
		handlers := s.subs[m.Subscription]
		if to := s.retainedTo[m.Subscription]; to != nil {
			if retained, _ := m.Details["retained"].(bool); retained {
				// Only for the Subscribe that asked for it (and not at all
				// once that one is unsubscribed): the others had the event
				// live, or were not to get it.
				if slices.Contains(handlers, to) {
					handlers = []*Subscription{to}
				} else {
					handlers = nil
				}
			}
		}
		s.mu.Unlock()
		for _, sub := range handlers {
			if !s.queueEvent(func() {
				if !sub.off.Load() { // not unsubscribed or revoked since
					sub.handler(m)
				}
			}) {
				s.log.Warn("wamp/client: event queue full, closing the session", "limit", s.evLimit)
				s.shutdown(ErrEventQueueFull)
				return true
			}
		}
	case *wamp.Invocation:
		s.invoke(m)
	case *wamp.Interrupt:
		mode, _ := m.Options["mode"].(string)
		if mode == "" {
			mode = "kill"
		}
		s.mu.Lock()
		inv := s.invocations[m.Request]
		dropped := false
		if inv != nil && inv.interrupted == "" {
			inv.interrupted = mode
			inv.cancel()
			if inv.queued { // its handler never runs: answer now
				dropped = true
				delete(s.invocations, m.Request)
				if inv.parts != nil && !inv.parts.last {
					s.endStream(m.Request)
				}
				for i, q := range s.invQueue {
					if q == inv {
						s.invQueue = slices.Delete(s.invQueue, i, i+1)
						break
					}
				}
			}
		}
		s.mu.Unlock()
		if dropped && mode != CancelKillNoWait {
			s.send(s.ctx, &wamp.Error{RequestType: wamp.TypeInvocation, Request: m.Request, Details: wamp.Dict{}, Error: wamp.ErrCanceled})
		}
	case *wamp.Goodbye:
		s.mu.Lock()
		ours := s.sentGoodbye
		s.mu.Unlock()
		if !ours {
			s.t.Send(context.Background(), &wamp.Goodbye{Details: wamp.Dict{}, Reason: wamp.ErrGoodbyeAndOut})
			s.shutdown(&GoodbyeError{Reason: m.Reason, Details: m.Details})
			return true
		}
		s.shutdown(nil)
		return true
	case *wamp.Abort:
		s.shutdown(&GoodbyeError{Reason: m.Reason, Details: m.Details})
		return true
	default:
		s.log.Warn("wamp/client: unexpected message", "type", m.Type())
		s.t.Send(context.Background(), &wamp.Abort{Details: wamp.Dict{"message": "unexpected " + m.Type().String()}, Reason: wamp.ErrProtocolViolationURI})
		s.shutdown(&wamp.ProtocolError{Msg: "unexpected " + m.Type().String() + " from router"})
		return true
	}
	return false
}
