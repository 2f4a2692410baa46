package config_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A key given as null is refused, not read as absent: "auth": null loaded
// as a transport without "auth" (anonymous sessions allowed, in a realm
// without roles allowed everything), "roles": null as a realm without
// roles (open). Crossbar refuses both.
func TestReview14bNullRefused(t *testing.T) {
	for _, c := range []struct{ in, path string }{
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}],
			"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "auth": null}]}]}`,
			"workers[0].transports[0].auth"},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": null}],
			"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "auth": {"ticket": {"type": "static",
			"principals": {"joe": {"ticket": "t", "role": "user"}}}}}]}]}`,
			"workers[0].realms[0].roles"},
		{`{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": [{"name": "user", "permissions": [
			{"uri": "com.example.", "match": "prefix", "allow": null}]}]}],
			"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}}]}]}`,
			"workers[0].realms[0].roles[0].permissions[0].allow"},
	} {
		cfg, err := config.Parse([]byte(c.in), ".")
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Path != c.path {
			var anon bool
			if cfg != nil {
				anon = cfg.Router.Realms[0].AllowAnonymous
			}
			t.Errorf("err = %v (anonymous allowed: %v), want an error at %s", err, anon, c.path)
		}
	}
}
