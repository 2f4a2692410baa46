package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// startLoopHTTP serves h's plain HTTP on a wsloop.Server as serve's
// --driver loop does; it returns the address and a stop function.
func startLoopHTTP(t *testing.T, h http.Handler) (string, func()) {
	t.Helper()
	s := &wsloop.Server{Handler: ws.BaseHandler{}, HTTP: loopHTTP(h, false)}
	a, err := s.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = s.Run(); close(done) }()
	return a.String(), func() { _ = s.Shutdown(context.Background()); <-done }
}

// rawRoundTrip sends raw on a fresh connection to addr and reads one
// response to a GET.
func rawRoundTrip(t *testing.T, addr, raw string) *http.Response {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(nc), &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestR14cLoopHTTPHostAsNetHTTP: a handler on the loop's port sees the
// request's Host as net/http gives it on --driver std: from an
// absolute-form target if there is one (RFC 9112 §3.2.2), and not also
// in Header (net/http moves it to Request.Host).
func TestR14cLoopHTTPHostAsNetHTTP(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-Host-Lines", strconv.Itoa(len(r.Header["Host"])))
	})
	loopAddr, stop := startLoopHTTP(t, h)
	defer stop()
	std := httptest.NewServer(h)
	defer std.Close()
	stdAddr := strings.TrimPrefix(std.URL, "http://")
	for _, raw := range []string{
		"GET /hdr HTTP/1.1\r\nHost: example.org:99\r\n\r\n",
		"GET http://other:8/hdr?q HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		want := rawRoundTrip(t, stdAddr, raw)
		got := rawRoundTrip(t, loopAddr, raw)
		for _, k := range []string{"X-Host", "X-Host-Lines"} {
			if got.Header.Get(k) != want.Header.Get(k) {
				t.Errorf("%q: %s %q on the loop, %q on net/http", strings.SplitN(raw, "\r\n", 2)[0], k, got.Header.Get(k), want.Header.Get(k))
			}
		}
	}
}

// TestR14cLoopHTTPSlowHeadBounded: a client that sends its request head
// a byte at a time, never finishing it, is cut off by the handshake
// timeout on the loop's port (checked, not a bug: the deadline set when
// the connection is accepted covers the whole head).
func TestR14cLoopHTTPSlowHeadBounded(t *testing.T) {
	s := &wsloop.Server{Handler: ws.BaseHandler{}, HTTP: loopHTTP(http.HandlerFunc(serveHealth), false),
		Options: &ws.Options{HandshakeTimeout: 300 * time.Millisecond}}
	a, err := s.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = s.Run(); close(done) }()
	defer func() { _ = s.Shutdown(context.Background()); <-done }()
	nc, err := net.Dial("tcp", a.String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ended := make(chan struct{})
	go func() { // the server ending the connection ends this read
		defer close(ended)
		_ = nc.SetReadDeadline(time.Now().Add(30 * time.Second))
		var b [64]byte
		for {
			if _, err := nc.Read(b[:]); err != nil {
				return
			}
		}
	}()
	head := "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 1000)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ended:
			if i >= len(head) {
				t.Fatal("the whole slow head went in")
			}
			return
		case <-tick.C:
			_, _ = nc.Write([]byte{head[i%len(head)]})
		}
	}
}
