package router_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A ProcedureAuthenticator that refuses with an ERROR: the client's
// ABORT carries the ERROR's URI and message, as Crossbar forwards them;
// an invalid URI, and the dealer's own answers (no callee), stay
// wamp.error.authentication_failed; the message is bounded.
func TestReview16ProcedureAuthenticatorRefusal(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.HelloTimeout = 5 * time.Second
		c.Realms = append(c.Realms, dynamicRealm("users", "com.example.authenticate"), dynamicRealm("orphans", "com.example.nobody"))
	})
	a, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	long := strings.Repeat("é", 2000) // 4000 octets
	if _, err := a.Register(ctxT(t), "com.example.authenticate", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		switch authid, _ := inv.Args[1].(string); authid {
		case "badid":
			return nil, &client.Error{URI: "com.example.invalid_ticket", Args: wamp.List{"no such user"}}
		case "baduri":
			return nil, &client.Error{URI: "not a uri!", Args: wamp.List{"bad uri"}}
		case "long":
			return nil, &client.Error{URI: "com.example.too_long", Args: wamp.List{long}}
		case "noargs":
			return nil, &client.Error{URI: "wamp.error.not_authorized", Args: wamp.List{42}}
		}
		return nil, &client.Error{URI: "com.example.unknown"}
	}, nil); err != nil {
		t.Fatal(err)
	}
	abort := func(t *testing.T, realm wamp.URI, authid string) *client.AbortError {
		t.Helper()
		_, err := joinWith(t, r, realm, authid, &client.Ticket{Ticket: "x"})
		var ae *client.AbortError
		if !errors.As(err, &ae) {
			t.Fatalf("join: %v, want ABORT", err)
		}
		return ae
	}
	for _, tt := range []struct {
		realm       wamp.URI
		authid      string
		reason      wamp.URI
		message     string
		wantMessage bool
	}{
		{"users", "badid", "com.example.invalid_ticket", "no such user", true},
		{"users", "baduri", wamp.ErrAuthenticationFailed, "bad uri", true},
		{"users", "noargs", wamp.ErrNotAuthorized, "", false},
		{"orphans", "anyone", wamp.ErrAuthenticationFailed, "", false},
	} {
		t.Run(tt.authid, func(t *testing.T) {
			ae := abort(t, tt.realm, tt.authid)
			if ae.Reason != tt.reason {
				t.Fatalf("ABORT %s %v, want %s", ae.Reason, ae.Details, tt.reason)
			}
			if m, _ := ae.Details["message"].(string); tt.wantMessage && m != tt.message {
				t.Fatalf("ABORT message %q, want %q", m, tt.message)
			}
		})
	}
	t.Run("long", func(t *testing.T) {
		ae := abort(t, "users", "long")
		m, _ := ae.Details["message"].(string)
		if ae.Reason != "com.example.too_long" || len(m) == 0 || len(m) > 1024 || !utf8.ValidString(m) || !strings.HasPrefix(long, m) {
			t.Fatalf("ABORT %s with a message of %d octets", ae.Reason, len(m))
		}
	})
}

// An Authenticator's AuthError with a Reason that is not a URI, or a
// Message that is not UTF-8, reaches a client on a serializing transport
// as an ABORT (authentication_failed for the bad reason; the message
// made valid), not as a protocol violation of the router's.
func TestReview16AuthErrorSanitized(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{Name: "users", Authenticators: map[string]router.Authenticator{
			"ticket": router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
				if req.AuthID == "baduri" {
					return nil, &router.AuthError{Reason: "not a uri!", Message: "go away"}
				}
				return nil, &router.AuthError{Reason: "com.example.refused", Message: "bad \xff byte"}
			})}})
	})
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	for _, tt := range []struct {
		authid  string
		reason  wamp.URI
		message string
	}{
		{"baduri", wamp.ErrAuthenticationFailed, "go away"},
		{"badutf8", "com.example.refused", "bad \uFFFD byte"},
	} {
		t.Run(tt.authid, func(t *testing.T) {
			tr, err := client.Dial(ctxT(t), url, client.ConnectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			_, err = client.Join(ctxT(t), tr, "users", client.JoinOptions{AuthID: tt.authid,
				Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
			var ae *client.AbortError
			if !errors.As(err, &ae) || ae.Reason != tt.reason || ae.Details["message"] != tt.message {
				t.Fatalf("join: %v, want ABORT %s %q", err, tt.reason, tt.message)
			}
		})
	}
}
