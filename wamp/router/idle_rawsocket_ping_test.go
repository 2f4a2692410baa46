package router_test

import (
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/wamp"
	"github.com/autobahn-go/autobahn/wamp/serialize/json"
	"github.com/autobahn-go/autobahn/wamp/transport/rawsocket"
)

// A peer that pings its idle RawSocket sessions (Autobahn|Python's
// auto-ping) does not give them a goroutine each: every lone PING gets
// its PONG from the session's waiting side (rawsocket.Conn.AwaitInputFunc)
// and the session waits on in the shared poller; a request after the
// pings is answered.
func TestIdleRawSocketPingNoGoroutine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("idle RawSocket sessions wait without a goroutine on Linux only")
	}
	r := newRouter(t, nil)
	addr := serveRawSocket(t, r)
	const n, pings = 20, 5
	conns := make([]*rawsocket.Conn, n)
	t.Cleanup(func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	})
	base := runtime.NumGoroutine()
	for i := range conns {
		c, err := rawsocket.Dial(ctxT(t), "tcp", addr, rawsocket.Options{Serializer: json.Serializer{}})
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		rawJoin(t, c)
	}
	idle := func() bool { return rawsocket.IdleWaiters() == n && runtime.NumGoroutine() <= base+2 } // the poller, a straggler
	waitFor(t, "every idle session in the poller, none on a goroutine", idle)
	// The client Conns read nothing meanwhile: the test pings through
	// their sockets and reads the PONGs there.
	for p := range pings {
		for i, c := range conns {
			payload := fmt.Sprintf("ping %d of session %d", p, i)
			nc := c.NetConn()
			if _, err := nc.Write(append(rawsocket.AppendHeader(nil, rawsocket.FramePing, len(payload)), payload...)); err != nil {
				t.Fatal(err)
			}
			nc.SetReadDeadline(time.Now().Add(10 * time.Second))
			pong := make([]byte, 4+len(payload))
			if _, err := io.ReadFull(nc, pong); err != nil {
				t.Fatalf("session %d, no PONG: %v", i, err)
			}
			nc.SetReadDeadline(time.Time{})
			if ft, l, err := rawsocket.ParseHeader(pong); err != nil || ft != rawsocket.FramePong || l != len(payload) || string(pong[4:]) != payload {
				t.Fatalf("session %d: %v %d %q %v", i, ft, l, pong[4:], err)
			}
		}
		waitFor(t, "the pinged sessions back in the poller, none on a goroutine", idle)
	}
	for i, c := range conns {
		m := rawRequest(t, c, &wamp.Subscribe{Request: 1, Options: wamp.Dict{}, Topic: wamp.URI(fmt.Sprint("com.example.ping", i))})
		if _, ok := m.(*wamp.Subscribed); !ok {
			t.Fatalf("session %d: %v", i, m)
		}
	}
	waitFor(t, "the sessions back in the poller", func() bool { return rawsocket.IdleWaiters() == n })
}
