package ws

import (
	"crypto/tls"
	"io"
	"net"
	"time"
)

// refused is the error of a handshake that upgradeConn refused with an
// HTTP answer (reject): the server closes such a connection lingering
// (closeRefused).
type refused struct{ error }

func (r refused) Unwrap() error { return r.error }

// unrefused returns err without refused's wrapping, for UpgradeConn's
// callers.
func unrefused(err error) error {
	if r, ok := err.(refused); ok {
		return r.error
	}
	return err
}

// Bounds of a lingering close after a refusal: the input discarded, and
// for how long (or Options.CloseTimeout if shorter and not off).
const (
	refusalLingerBytes = 8 << 20
	refusalLingerTime  = time.Second
)

// maxRefusals bounds the refusals a Server answers or lets linger at once
// (beginRefusal): they hold no connection slot, and nothing else bounds
// their number (each holds a goroutine and an fd for up to its
// HandshakeTimeout and refusalLingerTime: about that long's worth of the
// accept rate). More are closed at once, unanswered or, once answered,
// their answer at the mercy of a reset.
const maxRefusals = 256

// closeRefused closes nc, admitted (release), after upgradeConn failed
// with err: lingering (lingerClose) if it answered with a refusal, else at
// once. The slot is released before the lingering (a refusal holds none),
// after the refusal is tracked (beginRefusal; byCaller tells that it runs
// on ServeConn's caller's goroutine), or after nc is closed: Shutdown,
// waiting for both, never sees nc open and untracked.
func (s *Server) closeRefused(nc net.Conn, err error, byCaller bool, release func()) {
	if _, ok := err.(refused); ok {
		if end, ok := s.beginRefusal(nc, byCaller); ok {
			defer end()
			release()
			s.lingerClose(nc)
			return
		}
	}
	_ = nc.Close()
	release()
}

// beginRefusal tracks nc, whose refusal is being answered or lingers, for
// Shutdown, which ends it at once (refusalDeadline) and waits for it; call
// end when nc is closed. A refusal holds no connection slot:
// MaxConnections bounds the connections served, and a refusal ends within
// HandshakeTimeout and refusalLingerTime.
//
// Once Shutdown has begun, a refusal is not tracked: one on ServeConn's
// caller's goroutine (byCaller), which ServeConn holds until it ends,
// still goes its course (the client reads its answer, a 503, instead of a
// reset); Serve's, which nothing would wait for, is not made (ok is
// false): nc is to be closed at once. So is one past maxRefusals.
func (s *Server) beginRefusal(nc net.Conn, byCaller bool) (end func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return func() {}, byCaller
	}
	bound := s.maxRefusals
	if bound == 0 {
		bound = maxRefusals
	}
	if len(s.refusing) >= bound {
		return func() {}, false
	}
	if s.refusing == nil {
		s.refusing = map[net.Conn]struct{}{}
	}
	s.refusing[nc] = struct{}{}
	s.wg.Add(1)
	return func() {
		s.mu.Lock()
		delete(s.refusing, nc)
		s.mu.Unlock()
		s.wg.Done()
	}, true
}

// refusalDeadline sets the deadline d on nc, a refusal (beginRefusal), for
// reading only if readOnly. If Shutdown has ended nc's refusal (it is
// tracked), the deadline in the past that Shutdown gave it stays: set
// under s.mu, d cannot undo Shutdown's.
func (s *Server) refusalDeadline(nc net.Conn, d time.Time, readOnly bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, tracked := s.refusing[nc]; tracked && s.closing {
		return
	}
	if readOnly {
		_ = nc.SetReadDeadline(d)
	} else {
		_ = nc.SetDeadline(d)
	}
}

// lingerClose closes nc, whose refusal is written, without destroying the
// answer: the request's body (or the request itself, for a 503 given
// before it is read) may still be on its way, and closing with input
// unread makes the kernel reset the connection, which may destroy the
// answer before the client reads it or fail the client's write of its
// body first. So the write side is shut (after TLS's close_notify) and
// the input discarded until the client closes, within refusalLingerBytes
// and refusalLingerTime, as net/http's close after an unread body.
func (s *Server) lingerClose(nc net.Conn) {
	raw := nc
	if tc, ok := nc.(*tls.Conn); ok {
		if tc.CloseWrite() != nil { // no handshake: nothing was answered
			_ = nc.Close()
			return
		}
		raw = tc.NetConn() // the rest is not decrypted, only discarded
	}
	if cw, ok := raw.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		linger := refusalLingerTime
		if ct := s.options().CloseTimeout; ct > 0 { // negative, resolved to 0: off
			linger = min(ct, linger)
		}
		// Set on nc, which sets it on raw (a *tls.Conn's is its NetConn's).
		s.refusalDeadline(nc, time.Now().Add(linger), true)
		_, _ = io.CopyN(io.Discard, raw, refusalLingerBytes)
	}
	_ = nc.Close()
}
