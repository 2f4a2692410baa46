package config_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A Crossbar configuration: one realm whose anonymous role may call and
// subscribe under com.example., on a WebSocket transport.
func ExampleParse() {
	cfg, err := config.Parse([]byte(`{
	    "version": 2,
	    "controller": {},
	    "workers": [{
	        "type": "router",
	        "realms": [{
	            "name": "realm1",
	            "roles": [{"name": "anonymous", "permissions": [
	                {"uri": "com.example.*", "allow": {"call": true, "subscribe": true}}
	            ]}]
	        }],
	        "transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}}]
	    }]
	}`), ".")
	if err != nil {
		panic(err)
	}
	rc := cfg.Router.Realms[0]
	p := rc.Roles[0].Permissions[0]
	fmt.Println(rc.Name, rc.AnonymousRole, p.URI, p.Match, p.Allow.Call, p.Allow.Publish)
	t := cfg.Transports[0]
	fmt.Println(t.Type, t.Network, t.Address, t.Endpoints[0].Serializers)

	_, err = config.Parse([]byte(`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1",
	    "roles": [{"name": "anonymous", "permissions": [{"uri": "com.", "match": "regex"}]}]}]}]}`), ".")
	fmt.Println(err)
	// Output:
	// realm1 anonymous com.example. prefix true false
	// websocket tcp :8080 [json msgpack cbor ubjson]
	// workers[0].realms[0].roles[0].permissions[0].match: unknown value "regex" (want "exact", "prefix", "wildcard")
}
