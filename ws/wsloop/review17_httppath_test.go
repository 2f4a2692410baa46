package wsloop_test

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review17Request dials addr and sends req, if any; it returns the
// connection, closed when the test ends.
func review17Request(t *testing.T, addr net.Addr, req string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if req != "" {
		if _, err := nc.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	return nc
}

// TestReview17HTTPBigAnswerSlowReader: Server.HTTP's answer, larger than
// the socket's buffer, reaches a client that reads it only after the
// lingering time (CloseTimeout here) has passed: that time counts once the
// answer is out. The lingering deadline was set when the answer was
// queued, and closed the connection with most of it unsent (the client
// got 4 of 16 MiB and an unexpected EOF). A client that reads nothing is
// still closed, after HandshakeTimeout.
func TestReview17HTTPBigAnswerSlowReader(t *testing.T) {
	body := make([]byte, 16<<20)
	http := func(r *ws.Request) wsloop.HTTPResponse {
		if string(r.Target) == "/small" {
			return wsloop.HTTPResponse{Body: []byte("ok")}
		}
		return wsloop.HTTPResponse{Body: body}
	}
	for _, withTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "slow", true: "slowTLS"}[withTLS], func(t *testing.T) {
			srv := &wsloop.Server{Handler: review16Echo{}, Options: &ws.Options{CloseTimeout: 100 * time.Millisecond},
				Config: eventloop.Config{Loops: 1}, HTTP: http}
			if withTLS {
				cert, _ := wsloop.NewTestCert(t, "wsloop")
				srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
			}
			addr, _ := wsconf.StartLoop(t, srv)
			ask := func(req string) net.Conn {
				nc := review17Request(t, addr, "")
				if withTLS {
					nc = tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
				}
				if _, err := nc.Write([]byte(req)); err != nil {
					t.Fatal(err)
				}
				return nc
			}
			br := bufio.NewReaderSize(ask("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"), 16)
			if _, err := br.Peek(1); err != nil { // the answer is queued
				t.Fatal(err)
			}
			// A small answer asked for now lingers for CloseTimeout and
			// times out: the big one's lingering time, had it started
			// when it was queued, has passed too.
			ask("GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
			review16Poll(t, "the small answer's lingering time", func() bool { return srv.Stats().Timeouts > 0 })
			review17ReadAnswer(t, br, len(body))
		})
	}
	t.Run("unread", func(t *testing.T) {
		srv := &wsloop.Server{Handler: review16Echo{}, Options: &ws.Options{HandshakeTimeout: 100 * time.Millisecond},
			Config: eventloop.Config{Loops: 1}, HTTP: http}
		addr, _ := wsconf.StartLoop(t, srv)
		review17Request(t, addr, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
		review16Poll(t, "the unread answer's bound", func() bool { return srv.Stats().Closed == 1 && srv.Stats().Timeouts == 1 })
	})
}

// review17ReadAnswer reads an HTTP answer from br and checks its body's
// length.
func review17ReadAnswer(t *testing.T, br *bufio.Reader, want int) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || n != int64(want) {
		t.Fatalf("body: %d of %d bytes, %v", n, want, err)
	}
}
