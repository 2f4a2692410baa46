package wshttp_test

import (
	"bufio"
	"context"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// seen is what a Handler's OnConnect read of its ConnectRequest.
type seen struct {
	target, host, origin, token, remote string
	twice, protocols, headerTwice       []string
}

type requestReader struct {
	ws.BaseHandler
	kept   chan *ws.ConnectRequest
	seen   chan seen
	opened chan struct{}
}

// OnOpen comes after Negotiate has returned: the test reads the kept
// request after it.
func (h *requestReader) OnOpen(*ws.Conn) { close(h.opened) }

func (h *requestReader) OnConnect(req *ws.ConnectRequest) (ws.Accept, error) {
	s := seen{target: req.Target, host: req.Host, origin: req.Origin, token: req.Get("x-token"),
		twice: req.Values("X-Twice"), protocols: req.Protocols, headerTwice: req.Header()["X-Twice"]}
	if a := req.RemoteAddr(); a != nil {
		s.remote = a.String()
	}
	h.seen <- s
	h.kept <- req // read again after OnConnect (which the type forbids)
	return ws.Accept{Protocol: "p2"}, nil
}

// TestConnectRequestOnEveryDriver: one Handler reads the same request on
// the three server drivers: fields, Get, Values (one value per line, in
// order), Header and RemoteAddr (the client's own address), and once
// OnConnect has returned the request reads nothing of the handshake (the
// loop reuses that input), while what the handler took from it stays.
func TestConnectRequestOnEveryDriver(t *testing.T) {
	drivers := map[string]func(t *testing.T, h ws.Handler) string{
		"ws.Server": func(t *testing.T, h ws.Handler) string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			s := &ws.Server{Handler: h}
			done := make(chan struct{})
			go func() { _ = s.Serve(ln); close(done) }()
			t.Cleanup(func() { _ = ln.Close(); <-done; _ = s.Shutdown(context.Background()) })
			return ln.Addr().String()
		},
		"wshttp": func(t *testing.T, h ws.Handler) string {
			s := &ws.Server{Handler: h}
			hs := httptest.NewServer(wshttp.Handler(s))
			t.Cleanup(func() { _ = s.Shutdown(context.Background()); hs.Close() })
			return strings.TrimPrefix(hs.URL, "http://")
		},
		"wsloop": func(t *testing.T, h ws.Handler) string {
			s := &wsloop.Server{Handler: h}
			a, err := s.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = s.Run(); close(done) }()
			t.Cleanup(func() { _ = s.Shutdown(context.Background()); <-done })
			return a.String()
		},
	}
	for name, start := range drivers {
		t.Run(name, func(t *testing.T) {
			h := &requestReader{kept: make(chan *ws.ConnectRequest, 1), seen: make(chan seen, 1), opened: make(chan struct{})}
			addr := start(t, h)
			nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			_, err = nc.Write([]byte("GET /chat?room=1 HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\n" +
				"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
				"Origin: http://" + addr + "\r\nX-Twice: a\r\nX-Token: secret\r\nx-twice: b, c\r\n" +
				"Sec-WebSocket-Protocol: p1, p2\r\n\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			status, err := bufio.NewReader(nc).ReadString('\n')
			if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
				t.Fatalf("answer %q, %v", status, err)
			}
			s := <-h.seen
			<-h.opened // the values read stay the handler's after OnConnect
			if s.target != "/chat?room=1" || s.host != addr || s.origin != "http://"+addr || s.token != "secret" {
				t.Errorf("target %q host %q origin %q token %q", s.target, s.host, s.origin, s.token)
			}
			if want := []string{"a", "b, c"}; !slices.Equal(s.twice, want) || !slices.Equal(s.headerTwice, want) {
				t.Errorf("Values %q, Header %q; want %q", s.twice, s.headerTwice, want)
			}
			if !slices.Equal(s.protocols, []string{"p1", "p2"}) {
				t.Errorf("Protocols %q", s.protocols)
			}
			if s.remote != nc.LocalAddr().String() {
				t.Errorf("RemoteAddr %q, want the client's %q", s.remote, nc.LocalAddr())
			}
			req := <-h.kept
			if req.Get("X-Token") != "" || req.Values("X-Twice") != nil || req.Header() != nil {
				t.Errorf("after OnConnect the request still reads the handshake: %q %q", req.Get("X-Token"), req.Header())
			}
		})
	}
}
