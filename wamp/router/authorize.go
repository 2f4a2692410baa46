package router

import (
	"errors"
	"fmt"
	"maps"

	"github.com/autobahn-go/autobahn/wamp"
)

// The four actions of WAMP authorization, as Crossbar names them.
const (
	ActionCall      = "call"
	ActionRegister  = "register"
	ActionPublish   = "publish"
	ActionSubscribe = "subscribe"
)

// Allow says which actions a Permission grants.
type Allow struct {
	Call, Register, Publish, Subscribe bool
}

// Disclose forces caller disclosure on the CALLs (Caller) and publisher
// disclosure on the PUBLISHes (Publisher) a Permission allows, whatever
// the client's disclose_me says.
type Disclose struct {
	Caller, Publisher bool
}

// Permission is one entry of a role's static authorization (Crossbar's
// "permissions"): the actions allowed on the URIs that URI and Match
// cover.
type Permission struct {
	// URI is the pattern; with Match wamp.MatchPrefix the empty URI
	// matches every URI.
	URI wamp.URI
	// Match is wamp.MatchExact (or empty), wamp.MatchPrefix or
	// wamp.MatchWildcard.
	Match    string
	Allow    Allow
	Disclose Disclose
	// Cache is Crossbar's hint that a decision may be cached for the
	// session; static decisions are cheap and never cached, so it only
	// travels into Decision.
	Cache bool
}

// RoleConfig is one role of a realm (Crossbar's "roles" entry): either
// static Permissions or an Authorizer deciding in code, not both.
//
// Of the Permissions whose pattern matches a URI, the one with the
// longest URI pattern decides alone (Crossbar's documented rule: "the
// rule with the longest matching URI (pattern) wins"); at equal length an
// exact permission beats a prefix one, which beats a wildcard one, and of
// two wildcards the one whose first concrete component comes earliest
// wins. So an exact permission beats every other, a longer prefix beats a
// shorter one, and a wildcard beats a shorter prefix such as the catch-all
// "" (Crossbar's code lets any matching wildcard beat any prefix, which its
// documentation does not say). When no permission matches, the action is
// denied; a role without permissions is denied everything. SUBSCRIBE and
// REGISTER are checked on the pattern as the client wrote it.
type RoleConfig struct {
	Name        string
	Permissions []Permission
	Authorizer  Authorizer
}

// AuthorizeRequest is what an Authorizer decides on: who asks, for which
// action on which URI. For SUBSCRIBE and REGISTER, URI is the pattern as
// the client sent it and Match its match policy.
type AuthorizeRequest struct {
	Realm        wamp.URI
	Session      wamp.ID
	AuthID       string
	AuthRole     string
	AuthMethod   string
	AuthProvider string
	Action       string // ActionCall, ActionRegister, ActionPublish or ActionSubscribe
	URI          wamp.URI
	Match        string
	Options      wamp.Dict // the message's options; do not modify or keep
}

// Decision is an authorization's answer. Disclose forces caller (call) or
// publisher (publish) disclosure. Cache lets the router keep the decision
// for the rest of the session (per action, URI and match; see
// Authorizer).
type Decision struct {
	Allow, Disclose, Cache bool
}

// Authorizer decides in code what the sessions of one role may do
// (RoleConfig.Authorizer), like Crossbar's dynamic authorizers. It is
// called for every CALL, REGISTER, PUBLISH and SUBSCRIBE of such a session
// whose decision is not cached, on the goroutine (or the event loop) that
// reads the session, before the realm's lock is taken: it must be quick
// and must not block (a slow one holds up that session, and on the event
// loop every session of that loop), and it is called concurrently for
// different sessions. A ProcedureAuthorizer (authorize_dynamic.go) is the
// exception: the router calls its procedure without blocking. An error refuses the action with
// wamp.error.authorization_failed and is logged. A session caches at most
// 256 decisions (past that its cache starts over); Router.Reload drops
// every cache.
type Authorizer interface {
	Authorize(req *AuthorizeRequest) (Decision, error)
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(req *AuthorizeRequest) (Decision, error)

// Authorize calls f.
func (f AuthorizerFunc) Authorize(req *AuthorizeRequest) (Decision, error) { return f(req) }

// maxCachedDecisions bounds a session's cache of Authorizer decisions.
const maxCachedDecisions = 256

// authorization is a realm's compiled roles; it is replaced whole by
// Reload, never modified.
type authorization struct {
	open  bool // no roles configured: everything is allowed
	roles map[string]*roleAuthz
}

type roleAuthz struct {
	perms      *uriIndex[*Permission]
	authorizer Authorizer
}

// decisionKey is what a cached decision is kept under.
type decisionKey struct {
	action, match string
	uri           wamp.URI
}

// decisionCache is a session's cache of Authorizer decisions. It belongs
// to the session's reader (handle runs there), so it needs no lock; it is
// dropped when the realm's authorization is replaced.
type decisionCache struct {
	az *authorization
	m  map[decisionKey]Decision
}

// compileRoles checks and compiles rc.Roles; no roles means an open realm.
func compileRoles(rc *RealmConfig) (*authorization, error) {
	az := &authorization{open: len(rc.Roles) == 0, roles: map[string]*roleAuthz{}}
	for i, role := range rc.Roles {
		bad := func(format string, a ...any) error {
			return fmt.Errorf("wamp/router: realm %q: role %d (%q): %s", rc.Name, i, role.Name, fmt.Sprintf(format, a...))
		}
		if role.Name == "" {
			return nil, bad("no name")
		}
		if _, dup := az.roles[role.Name]; dup {
			return nil, bad("configured twice")
		}
		if role.Authorizer != nil && len(role.Permissions) > 0 {
			return nil, bad("both an Authorizer and permissions")
		}
		if pa, ok := role.Authorizer.(*ProcedureAuthorizer); ok {
			if err := procedureUsable(pa.Procedure); err != nil { // auth_dynamic.go
				return nil, bad("Authorizer: %v", err)
			}
		}
		ra := &roleAuthz{perms: newURIIndex[*Permission](), authorizer: role.Authorizer}
		for j := range role.Permissions {
			p := role.Permissions[j]
			if p.Match == "" {
				p.Match = wamp.MatchExact
			}
			switch p.Match {
			case wamp.MatchExact, wamp.MatchPrefix, wamp.MatchWildcard:
			default:
				return nil, bad("permission %d: match %q is not exact, prefix or wildcard", j, p.Match)
			}
			if !(p.URI == "" && p.Match == wamp.MatchPrefix) && !wamp.ValidURI(p.URI, false, p.Match) {
				return nil, bad("permission %d: invalid %s URI %q", j, p.Match, p.URI)
			}
			if _, dup := ra.perms.get(p.URI, p.Match); dup {
				return nil, bad("permission %d: %s URI %q given twice", j, p.Match, p.URI)
			}
			ra.perms.set(p.URI, p.Match, &p)
		}
		az.roles[role.Name] = ra
	}
	return az, nil
}

// decide returns the static decision of the role's permissions for action
// on uri, by RoleConfig's rule.
func (ra *roleAuthz) decide(action string, uri wamp.URI) Decision {
	var p *Permission
	ra.perms.each(uri, func(q *Permission, _ string) {
		if p == nil || moreSpecific(q, p) {
			p = q
		}
	})
	if p == nil {
		return Decision{}
	}
	switch action {
	case ActionCall:
		return Decision{Allow: p.Allow.Call, Disclose: p.Disclose.Caller, Cache: p.Cache}
	case ActionRegister:
		return Decision{Allow: p.Allow.Register, Cache: p.Cache}
	case ActionPublish:
		return Decision{Allow: p.Allow.Publish, Disclose: p.Disclose.Publisher, Cache: p.Cache}
	case ActionSubscribe:
		return Decision{Allow: p.Allow.Subscribe, Cache: p.Cache}
	}
	return Decision{}
}

// moreSpecific reports whether a beats b when both match a URI (decide).
func moreSpecific(a, b *Permission) bool {
	if len(a.URI) != len(b.URI) {
		return len(a.URI) > len(b.URI)
	}
	if ra, rb := matchRank(a.Match), matchRank(b.Match); ra != rb {
		return ra < rb
	}
	// Two wildcards of the same length: the first concrete component
	// against a wildcard decides.
	as, bs := string(a.URI), string(b.URI)
	for as != "" || bs != "" {
		ac, arest, _ := next(as)
		bc, brest, _ := next(bs)
		if (ac == "") != (bc == "") {
			return bc == ""
		}
		as, bs = arest, brest
	}
	return false
}

func matchRank(m string) int {
	switch m {
	case wamp.MatchExact:
		return 0
	case wamp.MatchPrefix:
		return 1
	}
	return 2
}

// roleKnown reports whether sessions of role may join the realm: in an
// open realm every role may; else only the configured ones (Crossbar
// refuses others with wamp.error.no_such_role).
func (rm *realm) roleKnown(role string) bool {
	az := rm.authz.Load()
	return az.open || az.roles[role] != nil
}

// errNotAuthorized is returned by authorizeAction for a denied action.
var errNotAuthorized = errors.New("not authorized")

// authorizeAction decides whether s may do action on uri.
func (rm *realm) authorizeAction(s *session, action string, uri wamp.URI, match string, options wamp.Dict) (Decision, error) {
	az := rm.authz.Load()
	if az.open {
		return Decision{Allow: true}, nil
	}
	ra := az.roles[s.authrole]
	if ra == nil {
		// The role was removed by a reload after the session joined.
		return Decision{}, errNotAuthorized
	}
	if ra.authorizer == nil {
		return ra.decide(action, uri), nil
	}
	key := decisionKey{action: action, match: match, uri: uri}
	if c := s.decisions; c != nil && c.az == az {
		if d, ok := c.m[key]; ok {
			return d, nil
		}
	}
	d, err := rm.r.authorizeUser(ra.authorizer, &AuthorizeRequest{ // usercode.go: a panic denies
		Realm: rm.cfg.Name, Session: s.id, AuthID: s.authid, AuthRole: s.authrole, AuthMethod: s.authmethod,
		AuthProvider: s.provider(), Action: action, URI: uri, Match: match, Options: options,
	})
	if err != nil {
		return Decision{}, err
	}
	if d.Cache {
		if s.decisions == nil || s.decisions.az != az || len(s.decisions.m) >= maxCachedDecisions {
			s.decisions = &decisionCache{az: az, m: map[decisionKey]Decision{}}
		}
		s.decisions.m[key] = d
	}
	return d, nil
}

// provider is the session's authprovider as WELCOME names it.
func (s *session) provider() string {
	if s.authprovider == "" {
		return "static"
	}
	return s.authprovider
}

// authorize checks a CALL, REGISTER, PUBLISH or SUBSCRIBE of s (every
// other message passes) against the realm's authorization. It returns the
// message to handle, with disclose_me set when the decision forces
// disclosure; or ok false, m as it came and the ERROR to answer with
// (nil for a PUBLISH without acknowledge, which is dropped). It runs
// before the realm's lock is taken, on the session's reader.
func (rm *realm) authorize(s *session, m wamp.Message) (out, refusal wamp.Message, ok bool) {
	a, isAction := actionOfMessage(m)
	if !isAction {
		return m, nil, true
	}
	d, err := rm.authorizeAction(s, a.action, a.uri, a.match, a.options)
	return rm.authorizeWith(s, m, a, d, err)
}

// actionOf is what a CALL, REGISTER, PUBLISH or SUBSCRIBE asks to do.
type actionOf struct {
	action, match string
	uri           wamp.URI
	options       wamp.Dict
	request       wamp.ID
	// az is the authorization that chose a ProcedureAuthorizer for it
	// (procedureAuthorizer); nil otherwise.
	az *authorization
}

// actionOfMessage returns m's action; false for the messages that need
// no authorization.
func actionOfMessage(m wamp.Message) (actionOf, bool) {
	switch m := m.(type) {
	case *wamp.Call:
		return actionOf{action: ActionCall, match: wamp.MatchExact, uri: m.Procedure, options: m.Options, request: m.Request}, true
	case *wamp.Register:
		return actionOf{action: ActionRegister, match: matchOf(m.Options), uri: m.Procedure, options: m.Options, request: m.Request}, true
	case *wamp.Publish:
		return actionOf{action: ActionPublish, match: wamp.MatchExact, uri: m.Topic, options: m.Options, request: m.Request}, true
	case *wamp.Subscribe:
		return actionOf{action: ActionSubscribe, match: matchOf(m.Options), uri: m.Topic, options: m.Options, request: m.Request}, true
	}
	return actionOf{}, false
}

// authorizeWith is authorize with the decision d (or err) taken.
func (rm *realm) authorizeWith(s *session, m wamp.Message, a actionOf, d Decision, err error) (out, refusal wamp.Message, ok bool) {
	action, uri, request := a.action, a.uri, a.request
	if err == nil && d.Allow {
		if d.Disclose {
			m = withDiscloseMe(m)
		}
		return m, nil, true
	}
	reason, text := wamp.ErrNotAuthorized, fmt.Sprintf("session is not authorized to %s %q", action, echo(uri)) // meta.go
	if err != nil && !errors.Is(err, errNotAuthorized) {
		attrs := []any{"session", s.id, "authrole", s.authrole, "action", action, "uri", uri, "err", err}
		var bad *badAnswerError // auth_dynamic.go: a malformed answer of a ProcedureAuthorizer
		if errors.As(err, &bad) {
			attrs = append(attrs, "field", bad.field)
		}
		rm.log.Warn("wamp/router: authorizer failed", attrs...)
		reason, text = wamp.ErrAuthorizationFailed, "authorization of "+action+" "+echo(uri)+" failed"
	}
	rm.log.Debug("wamp/router: not authorized", "session", s.id, "authrole", s.authrole, "action", action, "uri", uri)
	if p, isPub := m.(*wamp.Publish); isPub {
		if ack, _ := p.Options["acknowledge"].(bool); !ack {
			return m, nil, false
		}
	}
	return m, &wamp.Error{RequestType: m.Type(), Request: request, Details: wamp.Dict{}, Error: reason, Args: wamp.List{text}}, false
}

// withDiscloseMe returns a copy of a CALL or PUBLISH with
// Options.disclose_me set; the original's options may be shared (an
// in-memory client's) and are not modified.
func withDiscloseMe(m wamp.Message) wamp.Message {
	set := func(o wamp.Dict) wamp.Dict {
		o = maps.Clone(o)
		if o == nil {
			o = wamp.Dict{}
		}
		o["disclose_me"] = true
		return o
	}
	switch m := m.(type) {
	case *wamp.Call:
		c := *m
		c.Options = set(m.Options)
		return &c
	case *wamp.Publish:
		p := *m
		p.Options = set(m.Options)
		return &p
	}
	return m
}
