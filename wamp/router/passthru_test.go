package router_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/router"
)

func pptOptions(keyID string) wamp.Dict {
	return wamp.Dict{"ppt_scheme": "x_custom", "ppt_serializer": "cbor", "ppt_cipher": "xsalsa20poly1305", "ppt_keyid": keyID}
}

// hasPPT checks that d carries exactly the ppt_* keys of want.
func hasPPT(t *testing.T, what string, d wamp.Dict, want wamp.Dict) {
	t.Helper()
	for k, v := range want {
		if d[k] != v {
			t.Fatalf("%s.Details = %v: want %s=%v", what, d, k, v)
		}
	}
}

// joinPPT joins realm1 with wamp/client announcing payload_passthru_mode
// in every role.
func joinPPT(t *testing.T, r *router.Router) *client.Session {
	t.Helper()
	roles := wamp.Dict{}
	for _, role := range []string{"publisher", "subscriber", "caller", "callee"} {
		roles[role] = wamp.Dict{"features": wamp.Dict{"payload_passthru_mode": true}}
	}
	s, err := client.Join(ctxT(t), r.Connect(), realm1, client.JoinOptions{Details: wamp.Dict{"roles": roles}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Payload passthru mode: the ppt_* options of PUBLISH, CALL, YIELD and
// ERROR reach the EVENT, INVOCATION, RESULT and ERROR untouched, and so
// does the binary payload.
func TestPayloadPassthru(t *testing.T) {
	r := newRouter(t, nil)
	payload := []byte{0x00, 0xff, 0x80, 'p', 'p', 't'}

	// Broker.
	pub, subr := joinPPT(t, r), joinPPT(t, r)
	_, ch := subscribe(t, subr, "com.ppt.topic", nil)
	if err := pub.Publish(ctxT(t), "com.ppt.topic", wamp.List{payload}, nil,
		&client.PublishOptions{Acknowledge: true, Options: pptOptions("k1")}); err != nil {
		t.Fatal(err)
	}
	e := next(t, ch)
	hasPPT(t, "EVENT", e.Details, pptOptions("k1"))
	if b, _ := e.Args[0].([]byte); len(e.Args) != 1 || !bytes.Equal(b, payload) {
		t.Fatalf("EVENT.Args = %v, want the payload untouched", e.Args)
	}

	// A retained passthru event keeps its ppt_* details.
	if err := pub.Publish(ctxT(t), "com.ppt.kept", wamp.List{payload}, nil,
		&client.PublishOptions{Acknowledge: true, Retain: true, Options: pptOptions("k5")}); err != nil {
		t.Fatal(err)
	}
	_, kept := subscribe(t, joinPPT(t, r), "com.ppt.kept", &client.SubscribeOptions{GetRetained: true})
	e = next(t, kept)
	hasPPT(t, "retained EVENT", e.Details, pptOptions("k5"))
	if b, _ := e.Args[0].([]byte); !isRetained(e) || !bytes.Equal(b, payload) {
		t.Fatalf("retained EVENT = %+v", e)
	}

	// A publisher that did not announce the feature: protocol violation.
	c := rawConn(t, r)
	c.joinWith()
	c.send(&wamp.Publish{Request: 1, Options: pptOptions("k1"), Topic: "com.ppt.topic", Args: wamp.List{payload}})
	if a, ok := c.recv().(*wamp.Abort); !ok || a.Reason != wamp.ErrProtocolViolationURI {
		t.Fatalf("got %v, want ABORT protocol_violation", a)
	}

	// Dealer: CALL → INVOCATION, YIELD → RESULT, ERROR → ERROR.
	callee := rawConn(t, r)
	callee.joinWith("payload_passthru_mode")
	callee.send(&wamp.Register{Request: 1, Options: wamp.Dict{}, Procedure: "com.ppt.proc"})
	if _, ok := callee.recv().(*wamp.Registered); !ok {
		t.Fatal("no REGISTERED")
	}
	caller := joinPPT(t, r)
	type answer struct {
		res *wamp.Result
		err error
	}
	call := func() chan answer {
		done := make(chan answer, 1)
		go func() {
			res, err := caller.Call(ctxT(t), "com.ppt.proc", wamp.List{payload}, nil, &client.CallOptions{Options: pptOptions("k2")})
			done <- answer{res, err}
		}()
		return done
	}
	invocation := func() *wamp.Invocation {
		t.Helper()
		inv, ok := callee.recv().(*wamp.Invocation)
		if !ok {
			t.Fatalf("got %v, want INVOCATION", inv)
		}
		hasPPT(t, "INVOCATION", inv.Details, pptOptions("k2"))
		if b, _ := inv.Args[0].([]byte); !bytes.Equal(b, payload) {
			t.Fatalf("INVOCATION.Args = %v", inv.Args)
		}
		return inv
	}
	done := call()
	inv := invocation()
	callee.send(&wamp.Yield{Request: inv.Request, Options: pptOptions("k3"), Args: wamp.List{payload}})
	a := <-done
	if a.err != nil {
		t.Fatal(a.err)
	}
	hasPPT(t, "RESULT", a.res.Details, pptOptions("k3"))
	if b, _ := a.res.Args[0].([]byte); !bytes.Equal(b, payload) {
		t.Fatalf("RESULT.Args = %v", a.res.Args)
	}
	done = call()
	inv = invocation()
	callee.send(&wamp.Error{RequestType: wamp.TypeInvocation, Request: inv.Request, Details: pptOptions("k4"),
		Error: "com.ppt.failed", Args: wamp.List{payload}})
	a = <-done
	var we *client.Error
	if !errors.As(a.err, &we) || we.URI != "com.ppt.failed" {
		t.Fatalf("got %v, want ERROR com.ppt.failed", a.err)
	}
	hasPPT(t, "ERROR", we.Details, pptOptions("k4"))
}

// Publication trust levels by the publisher's authrole.
func TestPublicationTrustLevels(t *testing.T) {
	r := newRouter(t, func(c *router.Config) {
		withPrincipals(map[string]string{"ann": "admin", "bob": "user"})(c)
		c.Realms[0].PublicationTrustLevels = map[string]int{"admin": 7, "user": 0}
	})
	ann, bob, anon := joinAuthID(t, r, "ann"), joinAuthID(t, r, "bob"), join(t, r)
	_, ch := subscribe(t, join(t, r), "com.trust", nil)
	for _, tt := range []struct {
		pub  *client.Session
		want any
	}{{ann, int64(7)}, {bob, int64(0)}, {anon, nil}} {
		publish(t, tt.pub, "com.trust", nil, nil)
		if e := next(t, ch); e.Details["trustlevel"] != tt.want {
			t.Fatalf("EVENT.Details = %v, want trustlevel %v", e.Details, tt.want)
		}
	}
}
