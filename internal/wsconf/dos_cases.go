package wsconf

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/bzip2"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/ext/snappy"
)

// DoSCases is the DoS checklist of issue 15, one row per attack, shared by
// the tests of every server driver and by bench/cmd/dossoak. Each row
// fails if its defence is removed.
var DoSCases = []DoSCase{
	// 1. Slowloris: a request head that never ends is dropped at
	// HandshakeTimeout, not held.
	{"slowloris handshake", func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		o.HandshakeTimeout = 200 * time.Millisecond
		c := dialRaw(t, start(t, NewDoSHandler(), o), 5*time.Second)
		c.write(t, []byte("GET / HTTP/1.1\r\nHost: x\r\n"))
		stop := make(chan struct{})
		defer close(stop)
		go func() { // a header line now and then, never the end
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				if _, err := c.nc.Write([]byte("X-A: b\r\n")); err != nil {
					return
				}
			}
		}()
		resp, err := io.ReadAll(c.br)
		if !ended(err) || len(resp) > 0 && !strings.HasPrefix(string(resp), "HTTP/1.1 4") {
			t.Fatalf("got %q %v, want EOF or 4xx at the handshake timeout", resp, err)
		}
	}},
	// 2. Oversized headers: refused at the 8 KiB head limit.
	{"oversized headers", func(t *testing.T, start StartFunc) {
		refused(t, start, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 64<<10)+"\r\n\r\n")
	}},
	// 3. Many headers: an upgrade with 200 header lines is refused (the
	// limit is 64).
	{"many headers", func(t *testing.T, start StartFunc) {
		refused(t, start, strings.Replace(upgradeReq, "\r\n\r\n", "\r\n"+strings.Repeat("X: y\r\n", 200)+"\r\n", 1))
	}},
	// 4. A frame declaring 1 TiB: 1009 from the header alone.
	{"huge frame length declared", framesClose(nil, ws.StatusMessageTooBig,
		ws.AppendHeader(nil, ws.Header{Fin: true, Op: ws.OpBinary, Masked: true, Length: 1 << 40}))},
	// 5. Fragment flood: 1-byte fragments add up to the message limit.
	{"fragment flood", framesClose(nil, ws.StatusMessageTooBig, func() []byte {
		b := mf(ws.OpBinary, false, "x")
		one := mf(ws.OpContinuation, false, "x")
		for range 70 << 10 {
			b = append(b, one...)
		}
		return b
	}())},
	// 6. Ping flood from a peer that reads nothing back: pongs do not
	// pile up without bound. The server stops reading (back-pressure: the
	// flood's writes stall) or closes; 40 MiB of pings all taken in means
	// the pongs went somewhere unbounded.
	{"ping flood", func(t *testing.T, start StartFunc) {
		c := upgrade(t, start(t, NewDoSHandler(), DoSOptions()))
		ping := bytes.Repeat(mf(ws.OpPing, true, strings.Repeat("p", 125)), 256)
		var err error
		for i := 0; i < 40<<20/len(ping) && err == nil; i++ {
			_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			_, err = c.nc.Write(ping)
		}
		if err == nil {
			t.Fatal("40 MiB of pings taken in from a peer that reads no pong")
		}
	}},
	// 7. Control frame over 125 bytes: 1002.
	{"control frame over 125", framesClose(nil, ws.StatusProtocolError, mf(ws.OpPing, true, strings.Repeat("p", 126)))},
	// 8. Reserved opcode: 1002.
	{"reserved opcode", framesClose(nil, ws.StatusProtocolError, frame(0xB, true, 0, true, nil))},
	// 9. Reserved bit without an extension: 1002.
	{"reserved bits", framesClose(nil, ws.StatusProtocolError, frame(ws.OpText, true, ws.Rsv1, true, []byte("x")))},
	// 10. Unmasked client frame: 1002.
	{"unmasked client frame", framesClose(nil, ws.StatusProtocolError, frame(ws.OpText, true, 0, false, []byte("x")))},
	// 11–13. Compression bombs: 1009 at the message limit.
	{"deflate bomb", bomb(func() ws.Extension { return deflate.New(deflate.Options{}) })},
	{"bzip2 bomb", bomb(func() ws.Extension { return bzip2.New(bzip2.Options{}) })},
	{"snappy bomb", bomb(func() ws.Extension { return snappy.New(snappy.Options{}) })},
	// 14. Invalid UTF-8: 1007.
	{"invalid utf8", framesClose(nil, ws.StatusInvalidFramePayloadData, mf(ws.OpText, true, "ok\xed\xa0\x80"))},
	// 15. Close code and reason validation: 1005 on the wire is 1002, a
	// reason that is not UTF-8 is 1007.
	{"close code 1005", framesClose(nil, ws.StatusProtocolError, mf(ws.OpClose, true, "\x03\xed"))},
	{"close reason utf8", framesClose(nil, ws.StatusInvalidFramePayloadData, mf(ws.OpClose, true, "\x03\xe8\xff"))},
	// 16. A partial message held forever (kept alive by pongs): 1008
	// after MessageTimeout.
	{"partial message held", func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		o.PingInterval, o.PingTimeout, o.MessageTimeout = 20*time.Millisecond, time.Minute, 200*time.Millisecond
		c := upgrade(t, start(t, NewDoSHandler(), o))
		c.write(t, mf(ws.OpBinary, false, "x"))
		stop := make(chan struct{})
		defer close(stop)
		go func() { // a pong now and then: the peer is alive
			for {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				if _, err := c.nc.Write(mf(ws.OpPong, true, "")); err != nil {
					return
				}
			}
		}()
		if got := c.closeCode(t); got != ws.StatusPolicyViolation {
			t.Fatalf("closed with %d, want 1008", got)
		}
	}},
	// 17. Memory budget across connections: two partial messages of
	// 40 KiB under a 64 KiB budget: the second connection gets 1013.
	{"memory budget", func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		o.MemoryBudget = ws.NewMemoryBudget(64 << 10)
		addr := start(t, NewDoSHandler(), o)
		a, b := upgrade(t, addr), upgrade(t, addr)
		part := mf(ws.OpBinary, false, strings.Repeat("x", 40<<10))
		a.write(t, part)
		waitUntil(t, "the first message charged", 5*time.Second, func() bool { return o.MemoryBudget.Used() >= 40<<10 })
		b.write(t, part)
		if got := b.closeCode(t); got != ws.StatusTryAgainLater {
			t.Fatalf("over budget: closed with %d, want 1013", got)
		}
	}},
	// 18. A peer that never reads what it asked for: the server's writes
	// fail (output bound, memory budget or write timeout) before 64 MiB
	// is queued for it.
	{"non-reading peer", func(t *testing.T, start StartFunc) {
		h := NewDoSHandler()
		c := upgrade(t, start(t, h, DoSOptions()))
		c.write(t, mf(ws.OpText, true, "flood"))
		select {
		case n := <-h.Flooded:
			if n >= floodMax {
				t.Fatalf("%d × 64 KiB queued for a peer that reads nothing", n)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the flood neither failed nor ended")
		}
	}},
	// 19. Connection churn: 200 connect/close cycles leave no connection
	// behind (every OnOpen has its OnClose; TestMain checks goroutines).
	{"connection churn", func(t *testing.T, start StartFunc) {
		h := NewDoSHandler()
		addr := start(t, h, DoSOptions())
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for i := range 200 {
			if i%2 == 0 { // half abruptly, half with a close handshake
				nc := dialRaw(t, addr, 5*time.Second)
				nc.write(t, []byte(upgradeReq))
				_ = nc.head(t)
				nc.nc.Close()
				continue
			}
			c, err := ws.Dial(ctx, "ws://"+addr+"/", &ws.Options{PingInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			_ = c.Close(ws.StatusNormalClosure, "")
		}
		waitUntil(t, "every connection closed", 10*time.Second, func() bool {
			o, c := h.Counts()
			return o == 200 && c == 200
		})
	}},
	// 20. Idle connection that answers no ping: dropped by keepalive.
	{"idle without pongs", func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		o.PingInterval, o.PingTimeout = 50*time.Millisecond, 100*time.Millisecond
		h := NewDoSHandler()
		c := upgrade(t, start(t, h, o))
		_ = c.closeCode(t) // a close frame or EOF, before the deadline
		waitUntil(t, "OnClose", 5*time.Second, func() bool { _, c := h.Counts(); return c == 1 })
	}},
	// 21. Half-open TCP (the peer vanished and reads nothing): keepalive
	// ends it on the server although nothing it sends is read.
	{"half-open peer", func(t *testing.T, start StartFunc) {
		o := DoSOptions()
		o.PingInterval, o.PingTimeout = 50*time.Millisecond, 100*time.Millisecond
		h := NewDoSHandler()
		_ = upgrade(t, start(t, h, o))
		waitUntil(t, "OnClose of a peer that never reads", 5*time.Second, func() bool { _, c := h.Counts(); return c == 1 })
	}},
	// 22. A TLS ClientHello (a real client's first flight) on a plain
	// port: 400 at once.
	{"TLS on plain port", func(t *testing.T, start StartFunc) {
		refused(t, start, clientHello())
	}},
	// 23. HTTP/1.0 upgrade: refused.
	{"HTTP/1.0 upgrade", func(t *testing.T, start StartFunc) {
		refused(t, start, strings.Replace(upgradeReq, "HTTP/1.1", "HTTP/1.0", 1))
	}},
}
