// Package config loads the configuration of a WAMP router (wamp/router)
// from a JSON file in the shape of Crossbar.io's node configuration: a
// Crossbar configuration that uses only what is listed here loads
// unchanged.
//
//	cfg, err := config.Load("config.json")
//	r, err := router.New(cfg.Router)
//	for _, t := range cfg.Transports {
//		… listen on t.Network, t.Address …
//		for _, e := range t.Endpoints { // one, or one per web path
//			ep := r.Endpoint(e.Name) // its auth and the transport's max_sessions
//			… serve e.URLPath with e.Serializers; ep.Attach each connection …
//		}
//	}
//
// `autobahn serve --config FILE` serves it; `autobahn serve --check-config
// FILE` only checks it.
//
// # What is read
//
//	{"$schema"?, "version": 2, "controller"?: {},
//	 "workers": [{"type": "router", "id"?,
//	   "options"?: {"hello_timeout", "close_timeout" (seconds), "queue_soft_limit" (octets)},
//	   "realms": [{"name",
//	     "roles"?: [{"name", "permissions"?: [{"uri", "match"?, "allow"?: {"call", "register", "publish", "subscribe"},
//	                                          "disclose"?: {"caller", "publisher"}, "cache"?}]}],
//	     "store"?: {"type": "memory", "limit"?, "event-history"?: [{"uri", "match"?, "limit"?}]},
//	     "options"?: {"uri_check"?: "strict"|"loose", "enable_meta_api"?: true, "slow_subscriber"?: "disconnect"|"drop",
//	                  "queue_soft_limit"? (octets), "retained_topics"? (-1: off), "retained_bytes"?, "max_sessions"?,
//	                  "max_pending_calls"?, "max_subscriptions"?, "max_registrations"? (-1: no bound)}}],
//	   "transports": [{"type": "websocket"|"rawsocket"|"web", "id"?,
//	     "endpoint": {"type": "tcp", "port", "interface"?, "version"?: 4|6, "backlog"?, "tls"?: {"key", "certificate"}}
//	               | {"type": "unix", "path"},
//	     "max_sessions"?,
//	     "serializers"?: ["json", "msgpack", "cbor", "ubjson"], "auth"?: {…}, "options"?: {"max_message_size"},  (websocket)
//	     "max_message_size"?,                                                                            (rawsocket)
//	     "paths": {"ws": {"type": "websocket", "serializers"?, "auth"?, "options"?}, …}}]}]}                  (web)
//
// "auth" has, per method, Crossbar's static form: "anonymous": {"type":
// "static", "role"}; "ticket": {"principals": {authid: {"ticket", "role",
// "realm"?}}}; "wampcra": {"users": {authid: {"secret", "role", "salt"?,
// "iterations"?, "keylen"?, "realm"?}}}; "scram": {"principals": {authid:
// {"kdf", "iterations", "memory", "salt", "stored-key", "server-key",
// "role", "realm"?}}}; "cryptosign": {"principals": {authid:
// {"authorized_keys", "role", "realm"?}}}. A principal without "realm"
// may join every realm. Instead of principals, ticket, wampcra, scram and
// cryptosign may have Crossbar's dynamic form, {"type": "dynamic",
// "authenticator": procedure, "authenticator-realm"?: realm}: every realm
// then authenticates that method by calling the procedure a client
// registered in authenticator-realm (absent: the realm being joined), a
// router.ProcedureAuthenticator. A transport without "auth" allows anonymous
// sessions with role "anonymous", as in Crossbar. The role "trusted" is
// the router's own (its calls to authenticators and authorizers come from
// it, as Crossbar's router-internal sessions do): a principal or the
// anonymous sessions given it are refused, and the router refuses a
// session a dynamic authenticator gives it (ABORT wamp.error.no_such_role).
//
// Each "websocket" and "rawsocket" transport, and each websocket path of
// a "web" transport, is a router endpoint (router.EndpointConfig, named
// by its JSON path: Endpoint.Name, as workers[0].transports[1] or
// workers[0].transports[2].paths.ws): as in Crossbar, a session is
// authenticated by the "auth" of the endpoint it came through, and the
// principals of one endpoint are unknown on the others; each web path
// has its own "serializers" and "options" too. A web path key is its URL
// path ("ws" is /ws, matched exactly; "/" the root), of letters, digits
// and "-._~" between slashes. When every endpoint has the same "auth",
// it is also every realm's own (router.RealmConfig), for sessions
// attached without an endpoint; otherwise the realms have none.
// A transport's "max_sessions" (Autobahn's extension: Crossbar has no
// such key) bounds the sessions on that listener at once, over all its
// web paths together (EndpointConfig.MaxSessions and Listener): it says
// how much one port takes, which is what it is set for, and a bound per
// path would let a listener hold that many times more as paths are
// added. Past it a HELLO gets ABORT wamp.error.endpoint_full. Serve's
// SIGHUP (Router.Reload) applies a changed "max_sessions": a lower bound
// ends no session, it refuses new ones until fewer remain.
//
// A realm without "roles" is open: every session that authenticates may
// do everything there (router.RealmConfig.Roles); Crossbar would let no
// session join it, so an empty "roles" list, which could mean either, is
// refused. A role has "permissions" or, as Crossbar's dynamic authorizer,
// "authorizer": a procedure URI registered in the realm, called for each
// action of the role's sessions (router.ProcedureAuthorizer); not both.
//
// Permissions follow Crossbar: without "match" a starred URI gives the
// policy ("com.example.*" is the prefix "com.example.", "*" every URI,
// "com.*.update" the wildcard "com..update"); "cache" defaults to false.
// How the most specific permission is picked is router.RoleConfig's rule
// (the longest matching pattern). The worker's options and a realm's
// "slow_subscriber", "queue_soft_limit", "retained_topics",
// "retained_bytes" and "max_sessions" (the router.Config and
// router.RealmConfig fields of those names) are Autobahn's extensions,
// not Crossbar's. So are a realm's per-session limits "max_pending_calls",
// "max_subscriptions" and "max_registrations" (RealmConfig.MaxPendingCalls,
// MaxSubscriptions, MaxRegistrations): a positive bound, or -1 for none;
// absent means the router's default (1,000 calls in flight, 5,000
// subscriptions, 5,000 registrations per session). Past one, the CALL,
// SUBSCRIBE or REGISTER gets ERROR wamp.error.limit_exceeded. A realm's
// "max_sessions" takes the same values; absent means
// router.DefaultMaxSessions (100,000), and a HELLO past it gets ABORT.
// Relative file names (TLS keys, Unix socket paths) are resolved against
// the configuration file's directory.
//
// # What is refused
//
// Unknown keys, keys given twice, values of the wrong type (null
// included: a key is given or left out) or out of range, and everything of Crossbar's that this router does not do —
// other worker types and more than one worker, components, a dynamic
// "anonymous", "universal" transports, web paths other than websocket,
// TLS options other than key and certificate, and two web path keys for
// one URL path ("ws" and "/ws") — are errors
// (*Error) naming the JSON path of the value, never silently ignored:
//
//	workers[0].realms[1].roles[0].permissions[2].match: unknown value "regex" (want "exact", "prefix", "wildcard")
//
// The one exception is an endpoint's "backlog", accepted with no effect
// (Go listens with the system's backlog). A file is at most MaxSize
// octets and nests at most 32 levels.
package config
