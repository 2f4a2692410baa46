package wsloop_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/testpeer"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review16bAnswered sends req on a new connection to addr, reads the
// answer and then the end of the server's output, and returns the
// connection (open on our side until the test ends) and the status.
func review16bAnswered(t *testing.T, addr, req string) (net.Conn, int) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Fatalf("reading to the end of the answer: %v", err)
	}
	resp.Body.Close()
	return nc, resp.StatusCode
}

// TestReview16bHTTPLingersBounded: the connections that linger after an
// HTTP answer (Server.HTTP's, and refused upgrades') are bounded in
// number as the early 503s were: only those counted, and Server.HTTP's
// answers and 4xx refusals each held an fd for up to a second whatever
// their number (about the accept rate's worth). Past the bound (2 here,
// 256 by default) a connection is closed once its answer is queued.
func TestReview16bHTTPLingersBounded(t *testing.T) {
	srv := &wsloop.Server{Handler: review16Echo{}, Config: eventloop.Config{Loops: 1},
		HTTP: func(*ws.Request) wsloop.HTTPResponse { return wsloop.HTTPResponse{Body: []byte("ok")} }}
	wsloop.SetMaxLingers(srv, 2)
	addr, _ := wsconf.StartLoop(t, srv)
	closedBefore := srv.Stats().Closed
	a, status := review16bAnswered(t, addr.String(), "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
	if status != 200 {
		t.Fatalf("Server.HTTP: %d, want 200", status)
	}
	// A refused upgrade lingers, and counts, too.
	refused := "GET /refuse" + testpeer.UpgradeRequest[len("GET /"):]
	b, status := review16bAnswered(t, addr.String(), refused)
	if status != 403 {
		t.Fatalf("refused upgrade: %d, want 403", status)
	}
	if n := wsloop.RefusalsLingering(srv); n != 2 {
		t.Fatalf("%d connections counted as lingering after two HTTP answers, want 2", n)
	}
	// The third is past the bound: closed at once, not by the linger's
	// deadline, and not counted.
	if _, status := review16bAnswered(t, addr.String(), refused); status != 403 {
		t.Fatalf("refused upgrade past the bound: %d, want 403", status)
	}
	review16Poll(t, "the connection past the bound is closed", func() bool {
		return srv.Stats().Closed > closedBefore
	})
	if st := srv.Stats(); st.Timeouts != 0 || st.Closed != closedBefore+1 {
		t.Fatalf("closed %d (%d by a deadline); want only the one past the bound, at once",
			st.Closed-closedBefore, st.Timeouts)
	}
	if n := wsloop.RefusalsLingering(srv); n != 2 {
		t.Fatalf("%d lingering, want 2", n)
	}
	a.Close()
	b.Close()
	review16Poll(t, "the lingering ends when the clients close", func() bool {
		return wsloop.RefusalsLingering(srv) == 0
	})
}
