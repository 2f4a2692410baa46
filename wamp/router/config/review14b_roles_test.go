package config_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/router/config"
)

// A realm whose "roles" is an empty list is refused: in Crossbar no
// session may join it (every authrole is unknown), but the router reads a
// realm without roles as open to every session for every action, so it
// loaded as the opposite of what it says. A realm without "roles" stays
// open (this package's reading, documented).
func TestReview14bEmptyRolesRefused(t *testing.T) {
	const in = `{"version": 2, "workers": [{"type": "router", "realms": [{"name": "realm1", "roles": []}],
		"transports": [{"type": "websocket", "endpoint": {"type": "tcp", "port": 8080}}]}]}`
	_, err := config.Parse([]byte(in), ".")
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Path != "workers[0].realms[0].roles" || !strings.Contains(ce.Msg, "empty") {
		t.Fatalf("err = %v, want an error at workers[0].realms[0].roles", err)
	}
	open := strings.Replace(in, `, "roles": []`, ``, 1)
	cfg, err := config.Parse([]byte(open), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Router.Realms[0].Roles) != 0 {
		t.Fatalf("roles %+v", cfg.Router.Realms[0].Roles)
	}
}
