package wshttp

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/internal/leakcheck"
	"github.com/autobahn-go/autobahn/ws"
)

func TestMain(m *testing.M) { leakcheck.Main(m) }

type echo struct{ ws.BaseHandler }

func (echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// wrapped is middleware that wraps the ResponseWriter and exposes Unwrap.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func roundTrip(t *testing.T, c *ws.Conn) {
	t.Helper()
	ctx := context.Background()
	if err := c.WriteMessage(ctx, ws.OpText, []byte("héllo")); err != nil {
		t.Fatal(err)
	}
	op, p, err := c.ReadMessage(ctx)
	if err != nil || op != ws.OpText || string(p) != "héllo" {
		t.Fatal(op, string(p), err)
	}
}

func TestAcceptThroughMiddleware(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := Accept(wrapped{w}, r, &ws.Options{Subprotocols: []string{"echo"}})
		if err != nil {
			return
		}
		for {
			op, p, err := c.ReadMessage(r.Context())
			if err != nil {
				return
			}
			_ = c.WriteMessage(r.Context(), op, p)
		}
	}))
	defer ts.Close()
	c, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(ts.URL, "http")+"/x", &ws.Options{Subprotocols: []string{"other", "echo"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Subprotocol() != "echo" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	roundTrip(t, c)
	_ = c.Close(ws.StatusNormalClosure, "")
}

func TestHandlerTLSAndShutdown(t *testing.T) {
	srv := &ws.Server{Handler: echo{}}
	ts := httptest.NewTLSServer(Handler(srv))
	defer ts.Close()
	tlsCfg := ts.Client().Transport.(*http.Transport).TLSClientConfig
	c, err := ws.Dial(context.Background(), "wss"+strings.TrimPrefix(ts.URL, "https"), &ws.Options{TLSConfig: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() { _ = srv.Shutdown(ctx) }()
	_, _, err = c.ReadMessage(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusGoingAway {
		t.Fatalf("got %v, want a 1001 close", err)
	}
}

func TestRejections(t *testing.T) {
	srv := &ws.Server{Handler: echo{}}
	ts := httptest.NewServer(Handler(srv))
	defer ts.Close()
	tests := []struct {
		name   string
		header map[string]string
		status int
	}{
		{"plain GET", map[string]string{}, 426},
		{"version 8", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "8"}, 426},
		{"cross origin", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13", "Origin": "http://evil.test"}, 403},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", ts.URL, nil)
		for k, v := range tt.header {
			req.Header.Set(k, v)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		if tt.status == 426 && resp.Header.Get("Sec-WebSocket-Version") != "13" {
			t.Errorf("%s: 426 without Sec-WebSocket-Version", tt.name)
		}
	}
}

// flipExt is a minimal per-message extension for the test: it inverts
// every byte, so a message only round-trips if both sides negotiated it.
type flipExt struct{}

func (flipExt) Name() string                { return "x-flip" }
func (flipExt) Offers() []ws.ExtensionOffer { return []ws.ExtensionOffer{{Name: "x-flip"}} }
func (flipExt) Accept(o []ws.ExtensionOffer) (ws.ExtensionOffer, ws.Codec, bool, error) {
	return o[0], flipCodec{}, true, nil
}
func (flipExt) Accepted(ws.ExtensionOffer) (ws.Codec, error) { return flipCodec{}, nil }

type flipCodec struct{}

func (flipCodec) Rsv() byte                   { return ws.Rsv1 }
func (flipCodec) Encodes(ws.Opcode, int) bool { return true }
func (flipCodec) Encode(dst, p []byte, _ bool) ([]byte, error) {
	for _, b := range p {
		dst = append(dst, ^b)
	}
	return dst, nil
}
func (c flipCodec) Decode(dst, p []byte, final bool, _ int64) ([]byte, error) {
	return c.Encode(dst, p, final)
}

func TestHandlerNegotiatesExtension(t *testing.T) {
	srv := &ws.Server{Handler: echo{}, Options: &ws.Options{Extensions: []ws.Extension{flipExt{}}}}
	ts := httptest.NewServer(Handler(srv))
	defer ts.Close()
	c, err := ws.Dial(context.Background(), "ws"+strings.TrimPrefix(ts.URL, "http"), &ws.Options{Extensions: []ws.Extension{flipExt{}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Extensions() != "x-flip" {
		t.Fatalf("negotiated %q", c.Extensions())
	}
	roundTrip(t, c)
	_ = c.Close(ws.StatusNormalClosure, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
}

// BenchmarkEcho is a round trip through Handler (the Server's own serving); the
// allocations are per message for both ends together.
func BenchmarkEcho(b *testing.B) {
	srv := &ws.Server{Handler: echo{}}
	ts := httptest.NewServer(Handler(srv))
	defer ts.Close()
	ctx := context.Background()
	c, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close(ws.StatusNormalClosure, "")
	msg := make([]byte, 32)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteMessage(ctx, ws.OpBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRefusesHTTP10: an HTTP/1.0 upgrade is answered 400, as ws.Server
// and wsloop answer it (net/http let it through: 101).
func TestRefusesHTTP10(t *testing.T) {
	srv := &ws.Server{Handler: echo{}}
	ts := httptest.NewServer(Handler(srv))
	defer ts.Close()
	nc, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
}
