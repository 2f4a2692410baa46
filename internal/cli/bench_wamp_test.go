package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
)

// `autobahn bench wamp` against our router (in-process, WebSocket) at a
// tiny load: the counts add up, the text has both phases and the
// latency distribution, the progress lines go to stderr with -json.
func TestBenchWAMPCommand(t *testing.T) {
	url := wampRouterURL(t)
	var out, errb bytes.Buffer
	args := []string{"bench", "wamp", "-callers", "2", "-inflight", "2", "-subscribers", "2", "-event-rate", "1000",
		"-serializer", "json", "-warmup", "10ms", "-duration", "100ms", "-progress", "20ms",
		"-pid", strconv.Itoa(os.Getpid()), "-json", url}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res struct {
		RPC struct {
			Calls, Answered, Errors uint64
			Server                  *struct{} `json:"server"`
		} `json:"rpc"`
		PubSub struct {
			Published, Expected, Received, Drops uint64
		} `json:"pubsub"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	r, p := res.RPC, res.PubSub
	if r.Calls == 0 || r.Calls != r.Answered+r.Errors || r.Server == nil {
		t.Errorf("rpc: %+v", r)
	}
	if p.Published == 0 || p.Expected != 2*p.Published || p.Expected != p.Received+p.Drops {
		t.Errorf("pubsub: %+v", p)
	}
	if !strings.Contains(errb.String(), "rpc measure") || !strings.Contains(errb.String(), "pubsub measure") {
		t.Errorf("progress on stderr:\n%s", errb.String())
	}

	out.Reset()
	if err := run(context.Background(), []string{"bench", "wamp", "-only", "rpc", "-callers", "1", "-warmup", "0s", "-duration", "50ms", "-progress", "0", url}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "calls/s") || !strings.Contains(out.String(), "latency distribution") || strings.Contains(out.String(), "events/s") {
		t.Errorf("text:\n%s", out.String())
	}
	for _, bad := range [][]string{{}, {"-only", "x", url}, {"-serializer", "xml", "-duration", "1ms", url}, {url, url}} {
		if err := run(context.Background(), append([]string{"bench", "wamp"}, bad...), &out, &errb); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
