package router_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
)

// metaProcedures are the router's own procedures.
var metaProcedures = []wamp.URI{
	"wamp.session.count", "wamp.session.list", "wamp.session.get", "wamp.session.kill",
	"wamp.session.kill_by_authid", "wamp.session.kill_by_authrole", "wamp.session.kill_all",
	"wamp.session.add_testament", "wamp.session.flush_testaments",
	"wamp.registration.list", "wamp.registration.lookup", "wamp.registration.match", "wamp.registration.get",
	"wamp.registration.list_callees", "wamp.registration.count_callees", "wamp.registration.remove_callee",
	"wamp.subscription.list", "wamp.subscription.lookup", "wamp.subscription.match", "wamp.subscription.get",
	"wamp.subscription.list_subscribers", "wamp.subscription.count_subscribers", "wamp.subscription.remove_subscriber",
}

// Any arguments to any meta procedure get RESULT or ERROR, never a panic
// or a closed session. The arguments are JSON: a list (Arguments) and a
// dict (ArgumentsKw).
func FuzzMetaArguments(f *testing.F) {
	for i := range metaProcedures {
		f.Add(uint8(i), `[]`, `{}`)
		f.Add(uint8(i), `[1, "x", null]`, `{"reason": "a.b", "scope": "detached"}`)
	}
	f.Add(uint8(7), `["com.example.t", [1, {"a": []}], {"k": null}]`, `{"publish_options": {"retain": true}}`)
	f.Add(uint8(0), `[["anonymous", 3]]`, `{}`)
	f.Add(uint8(10), `["com.example", {"match": 7}]`, `{}`)
	f.Add(uint8(3), `[9007199254740992]`, `{"reason": "", "message": 1}`)
	f.Add(uint8(18), `[-1.5]`, `{}`)
	f.Fuzz(func(t *testing.T, proc uint8, argsJSON, kwargsJSON string) {
		var args wamp.List
		var kwargs wamp.Dict
		if json.Unmarshal([]byte(argsJSON), &args) != nil || json.Unmarshal([]byte(kwargsJSON), &kwargs) != nil {
			return
		}
		r := newRouter(t, nil)
		s, other := join(t, r), join(t, r)
		register(t, other, "com.example.p", echo, nil)
		subscribe(t, other, "com.example.t", nil)
		_, err := s.Call(ctxT(t), metaProcedures[int(proc)%len(metaProcedures)], args, kwargs, nil)
		var we *client.Error
		if err != nil && !errors.As(err, &we) {
			t.Fatalf("%s%v%v: %v", metaProcedures[int(proc)%len(metaProcedures)], args, kwargs, err)
		}
		alive(t, s)
	})
}
