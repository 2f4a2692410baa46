package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A principal, or the anonymous sessions, given the role "trusted" is
// refused at load with the path of the role: the router reserves it for
// its own calls (as Crossbar does for its router-internal sessions) and
// would refuse every join with it; it loaded, and the sessions were
// welcomed with it.
func TestReview15TrustedRoleRefused(t *testing.T) {
	for _, tc := range []struct{ auth, path string }{
		{`{"ticket": {"type": "static", "principals": {"mallory": {"ticket": "t", "role": "trusted"}}}}`,
			"workers[0].transports[0].auth.ticket.principals.mallory.role"},
		{`{"wampcra": {"type": "static", "users": {"mallory": {"secret": "s", "role": "trusted"}}}}`,
			"workers[0].transports[0].auth.wampcra.users.mallory.role"},
		{`{"anonymous": {"type": "static", "role": "trusted"}}`,
			"workers[0].transports[0].auth.anonymous.role"},
	} {
		in := `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1"}],
			"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}, "auth": ` + tc.auth + `}]}]}`
		_, err := config.Parse([]byte(in), ".")
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Path != tc.path || !strings.Contains(ce.Msg, "reserved") {
			t.Fatalf("%s: err = %v, want an error at %s", tc.auth, err, tc.path)
		}
		ok := strings.Replace(in, `"trusted"`, `"user"`, 1)
		if _, err := config.Parse([]byte(ok), "."); err != nil {
			t.Fatalf("%s: with role user: %v", tc.auth, err)
		}
	}
}
