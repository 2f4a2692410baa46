package ws

import (
	"errors"
	"net"
	"runtime/debug"
)

// Panics of a Handler are contained by the server drivers (ws.Server,
// wshttp through it, wsloop): one connection's bug must not take down
// every other connection of the process. Options.PanicCrash turns this
// off.

// guard contains a panic of the Handler on a goroutine serving s
// (deferred by each): unless Options.PanicCrash, the connection is closed
// with 1011, OnClose is called if it was not, the panic is logged and
// counted, and the server goes on.
func (s *serving) guard() {
	if s.s.opts.PanicCrash {
		return // recover is not called: the panic goes on, stack intact
	}
	v := recover()
	if v == nil {
		return
	}
	s.s.panicked(s.c, v)
	c := s.c
	if !s.told {
		s.told = true
		_ = c.Close(StatusInternalError, "")
		func() {
			defer s.s.swallow(c)
			closed(c, s.s.Handler, c.finished())
		}()
	}
	c.shutdown() // closed did not get to it if OnClose panicked
	s.end()
}

// Panics returns how many Handler panics the server contained (see
// Options.PanicCrash).
func (s *Server) Panics() int64 { return s.panics.Load() }

// panicked logs and counts a contained panic of the Handler.
func (s *Server) panicked(c *Conn, v any) {
	logPanic(s.options(), c.RemoteAddr(), v)
	s.panics.Add(1) // after the log: who sees the count finds the log
}

// swallow, deferred around a call made while ending a connection whose
// handler already panicked (OnClose), contains a second panic too.
func (s *Server) swallow(c *Conn) {
	if v := recover(); v != nil {
		s.panicked(c, v)
	}
}

// logPanic logs a contained panic once, with the stack of the panicking
// goroutine (a deferred function still runs on it).
func logPanic(o *Options, remote net.Addr, v any) {
	var addr string
	if remote != nil {
		addr = remote.String()
	}
	o.resolved().Logger.Error("ws: handler panicked", "remote", addr, "panic", v, "stack", string(debug.Stack()))
}

// ErrHandlerPanic matches the error of an opening handshake whose
// OnConnect panicked (it was answered with 500; see Options.PanicCrash).
var ErrHandlerPanic = errors.New("ws: handler panicked")

type panicError struct{ HandshakeError }

func (e *panicError) Is(target error) bool {
	return target == ErrHandlerPanic || target == ErrHandshake
}

func (e *panicError) As(target any) bool {
	if t, ok := target.(**HandshakeError); ok {
		*t = &e.HandshakeError
		return true
	}
	return false
}

// onConnect calls h.OnConnect; a panic becomes a 500 answer (unless
// Options.PanicCrash), logged with its stack.
func onConnect(req *ConnectRequest, h Handler, opts *Options) (acc Accept, err error) {
	if opts == nil || !opts.PanicCrash {
		defer func() {
			if v := recover(); v != nil {
				logPanic(opts, req.RemoteAddr, v)
				acc, err = Accept{}, &panicError{HandshakeError{Status: 500, Reason: "internal server error"}}
			}
		}()
	}
	return h.OnConnect(req)
}

// countPanic counts a handshake error that is a contained OnConnect panic.
func (s *Server) countPanic(err error) {
	if errors.Is(err, ErrHandlerPanic) {
		s.panics.Add(1)
	}
}
