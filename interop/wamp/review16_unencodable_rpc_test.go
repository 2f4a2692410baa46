package wamp

import (
	"testing"
	"time"
)

// TestRouterPythonUnencodableCall: Autobahn|Python sessions on MessagePack
// or CBOR and on JSON call each other with floats JSON cannot carry (NaN,
// ±infinity): a CALL to the JSON callee, a RESULT and an ERROR for the
// JSON caller. The caller gets wamp.error.invalid_argument and both stay
// joined (the JSON peer's session used to end on the failed write; on the
// event loop the MessagePack caller got wamp.error.no_available_callee);
// the router counts the three.
func TestRouterPythonUnencodableCall(t *testing.T) {
	for _, tc := range []struct{ transport, rich string }{
		{"ws", "msgpack"}, {"loop", "cbor"},
	} {
		t.Run(tc.transport+"."+tc.rich+"-json", func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			before := tr.r.Stats().Unencodable
			res := runPeer(t, pythonPeer16(t, peerCtx(t, 30*time.Second), map[string]any{
				"url": tr.url(tc.transport), "realm": routerRealm, "serializers": []string{tc.rich, "json"}, "mode": "unencodable_rpc"}))
			res.requireCases(t, "call_nan", "call_after", "result_inf", "error_inf", "callee_alive", "caller_alive", "left", "end")
			if got := tr.r.Stats().Unencodable - before; got != 3 {
				t.Errorf("Stats.Unencodable grew by %d, want 3 (a CALL, a RESULT, an ERROR)", got)
			}
		})
	}
}
