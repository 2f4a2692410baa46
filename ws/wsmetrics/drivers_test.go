package wsmetrics_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// echo answers every message, closes with 4001 on "bye", refuses the
// target /forbidden with 403, and reports every OnClose.
type echo struct {
	ws.BaseHandler
	closes chan ws.StatusCode
}

func (h *echo) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	if req.Target == "/forbidden" {
		return ws.Accept{}, &ws.HandshakeError{Status: 403, Reason: "no"}
	}
	return ws.Accept{}, nil
}

func (h *echo) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	if string(p) == "bye" {
		_ = c.Close(4001, "bye")
		return
	}
	_ = c.WriteMessage(context.Background(), op, p)
}

func (h *echo) OnClose(_ *ws.Conn, _ bool, code ws.StatusCode, _ string) { h.closes <- code }

// driver starts a server of one kind with h and m; it returns the address
// and a stop function.
type driver func(t testing.TB, h ws.Handler, m *wsmetrics.Set, opts *ws.Options) (addr string, stop func())

var drivers = map[string]driver{
	"ws.Server": func(t testing.TB, h ws.Handler, m *wsmetrics.Set, opts *ws.Options) (string, func()) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := &ws.Server{Handler: h, Options: opts, Metrics: m}
		done := make(chan struct{})
		go func() { _ = s.Serve(ln); close(done) }()
		return ln.Addr().String(), func() {
			_ = ln.Close()
			<-done
			_ = s.Shutdown(context.Background())
		}
	},
	"wshttp": func(t testing.TB, h ws.Handler, m *wsmetrics.Set, opts *ws.Options) (string, func()) {
		s := &ws.Server{Handler: h, Options: opts, Metrics: m}
		hs := httptest.NewServer(wshttp.Handler(s))
		return strings.TrimPrefix(hs.URL, "http://"), func() {
			_ = s.Shutdown(context.Background())
			hs.Close()
		}
	},
	"wsloop": func(t testing.TB, h ws.Handler, m *wsmetrics.Set, opts *ws.Options) (string, func()) {
		s := &wsloop.Server{Handler: h, Options: opts, Metrics: m}
		a, err := s.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = s.Run(); close(done) }()
		return a.String(), func() {
			_ = s.Shutdown(context.Background())
			<-done
		}
	},
}

// TestDrivers drives real connections through each driver and checks
// every counter: three connections (closed by the client with 1000, by
// the server with 4001, dropped: 1006), messages both ways, a handshake
// refused by the Handler (403) and a malformed one (400).
func TestDrivers(t *testing.T) {
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &echo{closes: make(chan ws.StatusCode, 8)}
			addr, stop := start(t, h, m, nil)
			defer stop()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			url := "ws://" + addr + "/"

			// A: two messages echoed, then a clean close (1000).
			a, err := ws.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(ctx, t, a, ws.OpText, []byte("hello"))
			roundTrip(ctx, t, a, ws.OpBinary, make([]byte, 300))
			if err := a.Close(ws.StatusNormalClosure, ""); err != nil {
				t.Fatal(err)
			}
			wantClose(t, h, ws.StatusNormalClosure)

			// B: the server closes with 4001.
			b, err := ws.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.WriteMessage(ctx, ws.OpText, []byte("bye")); err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.ReadMessage(ctx); err == nil {
				t.Fatal("read after the server's close succeeded")
			}
			wantClose(t, h, 4001)
			_ = b.CloseNow()

			// C: dropped without a close frame (1006).
			c, err := ws.Dial(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = c.CloseNow()
			wantClose(t, h, ws.StatusAbnormalClosure)

			// Refused by OnConnect, and malformed (no Sec-WebSocket-Key).
			if _, err := ws.Dial(ctx, "ws://"+addr+"/forbidden", nil); err == nil {
				t.Fatal("dial of /forbidden succeeded")
			}
			if st := rawStatus(t, addr); st != 400 {
				t.Fatalf("malformed handshake answered %d, want 400", st)
			}

			s := m.Snapshot()
			check := func(what string, got, want uint64) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %d, want %d", what, got, want)
				}
			}
			check("Opened", s.Opened, 3)
			check("Closed", s.Closed, 3)
			check("Active", s.Active, 0)
			check("MessagesIn", s.MessagesIn, 3)
			check("BytesIn", s.BytesIn, 5+300+3)
			check("MessagesOut", s.MessagesOut, 2)
			check("BytesOut", s.BytesOut, 5+300)
			check("Durations.Count", s.Durations.Count, 3)
			// Sizes in: 5 and 3 (≤16), 300 (≤1024).
			check("SizesIn ≤16", s.SizesIn.Counts[0], 2)
			check("SizesIn ≤256", s.SizesIn.Counts[2], 2)
			check("SizesIn ≤1024", s.SizesIn.Counts[3], 3)
			check("SizesIn.Count", s.SizesIn.Count, 3)
			check("SizesOut.Count", s.SizesOut.Count, 2)
			if want := map[string]uint64{"1000": 1, "1006": 1, "other": 1}; !reflect.DeepEqual(s.CloseCodes, want) {
				t.Errorf("CloseCodes = %v, want %v", s.CloseCodes, want)
			}
			if want := map[string]uint64{"400": 1, "403": 1}; !reflect.DeepEqual(s.Rejected, want) {
				t.Errorf("Rejected = %v, want %v", s.Rejected, want)
			}
		})
	}
}

// TestFullServer counts the 503 of a server at MaxConnections.
func TestFullServer(t *testing.T) {
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			m := new(wsmetrics.Set)
			h := &echo{closes: make(chan ws.StatusCode, 8)}
			addr, stop := start(t, h, m, &ws.Options{MaxConnections: 1})
			defer stop()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			held, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(ctx, t, held, ws.OpText, []byte("x")) // admitted and served
			if _, err := ws.Dial(ctx, "ws://"+addr+"/", nil); err == nil {
				t.Fatal("a second connection was admitted")
			}
			if err := held.Close(ws.StatusNormalClosure, ""); err != nil {
				t.Fatal(err)
			}
			wantClose(t, h, ws.StatusNormalClosure)
			s := m.Snapshot()
			if want := map[string]uint64{"503": 1}; !reflect.DeepEqual(s.Rejected, want) {
				t.Errorf("Rejected = %v, want %v", s.Rejected, want)
			}
			if s.Opened != 1 || s.Closed != 1 {
				t.Errorf("Opened %d, Closed %d, want 1, 1", s.Opened, s.Closed)
			}
		})
	}
}

func roundTrip(ctx context.Context, t *testing.T, c *ws.Conn, op ws.Opcode, p []byte) {
	t.Helper()
	if err := c.WriteMessage(ctx, op, p); err != nil {
		t.Fatal(err)
	}
	gop, got, err := c.ReadMessage(ctx)
	if err != nil || gop != op || len(got) != len(p) {
		t.Fatalf("echo: %v %d bytes, %v", gop, len(got), err)
	}
}

func wantClose(t *testing.T, h *echo, want ws.StatusCode) {
	t.Helper()
	select {
	case got := <-h.closes:
		if got != want {
			t.Fatalf("OnClose code %d, want %d", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose was not called")
	}
}

// rawStatus sends an upgrade request without Sec-WebSocket-Key and
// returns the HTTP status of the answer.
func rawStatus(t *testing.T, addr string) int {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
