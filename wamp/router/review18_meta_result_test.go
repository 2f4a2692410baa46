package router_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
)

// A meta procedure's result larger than the caller's outbound queue takes
// (its hard limit, twice QueueSoftLimit) is answered with ERROR
// wamp.error.payload_size_exceeded saying so; a smaller one is sent. The
// size of such a result grows with the realm (wamp.registration.list
// lists every registration), not with anything the caller sent: before,
// it was queued whole when the caller's queue was empty, so each session
// could make the router hold a realm-sized message however low the limit
// (and a caller with anything queued was closed for overflow instead of
// answered).
func TestReview18MetaResultBounded(t *testing.T) {
	r := newRouter(t, func(c *router.Config) { c.QueueSoftLimit = 1024 }) // hard: 2048
	callee, _ := rawJoinAs(t, r, plainPeer)
	for i := range 200 { // some 12 octets each in the list
		callee.register(wamp.ID(i+1), wamp.URI(fmt.Sprintf("com.example.p%d", i)), nil)
	}
	caller, _ := rawJoinAs(t, r, plainPeer)
	caller.send(&wamp.Call{Request: 1, Options: wamp.Dict{}, Procedure: "wamp.registration.list"})
	e := caller.expectError(1, wamp.ErrPayloadSizeExceeded)
	if msg, _ := e.Args[0].(string); !strings.Contains(msg, "wamp.registration.list") || !strings.Contains(msg, "outbound queue") {
		t.Errorf("ERROR message %q", msg)
	}
	caller.send(&wamp.Call{Request: 2, Options: wamp.Dict{}, Procedure: "wamp.registration.lookup", Args: wamp.List{"com.example.p7"}})
	if res, ok := caller.recv().(*wamp.Result); !ok || res.Request != 2 || len(res.Args) != 1 || res.Args[0] == nil {
		t.Fatalf("registration.lookup: got %v, want its RESULT", res)
	}
	caller.quiet(3) // the session goes on
}
