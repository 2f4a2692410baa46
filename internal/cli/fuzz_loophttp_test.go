package cli

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/autobahn-go/autobahn/wamp/router"
	"github.com/autobahn-go/autobahn/wamp/transport/websocket"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// FuzzLoopHTTP: any plain request head the event loop's parser takes
// (ws.ParseRequest, no Upgrade header: what wsloop hands to Server.HTTP)
// goes through loopHTTP and serve's own handlers (the page, /metrics,
// /healthz, /echo and /ws refusing a non-upgrade) without a panic. The
// answer is a valid HTTP response once wsloop writes it, and the handler
// sees the request net/http would parse from the same bytes: method,
// target, URL and header fields (net/http keeps Host apart).
func FuzzLoopHTTP(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nHost: a\r\nAccept: text/plain\r\n\r\n",
		"HEAD /healthz HTTP/1.0\r\n\r\n",
		"POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
		"GET /echo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		"GET /ws?x=%zz HTTP/1.1\r\nHost: a\r\nCookie: a=b; c=d\r\n\r\n",
		"GET http://a/b?c#d HTTP/1.1\r\nHost: b\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
		"GET //x/../y HTTP/1.1\r\nhost: a\r\nx-a: 1\r\nX-A: 2\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	r, err := router.New(router.Config{Realms: []router.RealmConfig{{Name: "realm1", AllowAnonymous: true}},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Close(context.Background()) })
	w := &wampServer{r: r, realm: "realm1", log: slog.New(slog.DiscardHandler), opts: websocket.Options{Serializers: wampSerializers, WS: &ws.Options{Logger: slog.New(slog.DiscardHandler)}}}
	metrics := new(wsmetrics.Set)
	mux := http.NewServeMux()
	mux.Handle("/metrics", metricsHandler(metrics, r, "realm1"))
	mux.Handle("/echo", wshttp.Handler(&ws.Server{Handler: echoHandler{log: slog.New(slog.DiscardHandler)}, Metrics: metrics}))
	mux.Handle("/ws", w.httpHandler())
	mux.HandleFunc("/healthz", serveHealth)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(servePage)
	})
	f.Fuzz(func(t *testing.T, b []byte, secure bool) {
		var req ws.Request
		n, err := ws.ParseRequest(&req, b, ws.HandshakeLimits{})
		if err != nil || n == 0 || req.Get("Upgrade") != nil {
			return
		}
		var seen *http.Request
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = r
			mux.ServeHTTP(w, r)
		})
		resp := loopHTTP(h, secure)(&req)
		if resp.Status == 0 {
			resp.Status = 200 // as wsloop's answerHTTP
		}
		if resp.Status < 100 || resp.Status > 599 {
			t.Fatalf("status %d", resp.Status)
		}
		out := ws.AppendHTTPResponse(nil, resp.Status, resp.Header, resp.Body)
		hr, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("answer %q: %v", out, err)
		}
		body, err := io.ReadAll(hr.Body)
		if err != nil || hr.StatusCode != resp.Status || !bytes.Equal(body, resp.Body) {
			t.Fatalf("answer %q: status %d, body %q, %v", out, hr.StatusCode, body, err)
		}

		// net/http's parse of the same head.
		want, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(b[:n])))
		if err != nil || want.Method == http.MethodConnect {
			return // net/http is stricter, or reads CONNECT's target as an authority
		}
		if seen == nil {
			if resp.Status != 400 {
				t.Fatalf("%q: net/http parses it, loopHTTP answered %d without calling the handler", b[:n], resp.Status)
			}
			t.Fatalf("%q: net/http parses the target %q, loopHTTP refuses it", b[:n], want.RequestURI)
		}
		if seen.Method != want.Method || seen.RequestURI != want.RequestURI || seen.URL.Path != want.URL.Path ||
			seen.URL.RawQuery != want.URL.RawQuery || seen.URL.Host != want.URL.Host || seen.Host != want.Host && want.URL.Host == "" {
			t.Fatalf("%q: handler saw %s %q (%#v, host %q), net/http reads %s %q (%#v, host %q)", b[:n],
				seen.Method, seen.RequestURI, seen.URL, seen.Host, want.Method, want.RequestURI, want.URL, want.Host)
		}
		for _, k := range slices.Sorted(maps.Keys(seen.Header)) {
			if k == "Host" {
				continue
			}
			if !slices.Equal(seen.Header[k], want.Header[k]) {
				t.Fatalf("%q: %s: handler saw %q, net/http reads %q", b[:n], k, seen.Header[k], want.Header[k])
			}
		}
		for k := range want.Header {
			if _, ok := seen.Header[k]; !ok && k != "Cache-Control" { // net/http adds Cache-Control for Pragma: no-cache
				t.Fatalf("%q: %s missing (net/http reads %q)", b[:n], k, want.Header[k])
			}
		}
	})
}
