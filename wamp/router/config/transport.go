package config

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// transport reads a transport: its listener, and its WAMP endpoints (one,
// or one per websocket path of a "web" transport), each a router
// endpoint in a.endpoints named by its JSON path.
func (d *decoder) transport(path string, v any, dir string, a *authState) *Transport {
	o := d.object(path, v)
	if !o.has("type") {
		d.fail(o.at("type"), "missing")
	}
	typ := o.oneOf("type", "", "websocket", "rawsocket", "web")
	t := &Transport{Path: path, ID: o.str("id", false), Type: typ}
	if !o.has("endpoint") {
		d.fail(o.at("endpoint"), "missing")
	}
	d.endpoint(o.at("endpoint"), o.get("endpoint"), dir, t)
	// Autobahn's extension: the sessions of this listener at once, over
	// all its endpoints (router.EndpointConfig.Listener).
	maxSessions := int(o.integer("max_sessions", 1, 1<<31-1, 0))
	auths := map[string]map[wamp.URI]router.AuthConfig{} // per endpoint
	switch typ {
	case "websocket":
		e, auth := d.wampEndpoint(o, path, a)
		t.Endpoints, auths[path] = []Endpoint{e}, auth
	case "rawsocket":
		e := Endpoint{Name: path, Serializers: d.serializers(o)}
		e.MaxMessageSize = int(o.integer("max_message_size", 512, 16<<20, 0))
		auth := a.add(o.at("auth"), o.get("auth"))
		t.Endpoints, auths[path] = []Endpoint{e}, auth
	case "web":
		t.Type = "websocket"
		d.webPaths(o, t, a, auths)
	}
	o.done()
	if d.err != nil {
		return nil
	}
	if a.endpoints == nil {
		a.endpoints = map[string]router.EndpointConfig{}
	}
	for _, e := range t.Endpoints {
		a.endpoints[e.Name] = router.EndpointConfig{Realms: auths[e.Name], MaxSessions: maxSessions, Listener: path}
	}
	return t
}

// webPaths reads the "paths" of a web transport: each websocket path is
// an endpoint of its own, with its own serializers, options and auth, as
// in Crossbar.
func (d *decoder) webPaths(o *object, t *Transport, a *authState, auths map[string]map[wamp.URI]router.AuthConfig) {
	if !o.has("paths") {
		d.fail(o.at("paths"), "missing")
	}
	paths := d.object(o.at("paths"), o.get("paths"))
	seen := map[string]string{} // URL path → its JSON path
	for _, k := range paths.keys() {
		pp := paths.at(k)
		url := "/" + strings.TrimPrefix(k, "/")
		if !validURLPath(url) {
			d.fail(pp, "invalid path %q (want URL path segments of letters, digits, \"-._~\")", k)
		} else if other, dup := seen[url]; dup {
			d.fail(pp, "the same URL path %s as %s", url, other)
		}
		seen[url] = pp
		p := d.object(pp, paths.get(k))
		if !p.has("type") {
			d.fail(p.at("type"), "missing")
		}
		p.oneOf("type", "", "websocket")
		e, auth := d.wampEndpoint(p, pp, a)
		if d.err != nil {
			return
		}
		e.URLPath = url
		t.Endpoints, auths[pp] = append(t.Endpoints, e), auth
	}
	paths.done()
	if d.err == nil && len(t.Endpoints) == 0 {
		d.fail(o.at("paths"), "no websocket path")
	}
}

// validURLPath reports whether p ("/ws", "/api/v1", "/") is a path an
// HTTP request names exactly: segments of unreserved characters (RFC 3986
// section 2.3), none empty, "." or "..".
func validURLPath(p string) bool {
	if p == "/" {
		return true
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0) {
				return false
			}
		}
	}
	return true
}

// wampEndpoint reads what a WebSocket transport (or a web transport's
// websocket path) at JSON path name has: serializers, auth, options. It
// returns the endpoint and its auth per realm.
func (d *decoder) wampEndpoint(o *object, name string, a *authState) (Endpoint, map[wamp.URI]router.AuthConfig) {
	e := Endpoint{Name: name, Serializers: d.serializers(o)}
	auth := a.add(o.at("auth"), o.get("auth"))
	opts := d.object(o.at("options"), o.get("options"))
	e.MaxMessageSize = int(opts.integer("max_message_size", 512, 16<<20, 0))
	opts.done()
	o.done()
	return e, auth
}

func (d *decoder) serializers(o *object) []string {
	if !o.has("serializers") {
		o.read["serializers"] = true
		return append([]string(nil), serializerNames...)
	}
	names := o.strings("serializers")
	seen := map[string]bool{}
	for i, n := range names {
		p := index(o.at("serializers"), i)
		if !contains(serializerNames, n) {
			d.fail(p, "unknown value %q (want %s)", n, strings.Join(quoted(serializerNames), ", "))
		}
		if seen[n] {
			d.fail(p, "%q given twice", n)
		}
		seen[n] = true
	}
	if d.err == nil && len(names) == 0 {
		d.fail(o.at("serializers"), "empty")
	}
	return names
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}

func (d *decoder) endpoint(path string, v any, dir string, t *Transport) {
	o := d.object(path, v)
	switch o.oneOf("type", "", "tcp", "unix") {
	case "tcp":
		if !o.has("port") {
			d.fail(o.at("port"), "missing")
		}
		port := o.integer("port", 0, 65535, 0)
		t.Network = "tcp"
		switch o.integer("version", 4, 6, 0) {
		case 4:
			t.Network = "tcp4"
		case 6:
			t.Network = "tcp6"
		case 5:
			d.fail(o.at("version"), "want 4 or 6")
		}
		t.Address = net.JoinHostPort(o.str("interface", false), strconv.Itoa(int(port)))
		o.integer("backlog", 1, 1<<16, 0) // accepted; Go listens with the system's backlog
		if o.has("tls") {
			tp := o.at("tls")
			c := d.object(tp, o.get("tls"))
			t.TLS = &TLS{KeyFile: resolve(dir, c.str("key", true)), CertificateFile: resolve(dir, c.str("certificate", true))}
			for _, k := range []string{"chain_certificates", "ca_certificates", "dhparam", "ciphers"} {
				c.unsupported(k, "only key and certificate are")
			}
			c.done()
		}
	case "unix":
		t.Network, t.Address = "unix", resolve(dir, o.str("path", true))
	default:
		if !o.has("type") {
			d.fail(o.at("type"), "missing")
		}
	}
	o.done()
}

func resolve(dir, name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(dir, name)
}
