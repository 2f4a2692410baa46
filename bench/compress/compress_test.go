package compress

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/ext/deflate"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// counted counts the bytes a client writes.
type counted struct {
	net.Conn
	n *atomic.Int64
}

func (c counted) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

type discard struct{ ws.BaseHandler }

// run sends b.N messages with send and reports MB/s of payload and the
// ratio payload / bytes on the wire (headers included).
func run(b *testing.B, msgs [][]byte, wire *atomic.Int64, send func(p []byte) error) {
	total := 0
	for _, m := range msgs {
		total += len(m)
	}
	b.SetBytes(int64(total / len(msgs)))
	b.ResetTimer()
	start := wire.Load()
	payload := 0
	for i := 0; i < b.N; i++ {
		m := msgs[i%len(msgs)]
		payload += len(m)
		if err := send(m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(payload)/float64(wire.Load()-start), "ratio")
}

// BenchmarkSend: one client sends JSON messages to a server that reads and
// discards them (so both compress and decompress are paid), ours against
// gorilla at flate levels 1 and 6. Ours without context takeover uses
// klauspost/compress/flate at the level; with context takeover its own
// small-window compressor (level-less).
func BenchmarkSend(b *testing.B) {
	for _, data := range []struct {
		name string
		msgs [][]byte
	}{{"numeric", Messages()}, {"repetitive", RepetitiveMessages()}} {
		msgs := data.msgs
		for _, level := range []int{1, 6} {
			b.Run(fmt.Sprintf("data=%s/impl=gorilla/mode=nct/level=%d", data.name, level), func(b *testing.B) {
				benchGorilla(b, msgs, level)
			})
			b.Run(fmt.Sprintf("data=%s/impl=ours/mode=nct/level=%d", data.name, level), func(b *testing.B) {
				benchOurs(b, msgs, deflate.Options{Level: level, ServerNoContextTakeover: true, ClientNoContextTakeover: true})
			})
		}
		b.Run(fmt.Sprintf("data=%s/impl=ours/mode=ctx/level=-", data.name), func(b *testing.B) {
			benchOurs(b, msgs, deflate.Options{})
		})
		b.Run(fmt.Sprintf("data=%s/impl=ours/mode=ctx-w10/level=-", data.name), func(b *testing.B) {
			benchOurs(b, msgs, deflate.Options{ClientMaxWindowBits: 10, ServerMaxWindowBits: 10})
		})
	}
}

func benchOurs(b *testing.B, msgs [][]byte, o deflate.Options) {
	exts := []ws.Extension{deflate.New(o)}
	srv := &ws.Server{Handler: discard{}, Options: &ws.Options{Extensions: exts}}
	ts := httptest.NewServer(wshttp.Handler(srv))
	defer ts.Close()
	defer srv.Shutdown(context.Background())
	var wire atomic.Int64
	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), &ws.Options{
		Extensions: exts,
		NetDial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return counted{nc, &wire}, nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ws.StatusNormalClosure, "")
	if c.Extensions() == "" {
		b.Fatal("not negotiated")
	}
	run(b, msgs, &wire, func(p []byte) error { return c.WriteMessage(ctx, ws.OpText, p) })
}

func benchGorilla(b *testing.B, msgs [][]byte, level int) {
	up := websocket.Upgrader{EnableCompression: true}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer ts.Close()
	var wire atomic.Int64
	d := websocket.Dialer{
		EnableCompression: true,
		NetDial: func(network, addr string) (net.Conn, error) {
			nc, err := net.DialTimeout(network, addr, 5*time.Second)
			if err != nil {
				return nil, err
			}
			return counted{nc, &wire}, nil
		},
	}
	c, resp, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if !strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		b.Fatal("not negotiated")
	}
	c.EnableWriteCompression(true)
	if err := c.SetCompressionLevel(level); err != nil {
		b.Fatal(err)
	}
	run(b, msgs, &wire, func(p []byte) error { return c.WriteMessage(websocket.TextMessage, p) })
}
