package ws

import (
	"errors"
	"net/url"
	"path"
	"strings"
)

// CheckOrigin accepts a request with no Origin, one whose host equals host
// (same origin), or one matching a pattern in allowed (path.Match on the
// origin's host, case-insensitive; "*" allows all). Otherwise it returns a
// *HandshakeError with status 403 that matches ErrBadOrigin.
func CheckOrigin(origin, host string, allowed []string) error {
	if origin == "" || plainSameOrigin(origin, host) {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && strings.EqualFold(u.Host, host) {
		return nil
	}
	var h string
	if err == nil {
		h = strings.ToLower(u.Host)
	}
	for _, pat := range allowed {
		if pat == "*" {
			return nil // every origin, also one url.Parse cannot read
		}
		if err == nil {
			if ok, _ := path.Match(strings.ToLower(pat), h); ok {
				return nil
			}
		}
	}
	return &originError{HandshakeError{Status: 403, Reason: "origin " + origin + " not allowed"}}
}

// plainSameOrigin reports whether origin is "http://" or "https://" and a
// host (letters, digits, dots, hyphens, and a numeric port) equal to host
// without regard to case: the common same-origin request, which url.Parse
// would accept the same way, answered without the allocation of a URL.
// Anything else goes to url.Parse.
func plainSameOrigin(origin, host string) bool {
	rest, ok := strings.CutPrefix(origin, "http://")
	if !ok {
		if rest, ok = strings.CutPrefix(origin, "https://"); !ok {
			return false
		}
	}
	if len(rest) != len(host) || rest == "" {
		return false
	}
	name, port, hasPort := strings.Cut(rest, ":")
	if name == "" || (hasPort && port == "") {
		return false
	}
	for i := 0; i < len(name); i++ {
		lower, c := name[i]|0x20, name[i]
		if !('a' <= lower && lower <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if port[i] < '0' || port[i] > '9' {
			return false
		}
	}
	return strings.EqualFold(rest, host)
}

type originError struct{ HandshakeError }

func (e *originError) Is(target error) bool { return target == ErrBadOrigin || target == ErrHandshake }
func (e *originError) As(target any) bool {
	if t, ok := target.(**HandshakeError); ok {
		*t = &e.HandshakeError
		return true
	}
	return false
}

// Negotiate runs the server side of a handshake's decisions: the Origin
// check, then h.OnConnect. If h chose no subprotocol, the first of
// opts.Subprotocols that the client offered is taken (the server's order
// of preference). OnConnect refuses with a *HandshakeError carrying the
// status, 3xx to 5xx (another, or another error, is answered 500).
func Negotiate(req *ConnectRequest, h Handler, opts *Options) (Accept, error) {
	var allowed []string
	if opts != nil {
		allowed = opts.AllowedOrigins
	}
	if err := CheckOrigin(req.Origin, req.Host, allowed); err != nil {
		return Accept{}, err
	}
	acc, err := onConnect(req, h, opts)
	req.detach()
	if err != nil {
		var he *HandshakeError
		if errors.As(err, &he) {
			if he.Status < 300 || he.Status > 599 {
				// Not a refusal's status (0: none given): net/http
				// panics on one outside 100..999, and a 1xx or 2xx
				// would answer as if not refused.
				return Accept{}, &HandshakeError{Status: 500, Reason: he.Reason}
			}
			return Accept{}, err
		}
		return Accept{}, &HandshakeError{Status: 500, Reason: err.Error()}
	}
	if acc.Codec == nil && opts != nil && len(opts.Extensions) > 0 {
		accept := func(e Extension, offers []ExtensionOffer) (ExtensionOffer, Codec, bool, error) {
			return acceptExtension(e, offers, req.RemoteAddr(), opts)
		}
		acc.Extensions, acc.Codec, err = negotiateExtensions(req.Extensions, opts.Extensions, accept)
		if err != nil {
			return Accept{}, err
		}
	}
	if acc.Protocol != "" {
		found := false
		for _, p := range req.Protocols {
			found = found || p == acc.Protocol
		}
		if !found {
			return Accept{}, &HandshakeError{Status: 500, Reason: "handler chose a subprotocol the client did not offer"}
		}
		return acc, nil
	}
	if opts != nil {
	outer:
		for _, s := range opts.Subprotocols {
			for _, p := range req.Protocols {
				if p == s {
					acc.Protocol = p
					break outer
				}
			}
		}
	}
	return acc, nil
}
