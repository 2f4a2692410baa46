package cli

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	wampjson "github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
)

// wampOut is a goroutine-safe output that a test can wait on.
type wampOut struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *wampOut) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *wampOut) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// wait polls (at most 10 s) until the output holds want.
func (o *wampOut) wait(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(o.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the output:\n%s", want, o.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// wampRouterURL serves a router (realm1: anonymous, and ticket for joe)
// over WebSocket on a loopback port until the test ends.
func wampRouterURL(t *testing.T) string {
	t.Helper()
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{
		Name:           "realm1",
		AllowAnonymous: true,
		Tickets:        map[string]router.TicketPrincipal{"joe": {Ticket: "s3cret"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		c, err := websocket.Accept(w, req, websocket.Options{Serializers: []wamp.Serializer{wampjson.Serializer{}, cbor.Serializer{}}})
		if err == nil {
			r.ServeTransport(context.WithoutCancel(req.Context()), c)
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		r.Close(context.Background())
	})
	return "ws://" + ln.Addr().String() + "/ws"
}

// background runs `autobahn args...` until the test stops it, and checks
// that it then ends without error.
func background(t *testing.T, args ...string) (stdout, stderr *wampOut, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &wampOut{}, &wampOut{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, stdout, stderr) }()
	return stdout, stderr, func() {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}

// `autobahn wamp` against our router: register (echo and a command),
// call with JSON and plain arguments, subscribe and publish, ticket
// authentication, and the usage errors.
func TestWAMPCommand(t *testing.T) {
	url := wampRouterURL(t)
	ctx := context.Background()
	call := func(args ...string) (string, error) {
		var out, errb wampOut
		err := run(ctx, append([]string{"wamp", "call"}, args...), &out, &errb)
		return out.String(), err
	}

	_, echoErr, stopEcho := background(t, "wamp", "register", url, "com.t.echo")
	defer stopEcho()
	echoErr.wait(t, "registered com.t.echo")
	if got, err := call(url, "com.t.echo", "1", "2.5", `"s"`, "[1,2]", `{"k":true}`, "word"); err != nil || got != `{"args":[1,2.5,"s",[1,2],{"k":true},"word"]}`+"\n" {
		t.Errorf("call echo: %q, %v", got, err)
	}

	_, cmdErr, stopCmd := background(t, "wamp", "register", url, "com.t.cmd", "--", "echo", "hi")
	defer stopCmd()
	cmdErr.wait(t, "registered com.t.cmd")
	if got, err := call(url, "com.t.cmd", "there", "3"); err != nil || got != `{"args":["hi there 3"]}`+"\n" {
		t.Errorf("call command: %q, %v", got, err)
	}

	events, subErr, stopSub := background(t, "wamp", "subscribe", url, "com.t.topic")
	defer stopSub()
	subErr.wait(t, "subscribed to com.t.topic")
	var out, errb wampOut
	if err := run(ctx, []string{"wamp", "publish", "--serializer", "cbor", url, "com.t.topic", "1", "x"}, &out, &errb); err != nil {
		t.Fatalf("publish: %v", err)
	}
	events.wait(t, `{"args":[1,"x"]`)

	if got, err := call("--authid", "joe", "--ticket", "s3cret", url, "com.t.echo", "ok"); err != nil || got != `{"args":["ok"]}`+"\n" {
		t.Errorf("call with a ticket: %q, %v", got, err)
	}
	if _, err := call("--authid", "joe", "--ticket", "wrong", url, "com.t.echo"); err == nil {
		t.Error("a wrong ticket: no error")
	}
	if _, err := call(url, "com.t.nothing"); err == nil || !strings.Contains(err.Error(), "no_such_procedure") {
		t.Errorf("an unknown procedure: %v", err)
	}

	var ue usageError
	for _, args := range [][]string{
		{"wamp", "frobnicate", url, "x"},
		{"wamp", "call", url},
		{"wamp", "call", "--serializer", "xml", url, "x"},
		{"wamp", "subscribe", url, "t", "extra"},
		{"wamp", "call", url, "x", "--", "echo"},
	} {
		if err := run(ctx, args, &out, &errb); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	for _, args := range [][]string{{"wamp", "-h"}, {"wamp", "call", "-h"}} {
		var help wampOut
		if err := run(ctx, args, &help, &errb); err != nil || !strings.Contains(help.String(), "Examples:") || !strings.Contains(help.String(), "-serializer") {
			t.Errorf("%v: %v\n%s", args, err, help.String())
		}
	}
}

func TestParseArgs(t *testing.T) {
	got := parseArgs([]string{"1", "-2", "1.5", "true", "null", `"q"`, "[1,[2]]", `{"a":{"b":1}}`, "plain text", "1 2", "{bad"})
	want := wamp.List{int64(1), int64(-2), 1.5, true, nil, "q", wamp.List{int64(1), wamp.List{int64(2)}}, wamp.Dict{"a": wamp.Dict{"b": int64(1)}}, "plain text", "1 2", "{bad"}
	if len(got) != len(want) {
		t.Fatalf("%#v", got)
	}
	for i := range want {
		if g, w := printable(got[i]), printable(want[i]); g != w {
			t.Errorf("arg %d: %s, want %s", i, g, w)
		}
	}
}

func printable(v any) string {
	var b strings.Builder
	printJSON(&b, v)
	return strings.TrimSpace(b.String()) + " " + typeName(v)
}

func typeName(v any) string {
	switch v.(type) {
	case int64:
		return "int64"
	case float64:
		return "float64"
	case wamp.List:
		return "list"
	case wamp.Dict:
		return "dict"
	}
	return ""
}
