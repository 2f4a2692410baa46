package loadgen

import (
	"context"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// dropper closes every connection as soon as it opened.
type dropper struct{ ws.BaseHandler }

func (dropper) OnOpen(c *ws.Conn) { _ = c.Close(ws.StatusGoingAway, "") }

// An idle run whose connections the server closed pings none of them and
// so waits for no pong: it ends after its hold, not after PongTimeout.
func TestReview14bIdleNoPongToWaitFor(t *testing.T) {
	srv := &wsloop.Server{Handler: dropper{}, Config: eventloop.Config{Loops: 1}}
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	defer func() {
		_ = srv.Shutdown(context.Background())
		<-ran
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type out struct {
		res *IdleResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		r := &Idle{Dial: Dial{URL: "ws://" + addr.String() + "/", Conns: 4}, Hold: 300 * time.Millisecond, PongTimeout: time.Hour}
		res, err := r.Start(ctx)
		done <- out{res, err}
	}()
	// Far beyond the hold, far below the pong timeout.
	select {
	case o := <-done:
		if o.err != nil {
			t.Fatal(o.err)
		}
		if o.res.Pinged != 0 || o.res.UnexpectedCloses != 4 {
			t.Fatalf("pinged %d, unexpected closes %d: want 0 and 4", o.res.Pinged, o.res.UnexpectedCloses)
		}
	case <-time.After(30 * time.Second):
		cancel()
		<-done
		t.Fatal("the idle run waited for pongs of pings that never went out")
	}
}
