package cli

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/client"
	"github.com/autobahn-go/autobahn/wamp/serialize/cbor"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/serialize/msgpack"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
)

func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`http://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no address in %q", line)
	}
	addr := m[1]
	line, err = br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	m = regexp.MustCompile(`event-loop WebSocket echo on ws://(127\.0\.0\.1:\d+)/`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("no event-loop address in %q", line)
	}
	loopAddr := m[1]
	go func() { _, _ = io.Copy(io.Discard, br) }()

	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "new WebSocket(") {
		t.Fatalf("page: %d %q", resp.StatusCode, page[:min(len(page), 80)])
	}

	// A request head past 16 KiB is refused (net/http's default allows 1 MB).
	req, _ := http.NewRequest("GET", "http://"+addr+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("h", 2*maxHeaderBytes))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 32 KiB request head: %v, %v", resp, err)
	} else {
		resp.Body.Close()
	}

	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	var conns []*ws.Conn
	for _, u := range []string{"ws://" + addr + "/echo", "ws://" + loopAddr + "/"} {
		c, err := ws.Dial(rctx, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		for _, msg := range []struct {
			op ws.Opcode
			p  string
		}{{ws.OpText, "hello κόσμε"}, {ws.OpBinary, "\x00\x01\xff"}, {ws.OpText, strings.Repeat("x", 100000)}} {
			if err := c.WriteMessage(rctx, msg.op, []byte(msg.p)); err != nil {
				t.Fatal(err)
			}
			op, p, err := c.ReadMessage(rctx)
			if err != nil || op != msg.op || string(p) != msg.p {
				t.Fatalf("%s echo: %v %d bytes %v", u, op, len(p), err)
			}
		}
	}

	// Stopping the command closes the connections with 1001.
	cancel()
	for _, c := range conns {
		_, _, err = c.ReadMessage(rctx)
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
			t.Fatalf("after stop: %v", err)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// serve hosts a WAMP router: sessions join realm --realm at /ws on the
// HTTP port (--driver std: goroutines) and on the event-loop port
// (--loop-addr: no goroutine per session), and over RawSocket, and call
// and publish across them.
func TestServeWAMP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve", "--driver", "std", "--addr", "127.0.0.1:0", "--loop-addr", "127.0.0.1:0",
			"--rawsocket-addr", "127.0.0.1:0", "--realm", "test.realm"}, pw, io.Discard)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	var out strings.Builder
	for range 3 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(line)
	}
	go func() { _, _ = io.Copy(io.Discard, br) }()
	m := regexp.MustCompile(`realm test\.realm, on ws://(\S+)/ws and ws://(\S+)/ws \(event loop\) and rawsocket tcp://(\S+)\n`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no WAMP addresses in %q", out.String())
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	ser := []wamp.Serializer{json.Serializer{}, msgpack.Serializer{}, cbor.Serializer{}}
	var sessions []*client.Session
	joinOver := func(name string, dial func() (wamp.Transport, error)) *client.Session {
		t.Helper()
		tr, err := dial()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s, err := client.Join(rctx, tr, "test.realm", client.JoinOptions{})
		if err != nil {
			t.Fatalf("%s: join: %v", name, err)
		}
		sessions = append(sessions, s)
		return s
	}
	websocketDial := func(url string, ser wamp.Serializer) func() (wamp.Transport, error) {
		return func() (wamp.Transport, error) {
			return websocket.Dial(rctx, url, websocket.Options{Serializers: []wamp.Serializer{ser}})
		}
	}
	httpWS := joinOver("http /ws", websocketDial("ws://"+m[1]+"/ws", ser[0]))
	loopWS := joinOver("loop /ws", websocketDial("ws://"+m[2]+"/ws", ser[1]))
	raw := joinOver("rawsocket", func() (wamp.Transport, error) {
		return rawsocket.Dial(rctx, "tcp", m[3], rawsocket.Options{Serializer: ser[2]})
	})
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()

	if _, err := loopWS.Register(rctx, "com.example.add", func(_ context.Context, inv *client.Invocation) (*client.Result, error) {
		var a, b int64
		if err := client.DecodeArgs(inv.Args, &a, &b); err != nil {
			return nil, err
		}
		return &client.Result{Args: wamp.List{a + b}}, nil
	}, nil); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	for _, s := range []*client.Session{httpWS, raw} {
		if _, err := s.Subscribe(rctx, "com.example.news", func(e *wamp.Event) { got <- e.Args[0].(string) }, nil); err != nil {
			t.Fatal(err)
		}
	}
	for name, s := range map[string]*client.Session{"http": httpWS, "rawsocket": raw} {
		res, err := s.Call(rctx, "com.example.add", wamp.List{2, 3}, nil, nil)
		if n, _ := wamp.AsInt64(firstArg(res)); err != nil || n != 5 {
			t.Fatalf("%s: call: %v %v", name, res, err)
		}
	}
	if err := loopWS.Publish(rctx, "com.example.news", wamp.List{"hello"}, nil, &client.PublishOptions{Acknowledge: true}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case e := <-got:
			if e != "hello" {
				t.Fatalf("event %q", e)
			}
		case <-rctx.Done():
			t.Fatal("no event")
		}
	}

	// Stopping the command ends every session, each with the router's
	// GOODBYE (the loop's too: the router closes before the servers).
	cancel()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	for i, s := range sessions {
		select {
		case <-s.Done():
		case <-rctx.Done():
			t.Fatal("a session outlived the command")
		}
		var ge *client.GoodbyeError
		if !errors.As(s.Err(), &ge) || ge.Reason != wamp.ErrSystemShutdown {
			t.Fatalf("session %d ended with %v, want GOODBYE %s", i, s.Err(), wamp.ErrSystemShutdown)
		}
	}
}

func firstArg(r *wamp.Result) any {
	if r == nil || len(r.Args) == 0 {
		return nil
	}
	return r.Args[0]
}
