package wamp

import (
	"testing"
	"time"
)

// TestRouterPythonAdvanced16 runs more of the Advanced Profile from
// Autobahn|Python (three sessions, each on its own serializer) against
// our router, over WebSocket on goroutines and on the event loop: shared
// registrations with invoke first, last and random (and first after the
// first callee unregistered), reroute on wamp.error.unavailable (not
// after progressive results; wamp.error.no_available_callee under
// single), CANCEL modes kill, killnowait and skip to a Python callee
// (interrupted or not, the caller's session goes on), black- and
// whitelisting by authid and authrole, publisher identification
// (publisher, publisher_authid, publisher_authrole), caller
// identification by the callee's disclose_caller, progressive results cut
// by a call timeout (the parts arrive, then wamp.error.timeout, the callee
// interrupted), and retained events to prefix and wildcard subscriptions
// with Details.topic and Details.retained.
func TestRouterPythonAdvanced16(t *testing.T) {
	for _, tc := range []struct {
		transport string
		sers      []string
	}{
		{"ws", []string{"json", "msgpack", "cbor"}},
		{"loop", []string{"cbor", "ubjson", "json"}},
	} {
		t.Run(tc.transport, func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			res := runPeer(t, pythonPeer16(t, peerCtx(t, 40*time.Second), map[string]any{
				"url": tr.url(tc.transport), "realm": routerRealm, "serializers": tc.sers, "mode": "advanced"}))
			res.requireCases(t, "shared_first", "shared_last", "shared_random", "shared_first_unregister",
				"reroute_roundrobin", "reroute_single", "reroute_after_progress",
				"cancel_kill", "cancel_killnowait", "cancel_skip",
				"blackwhite_authid_authrole", "publisher_identification", "caller_identification",
				"progress_then_timeout", "retained_patterns", "left", "end")
		})
	}
}

// TestRouterJSAdvanced16 runs Advanced Profile features from AutobahnJS
// (two sessions) against our router over WebSocket on goroutines and on
// the event loop: shared registrations (roundrobin, first, last), a
// retained event with publisher disclosure to a prefix subscription with
// get_retained, black- and whitelisting by authid and authrole, caller
// identification, a call timeout and a CANCEL mode kill to an AutobahnJS
// callee (it announces no call_canceling: the caller is answered at once,
// after the progressive results that came, and the callee's late YIELD is
// dropped), both sessions staying joined.
func TestRouterJSAdvanced16(t *testing.T) {
	for _, tc := range []struct{ transport, ser string }{{"ws", "json"}, {"loop", "msgpack"}, {"ws", "cbor"}} {
		t.Run(tc.transport+"."+tc.ser, func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			res := runPeer(t, jsPeerScript(t, peerCtx(t, 30*time.Second), "wamp_js_review16.js", map[string]any{
				"url": tr.url(tc.transport), "realm": routerRealm, "serializer": tc.ser}))
			res.requireCases(t, "shared_roundrobin", "shared_first", "shared_last", "retained_prefix",
				"blackwhite_authid_authrole", "caller_identification", "timeout_js_callee", "cancel_kill_js_callee",
				"sessions_alive", "end")
		})
	}
}
