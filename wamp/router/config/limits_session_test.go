package config_test

import (
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A realm's per-session limits: "max_pending_calls", "max_subscriptions"
// and "max_registrations" land in router.RealmConfig; absent they are 0
// (the router's defaults); -1 is no bound; 0 and below -1 are errors.
func TestLoadSessionLimits(t *testing.T) {
	realm := func(options string) []byte {
		return []byte(`{"version": 2, "workers": [{"type": "router",
			"realms": [{"name": "r", "options": {` + options + `}}, {"name": "other"}],
			"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 1}}]}]}`)
	}
	cfg, err := config.Parse(realm(`"max_pending_calls": 50, "max_subscriptions": -1, "max_registrations": 2147483647`), "")
	if err != nil {
		t.Fatal(err)
	}
	r, other := cfg.Router.Realms[0], cfg.Router.Realms[1]
	if r.MaxPendingCalls != 50 || r.MaxSubscriptions != -1 || r.MaxRegistrations != 1<<31-1 {
		t.Fatalf("limits %d %d %d", r.MaxPendingCalls, r.MaxSubscriptions, r.MaxRegistrations)
	}
	if other.MaxPendingCalls != 0 || other.MaxSubscriptions != 0 || other.MaxRegistrations != 0 {
		t.Fatalf("defaults: limits %d %d %d", other.MaxPendingCalls, other.MaxSubscriptions, other.MaxRegistrations)
	}
	const at = "workers[0].realms[0].options."
	for _, c := range []struct{ in, want string }{
		{`"max_pending_calls": 0`, at + `max_pending_calls: 0 out of range: want -1 (no bound) or a bound of at least 1`},
		{`"max_subscriptions": -2`, at + `max_subscriptions: -2 out of range [-1, 2147483647]`},
		{`"max_registrations": 2147483648`, at + `max_registrations: 2147483648 out of range [-1, 2147483647]`},
		{`"max_pending_calls": 1.5`, at + `max_pending_calls: want an integer, got 1.5`},
		{`"max_subscriptions": "10"`, at + `max_subscriptions: want an integer, got a string`},
		{`"max_registrations": 0`, at + `max_registrations: 0 out of range: want -1 (no bound) or a bound of at least 1`},
		{`"max_pending_call": 10`, at + `max_pending_call: unknown or unsupported key`},
	} {
		_, err := config.Parse(realm(c.in), "")
		var ce *config.Error
		if !errors.As(err, &ce) || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.in, err, c.want)
		}
	}
}
