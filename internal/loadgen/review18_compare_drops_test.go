package loadgen

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// review18HalfEnv makes TestReview18HelperHalfServer (run as its own
// process by a Compare) an echo server on its last argument that closes
// every second connection as soon as it opened.
const review18HalfEnv = "LOADGEN_REVIEW18_HALF_SERVER"

type halfEcho struct {
	ws.BaseHandler
	n atomic.Int64
}

func (h *halfEcho) OnOpen(c *ws.Conn) {
	if h.n.Add(1)%2 == 0 {
		_ = c.Close(ws.StatusGoingAway, "")
	}
}

func (h *halfEcho) OnMessage(c *ws.Conn, op ws.Opcode, p []byte) {
	_ = c.WriteMessage(context.Background(), op, p)
}

// TestReview18HelperHalfServer is the server process of
// TestReview18CompareDroppedConns; in a plain test run it is skipped.
func TestReview18HelperHalfServer(t *testing.T) {
	if os.Getenv(review18HalfEnv) == "" {
		t.Skip("the server process of TestReview18CompareDroppedConns")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	srv := &wsloop.Server{Handler: &halfEcho{}, Config: eventloop.Config{Loops: 1}}
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

// A server that closes half the cell's connections once they opened
// (before the measured time) serves the other half alone: a lighter load
// than the other servers', as when they failed to open. The sample is an
// error, not a clean measurement ranked beside the others (before, only
// refused connections made it one, and a server that drops them during
// the warm-up loses no measured message, so nothing told).
func TestReview18CompareDroppedConns(t *testing.T) {
	t.Setenv(review18HalfEnv, "1")
	cell := Cell{Conns: 6, Size: 32}
	m := &Compare{
		Servers: []Server{{Name: "half", Args: []string{os.Args[0], "-test.run=^TestReview18HelperHalfServer$", "{addr}"}}},
		Cells:   []Cell{cell}, Rounds: 1, ServerCPU: -1,
		Warmup: 100 * time.Millisecond, Duration: 200 * time.Millisecond,
	}
	res, err := m.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s := res.Servers[0].Medians[cell.String()]
	if s.Err == "" || !strings.Contains(s.Err, "3 of 6 connections closed by the server") {
		t.Fatalf("3 of 6 connections closed by the server, yet the sample is %+v", s)
	}
	var sb strings.Builder
	if err := res.WriteReport(&sb, "", ReportCharts{}); err != nil {
		t.Fatal(err)
	}
	if md := sb.String(); strings.Contains(md, "No errors") {
		t.Errorf("report says no errors:\n%s", md)
	}
}
