package router_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// An Authenticator's Principal that the session's serializer cannot carry
// in WELCOME (a channel in Extra, which does not encode; invalid UTF-8 in
// Extra or AuthID, which encodes but fails the client's decoding): the
// client gets ABORT with a reason, counted in Stats.Closed, instead of a
// session that joins and is dropped, or a WELCOME it cannot read.
func TestReview16AuthExtraNotEncodable(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		c.Realms = append(c.Realms, router.RealmConfig{Name: "users", Authenticators: map[string]router.Authenticator{
			"ticket": router.AuthenticatorFunc(func(_ context.Context, req *router.AuthRequest) (*router.Principal, error) {
				p := &router.Principal{AuthRole: "user", Extra: wamp.Dict{"fine": "yes"}}
				switch req.AuthID {
				case "chan":
					p.Extra["oops"] = make(chan int)
				case "utf8extra":
					p.Extra["name"] = wamp.List{"bad \xff"} // from, say, a header's obs-text
				case "utf8authid":
					p.AuthID = "bad \xff"
				}
				return p, nil
			})}})
	})
	url := serveLoop(t, r, eventloop.Config{Loops: 1})
	join := func(authid string) (*client.Session, error) {
		tr, err := client.Dial(ctxT(t), url, client.ConnectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s, err := client.Join(ctxT(t), tr, "users", client.JoinOptions{AuthID: authid,
			Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
		if err != nil {
			tr.Close()
		}
		return s, err
	}
	s, err := join("good")
	if err != nil {
		t.Fatal(err)
	}
	if extra, _ := s.Details()["authextra"].(wamp.Dict); extra["fine"] != "yes" {
		t.Fatalf("authextra %v", s.Details()["authextra"])
	}
	s.Close()

	for _, authid := range []string{"chan", "utf8extra", "utf8authid"} {
		_, err = join(authid)
		var ae *client.AbortError
		if !errors.As(err, &ae) || ae.Reason != wamp.ErrAuthenticationFailed {
			t.Fatalf("join as %s: %v, want ABORT %s", authid, err, wamp.ErrAuthenticationFailed)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Stats().Closed[wamp.ErrAuthenticationFailed] != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("Stats.Closed = %v", r.Stats().Closed)
		}
		time.Sleep(time.Millisecond)
	}
}
