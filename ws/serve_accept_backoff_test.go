package ws

import (
	"context"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// emfileListener fails its first Accept with EMFILE, as a process out of
// file descriptors does, then accepts as ln.
type emfileListener struct {
	net.Listener
	failed atomic.Bool
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if !l.failed.Swap(true) {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: l.Addr(), Err: os.NewSyscallError("accept", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestReviewServeBacksOffOnEMFILE: Serve must back off and go on
// accepting when the process is out of file descriptors (its comment says
// so, as net/http does), not return and stop serving for good.
func TestReviewServeBacksOffOnEMFILE(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Handler: newEcho()}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(&emfileListener{Listener: ln}) }()
	defer func() {
		_ = srv.Shutdown(context.Background())
		_ = ln.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	dialed := make(chan error, 1)
	go func() {
		c, err := Dial(ctx, "ws://"+ln.Addr().String()+"/", nil)
		if err == nil {
			_ = c.CloseNow()
		}
		dialed <- err
	}()
	select {
	case err := <-served:
		t.Fatalf("Serve returned on EMFILE instead of backing off: %v", err)
	case err := <-dialed:
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
	}
}
