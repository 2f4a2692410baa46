package config_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A "web" transport whose websocket paths authenticate differently: each
// path is a router endpoint of its own, and the transport's max_sessions
// bounds the listener over both (EndpointConfig.Listener).
func ExampleParse_webPaths() {
	cfg, err := config.Parse([]byte(`{
	    "version": 2,
	    "workers": [{
	        "type": "router",
	        "realms": [{"name": "realm1"}],
	        "transports": [{
	            "type": "web",
	            "endpoint": {"type": "tcp", "port": 8080},
	            "max_sessions": 1000,
	            "paths": {
	                "ws": {"type": "websocket", "auth": {"anonymous": {"type": "static", "role": "guest"}}},
	                "admin": {"type": "websocket", "serializers": ["cbor"],
	                          "auth": {"ticket": {"principals": {"ops": {"ticket": "s3cret", "role": "admin"}}}}}
	            }
	        }]
	    }]
	}`), ".")
	if err != nil {
		panic(err)
	}
	for _, e := range cfg.Transports[0].Endpoints {
		ec := cfg.Router.Endpoints[e.Name]
		fmt.Println(e.URLPath, e.Serializers, e.Name)
		fmt.Println("  anonymous:", ec.Realms["realm1"].AllowAnonymous, "tickets:", len(ec.Realms["realm1"].Tickets),
			"max sessions:", ec.MaxSessions, "on", ec.Listener)
	}
	// Output:
	// /admin [cbor] workers[0].transports[0].paths.admin
	//   anonymous: false tickets: 1 max sessions: 1000 on workers[0].transports[0]
	// /ws [json msgpack cbor ubjson] workers[0].transports[0].paths.ws
	//   anonymous: true tickets: 0 max sessions: 1000 on workers[0].transports[0]
}
