package ws

import (
	"errors"
	"net"
	"runtime/debug"
	"sync/atomic"
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
	contain(v, s.c, s.s.Handler, s.told, s.s.options(), &s.s.panics)
	s.told = true
	s.end()
}

// contain is the work of a recovered panic v of h serving c, for guard
// and Serve: it is logged and counted in n; unless told (OnClose was
// called, or is under way), c is closed with 1011 and OnClose called,
// a panic of which is contained too; then c is released.
func contain(v any, c *Conn, h Handler, told bool, o *Options, n *atomic.Int64) {
	panicked(o, n, c, v)
	if !told {
		_ = c.Close(StatusInternalError, "")
		func() {
			defer func() {
				if v := recover(); v != nil {
					panicked(o, n, c, v)
				}
			}()
			closed(c, h, c.finished())
		}()
	}
	c.shutdown() // closed did not get to it if OnClose panicked
}

// Panics returns how many Handler panics the server contained, and
// panics of an Extension's Accept (see Options.PanicCrash).
func (s *Server) Panics() int64 { return s.panics.Load() }

// servePanics counts the panics Serve contained.
var servePanics atomic.Int64

// ServePanics returns how many Handler panics the package-level Serve
// contained, in the whole process (see Options.PanicCrash); a Server
// counts its own (Server.Panics).
func ServePanics() int64 { return servePanics.Load() }

// panicked logs a contained panic of the Handler on c and counts it in n.
func panicked(o *Options, n *atomic.Int64, c *Conn, v any) {
	logPanic(o, c.RemoteAddr(), v)
	n.Add(1) // after the log: who sees the count finds the log
}

// logPanic logs a contained panic once, with the stack of the panicking
// goroutine (a deferred function still runs on it).
func logPanic(o *Options, remote net.Addr, v any) {
	logPanicMsg(o, "ws: handler panicked", remote, v)
}

// logPanicMsg is logPanic with the log's message msg.
func logPanicMsg(o *Options, msg string, remote net.Addr, v any) {
	var addr string
	if remote != nil {
		addr = remote.String()
	}
	o.resolved().Logger.Error(msg, "remote", addr, "panic", v, "stack", string(debug.Stack()))
}

// ErrHandlerPanic matches the error of an opening handshake whose
// OnConnect, or the Accept of an Extension, panicked (it was answered
// with 500; see Options.PanicCrash).
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
				logPanic(opts, req.RemoteAddr(), v)
				acc, err = Accept{}, &panicError{HandshakeError{Status: 500, Reason: "internal server error"}}
			}
		}()
	}
	return h.OnConnect(req)
}

// acceptExtension calls e.Accept for a server's handshake (Negotiate): a
// panic of the user's Extension, like one of OnConnect, becomes a 500
// answer matching ErrHandlerPanic, logged with its stack (unless
// Options.PanicCrash), instead of taking down the process.
func acceptExtension(e Extension, offers []ExtensionOffer, remote net.Addr, opts *Options) (ans ExtensionOffer, codec Codec, ok bool, err error) {
	if opts == nil || !opts.PanicCrash {
		defer func() {
			if v := recover(); v != nil {
				logPanicMsg(opts, "ws: extension "+e.Name()+" panicked", remote, v)
				ans, codec, ok = ExtensionOffer{}, nil, false
				err = &panicError{HandshakeError{Status: 500, Reason: "internal server error"}}
			}
		}()
	}
	return e.Accept(offers)
}

// refused counts an opening handshake that a driver outside this package
// (wshttp, through serverhooks.Refused) refused with err, as Serve counts
// its own: the HTTP status of a *HandshakeError in Metrics, and a
// contained OnConnect panic (err matches ErrHandlerPanic; it was logged
// already) in Panics.
func (s *Server) refused(err error) {
	var he *HandshakeError
	if errors.As(err, &he) {
		s.Metrics.Rejected(he.Status)
	}
	s.countPanic(err)
}

// countPanic counts a handshake error that is a contained OnConnect panic.
func (s *Server) countPanic(err error) {
	if errors.Is(err, ErrHandlerPanic) {
		s.panics.Add(1)
	}
}
