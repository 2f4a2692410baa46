package wshttp_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wshttp"
)

// remoteRecorder tells the RemoteAddr OnConnect saw.
type remoteRecorder struct {
	ws.BaseHandler
	seen chan net.Addr
}

func (h remoteRecorder) OnConnect(r *ws.ConnectRequest) (ws.Accept, error) {
	h.seen <- r.RemoteAddr()
	return ws.Accept{}, nil
}

// TestReview16RemoteAddrNoLookup: the handshake's RemoteAddr is taken from
// r.RemoteAddr only if that is a literal ip:port. A middleware that
// copies a client's X-Forwarded-For there (gorilla's ProxyHeaders does,
// unchecked) made every handshake resolve a name the client chose
// (net.ResolveTCPAddr looks names up): a DNS query per request on the
// request's path. "localhost:80" shows the lookup: it came out as
// 127.0.0.1:80.
func TestReview16RemoteAddrNoLookup(t *testing.T) {
	h := remoteRecorder{seen: make(chan net.Addr, 4)}
	srv := &ws.Server{Handler: h}
	forwarded := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
			r.RemoteAddr = fwd
		}
		wshttp.Handler(srv).ServeHTTP(w, r)
	})
	hs := httptest.NewServer(forwarded)
	defer hs.Close()
	defer srv.Shutdown(context.Background())
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/"
	for _, tc := range []struct{ fwd, want string }{
		{"localhost:80", ""},
		{"192.0.2.7:4242", "192.0.2.7:4242"},
		{"[2001:db8::1]:443", "[2001:db8::1]:443"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		c, err := ws.Dial(ctx, url, &ws.Options{Header: map[string][]string{"X-Forwarded-For": {tc.fwd}}})
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", tc.fwd, err)
		}
		_ = c.CloseNow()
		got := <-h.seen
		gotS := ""
		if got != nil {
			gotS = got.String()
		}
		if gotS != tc.want {
			t.Errorf("RemoteAddr %q: OnConnect saw %q, want %q", tc.fwd, gotS, tc.want)
		}
	}
}
