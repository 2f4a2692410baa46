package wshttp

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/internal/serverhooks"
)

// Accept upgrades the request to a WebSocket connection: it checks the
// handshake (RFC 6455 §4.2.1) and the Origin, negotiates the subprotocol
// from opts.Subprotocols, hijacks the connection through
// http.ResponseController (so middleware wrappers that implement Unwrap
// work) and writes the 101 answer. On failure it has answered with the
// HTTP error and returns a *ws.HandshakeError.
func Accept(w http.ResponseWriter, r *http.Request, opts *ws.Options) (*ws.Conn, error) {
	return accept(w, r, ws.BaseHandler{}, opts)
}

// Handler returns an http.Handler that serves s.Handler on every request:
// OnConnect decides the handshake, then the connection runs through
// the Server's own serving (so net/http's deep per-request stack is freed, and an idle
// connection holds only a small goroutine). Connections count towards
// s.Options.MaxConnections (503 beyond) and are closed with 1001 by
// s.Shutdown.
func Handler(s *ws.Server) http.Handler {
	opts := s.Options.Resolve() // shared by every connection
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		release, err := serverhooks.Admit(s)
		if err != nil {
			s.Metrics.Rejected(http.StatusServiceUnavailable)
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		c, err := accept(w, r, s.Handler, opts)
		if err != nil {
			serverhooks.Refused(s, err) // counted: the status, an OnConnect panic
			release()
			return
		}
		serverhooks.Start(s, c, release)
	})
}

func accept(w http.ResponseWriter, r *http.Request, h ws.Handler, opts *ws.Options) (*ws.Conn, error) {
	if !r.ProtoAtLeast(1, 1) {
		// As ws.Server and wsloop answer: the upgrade is HTTP/1.1's (RFC 6455 §4.1).
		return nil, fail(w, &ws.HandshakeError{Status: 400, Reason: "WebSocket needs HTTP/1.1"})
	}
	if headerLines(r) > ws.DefaultMaxHeaders {
		// net/http bounds the head's bytes only (MaxHeaderBytes), so a
		// request may carry ~1,000 short lines: refused as ws.Server and
		// wsloop refuse more than their parser's limit, and the
		// connection closed, not kept alive for more.
		w.Header().Set("Connection", "close")
		return nil, fail(w, &ws.HandshakeError{Status: http.StatusRequestHeaderFieldsTooLarge, Reason: "too many header lines"})
	}
	if err := ws.CheckHTTP(r.Method, func(name string) []string { return r.Header[name] }); err != nil {
		return nil, fail(w, err)
	}
	var remote net.Addr
	if addr, err := net.ResolveTCPAddr("tcp", r.RemoteAddr); err == nil {
		remote = addr // a literal ip:port, no lookup
	}
	req := ws.NewHTTPConnectRequest(r.RequestURI, r.Host, r.Header, remote)
	acc, err := ws.Negotiate(req, h, opts)
	if err != nil {
		return nil, fail(w, err)
	}
	key := r.Header.Get("Sec-Websocket-Key")
	rc := http.NewResponseController(w)
	nc, brw, err := rc.Hijack()
	if err != nil {
		return nil, fail(w, &ws.HandshakeError{Status: http.StatusInternalServerError, Reason: "cannot hijack: " + err.Error()})
	}
	var timeout time.Duration = ws.DefaultHandshakeTimeout
	if opts != nil && opts.HandshakeTimeout > 0 {
		timeout = opts.HandshakeTimeout
	}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + ws.AcceptKey([]byte(key)) + "\r\n"
	if acc.Protocol != "" {
		resp += "Sec-WebSocket-Protocol: " + acc.Protocol + "\r\n"
	}
	if acc.Extensions != "" && validField(acc.Extensions) {
		resp += "Sec-WebSocket-Extensions: " + acc.Extensions + "\r\n"
	}
	for k, vs := range acc.Header {
		for _, v := range vs {
			if !validField(k) || !validField(v) {
				continue
			}
			resp += k + ": " + v + "\r\n"
		}
	}
	if _, err := nc.Write([]byte(resp + "\r\n")); err != nil {
		_ = nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(time.Time{})
	var buffered []byte
	if n := brw.Reader.Buffered(); n > 0 {
		buffered, _ = brw.Reader.Peek(n)
	}
	return ws.NewConn(nc, ws.RoleServer, buffered, acc.Negotiated(), opts), nil
}

// headerLines is how many header lines r came with: net/http keeps Host
// apart from Header and merges lines of one name.
func headerLines(r *http.Request) int {
	n := 0
	if r.Host != "" {
		n++
	}
	for _, vs := range r.Header {
		n += len(vs)
	}
	return n
}

func validField(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '\r' || s[i] == '\n' {
			return false
		}
	}
	return true
}

func fail(w http.ResponseWriter, err error) error {
	var he *ws.HandshakeError
	if !errors.As(err, &he) {
		he = &ws.HandshakeError{Status: http.StatusBadRequest, Reason: err.Error()}
		err = he
	}
	if he.Status == http.StatusUpgradeRequired {
		w.Header().Set("Sec-WebSocket-Version", "13")
	}
	http.Error(w, he.Reason, he.Status)
	return err
}
