package config

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/auth"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// serializerNames are the serializers a transport may offer; the default
// is all of them.
var serializerNames = []string{"json", "msgpack", "cbor", "ubjson"}

// crossbar maps a Crossbar node configuration (version 2, one router
// worker) onto router.Config and transports.
func (d *decoder) crossbar(tree any, dir string) *Config {
	if _, ok := tree.(map[string]any); !ok {
		d.fail("", "want a configuration object, got %s", kind(tree))
		return nil
	}
	top := d.object("", tree)
	top.get("$schema") // a schema reference for editors
	if !top.has("version") {
		d.fail("version", "missing (want 2)")
	}
	top.integer("version", 2, 2, 2)
	ctl := d.object("controller", top.get("controller"))
	for _, k := range ctl.keys() {
		d.fail(ctl.at(k), "not supported: the node controller is not configurable (leave \"controller\" empty)")
	}
	workers := top.array("workers")
	top.done()
	if d.err == nil && len(workers) == 0 {
		d.fail("workers", "no router worker")
	}
	cfg := &Config{}
	for i, w := range workers {
		path := index("workers", i)
		if i > 0 {
			d.fail(path, "not supported: more than one worker (one router worker per configuration)")
			break
		}
		d.worker(path, w, dir, cfg)
	}
	if d.err == nil {
		d.check(cfg)
	}
	return cfg
}

// check runs the router's own checks, as router.New would at start.
func (d *decoder) check(cfg *Config) {
	r, err := router.New(cfg.Router)
	if err != nil {
		d.fail("workers[0]", "%v", strings.TrimPrefix(err.Error(), "wamp/router: "))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = r.Close(ctx) // no session ever joined: nothing to wait for
}

func (d *decoder) worker(path string, v any, dir string, cfg *Config) {
	w := d.object(path, v)
	if !w.has("type") {
		d.fail(w.at("type"), "missing")
	}
	w.oneOf("type", "router", "router")
	w.str("id", false)
	opts := d.object(w.at("options"), w.get("options"))
	// Autobahn's extensions: the router's timeouts and queue limit.
	cfg.Router.HelloTimeout = time.Duration(opts.seconds("hello_timeout") * float64(time.Second))
	cfg.Router.CloseTimeout = time.Duration(opts.seconds("close_timeout") * float64(time.Second))
	cfg.Router.QueueSoftLimit = int(opts.integer("queue_soft_limit", 1024, 1<<30, 0))
	opts.done()
	w.unsupported("components", "components run application code inside the router worker; run them as clients")
	realms := w.array("realms")
	transports := w.array("transports")
	w.done()
	if d.err == nil && len(realms) == 0 {
		d.fail(w.at("realms"), "no realm")
	}
	for j, r := range realms {
		d.realm(index(w.at("realms"), j), r, cfg)
	}
	if d.err == nil && len(transports) == 0 {
		d.fail(w.at("transports"), "no transport")
	}
	a := &authState{d: d, realms: cfg.Router.Realms}
	for j, t := range transports {
		if tr := d.transport(index(w.at("transports"), j), t, dir, a); tr != nil {
			cfg.Transports = append(cfg.Transports, *tr)
		}
	}
	cfg.Router.Endpoints = a.endpoints
	a.realmAuth(cfg.Router.Realms)
}

func (d *decoder) realm(path string, v any, cfg *Config) {
	r := d.object(path, v)
	name := r.str("name", true)
	if d.err == nil && !wamp.ValidURI(wamp.URI(name), false, wamp.MatchExact) {
		d.fail(r.at("name"), "invalid realm URI %q", name)
	}
	for _, other := range cfg.Router.Realms {
		if d.err == nil && string(other.Name) == name {
			d.fail(r.at("name"), "realm %q configured twice", name)
		}
	}
	rc := router.RealmConfig{Name: wamp.URI(name)}
	roles := r.array("roles")
	if d.err == nil && roles != nil && len(roles) == 0 {
		// Crossbar lets no session join a realm without roles; the router
		// lets every session do everything there.
		d.fail(r.at("roles"), "empty: no session could join in Crossbar, every session could do everything here (leave \"roles\" out for an open realm)")
	}
	for k, role := range roles {
		rc.Roles = append(rc.Roles, d.role(index(r.at("roles"), k), role, rc.Roles))
	}
	if r.has("store") {
		rc.EventHistory = d.store(r.at("store"), r.get("store"))
	}
	opts := d.object(r.at("options"), r.get("options"))
	rc.StrictURI = opts.oneOf("uri_check", "loose", "strict", "loose") == "strict"
	if opts.has("enable_meta_api") && !opts.boolean("enable_meta_api") {
		d.fail(opts.at("enable_meta_api"), "not supported: the meta API is always on")
	}
	if opts.oneOf("slow_subscriber", "disconnect", "disconnect", "drop") == "drop" { // Autobahn's extension
		rc.SlowSubscriber = router.SlowDrop
	}
	// Autobahn's extensions: the realm's limits.
	rc.QueueSoftLimit = int(opts.integer("queue_soft_limit", 1024, 1<<30, 0))
	rc.RetainedTopics = int(opts.integer("retained_topics", -1, 1<<24, 0))
	rc.RetainedBytes = int(opts.integer("retained_bytes", 1, 1<<31-1, 0))
	rc.MaxSessions = sessionLimit(opts, "max_sessions") // -1: none; absent: router.DefaultMaxSessions
	rc.MaxPendingCalls = sessionLimit(opts, "max_pending_calls")
	rc.MaxSubscriptions = sessionLimit(opts, "max_subscriptions")
	rc.MaxRegistrations = sessionLimit(opts, "max_registrations")
	opts.done()
	r.done()
	cfg.Router.Realms = append(cfg.Router.Realms, rc)
}

// sessionLimit reads a limit of a realm (its sessions, or each session's
// calls, subscriptions, registrations): -1 (no bound) or 1 and more;
// absent is 0, the router's default.
func sessionLimit(opts *object, key string) int {
	n := opts.integer(key, -1, 1<<31-1, 0)
	if n == 0 && opts.has(key) {
		opts.d.fail(opts.at(key), "0 out of range: want -1 (no bound) or a bound of at least 1")
	}
	return int(n)
}

func (d *decoder) role(path string, v any, before []router.RoleConfig) router.RoleConfig {
	o := d.object(path, v)
	rc := router.RoleConfig{Name: o.str("name", true)}
	for _, b := range before {
		if d.err == nil && b.Name == rc.Name {
			d.fail(o.at("name"), "role %q configured twice", rc.Name)
		}
	}
	if o.has("authorizer") {
		pa := &router.ProcedureAuthorizer{Procedure: wamp.URI(o.str("authorizer", true))}
		if d.err == nil && !wamp.ValidURI(pa.Procedure, false, wamp.MatchExact) {
			d.fail(o.at("authorizer"), "invalid procedure URI %q", pa.Procedure)
		}
		if o.has("permissions") && d.err == nil {
			d.fail(o.at("authorizer"), "a role has an authorizer or permissions, not both")
		}
		rc.Authorizer = pa
	}
	for i, p := range o.array("permissions") {
		pp := index(o.at("permissions"), i)
		perm := d.permission(pp, p)
		for j, q := range rc.Permissions {
			if d.err == nil && q.URI == perm.URI && q.Match == perm.Match {
				d.fail(pp, "the same %s URI %q as permissions[%d]", perm.Match, perm.URI, j)
			}
		}
		rc.Permissions = append(rc.Permissions, perm)
	}
	o.done()
	return rc
}

// permission reads a Crossbar permission. Without "match" the URI may be
// "starred" as in Crossbar: "com.example.*" is the prefix "com.example.",
// "*" every URI, "com.*.update" the wildcard "com..update".
func (d *decoder) permission(path string, v any) router.Permission {
	o := d.object(path, v)
	if !o.has("uri") {
		d.fail(o.at("uri"), "missing")
	}
	p := router.Permission{URI: wamp.URI(o.str("uri", false))}
	if o.has("match") {
		p.Match = o.oneOf("match", wamp.MatchExact, wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard)
	} else {
		p.URI, p.Match = starred(string(p.URI))
	}
	if d.err == nil && !(p.URI == "" && p.Match == wamp.MatchPrefix) && !wamp.ValidURI(p.URI, false, p.Match) {
		d.fail(o.at("uri"), "invalid %s URI %q", p.Match, p.URI)
	}
	allow := d.object(o.at("allow"), o.get("allow"))
	p.Allow = router.Allow{Call: allow.boolean("call"), Register: allow.boolean("register"),
		Publish: allow.boolean("publish"), Subscribe: allow.boolean("subscribe")}
	allow.done()
	disclose := d.object(o.at("disclose"), o.get("disclose"))
	p.Disclose = router.Disclose{Caller: disclose.boolean("caller"), Publisher: disclose.boolean("publisher")}
	disclose.done()
	p.Cache = o.boolean("cache")
	o.done()
	return p
}

// starred converts a Crossbar "starred" URI to a URI and a match policy.
func starred(uri string) (wamp.URI, string) {
	switch n := strings.Count(uri, "*"); {
	case n == 0:
		return wamp.URI(uri), wamp.MatchExact
	case n == 1 && strings.HasSuffix(uri, "*"):
		return wamp.URI(uri[:len(uri)-1]), wamp.MatchPrefix
	}
	return wamp.URI(strings.ReplaceAll(uri, "*", "")), wamp.MatchWildcard
}

// store reads a realm's "store": the in-memory event history.
func (d *decoder) store(path string, v any) []router.EventHistoryConfig {
	o := d.object(path, v)
	if !o.has("type") {
		d.fail(o.at("type"), "missing")
	}
	o.oneOf("type", "memory", "memory")
	limit := o.integer("limit", 1, router.MaxHistoryLimit, 0)
	o.unsupported("call-queue", "call queueing")
	var out []router.EventHistoryConfig
	for i, e := range o.array("event-history") {
		ep := index(o.at("event-history"), i)
		h := d.object(ep, e)
		c := router.EventHistoryConfig{URI: wamp.URI(h.str("uri", true))}
		c.Match = h.oneOf("match", wamp.MatchExact, wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard)
		c.Limit = int(h.integer("limit", 1, router.MaxHistoryLimit, limit))
		h.done()
		if d.err == nil && !wamp.ValidURI(c.URI, false, c.Match) {
			d.fail(h.at("uri"), "invalid %s URI %q", c.Match, c.URI)
		}
		out = append(out, c)
	}
	o.done()
	return out
}

// authState reads the authentication of every WAMP endpoint. Each
// transport is a router endpoint (router.EndpointConfig) that
// authenticates its own sessions, as in Crossbar; an absent "auth" is
// Crossbar's default, anonymous with role "anonymous". When every
// transport has the same auth, it is the realms' own as well (for
// sessions attached to the router without an endpoint).
type authState struct {
	d         *decoder
	realms    []router.RealmConfig // the configured realms
	cur       []router.RealmConfig // the auth being read, per realm
	endpoints map[string]router.EndpointConfig
	first     string // canonical JSON of the first auth read
	firstAuth map[wamp.URI]router.AuthConfig
	differ    bool // an auth differs from the first
}

// defaultAuth is what Crossbar allows on a transport without "auth".
var defaultAuth = map[string]any{"anonymous": map[string]any{"type": "static", "role": "anonymous"}}

// add reads one "auth" and returns it per realm.
func (a *authState) add(path string, v any) map[wamp.URI]router.AuthConfig {
	d := a.d
	if d.err != nil {
		return nil
	}
	if v == nil {
		v = defaultAuth
	}
	canon, _ := json.Marshal(v) // maps in key order: equal configurations, equal text
	a.cur = make([]router.RealmConfig, len(a.realms))
	for i := range a.realms {
		a.cur[i].Name = a.realms[i].Name
	}
	o := d.object(path, v)
	if o.has("anonymous") {
		an := d.object(o.at("anonymous"), o.get("anonymous"))
		a.static(an)
		role := an.str("role", false)
		if role == "" {
			role = "anonymous"
		}
		a.notReserved(an, role)
		an.done()
		for i := range a.cur {
			a.cur[i].AllowAnonymous, a.cur[i].AnonymousRole = true, role
		}
	}
	if o.has("ticket") {
		m := d.object(o.at("ticket"), o.get("ticket"))
		if !a.dynamic(m, "ticket") {
			a.principals(m, "principals", func(r *router.RealmConfig, authid string, p *object, role string) {
				if r.Tickets == nil {
					r.Tickets = map[string]router.TicketPrincipal{}
				}
				r.Tickets[authid] = router.TicketPrincipal{Ticket: p.str("ticket", true), Role: role}
			})
		}
		m.done()
	}
	if o.has("wampcra") {
		m := d.object(o.at("wampcra"), o.get("wampcra"))
		if !a.dynamic(m, "wampcra") {
			a.principals(m, "users", func(r *router.RealmConfig, authid string, p *object, role string) {
				if r.CRA == nil {
					r.CRA = map[string]router.CRAPrincipal{}
				}
				r.CRA[authid] = router.CRAPrincipal{Secret: p.str("secret", true), Role: role, Salt: p.str("salt", false),
					Iterations: int(p.integer("iterations", 1, 1<<24, 0)), KeyLen: int(p.integer("keylen", 1, 1024, 0))}
			})
		}
		m.done()
	}
	if o.has("scram") {
		m := d.object(o.at("scram"), o.get("scram"))
		if !a.dynamic(m, "scram") {
			a.principals(m, "principals", func(r *router.RealmConfig, authid string, p *object, role string) {
				if r.SCRAM == nil {
					r.SCRAM = map[string]router.SCRAMPrincipal{}
				}
				r.SCRAM[authid] = router.SCRAMPrincipal{Role: role,
					KDF:        p.oneOf("kdf", "", auth.KDFArgon2id13, auth.KDFPBKDF2),
					Iterations: int(p.integer("iterations", 1, 1<<24, 0)), Memory: int(p.integer("memory", 0, 1<<22, 0)),
					Salt: p.str("salt", true), StoredKey: p.str("stored-key", true), ServerKey: p.str("server-key", true)}
			})
		}
		m.done()
	}
	if o.has("cryptosign") {
		m := d.object(o.at("cryptosign"), o.get("cryptosign"))
		if !a.dynamic(m, "cryptosign") {
			a.principals(m, "principals", func(r *router.RealmConfig, authid string, p *object, role string) {
				if r.Cryptosign == nil {
					r.Cryptosign = map[string]router.CryptosignPrincipal{}
				}
				r.Cryptosign[authid] = router.CryptosignPrincipal{Role: role, AuthorizedKeys: p.strings("authorized_keys")}
			})
		}
		m.done()
	}
	o.done()
	out := make(map[wamp.URI]router.AuthConfig, len(a.cur))
	for _, rc := range a.cur {
		out[rc.Name] = router.AuthConfig{AllowAnonymous: rc.AllowAnonymous, AnonymousRole: rc.AnonymousRole,
			Tickets: rc.Tickets, CRA: rc.CRA, SCRAM: rc.SCRAM, Cryptosign: rc.Cryptosign, Authenticators: rc.Authenticators}
	}
	if a.firstAuth == nil {
		a.first, a.firstAuth = string(canon), out
	} else if string(canon) != a.first {
		a.differ = true
	}
	return out
}

// realmAuth makes the auth every transport has the realms' own; with
// transports whose auth differ, the realms have none: sessions are
// authenticated only by the endpoint they come through.
func (a *authState) realmAuth(realms []router.RealmConfig) {
	if a.differ || a.firstAuth == nil || a.d.err != nil {
		return
	}
	for i := range realms {
		ac := a.firstAuth[realms[i].Name]
		r := &realms[i]
		r.AllowAnonymous, r.AnonymousRole = ac.AllowAnonymous, ac.AnonymousRole
		r.Tickets, r.CRA, r.SCRAM, r.Cryptosign, r.Authenticators = ac.Tickets, ac.CRA, ac.SCRAM, ac.Cryptosign, ac.Authenticators
	}
}

// static reads the "type" of a method that has no dynamic form
// (anonymous): "static" is the one supported.
func (a *authState) static(m *object) {
	if m.oneOf("type", "static", "static", "dynamic") == "dynamic" {
		a.d.fail(m.at("type"), "not supported: a dynamic authenticator for anonymous")
	}
}

// dynamic reads a method's "type"; for "dynamic" it reads "authenticator"
// (the procedure's URI) and "authenticator-realm" (the realm it is
// registered in; absent: the realm being joined), makes every realm
// authenticate method by that procedure, and reports true.
func (a *authState) dynamic(m *object, method string) bool {
	if m.oneOf("type", "static", "static", "dynamic") != "dynamic" {
		return false
	}
	pa := &router.ProcedureAuthenticator{Procedure: wamp.URI(m.str("authenticator", true)),
		Realm: wamp.URI(m.str("authenticator-realm", false))}
	if a.d.err == nil && !wamp.ValidURI(pa.Procedure, false, wamp.MatchExact) {
		a.d.fail(m.at("authenticator"), "invalid procedure URI %q", pa.Procedure)
	}
	found := pa.Realm == ""
	for i := range a.cur {
		if a.cur[i].Authenticators == nil {
			a.cur[i].Authenticators = map[string]router.Authenticator{}
		}
		a.cur[i].Authenticators[method] = pa
		found = found || a.cur[i].Name == pa.Realm
	}
	if !found && a.d.err == nil {
		a.d.fail(m.at("authenticator-realm"), "no realm %q is configured", pa.Realm)
	}
	return true
}

// reservedRole is the router's own role: its calls to authenticators and
// authorizers come from it (Crossbar's router-internal sessions have it
// too), and the router refuses a session that would join with it.
const reservedRole = "trusted"

// notReserved refuses o's "role" when it is the router's own.
func (a *authState) notReserved(o *object, role string) {
	if role == reservedRole && a.d.err == nil {
		a.d.fail(o.at("role"), "%q is reserved for the router's own sessions (a callee takes caller_authrole %q for the router): no session may join with it", role, role)
	}
}

// principals reads a method's principals (authid → object with "role" and
// an optional "realm") into the realms they apply to: the one named, or
// every realm.
func (a *authState) principals(m *object, key string, add func(r *router.RealmConfig, authid string, p *object, role string)) {
	d := a.d
	if !m.has(key) {
		d.fail(m.at(key), "missing")
		return
	}
	ps := d.object(m.at(key), m.get(key))
	for _, authid := range ps.keys() {
		p := d.object(ps.at(authid), ps.get(authid))
		role := p.str("role", true)
		a.notReserved(p, role)
		realm := p.str("realm", false)
		found := false
		for i := range a.cur {
			if realm == "" || string(a.cur[i].Name) == realm {
				found = true
				add(&a.cur[i], authid, p, role)
			}
		}
		if !found && d.err == nil {
			d.fail(p.at("realm"), "no realm %q is configured", realm)
		}
		p.done()
	}
}
