package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/router/config"
)

func TestLoadMinimal(t *testing.T) {
	cfg, err := config.Load("testdata/minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.Router.Realms
	if len(r) != 1 || r[0].Name != "realm1" || !r[0].AllowAnonymous || r[0].AnonymousRole != "anonymous" || r[0].Roles != nil {
		t.Fatalf("realms %+v", r)
	}
	want := []config.Transport{{Path: "workers[0].transports[0]", Type: "websocket", Network: "tcp", Address: ":8080",
		Endpoints: []config.Endpoint{{Name: "workers[0].transports[0]", Serializers: []string{"json", "msgpack", "cbor", "ubjson"}}}}}
	if !reflect.DeepEqual(cfg.Transports, want) {
		t.Fatalf("transports\n%+v, want\n%+v", cfg.Transports, want)
	}
}

func TestLoadStarred(t *testing.T) {
	cfg, err := config.Load("testdata/starred.json")
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Router.Realms[0]
	want := []router.Permission{
		{URI: "", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Subscribe: true}},
		{URI: "com.example.frontend.", Match: wamp.MatchPrefix, Allow: router.Allow{Call: true, Subscribe: true, Publish: true}},
		{URI: "com..update", Match: wamp.MatchWildcard, Allow: router.Allow{Publish: true}},
		{URI: "com.example.exact", Match: wamp.MatchExact, Allow: router.Allow{Register: true}},
	}
	if len(rc.Roles) != 1 || rc.Roles[0].Name != "role1" || !reflect.DeepEqual(rc.Roles[0].Permissions, want) {
		t.Fatalf("roles %+v", rc.Roles)
	}
	if !rc.AllowAnonymous || rc.AnonymousRole != "role1" {
		t.Fatalf("anonymous %v %q", rc.AllowAnonymous, rc.AnonymousRole)
	}
	if tr := cfg.Transports[0]; tr.Type != "websocket" || len(tr.Endpoints) != 1 || tr.Endpoints[0].URLPath != "/ws" || tr.Address != ":8080" {
		t.Fatalf("transport %+v", tr)
	}
}

func TestLoadFull(t *testing.T) {
	cfg, err := config.Load("testdata/full.json")
	if err != nil {
		t.Fatal(err)
	}
	rc := cfg.Router
	if rc.HelloTimeout != 5*time.Second || rc.CloseTimeout != 1500*time.Millisecond || rc.QueueSoftLimit != 262144 {
		t.Fatalf("router options %v %v %d", rc.HelloTimeout, rc.CloseTimeout, rc.QueueSoftLimit)
	}
	app, other := rc.Realms[0], rc.Realms[1]
	if app.Name != "com.example.app" || !app.StrictURI || app.SlowSubscriber != router.SlowDrop || len(app.Roles) != 3 {
		t.Fatalf("realm %+v", app)
	}
	if app.QueueSoftLimit != 65536 || app.RetainedTopics != 100 || app.RetainedBytes != 1<<20 || app.MaxSessions != 5000 {
		t.Fatalf("realm limits %d %d %d %d", app.QueueSoftLimit, app.RetainedTopics, app.RetainedBytes, app.MaxSessions)
	}
	if other.QueueSoftLimit != 0 || other.RetainedTopics != 0 || other.RetainedBytes != 0 || other.MaxSessions != 0 {
		t.Fatalf("defaults: realm limits %d %d %d %d", other.QueueSoftLimit, other.RetainedTopics, other.RetainedBytes, other.MaxSessions)
	}
	if p := app.Roles[0].Permissions[0]; !p.Disclose.Caller || !p.Disclose.Publisher || !p.Cache || !p.Allow.Register {
		t.Fatalf("backend permission %+v", p)
	}
	if h := app.EventHistory; len(h) != 2 || h[0].Limit != 1000 || h[1].Limit != 100 || h[1].Match != wamp.MatchPrefix {
		t.Fatalf("event history %+v", h)
	}
	// Principals with a realm go to that realm only.
	if _, ok := app.Tickets["svc@example.com"]; !ok {
		t.Fatal("svc@example.com missing in its realm")
	}
	if _, ok := other.Tickets["svc@example.com"]; ok {
		t.Fatal("svc@example.com in a realm it does not name")
	}
	if other.Tickets["joe"].Ticket != "secret!!!" || other.Tickets["joe"].Role != "frontend" || len(other.Cryptosign) != 0 {
		t.Fatalf("other realm's principals %+v %+v", other.Tickets, other.Cryptosign)
	}
	if c := app.CRA["peter"]; c.Salt != "salt123" || c.Iterations != 100 || c.KeyLen != 16 || c.Role != "frontend" {
		t.Fatalf("wampcra %+v", c)
	}
	if s := app.SCRAM["sam"]; s.KDF != "argon2id-13" || s.Memory != 512 || s.Iterations != 4096 || len(s.StoredKey) != 64 {
		t.Fatalf("scram %+v", s)
	}
	if c := app.Cryptosign["client01@example.com"]; len(c.AuthorizedKeys) != 1 || c.Role != "frontend" {
		t.Fatalf("cryptosign %+v", c)
	}
	if !app.AllowAnonymous || app.AnonymousRole != "anonymous" {
		t.Fatal("anonymous")
	}
	dir, _ := filepath.Abs("testdata")
	tr := cfg.Transports
	if len(tr) != 3 {
		t.Fatalf("%d transports", len(tr))
	}
	if tr[0].ID != "web1" || tr[0].Address != "127.0.0.1:8443" || tr[0].TLS == nil || tr[0].TLS.KeyFile != filepath.Join("testdata", "server.key") ||
		len(tr[0].Endpoints) != 1 || !reflect.DeepEqual(tr[0].Endpoints[0].Serializers, []string{"cbor", "json"}) || tr[0].Endpoints[0].URLPath != "/ws" {
		t.Fatalf("web transport %+v", tr[0])
	}
	if tr[1].Type != "rawsocket" || tr[1].Network != "tcp4" || tr[1].Endpoints[0].MaxMessageSize != 1<<20 {
		t.Fatalf("rawsocket transport %+v", tr[1])
	}
	if tr[2].Network != "unix" || tr[2].Address != filepath.Join("testdata", "router.sock") || tr[2].Endpoints[0].MaxMessageSize != 65536 {
		t.Fatalf("unix transport %+v (dir %s)", tr[2], dir)
	}
	if _, err := router.New(cfg.Router); err != nil {
		t.Fatal(err)
	}
}

// "type": "dynamic" maps onto a router.ProcedureAuthenticator in every
// realm, for its method.
func TestLoadDynamicAuthenticator(t *testing.T) {
	const in = `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}, {"name": "auth"}],
		"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "auth": {
			"ticket": {"type": "dynamic", "authenticator": "com.example.authenticate", "authenticator-realm": "auth"},
			"wampcra": {"type": "dynamic", "authenticator": "com.example.cra"}}}]}]}`
	cfg, err := config.Parse([]byte(in), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range cfg.Router.Realms {
		ticket, _ := rc.Authenticators["ticket"].(*router.ProcedureAuthenticator)
		cra, _ := rc.Authenticators["wampcra"].(*router.ProcedureAuthenticator)
		if ticket == nil || *ticket != (router.ProcedureAuthenticator{Procedure: "com.example.authenticate", Realm: "auth"}) ||
			cra == nil || *cra != (router.ProcedureAuthenticator{Procedure: "com.example.cra"}) {
			t.Fatalf("realm %s: authenticators %v", rc.Name, rc.Authenticators)
		}
	}
	if _, err := router.New(cfg.Router); err != nil {
		t.Fatal(err)
	}
}

// A role's "authorizer" maps onto a router.ProcedureAuthorizer.
func TestLoadAuthorizer(t *testing.T) {
	const in = `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [
		{"name": "user", "authorizer": "com.example.authorize"}]}],
		"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}}]}]}`
	cfg, err := config.Parse([]byte(in), ".")
	if err != nil {
		t.Fatal(err)
	}
	roles := cfg.Router.Realms[0].Roles
	if pa, _ := roles[0].Authorizer.(*router.ProcedureAuthorizer); len(roles) != 1 || pa == nil || pa.Procedure != "com.example.authorize" || pa.Realm != "" {
		t.Fatalf("roles %+v", roles)
	}
	if _, err := router.New(cfg.Router); err != nil {
		t.Fatal(err)
	}
}

// Every refusal names the JSON path of the value at fault.
func TestParseErrors(t *testing.T) {
	const head = `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}, {"name": "r2", "roles": [{"name": "u", "permissions": [{"uri": "a"}, {"uri": "b"}, `
	const tail = `]}]}], "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}}]}]}`
	perm := func(p string) string { return head + p + tail }
	transport := func(t string) string {
		return `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}], "transports": [` + t + `]}]}`
	}
	const ws = `{"type": "websocket", "endpoint": {"type": "tcp", "port": 1}`
	web := func(paths string) string {
		return transport(`{"type": "web", "endpoint": {"type": "tcp", "port": 1}, "paths": {` + paths + `}}`)
	}
	for _, c := range []struct{ in, want string }{
		{perm(`{"uri": "c", "match": "regex"}`), `workers[0].realms[1].roles[0].permissions[2].match: unknown value "regex" (want "exact", "prefix", "wildcard")`},
		{perm(`{"uri": "c", "allow": {"cal": true}}`), `workers[0].realms[1].roles[0].permissions[2].allow.cal: unknown or unsupported key`},
		{perm(`{"uri": "c", "allow": {"call": "yes"}}`), `workers[0].realms[1].roles[0].permissions[2].allow.call: want true or false, got a string`},
		{perm(`{"uri": "c", "disclose": {"callee": true}}`), `workers[0].realms[1].roles[0].permissions[2].disclose.callee: unknown or unsupported key`},
		{perm(`{"match": "exact"}`), `workers[0].realms[1].roles[0].permissions[2].uri: missing`},
		{perm(`{"uri": "a b", "match": "exact"}`), `workers[0].realms[1].roles[0].permissions[2].uri: invalid exact URI "a b"`},
		{perm(`{"uri": "a"}`), `workers[0].realms[1].roles[0].permissions[2]: the same exact URI "a" as permissions[0]`},
		{perm(`{"uri": "c", "cache": 1}`), `workers[0].realms[1].roles[0].permissions[2].cache: want true or false, got a number`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "roles": [{"name": "u", "authorizer": "com.example.authorize", "permissions": []}]}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].roles[0].authorizer: a role has an authorizer or permissions, not both`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "roles": [{"name": "u", "authorizer": "com example"}]}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].roles[0].authorizer: invalid procedure URI "com example"`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "roles": [{"name": "u"}, {"name": "u"}]}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].roles[1].name: role "u" configured twice`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r"}, {"name": "r"}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[1].name: realm "r" configured twice`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "store": {"type": "lmdb"}}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].store.type: unknown value "lmdb" (want "memory")`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "options": {"uri_check": "lax"}}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].options.uri_check: unknown value "lax" (want "strict", "loose")`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "options": {"queue_soft_limit": 10}}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].options.queue_soft_limit: 10 out of range [1024, 1073741824]`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "options": {"retained_topics": -2}}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].options.retained_topics: -2 out of range [-1, 16777216]`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "options": {"retained_bytes": 0}}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].options.retained_bytes: 0 out of range [1, 2147483647]`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "options": {"max_sessions": 0}}], "transports": [` + ws + `}]}]}`,
			`workers[0].realms[0].options.max_sessions: 0 out of range: want -1 (no bound) or a bound of at least 1`},
		{`{"version": 1, "workers": []}`, `version: 1 out of range [2, 2]`},
		{`{"workers": []}`, `version: missing (want 2)`},
		{`{"version": 2, "controller": {"id": "node1"}, "workers": []}`, `controller.id: not supported: the node controller is not configurable (leave "controller" empty)`},
		{`{"version": 2, "workers": [{"type": "container"}]}`, `workers[0].type: unknown value "container" (want "router")`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r"}], "transports": [` + ws + `}], "components": []}]}`,
			`workers[0].components: not supported: components run application code inside the router worker; run them as clients`},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r"}], "transports": []}]}`, `workers[0].transports: no transport`},
		{transport(`{"type": "universal", "endpoint": {"type": "tcp", "port": 1}}`), `workers[0].transports[0].type: unknown value "universal" (want "websocket", "rawsocket", "web")`},
		{transport(`{"type": "websocket", "endpoint": {"type": "tcp", "port": 70000}}`), `workers[0].transports[0].endpoint.port: 70000 out of range [0, 65535]`},
		{transport(`{"type": "websocket", "endpoint": {"type": "tcp"}}`), `workers[0].transports[0].endpoint.port: missing`},
		{transport(`{"type": "websocket", "endpoint": {"type": "udp", "port": 1}}`), `workers[0].transports[0].endpoint.type: unknown value "udp" (want "tcp", "unix")`},
		{transport(`{"type": "websocket", "endpoint": {"type": "tcp", "port": 1, "tls": {"key": "k", "certificate": "c", "dhparam": "d"}}}`),
			`workers[0].transports[0].endpoint.tls.dhparam: not supported: only key and certificate are`},
		{transport(ws + `, "serializers": ["json", "bson"]}`), `workers[0].transports[0].serializers[1]: unknown value "bson" (want "json", "msgpack", "cbor", "ubjson")`},
		{transport(ws + `, "options": {"auto_ping_interval": 1000}}`), `workers[0].transports[0].options.auto_ping_interval: unknown or unsupported key`},
		{transport(`{"type": "web", "endpoint": {"type": "tcp", "port": 1}, "paths": {"/": {"type": "static", "directory": ".."}}}`),
			`workers[0].transports[0].paths["/"].type: unknown value "static" (want "websocket")`},
		{transport(ws + `, "auth": {"ticket": {"type": "dynamic"}}}`), `workers[0].transports[0].auth.ticket.authenticator: missing`},
		{transport(ws + `, "auth": {"wampcra": {"type": "dynamic", "authenticator": "com.example.auth", "authenticator-realm": "nope"}}}`),
			`workers[0].transports[0].auth.wampcra.authenticator-realm: no realm "nope" is configured`},
		{transport(ws + `, "auth": {"anonymous": {"type": "dynamic", "authenticator": "com.example.auth"}}}`),
			`workers[0].transports[0].auth.anonymous.type: not supported: a dynamic authenticator for anonymous`},
		{transport(ws + `, "auth": {"ticket": {"principals": {"joe@x": {"ticket": "t"}}}}}`), `workers[0].transports[0].auth.ticket.principals["joe@x"].role: missing`},
		{transport(ws + `, "auth": {"ticket": {"principals": {"joe": {"ticket": "t", "role": "u", "realm": "nope"}}}}}`),
			`workers[0].transports[0].auth.ticket.principals.joe.realm: no realm "nope" is configured`},
		{transport(ws + `, "auth": {"cookie": {}}}`), `workers[0].transports[0].auth.cookie: unknown or unsupported key`},
		{transport(ws + `, "auth": {"scram": {"principals": {"s": {"kdf": "md5", "role": "u"}}}}}`), `workers[0].transports[0].auth.scram.principals.s.kdf: unknown value "md5" (want "argon2id-13", "pbkdf2")`},
		{web(`"a": {"type": "websocket"}, "b": {"type": "websocket", "auth": {"ticket": {"principals": {"joe": {"ticket": "t"}}}}}`),
			`workers[0].transports[0].paths.b.auth.ticket.principals.joe.role: missing`},
		{web(`"a": {"type": "websocket"}, "b": {"type": "websocket", "auth": {"cryptosign": {"principals": {"c": {"role": "r", "authorized_keys": ["00"]}}}}}`),
			`workers[0]: endpoint "workers[0].transports[0].paths.b": realm "realm1": cryptosign principal "c": wamp/auth: not an Ed25519 public key in hex`},
		{web(`"a": {"type": "websocket", "serializers": []}`), `workers[0].transports[0].paths.a.serializers: empty`},
		{web(`"a": {"type": "websocket", "options": {"max_message_size": 1}}`), `workers[0].transports[0].paths.a.options.max_message_size: 1 out of range [512, 16777216]`},
		{web(`"ws": {"type": "websocket"}, "/ws": {"type": "websocket"}`), `workers[0].transports[0].paths.ws: the same URL path /ws as workers[0].transports[0].paths["/ws"]`},
		{web(`"{id}": {"type": "websocket"}`), `workers[0].transports[0].paths["{id}"]: invalid path "{id}" (want URL path segments of letters, digits, "-._~")`},
		{web(`"a//b": {"type": "websocket"}`), `workers[0].transports[0].paths["a//b"]: invalid path "a//b" (want URL path segments of letters, digits, "-._~")`},
		{web(``), `workers[0].transports[0].paths: no websocket path`},
		{transport(ws + `, "max_sessions": 0}`), `workers[0].transports[0].max_sessions: 0 out of range [1, 2147483647]`},
		{transport(`{"type": "rawsocket", "endpoint": {"type": "tcp", "port": 1}, "max_sessions": "10"}`), `workers[0].transports[0].max_sessions: want an integer, got a string`},
		{transport(ws + `}, ` + ws + `, "auth": {"cryptosign": {"principals": {"c": {"role": "r", "authorized_keys": ["00"]}}}}}`),
			`workers[0]: endpoint "workers[0].transports[1]": realm "realm1": cryptosign principal "c": wamp/auth: not an Ed25519 public key in hex`},
		{transport(ws + `, "auth": {"wampcra": {"users": {"u": {"secret": "", "role": "r"}}}}}`), `workers[0].transports[0].auth.wampcra.users.u.secret: empty`},
		{transport(ws + `, "auth": {"cryptosign": {"principals": {"c": {"role": "r", "authorized_keys": ["00"]}}}}}`),
			`workers[0]: realm "realm1": cryptosign principal "c": wamp/auth: not an Ed25519 public key in hex`},
		{`{"version": 2, "version": 2}`, `version: key given twice`},
		{`{"version": 2,}`, `line 1, column 15: invalid JSON: invalid character '}' looking for beginning of object key string`},
		{`{"version": 2} {}`, `data after the configuration object`},
		{`[]`, `want a configuration object, got an array`},
		{strings.Repeat("[", 40) + strings.Repeat("]", 40), `[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nested deeper than 32 levels`},
	} {
		_, err := config.Parse([]byte(c.in), "")
		var ce *config.Error
		if !errors.As(err, &ce) || err.Error() != c.want {
			t.Errorf("Parse(%.80s…)\n got %v\nwant %s", c.in, err, c.want)
		}
	}
	if _, err := config.Parse(make([]byte, config.MaxSize+1), ""); !errors.Is(err, config.ErrTooLarge) {
		t.Errorf("oversized: %v", err)
	}
	if _, err := config.Load(filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	for _, name := range []string{"minimal.json", "starred.json", "full.json", "endpoints.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "r", "roles": [{"name": "u", "permissions": [{"uri": "a.*.b"}]}]}], "transports": [{"type": "rawsocket", "endpoint": {"type": "unix", "path": "s"}}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := config.Parse(data, "dir")
		if err != nil {
			var ce *config.Error
			if !errors.As(err, &ce) && !errors.Is(err, config.ErrTooLarge) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if len(cfg.Transports) == 0 || len(cfg.Router.Realms) == 0 {
			t.Fatalf("accepted without transports or realms: %+v", cfg)
		}
		if _, err := router.New(cfg.Router); err != nil {
			t.Fatalf("accepted, but router.New refuses: %v", err)
		}
	})
}
