package router

import (
	"net"
	"slices"
	"strconv"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// Session meta procedures (WAMP spec, "Session Meta API"):
//
//	wamp.session.count(filter_authroles?) → count
//	wamp.session.list(filter_authroles?) → [session, …]
//	wamp.session.get(session) → details | wamp.error.no_such_session
//	wamp.session.kill(session; reason, message) | wamp.error.no_such_session
//	wamp.session.kill_by_authid(authid; reason, message) → count
//	wamp.session.kill_by_authrole(authrole; reason, message) → count
//	wamp.session.kill_all(; reason, message) → count
//
// A killed session gets GOODBYE with the reason (wamp.close.normal by
// default; at most 256 octets) and Details.message when one is given (cut
// to 1024 octets: killArgs), after what is queued for
// it; it is removed from the realm at once (its meta events, testaments
// and on_leave follow the caller's RESULT). kill_all publishes them too,
// though the spec notes it need not "since no subscribers would remain":
// the caller, the router's in-process sessions and, with a fabric, the
// other routers' sessions remain to receive them. The caller's own session is
// never killed: kill with its ID answers wamp.error.no_such_session, the
// others leave it out. The sessions of the fabric's other routers
// (FabricSessions) are counted, listed and got, but killed only through
// their own router: kill with the ID of one answers
// wamp.error.feature_not_supported, and the others leave them out.

func (rm *realm) initSessionMeta() {
	rm.registerMeta("wamp.session.count", rm.metaSessionCount)
	rm.registerMeta("wamp.session.list", rm.metaSessionList)
	rm.registerMeta("wamp.session.get", rm.metaSessionGet)
	rm.registerMeta("wamp.session.kill", rm.metaSessionKill)
	rm.registerMeta("wamp.session.kill_by_authid", rm.metaKillBy(func(s *session, v string) bool { return s.authid == v }, "authid"))
	rm.registerMeta("wamp.session.kill_by_authrole", rm.metaKillBy(func(s *session, v string) bool { return s.authrole == v }, "authrole"))
	rm.registerMeta("wamp.session.kill_all", rm.metaKillAll)
}

// filteredSessions returns the IDs of the sessions whose authrole is in
// args[0] (all when it is absent), sorted. The roles are looked up in a
// set: a list of a million roles (a message's worth) against thousands of
// sessions would hold realm.mu for seconds.
func (rm *realm) filteredSessions(args wamp.List) ([]wamp.ID, error) {
	list, filter, err := argStrings(args, 0, "filter_authroles")
	if err != nil {
		return nil, err
	}
	roles := make(map[string]bool, len(list))
	for _, r := range list {
		roles[r] = true
	}
	ids := make([]wamp.ID, 0, len(rm.sessions))
	for id, s := range rm.sessions {
		if !filter || roles[s.authrole] {
			ids = append(ids, id)
		}
	}
	for _, fs := range rm.remoteSessions() { // fabric_meta.go: the cluster's other routers
		if (!filter || roles[fs.AuthRole]) && rm.sessions[fs.ID] == nil {
			ids = append(ids, fs.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return ids, nil
}

func (rm *realm) metaSessionCount(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	ids, err := rm.filteredSessions(args)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{len(ids)}, nil, nil
}

func (rm *realm) metaSessionList(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	ids, err := rm.filteredSessions(args)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{idsOf(ids)}, nil, nil
}

func (rm *realm) metaSessionGet(_ *session, args wamp.List, _ wamp.Dict) (wamp.List, wamp.Dict, error) {
	id, err := argID(args, 0, "session")
	if err != nil {
		return nil, nil, err
	}
	s := rm.sessions[id]
	if s == nil {
		for _, fs := range rm.remoteSessions() { // fabric_meta.go
			if fs.ID == id {
				return wamp.List{remoteSessionDetails(fs)}, nil, nil
			}
		}
		return nil, nil, metaErr(errNoSuchSession, "no session %d in this realm", id)
	}
	return wamp.List{sessionDetails(s, true)}, nil, nil
}

// sessionDetails is the details dict of wamp.session.get and on_join
// (redact: the credentials among the upgrade's headers are hidden), and,
// with redact false, of a ProcedureAuthorizer's call.
func sessionDetails(s *session, redact bool) wamp.Dict {
	provider := s.authprovider
	if provider == "" {
		provider = "static"
	}
	return wamp.Dict{
		"session": uint64(s.id), "authid": s.authid, "authrole": s.authrole,
		"authmethod": s.authmethod, "authprovider": provider, "transport": transportDetails(s, redact),
	}
}

// transportDetails describes s's transport as the router knows it: type
// ("websocket", "rawsocket" or "memory"), protocol (the WebSocket
// subprotocol, or the serializer's name), peer ("tcp4:1.2.3.4:5678" as
// Crossbar writes it) and is_secure.
//
// With redact, the values of the headers that carry credentials
// (redactedHeaders) are replaced by redactedValue: any session
// allowed to call wamp.session.get or to subscribe to on_join sees the
// details, and a cookie or an Authorization header would let it act as
// that client elsewhere. A ProcedureAuthenticator and a
// ProcedureAuthorizer get them whole (a cookie authenticator needs
// them), as a Go Authenticator does (TransportInfo.HTTPHeaders).
func transportDetails(s *session, redact bool) wamp.Dict {
	d := wamp.Dict{"type": "memory"}
	t := s.conn()
	var peer net.Addr
	switch c := t.(type) {
	case *websocket.Conn:
		d["type"], d["protocol"] = "websocket", c.Subprotocol()
		peer = c.WS().RemoteAddr()
		if h := c.RequestHeader(); h != nil {
			hd := make(wamp.Dict, len(h))
			for name, value := range h {
				if redact && redactedHeaders[name] {
					value = redactedValue
				}
				hd[name] = value
			}
			d["http_headers_received"] = hd
		}
	case *rawsocket.Conn:
		d["type"], d["protocol"] = "rawsocket", c.Serializer().Name()
		peer = c.NetConn().RemoteAddr()
	}
	if peer != nil {
		d["peer"] = peerString(peer)
	}
	d["is_secure"] = s.transportInfo().TLS != nil
	return d
}

// redactedValue stands for the value of a header that carries
// credentials (Authorization, Proxy-Authorization, Cookie) in the
// http_headers_received of wamp.session.get and wamp.session.on_join
// (doc.go).
const redactedValue = "(redacted)"

// redactedHeaders are the headers, lower case, whose values
// wamp.session.get and on_join do not show.
var redactedHeaders = map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true}

func peerString(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		if a.IP.To4() != nil {
			return "tcp4:" + a.IP.String() + ":" + strconv.Itoa(a.Port)
		}
		return "tcp6:" + a.IP.String() + ":" + strconv.Itoa(a.Port)
	case *net.UnixAddr:
		return "unix:" + a.Name
	}
	return a.Network() + ":" + a.String()
}

// killArgs returns the GOODBYE of kwargs reason and message. They go to
// every killed session (kill_all: to all but the caller), so they are
// bounded as an authenticator's ABORT is (auth.go): a reason longer than
// maxRefusalURI octets is refused with wamp.error.invalid_uri, a message
// is cut to maxRefusalMessage octets on a character boundary, invalid
// UTF-8 replaced.
func killArgs(kwargs wamp.Dict) (*wamp.Goodbye, error) {
	reason := wamp.ErrCloseNormal
	if v, ok := kwargs["reason"]; ok && v != nil {
		r, _ := asString(v)
		if len(r) > maxRefusalURI {
			return nil, metaErr(wamp.ErrInvalidURI, "reason: longer than %d octets", maxRefusalURI)
		}
		if r == "" || !wamp.ValidURI(wamp.URI(r), false, wamp.MatchExact) {
			return nil, metaErr(wamp.ErrInvalidURI, "reason: not a valid URI: %s", echo(v))
		}
		reason = wamp.URI(r)
	}
	g := &wamp.Goodbye{Details: wamp.Dict{}, Reason: reason}
	if v, ok := kwargs["message"]; ok && v != nil {
		m, ok := v.(string)
		if !ok {
			return nil, metaErr(wamp.ErrInvalidArgument, "message: not a string: %s", echo(v))
		}
		g.Details["message"] = boundedText(m)
	}
	return g, nil
}

// kill closes s with g (after what is queued for it) and removes it from
// the realm before realm.mu is let go; false when s was closing already.
func (rm *realm) kill(s *session, g *wamp.Goodbye) bool {
	// Every session gets a GOODBYE of its own: transports may encode
	// them concurrently.
	own := &wamp.Goodbye{Details: wamp.Dict{}, Reason: g.Reason}
	for k, v := range g.Details {
		own.Details[k] = v
	}
	if !s.closeQueue(own, false) {
		return false
	}
	rm.log.Info("wamp/router: session killed", "session", s.id, "reason", g.Reason)
	rm.doomed = append(rm.doomed, s)
	return true
}

func (rm *realm) metaSessionKill(caller *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	id, err := argID(args, 0, "session")
	if err != nil {
		return nil, nil, err
	}
	g, err := killArgs(kwargs)
	if err != nil {
		return nil, nil, err
	}
	s := rm.sessions[id]
	if s == nil {
		for _, fs := range rm.remoteSessions() { // fabric_meta.go
			if fs.ID == id {
				// Listed, so not "no such session": it is there, out of
				// this router's reach.
				return nil, nil, metaErr(wamp.ErrFeatureNotSupported,
					"session %d is on router %q of the fabric: kill it through that router", id, fs.Node)
			}
		}
	}
	if s == nil || s == caller {
		return nil, nil, metaErr(errNoSuchSession, "no other session %d in this realm", id)
	}
	rm.kill(s, g)
	return nil, nil, nil
}

// metaKillBy returns kill_by_authid or kill_by_authrole.
func (rm *realm) metaKillBy(is func(*session, string) bool, name string) metaProc {
	return func(caller *session, args wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
		v, err := argString(args, 0, name)
		if err != nil {
			return nil, nil, err
		}
		g, err := killArgs(kwargs)
		if err != nil {
			return nil, nil, err
		}
		return wamp.List{rm.killWhere(caller, g, func(s *session) bool { return is(s, v) })}, nil, nil
	}
}

func (rm *realm) metaKillAll(caller *session, _ wamp.List, kwargs wamp.Dict) (wamp.List, wamp.Dict, error) {
	g, err := killArgs(kwargs)
	if err != nil {
		return nil, nil, err
	}
	return wamp.List{rm.killWhere(caller, g, func(*session) bool { return true })}, nil, nil
}

// killWhere kills the sessions other than caller that match and returns
// how many.
func (rm *realm) killWhere(caller *session, g *wamp.Goodbye, match func(*session) bool) int {
	n := 0
	for _, s := range rm.sessions {
		if s != caller && match(s) && rm.kill(s, g) {
			n++
		}
	}
	return n
}
