package ws

import (
	"net"
	"net/textproto"
	"strings"
	"sync"
)

// ConnectRequest describes an opening handshake for Handler.OnConnect.
//
// It is valid during OnConnect only: a driver may reuse it for another
// handshake once OnConnect has returned. The values of its fields are the
// handler's to keep (the strings are copies, the slices not reused). The
// header fields are read in place from the handshake's input by Get,
// Values and Header, which find nothing once OnConnect has returned: a
// driver reuses that input for the connection's frames. So a handshake
// costs no header map on a server that does not ask for one, and an idle
// connection's memory is not set by its handshake's garbage. Keep what you
// need in Accept.Data.
type ConnectRequest struct {
	Target     string   // request target, e.g. "/echo?x=1"
	Host       string   //
	Origin     string   // "" when absent
	Protocols  []string // Sec-WebSocket-Protocol offers, in order
	Extensions []string // Sec-WebSocket-Extensions offers (raw)

	raw    *Request                           // the parsed head (ws.Server, wsloop); nil after OnConnect
	header map[string][]string                // net/http's, canonical keys (wshttp); nil after OnConnect
	remote interface{ RemoteAddr() net.Addr } // the connection
	prev   string                             // NegotiateRequest: the last handshake's target, host and origin, in one string
}

// Get returns the first value of the header field name (case-insensitive),
// or "" if the request has none.
func (r *ConnectRequest) Get(name string) string {
	if r.raw != nil {
		return string(r.raw.Get(name))
	}
	if vs := r.header[textproto.CanonicalMIMEHeaderKey(name)]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Values returns the values of the header field name (case-insensitive),
// one per field line, in order, as net/http's Header holds them; nil if
// the request has none.
func (r *ConnectRequest) Values(name string) []string {
	if r.raw == nil {
		vs := r.header[textproto.CanonicalMIMEHeaderKey(name)]
		if len(vs) == 0 {
			return nil
		}
		return append([]string(nil), vs...)
	}
	var vs []string
	for _, f := range r.raw.Header {
		if asciiEqualFold(f.Name, name) {
			vs = append(vs, string(f.Value))
		}
	}
	return vs
}

// Header returns all header fields of the request in a new map, keyed by
// canonical name (textproto.CanonicalMIMEHeaderKey), as net/http's
// Request.Header: the caller may keep and change it. Each call builds it
// anew; Get and Values allocate less.
func (r *ConnectRequest) Header() map[string][]string {
	if r.raw == nil {
		if r.header == nil {
			return nil
		}
		h := make(map[string][]string, len(r.header))
		for k, vs := range r.header {
			h[k] = append([]string(nil), vs...)
		}
		return h
	}
	size := 0
	for _, f := range r.raw.Header {
		size += len(f.Name) + len(f.Value)
	}
	var sb strings.Builder
	sb.Grow(size)
	for _, f := range r.raw.Header {
		sb.Write(f.Name)
		sb.Write(f.Value)
	}
	all := sb.String() // one allocation for every name and value
	next := func(n int) string {
		s := all[:n]
		all = all[n:]
		return s
	}
	h := make(map[string][]string, len(r.raw.Header))
	values := make([]string, len(r.raw.Header))
	for i, f := range r.raw.Header {
		k := textproto.CanonicalMIMEHeaderKey(next(len(f.Name)))
		values[i] = next(len(f.Value))
		if vs, ok := h[k]; ok {
			h[k] = append(vs, values[i])
		} else {
			h[k] = values[i : i+1 : i+1] // appends copy: no aliasing
		}
	}
	return h
}

// RemoteAddr returns the network address of the client, or nil if the
// driver does not know it.
func (r *ConnectRequest) RemoteAddr() net.Addr {
	if r.remote == nil {
		return nil
	}
	return r.remote.RemoteAddr()
}

// detach ends the request's view of the handshake's input (Negotiate,
// once OnConnect has returned).
func (r *ConnectRequest) detach() {
	r.raw, r.header = nil, nil
}

// NewConnectRequest describes a checked opening handshake (CheckRequest)
// for Handler.OnConnect and Negotiate: a driver's step. req must stay as
// it is until Negotiate returns; conn (a net.Conn, say) gives RemoteAddr,
// and may be nil.
func NewConnectRequest(req *Request, conn interface{ RemoteAddr() net.Addr }) *ConnectRequest {
	cr := new(ConnectRequest)
	cr.fill(req, conn)
	return cr
}

// NegotiateRequest is Negotiate for a checked opening handshake (CheckRequest)
// that a driver parsed: NewConnectRequest and Negotiate, with the
// ConnectRequest reused for later handshakes once Negotiate has returned
// (it is valid during OnConnect only), so that a handshake makes as little
// garbage as it can. conn gives RemoteAddr and may be nil.
func NegotiateRequest(req *Request, conn interface{ RemoteAddr() net.Addr }, h Handler, opts *Options) (Accept, error) {
	cr, _ := connectRequests.Get().(*ConnectRequest)
	if cr == nil {
		cr = new(ConnectRequest)
	}
	cr.fill(req, conn)
	acc, err := Negotiate(cr, h, opts)
	*cr = ConnectRequest{prev: cr.prev} // the fields' values are the handler's: not reused
	connectRequests.Put(cr)
	return acc, err
}

// connectRequests holds the ConnectRequests of NegotiateRequest between
// handshakes.
var connectRequests sync.Pool // of *ConnectRequest

// NewHTTPConnectRequest describes an opening handshake that net/http has
// parsed, for Negotiate: a driver's step (wshttp's). target is the request
// target (http.Request.RequestURI), header net/http's map, which must stay
// as it is until Negotiate returns; remote may be nil.
func NewHTTPConnectRequest(target, host string, header map[string][]string, remote net.Addr) *ConnectRequest {
	cr := &ConnectRequest{Target: target, Host: host, header: header}
	if vs := header["Origin"]; len(vs) > 0 {
		cr.Origin = vs[0]
	}
	cr.Protocols = tokenList(header["Sec-Websocket-Protocol"])
	cr.Extensions = tokenList(header["Sec-Websocket-Extensions"])
	if remote != nil {
		cr.remote = fixedAddr{remote}
	}
	return cr
}

// fixedAddr is a known address as a RemoteAddr source.
type fixedAddr struct{ a net.Addr }

func (f fixedAddr) RemoteAddr() net.Addr { return f.a }

// fill describes req, and conn's address, in r: the target, host and
// origin cut from one string, the offers one string each.
func (r *ConnectRequest) fill(req *Request, conn interface{ RemoteAddr() net.Addr }) {
	r.raw, r.remote = req, conn
	origin := req.Origin
	all := r.prev
	lt, lh := len(req.Target), len(req.Host)
	if len(all) != lt+lh+len(origin) || all[:lt] != string(req.Target) || all[lt:lt+lh] != string(req.Host) || all[lt+lh:] != string(origin) {
		// Not the same as the last handshake's (a server's handshakes
		// mostly are: the same path, host and origin, which are then
		// shared, as strings may be, instead of copied again).
		var sb strings.Builder
		sb.Grow(lt + lh + len(origin))
		sb.Write(req.Target)
		sb.Write(req.Host)
		sb.Write(origin)
		all = sb.String()
	}
	r.prev = all
	r.Target, all = all[:len(req.Target)], all[len(req.Target):]
	r.Host, r.Origin = all[:len(req.Host)], all[len(req.Host):]
	for _, p := range req.Values(nil, "Sec-WebSocket-Protocol") {
		r.Protocols = append(r.Protocols, string(p))
	}
	for _, e := range req.Values(nil, "Sec-WebSocket-Extensions") {
		r.Extensions = append(r.Extensions, string(e))
	}
}

// tokenList splits comma-separated header values into non-empty tokens
// without the optional white space (spaces, tabs) around them.
func tokenList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.Trim(t, " \t"); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}
