package router_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A ProcedureAuthenticator's answer with a field of the wrong type (an
// "extra" that is not a dict, a "realm", "authid" or "role" that is not a
// string, a credential of the wrong type) is refused: the client gets
// ABORT wamp.error.authentication_failed with a message naming the field
// (not its value), and the router logs it at Warn. Before, such fields
// were dropped and the session joined without them (a HELLO's authid in
// place of the answer's, no authextra, another realm's name ignored).
func TestReview16bAuthenticatorAnswerTypes(t *testing.T) {
	var logs logBuffer
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 5 * time.Second
		c.Logger = logs.logger()
		c.Realms = append(c.Realms, dynamicRealm("users", "com.example.authenticate"))
	})
	a, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	answers := map[string]wamp.Dict{
		"badextra":      {"role": "user", "extra": "oops"},
		"badrealm":      {"role": "user", "realm": 5},
		"badrole":       {"role": 7},
		"badid":         {"role": "user", "authid": 12},
		"badsecret":     {"role": "user", "secret": wamp.List{"s3cret"}},
		"baditerations": {"role": "user", "secret": "s3cret", "salt": "salt", "iterations": "1000"},
		"good":          {"role": "user", "authid": "renamed", "extra": wamp.Dict{"k": "v"}, "realm": nil},
	}
	if _, err := a.Register(ctxT(t), "com.example.authenticate", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		authid, _ := inv.Args[1].(string)
		return &client.Result{Args: wamp.List{answers[authid]}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		authid, field string
		a             client.Authenticator
	}{
		{"badextra", "extra", &client.Ticket{Ticket: "t"}},
		{"badrealm", "realm", &client.Ticket{Ticket: "t"}},
		{"badrole", "role", &client.Ticket{Ticket: "t"}},
		{"badid", "authid", &client.Ticket{Ticket: "t"}},
		{"badsecret", "secret", &client.CRA{Secret: "s3cret"}},
		{"baditerations", "iterations", &client.CRA{Secret: "s3cret"}},
	} {
		t.Run(tt.authid, func(t *testing.T) {
			s, err := joinWith(t, r, "users", tt.authid, tt.a)
			var ae *client.AbortError
			if !errors.As(err, &ae) {
				if s != nil {
					t.Fatalf("joined as %v (authextra %v)", s.Details()["authid"], s.Details()["authextra"])
				}
				t.Fatalf("join: %v, want ABORT", err)
			}
			m, _ := ae.Details["message"].(string)
			if ae.Reason != wamp.ErrAuthenticationFailed || !strings.Contains(m, tt.field) {
				t.Fatalf("ABORT %s %q, want %s naming %s", ae.Reason, m, wamp.ErrAuthenticationFailed, tt.field)
			}
			if strings.Contains(m, "s3cret") || strings.Contains(m, "oops") {
				t.Fatalf("ABORT message %q shows the answer's value", m)
			}
			waitFor(t, "the Warn log line", func() bool {
				for line := range strings.Lines(logs.String()) {
					if strings.Contains(line, "level=WARN") && strings.Contains(line, "field="+tt.field) {
						return true
					}
				}
				return false
			})
		})
	}
	s, err := joinWith(t, r, "users", "good", &client.Ticket{Ticket: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if extra, _ := s.Details()["authextra"].(wamp.Dict); s.Details()["authid"] != "renamed" || extra["k"] != "v" {
		t.Fatalf("WELCOME.Details %v", s.Details())
	}
}
