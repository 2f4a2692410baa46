package wsloop_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// TestReview15bHTTPNeedsHost: an HTTP/1.1 request without Host is
// refused with 400, as net/http refuses it (RFC 9112 3.2: a server MUST
// answer 400 to an HTTP/1.1 request that lacks Host); the loop handed it
// to Server.HTTP, which answered 200. HTTP/1.0 needs no Host, on both. A
// Host that is no authority (a space, a quote, a brace) is refused too,
// on both, where Server.HTTP got it.
func TestReview15bHTTPNeedsHost(t *testing.T) {
	called := make(chan string, 32) // more than requests: the handler never blocks
	loop, _ := wsconf.StartLoop(t, &wsloop.Server{Handler: newEcho(), Config: eventloop.Config{Loops: 1},
		HTTP: func(r *ws.Request) wsloop.HTTPResponse {
			called <- string(r.Target)
			return wsloop.HTTPResponse{Body: []byte("page")}
		}})
	std := serveHTTP(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "page") }))
	for _, tc := range []struct {
		req    string
		status int
	}{
		{"GET /a HTTP/1.1\r\n\r\n", 400},
		{"GET /b HTTP/1.1\r\nX-Host: x\r\n\r\n", 400},
		{"POST /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400},
		{"GET /d HTTP/1.0\r\n\r\n", 200},
		{"GET /e HTTP/1.1\r\nHost: x\r\n\r\n", 200},
		{"GET /f HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"GET /g HTTP/1.0\r\nHost: a\"b\r\n\r\n", 400},
		{"GET /h HTTP/1.1\r\nHost: {x}\r\n\r\n", 400},
		{"GET /i HTTP/1.1\r\nHost: \r\n\r\n", 200},
		{"GET /j HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", 200},
		{"GET /k HTTP/1.1\r\nHost: ex-a_m.p~le%41!$&'()*+,;=:8080\r\n\r\n", 200},
	} {
		want, _ := roundTrip(t, std, tc.req)
		if want != tc.status {
			t.Fatalf("net/http: %q: %d, want %d", tc.req, want, tc.status)
		}
		if got, body := roundTrip(t, loop.String(), tc.req); got != want {
			t.Errorf("wsloop: %q: %d %q, want %d as net/http", tc.req, got, body, want)
		}
	}
	if len(called) != 5 {
		t.Errorf("Server.HTTP called %d times, want 5 (the requests answered 200)", len(called))
	}
}
