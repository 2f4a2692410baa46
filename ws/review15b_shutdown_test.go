package ws

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// firstDeadlineGate is a net.Conn whose first SetDeadline call waits for
// release before it takes effect: the moment between a Server admitting
// a handshake and the handshake arming its timeout.
type firstDeadlineGate struct {
	net.Conn
	once    sync.Once
	entered chan struct{} // closed when the first SetDeadline call comes
	release chan struct{}
	past    chan struct{} // closed when a deadline in the past is set
	pastOne sync.Once
}

func (g *firstDeadlineGate) SetDeadline(t time.Time) error {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.release
	} else if !t.IsZero() && t.Before(time.Now()) {
		g.pastOne.Do(func() { close(g.past) })
	}
	return g.Conn.SetDeadline(t)
}

// TestReview15bShutdownCutsHandshakeJustAdmitted: Shutdown drops the
// handshakes in progress at once, also one that had been admitted but
// had not yet armed its timeout: the handshake's own deadline must not
// replace Shutdown's. A client that sent nothing held Shutdown for the
// whole HandshakeTimeout (here a minute: Shutdown ran out of its ctx).
func TestReview15bShutdownCutsHandshakeJustAdmitted(t *testing.T) {
	srv := &Server{Handler: BaseHandler{}, Options: &Options{HandshakeTimeout: time.Minute}}
	a, b := net.Pipe()
	defer b.Close()
	g := &firstDeadlineGate{Conn: a, entered: make(chan struct{}), release: make(chan struct{}), past: make(chan struct{})}
	served := make(chan struct{})
	go func() { defer close(served); srv.ServeConn(context.Background(), g) }()
	<-g.entered // admitted, the handshake about to arm its timeout
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		shut <- srv.Shutdown(ctx)
	}()
	// Where the handshake arms its timeout under the server's lock (as it
	// must), Shutdown cannot come in between: the gate holds that lock,
	// so give up waiting for Shutdown's deadline after a while and let
	// the handshake go on.
	select {
	case <-g.past: // Shutdown cut the pending handshake first
	case <-time.After(500 * time.Millisecond):
	}
	close(g.release)
	if err := <-shut; err != nil {
		t.Errorf("Shutdown = %v, want nil: the silent handshake kept its own timeout", err)
		_ = a.Close()
	}
	<-served
}
