package wamp

import (
	"context"
	stdjson "encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// pythonPeer16 returns the command running peers/wamp_py_review16.py with
// cfg, or skips when /usr/bin/python3 lacks Autobahn and its serializers.
func pythonPeer16(t *testing.T, ctx context.Context, cfg map[string]any) *exec.Cmd {
	t.Helper()
	if err := pythonOK(); err != nil {
		skipOrFail(t, "%s lacks autobahn, twisted, cbor2, msgpack, ubjson, nacl, argon2 or passlib (%v)", python, err)
	}
	b, err := stdjson.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return exec.CommandContext(ctx, python, filepath.Join("..", "peers", "wamp_py_review16.py"), string(b))
}

// TestRouterPythonUnencodableEvent: an Autobahn|Python publisher on
// MessagePack or CBOR publishes floats JSON cannot carry (NaN, ±infinity),
// live and retained, to an Autobahn|Python subscriber on JSON. The
// subscriber must not get those events, get the ones after them, and stay
// joined (its session used to end on the failed write: one publisher
// could drop every JSON subscriber of a topic, and a retained NaN every
// later one); the router counts the events dropped.
func TestRouterPythonUnencodableEvent(t *testing.T) {
	for _, tc := range []struct{ transport, pub string }{
		{"ws", "msgpack"}, {"loop", "cbor"},
	} {
		t.Run(tc.transport+"."+tc.pub+"-json", func(t *testing.T) {
			t.Parallel()
			tr := startRouter(t)
			before := tr.r.Stats().EventsDropped
			res := runPeer(t, pythonPeer16(t, peerCtx(t, 30*time.Second), map[string]any{
				"url": tr.url(tc.transport), "realm": routerRealm, "serializers": []string{tc.pub, "json"}, "mode": "unencodable"}))
			res.requireCases(t, "live_event_after", "live_subscriber_alive", "retained_event_after", "retained_subscriber_alive", "left", "end")
			if got := tr.r.Stats().EventsDropped - before; got != 3 {
				t.Errorf("Stats.EventsDropped grew by %d, want 3 (NaN, +Inf live, -Inf retained)", got)
			}
		})
	}
}
