package wsconf

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/eventloop"
	"github.com/autobahn-go/autobahn/ws/wsloop"
)

// StartLoop listens with srv on a loopback port and runs it; when the test
// ends it shuts srv down and reports a Shutdown or Run error. stop shuts it
// down at once (the first call does; later calls return its result).
func StartLoop(t testing.TB, srv *wsloop.Server) (addr net.Addr, stop func() error) {
	t.Helper()
	addr, err := srv.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ran := make(chan error, 1)
	go func() { ran <- srv.Run() }()
	stop = sync.OnceValue(func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := srv.Shutdown(ctx)
		rerr := <-ran
		if errors.Is(rerr, eventloop.ErrClosed) {
			// Shut down before Run began (a test that never reached the
			// server): Run refuses to start, as it should.
			rerr = nil
		}
		return errors.Join(err, rerr)
	})
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("wsloop.Server: %v", err)
		}
	})
	return addr, stop
}
