package router_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A ProcedureAuthorizer's dict answer with "allow", "disclose" or "cache"
// not a boolean (a "cache": "true", a "disclose": 1) is a malformed
// answer: the action is refused with wamp.error.authorization_failed and
// the router logs it at Warn naming the field, as it does for a
// ProcedureAuthenticator's answer. Before, such a "disclose" or "cache"
// was read as false and the action allowed (the caller not disclosed,
// the decision asked again every time), with no word to the operator.
func TestReview16cAuthorizerAnswerTypes(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 5 * time.Second
		c.Logger = logs.logger()
		c.Realms = append(c.Realms, router.RealmConfig{
			Name:    "guarded",
			Tickets: map[string]router.TicketPrincipal{"joe": {Ticket: "t", Role: "user"}},
			Roles:   []router.RoleConfig{{Name: "user", Authorizer: &router.ProcedureAuthorizer{Procedure: "com.example.authorize", Realm: realm1}}},
		})
	})
	answers := map[string]wamp.Dict{
		"com.example.badcache":    {"allow": true, "cache": "true"},
		"com.example.baddisclose": {"allow": true, "disclose": 1},
		"com.example.badallow":    {"allow": "yes"},
		"com.example.nulls":       {"allow": true, "cache": nil, "disclose": nil},
	}
	az := join(t, r)
	if _, err := az.Register(ctxT(t), "com.example.authorize", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		uri, _ := inv.Args[1].(string)
		return &client.Result{Args: wamp.List{answers[uri]}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	joe, err := joinWith(t, r, "guarded", "joe", &client.Ticket{Ticket: "t"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ topic, field string }{
		{"com.example.badcache", "cache"},
		{"com.example.baddisclose", "disclose"},
		{"com.example.badallow", "allow"},
	} {
		t.Run(tt.field, func(t *testing.T) {
			err := joe.Publish(ctxT(t), wamp.URI(tt.topic), nil, nil, &client.PublishOptions{Acknowledge: true})
			wantWAMPError(t, err, wamp.ErrAuthorizationFailed)
			waitFor(t, "the Warn log line", func() bool {
				for line := range strings.Lines(logs.String()) {
					if strings.Contains(line, "level=WARN") && strings.Contains(line, "field="+tt.field) &&
						strings.Contains(line, "uri="+tt.topic) {
						return true
					}
				}
				return false
			})
		})
	}
	if err := joe.Publish(ctxT(t), "com.example.nulls", nil, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatalf("an answer with null disclose and cache: %v", err)
	}
}
