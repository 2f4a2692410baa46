package loadgen

import (
	"context"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review14bServerEnv, when set to N, makes TestReview14bHelperServer (run
// as its own process by a Compare) an echo server on its last argument
// that accepts N WebSocket connections and refuses the others.
const review14bServerEnv = "LOADGEN_REVIEW14B_SERVER_LIMIT"

// review14bDropEnv, when set too, makes that server close every
// connection as soon as it opened.
const review14bDropEnv = "LOADGEN_REVIEW14B_SERVER_DROP"

type limitedEcho struct {
	ws.BaseHandler
	left atomic.Int64
	drop bool
}

func (h *limitedEcho) OnOpen(c *ws.Conn) {
	if h.drop {
		_ = c.Close(ws.StatusGoingAway, "")
	}
}

func (h *limitedEcho) OnConnect(*ws.ConnectRequest) (ws.Accept, error) {
	if h.left.Add(-1) < 0 {
		return ws.Accept{}, &ws.HandshakeError{Status: 503, Reason: "full"}
	}
	return ws.Accept{}, nil
}

func (h *limitedEcho) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// TestReview14bHelperServer is the server process of
// TestReview14bCompareConnectErrors; in a plain test run it is skipped.
func TestReview14bHelperServer(t *testing.T) {
	limit, err := strconv.Atoi(os.Getenv(review14bServerEnv))
	if err != nil {
		t.Skip("the server process of TestReview14bCompareConnectErrors")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	h := &limitedEcho{drop: os.Getenv(review14bDropEnv) != ""}
	h.left.Store(int64(limit))
	srv := &wsloop.Server{Handler: h, Config: eventloop.Config{Loops: 1}}
	if _, err := srv.Listen("tcp", os.Args[len(os.Args)-1]); err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	<-ctx.Done()
	_ = srv.Shutdown(context.Background())
	<-ran
	os.Exit(0) // this process only served; no test report for it
}

// A server that opened fewer connections than the cell asks for was
// measured at another load than the others (and perhaps failed): the
// sample is an error, not a clean measurement ranked beside the others.
func TestReview14bCompareConnectErrors(t *testing.T) {
	t.Setenv(review14bServerEnv, "3")
	m := &Compare{
		Servers: []Server{{Name: "three", Args: []string{os.Args[0], "-test.run=^TestReview14bHelperServer$", "{addr}"}}},
		Cells:   []Cell{{Conns: 6, Size: 32}}, Rounds: 1, ServerCPU: -1,
		Warmup: 20 * time.Millisecond, Duration: 200 * time.Millisecond,
	}
	res, err := m.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := res.Servers[0].Medians[Cell{Conns: 6, Size: 32}.String()]
	if s.Err == "" || !strings.Contains(s.Err, "3 of 6 connections") {
		t.Fatalf("3 of 6 connections refused, yet the sample is %+v", s)
	}
	var sb strings.Builder
	if err := res.WriteReport(&sb, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	if md := sb.String(); strings.Contains(md, "No errors") {
		t.Errorf("report says no errors:\n%s", md)
	}
}

// A server that closes its idle connections (an idle timeout shorter
// than the hold) or refuses some holds less memory for them: its RSS per
// connection is not a figure to rank, and the report says why it is
// missing.
func TestReview14bCompareIdleDropped(t *testing.T) {
	t.Setenv(review14bServerEnv, "100")
	t.Setenv(review14bDropEnv, "1")
	m := &Compare{
		Servers: []Server{{Name: "dropper", Args: []string{os.Args[0], "-test.run=^TestReview14bHelperServer$", "{addr}"}}},
		Cells:   []Cell{{Conns: 1, Size: 32}}, Rounds: 1, ServerCPU: -1, IdleConns: 6,
		Warmup: 20 * time.Millisecond, Duration: 50 * time.Millisecond,
	}
	res, err := m.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sr := res.Servers[0]
	if len(sr.IdleRSS) != 0 || sr.IdleMedian != 0 || len(sr.IdleErrors) != 1 {
		t.Fatalf("every idle connection closed by the server, yet RSS per connection %v (median %v), idle errors %q", sr.IdleRSS, sr.IdleMedian, sr.IdleErrors)
	}
	var sb strings.Builder
	if err := res.WriteReport(&sb, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	if md := sb.String(); !strings.Contains(md, "dropper idle, round 1: 0 of 6 idle connections held") {
		t.Errorf("report does not say why the idle figure is missing:\n%s", md)
	}
}
