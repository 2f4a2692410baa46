package ws_test

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/autobahn-go/autobahn/ws"
)

// emfileForeverListener fails every Accept with EMFILE, telling failed
// of each, until it is closed; it counts the Accepts after its Close.
type emfileForeverListener struct {
	failed chan struct{}

	mu         sync.Mutex
	closed     bool
	afterClose int
}

func (l *emfileForeverListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		l.afterClose++
		return nil, net.ErrClosed
	}
	select {
	case l.failed <- struct{}{}:
	default:
	}
	return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept", syscall.EMFILE)}
}

func (l *emfileForeverListener) Close() error {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	return nil
}

func (l *emfileForeverListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// TestReview16ShutdownEndsAcceptBackoff: Shutdown ends Serve's back-off
// after a temporary Accept error at once: Serve returns ErrClosed without
// sleeping out its delay (up to 1 s) and calling Accept on the closed
// listener again.
func TestReview16ShutdownEndsAcceptBackoff(t *testing.T) {
	ln := &emfileForeverListener{failed: make(chan struct{}, 1)}
	srv := &ws.Server{Handler: ws.BaseHandler{}}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	deadline := time.After(10 * time.Second)
	// The 8th failure is followed by a back-off of 640 ms: Shutdown comes
	// in it.
	for range 8 {
		select {
		case <-ln.failed:
		case <-deadline:
			t.Fatal("Serve does not accept again after EMFILE")
		}
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if !errors.Is(err, ws.ErrClosed) {
			t.Errorf("Serve: %v, want ErrClosed", err)
		}
	case <-deadline:
		t.Fatal("Serve did not return after Shutdown")
	}
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.afterClose != 0 {
		t.Errorf("Serve slept out its back-off after Shutdown and called Accept %d times on the closed listener", ln.afterClose)
	}
}
