package config_test

import (
	"testing"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A realm's "max_sessions" takes -1 for no bound, as the router does
// (router.RealmConfig.MaxSessions); absent it is 0, the router's default
// (router.DefaultMaxSessions), which a file could not undo before.
func TestReview17RealmMaxSessionsUnbounded(t *testing.T) {
	cfg, err := config.Parse([]byte(`{"version": 2, "workers": [{"type": "router",
		"realms": [{"name": "r", "options": {"max_sessions": -1}}, {"name": "other"}],
		"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 1}}]}]}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if r, other := cfg.Router.Realms[0], cfg.Router.Realms[1]; r.MaxSessions != -1 || other.MaxSessions != 0 {
		t.Fatalf("max_sessions %d, absent %d; want -1 and 0", r.MaxSessions, other.MaxSessions)
	}
}
