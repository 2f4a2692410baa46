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
// for how long (or Options.CloseTimeout if shorter).
const (
	refusalLingerBytes = 8 << 20
	refusalLingerTime  = time.Second
)

// closeRefused closes nc after upgradeConn failed with err: lingering
// (lingerClose) if it answered with a refusal, else at once.
func (s *Server) closeRefused(nc net.Conn, err error) {
	if _, ok := err.(refused); ok {
		s.lingerClose(nc)
		return
	}
	_ = nc.Close()
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
		_ = raw.SetReadDeadline(time.Now().Add(min(s.options().CloseTimeout, refusalLingerTime)))
		_, _ = io.CopyN(io.Discard, raw, refusalLingerBytes)
	}
	_ = nc.Close()
}
