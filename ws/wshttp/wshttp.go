package wshttp

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
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
// s.Options.MaxConnections (503 beyond; a request that is no valid
// upgrade, or from an origin not allowed, gets its own 4xx first and
// takes no slot) and are closed with 1001 by s.Shutdown.
func Handler(s *ws.Server) http.Handler {
	opts := s.Options.Resolve() // shared by every connection
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := check(w, r, opts); err != nil {
			serverhooks.Refused(s, err)
			return
		}
		release, err := serverhooks.Admit(s)
		if err != nil {
			s.Metrics.Rejected(http.StatusServiceUnavailable)
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		started := false
		defer func() {
			if !started {
				// Also when OnConnect panics under Options.PanicCrash,
				// which net/http recovers: the slot is not lost.
				release()
			}
		}()
		c, err := upgrade(w, r, s.Handler, opts)
		if err != nil {
			serverhooks.Refused(s, err) // counted: the status, an OnConnect panic
			return
		}
		started = true
		serverhooks.Start(s, c, release)
	})
}

// AcceptConn upgrades the request as Accept does, with opts, to a
// connection of s that the caller reads and writes itself instead of
// s.Handler (a WAMP transport, say), so that it is admitted and counted
// as Handler's are: it counts towards s.Options.MaxConnections (503
// beyond, and after s.Shutdown), in s.Metrics, and s.Shutdown closes it
// with 1001 and waits for it. Call end once the connection has ended
// (its Close returned): end counts the close and frees the slot. On
// failure it has answered with the HTTP error.
func AcceptConn(s *ws.Server, w http.ResponseWriter, r *http.Request, opts *ws.Options) (c *ws.Conn, end func(), err error) {
	if err := check(w, r, opts); err != nil {
		serverhooks.Refused(s, err)
		return nil, nil, err
	}
	release, err := serverhooks.Admit(s)
	if err != nil {
		s.Metrics.Rejected(http.StatusServiceUnavailable)
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return nil, nil, err
	}
	owned := false
	defer func() {
		if !owned {
			release() // also when an Extension panics under opts.PanicCrash
		}
	}()
	c, err = upgrade(w, r, ws.BaseHandler{}, opts)
	if err != nil {
		serverhooks.Refused(s, err)
		return nil, nil, err
	}
	owned = true
	return c, serverhooks.Own(s, c, release), nil
}

func accept(w http.ResponseWriter, r *http.Request, h ws.Handler, opts *ws.Options) (*ws.Conn, error) {
	if err := check(w, r, opts); err != nil {
		return nil, err
	}
	return upgrade(w, r, h, opts)
}

// check answers r, and returns the error, if it is no valid upgrade or
// comes from an origin that opts does not allow. Handler and AcceptConn
// check before they admit the connection, as wsloop does: such a request
// gets its own answer (426, 400, 403...) also when the server is full,
// and takes no slot on its way out.
func check(w http.ResponseWriter, r *http.Request, opts *ws.Options) error {
	if !r.ProtoAtLeast(1, 1) {
		// As ws.Server and wsloop answer: the upgrade is HTTP/1.1's (RFC 6455 §4.1).
		return fail(w, r, &ws.HandshakeError{Status: 400, Reason: "WebSocket needs HTTP/1.1"})
	}
	if headerLines(r) > ws.DefaultMaxHeaders {
		// net/http bounds the head's bytes only (MaxHeaderBytes), so a
		// request may carry ~1,000 short lines: refused as ws.Server and
		// wsloop refuse more than their parser's limit, and the
		// connection closed, not kept alive for more.
		w.Header().Set("Connection", "close")
		return fail(w, r, &ws.HandshakeError{Status: http.StatusRequestHeaderFieldsTooLarge, Reason: "too many header lines"})
	}
	if err := ws.CheckHTTP(r.Method, func(name string) []string {
		if name == "Transfer-Encoding" {
			return r.TransferEncoding // net/http takes it out of Header
		}
		return r.Header[name]
	}); err != nil {
		return fail(w, r, err)
	}
	if origin := r.Header["Origin"]; len(origin) > 0 && origin[0] != "" {
		var allowed []string
		if opts != nil {
			allowed = opts.AllowedOrigins
		}
		if err := ws.CheckOrigin(origin[0], r.Host, allowed); err != nil {
			return fail(w, r, err)
		}
	}
	return nil
}

// upgrade upgrades r, checked (check), as Accept describes.
func upgrade(w http.ResponseWriter, r *http.Request, h ws.Handler, opts *ws.Options) (*ws.Conn, error) {
	var remote net.Addr
	// Only a literal ip:port: a middleware may have put a client's
	// X-Forwarded-For here, and a name is not looked up on the request's
	// path (net.ResolveTCPAddr would).
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		remote = net.TCPAddrFromAddrPort(ap)
	}
	req := ws.NewHTTPConnectRequest(r.RequestURI, r.Host, r.Header, remote)
	acc, err := ws.Negotiate(req, h, opts)
	if err != nil {
		return nil, fail(w, r, err)
	}
	key := r.Header.Get("Sec-Websocket-Key")
	rc := http.NewResponseController(w)
	nc, brw, err := rc.Hijack()
	if err != nil {
		return nil, fail(w, r, &ws.HandshakeError{Status: http.StatusInternalServerError, Reason: "cannot hijack: " + err.Error()})
	}
	var timeout time.Duration = ws.DefaultHandshakeTimeout
	if opts != nil && opts.HandshakeTimeout > 0 {
		timeout = opts.HandshakeTimeout
	}
	_ = nc.SetDeadline(time.Now().Add(timeout))
	// Built and checked as ws.Server builds it: a header the handler gave
	// that is not a clean field is left out.
	resp := ws.AppendResponse(nil, &ws.Request{Key: []byte(key)}, acc.Protocol, acc.Extensions, ws.HeaderFields(acc.Header))
	if _, err := nc.Write(resp); err != nil {
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

func fail(w http.ResponseWriter, r *http.Request, err error) error {
	var he *ws.HandshakeError
	if !errors.As(err, &he) {
		he = &ws.HandshakeError{Status: http.StatusBadRequest, Reason: err.Error()}
		err = he
	}
	if he.Status == http.StatusUpgradeRequired {
		if r.ProtoMajor == 1 {
			// RFC 9110 §15.5.22 and §7.8; HTTP/2 has no Upgrade (and
			// forbids the header, RFC 9113 §8.2.2).
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "websocket")
		}
		w.Header().Set("Sec-WebSocket-Version", "13") // RFC 6455 §4.4
	}
	if he.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "GET") // RFC 9110 §15.5.6
	}
	http.Error(w, he.Reason, he.Status)
	return err
}
