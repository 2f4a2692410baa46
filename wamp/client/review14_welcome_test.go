package client_test

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// TestReview14WelcomeWithoutMutualAuth: a client that offers only WAMP-SCRAM
// asks the router to prove that it knows the password's keys. A router
// that answers HELLO with WELCOME at once, without a CHALLENGE, proves
// nothing, whatever authmethod it names, and the client must not join;
// neither when WELCOME names a method other than the one the router
// challenged with.
func TestReview14WelcomeWithoutMutualAuth(t *testing.T) {
	welcome := func(method string) *wamp.Welcome {
		return &wamp.Welcome{Session: 7, Details: wamp.Dict{"authid": "joe", "authrole": "user", "authmethod": method, "roles": routerRoles}}
	}
	atOnce := func(method string) func(*wamp.Hello) []wamp.Message {
		return func(*wamp.Hello) []wamp.Message { return []wamp.Message{welcome(method)} }
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	for _, tt := range []struct {
		name    string
		offered []client.Authenticator
		onHello func(*wamp.Hello) []wamp.Message
		onAuth  func(*wamp.Authenticate) []wamp.Message
		want    string // "" to join
	}{
		{name: "scram, welcome scram at once", offered: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}},
			onHello: atOnce("scram"), want: "without a CHALLENGE"},
		{name: "scram, welcome anonymous at once", offered: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}},
			onHello: atOnce("anonymous"), want: "without a CHALLENGE"},
		{name: "scram, welcome at once without authmethod", offered: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}},
			onHello: func(*wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Welcome{Session: 7, Details: wamp.Dict{"roles": routerRoles}}}
			}, want: "without a CHALLENGE"},
		{name: "scram and ticket, welcome scram at once",
			offered: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}, &client.Ticket{Ticket: "t"}},
			onHello: atOnce("scram"), want: "without a CHALLENGE"},
		{name: "scram and ticket, ticket challenge, welcome scram",
			offered: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}, &client.Ticket{Ticket: "t"}},
			onHello: func(*wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}}
			},
			onAuth: func(*wamp.Authenticate) []wamp.Message { return []wamp.Message{welcome("scram")} },
			want:   "WELCOME with authmethod scram after a ticket CHALLENGE"},
		{name: "ticket, ticket challenge, welcome cryptosign",
			offered: []client.Authenticator{&client.Ticket{Ticket: "t"}, &client.Cryptosign{PrivateKey: priv}},
			onHello: func(*wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}}
			},
			onAuth: func(*wamp.Authenticate) []wamp.Message { return []wamp.Message{welcome("cryptosign")} },
			want:   "WELCOME with authmethod cryptosign after a ticket CHALLENGE"},
		// What still joins: methods that do not authenticate the router.
		{name: "ticket, welcome anonymous at once", offered: []client.Authenticator{&client.Ticket{Ticket: "t"}},
			onHello: atOnce("anonymous")},
		{name: "scram and ticket, welcome anonymous at once",
			offered: []client.Authenticator{&client.SCRAM{AuthID: "joe", Password: "pw"}, &client.Ticket{Ticket: "t"}},
			onHello: atOnce("anonymous")},
		{name: "ticket, ticket challenge, welcome ticket", offered: []client.Authenticator{&client.Ticket{Ticket: "t"}},
			onHello: func(*wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}}
			},
			onAuth: func(*wamp.Authenticate) []wamp.Message { return []wamp.Message{welcome("ticket")} }},
		{name: "ticket, ticket challenge, welcome without authmethod", offered: []client.Authenticator{&client.Ticket{Ticket: "t"}},
			onHello: func(*wamp.Hello) []wamp.Message {
				return []wamp.Message{&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}}
			},
			onAuth: func(*wamp.Authenticate) []wamp.Message {
				return []wamp.Message{&wamp.Welcome{Session: 7, Details: wamp.Dict{"roles": routerRoles}}}
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &r14Router{onHello: tt.onHello, onAuth: tt.onAuth}
			s, err := r.join(t, client.JoinOptions{AuthID: "joe", Authenticators: tt.offered})
			switch {
			case tt.want == "" && err != nil:
				t.Fatal(err)
			case tt.want != "" && err == nil:
				t.Fatalf("joined session %d, want %q", s.ID(), tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}

// TestReview14ChallengeAfterWelcome: a CHALLENGE once the session is
// joined is a protocol violation that ends the session; the client does
// not answer it (checked and found right: no fix needed).
func TestReview14ChallengeAfterWelcome(t *testing.T) {
	r := &r14Router{
		onHello: func(*wamp.Hello) []wamp.Message {
			return []wamp.Message{&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}}}
		},
		onAuth: func(*wamp.Authenticate) []wamp.Message {
			return []wamp.Message{
				&wamp.Welcome{Session: 7, Details: wamp.Dict{"authmethod": "ticket", "roles": routerRoles}},
				&wamp.Challenge{AuthMethod: "ticket", Extra: wamp.Dict{}},
			}
		},
	}
	s, err := r.join(t, client.JoinOptions{Authenticators: []client.Authenticator{&client.Ticket{Ticket: "t"}}})
	if err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	var pe *wamp.ProtocolError
	if !errors.As(s.Err(), &pe) {
		t.Fatalf("session ended with %v, want a protocol violation", s.Err())
	}
	s.Close()
	authenticates := 0
	var last wamp.Message
	for _, m := range r.stopped() {
		if _, ok := m.(*wamp.Authenticate); ok {
			authenticates++
		}
		last = m
	}
	if ab, ok := last.(*wamp.Abort); authenticates != 1 || !ok || ab.Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("%d AUTHENTICATE, last %v; want 1 and ABORT protocol_violation", authenticates, last)
	}
}
