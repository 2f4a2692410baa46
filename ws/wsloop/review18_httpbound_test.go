package wsloop_test

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/internal/wsconf"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
	"github.com/autobahn-go/autobahn/ws/wsmetrics"
)

// review18Log is a log destination that tests may read while a loop
// writes it.
type review18Log struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *review18Log) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *review18Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestReview18HTTPAnswersBounded: the Server.HTTP answers being sent are
// bounded in all (64 MiB; 24 MiB here): while a client leaves a 16 MiB
// answer unread, another 16 MiB one is answered 503 and counted, a small
// one still goes out, and one past the whole bound is answered 500 and
// logged; once the unread answer's connection has ended, the 16 MiB answer
// goes out again. Each answer was queued whole, for up to 256 lingering
// connections whose clients need not read it (256 times its size, held
// for up to HandshakeTimeout).
func TestReview18HTTPAnswersBounded(t *testing.T) {
	const max = 24 << 20
	big := make([]byte, 16<<20)
	huge := make([]byte, max+1)
	log := new(review18Log)
	m := new(wsmetrics.Set)
	srv := &wsloop.Server{Handler: ws.BaseHandler{}, Config: eventloop.Config{Loops: 1}, Metrics: m,
		Options: &ws.Options{Logger: slog.New(slog.NewTextHandler(log, nil))},
		HTTP: func(r *ws.Request) wsloop.HTTPResponse {
			switch string(r.Target) {
			case "/big":
				return wsloop.HTTPResponse{Body: big}
			case "/huge":
				return wsloop.HTTPResponse{Body: huge}
			}
			return wsloop.HTTPResponse{Body: []byte("ok")}
		}}
	wsloop.SetMaxHTTPQueued(srv, max)
	addr, _ := wsconf.StartLoop(t, srv)
	ask := func(path string) net.Conn {
		nc, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := nc.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		return nc
	}
	read := func(nc net.Conn, br *bufio.Reader) (int, int) {
		defer nc.Close()
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, int(n)
	}
	get := func(path string) (int, int) {
		nc := ask(path)
		return read(nc, bufio.NewReader(nc))
	}

	unread := ask("/big")
	br := bufio.NewReaderSize(unread, 16)
	if _, err := br.Peek(1); err != nil { // its answer is queued
		t.Fatal(err)
	}
	if status, n := get("/big"); status != 503 {
		t.Fatalf("a second big answer while the first is unread: %d (%d bytes), want 503", status, n)
	}
	if got := m.Snapshot().Rejected["503"]; got != 1 {
		t.Fatalf("Rejected[503] = %d, want 1", got)
	}
	if status, n := get("/small"); status != 200 || n != 2 {
		t.Fatalf("a small answer: %d (%d bytes), want 200", status, n)
	}
	if status, _ := get("/huge"); status != 500 {
		t.Fatalf("an answer past the bound: %d, want 500", status)
	}
	if got := log.String(); !strings.Contains(got, "too large") || !strings.Contains(got, "target=/huge") {
		t.Fatalf("log %q, want the huge answer's error", got)
	}
	if status, n := read(unread, br); status != 200 || n != len(big) {
		t.Fatalf("the unread answer, read now: %d, %d bytes", status, n)
	}
	review16Poll(t, "every connection has ended", func() bool { return srv.Stats().Closed == 4 })
	if status, n := get("/big"); status != 200 || n != len(big) {
		t.Fatalf("a big answer after the first has ended: %d, %d bytes, want 200 and all", status, n)
	}
}

// TestReview18HTTPFinalStatus: a Server.HTTP answer whose status is no
// final one (1xx: 101 would claim an upgrade, 100 is interim) or not three
// digits is answered 500 and logged, as net/http refuses such a status
// from its handlers. It was sent as it was: a client took "101 Switching
// Protocols" for an upgrade, or waited after a 100 for the final answer
// that never came.
func TestReview18HTTPFinalStatus(t *testing.T) {
	log := new(review18Log)
	srv := &wsloop.Server{Handler: ws.BaseHandler{}, Config: eventloop.Config{Loops: 1},
		Options: &ws.Options{Logger: slog.New(slog.NewTextHandler(log, nil))},
		HTTP: func(r *ws.Request) wsloop.HTTPResponse {
			switch string(r.Target) {
			case "/101":
				return wsloop.HTTPResponse{Status: 101}
			case "/100":
				return wsloop.HTTPResponse{Status: 100}
			case "/1000":
				return wsloop.HTTPResponse{Status: 1000}
			}
			return wsloop.HTTPResponse{Status: 299, Body: []byte("ok")}
		}}
	addr, _ := wsconf.StartLoop(t, srv)
	for _, c := range []struct {
		path string
		want int
	}{{"/101", 500}, {"/100", 500}, {"/1000", 500}, {"/299", 299}} {
		head, _ := review18RawAnswer(t, addr, "GET "+c.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		if want := "HTTP/1.1 " + strconv.Itoa(c.want) + " "; !bytes.HasPrefix(head, []byte(want)) {
			t.Fatalf("%s: %q, want %q...", c.path, head, want)
		}
	}
	if got := log.String(); strings.Count(got, "no final status") != 3 {
		t.Fatalf("log %q, want the three bad statuses", got)
	}
}
