package router

import (
	"context"
	"time"
)

// sendCtx is the context the writer passes to the transport's Send: the
// session's context (see graceMu), made only when Send needs it. A
// transport's Send checks Err on every call, but waits on Done only when
// its queue is full; until then sendCtx answers Err from the session's
// state without a context of its own, so that a session whose writer has
// sent (WELCOME) and gone idle holds none. It is pointer-shaped: passing
// it as a context.Context allocates nothing.
type sendCtx struct{ s *session }

// Deadline: the session's context has none.
func (sendCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// Done makes the session's context and returns its Done.
func (c sendCtx) Done() <-chan struct{} { return c.s.context().Done() }

// Err is the session's context's error, context.Canceled once the session
// canceled it (made or not).
func (c sendCtx) Err() error {
	s := c.s
	s.graceMu.Lock()
	ctx, canceled := s.ctx, s.canceled
	s.graceMu.Unlock()
	switch {
	case ctx != nil:
		return ctx.Err()
	case canceled:
		return context.Canceled
	}
	return nil
}

// Value is the session's context's (none of its own; the context package
// finds the cancelCtx under it, so that context.AfterFunc and WithCancel
// on a sendCtx start no goroutine).
func (c sendCtx) Value(key any) any { return c.s.context().Value(key) }
